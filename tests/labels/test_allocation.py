import numpy as np
import pytest

from labels.allocation import (activelab_priority, annotator_matrix, majority_flip_probability, random_tasks,
                               top_tasks)
from labels.crowd import vote_lists


def counts(*rows):
    out = np.zeros((len(rows), 10), dtype=np.int64)
    for i, row in enumerate(rows):
        for column, n in row.items():
            out[i, column] = n
    return out


def test_random_tasks_respect_budget_eligibility_and_seed():
    eligible = np.arange(100) % 2 == 0
    chosen = random_tasks(100, 20, eligible=eligible, seed=3)
    assert len(chosen) == 20 and len(set(chosen)) == 20 and eligible[chosen].all()
    np.testing.assert_array_equal(chosen, random_tasks(100, 20, eligible=eligible, seed=3))
    assert len(random_tasks(100, 500, eligible=eligible)) == 50
    with pytest.raises(ValueError, match="budget"):
        random_tasks(10, 1.5)


def test_top_tasks_highest_first_ties_by_index_nan_never():
    priority = np.array([0.1, 0.9, np.nan, 0.5, 0.9, 0.3])
    np.testing.assert_array_equal(top_tasks(priority, 3), [1, 4, 3])
    np.testing.assert_array_equal(top_tasks(priority, 10, eligible=priority != 0.9), [3, 5, 0])
    with pytest.raises(ValueError, match="eligible"):
        top_tasks(priority, 1, eligible=np.ones(3, bool))


def test_flip_probability_ranks_split_crowds_above_clear_ones():
    votes = counts({0: 3}, {0: 2, 1: 1}, {0: 1, 1: 1, 2: 1}, {0: 10}, {0: 6, 1: 4})
    p = majority_flip_probability(votes, draws=400, seed=0)
    assert p[3] == 0.0  # at the horizon: nothing more to learn
    assert p[2] > p[1] > p[0]  # no label yet > a 2-1 split > a clear 3-0
    np.testing.assert_array_equal(p, majority_flip_probability(votes, draws=400, seed=0))
    # a prior (e.g. the FER2013 label) for the minority class makes the 2-1 face more doubtful
    prior = np.zeros((5, 10))
    prior[:, 1] = 1.0
    assert majority_flip_probability(votes, prior=prior, prior_weight=2.0, draws=400)[1] > p[1]
    with pytest.raises(ValueError, match="prior"):
        majority_flip_probability(votes, prior=np.ones((2, 10)))


def test_activelab_prefers_contested_and_model_doubted_faces():
    votes = counts({0: 3}, {0: 2, 1: 1}, {0: 1, 1: 1, 2: 1}, {3: 3}, {8: 3})
    probs = np.full((5, 8), 0.01)
    probs[:, 0] = 0.93
    probs[3] = 0.01
    probs[3, 0] = 0.93  # the model disagrees with face 3's unanimous crowd (class 3)
    probs /= probs.sum(axis=1, keepdims=True)
    priority = activelab_priority(vote_lists(votes), probs)
    assert priority.shape == (5,) and np.isfinite(priority).all()
    assert priority[2] > priority[0] and priority[1] > priority[0]
    assert priority[3] > priority[0]
    labels = annotator_matrix(vote_lists(votes))
    assert np.isnan(labels[4]).all()  # "unknown" votes carry no class
    with pytest.raises(ValueError, match="pred_probs"):
        activelab_priority(vote_lists(votes), probs[:, :7])
