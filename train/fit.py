"""Training a model on an export: soft labels, class weights, augmentation, early stopping.

A run directory (format: :mod:`train.run_files`) holds everything needed to trace and reuse the model::

    model.keras        the trained float model (best val epoch)
    history.csv        per-epoch loss / accuracy / val_loss / val_accuracy (/ train_size)
    metrics.json       val metrics (float), settings, wall time, export lineage
    curves.png         training curves
    confusion_val.png  val confusion matrix
    export.json        the export's manifest (dataset, view, scheme, label rule, hash)

Progressive resizing (``start_size``): the model is built for any size and
trained on faces resized inside the training step, from ``start_size`` up
to its input size over the first 60 % of training (by wall clock under a
time budget, else by epochs); the saved model has the fixed input size.
Cheap low-resolution steps while the learning rate is high buy more epochs
in a CPU budget. Several training steps run per graph call
(``steps_per_execution``), which cuts Keras' per-step overhead on the CPU.

A weight average (``ema_decay`` > 0) keeps an exponential moving average
of the weights during training; validation, early stopping and the saved
model use the average (:func:`weight_average_callback`).

Teachers (``teachers``: earlier run directories, or the predictions files
they keep) blend their predictions into the training targets
(:mod:`train.distill`); ``teacher_seconds`` in the metrics is the time their
predictions took (or their reading, when kept), outside ``train_seconds``.

Keras 3 code with no TensorFlow-only calls in the model or the loop (the
fused batch norm of :mod:`train.layers` falls back to Keras' own off
TensorFlow), so the same run can train under another Keras backend on a GPU
machine; the conversion to TFLite (``train/quantize.py``) runs here with
TensorFlow.
"""

import dataclasses
import os
import time

import numpy as np

from labels.balance import class_weights
from train.data import load_export, tf_dataset
from train.mixing import batch_mixer, check_mixing
from train.models import default_input_shape, make_model, plain_copy
from train.run_files import EXPORT_NAME, HISTORY_NAME, MODEL_NAME, write_json, write_metrics
from train.settings import WEIGHTINGS, TrainSettings  # noqa: F401  (TrainSettings: re-exported)

MIN_START_SIZE = 16  # progressive resizing: the models pool 3 to 4 times


