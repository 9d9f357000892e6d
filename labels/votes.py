"""Crowd votes → labels: the FERPlus label rules, exactly as microsoft/FERPlus.

Votes are arrays of shape ``(N, 10)``: counts per row in FERPlus column order
``neutral, happiness, surprise, sadness, anger, disgust, fear, contempt,
unknown, NF`` (see :mod:`labels.taxonomy`). All functions take numpy arrays
and return numpy arrays; input checks live in :func:`check_votes`.

The rules (``src/ferplus.py``, ``_process_data`` and its caller):

- every mode first sets vote counts of 1 to 0 (outlier removal);
- ``majority``: the top class must hold more than half the remaining votes;
- ``probability`` / ``crossentropy``: take top classes (ties together) until
  they cover ≥ 75 % of the votes or 3 classes; discard when ≤ 50 % is
  covered or more than 3 classes were taken;
- ``multi_target``: classes with ≥ 30 % of the votes; discard when ≤ 50 %
  is covered;
- a row whose resulting argmax is ``unknown`` or ``NF`` is dropped; kept rows
  are renormalised over the 8 emotions.
"""

from collections import namedtuple

import numpy as np

from labels.taxonomy import NUM_CLASSES, NUM_VOTE_COLUMNS

MODES = ("majority", "probability", "crossentropy", "multi_target")
LABEL_RULES = (*MODES, "original")  # an export's train labels: a vote mode, or FER2013's own label
UNKNOWN_INDEX = NUM_CLASSES  # column 8; NF is column 9

#: ``dist``: float array (N, 8), each kept row sums to 1, dropped rows are 0.
#: ``keep``: bool array (N,), True where the rule yields an emotion label.
FerplusLabels = namedtuple("FerplusLabels", ["dist", "keep"])


def check_votes(votes):
    """Validate a vote array and return it as int64 of shape (N, 10).

    Raises ValueError naming the offending rows (0-based) when the array has
    the wrong shape, holds non-integers, negatives or non-finite values.
    """
    arr = np.asarray(votes)
    if arr.ndim != 2 or arr.shape[1] != NUM_VOTE_COLUMNS:
        raise ValueError(
            f"votes must have shape (N, {NUM_VOTE_COLUMNS}), got {arr.shape}"
        )
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"votes must be numeric, got dtype {arr.dtype}")
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr).all(axis=1) | (arr != np.round(arr)).any(axis=1)
        if bad.any():
            raise ValueError(f"rows {_rows(bad)} have non-integer vote counts")
    bad = (arr < 0).any(axis=1)
    if bad.any():
        raise ValueError(f"rows {_rows(bad)} have negative vote counts")
    return arr.astype(np.int64)


def remove_outliers(votes):
    """Return a copy of ``votes`` (N, 10) with counts of 1 set to 0."""
    votes = check_votes(votes).copy()
    votes[votes == 1] = 0
    return votes


def vote_distribution(votes):
    """Raw emotion vote shares: float array (N, 8), rows summing to 1.

    Only the 8 emotion columns count; rows with no emotion votes are all 0.
    No outlier removal: this is the annotators' distribution as cast.
    """
    emo = check_votes(votes)[:, :NUM_CLASSES].astype(np.float64)
    total = emo.sum(axis=1, keepdims=True)
    return np.divide(emo, total, out=np.zeros_like(emo), where=total > 0)


def vote_shares(votes):
    """Every column's share of the votes cast: float array (N, 10), rows summing to 1.

    ``unknown`` and ``NF`` count like the emotions (this is what the crowd
    said, for display); rows without votes are all 0. No outlier removal.
    """
    votes = check_votes(votes).astype(np.float64)
    total = votes.sum(axis=1, keepdims=True)
    return np.divide(votes, total, out=np.zeros_like(votes), where=total > 0)


def ferplus_labels(votes, *, mode="majority"):
    """Apply one FERPlus label rule to vote counts.

    Parameters
    ----------
    votes : np.ndarray of shape (N, 10)
        Vote counts in FERPlus column order.
    mode : {"majority", "probability", "crossentropy", "multi_target"}

    Returns
    -------
    FerplusLabels
        ``dist`` (N, 8) float and ``keep`` (N,) bool. ``majority`` rows are
        one-hot; ``probability`` and ``crossentropy`` give the same
        distribution (they differ only in how a trainer uses it).
    """
    if mode not in MODES:
        raise ValueError(f"unknown label mode {mode!r}; choose one of {', '.join(MODES)}")
    raw = remove_outliers(votes).astype(np.float64)
    if mode == "majority":
        full = _majority(raw)
    elif mode == "multi_target":
        full = _multi_target(raw)
    else:
        full = np.stack([_top_classes(row) for row in raw]) if len(raw) else raw
    total = full.sum(axis=1)
    keep = (total > 0) & (np.argmax(full, axis=1) < NUM_CLASSES)
    emo = full[:, :NUM_CLASSES]
    emo_total = emo.sum(axis=1, keepdims=True)
    dist = np.divide(emo, emo_total, out=np.zeros_like(emo), where=emo_total > 0)
    dist[~keep] = 0.0
    return FerplusLabels(dist, keep)


def majority_index(votes):
    """FERPlus majority class per row: int array (N,), -1 where dropped."""
    labels = ferplus_labels(votes, mode="majority")
    return np.where(labels.keep, np.argmax(labels.dist, axis=1), -1)


def _majority(raw):
    total = raw.sum(axis=1)
    top = raw.max(axis=1)
    out = np.zeros_like(raw)
    winners = top > 0.5 * total
    rows = np.flatnonzero(winners)
    out[rows, np.argmax(raw[rows], axis=1)] = top[rows]
    out[~winners, UNKNOWN_INDEX] = 1.0
    return out


def _multi_target(raw):
    total = raw.sum(axis=1, keepdims=True)
    out = np.where(raw >= 0.3 * total, raw, 0.0)
    discard = out.sum(axis=1) <= 0.5 * total[:, 0]
    out[discard] = 0.0
    out[discard, UNKNOWN_INDEX] = 1.0
    return out


def _top_classes(row):
    """The probability/crossentropy rule for one row of 10 counts (FERPlus loop)."""
    raw = row.copy()
    total = raw.sum()
    out = np.zeros_like(raw)
    covered, count, valid = 0.0, 0, True
    while covered < 0.75 * total and count < 3 and valid:
        top = raw.max()
        for i in range(len(raw)):
            if raw[i] == top:
                out[i] = top
                raw[i] = 0.0
                covered += out[i]
                count += 1
                if i >= NUM_CLASSES:  # unknown / NF tie with the top emotions
                    valid = False
                    if out.sum() > top:  # emotions were taken before it
                        out[i] = 0.0
                        count -= 1
                    break
    if out.sum() <= 0.5 * total or count > 3:
        out = np.zeros_like(raw)
        out[UNKNOWN_INDEX] = 1.0
    return out


def _rows(mask, limit=10):
    rows = np.flatnonzero(mask)
    shown = ", ".join(str(r) for r in rows[:limit])
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return f"[{shown}]{more}"
