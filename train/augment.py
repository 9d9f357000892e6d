"""Training-time augmentation (never shipped in the camera model).

Horizontal flip, ±10° rotation, ±10 % zoom and shift, brightness and
contrast for lighting, and mild blur or noise — on batches of float faces
(B, H, W, 1) in [0, 1] — and, when asked for, random erasing
(:class:`RandomErasing`). Mixup and CutMix, which change the targets too,
are in :mod:`train.mixing`.

Flip, rotation, zoom and shift are composed into one affine matrix per face
and applied in one resampling pass (:class:`RandomAffine`) instead of four
Keras preprocessing layers (4.5 ms against 11.5 ms a 64-face batch for the
whole pipeline on 2 CPU cores; the model's own step takes ~130 ms). All
layers use ``keras.ops`` only, so they run inside the training step on any
Keras backend (``train/fit.py``).
"""

import math

import keras
from keras import layers


def affine_rows(flip, angle, scale, shift_x, shift_y, size):
    """Inverse affine maps for ``keras.ops.image.affine_transform``: (B, 8).

    Each face is mapped as ``out = c + scale * R(angle) * F * (in - c) + shift``
    (F mirrors x when ``flip`` is 1, c is the image centre, shifts in pixels);
    the returned rows give, for every output pixel, the input point it samples.
    All arguments are (B,) tensors; ``size`` is (height, width).
    """
    ops = keras.ops
    cy, cx = (size[0] - 1) / 2.0, (size[1] - 1) / 2.0
    cos, sin = ops.cos(angle) / scale, ops.sin(angle) / scale
    mirror = 1.0 - 2.0 * flip  # -1 mirrors x
    # A = F · R(-angle) / scale
    a00, a01 = mirror * cos, mirror * sin
    a10, a11 = -sin, cos
    ux, uy = cx + shift_x, cy + shift_y
    b0 = cx - (a00 * ux + a01 * uy)
    b1 = cy - (a10 * ux + a11 * uy)
    zeros = ops.zeros_like(angle)
    return ops.stack([a00, a01, b0, a10, a11, b1, zeros, zeros], axis=1)


class _Augmentation(layers.Layer):
    """A random change of (B, H, W, 1) batches: :meth:`augment` in training, the identity otherwise."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, x, training=False):
        return self.augment(x) if training else x

    def augment(self, x):
        raise NotImplementedError


class RandomAffine(_Augmentation):
    """Random flip, rotation (±``degrees``), zoom (±``zoom``) and shift (±``shift`` of the size), one pass."""

    def __init__(self, degrees=10.0, zoom=0.1, shift=0.1, flip=True, seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        self.degrees, self.zoom, self.shift, self.flip = degrees, zoom, shift, flip

    def augment(self, x):
        ops = keras.ops
        batch = ops.shape(x)[0]
        height, width = x.shape[1], x.shape[2]

        def uniform(low, high):
            return keras.random.uniform((batch,), low, high, seed=self.seed_generator)

        flip = ops.cast(uniform(0.0, 1.0) < 0.5, "float32") if self.flip else ops.zeros((batch,))
        angle = uniform(-1.0, 1.0) * (self.degrees * math.pi / 180.0)
        scale = 1.0 + uniform(-self.zoom, self.zoom)
        shift_x = uniform(-self.shift, self.shift) * width
        shift_y = uniform(-self.shift, self.shift) * height
        rows = affine_rows(flip, angle, scale, shift_x, shift_y, (height, width))
        return keras.ops.image.affine_transform(x, rows, interpolation="bilinear", fill_mode="nearest")


class RandomLighting(_Augmentation):
    """Brightness ± ``brightness`` (added) and contrast × [1 - ``contrast``, 1 + ``contrast``] about each face's mean."""

    def __init__(self, brightness=0.2, contrast=0.2, seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        self.brightness, self.contrast = brightness, contrast

    def augment(self, x):
        ops = keras.ops
        shape = (ops.shape(x)[0], 1, 1, 1)
        delta = keras.random.uniform(shape, -self.brightness, self.brightness, seed=self.seed_generator)
        factor = keras.random.uniform(shape, 1.0 - self.contrast, 1.0 + self.contrast, seed=self.seed_generator)
        mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)
        return ops.clip((x - mean) * factor + mean + delta, 0.0, 1.0)


