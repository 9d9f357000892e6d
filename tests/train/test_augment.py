"""The one-pass affine augmenter maps pixels where the matrix says, and keeps faces in range."""

import math

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from train.augment import RandomAffine, TrainingResize, affine_rows, make_augmenter, progressive_size  # noqa: E402


def _apply(x, flip=0.0, angle=0.0, scale=1.0, shift_x=0.0, shift_y=0.0):
    n = len(x)
    args = [np.full((n,), v, dtype="float32") for v in (flip, angle, scale, shift_x, shift_y)]
    rows = affine_rows(*[keras.ops.convert_to_tensor(a) for a in args], size=x.shape[1:3])
    out = keras.ops.image.affine_transform(x, rows, interpolation="bilinear", fill_mode="constant")
    return keras.ops.convert_to_numpy(out)


@pytest.fixture
def faces():
    rng = np.random.default_rng(0)
    return rng.random((3, 12, 12, 1)).astype("float32")


def test_identity(faces):
    np.testing.assert_allclose(_apply(faces), faces, atol=1e-5)


def test_flip_mirrors_columns(faces):
    np.testing.assert_allclose(_apply(faces, flip=1.0), faces[:, :, ::-1], atol=1e-5)


def test_shift_moves_content_right_and_down(faces):
    out = _apply(faces, shift_x=2.0, shift_y=1.0)
    np.testing.assert_allclose(out[:, 1:, 2:], faces[:, :-1, :-2], atol=1e-5)
    assert np.all(out[:, 0, :] == 0) and np.all(out[:, :, :2] == 0)


def test_quarter_turn_is_a_rotation(faces):
    out = _apply(faces, angle=math.pi / 2)
    # a quarter turn of a square image is a transpose plus a mirror, in one of the two directions
    candidates = [np.rot90(faces, k, axes=(1, 2)) for k in (1, 3)]
    assert min(np.abs(out - c).max() for c in candidates) < 1e-4


def test_zoom_in_about_the_centre():
    x = np.zeros((1, 11, 11, 1), dtype="float32")
    x[0, 5, 7] = 1.0  # two pixels right of the centre
    out = _apply(x, scale=2.0)
    assert out[0, 5, 9] == pytest.approx(1.0)  # four pixels right after a 2x zoom


def test_augmenter_keeps_shape_range_and_changes_training_batches_only(faces):
    augment = make_augmenter(seed=1)
    out = keras.ops.convert_to_numpy(augment(faces, training=True))
    assert out.shape == faces.shape and out.min() >= 0.0 and out.max() <= 1.0
    assert not np.allclose(out, faces)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(augment(faces, training=False)), faces)
    assert isinstance(augment.layers[0], RandomAffine)


def test_progressive_size_ramps_in_steps_then_holds():
    assert progressive_size(0.0, 32, 48) == 32
    assert progressive_size(0.3, 32, 48) == 40
    assert progressive_size(0.59, 32, 48) == 44
    assert [progressive_size(p, 32, 48) for p in (0.6, 0.9, 1.5)] == [48, 48, 48]
    assert progressive_size(0.0, 48, 48) == 48


def test_training_resize_resizes_in_training_only():
    layer = TrainingResize(48)
    x = np.random.default_rng(0).random((2, 48, 48, 1)).astype("float32")
    layer.size.assign(32)
    assert tuple(layer(x, training=True).shape) == (2, 32, 32, 1)
    assert np.array_equal(np.asarray(layer(x, training=False)), x)


def test_random_erasing_puts_one_box_of_noise_on_the_chosen_faces_only():
    from train.augment import RandomErasing

    x = np.full((64, 24, 24, 1), 0.5, dtype="float32")
    out = keras.ops.convert_to_numpy(RandomErasing(p=0.5, seed=3)(x, training=True))
    changed = out != 0.5
    erased = changed.any(axis=(1, 2, 3))
    assert 10 < erased.sum() < 54  # about half the faces
    for face in changed[erased, :, :, 0]:
        rows, cols = np.nonzero(face.any(axis=1))[0], np.nonzero(face.any(axis=0))[0]
        box = face[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
        assert box.mean() > 0.95  # one solid box (a noise pixel may equal 0.5 by chance)
        assert 0.01 <= box.size / face.size <= 0.3
    assert out.min() >= 0.0 and out.max() <= 1.0
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(RandomErasing(p=1.0)(x, training=False)), x)


def test_augmenter_erases_last_only_when_asked():
    from train.augment import RandomErasing

    assert not any(isinstance(layer, RandomErasing) for layer in make_augmenter().layers)
    assert isinstance(make_augmenter(erase=0.5).layers[-1], RandomErasing)
