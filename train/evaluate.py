"""Metrics and plots for float (Keras) and int8 (LiteRT) models.

``classification_metrics`` takes labels (N,) and probabilities (N, K) and
returns accuracy, macro-F1, per-class precision/recall/F1/support,
one-vs-rest macro ROC AUC and the confusion matrix.
"""

import numpy as np


def classification_metrics(labels, probs, classes):
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support, roc_auc_score

    labels, probs = np.asarray(labels), np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2 or probs.shape != (len(labels), len(classes)):
        raise ValueError(f"probabilities must have shape ({len(labels)}, {len(classes)}), got {probs.shape}")
    pred = probs.argmax(axis=1)
    k = list(range(len(classes)))
    precision, recall, f1, support = precision_recall_fscore_support(labels, pred, labels=k, zero_division=0)
    present = [c for c in k if (labels == c).any()]
    try:
        norm = probs[:, present] / np.clip(probs[:, present].sum(axis=1, keepdims=True), 1e-12, None)
        auc = float(roc_auc_score(labels, norm, multi_class="ovr", labels=present)) if len(present) > 2 else \
            float(roc_auc_score(labels == present[-1], norm[:, -1])) if len(present) == 2 else None
    except ValueError:
        auc = None
    return {
        "samples": int(len(labels)),
        "accuracy": float((pred == labels).mean()) if len(labels) else 0.0,
        "macro_f1": float(f1_score(labels, pred, labels=present, average="macro", zero_division=0)),
        "roc_auc_ovr": auc,
        "per_class": {c: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
                      for c, p, r, f, s in zip(classes, precision, recall, f1, support)},
        "confusion": confusion_matrix(labels, pred, labels=k).tolist(),
    }


def predict_keras(model, x_uint8, batch_size=256):
    """Float probabilities (N, K) for uint8 faces (N, H, W)."""
    from train.data import to_float

    size = model.input_shape[1]
    x = to_float(x_uint8)
    if size != x.shape[1]:
        import tensorflow as tf

        x = tf.image.resize(x, (size, size)).numpy()
    return model.predict(x, batch_size=batch_size, verbose=0)


def predict_mirrored(model, x_uint8):
    """Mean of the probabilities (N, K) on faces (N, H, W) and on their mirror images.

    Expressions are left-right symmetric (training flips faces too), so the
    mean is a cheap two-model ensemble: better-calibrated probabilities for
    teachers and label quality.
    """
    x_uint8 = np.asarray(x_uint8)
    return (predict_keras(model, x_uint8) + predict_keras(model, x_uint8[:, :, ::-1])) / 2


def predict_tflite(tflite, x_uint8):
    """Probabilities (N, K) from a TFLite model (int8 or float) run by LiteRT.

    Inputs are quantized with the model's own input parameters; for a camera
    model (1/255, −128) that is exactly ``pixel − 128``. Faces of another
    size are resized to the model's input first (as the camera does).
    """
    from ai_edge_litert.interpreter import Interpreter

    from train.preprocess import resize_faces

    interpreter = Interpreter(model_content=bytes(tflite))
    interpreter.allocate_tensors()
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    h, w = (int(v) for v in inp["shape"][1:3])
    if h != w:
        raise ValueError(f"the model takes {h}x{w} inputs; only square faces are supported")
    x_uint8 = resize_faces(x_uint8, h)
    scale, zero = inp["quantization"]
    oscale, ozero = out["quantization"]
    probs = []
    for face in x_uint8:
        value = face.astype(np.float32)[None, ..., None] / 255.0
        if inp["dtype"] == np.int8:
            value = np.clip(np.round(value / scale + zero), -128, 127).astype(np.int8)
        interpreter.set_tensor(inp["index"], value)
        interpreter.invoke()
        y = interpreter.get_tensor(out["index"])[0]
        probs.append((y.astype(np.float32) - ozero) * oscale if out["dtype"] == np.int8 else y)
    return np.array(probs)


def plot_confusion(confusion, classes, path, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cm = np.asarray(confusion, dtype=np.float64)
    norm = cm / np.clip(cm.sum(axis=1, keepdims=True), 1, None)
    fig, ax = plt.subplots(figsize=(1 + 0.8 * len(classes), 0.8 + 0.7 * len(classes)))
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(classes)):
        for j in range(len(classes)):
            ax.text(j, i, f"{int(cm[i, j])}", ha="center", va="center", fontsize=8,
                    color="white" if norm[i, j] > 0.5 else "black")
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_history(history, path):
    """Loss and accuracy curves from a Keras history dict."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    for ax, key in zip(axes, ("loss", "accuracy")):
        for prefix in ("", "val_"):
            if prefix + key in history:
                ax.plot(history[prefix + key], label=(prefix or "train_") + key)
        ax.set_xlabel("epoch")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
