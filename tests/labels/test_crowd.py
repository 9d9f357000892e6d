import numpy as np
import pytest

from labels.crowd import SimulatedCrowd, vote_lists


def real_like_votes(n=50, seed=0):
    rng = np.random.default_rng(seed)
    return rng.multinomial(10, [0.5, 0.2, 0.1, 0.05, 0.05, 0.03, 0.03, 0.02, 0.01, 0.01], size=n)


def test_vote_lists_expand_counts():
    lists = vote_lists(np.array([[2, 0, 1, 0, 0, 0, 0, 0, 0, 0], [0] * 9 + [1]]))
    np.testing.assert_array_equal(lists, [[0, 0, 2], [9, -1, -1]])


def test_every_answer_is_one_of_the_faces_own_held_back_votes():
    votes = real_like_votes()
    crowd = SimulatedCrowd(votes, keep=3, seed=4)
    assert (crowd.initial.sum(axis=1) == 3).all() and (crowd.initial <= votes).all()
    np.testing.assert_array_equal(crowd.remaining, 7)
    given = crowd.initial.copy()
    for _ in range(7):  # ask every face for all its remaining votes, one round at a time
        answers = crowd.answer(np.arange(len(votes)))
        assert (answers >= 0).all()
        np.add.at(given, (np.arange(len(votes)), answers), 1)
        assert (given <= votes).all()  # without replacement: never more than the face really got
    np.testing.assert_array_equal(given, votes)
    assert (crowd.answer(np.array([0, 1])) == -1).all() and (crowd.remaining == 0).all()


def test_seeded_and_copies_are_independent():
    votes = real_like_votes(seed=1)
    a, b = SimulatedCrowd(votes, keep=3, seed=0), SimulatedCrowd(votes, keep=3, seed=0)
    np.testing.assert_array_equal(a.initial, b.initial)
    assert not np.array_equal(a.initial, SimulatedCrowd(votes, keep=3, seed=1).initial)
    c = a.copy()
    first = a.answer(np.array([0, 0, 5]))
    np.testing.assert_array_equal(c.answer(np.array([0, 0, 5])), first)  # same order to come
    assert a.remaining[0] == 5 and c.remaining[0] == 5 and b.remaining[0] == 7


def test_faces_with_fewer_votes_than_keep_and_bad_input():
    crowd = SimulatedCrowd(np.array([[1] + [0] * 9, [0] * 10]), keep=3)
    np.testing.assert_array_equal(crowd.initial.sum(axis=1), [1, 0])
    assert (crowd.answer(np.array([0, 1])) == -1).all()
    with pytest.raises(ValueError, match="keep"):
        SimulatedCrowd(np.zeros((1, 10), int), keep=-1)
    with pytest.raises(ValueError, match="sample_index"):
        crowd.answer(np.array([2]))
