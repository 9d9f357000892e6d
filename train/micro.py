"""TFLite Micro probes, run in a child process: ``python -m train.micro``.

The ``tflite-micro`` interpreter aborts the whole process on some models
(e.g. a softmax whose input scale underflows), so :mod:`train.camera_check`
runs it here and reads one JSON line back::

    python -m train.micro arena MODEL.tflite        → {"arena_bytes": N}
    python -m train.micro run MODEL.tflite IN.npy   → {"output": [...]}   (IN: int8 (H, W))
"""

import json
import sys

import numpy as np


def _fits(model, size):
    from tflite_micro.python.tflite_micro import runtime

    try:
        interpreter = runtime.Interpreter.from_bytes(model, arena_size=int(size))
        detail = interpreter.get_input_details(0)
        interpreter.set_input(np.zeros(detail["shape"], dtype=detail["dtype"]), 0)
        interpreter.invoke()
        return True
    except (RuntimeError, ValueError):
        return False


def min_arena(model, low=2048, high=8 << 20, step=1024):
    if not _fits(model, high):
        raise ValueError(f"the model does not run in a {high >> 20} MB TFLite Micro arena")
    while high - low > step:
        mid = (low + high) // 2
        if _fits(model, mid):
            high = mid
        else:
            low = mid
    return int(high)


def run(model, face_int8):
    from tflite_micro.python.tflite_micro import runtime

    interpreter = runtime.Interpreter.from_bytes(model)
    interpreter.set_input(face_int8[None, ..., None].astype(np.int8), 0)
    interpreter.invoke()
    return interpreter.get_output(0)[0].tolist()


def main(argv):
    command, path = argv[0], argv[1]
    with open(path, "rb") as f:
        model = f.read()
    try:
        if command == "arena":
            result = {"arena_bytes": min_arena(model)}
        elif command == "run":
            result = {"output": run(model, np.load(argv[2]))}
        else:
            raise ValueError(f"unknown command {command!r}")
    except ValueError as err:
        result = {"error": str(err)}
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
