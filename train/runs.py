"""Quantizing and evaluating a training run (``curate quantize`` / ``curate evaluate``).

``quantize_run`` writes ``trained.tflite`` (full int8) into the run, runs
the camera checks (``camera.json``) and adds int8 metrics on val (and test,
when the export has one) to ``metrics.json``, with a confusion matrix PNG.
"""

import os

from train.camera_check import camera_report, read_tflite
from train.data import load_export
from train.evaluate import classification_metrics, plot_confusion, predict_keras, predict_tflite
from train.run_files import CAMERA_NAME, MODEL_NAME, TFLITE_NAME, read_metrics, run_clahe, update_metrics, write_json
from train.preprocess import resize_faces
from train.quantize import quantize_int8



def load_run_model(run_dir):
    import keras

    path = os.path.join(run_dir, MODEL_NAME)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{run_dir}: no {MODEL_NAME}; run `curate train` first")
    return keras.models.load_model(path)


def run_export(metrics, export_path=None):
    """The run's export (or ``export_path``), its faces as the run's model sees them (CLAHE if it was trained so)."""
    export = load_export(export_path or metrics["export"]["path"], expect_classes=metrics["classes"])
    return export.with_clahe(run_clahe(metrics))


def quantize_run(run_dir, *, export_path=None, require_camera_fit=False):
    """int8-convert a run's model; return (tflite path, camera report)."""
    metrics = read_metrics(run_dir)
    export = run_export(metrics, export_path)
    model = load_run_model(run_dir)
    tflite = quantize_int8(model, resize_faces(export.split("train").x, model.input_shape[1]))  # the model's geometry
    path = os.path.join(run_dir, TFLITE_NAME)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(tflite)
    os.replace(tmp, path)
    report = camera_report(tflite)
    write_json(os.path.join(run_dir, CAMERA_NAME), report)
    parts = {"camera": report}
    for split in ("val", "test"):
        data = export.splits.get(split)
        if data is None or not len(data):
            continue
        probs = predict_tflite(tflite, data.x)
        result = classification_metrics(data.hard, probs, export.classes)
        parts[split] = {"int8": result}
        if data.leak.any():
            clean = ~data.leak
            parts[split]["int8_leak_free"] = classification_metrics(data.hard[clean], probs[clean], export.classes)
        plot_confusion(result["confusion"], export.classes, os.path.join(run_dir, f"confusion_{split}_int8.png"),
                       f"{metrics['model']} int8, {split} accuracy {result['accuracy']:.3f}")
    update_metrics(run_dir, **parts)
    if require_camera_fit and not report["within_budget"]:
        raise ValueError(f"{path} does not fit the camera budget: {report}")
    return path, report


def evaluate_run(run_dir, *, export_path=None, split="val", tta=False):
    """Float and int8 metrics of a run on one split of an export.

    Returns {"float": ..., "int8": ...}, plus "float_leak_free" / "int8_leak_free"
    (the split without faces whose near-duplicate group reaches another
    split) when the split has such faces; "int8" only once the run is quantized.
    ``tta`` adds "float_tta" / "int8_tta" (and their leak-free parts): the mean
    of the probabilities on each face and on its mirror image — two
    inferences per face, twice the camera's latency.
    """
    metrics = read_metrics(run_dir)
    export = run_export(metrics, export_path)
    data = export.split(split)
    model = load_run_model(run_dir)
    probs = {"float": predict_keras(model, data.x)}
    if tta:
        probs["float_tta"] = (probs["float"] + predict_keras(model, data.x[:, :, ::-1])) / 2
    tflite_path = os.path.join(run_dir, TFLITE_NAME)
    if os.path.isfile(tflite_path):
        tflite = read_tflite(tflite_path)
        probs["int8"] = predict_tflite(tflite, data.x)
        if tta:
            probs["int8_tta"] = (probs["int8"] + predict_tflite(tflite, data.x[:, :, ::-1])) / 2
    out = {}
    for kind, p in probs.items():
        out[kind] = classification_metrics(data.hard, p, export.classes)
        if data.leak.any():
            clean = ~data.leak
            out[f"{kind}_leak_free"] = classification_metrics(data.hard[clean], p[clean], export.classes)
    return out
