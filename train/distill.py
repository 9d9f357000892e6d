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
"""

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


def teacher_probabilities(run_dirs, x, classes):
    """Mean probabilities (N, K) of the teacher runs on uint8 faces ``x`` (N, H, W).

    Each teacher's prediction is averaged with its prediction on the mirrored
    faces (expressions are left-right symmetric; training flips them too).
    ValueError when a teacher was trained on other classes than ``classes``;
    FileNotFoundError when a run directory holds no trained model.
    """
    from train.evaluate import predict_mirrored
    from train.run_files import read_metrics
    from train.runs import load_run_model

    if not run_dirs:
        raise ValueError("no teacher runs given")
    x = np.asarray(x)
    total = None
    for run_dir in run_dirs:
        teacher_classes = read_metrics(run_dir)["classes"]
        if list(teacher_classes) != list(classes):
            raise ValueError(f"teacher {run_dir} predicts {teacher_classes}, the export has {list(classes)}; "
                             f"teachers must be trained on the same scheme")
        model = load_run_model(run_dir)
        probs = predict_mirrored(model, x)
        total = probs if total is None else total + probs
    return (total / len(run_dirs)).astype(np.float32)
