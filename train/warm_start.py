"""Fine-tuning: start a run from another run's weights (``curate train --init RUN|shipped``).

The source is a run directory holding ``model.keras`` and ``metrics.json``
(its architecture and classes), or ``shipped``: the float weights shipped
beside the camera model (``openmv/model/model.keras``). The new model must
be the same architecture. With the same classes in the same order every
weight is copied; with other classes (another scheme) every layer but the
classifier head (the last layer with weights) is copied and the head starts
fresh. Any other shape mismatch is refused.
"""

import os

from train.run_files import MODEL_NAME, read_metrics

SHIPPED = "shipped"


def resolve_init(init):
    """The run directory an ``init`` setting names; FileNotFoundError with a hint when it holds no float model."""
    if init == SHIPPED:
        from openmv.bundle import SHIPPED_MODEL

        if not os.path.isfile(os.path.join(SHIPPED_MODEL, MODEL_NAME)):
            raise FileNotFoundError(
                f"{SHIPPED_MODEL}: the shipped camera model has no float weights ({MODEL_NAME}) to fine-tune; "
                f"ship them with `make camera-model` (or benchmarks/camera_model.py --ship-run RUN), "
                f"or pass --init RUN with a run directory")
        return SHIPPED_MODEL
    if not os.path.isfile(os.path.join(init, MODEL_NAME)):
        raise FileNotFoundError(f"{init}: no {MODEL_NAME} to start from; pass a trained run directory or 'shipped'")
    return init


def initial_weights(model, init, model_name, classes):
    """Copy ``init``'s weights into ``model`` (built as ``model_name`` for ``classes``); return what was done.

    Returns ``"all weights"`` or ``"all but the head (new classes)"``.
    """
    import keras

    source_dir = resolve_init(init)
    metrics = read_metrics(source_dir)
    if metrics.get("model") != model_name:
        raise ValueError(f"{init}: is a {metrics.get('model')!r} model; this run trains {model_name!r} "
                         f"(fine-tuning needs the same architecture)")
    source = keras.models.load_model(os.path.join(source_dir, MODEL_NAME))
    with_weights = [layer for layer in model.layers if layer.weights]
    source_layers = [layer for layer in source.layers if layer.weights]
    if len(with_weights) != len(source_layers):
        raise ValueError(f"{init}: {len(source_layers)} layers with weights, this model has {len(with_weights)}")
    same_classes = list(metrics.get("classes", [])) == list(classes)
    copied = with_weights if same_classes else with_weights[:-1]
    for target, layer in zip(copied, source_layers):
        weights = layer.get_weights()
        shapes = [w.shape for w in target.get_weights()]
        if [w.shape for w in weights] != shapes:
            raise ValueError(f"{init}: layer {layer.name} has weights {[w.shape for w in weights]}, "
                             f"this model's {target.name} has {shapes}")
        target.set_weights(weights)
    return "all weights" if same_classes else "all but the head (new classes)"
