"""Where a model looks: Grad-CAM and gradient saliency maps for faces.

- ``gradcam`` (Selvaraju et al. 2017): the last 4-D feature map ``A`` (the
  last convolution before pooling), weighted by the spatial mean of
  ``d z_c / d A`` per channel, summed, ReLU'd, upsampled bilinearly to the
  face; coarse (6×6 on the camera model) but class-discriminative.
- ``saliency`` (Simonyan et al. 2014): ``max |d z_c / d x|`` per pixel,
  lightly blurred; fine-grained, noisier.

``z_c`` is the pre-softmax logit of class ``c`` (recovered through the
classifier's weights, see :mod:`train.embed`). Every map is scaled to
``[0, 1]`` per face (an all-zero map stays zero).

Input: uint8 faces ``(N, H, W)`` and class indices ``(N,)``; output float32
``(N, H, W)`` at the faces' own size.
"""

import numpy as np

from train.embed import _inputs, classifier_layer

METHODS = ("gradcam", "saliency")


def last_feature_map(model):
    """The last layer with a 4-D output (N, h, w, C): Grad-CAM's feature map."""
    for layer in reversed(model.layers):
        shape = getattr(layer, "output", None)
        if shape is not None and len(layer.output.shape) == 4 and layer.output.shape[1] > 1:
            return layer
    raise ValueError(f"model {model.name!r} has no spatial feature map for Grad-CAM; use --method saliency")


def _feature_model(model, with_maps):
    """Keras model: face → [last feature map (N, h, w, C),] classifier input (N, D)."""
    import keras

    features = classifier_layer(model).input
    outputs = [last_feature_map(model).output, features] if with_maps else [features]
    return keras.Model(model.inputs, outputs)


def _logits(model, features):
    """Pre-softmax logits of a batch of classifier inputs, differentiable."""
    import tensorflow as tf

    layer = classifier_layer(model)
    if not layer.weights:  # a bare Softmax: its input are the logits
        return features
    return tf.matmul(features, tf.convert_to_tensor(layer.kernel)) + tf.convert_to_tensor(layer.bias)


def class_heatmaps(model, x_uint8, classes, *, method="gradcam", batch_size=128):
    """Heatmaps float32 (N, H, W) in [0, 1] for faces (N, H, W) and class indices (N,)."""
    import tensorflow as tf

    if method not in METHODS:
        raise ValueError(f"unknown heatmap method {method!r}; choose one of {', '.join(METHODS)}")
    x_uint8 = np.asarray(x_uint8)
    classes = np.asarray(classes, dtype=np.int64)
    if classes.shape != (len(x_uint8),):
        raise ValueError(f"need one class index per face: {len(x_uint8)} faces, classes of shape {classes.shape}")
    x = _inputs(model, x_uint8)
    gradcam = method == "gradcam"
    sub = _feature_model(model, with_maps=gradcam)
    num_classes = int(model.output.shape[-1])
    out = np.zeros(x_uint8.shape, dtype=np.float32)
    for start in range(0, len(x), batch_size):
        batch = tf.convert_to_tensor(x[start:start + batch_size])
        onehot = tf.one_hot(classes[start:start + batch_size], num_classes)
        with tf.GradientTape() as tape:
            tape.watch(batch)
            results = sub(batch, training=False)
            results = results if isinstance(results, (list, tuple)) else [results]
            maps, features = (results[0], results[1]) if gradcam else (None, results[0])
            score = tf.reduce_sum(_logits(model, features) * onehot, axis=1)
        if gradcam:
            grads = tape.gradient(score, maps)
            weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)
            cam = tf.nn.relu(tf.reduce_sum(weights * maps, axis=-1))[..., None]
        else:
            grads = tape.gradient(score, batch)
            cam = tf.reduce_max(tf.abs(grads), axis=-1)[..., None]
            cam = tf.nn.avg_pool2d(cam, 3, 1, "SAME")
        cam = tf.image.resize(cam, x_uint8.shape[1:3], method="bilinear")[..., 0].numpy()
        peak = cam.reshape(len(cam), -1).max(axis=1)
        out[start:start + len(cam)] = np.divide(cam, peak[:, None, None], out=np.zeros_like(cam),
                                                where=peak[:, None, None] > 0)
    return out
