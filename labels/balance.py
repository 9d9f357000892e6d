"""Class balance: counts, class weights and balanced sampling (numpy in, numpy out)."""

import numpy as np

WEIGHT_METHODS = ("inverse", "effective")


def class_weights(counts, *, method="inverse", beta=0.999):
    """Per-class loss weights from class counts.

    Parameters
    ----------
    counts : array (K,) of non-negative ints
    method : {"inverse", "effective"}
        ``inverse``: 1 / n_k. ``effective``: (1 − β) / (1 − β^n_k), the
        "effective number of samples" of Cui et al. (CVPR 2019).
    beta : float in [0, 1), for ``effective``

    Returns
    -------
    np.ndarray (K,)
        Scaled so that the count-weighted mean weight is 1 (the loss keeps
        its scale); classes with no samples get 0.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or (counts < 0).any():
        raise ValueError("counts must be a 1-D array of non-negative numbers")
    if method not in WEIGHT_METHODS:
        raise ValueError(f"unknown weight method {method!r}; choose one of {', '.join(WEIGHT_METHODS)}")
    if not 0 <= beta < 1:
        raise ValueError(f"beta must be in [0, 1), got {beta}")
    present = counts > 0
    raw = np.zeros_like(counts)
    if method == "inverse":
        raw[present] = 1.0 / counts[present]
    else:
        raw[present] = (1.0 - beta) / (1.0 - np.power(beta, counts[present]))
    total = counts.sum()
    if total == 0:
        return raw
    return raw * total / (raw * counts).sum()


def balanced_indices(labels, *, size=None, seed=0):
    """Indices that sample every present class equally often (with replacement).

    Parameters
    ----------
    labels : int array (N,), class index per sample (negative = skip)
    size : total number of indices (default N)

    Returns
    -------
    int array (size,), shuffled.
    """
    labels = np.asarray(labels)
    classes = np.unique(labels[labels >= 0])
    if not len(classes):
        raise ValueError("no labelled samples to balance")
    size = len(labels) if size is None else int(size)
    rng = np.random.default_rng(seed)
    per_class = np.full(len(classes), size // len(classes))
    per_class[: size % len(classes)] += 1
    picks = [rng.choice(np.flatnonzero(labels == c), n, replace=True) for c, n in zip(classes, per_class)]
    out = np.concatenate(picks)
    rng.shuffle(out)
    return out
