import pytest

pytest.importorskip("tensorflow", reason="the train extra is not installed (pip install -e .[train])")
"""The training loop's callbacks: the weight average."""

import numpy as np

from fixtures import write_export
from train.fit import TrainSettings, train_model, weight_average_callback


def _tiny_problem(seed=0):
    import keras

    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = np.eye(2, dtype=np.float32)[(x[:, 0] > 0).astype(int)]
    inputs = keras.Input((4,))
    hidden = keras.layers.BatchNormalization()(keras.layers.Dense(3)(inputs))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(hidden))
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="categorical_crossentropy", steps_per_execution=2)
    return model, x, y


def _float_weights(model):
    import keras

    return [keras.ops.convert_to_numpy(w) for w in model.weights if "float" in str(w.dtype)]


def _flat_weights(model):
    return np.concatenate([w.ravel() for w in _float_weights(model)])


def test_weight_average_is_the_warmed_up_exponential_average_of_the_steps():
    import keras

    model, x, y = _tiny_problem()
    decay, per_call = 0.9, 2
    snapshots = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            snapshots.append(_float_weights(model))

    start = _float_weights(model)
    history = model.fit(x, y, batch_size=8, epochs=3, validation_data=(x, y), verbose=0, shuffle=False,
                        callbacks=[Record(), weight_average_callback(model, decay, per_call)])
    assert len(snapshots) == 3 * 64 // 8 // per_call  # one update per graph call of 2 steps
    expected, steps = start, 0
    for snapshot in snapshots:
        steps += per_call
        d = min(decay, (1 + steps) / (10 + steps)) ** per_call
        expected = [d * e + (1 - d) * s for e, s in zip(expected, snapshot)]
    # after the last epoch the model holds the average (BatchNorm statistics included) ...
    for got, want in zip(_float_weights(model), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert not all(np.allclose(w, s) for w, s in zip(expected, snapshots[-1]))  # ... which is not the last step
    # ... and validation ran on it
    assert history.history["val_loss"][-1] == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-5)


def test_training_resumes_from_the_raw_weights_after_validating_the_average():
    import keras

    model, x, y = _tiny_problem(seed=1)
    seen = {}

    class Watch(keras.callbacks.Callback):  # listed before the average, like early stopping
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
            seen[("begin", epoch)] = _flat_weights(model)

        def on_train_batch_end(self, batch, logs=None):
            seen[("last step", self.epoch)] = _flat_weights(model)

        def on_epoch_end(self, epoch, logs=None):
            seen[("end", epoch)] = _flat_weights(model)

    model.fit(x, y, batch_size=8, epochs=2, validation_data=(x, y), verbose=0, shuffle=False,
              callbacks=[Watch(), weight_average_callback(model, 0.99, 2)])
    # epoch 0 ended on the average, not on its last step ...
    assert not np.allclose(seen[("end", 0)], seen[("last step", 0)])
    # ... and epoch 1 went on from that last step
    np.testing.assert_array_equal(seen[("begin", 1)], seen[("last step", 0)])
    np.testing.assert_array_equal(seen[("end", 1)], _flat_weights(model))


def test_training_with_the_weight_average_learns_the_fixture(tmp_path):
    export = write_export(tmp_path / "export", n_train=200)
    settings = TrainSettings(epochs=10, batch_size=8, patience=10, ema_decay=0.99)
    metrics = train_model(export, str(tmp_path / "run"), settings, quiet=True)
    assert metrics["val"]["float"]["accuracy"] > 0.9  # chance is 1/3
    assert metrics["settings"]["ema_decay"] == 0.99


def test_a_bad_decay_is_refused(tmp_path):
    export = write_export(tmp_path / "export")
    with pytest.raises(ValueError, match=r"weight-average decay 1.0 is not in \[0, 1\)"):
        train_model(export, str(tmp_path / "run"), TrainSettings(epochs=1, ema_decay=1.0), quiet=True)
    assert not (tmp_path / "run").exists()


def test_holdout_selection_keeps_val_for_one_final_report_with_a_leak_free_figure(tmp_path):
    import json

    from labels.folds import holdout_mask
    from train.data import load_export

    export = write_export(tmp_path / "export", n_train=40, n_val=15)
    for split, name in (("train", "train-00000.npz"), ("val", "val-00000.npz")):  # groups and leaks, as scored
        path = tmp_path / "export" / name
        with np.load(path) as d:
            arrays = dict(d)
        n = len(arrays["hard"])
        arrays["group"] = np.where(np.arange(n) < 30, np.arange(n) // 3, -1)
        arrays["leak"] = np.arange(n) % 5 == 0
        np.savez(path, **arrays)
    train = load_export(export).split("train")
    expected = int(holdout_mask(train.hard.astype(np.int64), train.group, 0.2, seed=0).sum())
    metrics = train_model(export, str(tmp_path / "run"), TrainSettings(epochs=2, batch_size=16, holdout=0.2),
                          quiet=True)
    assert metrics["selection"]["on"] == "holdout" and metrics["selection"]["samples"] == expected
    assert metrics["train_samples"] == len(train) - expected
    assert metrics["val"]["float"]["samples"] == 45  # the whole val split, once
    assert metrics["val"]["float_leak_free"]["samples"] == 45 - 9
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["settings"]["holdout"] == 0.2
    from train.runs import evaluate_run

    again = evaluate_run(str(tmp_path / "run"))  # the same figures when a run is evaluated later
    assert again["float_leak_free"]["samples"] == 36 and "int8" not in again
    assert again["float"]["accuracy"] == pytest.approx(metrics["val"]["float"]["accuracy"])
    with pytest.raises(ValueError, match="held-out share"):
        train_model(export, str(tmp_path / "bad"), TrainSettings(epochs=1, holdout=1.0), quiet=True)


def test_training_with_erasing_mixup_and_cutmix_learns_the_fixture(tmp_path):
    export = write_export(tmp_path / "export", n_train=200)
    settings = TrainSettings(epochs=10, batch_size=8, patience=10, erase=0.5, mixup=0.2, cutmix=1.0)
    metrics = train_model(export, str(tmp_path / "run"), settings, quiet=True)
    assert metrics["val"]["float"]["accuracy"] > 0.8  # chance is 1/3
    assert {k: metrics["settings"][k] for k in ("erase", "mixup", "cutmix")} == {"erase": 0.5, "mixup": 0.2,
                                                                                   "cutmix": 1.0}


@pytest.mark.parametrize("change, message", [
    ({"erase": 1.5}, r"random-erasing share 1.5 is not in \[0, 1\]"),
    ({"mixup": -0.2}, "mixup alpha -0.2 must be"),
    ({"cutmix": 1.0, "augment": False}, "need augmentation on"),
])
def test_bad_mixing_settings_are_refused_before_anything_is_written(tmp_path, change, message):
    export = write_export(tmp_path / "export")
    with pytest.raises(ValueError, match=message):
        train_model(export, str(tmp_path / "run"), TrainSettings(epochs=1, **change), quiet=True)
    assert not (tmp_path / "run").exists()
