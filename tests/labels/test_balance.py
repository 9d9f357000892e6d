import numpy as np
import pytest

from labels.balance import balanced_indices, class_weights


def test_inverse_and_effective_weights():
    counts = np.array([100, 10, 0])
    w = class_weights(counts)
    assert w[2] == 0 and w[1] / w[0] == pytest.approx(10)
    assert (w * counts).sum() == pytest.approx(counts.sum())
    e = class_weights(counts, method="effective", beta=0.99)
    assert 1 < e[1] / e[0] < 10  # effective number flattens the inverse ratio
    with pytest.raises(ValueError, match="unknown weight method 'sqrt'"):
        class_weights(counts, method="sqrt")


def test_balanced_indices():
    labels = np.array([0] * 90 + [1] * 10 + [-1] * 5)
    idx = balanced_indices(labels, size=1000, seed=0)
    assert len(idx) == 1000
    assert np.bincount(labels[idx]).tolist() == [500, 500]
    with pytest.raises(ValueError, match="no labelled samples"):
        balanced_indices(np.array([-1, -1]))
