"""Folds and held-out slices that keep near-duplicate groups together (numpy in, numpy out).

FER2013 holds ~2,000 groups of near-identical faces (re-crops, watermarks,
byte copies). A fold split that puts one copy in training and another in the
held-out part lets the model recognise the face instead of the expression:
out-of-fold probabilities look confident, label errors that the copy shares
vanish, and a "held-out" accuracy is flattered. Every function here takes

- ``labels`` int array (N,): the class used for stratification;
- ``groups`` int array (N,): near-duplicate group id, ``-1`` for a sample
  in no group (each such sample is its own group) — the ``dup_group`` field
  that ``curate score`` writes;

and never splits a group.
"""

import numpy as np


def check_groups(labels, groups):
    """Validate (N,) labels and (N,) groups; return int64 arrays with singletons given unique ids."""
    labels = np.asarray(labels)
    groups = np.asarray(groups)
    if labels.ndim != 1 or groups.shape != labels.shape:
        raise ValueError(f"labels and groups must be 1-D of equal length, got {labels.shape} and {groups.shape}")
    if labels.dtype.kind not in "iu" or groups.dtype.kind not in "iu":
        raise ValueError("labels and groups must be integer arrays (group -1 = no group)")
    if len(groups) and groups.min() < -1:
        raise ValueError("group ids must be ≥ 0, or -1 for a sample in no group")
    groups = groups.astype(np.int64).copy()
    alone = groups < 0
    groups[alone] = groups.max(initial=-1) + 1 + np.arange(int(alone.sum()))
    return labels.astype(np.int64), groups


def grouped_folds(labels, groups, folds, *, seed=0):
    """Fold number of every sample: int array (N,) in 0..folds-1.

    Stratified by ``labels`` as far as whole groups allow
    (scikit-learn's ``StratifiedGroupKFold``, shuffled with ``seed``).
    """
    from sklearn.model_selection import StratifiedGroupKFold

    labels, groups = check_groups(labels, groups)
    folds = int(folds)
    if folds < 2:
        raise ValueError(f"need at least 2 folds, got {folds}")
    if len(np.unique(groups)) < folds:
        raise ValueError(f"{len(np.unique(groups))} groups cannot fill {folds} folds")
    fold = np.full(len(labels), -1, dtype=np.int64)
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for k, (_, held) in enumerate(splitter.split(np.zeros(len(labels)), labels, groups)):
        fold[held] = k
    return fold


def holdout_mask(labels, groups, fraction, *, seed=0):
    """Bool array (N,): a stratified held-out slice of about ``fraction`` of the samples, whole groups only.

    The slice on which epochs, seeds and recipes are chosen, so that the test
    split is looked at once.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"held-out fraction must be in (0, 1), got {fraction}")
    folds = max(2, int(round(1 / fraction)))
    return grouped_folds(labels, groups, folds, seed=seed) == 0


def groups_split(groups, mask):
    """True when some group has samples both inside and outside ``mask`` (a leak): bool."""
    _, groups = check_groups(np.zeros(len(groups), dtype=np.int64), groups)
    mask = np.asarray(mask, dtype=bool)
    return bool(np.intersect1d(groups[mask], groups[~mask]).size)
