"""Per-sample scores from a model's logits (numpy in, numpy out): FiftyOne Brain's hardness and mistakenness.

``logits`` has shape (N, C) (finite floats; log-probabilities work as well,
softmax is shift-invariant) and is checked by :func:`check_logits`; every
function returns a float array of shape (N,). The formulas are those of
``fiftyone-brain`` 0.25.0 for classifications (``compute_hardness``, and
``compute_mistakenness`` with ``use_logits=True``), vectorised:

- hardness = H(softmax(z)), the natural-log entropy of the predicted distribution;
- mistakenness = (s · c + 1) / 2 with s = +1 where the prediction (argmax)
  differs from the label, −1 where it agrees, and c the confidence:
  exp(−H) with ``use_logits`` (Brain's ``use_logits=True``), else the top
  softmax probability (Brain's default, which reads the Classification's
  ``confidence``). Near 1 for a confident disagreement, near 0 for a
  confident agreement, 0.5 when unsure.

``tests/labels/test_model_scores.py`` compares them with Brain's own
functions on a real dataset, so an upgrade that changes a formula fails there.
"""

import numpy as np


def check_logits(logits):
    """``logits`` as a float64 array (N, C), C ≥ 2, every value finite; ValueError otherwise."""
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim != 2 or z.shape[1] < 2:
        raise ValueError(f"logits must have shape (N, C) with C ≥ 2, not {z.shape}")
    if not np.isfinite(z).all():
        row = int(np.flatnonzero(~np.isfinite(z).all(axis=1))[0])
        raise ValueError(f"logits row {row} is not finite: {z[row].tolist()}")
    return z


def softmax(logits):
    """Row-wise softmax of (N, C) logits → (N, C) probabilities."""
    z = check_logits(logits)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def hardness(logits):
    """Entropy (nats) of softmax(logits) per row, in [0, log C]."""
    p = softmax(logits)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log(p), 0.0).sum(axis=1)


def mistakenness(logits, labels, use_logits=True):
    """Brain's classification mistakenness of predictions ``logits`` (N, C) against class indices ``labels`` (N,)."""
    z = check_logits(logits)
    y = np.asarray(labels)
    if y.shape != (len(z),) or not np.issubdtype(y.dtype, np.integer) or ((y < 0) | (y >= z.shape[1])).any():
        raise ValueError(f"labels must be {len(z)} class indices in [0, {z.shape[1]}), not shape {y.shape} "
                         f"of {y.dtype}")
    sign = np.where(z.argmax(axis=1) == y, -1.0, 1.0)
    confidence = np.exp(-hardness(z)) if use_logits else softmax(z).max(axis=1)
    return (sign * confidence + 1.0) / 2.0
