"""Will this .tflite run on the OpenMV Cam H7 Plus? Size, ops, arena, MACs, latency.

- ops: every operator must be in :data:`CAMERA_OPS` (DESIGN.md §5);
- arena: the smallest TFLite Micro tensor arena the model allocates in,
  found by bisection with the real ``tflite-micro`` interpreter (too small
  an arena raises);
- MACs: multiply-accumulates of the convolution and dense ops, from the
  model's own tensor shapes;
- latency: MACs × the H7 Plus rate measured for Wiącek's int8 model
  (334 ms for :data:`WIACEK_MACS`), a MAC-bound estimate.
"""

import os

import numpy as np

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CAMERA_OPS = frozenset({
    "CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D", "AVERAGE_POOL_2D", "MEAN", "FULLY_CONNECTED",
    "SOFTMAX", "RESHAPE", "QUANTIZE", "DEQUANTIZE", "LEAKY_RELU", "HARD_SWISH",
    "ADD", "MUL", "RELU", "RELU6", "LOGISTIC", "PAD", "CONCATENATION",
})
#: MACs of the Wiącek model (train.models.wiacek, 8 classes) as int8 TFLite;
#: tests/train/test_camera_check.py recomputes it from the factory.
WIACEK_MACS = 38_337_408
WIACEK_MS = 334.0
MS_PER_MAC = WIACEK_MS / WIACEK_MACS
#: The budget of a model we are willing to flash (issue targets).
BUDGET = {"size_bytes": 256 * 1024, "arena_bytes": 256 * 1024, "latency_ms": 150.0}
INTERNAL_FLASH_BYTES = 100 * 1024  # what the 128 KB internal USB drive leaves for a model


def _interpreter(tflite):
    from ai_edge_litert.interpreter import Interpreter

    try:
        interpreter = Interpreter(model_content=bytes(tflite))
    except (ValueError, RuntimeError) as err:
        raise ValueError(f"not a TFLite model: {err}") from None
    return interpreter


def read_tflite(path):
    """Bytes of a .tflite file; ValueError when it is not one."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ValueError(f"{path}: not a TFLite model (no TFL3 identifier)")
    return data


def op_names(tflite):
    """Operator names in execution order, e.g. ['CONV_2D', 'DEPTHWISE_CONV_2D', ...]."""
    return [op["op_name"] for op in _interpreter(tflite)._get_ops_details()]


def unsupported_ops(tflite):
    """Sorted op names the camera lacks (empty = fine)."""
    return sorted(set(op_names(tflite)) - CAMERA_OPS)


def macs(tflite):
    """Multiply-accumulates per inference (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED)."""
    interpreter = _interpreter(tflite)
    shapes = {t["index"]: t["shape"] for t in interpreter.get_tensor_details()}
    total = 0
    for op in interpreter._get_ops_details():
        name, ins, outs = op["op_name"], op["inputs"], op["outputs"]
        if name == "CONV_2D":
            out, w = shapes[outs[0]], shapes[ins[1]]  # out (1,H,W,Co); w (Co,kh,kw,Ci)
            total += int(np.prod(out[1:3])) * int(np.prod(w))
        elif name == "DEPTHWISE_CONV_2D":
            out, w = shapes[outs[0]], shapes[ins[1]]  # w (1,kh,kw,C)
            total += int(np.prod(out[1:3])) * int(np.prod(w))
        elif name == "FULLY_CONNECTED":
            total += int(np.prod(shapes[ins[1]]))  # w (out, in)
    return total


def _micro(command, tflite, *extra):
    """Run a :mod:`train.micro` probe in a child process; return its JSON result."""
    import json
    import os
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.tflite")
        with open(path, "wb") as f:
            f.write(bytes(tflite))
        args = []
        for i, array in enumerate(extra):
            args.append(os.path.join(tmp, f"in{i}.npy"))
            np.save(args[-1], array)
        proc = subprocess.run([sys.executable, "-m", "train.micro", command, path, *args],
                              capture_output=True, text=True, cwd=_ROOT, timeout=600)
    if proc.returncode != 0:
        why = "aborted" if proc.returncode in (-6, 134) else f"exited with {proc.returncode}"
        raise ValueError(f"TFLite Micro {why} preparing the model (e.g. a softmax input scale too small "
                         f"to quantize: an untrained or degenerate model)")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if "error" in result:
        raise ValueError(result["error"])
    return result


_ARENAS = {}  # sha256 of a model → its arena: the bisection runs once per model, however many steps ask


def min_arena_bytes(tflite):
    """Smallest TFLite Micro arena (bytes, to 1 KB) in which the model allocates and runs."""
    import hashlib

    key = hashlib.sha256(bytes(tflite)).hexdigest()
    if key not in _ARENAS:
        _ARENAS[key] = _micro("arena", tflite)["arena_bytes"]
    return _ARENAS[key]


def run_micro(tflite, face_int8):
    """Output of the TFLite Micro interpreter for one int8 face (H, W): int8 array (K,)."""
    return np.array(_micro("run", tflite, np.asarray(face_int8, dtype=np.int8))["output"], dtype=np.int8)


def camera_report(tflite):
    """Everything the camera cares about, as a dict (see module docstring)."""
    mac_count = macs(tflite)
    report = {
        "size_bytes": len(tflite),
        "ops": sorted(set(op_names(tflite))),
        "unsupported_ops": unsupported_ops(tflite),
        "arena_bytes": min_arena_bytes(tflite),
        "macs": mac_count,
        "estimated_latency_ms": round(mac_count * MS_PER_MAC, 1),
        "fits_internal_flash": len(tflite) <= INTERNAL_FLASH_BYTES,
    }
    report["within_budget"] = (
        not report["unsupported_ops"]
        and report["size_bytes"] <= BUDGET["size_bytes"]
        and report["arena_bytes"] <= BUDGET["arena_bytes"]
        and report["estimated_latency_ms"] <= BUDGET["latency_ms"]
    )
    return report


def check_camera(tflite):
    """Raise ValueError naming the first reason the model cannot go on the camera.

    Cheap checks first (ops, size, estimated latency), the TFLite Micro
    arena last. Returns the camera report when everything fits.
    """
    missing = unsupported_ops(tflite)
    if missing:
        raise ValueError(f"the camera lacks ops {missing}")
    if len(tflite) > BUDGET["size_bytes"]:
        raise ValueError(f"the model does not fit the camera: size bytes {len(tflite)} > {BUDGET['size_bytes']}")
    latency = macs(tflite) * MS_PER_MAC
    if latency > BUDGET["latency_ms"]:
        raise ValueError(f"the model is too slow for the camera: about {latency:.0f} ms > {BUDGET['latency_ms']:.0f} ms")
    report = camera_report(tflite)
    if report["arena_bytes"] > BUDGET["arena_bytes"]:
        raise ValueError(f"the model does not fit the camera: arena bytes {report['arena_bytes']} > {BUDGET['arena_bytes']}")
    return report
