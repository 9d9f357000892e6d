import numpy as np
import pytest

pytest.importorskip("tensorflow", reason="the train extra is not installed (pip install -e .[train])")

import keras  # noqa: E402

from train.layers import FusedBatchNormalization  # noqa: E402
from train.models import make_model, plain_copy  # noqa: E402


def _pair(shape):
    plain, fused = keras.layers.BatchNormalization(momentum=0.9), FusedBatchNormalization(momentum=0.9)
    plain.build(shape)
    fused.build(shape)
    rng = np.random.default_rng(0)
    weights = [rng.normal(1, 0.2, shape[-1]).astype("float32"), rng.normal(0, 0.2, shape[-1]).astype("float32"),
               np.zeros(shape[-1], "float32"), np.ones(shape[-1], "float32")]
    plain.set_weights(weights)
    fused.set_weights(weights)
    return plain, fused


def test_fused_batch_norm_matches_keras_in_training_and_inference():
    shape = (6, 5, 4, 3)
    x = np.random.default_rng(1).normal(2.0, 3.0, shape).astype("float32")
    plain, fused = _pair(shape)
    np.testing.assert_allclose(fused(x, training=True), plain(x, training=True), atol=1e-5)
    for a, b in zip(fused.get_weights(), plain.get_weights()):  # moving mean and (biased) variance updated alike
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not np.allclose(fused.moving_mean, 0)  # the update did happen
    np.testing.assert_allclose(fused(x, training=False), plain(x, training=False), atol=1e-5)


def test_fused_batch_norm_gradients_match_keras():
    import tensorflow as tf

    shape = (4, 3, 3, 2)
    x = tf.constant(np.random.default_rng(2).normal(size=shape).astype("float32"))
    grads = []
    for layer in _pair(shape):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(layer(x, training=True) ** 3)
        grads.append(tape.gradient(loss, [x, layer.gamma, layer.beta]))
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_plain_copy_has_standard_layers_and_the_same_outputs():
    fused = make_model("camera", 8, fused_norm=True)
    assert any(isinstance(layer, FusedBatchNormalization) for layer in fused.layers)
    plain = plain_copy(fused, "camera", 8)
    assert not any(isinstance(layer, FusedBatchNormalization) for layer in plain.layers)
    assert plain.count_params() == fused.count_params() == 161_240
    x = np.random.default_rng(3).random((2, 48, 48, 1)).astype("float32")
    np.testing.assert_allclose(plain(x, training=False), fused(x, training=False), atol=1e-6)