class RandomBlurNoise(_Augmentation):
    """With probability ``p`` each: a 3x3 Gaussian blur; additive noise of std ``noise``."""

    def __init__(self, p=0.2, noise=0.02, seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        self.p, self.noise = p, noise

    def augment(self, x):
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


class RandomErasing(_Augmentation):
    """With probability ``p`` a face gets one box of uniform noise (Zhong et al. 2020).

    The box covers ``area`` (a range, share of the face) with aspect ratio
    h/w in ``ratio`` (log-uniform), clipped to the face; it stands in for
    hands, hair and glasses over part of a face.
    """

    def __init__(self, p=0.5, area=(0.02, 0.25), ratio=(0.3, 3.3), seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        self.p, self.area, self.ratio = p, tuple(area), tuple(ratio)

    def augment(self, x):
        ops = keras.ops
        batch = ops.shape(x)[0]
        height, width = x.shape[1], x.shape[2]

        def uniform(low=0.0, high=1.0):
            return keras.random.uniform((batch,), low, high, seed=self.seed_generator)

        area = uniform(*self.area) * (height * width)
        aspect = ops.exp(uniform(math.log(self.ratio[0]), math.log(self.ratio[1])))
        box_h = ops.minimum(ops.sqrt(area * aspect), float(height))
        box_w = ops.minimum(ops.sqrt(area / aspect), float(width))
        top, left = uniform() * (height - box_h), uniform() * (width - box_w)
        rows = ops.reshape(ops.arange(height, dtype="float32") + 0.5, (1, height, 1, 1))
        cols = ops.reshape(ops.arange(width, dtype="float32") + 0.5, (1, 1, width, 1))

        def edge(v):
            return ops.reshape(v, (-1, 1, 1, 1))

        inside = ((rows >= edge(top)) & (rows < edge(top + box_h))
                  & (cols >= edge(left)) & (cols < edge(left + box_w)))
        erased = inside & edge(uniform() < self.p)
        noise = keras.random.uniform(ops.shape(x), seed=self.seed_generator)
        return ops.where(erased, noise, x)


class TrainingResize(layers.Layer):
    """Resizes training batches (B, H, W, 1) to (size, size); the identity at inference.

    ``size`` is a variable that a callback lowers early in training
    (progressive resizing, :func:`progressive_size`); the model after this
    layer must accept any spatial size (fully convolutional with global
    pooling, built with ``input_shape=(None, None, 1)``).
    """

    def __init__(self, size, **kwargs):
        super().__init__(**kwargs)
        self.size = self.add_weight(shape=(), dtype="int32", initializer=keras.initializers.Constant(size),
                                    trainable=False, name="size")

    def call(self, x, training=False):
        if not training:
            return x
        if keras.backend.backend() == "tensorflow":  # a size read in the graph: one trace for every size
            import tensorflow as tf

            size = tf.convert_to_tensor(self.size)
            return tf.image.resize(x, tf.stack([size, size]), method="bilinear", antialias=True)
        size = int(keras.ops.convert_to_numpy(self.size))  # eager backends
        return keras.ops.image.resize(x, (size, size), interpolation="bilinear", antialias=True)


def progressive_size(progress, start, full, ramp_end=0.6, step=4):
    """Training resolution at ``progress`` in [0, 1] of training: int pixels.

    Grows linearly from ``start`` at 0 to ``full`` at ``ramp_end``, rounded
    down to a multiple of ``step`` (never below ``start``), then stays at
    ``full``: low-resolution steps are cheap while the learning rate is
    high, and the last part of training sees the camera's resolution.
    """
    if progress >= ramp_end or start >= full:
        return int(full)
    size = start + (full - start) * progress / ramp_end
    return int(max(start, step * math.floor(size / step)))


def make_augmenter(seed=0, erase=0.0):
    """A Keras Sequential applied to training batches (B, H, W, 1) only; ``erase`` > 0 adds random erasing last."""
    return keras.Sequential([
        RandomAffine(seed=seed),
        RandomLighting(seed=seed + 1),
        RandomBlurNoise(seed=seed + 2),
        *([RandomErasing(erase, seed=seed + 3)] if erase > 0 else []),
    ], name="augment")
