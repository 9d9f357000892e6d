"""``curate bundle``: a folder ready for the OpenMV camera's USB drive.

::

    trained.tflite   the int8 model (input scale 1/255, zero point -128)
    labels.txt       one class per line, model output order (Edge Impulse / our main.py)
    trained.txt      the same; recent firmware loads <model>.txt with the model
    main.py          openmv/camera/main.py: face detection + classification
    face_box.py      openmv/camera/face_box.py: the face crop box (the host's preprocessing imports it too)
    face_finder.py   openmv/camera/face_finder.py: FOMO or Haar face detection for firmware 4.5.x-5.x
    model.json       classes, scheme, input size, quantization, metrics, data lineage

The model defaults to the one shipped in ``openmv/model/``; ``--run DIR``
takes a trained and quantized run instead. The model must pass the camera
checks (ops, size, arena, latency). The folder is built under a temporary
name and renamed when complete.
"""

import hashlib
import json
import os
import shutil

from datasets.media import atomic_folder

PACKAGE = os.path.dirname(os.path.abspath(__file__))
SHIPPED_MODEL = os.path.join(PACKAGE, "model")
CAMERA_SCRIPTS = os.path.join(PACKAGE, "camera")
BUNDLE_FILES = ("trained.tflite", "labels.txt", "trained.txt", "main.py", "face_box.py", "face_finder.py",
                "model.json")
CAMERA_CODE = ("main.py", "face_box.py", "face_finder.py")  # MicroPython from openmv/camera/, copied as they are


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_source(run_dir=None):
    """(tflite path, metrics dict) of a run, or of the shipped model."""
    folder = run_dir or SHIPPED_MODEL
    from train.run_files import METRICS_NAME, TFLITE_NAME, read_metrics

    tflite = os.path.join(folder, TFLITE_NAME)
    if not os.path.isfile(tflite):
        hint = "run `curate quantize` on it first" if run_dir else "the shipped model is missing from openmv/model/"
        raise FileNotFoundError(f"{tflite}: no int8 model; {hint}")
    if not os.path.isfile(os.path.join(folder, METRICS_NAME)):
        raise FileNotFoundError(f"{os.path.join(folder, METRICS_NAME)}: no metrics next to the model")
    return tflite, read_metrics(folder)


def make_bundle(out_dir, *, run_dir=None, overwrite=True):
    """Write the bundle folder; return its model.json dict."""
    from train.camera_check import check_camera, read_tflite
    from train.preprocess import CLAHE_TILES
    from train.quantize import input_quantization, input_shape
    from train.run_files import run_clahe

    tflite_path, metrics = model_source(run_dir)
    tflite = read_tflite(tflite_path)
    camera = check_camera(tflite)  # refuses a model the camera cannot run
    classes = list(metrics["classes"])
    if os.path.exists(out_dir) and not overwrite:
        raise ValueError(f"{out_dir} exists")
    with atomic_folder(out_dir) as tmp:
        shutil.copyfile(tflite_path, os.path.join(tmp, "trained.tflite"))
        for name in ("labels.txt", "trained.txt"):
            with open(os.path.join(tmp, name), "w") as f:
                f.write("\n".join(classes) + "\n")
        for name in CAMERA_CODE:
            shutil.copyfile(os.path.join(CAMERA_SCRIPTS, name), os.path.join(tmp, name))
        scale, zero_point = input_quantization(tflite)
        height, width, channels = input_shape(tflite)  # main.py reads it from model.json
        if height != width or channels != 1:
            raise ValueError(f"{tflite_path}: the camera feeds square grayscale faces; the model takes "
                             f"{height}x{width}x{channels}")
        export = metrics.get("export", {})
        val = metrics.get("val", {})
        info = {
            "classes": classes,
            "scheme": export.get("scheme"),
            "input": {"height": height, "width": width, "channels": channels, "dtype": "int8",
                      "scale": scale, "zero_point": zero_point, "camera_feeds": "pixel - 128",
                      "clahe": run_clahe(metrics),
                      "clahe_tiles": CLAHE_TILES},
            "model": metrics.get("model"),
            "metrics": {split: {kind: {k: v[k] for k in ("accuracy", "macro_f1", "samples")}
                                for kind, v in val_kinds.items()}
                        for split, val_kinds in (("val", val),) if val_kinds},
            "camera": camera,
            "lineage": {"dataset": export.get("dataset"), "view": export.get("view"),
                        "label_rule": export.get("label_rule"), "export_content_hash": export.get("content_hash"),
                        "source": "shipped" if run_dir is None else os.path.abspath(run_dir)},
            "sha256": {name: sha256(os.path.join(tmp, name)) for name in ("trained.tflite", "labels.txt", *CAMERA_CODE)},
        }
        with open(os.path.join(tmp, "model.json"), "w") as f:
            json.dump(info, f, indent=2)
    return info
