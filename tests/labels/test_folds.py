import numpy as np
import pytest

from labels.folds import check_groups, grouped_folds, groups_split, holdout_mask


def grouped_data(n=600, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    groups = np.full(n, -1)
    groups[: n // 2] = rng.integers(0, 60, n // 2)  # half the samples in 60 groups (near-duplicates)
    return labels, groups


def test_groups_never_cross_folds_and_folds_are_stratified():
    labels, groups = grouped_data()
    fold = grouped_folds(labels, groups, 5, seed=1)
    assert fold.shape == labels.shape and set(fold) == set(range(5))
    for g in np.unique(groups[groups >= 0]):
        assert len(set(fold[groups == g])) == 1
    for k in range(5):  # every fold holds every class, in about the overall proportion
        share = np.bincount(labels[fold == k], minlength=3) / (fold == k).sum()
        np.testing.assert_allclose(share, np.bincount(labels) / len(labels), atol=0.12)
    np.testing.assert_array_equal(fold, grouped_folds(labels, groups, 5, seed=1))  # seeded
    assert not np.array_equal(fold, grouped_folds(labels, groups, 5, seed=2))


def test_ungrouped_samples_are_their_own_groups():
    labels = np.repeat([0, 1], 10)
    ids = check_groups(labels, np.full(20, -1))[1]
    assert len(np.unique(ids)) == 20
    ids = check_groups(labels, np.array([3, 3] + [-1] * 18))[1]
    assert ids[0] == ids[1] == 3 and len(np.unique(ids)) == 19


def test_holdout_slice_keeps_groups_whole():
    labels, groups = grouped_data(seed=3)
    mask = holdout_mask(labels, groups, 0.2, seed=0)
    assert 0.12 < mask.mean() < 0.28
    assert not groups_split(groups, mask)
    leaky = np.zeros(len(labels), dtype=bool)
    leaky[np.flatnonzero(groups == groups[groups >= 0][0])[0]] = True  # one member of a group alone
    assert groups_split(groups, leaky)


@pytest.mark.parametrize("labels, groups, folds, message", [
    (np.zeros(4, int), np.zeros(3, int), 2, "equal length"),
    (np.zeros(4), np.zeros(4, int), 2, "integer"),
    (np.zeros(4, int), np.array([0, 1, -2, 1]), 2, "-1"),
    (np.zeros(4, int), np.zeros(4, int), 2, "cannot fill"),
    (np.zeros(4, int), np.arange(4), 1, "at least 2"),
])
def test_bad_inputs(labels, groups, folds, message):
    with pytest.raises(ValueError, match=message):
        grouped_folds(labels, groups, folds)


def test_bad_fraction():
    with pytest.raises(ValueError, match="fraction"):
        holdout_mask(np.zeros(4, int), np.arange(4), 1.5)
