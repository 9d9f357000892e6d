"""Blending labels with teacher probabilities (numpy only)."""

import numpy as np
import pytest

from train.distill import blend_targets


def test_blend_is_the_weighted_mean_and_stays_a_distribution():
    labels = np.array([[1.0, 0.0, 0.0], [0.2, 0.5, 0.3]])
    teacher = np.array([[0.5, 0.25, 0.25], [0.0, 0.0, 1.0]])
    out = blend_targets(labels, teacher, 0.25)
    assert out.dtype == np.float32 and out.shape == (2, 3)
    np.testing.assert_allclose(out, [[0.875, 0.0625, 0.0625], [0.15, 0.375, 0.475]], rtol=1e-6)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(blend_targets(labels, teacher, 0.0), labels, rtol=1e-6)
    np.testing.assert_allclose(blend_targets(labels, teacher, 1.0), teacher, rtol=1e-6)


@pytest.mark.parametrize("labels, teacher, weight, message", [
    (np.ones((2, 3)) / 3, np.ones((2, 4)) / 4, 0.5, "must both be"),
    (np.ones((2, 3)) / 3, np.ones((2, 3)) / 3, 1.5, "weight must be in"),
    (np.ones((2, 3)) / 3, np.full((2, 3), np.nan), 0.5, "finite and non-negative"),
    (np.array([[0.5, 0.5, 0.5], [1, 0, 0]]), np.ones((2, 3)) / 3, 0.5, "labels row 0 sums to 1.5000"),
    (np.ones((2, 3)) / 3, np.array([[1, 0, 0], [0.1, 0, 0]]), 0.5, "teacher probabilities row 1 sums"),
])
def test_blend_rejects_bad_input(labels, teacher, weight, message):
    with pytest.raises(ValueError, match=message):
        blend_targets(labels, teacher, weight)