def time_budget_callback(base_lr, minutes, alpha=0.02):
    """Cosine-anneal the learning rate over a wall-clock budget, then stop training.

    On a slow machine the number of epochs that fit is unknown beforehand; this
    keeps the schedule's shape (full annealing) whatever the speed.
    """
    import math

    import keras

    class TimeBudget(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_begin(self, batch, logs=None):
            done = min(1.0, (time.perf_counter() - self.start) / (minutes * 60))
            lr = base_lr * (alpha + (1 - alpha) * 0.5 * (1 + math.cos(math.pi * done)))
            self.model.optimizer.learning_rate.assign(lr)

        def on_epoch_end(self, epoch, logs=None):
            if time.perf_counter() - self.start >= minutes * 60:
                self.model.stop_training = True

    return TimeBudget()


def weight_average_callback(model, decay, steps_per_update):
    """Keep an exponential moving average of ``model``'s weights; validate and save the average.

    The average covers every float weight (kernels and batch-norm statistics)
    and is updated after each graph call of ``steps_per_update`` training
    steps with ``decay ** steps_per_update``; the per-step decay warms up as
    ``(1 + s) / (10 + s)`` after ``s`` steps, so the random start fades fast.
    Validation runs on the average, which stays in the model through the
    epoch's end (callbacks listed before this one, such as early stopping,
    see and keep the averaged weights); the raw weights then return for the
    next epoch. After the last epoch the model holds the average.
    """
    import keras

    variables = [v for v in model.weights if "float" in str(v.dtype)]

    def values():
        return [keras.ops.convert_to_numpy(v) for v in variables]

    def assign(arrays):
        for variable, array in zip(variables, arrays):
            variable.assign(array)

    class WeightAverage(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.average, self.steps, self.raw = values(), 0, None

        def on_train_batch_end(self, batch, logs=None):
            self.steps += steps_per_update
            d = min(decay, (1 + self.steps) / (10 + self.steps)) ** steps_per_update
            for average, value in zip(self.average, values()):
                average *= d
                average += (1 - d) * value

        def on_test_begin(self, logs=None):
            if self.raw is None:  # validation inside fit: evaluate the average
                self.raw = values()
                assign(self.average)

        def on_epoch_end(self, epoch, logs=None):
            last = self.model.stop_training or epoch + 1 >= self.params.get("epochs", epoch + 2)
            if last:  # keep the average (put it in if no validation did)
                if self.raw is None:
                    assign(self.average)
            elif self.raw is not None:  # back to the raw weights for the next epoch
                assign(self.raw)
                self.raw = None

    return WeightAverage()


def progressive_resize_callback(resize_layer, start, full, epochs, minutes):
    """Set ``resize_layer``'s size before each graph call of training from its progress.

    Progress is the fraction of the wall-clock budget spent (``minutes`` > 0)
    or of the epochs run; sizes follow :func:`train.augment.progressive_size`.
    """
    import keras

    from train.augment import progressive_size

    class ProgressiveResize(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start, self.epoch = time.perf_counter(), 0

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_begin(self, batch, logs=None):
            if minutes > 0:
                progress = (time.perf_counter() - self.start) / (minutes * 60)
            else:
                progress = self.epoch / max(1, epochs)
            resize_layer.size.assign(progressive_size(progress, start, full))

        def on_epoch_end(self, epoch, logs=None):
            if logs is not None:
                logs["train_size"] = int(keras.ops.convert_to_numpy(resize_layer.size))

    return ProgressiveResize()


def sample_weights(hard, num_classes, method):
    """Per-sample weights (N,) from class weights on the train labels; None for ``none``."""
    if method not in WEIGHTINGS:
        raise ValueError(f"unknown class weighting {method!r}; choose one of {', '.join(WEIGHTINGS)}")
    if method == "none":
        return None
    weights = class_weights(np.bincount(hard, minlength=num_classes), method=method)
    return weights[hard]


def check_settings(settings):
    """Raise ValueError naming the first setting out of range."""
    if 0 < settings.start_size < MIN_START_SIZE:
        raise ValueError(f"start size {settings.start_size} px is too small; use 0 (off) or at least {MIN_START_SIZE}")
    if settings.input_size and settings.input_size < MIN_START_SIZE:
        raise ValueError(f"input size {settings.input_size} px is too small; use 0 (the model's own) or at least "
                         f"{MIN_START_SIZE}")
    if not 0 <= settings.holdout < 1:
        raise ValueError(f"held-out share {settings.holdout} is not in [0, 1); use 0 (select on val) or e.g. 0.1")
    if not 0 <= settings.erase <= 1:
        raise ValueError(f"random-erasing share {settings.erase} is not in [0, 1]; use 0 (off) or e.g. 0.5")
    if (settings.erase or settings.mixup or settings.cutmix) and not settings.augment:
        raise ValueError("random erasing, mixup and cutmix are augmentation; they need augmentation on")
    check_mixing(settings.mixup, settings.cutmix)
    if not 0 <= settings.ema_decay < 1:
        raise ValueError(f"weight-average decay {settings.ema_decay} is not in [0, 1); use 0 (off) or e.g. 0.9995")


def model_input_shape(settings):
    """(H, W, C) the run's model is built for: ``input_size`` when set, else the model's default."""
    shape = default_input_shape(settings.model)
    return (settings.input_size, settings.input_size, shape[2]) if settings.input_size else shape


def training_splits(export, settings, train_split=None, val_split=None):
    """(train, val the epoch is chosen on, val reported, "val" | "holdout") for a run."""
    train = train_split or export.split("train")
    val = val_split or export.split("val")
    if settings.holdout > 0 and val_split is None:
        from labels.folds import holdout_mask

        # seed 0 always: every seed and recipe is chosen on the same held-out faces
        mask = holdout_mask(train.hard.astype(np.int64), train.group, settings.holdout, seed=0)
        return train.take(~mask), train.take(mask), val, "holdout"
    return train, val, val, "val"


def training_targets(train, classes, settings):
    """(train split with the targets it learns, soft?, seconds the teachers took): labels, or labels + teachers."""
    if not settings.teachers:
        return train, settings.soft_labels, 0.0
    from train.distill import blend_targets, teacher_probabilities

    labels = train.soft if settings.soft_labels else np.eye(len(classes), dtype=np.float32)[train.hard]
    started = time.perf_counter()
    teacher = teacher_probabilities(settings.teachers, train.x, classes, keys=train.keys)
    seconds = time.perf_counter() - started
    return dataclasses.replace(train, soft=blend_targets(labels, teacher, settings.teacher_weight)), True, seconds


def compiled_trainer(model, settings, full_shape, steps_per_epoch):
    """(the Keras model that trains: augmentation and progressive resizing in front of ``model``, its callbacks)."""
    import keras

    from train.augment import TrainingResize, make_augmenter

    size = full_shape[0]
    callbacks = [
        keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max", patience=settings.patience,
                                      restore_best_weights=True),
    ] if settings.select_best else []
    if settings.max_minutes > 0:
        schedule = settings.learning_rate
        callbacks.append(time_budget_callback(settings.learning_rate, settings.max_minutes))
    else:
        schedule = keras.optimizers.schedules.CosineDecay(settings.learning_rate,
                                                          decay_steps=steps_per_epoch * settings.epochs, alpha=0.02)
    # Augmentation runs inside the training step (on the backend's device), not in tf.data:
    # the loader then stays backend-free, and the saved model is the bare camera model.
    stages = [make_augmenter(settings.seed, settings.erase)] if settings.augment else []
    if 0 < settings.start_size < size:
        resize = TrainingResize(size, name="progressive_resize")
        stages.append(resize)
        callbacks.append(progressive_resize_callback(resize, settings.start_size, size, settings.epochs,
                                                     settings.max_minutes))
    trainer = model
    if stages:
        trainer = keras.Sequential([keras.Input(full_shape), *stages, model], name=f"{model.name}_training")
    trainer.compile(optimizer=keras.optimizers.Adam(schedule), loss=keras.losses.CategoricalCrossentropy(),
                    metrics=["accuracy"], steps_per_execution=settings.steps_per_execution)
    return trainer, callbacks


def train_model(export_path, run_dir, settings=None, *, quiet=False, train_split=None, val_split=None):
    """Train on an export and write the run directory; return the metrics dict.

    ``train_split`` / ``val_split`` override the export's splits (used by
    cross-validation, which trains on folds of the train split).
    """
    import warnings

    import keras

    warnings.filterwarnings("ignore", message=".*shuffle=True. was passed.*")
    settings = settings or TrainSettings()
    check_settings(settings)
    keras.utils.set_random_seed(settings.seed)
    export = load_export(export_path).with_clahe(settings.clahe)
    if settings.clahe > 0:
        train_split, val_split = (s and s.with_clahe(settings.clahe) for s in (train_split, val_split))
    classes = export.classes
    train, val, report_val, selection = training_splits(export, settings, train_split, val_split)
    full_shape = model_input_shape(settings)
    size = full_shape[0]
    # Progressive resizing trains one model at several sizes: build it for any size.
    model = make_model(settings.model, len(classes),
                       (None, None, full_shape[2]) if 0 < settings.start_size < size else full_shape, fused_norm=True,
                       width=settings.width, depth=settings.depth)
    started_from = None
    if settings.init:
        from train.warm_start import initial_weights

        started_from = {"from": settings.init, "copied": initial_weights(model, settings.init, settings.model, classes)}
    train, soft, teacher_seconds = training_targets(train, classes, settings)
    weights = sample_weights(train.hard, len(classes), settings.class_weighting)
    train_data = tf_dataset(train, batch_size=settings.batch_size, training=True, soft=soft,
                            sample_weight=weights, seed=settings.seed, input_size=size,
                            mix=batch_mixer(settings.mixup, settings.cutmix))
    val_data = tf_dataset(val, batch_size=512, training=False, soft=False, input_size=size)
    trainer, callbacks = compiled_trainer(model, settings, full_shape,
                                          max(1, int(np.ceil(len(train) / settings.batch_size))))
    os.makedirs(run_dir, exist_ok=True)
    callbacks.append(keras.callbacks.CSVLogger(os.path.join(run_dir, HISTORY_NAME)))
    if settings.ema_decay > 0:  # last: the callbacks before it see the averaged weights at each epoch's end
        callbacks.append(weight_average_callback(model, settings.ema_decay, settings.steps_per_execution))
    start = time.perf_counter()
    history = trainer.fit(train_data, validation_data=val_data if settings.select_best else None,
                          epochs=settings.epochs, callbacks=callbacks, verbose=0 if quiet else 2)
    seconds = time.perf_counter() - start

    # saved models hold standard Keras layers only
    model = plain_copy(model, settings.model, len(classes), full_shape, width=settings.width, depth=settings.depth)
    model.save(os.path.join(run_dir, MODEL_NAME))
    metrics = {
        "model": settings.model, "params": int(model.count_params()), "classes": classes,
        "settings": dataclasses.asdict(settings), "epochs_run": len(history.history["loss"]),
        "train_seconds": round(seconds, 1), "teacher_seconds": round(teacher_seconds, 1), "train_samples": len(train),
        **({"init": started_from} if started_from else {}),
        **run_report(model, run_dir, export, export_path, settings, history.history, val, report_val, selection),
    }
    write_metrics(run_dir, metrics)
    return metrics


def run_report(model, run_dir, export, export_path, settings, history, val, report_val, selection):
    """Metrics parts val, selection and export of a trained run; writes its curves, confusion and export.json."""
    from train.evaluate import classification_metrics, plot_confusion, plot_history, predict_keras

    classes = export.classes
    probs = predict_keras(model, report_val.x)
    val_metrics = classification_metrics(report_val.hard, probs, classes)
    val_report = {"float": val_metrics}
    if report_val.leak.any():  # faces whose near-duplicate reaches another split: report without them too
        clean = ~report_val.leak
        val_report["float_leak_free"] = classification_metrics(report_val.hard[clean], probs[clean], classes)
    plot_history(history, os.path.join(run_dir, "curves.png"))
    plot_confusion(val_metrics["confusion"], classes, os.path.join(run_dir, "confusion_val.png"),
                   f"{settings.model} float, val accuracy {val_metrics['accuracy']:.3f}")
    write_json(os.path.join(run_dir, EXPORT_NAME), export.manifest)
    return {
        "val": val_report,
        "selection": {"on": selection, "samples": len(val),
                      **({"float": classification_metrics(val.hard, predict_keras(model, val.x), classes)}
                         if selection == "holdout" else {})},
        "export": {"path": os.path.abspath(export_path), "content_hash": export.manifest["content_hash"],
                   "dataset": export.manifest["dataset"], "view": export.manifest["view"],
                   "scheme": export.manifest["scheme"], "label_rule": export.manifest["label_rule"]},
    }
