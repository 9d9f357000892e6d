import csv

import numpy as np
import pytest

from conftest import real_data
from labels.votes import check_votes, ferplus_labels, majority_index, remove_outliers, vote_distribution


def v(*counts):
    return np.array([counts])


def test_majority_needs_more_than_half_after_outlier_removal():
    # 5 neutral of 10 is not > half; after removing the single votes it is 5 of 8
    votes = v(5, 1, 1, 3, 0, 0, 0, 0, 0, 0)
    assert majority_index(votes).tolist() == [0]
    # 5/5 tie between two classes: no majority
    assert majority_index(v(5, 5, 0, 0, 0, 0, 0, 0, 0, 0)).tolist() == [-1]


def test_majority_drops_unknown_and_not_face_winners():
    assert majority_index(v(2, 0, 0, 0, 0, 0, 0, 0, 8, 0)).tolist() == [-1]
    assert majority_index(v(0, 0, 0, 0, 0, 0, 0, 0, 0, 10)).tolist() == [-1]


def test_all_zero_and_only_single_votes_rows_are_dropped():
    votes = np.vstack([v(0, 0, 0, 0, 0, 0, 0, 0, 0, 0), v(1, 1, 1, 1, 1, 1, 1, 1, 1, 1)])
    for mode in ("majority", "crossentropy", "multi_target"):
        assert not ferplus_labels(votes, mode=mode).keep.any()


def test_row_summing_to_nine_is_handled():
    labels = ferplus_labels(v(6, 3, 0, 0, 0, 0, 0, 0, 0, 0), mode="crossentropy")
    assert labels.keep.tolist() == [True]
    np.testing.assert_allclose(labels.dist[0, :2], [6 / 9, 3 / 9])


def test_crossentropy_takes_ties_together_and_stops_at_75_percent():
    # top 4 (40%), then 3 (30%) -> 70% < 75%, then tie 3/3? here next is 3 alone
    labels = ferplus_labels(v(4, 3, 3, 0, 0, 0, 0, 0, 0, 0), mode="crossentropy")
    np.testing.assert_allclose(labels.dist[0, :3], [0.4, 0.3, 0.3])
    # 4 classes tie at 2 with 2 left over: taking all four exceeds 3 classes -> discarded
    assert not ferplus_labels(v(2, 2, 2, 2, 2, 0, 0, 0, 0, 0), mode="crossentropy").keep[0]


def test_crossentropy_unknown_tied_with_top_emotion():
    # happiness 4 and unknown 4 tie: FERPlus takes happiness, un-takes unknown and
    # stops; 4 of 10 votes covered is <= 50 %, so the row is dropped
    assert not ferplus_labels(v(0, 4, 2, 0, 0, 0, 0, 0, 4, 0), mode="crossentropy").keep[0]
    # unknown ties below an emotion already covering > 50 %: kept, unknown excluded
    labels = ferplus_labels(v(0, 6, 0, 0, 0, 0, 0, 0, 2, 2), mode="crossentropy")
    assert labels.keep[0] and labels.dist[0, 1] == 1.0


def test_multi_target_threshold_30_percent():
    labels = ferplus_labels(v(4, 3, 2, 0, 0, 0, 0, 0, 1, 0), mode="multi_target")
    # single vote removed: total 9; 4/9 and 3/9 >= 30%, 2/9 not
    np.testing.assert_allclose(labels.dist[0, :3], [4 / 7, 3 / 7, 0])


def test_probability_equals_crossentropy_distribution():
    rng = np.random.default_rng(0)
    votes = rng.multinomial(10, [0.3, 0.2, 0.1, 0.1, 0.1, 0.05, 0.05, 0.04, 0.03, 0.03], size=200)
    a, b = ferplus_labels(votes, mode="probability"), ferplus_labels(votes, mode="crossentropy")
    np.testing.assert_array_equal(a.dist, b.dist)


def test_kept_rows_sum_to_one_and_dropped_rows_are_zero():
    rng = np.random.default_rng(1)
    votes = rng.multinomial(10, [0.1] * 10, size=500)
    for mode in ("majority", "crossentropy", "multi_target"):
        labels = ferplus_labels(votes, mode=mode)
        np.testing.assert_allclose(labels.dist[labels.keep].sum(axis=1), 1.0)
        assert (labels.dist[~labels.keep] == 0).all()


def test_check_votes_names_bad_rows():
    with pytest.raises(ValueError, match=r"rows \[1\] have negative"):
        check_votes(np.array([[1] * 10, [0] * 9 + [-1]]))
    with pytest.raises(ValueError, match=r"shape \(N, 10\)"):
        check_votes(np.zeros((3, 8)))
    with pytest.raises(ValueError, match=r"rows \[0\] have non-integer"):
        check_votes(np.array([[0.5] + [0] * 9]))
    with pytest.raises(ValueError, match="unknown label mode 'soft'"):
        ferplus_labels(np.zeros((1, 10)), mode="soft")


def test_remove_outliers_and_vote_distribution():
    votes = v(6, 1, 3, 0, 0, 0, 0, 0, 0, 0)
    assert remove_outliers(votes).tolist() == [[6, 0, 3, 0, 0, 0, 0, 0, 0, 0]]
    np.testing.assert_allclose(vote_distribution(votes)[0, :3], [0.6, 0.1, 0.3])
    assert vote_distribution(v(0, 0, 0, 0, 0, 0, 0, 0, 0, 10)).sum() == 0


def _table(path):
    rows = list(csv.reader(open(path)))[1:]
    return np.array([r[0] for r in rows]), np.array([list(map(int, r[2:])) for r in rows])


@pytest.mark.realdata
def test_reference_majority_counts_fer2013new():
    usage, votes = _table(real_data("ferplus", "fer2013new.csv"))
    keep = ferplus_labels(votes, mode="majority").keep
    counts = [int(keep[usage == u].sum()) for u in ("Training", "PublicTest", "PrivateTest")]
    assert counts == [25060, 3199, 3153]


@pytest.mark.realdata
def test_reference_majority_counts_old_split_files():
    counts = []
    for folder in ("FER2013Train", "FER2013Valid", "FER2013Test"):
        rows = list(csv.reader(open(real_data("ferplus", folder, "label.csv"))))
        votes = np.array([list(map(int, r[2:])) for r in rows])
        counts.append(int(ferplus_labels(votes).keep.sum()))
    assert counts == [25045, 3191, 3137]
