"""Where the next votes go: allocation strategies for a vote budget (numpy in, numpy out).

A round buys ``budget`` tasks, one extra vote each, at most one per face.
Every strategy returns the chosen face indices (M,) int, ``M ≤ budget``,
among the ``eligible`` faces (bool (N,): e.g. faces that can still be
asked):

- :func:`random_tasks` — uniform, the baseline every queue must beat;
- :func:`top_tasks` — highest priority first (curate's queue: the
  ``dispute_score``, or :func:`majority_flip_probability`);
- :func:`activelab_priority` — cleanlab's ActiveLab scores turned into a
  priority (low ActiveLab score = most informative = high priority).

Vote counts are (N, 10) in FERPlus column order (:mod:`labels.votes`).
"""

import warnings

import numpy as np

from labels.taxonomy import NUM_CLASSES, NUM_VOTE_COLUMNS
from labels.votes import check_votes, majority_index


def _eligible(eligible, n):
    eligible = np.ones(n, dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
    if eligible.shape != (n,):
        raise ValueError(f"eligible must have shape ({n},), got {eligible.shape}")
    return eligible


def _budget(budget):
    if int(budget) != budget or budget < 0:
        raise ValueError(f"budget must be a whole number ≥ 0, got {budget}")
    return int(budget)


def random_tasks(n, budget, *, eligible=None, seed=0):
    """``budget`` eligible faces drawn uniformly without replacement (fewer if fewer are eligible)."""
    pool = np.flatnonzero(_eligible(eligible, n))
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(pool, size=min(_budget(budget), len(pool)), replace=False))


def top_tasks(priority, budget, *, eligible=None):
    """The ``budget`` eligible faces with the highest ``priority`` (N,); ties by index; NaN never chosen."""
    priority = np.asarray(priority, dtype=np.float64)
    if priority.ndim != 1:
        raise ValueError(f"priority must be 1-D, got shape {priority.shape}")
    mask = _eligible(eligible, len(priority)) & ~np.isnan(priority)
    pool = np.flatnonzero(mask)
    order = pool[np.lexsort((pool, -priority[pool]))]
    return order[:_budget(budget)]


def annotator_matrix(vote_columns):
    """Per-face vote lists (N, V) of columns (−1 = none) → ActiveLab's (N, V) float class labels.

    Votes are anonymous, so the j-th vote of each face counts as annotator j.
    Votes for ``unknown`` / ``NF`` (columns ≥ 8) carry no class and become NaN.
    """
    columns = np.asarray(vote_columns, dtype=np.int64)
    if columns.ndim != 2 or (columns.size and columns.max() >= NUM_VOTE_COLUMNS):
        raise ValueError("vote_columns must be (N, V) column indices < 10, −1 for none")
    out = columns.astype(np.float64)
    out[(columns < 0) | (columns >= NUM_CLASSES)] = np.nan
    return out


def activelab_priority(vote_columns, pred_probs):
    """1 − ActiveLab score per face (N,): high = its label is least certain given votes and the model.

    Parameters
    ----------
    vote_columns : int array (N, V) — each face's votes as columns, −1 padded
        (:func:`labels.crowd.vote_lists` of the current counts)
    pred_probs : float array (N, 8) — a model's probabilities over the 8 emotions

    Faces without an emotion vote are scored from ``pred_probs`` alone
    (ActiveLab's unlabelled branch).
    """
    from cleanlab.multiannotator import get_active_learning_scores

    labels = annotator_matrix(vote_columns)
    probs = np.asarray(pred_probs, dtype=np.float64)
    if probs.shape != (len(labels), NUM_CLASSES):
        raise ValueError(f"pred_probs must have shape ({len(labels)}, {NUM_CLASSES}), got {probs.shape}")
    labels = labels[:, ~np.isnan(labels).all(axis=0)]  # annotator slots nobody filled
    voted = ~np.isnan(labels).all(axis=1)
    priority = np.empty(len(labels))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores, unlabelled = get_active_learning_scores(
            labels[voted], probs[voted], probs[~voted] if (~voted).any() else None)
    priority[voted] = 1.0 - scores
    if (~voted).any():
        priority[~voted] = 1.0 - unlabelled
    return priority


def majority_flip_probability(votes, *, horizon=10, prior=None, prior_weight=1.0, draws=200, seed=0):
    """Probability that more votes change a face's FERPlus majority label: float (N,).

    Monte Carlo over the crowd to come: the face's vote shares are drawn from
    a Dirichlet posterior (current counts + ``prior_weight`` × ``prior``
    (N, 10), default uniform over the 10 columns), then votes are added until
    the face has ``horizon`` in all, and the FERPlus majority rule
    (:func:`labels.votes.majority_index`, −1 = no label) is applied to the
    result. The score is the share of ``draws`` futures whose label differs
    from today's. Faces already at the horizon score 0.
    """
    votes = check_votes(votes)
    n = len(votes)
    if prior is None:
        prior = np.full((n, NUM_VOTE_COLUMNS), 1.0 / NUM_VOTE_COLUMNS)
    prior = np.asarray(prior, dtype=np.float64)
    if prior.shape != votes.shape or (prior < 0).any():
        raise ValueError(f"prior must be non-negative with shape {votes.shape}, got {prior.shape}")
    if prior_weight <= 0 or draws < 1:
        raise ValueError("prior_weight must be > 0 and draws ≥ 1")
    now = majority_index(votes)
    missing = np.maximum(int(horizon) - votes.sum(axis=1), 0)
    rng = np.random.default_rng(seed)
    alpha = votes + prior_weight * prior + 1e-9
    changed = np.zeros(n)
    for _ in range(int(draws)):
        shares = rng.gamma(alpha)
        shares /= shares.sum(axis=1, keepdims=True)
        future = votes + rng.multinomial(missing, shares)
        changed += majority_index(future) != now
    return np.where(missing > 0, changed / draws, 0.0)
