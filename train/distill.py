"""Knowledge distillation: earlier runs teach a new model through its training targets.

The teachers' probabilities on the train faces (each teacher averaged over
the face and its mirror image, then the teachers averaged) are blended with
the export's labels::

    target = (1 − weight) · labels + weight · teachers        # (N, K), rows sum to 1

and the new model trains on ``target`` with the usual soft-label
cross-entropy. On PublicTest two 42-minute ``camera`` runs (85.96 and
85.46 %) score 87.1 % as a flip-averaged ensemble; a 42-minute student of
theirs at weight 0.8 reaches int8 86.28 %, more than any single run
(benchmarks/RESULTS.md): averaging carries what one small model cannot
reach alone, and distillation hands it to a model the camera can afford.
Those figures chose epochs on PublicTest; chosen on a held-out slice of
Training, the student (81.47 %) fell below its teachers (82.20, 81.83 %),
so the shipped recipe trains no teachers.

A teacher run keeps its predictions on the train faces beside its model
(``teacher_predictions.npz``, ~0.4 MB for 27k faces; layout in
:mod:`train.run_files`): later students on the same faces read them, and the
file alone can teach (``curate train --teacher FILE``), so a teacher trained
on a GPU machine travels as its predictions.
"""

import os
import zlib

import numpy as np


def blend_targets(labels, teacher, weight):
    """``(1 − weight) · labels + weight · teacher``, float32 (N, K).

    Parameters
    ----------
    labels : (N, K) label distributions (soft labels or one-hot), rows sum to 1
    teacher : (N, K) teacher probabilities, rows sum to 1
    weight : float in [0, 1], the teacher's share
    """
    labels = np.asarray(labels, dtype=np.float64)
    teacher = np.asarray(teacher, dtype=np.float64)
    if labels.ndim != 2 or labels.shape != teacher.shape:
        raise ValueError(f"labels {labels.shape} and teacher probabilities {teacher.shape} must both be (N, K)")
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"teacher weight must be in [0, 1], got {weight}")
    for name, array in (("labels", labels), ("teacher probabilities", teacher)):
        if not np.all(np.isfinite(array)) or array.min(initial=0.0) < 0:
            raise ValueError(f"{name} must be finite and non-negative")
        bad = np.flatnonzero(np.abs(array.sum(axis=1) - 1.0) > 1e-3)
        if len(bad):
            raise ValueError(f"{name} row {bad[0]} sums to {array[bad[0]].sum():.4f}, not 1")
    return ((1.0 - weight) * labels + weight * teacher).astype(np.float32)


def face_digests(x):
    """crc32 of each uint8 face's pixels: uint32 (N,) for faces (N, H, W); matches cached predictions to faces."""
    x = np.ascontiguousarray(x, dtype=np.uint8)
    return np.fromiter((zlib.crc32(face.tobytes()) for face in x), dtype=np.uint32, count=len(x))


def cached_rows(path, keys, digests, classes):
    """Rows (N, K) float32 of the predictions file ``path`` for the faces ``keys``/``digests``, in that order;
    None when the file is absent or does not cover every face as it is now. ValueError: other classes."""
    from train.run_files import read_teacher_predictions

    if not os.path.isfile(path):
        return None
    file_keys, file_digests, probs, file_classes = read_teacher_predictions(path)
    if file_classes != list(classes):
        raise ValueError(f"{path}: predictions over {file_classes}, the export has {list(classes)}; "
                         f"teachers must be trained on the same scheme")
    index = {k: r for r, k in enumerate(file_keys)}
    rows = np.array([index.get(k, -1) for k in keys], dtype=np.int64)
    if (rows < 0).any() or (file_digests[rows] != digests).any():
        return None
    return probs[rows]


def teacher_probabilities(teachers, x, classes, keys):
    """Mean probabilities (N, K) of the teachers on uint8 faces ``x`` (N, H, W) with sample ``keys`` (N,).

    A teacher is a run directory (its model predicts) or a teacher-predictions
    ``.npz`` file (:mod:`train.run_files`; no model needed) that covers the
    faces. A run's prediction is the mean over the face and its mirror image
    (expressions are left-right symmetric; training flips them too). A run
    keeps its predictions in ``teacher_predictions.npz`` and the next student
    on the same faces (same keys and pixels) reads them instead of predicting
    again.
    ValueError when a teacher knows other classes than ``classes`` or a file
    lacks faces; FileNotFoundError when a run directory holds no trained model.
    """
    from train.evaluate import predict_mirrored
    from train.run_files import TEACHER_PREDICTIONS_NAME, read_metrics, write_teacher_predictions
    from train.runs import load_run_model

    if not teachers:
        raise ValueError("no teacher runs given")
    x = np.asarray(x)
    digests = face_digests(x)
    total = None
    for teacher in teachers:
        if os.path.isfile(teacher):
            probs = cached_rows(teacher, keys, digests, classes)
            if probs is None:
                raise ValueError(f"teacher {teacher}: no prediction for some of the {len(keys)} train faces (or "
                                 f"their pixels changed); make it again from the teacher run on this export")
        else:
            teacher_classes = read_metrics(teacher)["classes"]
            if list(teacher_classes) != list(classes):
                raise ValueError(f"teacher {teacher} predicts {teacher_classes}, the export has {list(classes)}; "
                                 f"teachers must be trained on the same scheme")
            cache = os.path.join(teacher, TEACHER_PREDICTIONS_NAME)
            probs = cached_rows(cache, keys, digests, classes)
            if probs is None:
                probs = predict_mirrored(load_run_model(teacher), x)
                try:
                    write_teacher_predictions(cache, keys, digests, probs, classes)
                except OSError:
                    pass  # a read-only run still teaches; it predicts again next time
        total = probs if total is None else total + probs
    return (total / len(teachers)).astype(np.float32)
