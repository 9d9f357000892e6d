import csv

import numpy as np

from fixtures import write_export
from train.crossval import cross_validate
from train.fit import TrainSettings


def test_grouped_folds_keep_near_duplicates_out_of_fold_and_select_nothing(tmp_path):
    export = write_export(tmp_path / "export", n_train=60, n_val=10)
    keys = [f"fix:train{i}" for i in range(180)]
    groups = {k: i // 6 for i, k in enumerate(keys[:60])}  # 10 groups of 6 near-duplicates; 120 samples alone
    settings = TrainSettings(epochs=10, batch_size=32, select_best=False)
    path, accuracy = cross_validate(export, str(tmp_path / "run"), settings, folds=3, groups=groups, quiet=True)
    with np.load(path) as oof:
        by_key = dict(zip(oof["sample_key"].astype(str), oof["fold"]))
        probs = oof["pred_probs"]
    for g in range(10):
        assert len({by_key[k] for k, v in groups.items() if v == g}) == 1  # a group sits in one fold
    assert {by_key[k] for k in keys} == {0, 1, 2}
    assert by_key["fix:val0"] == -1 and by_key["fix:test0"] == -1  # scored by the mean of the fold models
    np.testing.assert_allclose(probs.sum(axis=1), 1, atol=1e-4)
    assert 0 <= accuracy <= 1  # (too few steps here for BatchNorm's statistics: accuracy is not the point)
    with open(tmp_path / "run" / "fold0" / "history.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 10  # trained its whole budget and validated on nothing (chose no epoch):
    assert all(row.get("val_accuracy", "NA") == "NA" for row in rows)


def test_average_oof_matches_rows_by_sample_key(tmp_path):
    import pytest

    from train.crossval import average_oof

    a = tmp_path / "a.npz"
    b = tmp_path / "b.npz"
    np.savez(a, sample_key=np.array(["x", "y"]), pred_probs=np.array([[1.0, 0.0], [0.0, 1.0]]), fold=np.array([0, 1]))
    np.savez(b, sample_key=np.array(["y", "x"]), pred_probs=np.array([[0.5, 0.5], [0.0, 1.0]]), fold=np.array([1, 0]))
    with np.load(average_oof([a, b], tmp_path / "mean.npz")) as mean:
        assert list(mean["sample_key"]) == ["x", "y"]
        np.testing.assert_allclose(mean["pred_probs"], [[0.5, 0.5], [0.25, 0.75]])
        assert list(mean["fold"]) == [0, 1]
    c = tmp_path / "c.npz"
    np.savez(c, sample_key=np.array(["x", "z"]), pred_probs=np.eye(2), fold=np.array([0, 1]))
    with pytest.raises(ValueError, match="c.npz: other samples than"):
        average_oof([a, c], tmp_path / "bad.npz")


def test_pooled_splits_are_scored_out_of_fold_with_groups_across_splits(tmp_path):
    import pytest

    export = write_export(tmp_path / "export", n_train=30, n_val=9)
    groups = {"fix:train0": 7, "fix:test0": 7, "fix:val0": 7}  # one near-duplicate group reaching all three splits
    settings = TrainSettings(epochs=1, batch_size=32, select_best=False)
    path, _ = cross_validate(export, str(tmp_path / "run"), settings, folds=3, groups=groups,
                             pool=("train", "val", "test"), quiet=True)
    with np.load(path) as oof:
        fold = dict(zip(oof["sample_key"].astype(str), oof["fold"]))
    assert len(fold) == 3 * (30 + 9 + 9) and min(fold.values()) == 0  # every sample once (n per class), all out of fold
    assert fold["fix:train0"] == fold["fix:test0"] == fold["fix:val0"]
    assert {fold[f"fix:test{i}"] for i in range(9)} <= {0, 1, 2}
    with pytest.raises(ValueError, match="select on faces they trained on"):
        cross_validate(export, str(tmp_path / "run2"), TrainSettings(epochs=1), folds=3, pool=("train", "val"))
