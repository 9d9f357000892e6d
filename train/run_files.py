"""The run directory's format, in one place: its file names and ``metrics.json``, read, written, updated.

A run directory (``curate train``, ``curate quantize``)::

    model.keras        the trained float model            MODEL_NAME
    history.csv        per-epoch loss / accuracy (/ val)  HISTORY_NAME
    metrics.json       see below                          METRICS_NAME
    export.json        the export's manifest              EXPORT_NAME
    recipe.toml        the recipe it ran (train/recipe)   RECIPE_NAME
    trained.tflite     the int8 model                     TFLITE_NAME
    camera.json        the camera report                  CAMERA_NAME
    teacher_predictions.npz  its flip-averaged predictions on a student's train faces, kept for the next
                       student (train/distill.py)         TEACHER_PREDICTIONS_NAME
    curves.png, confusion_*.png

``metrics.json``: model, params, classes, settings, epochs_run,
train_seconds, teacher_seconds, train_samples, val {float, float_leak_free,
int8, int8_leak_free}, test {...}, selection, export (path, content_hash,
dataset, view, scheme, label_rule), camera. Written whole and atomically
(a reader never sees half a file); :func:`update_metrics` merges parts in.
"""

import json
import os

import numpy as np

MODEL_NAME = "model.keras"
HISTORY_NAME = "history.csv"
METRICS_NAME = "metrics.json"
EXPORT_NAME = "export.json"
RECIPE_NAME = "recipe.toml"
TFLITE_NAME = "trained.tflite"
CAMERA_NAME = "camera.json"
TEACHER_PREDICTIONS_NAME = "teacher_predictions.npz"


def write_json(path, data):
    """Write ``data`` as JSON to ``path`` through a temporary file and a rename."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2)
    os.replace(tmp, path)


def write_metrics(run_dir, metrics):
    write_json(os.path.join(run_dir, METRICS_NAME), metrics)


def read_metrics(run_dir):
    """A run's metrics dict; FileNotFoundError when ``run_dir`` is no training run."""
    path = os.path.join(run_dir, METRICS_NAME)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{run_dir}: not a training run (no {METRICS_NAME}); run `curate train` first")
    with open(path) as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}: not valid JSON ({err}); train the run again") from err


def update_metrics(run_dir, **parts):
    """Merge ``parts`` into a run's metrics (a dict part is merged one level deep); return the result."""
    metrics = read_metrics(run_dir)
    for key, value in parts.items():
        if isinstance(value, dict) and isinstance(metrics.get(key), dict):
            metrics[key] = {**metrics[key], **value}
        else:
            metrics[key] = value
    write_metrics(run_dir, metrics)
    return metrics


def is_trained(run_dir):
    """True when ``run_dir`` holds a finished training run (its metrics are written last)."""
    return os.path.isfile(os.path.join(run_dir, METRICS_NAME))


def is_quantized(run_dir):
    return os.path.isfile(os.path.join(run_dir, TFLITE_NAME))


def run_clahe(metrics):
    """The CLAHE clip limit a run was trained with (0: none), from its ``metrics.json`` dict."""
    return float(metrics.get("settings", {}).get("clahe", 0.0) or 0.0)


def write_teacher_predictions(path, keys, digests, probs, classes):
    """Write a teacher's predictions (layout in the module docstring) through a temporary file and a rename."""
    probs = np.asarray(probs)
    if probs.ndim != 2 or probs.shape != (len(keys), len(classes)) or len(digests) != len(keys):
        raise ValueError(f"{path}: {len(keys)} keys, {len(digests)} digests, probabilities {probs.shape} and "
                         f"{len(classes)} classes do not make one (N, K) table")
    tmp = path + ".tmp.npz"
    np.savez_compressed(tmp, keys=np.asarray(keys, dtype=str), digests=np.asarray(digests, dtype=np.uint32),
                        probs=probs.astype(np.float16), classes=np.asarray(classes, dtype=str))
    os.replace(tmp, path)


def read_teacher_predictions(path):
    """(keys (N,) str, digests (N,) uint32, probs (N, K) float32 rows summing to 1, classes list) of a file
    :func:`write_teacher_predictions` wrote; ValueError naming the file when it is not one."""
    try:
        with np.load(path, allow_pickle=False) as data:
            keys, digests, probs, classes = (data[k] for k in ("keys", "digests", "probs", "classes"))
    except (OSError, KeyError, ValueError) as err:
        raise ValueError(f"{path}: not a teacher-predictions file (keys, digests, probs, classes): {err}") from err
    probs = probs.astype(np.float32)
    if probs.ndim != 2 or probs.shape != (len(keys), len(classes)) or digests.shape != keys.shape:
        raise ValueError(f"{path}: {len(keys)} keys, {len(digests)} digests and probabilities {probs.shape} "
                         f"for {len(classes)} classes do not match")
    if len(probs) and (not np.all(np.isfinite(probs)) or probs.min() < 0):
        raise ValueError(f"{path}: probabilities must be finite and non-negative")
    probs /= np.maximum(probs.sum(axis=1, keepdims=True), 1e-12)  # float16 rounding
    return keys.astype(str), digests.astype(np.uint32), probs, [str(c) for c in classes]
