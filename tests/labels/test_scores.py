import numpy as np
import pytest

from labels import scores

UNANIMOUS = [10, 0, 0, 0, 0, 0, 0, 0, 0, 0]
SPREAD = [1] * 10
SPLIT = [4, 4, 0, 0, 0, 0, 0, 0, 1, 1]
EMPTY = [0] * 10


def test_entropy_agreement_margin():
    v = np.array([UNANIMOUS, SPREAD, SPLIT, EMPTY])
    np.testing.assert_allclose(scores.vote_entropy(v)[:2], [0.0, 1.0])
    assert 0 < scores.vote_entropy(v)[2] < 1 and np.isnan(scores.vote_entropy(v)[3])
    np.testing.assert_allclose(scores.agreement(v)[:3], [1.0, 0.1, 0.4])
    np.testing.assert_allclose(scores.margin(v)[:3], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(scores.unusable_share(v)[:3], [0.0, 0.2, 0.2])
    np.testing.assert_allclose(scores.not_face_share(v)[:3], [0.0, 0.1, 0.1])
    assert np.isnan(scores.agreement(v)[3])


def test_label_conflict():
    v = np.array([[0, 8, 0, 0, 2, 0, 0, 0, 0, 0], [0, 8, 0, 0, 2, 0, 0, 0, 0, 0], [5, 5, 0, 0, 0, 0, 0, 0, 0, 0]])
    labels = np.array([1, 4, 4])  # happiness (agrees), anger (conflict), anger (no majority: not a conflict)
    assert scores.label_conflict(v, labels).tolist() == [False, True, False]
    with pytest.raises(ValueError, match=r"labels must have shape \(3,\)"):
        scores.label_conflict(v, np.array([1, 2]))


def test_bad_votes_are_named():
    with pytest.raises(ValueError, match=r"rows \[0\] have negative vote counts"):
        scores.agreement(np.array([[-1] + [0] * 9]))
