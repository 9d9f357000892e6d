"""A model's view of faces: class probabilities and penultimate-layer embeddings in one pass.

The embedding is the input of the model's ``emotion`` layer (the classifier:
a Dense softmax for most zoo models, a bare Softmax for ``wiacek``, whose
embedding is then its 8 logits). Logits are recovered exactly: for a Dense
classifier ``z = h @ W + b``, for a Softmax layer its input.

All functions take uint8 faces ``(N, H, W)`` and return numpy arrays.
"""

import numpy as np

CLASSIFIER = "emotion"  # every zoo model names its output layer so (train.models)


def classifier_layer(model):
    """The model's output layer named ``emotion``; ValueError when it has none."""
    try:
        return model.get_layer(CLASSIFIER)
    except ValueError:
        raise ValueError(f"model {model.name!r} has no layer named {CLASSIFIER!r}; "
                         "only models from train.models can be inspected") from None


def feature_model(model):
    """Keras model: face (N, S, S, 1) float → embedding (N, D) float, the classifier's input."""
    import keras

    return keras.Model(model.inputs, classifier_layer(model).input, name=f"{model.name}_features")


def logits_from_features(model, features):
    """Embeddings (N, D) → pre-softmax logits (N, K) through the classifier's own weights."""
    layer = classifier_layer(model)
    features = np.asarray(features, dtype=np.float32)
    if not layer.weights:  # a bare Softmax: its input are the logits
        return features
    kernel, bias = (np.asarray(w) for w in layer.get_weights()[:2])
    return features @ kernel + bias


def _inputs(model, x_uint8):
    from train.data import to_float
    from train.preprocess import resize_faces

    x_uint8 = np.asarray(x_uint8)
    if x_uint8.ndim != 3 or x_uint8.dtype != np.uint8:
        raise ValueError(f"faces must be uint8 (N, H, W), got {x_uint8.dtype} {x_uint8.shape}")
    return to_float(resize_faces(x_uint8, model.input_shape[1]))


def embed_faces(model, x_uint8, *, batch_size=256):
    """(probs (N, K) float32, logits (N, K) float32, embeddings (N, D) float32) for faces (N, H, W).

    Faces of another size are resized to the model's input first, as the
    export and the camera do.
    """
    features = feature_model(model).predict(_inputs(model, x_uint8), batch_size=batch_size, verbose=0)
    logits = logits_from_features(model, features).astype(np.float32)
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (z / z.sum(axis=1, keepdims=True)).astype(np.float32), logits, features.astype(np.float32)
