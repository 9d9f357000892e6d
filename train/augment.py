"""Training-time augmentation (never shipped in the camera model).

Horizontal flip, ±10° rotation, ±10 % zoom and shift, brightness and
contrast for lighting, and mild blur or noise — on batches of float faces
(B, H, W, 1) in [0, 1].
"""

import keras
from keras import layers


class RandomBlurNoise(layers.Layer):
    """With probability ``p`` each: a 3x3 Gaussian blur; additive noise of std ``noise``."""

    def __init__(self, p=0.2, noise=0.02, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.p, self.noise = p, noise
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, x, training=False):
        if not training:
            return x
        ops = keras.ops
        kernel = ops.convert_to_tensor([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]) / 16.0
        kernel = ops.reshape(kernel, (3, 3, 1, 1))
        blurred = ops.conv(x, kernel, padding="same")
        batch = ops.shape(x)[0]
        pick = keras.random.uniform((batch, 1, 1, 1), seed=self.seed_generator) < self.p
        x = ops.where(pick, blurred, x)
        noisy = keras.random.uniform((batch, 1, 1, 1), seed=self.seed_generator) < self.p
        noise = keras.random.normal(ops.shape(x), stddev=self.noise, seed=self.seed_generator)
        return ops.clip(ops.where(noisy, x + noise, x), 0.0, 1.0)


def make_augmenter(seed=0):
    """A Keras Sequential applied to training batches only."""
    return keras.Sequential([
        layers.RandomFlip("horizontal", seed=seed),
        layers.RandomRotation(10 / 360, fill_mode="nearest", seed=seed),
        layers.RandomZoom(0.1, fill_mode="nearest", seed=seed),
        layers.RandomTranslation(0.1, 0.1, fill_mode="nearest", seed=seed),
        layers.RandomBrightness(0.2, value_range=(0.0, 1.0), seed=seed),
        layers.RandomContrast(0.2, seed=seed),
        RandomBlurNoise(seed=seed),
    ], name="augment")
