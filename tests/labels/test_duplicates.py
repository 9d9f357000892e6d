import numpy as np
import pytest

from labels import duplicates as dup


def face(seed):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (12, 12)).astype(np.uint8)
    import cv2

    return cv2.resize(base, (48, 48), interpolation=cv2.INTER_CUBIC)


def test_exact_hash_and_groups():
    a, b = face(1), face(2)
    hashes = np.array([dup.pixel_hash(x) for x in (a, b, a.copy(), b[:, :47])])
    assert dup.exact_groups(hashes).tolist() == [0, -1, 0, -1]


def test_perceptual_hash_survives_small_edits():
    from curate.demo import draw_face

    a = draw_face("happiness", np.random.default_rng(3))
    edited = a.copy()
    edited[40:46, 2:46] = (0.9 * edited[40:46, 2:46] + 0.1 * 255).astype(np.uint8)  # faint watermark
    noisy = np.clip(a + np.random.default_rng(0).normal(0, 3, a.shape), 0, 255).astype(np.uint8)
    bigger = np.kron(a, np.ones((2, 2), dtype=np.uint8))  # same face at 96x96
    h = dup.perceptual_hashes([a, edited, noisy, bigger, draw_face("anger", np.random.default_rng(4))])
    d = dup.hamming(h[0], h)
    assert d[1] <= 6 and d[2] <= 6 and d[3] <= 2
    assert d[4] > 6  # another face (drawn faces share a layout, so not far)


def test_near_groups_match_brute_force():
    rng = np.random.default_rng(7)
    base = rng.integers(0, 2**63, 300, dtype=np.uint64)
    flips = np.uint64(1) << rng.integers(0, 64, 300).astype(np.uint64)
    hashes = np.concatenate([base, base[:100] ^ flips[:100], base[:50]])
    for distance in (0, 1, 3, 6):
        groups = dup.near_groups(hashes, max_distance=distance)
        d = dup.hamming(hashes[:, None], hashes[None, :])
        linked = (d <= distance) & ~np.eye(len(hashes), dtype=bool)
        # every linked pair shares a group, every grouped sample has a link
        i, j = np.nonzero(linked)
        assert (groups[i] == groups[j]).all() and (groups[i] >= 0).all()
        assert ((groups >= 0) == linked.any(axis=1)).all()
    with pytest.raises(ValueError, match="between 0 and 16"):
        dup.near_groups(hashes, max_distance=40)


def test_group_flags_leak_and_conflict():
    groups = np.array([0, 0, 1, 1, -1])
    splits = np.array(["train", "val", "train", "train", "val"], dtype=object)
    labels = np.array(["anger", "anger", "fear", "happiness", None], dtype=object)
    crosses, conflict = dup.group_flags(groups, splits, labels)
    assert crosses.tolist() == [True, True, False, False, False]
    assert conflict.tolist() == [False, False, True, True, False]


def test_contrast_finds_flat_images():
    c = dup.contrast([np.zeros((48, 48), np.uint8), face(5)])
    assert c[0] == 0 and c[1] > 20
