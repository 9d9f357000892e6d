"""Mixup and CutMix of training batches, soft targets mixed alike (in ``tf.data``, before the training step).

Each face of a batch (B, H, W, 1) is mixed with its partner in the
reversed batch (face ``i`` with face ``B - 1 - i``), with its own share
``lam`` drawn from Beta(alpha, alpha):

- **Mixup** (Zhang et al. 2018): ``x = lam * x_i + (1 - lam) * x_j``.
- **CutMix** (Yun et al. 2019): a box covering ``1 - lam`` of the face is
  pasted from the partner; ``lam`` becomes the area left of face ``i``
  after the box is clipped to the image.

Targets (B, K) — vote distributions or teacher blends — and sample weights
(B,) mix with the same ``lam``, so a soft label stays a distribution. With
both on, each face takes one of the two at random. The draws are stateless,
seeded from a ``tf.data`` random stream, so a seed gives the same mixes.
The augmentation that follows in the training step (:mod:`train.augment`)
then changes the mixed face as one picture.
"""

import math


def check_mixing(mixup, cutmix):
    """Raise ValueError when a Beta alpha is negative (0 is off)."""
    for name, alpha in (("mixup", mixup), ("cutmix", cutmix)):
        if alpha < 0 or not math.isfinite(alpha):
            raise ValueError(f"{name} alpha {alpha} must be a finite number >= 0; use 0 (off) or e.g. 0.2 (mixup), "
                             f"1.0 (cutmix)")


def _beta(seed, alpha, batch):
    import tensorflow as tf

    a = tf.random.stateless_gamma((batch,), seed=seed, alpha=alpha)
    b = tf.random.stateless_gamma((batch,), seed=seed + [0, 1], alpha=alpha)
    return a / tf.maximum(a + b, 1e-12)


def cut_boxes(lam, uniform_y, uniform_x, height, width):
    """Boolean masks (B, H, W, 1) of boxes of area about ``1 - lam`` centred at ``uniform_*`` in [0, 1) of the face,
    clipped to it, and the share of each face outside its box (B,): the ``lam`` CutMix labels use."""
    import tensorflow as tf

    side = tf.sqrt(1.0 - lam)
    cy, cx = uniform_y * height, uniform_x * width
    top, bottom = (tf.clip_by_value(cy + d * side * height / 2, 0, height) for d in (-1, 1))
    left, right = (tf.clip_by_value(cx + d * side * width / 2, 0, width) for d in (-1, 1))
    rows = tf.range(height, dtype=tf.float32)[None, :, None, None] + 0.5  # pixel centres
    cols = tf.range(width, dtype=tf.float32)[None, None, :, None] + 0.5

    def edge(v):
        return v[:, None, None, None]

    inside = ((rows >= edge(top)) & (rows < edge(bottom)) & (cols >= edge(left)) & (cols < edge(right)))
    kept = 1.0 - tf.reduce_mean(tf.cast(inside, tf.float32), axis=(1, 2, 3))
    return inside, kept


def batch_mixer(mixup=0.0, cutmix=0.0):
    """A function ``(seed (2,) int64, x (B, H, W, 1) float, y (B, K), *w (B,)) → (x, y, *w)`` mixing each face
    with its partner in the reversed batch, or None when both alphas are 0 (see the module's docstring)."""
    check_mixing(mixup, cutmix)
    if mixup == 0 and cutmix == 0:
        return None
    import tensorflow as tf

    def mix(seed, x, y, *weights):
        batch = tf.shape(x)[0]
        height, width = x.shape[1], x.shape[2]
        partner_x, partner_y = tf.reverse(x, [0]), tf.reverse(y, [0])
        lam_mixup = _beta(seed, mixup, batch) if mixup > 0 else tf.ones((batch,))
        mixed = lam_mixup[:, None, None, None] * x + (1 - lam_mixup[:, None, None, None]) * partner_x
        lam = lam_mixup
        if cutmix > 0:
            draw = tf.random.stateless_uniform((3, batch), seed=seed + [0, 2])
            inside, kept = cut_boxes(_beta(seed + [0, 3], cutmix, batch), draw[0], draw[1], height, width)
            cut = tf.where(inside, partner_x, x)
            use_cut = draw[2] < 0.5 if mixup > 0 else tf.ones((batch,), dtype=tf.bool)
            mixed = tf.where(use_cut[:, None, None, None], cut, mixed)
            lam = tf.where(use_cut, kept, lam_mixup)
        y = lam[:, None] * y + (1 - lam[:, None]) * partner_y
        weights = tuple(lam * w + (1 - lam) * tf.reverse(w, [0]) for w in weights)
        return (mixed, y, *weights)

    return mix
