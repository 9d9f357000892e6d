import numpy as np
import pytest

from labels.judge import precision_at, queue_order, tag_precision_recall


def test_tag_precision_recall():
    is_error = np.array([1, 1, 0, 0, 1], bool)
    assert tag_precision_recall(is_error, np.array([1, 0, 1, 0, 0], bool)) == (0.5, pytest.approx(1 / 3), 2)
    precision, recall, n = tag_precision_recall(is_error, np.zeros(5, bool))
    assert np.isnan(precision) and recall == 0 and n == 0


def test_queue_order_highest_first_ties_and_nan_last():
    scores = np.array([0.2, np.nan, 0.9, 0.2, 0.5])
    np.testing.assert_array_equal(queue_order(scores), [2, 4, 0, 3, 1])
    # ties broken by the tiebreak ascending (e.g. label quality: lowest first)
    np.testing.assert_array_equal(queue_order(scores, tiebreak=np.array([0.8, 0, 0, 0.1, 0])), [2, 4, 3, 0, 1])


def test_precision_at_k():
    is_error = np.array([0, 1, 1, 0, 1, 0], bool)
    order = np.array([1, 2, 0, 4, 3, 5])
    assert precision_at(is_error, order, (1, 2, 4, 100)) == {1: 1.0, 2: 1.0, 4: 0.75, 100: 0.5}
    with pytest.raises(ValueError, match="permutation"):
        precision_at(is_error, np.array([0, 0, 1, 2, 3, 4]), (1,))
    with pytest.raises(ValueError, match="equal length"):
        tag_precision_recall(is_error, np.zeros(3, bool))
