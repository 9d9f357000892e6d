"""Per-sample disagreement scores from crowd votes (numpy in, numpy out).

All functions take ``votes`` of shape (N, 10) (FERPlus column order, checked
by :func:`labels.votes.check_votes`) and return float arrays of shape (N,).
Rows without votes should simply not be passed; rows with no votes at all
get NaN where a score is undefined.
"""

import numpy as np

from labels.taxonomy import NUM_CLASSES
from labels.votes import check_votes, majority_index


def vote_entropy(votes):
    """Normalised Shannon entropy of the 10-way vote distribution, in [0, 1].

    0 = every annotator chose the same column; 1 = votes spread evenly over
    all 10 columns (entropy / log 10). NaN for rows with no votes.
    """
    v = check_votes(votes).astype(np.float64)
    total = v.sum(axis=1, keepdims=True)
    p = np.divide(v, total, out=np.zeros_like(v), where=total > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=1) / np.log(v.shape[1])
    return np.where(total[:, 0] > 0, h, np.nan)


def agreement(votes):
    """Share of all votes held by the top column (emotion, unknown or NF)."""
    v = check_votes(votes).astype(np.float64)
    total = v.sum(axis=1)
    return np.divide(v.max(axis=1), total, out=np.full(len(v), np.nan), where=total > 0)


def margin(votes):
    """(top − second) vote share over all 10 columns; 0 for a tie at the top."""
    v = np.sort(check_votes(votes).astype(np.float64), axis=1)
    total = v.sum(axis=1)
    return np.divide(v[:, -1] - v[:, -2], total, out=np.full(len(v), np.nan), where=total > 0)


def unusable_share(votes):
    """Share of votes for ``unknown`` + ``NF`` (not a face)."""
    v = check_votes(votes).astype(np.float64)
    total = v.sum(axis=1)
    return np.divide(v[:, NUM_CLASSES:].sum(axis=1), total, out=np.full(len(v), np.nan), where=total > 0)


def not_face_share(votes):
    """Share of votes for ``NF`` alone."""
    v = check_votes(votes).astype(np.float64)
    total = v.sum(axis=1)
    return np.divide(v[:, NUM_CLASSES + 1], total, out=np.full(len(v), np.nan), where=total > 0)


def label_conflict(votes, labels):
    """FER2013 label vs FERPlus majority.

    Parameters
    ----------
    votes : np.ndarray of shape (N, 10)
    labels : np.ndarray of shape (N,) of canonical class indices (0-7)

    Returns
    -------
    np.ndarray of shape (N,) bool
        True where the crowd has a majority class and it differs from
        ``labels``. Rows without a majority are not conflicts (they are
        "disputed" through their low agreement instead).
    """
    labels = np.asarray(labels)
    votes = check_votes(votes)
    if labels.shape != (len(votes),):
        raise ValueError(f"labels must have shape ({len(votes)},), got {labels.shape}")
    top = majority_index(votes)
    return (top >= 0) & (top != labels)

