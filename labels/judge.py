"""Judging curation against an oracle (numpy in, numpy out).

The oracle is a label the curation never saw: for FER2013, the FERPlus
crowd majority of 10 real votes. These functions score what the curation
produces — tags (bool (N,)) and queue orders (scores (N,), higher = review
first) — against ``is_error`` bool (N,): True where the given label differs
from the oracle. Samples the oracle cannot judge (no majority) must be left
out by the caller.
"""

import numpy as np


def _check(is_error, other, name):
    is_error = np.asarray(is_error, dtype=bool)
    other = np.asarray(other)
    if is_error.ndim != 1 or other.shape != is_error.shape:
        raise ValueError(f"is_error and {name} must be 1-D of equal length, got {is_error.shape} and {other.shape}")
    return is_error, other


def tag_precision_recall(is_error, tagged):
    """(precision, recall, number tagged) of a bool tag against the errors; precision NaN when nothing is tagged."""
    is_error, tagged = _check(is_error, tagged, "tagged")
    tagged = tagged.astype(bool)
    hits = int((is_error & tagged).sum())
    precision = hits / tagged.sum() if tagged.any() else float("nan")
    recall = hits / is_error.sum() if is_error.any() else float("nan")
    return float(precision), float(recall), int(tagged.sum())


def queue_order(scores, tiebreak=None):
    """Indices (N,) from the highest score down; ties by ``tiebreak`` ascending, then by index. NaN scores go last."""
    scores = np.asarray(scores, dtype=np.float64)
    primary = np.where(np.isnan(scores), np.inf, -scores)
    if tiebreak is None:
        return np.lexsort((np.arange(len(scores)), primary))
    tiebreak = np.asarray(tiebreak, dtype=np.float64)
    if tiebreak.shape != scores.shape:
        raise ValueError(f"tiebreak must have shape {scores.shape}, got {tiebreak.shape}")
    return np.lexsort((np.arange(len(scores)), np.nan_to_num(tiebreak, nan=np.inf), primary))


def precision_at(is_error, order, ks):
    """Share of errors among the first k of ``order`` for each k: dict k → float (k capped at N)."""
    is_error = np.asarray(is_error, dtype=bool)
    order = np.asarray(order, dtype=np.int64)
    if order.shape != is_error.shape or (len(order) and not np.array_equal(np.sort(order), np.arange(len(order)))):
        raise ValueError("order must be a permutation of the sample indices")
    hits = np.cumsum(is_error[order])
    return {int(k): float(hits[min(k, len(order)) - 1] / min(k, len(order))) for k in ks if len(order)}
