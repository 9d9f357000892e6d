"""Mixup and CutMix mix faces, soft targets and weights with one share per face, and stay distributions."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from train.data import Split, tf_dataset  # noqa: E402
from train.mixing import batch_mixer, check_mixing, cut_boxes  # noqa: E402


def _batch(n=8, k=4, size=12):
    rng = np.random.default_rng(0)
    x = np.stack([np.full((size, size, 1), i / n, dtype="float32") for i in range(n)])  # face i is all i/n
    y = rng.dirichlet(np.ones(k), size=n).astype("float32")
    w = rng.uniform(0.5, 2.0, n).astype("float32")
    return x, y, w


def _mix(mixer, seed=(1, 2), *batch):
    return [t.numpy() for t in mixer(tf.constant(seed, dtype=tf.int64), *[tf.constant(b) for b in batch])]


def test_off_is_none_and_bad_alpha_is_refused():
    assert batch_mixer(0.0, 0.0) is None
    with pytest.raises(ValueError, match="mixup alpha -1"):
        check_mixing(-1.0, 0.0)
    with pytest.raises(ValueError, match="cutmix alpha nan"):
        check_mixing(0.0, float("nan"))


def test_mixup_blends_each_face_with_its_reversed_partner_by_the_same_share_as_its_target():
    x, y, w = _batch()
    mx, my, mw = _mix(batch_mixer(mixup=0.4), (1, 2), x, y, w)
    n, shares = len(x), []
    for i in range(n):
        j = n - 1 - i
        if x[i, 0, 0, 0] == x[j, 0, 0, 0]:
            continue
        lam = (mx[i, 0, 0, 0] - x[j, 0, 0, 0]) / (x[i, 0, 0, 0] - x[j, 0, 0, 0])
        assert 0.0 <= lam <= 1.0
        shares.append(lam)
        np.testing.assert_allclose(mx[i], lam * x[i] + (1 - lam) * x[j], atol=1e-5)
        np.testing.assert_allclose(my[i], lam * y[i] + (1 - lam) * y[j], atol=1e-5)
        np.testing.assert_allclose(mw[i], lam * w[i] + (1 - lam) * w[j], atol=1e-5)
    assert sum(0.05 < s < 0.95 for s in shares) >= 2  # the faces were really mixed
    np.testing.assert_allclose(my.sum(axis=1), 1.0, atol=1e-5)
    same = _mix(batch_mixer(mixup=0.4), (1, 2), x, y, w)
    np.testing.assert_array_equal(same[0], mx)  # stateless: one seed, one mix


def test_cutmix_pastes_a_box_and_weighs_the_target_by_the_area_left():
    x, y, _ = _batch(n=16)
    mx, my = _mix(batch_mixer(cutmix=1.0), (3, 4), x, y)
    n, pasted = len(x), 0
    for i in range(n):
        j = n - 1 - i
        from_partner = np.isclose(mx[i], x[j, 0, 0, 0]) & ~np.isclose(mx[i], x[i, 0, 0, 0])
        assert np.all(np.isclose(mx[i], x[i, 0, 0, 0]) | from_partner)  # every pixel is one face's or the other's
        kept = 1.0 - from_partner.mean()
        pasted += 0.05 < kept < 0.95
        np.testing.assert_allclose(my[i], kept * y[i] + (1 - kept) * y[j], atol=1e-5)
    assert pasted >= 4


def test_cut_boxes_clip_to_the_face_and_report_the_area_left():
    lam = tf.constant([0.75, 0.0, 1.0])
    inside, kept = cut_boxes(lam, tf.constant([0.5, 0.5, 0.5]), tf.constant([0.5, 0.0, 0.5]), 8, 8)
    inside, kept = inside.numpy()[..., 0], kept.numpy()
    assert inside[0].sum() == 16 and kept[0] == pytest.approx(0.75)  # a 4x4 box in the middle
    assert inside[1][:, :4].all() and not inside[1][:, 4:].any() and kept[1] == pytest.approx(0.5)  # half off the edge
    assert not inside[2].any() and kept[2] == 1.0


def test_dataset_mixes_training_batches_differently_each_epoch():
    n = 32
    rng = np.random.default_rng(1)
    split = Split(x=rng.integers(0, 255, (n, 12, 12), dtype=np.uint8),
                  soft=rng.dirichlet(np.ones(3), n).astype("float32"), hard=np.zeros(n, dtype=int),
                  keys=np.arange(n).astype(str))
    data = tf_dataset(split, batch_size=8, training=True, seed=0, mix=batch_mixer(mixup=1.0))
    first, second = [np.concatenate([y.numpy() for _, y in data]) for _ in range(2)]
    assert first.shape == (n, 3)
    np.testing.assert_allclose(first.sum(axis=1), 1.0, atol=1e-5)
    assert not np.allclose(np.sort(first, axis=0), np.sort(second, axis=0))
    plain = np.concatenate([y.numpy() for _, y in tf_dataset(split, batch_size=8, training=True, seed=0)])
    assert not np.allclose(np.sort(first, axis=0), np.sort(plain, axis=0))  # the targets were mixed
