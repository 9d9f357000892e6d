"""Annotators' answers → vote counts merged with the crowd's, and agreement.

Arrays follow :mod:`labels.votes`: vote counts have shape ``(N, 10)`` in
FERPlus column order (8 emotions, ``unknown``, ``NF``). Individual answers
are parallel arrays of length M: ``sample_index`` (row in 0..N-1) and
``column`` (vote column, see :func:`labels.studio_config.choice_columns`).

Merge rule (:func:`merge_votes`): every annotator answer adds ``weight``
votes to its column. A sample with no crowd votes (CK+, RAF-DB, captures)
first gets ``weight`` votes for its source label, so the source's labeller
counts like one annotator. Counts stay integers, so the four FERPlus rules
apply unchanged to the merged counts. With the default weight 3 one
annotator settles a split crowd (4-4-2 → 7-4-2, a majority) but cannot
overturn a clear one (8-2 against them → 8-5).
"""

import warnings

import numpy as np

from labels.taxonomy import NUM_CLASSES, NUM_VOTE_COLUMNS
from labels.votes import check_votes

DEFAULT_WEIGHT = 3


def _check_answers(sample_index, column, n):
    sample_index = np.asarray(sample_index, dtype=np.int64)
    column = np.asarray(column, dtype=np.int64)
    if sample_index.shape != column.shape or sample_index.ndim != 1:
        raise ValueError(f"sample_index and column must be 1-D of equal length, got {sample_index.shape} and {column.shape}")
    if len(sample_index) and (sample_index.min() < 0 or sample_index.max() >= n):
        raise ValueError(f"sample_index must lie in [0, {n})")
    if len(column) and (column.min() < 0 or column.max() >= NUM_VOTE_COLUMNS):
        raise ValueError(f"column must lie in [0, {NUM_VOTE_COLUMNS})")
    return sample_index, column


def check_weight(weight):
    """Return ``weight`` as an int ≥ 1, or raise ValueError."""
    if int(weight) != weight or weight < 1:
        raise ValueError(f"annotator weight must be a whole number ≥ 1 (votes are counts), got {weight}")
    return int(weight)


def answer_counts(sample_index, column, n):
    """Answers → counts per sample: int array (N, 10)."""
    sample_index, column = _check_answers(sample_index, column, n)
    counts = np.zeros((n, NUM_VOTE_COLUMNS), dtype=np.int64)
    np.add.at(counts, (sample_index, column), 1)
    return counts


def merge_votes(source_votes, source_label, counts, *, weight=DEFAULT_WEIGHT):
    """Crowd votes + weighted annotator answers.

    Parameters
    ----------
    source_votes : np.ndarray of shape (N, 10)
        The source's crowd votes; all-zero rows for samples without votes.
    source_label : np.ndarray of shape (N,)
        Canonical class index of the source label, -1 where there is none;
        used only for rows without crowd votes.
    counts : np.ndarray of shape (N, 10)
        Annotator answers per column (:func:`answer_counts`).
    weight : int
        Votes per annotator answer (and for a lone source label).

    Returns
    -------
    np.ndarray of shape (N, 10), int64
    """
    weight = check_weight(weight)
    source_votes, counts = check_votes(source_votes), check_votes(counts)
    source_label = np.asarray(source_label, dtype=np.int64)
    if counts.shape != source_votes.shape or source_label.shape != (len(source_votes),):
        raise ValueError(
            f"shapes differ: source_votes {source_votes.shape}, source_label {source_label.shape}, counts {counts.shape}"
        )
    if (source_label >= NUM_CLASSES).any():
        raise ValueError(f"source_label must be -1 or a class index < {NUM_CLASSES}")
    merged = source_votes + weight * counts
    lone = (source_votes.sum(axis=1) == 0) & (source_label >= 0)
    merged[np.flatnonzero(lone), source_label[lone]] += weight
    return merged


def consensus_agreement(merged, sample_index, column, *, weight=DEFAULT_WEIGHT):
    """Does each answer agree with everyone else on its sample?

    The consensus for an answer is the top column of its sample's merged
    votes with that answer's own ``weight`` votes taken out (leave one out),
    over all 10 columns (so "not a face" can agree with "not a face").

    Returns
    -------
    np.ndarray of shape (M,), float
        1.0 agree, 0.0 disagree, NaN where the others tie at the top or
        there are no other votes.
    """
    merged = check_votes(merged)
    sample_index, column = _check_answers(sample_index, column, len(merged))
    others = merged[sample_index].copy()
    others[np.arange(len(column)), column] -= check_weight(weight)
    if (others < 0).any():
        raise ValueError("merged votes do not contain the answers (merge them with the same weight first)")
    top = others.max(axis=1, keepdims=True)
    unique_top = ((others == top).sum(axis=1) == 1) & (top[:, 0] > 0)
    agree = (np.argmax(others, axis=1) == column).astype(np.float64)
    agree[~unique_top] = np.nan
    return agree


def multiannotator_quality(labels, pred_probs):
    """cleanlab's multi-annotator scores (CROWDLAB) for samples labelled by several people.

    Parameters
    ----------
    labels : np.ndarray of shape (N, A)
        Class index given by annotator a to sample n, NaN where not labelled.
        Every row needs at least one label, every annotator at least one.
    pred_probs : np.ndarray of shape (N, K)
        Class probabilities per sample from something other than these
        annotators (a model's out-of-fold predictions or the crowd's votes).

    Returns
    -------
    dict with ``annotator_quality`` (A,), ``agreement_with_consensus`` (A,),
    ``consensus_label`` (N,) int and ``consensus_quality`` (N,).
    Raises ValueError when fewer than two annotators labelled a shared sample.
    """
    import pandas as pd
    from cleanlab.multiannotator import get_label_quality_multiannotator

    labels = np.asarray(labels, dtype=np.float64)
    pred_probs = np.asarray(pred_probs, dtype=np.float64)
    if labels.ndim != 2 or pred_probs.shape[0] != labels.shape[0]:
        raise ValueError(f"labels (N, A) and pred_probs (N, K) must share N, got {labels.shape} and {pred_probs.shape}")
    given = ~np.isnan(labels)
    if not given.any(axis=1).all() or not given.any(axis=0).all():
        raise ValueError("every sample and every annotator needs at least one label")
    if labels.shape[1] < 2 or not (given.sum(axis=1) >= 2).any():
        raise ValueError("multi-annotator scores need two annotators on at least one shared sample")
    frame = pd.DataFrame(labels, columns=[f"a{i}" for i in range(labels.shape[1])])
    state = np.random.get_state()
    np.random.seed(0)  # cleanlab breaks consensus ties with the global generator: keep pulls repeatable
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = get_label_quality_multiannotator(frame, pred_probs, verbose=False)
    finally:
        np.random.set_state(state)
    stats, quality = result["annotator_stats"].loc[frame.columns], result["label_quality"]
    return {
        "annotator_quality": stats["annotator_quality"].to_numpy(dtype=np.float64),
        "agreement_with_consensus": stats["agreement_with_consensus"].to_numpy(dtype=np.float64),
        "consensus_label": quality["consensus_label"].to_numpy(dtype=np.int64),
        "consensus_quality": quality["consensus_quality_score"].to_numpy(dtype=np.float64),
    }
