import numpy as np
import pytest

from labels.annotator_votes import (
    answer_counts, check_weight, consensus_agreement, merge_votes, multiannotator_quality,
)
from labels.votes import majority_index

SPLIT = [4, 0, 0, 4, 0, 0, 0, 0, 2, 0]  # neutral 4, sadness 4, unknown 2
CLEAR = [8, 0, 0, 2, 0, 0, 0, 0, 0, 0]  # neutral 8, sadness 2


def test_one_annotator_settles_a_split_crowd_but_not_a_clear_one():
    crowd = np.array([SPLIT, CLEAR])
    counts = answer_counts([0, 1], [3, 3], 2)  # both answers: sadness
    merged = merge_votes(crowd, np.array([-1, -1]), counts, weight=3)
    assert merged.tolist() == [[4, 0, 0, 7, 0, 0, 0, 0, 2, 0], [8, 0, 0, 5, 0, 0, 0, 0, 0, 0]]
    assert majority_index(merged).tolist() == [3, 0]


def test_lone_source_label_counts_like_one_annotator():
    crowd = np.zeros((2, 10), dtype=int)
    counts = answer_counts([0, 1, 1], [0, 0, 0], 2)  # sample 0: one "neutral"; sample 1: two
    merged = merge_votes(crowd, np.array([1, 1]), counts, weight=3)  # source label: happiness
    assert merged[0].tolist() == [3, 3, 0, 0, 0, 0, 0, 0, 0, 0]
    assert merged[1].tolist() == [6, 3, 0, 0, 0, 0, 0, 0, 0, 0]
    assert majority_index(merged).tolist() == [-1, 0]


def test_merge_checks_its_inputs():
    with pytest.raises(ValueError, match="whole number"):
        check_weight(1.5)
    with pytest.raises(ValueError, match="shapes differ"):
        merge_votes(np.zeros((2, 10), int), np.array([-1]), np.zeros((2, 10), int))
    with pytest.raises(ValueError, match=r"sample_index must lie in \[0, 2\)"):
        answer_counts([2], [0], 2)
    with pytest.raises(ValueError, match="negative"):
        merge_votes(-np.ones((1, 10), int), np.array([-1]), np.zeros((1, 10), int))


def test_consensus_leaves_the_answer_itself_out():
    crowd = np.array([CLEAR, SPLIT, np.zeros(10, int)])
    rows, cols = [0, 0, 1, 2], [0, 3, 3, 9]  # agree, disagree, tie among the others, nobody else
    merged = merge_votes(crowd, np.array([-1, -1, -1]), answer_counts(rows, cols, 3), weight=3)
    agree = consensus_agreement(merged, rows, cols, weight=3)
    assert agree[:2].tolist() == [1.0, 0.0]
    assert np.isnan(agree[2]) and np.isnan(agree[3])
    with pytest.raises(ValueError, match="do not contain the answers"):
        consensus_agreement(crowd, rows, cols, weight=3)


def test_crowdlab_ranks_the_careful_annotator_above_the_careless_one():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 4, 60)
    prior = np.full((60, 4), 0.1)
    prior[np.arange(60), truth] += 0.6
    careful = truth.astype(float)
    careless = np.where(rng.random(60) < 0.5, rng.integers(0, 4, 60), truth).astype(float)
    careless[::7] = np.nan
    result = multiannotator_quality(np.stack([careful, careless], axis=1), prior)
    assert result["annotator_quality"][0] > result["annotator_quality"][1]
    assert result["consensus_label"].shape == (60,)
    again = multiannotator_quality(np.stack([careful, careless], axis=1), prior)
    assert np.array_equal(again["consensus_label"], result["consensus_label"])


def test_crowdlab_needs_two_annotators_on_a_shared_sample():
    with pytest.raises(ValueError, match="two annotators on at least one shared sample"):
        multiannotator_quality(np.array([[0.0, np.nan], [np.nan, 1.0]]), np.full((2, 2), 0.5))
