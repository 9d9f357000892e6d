import pytest

pytest.importorskip("tensorflow", reason="the train extra is not installed (pip install -e .[train])")
"""Fine-tuning: a run started with ``init`` begins from the given weights."""

import os  # noqa: E402

import numpy as np  # noqa: E402

from fixtures import write_export  # noqa: E402
from train.fit import TrainSettings, train_model  # noqa: E402
from train.runs import load_run_model  # noqa: E402

STILL = dict(epochs=1, batch_size=16, learning_rate=1e-12, augment=False, select_best=False)  # weights barely move


def trainable(run_dir):
    import keras

    return [keras.ops.convert_to_numpy(w) for w in load_run_model(run_dir).trainable_weights]


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    root = tmp_path_factory.mktemp("warm")
    export = write_export(root / "export", n_train=60)
    train_model(export, str(root / "source"), TrainSettings(epochs=3, batch_size=16, select_best=False), quiet=True)
    return root


def test_fine_tuning_starts_from_the_given_weights(source):
    export, start = str(source / "export"), str(source / "source")
    metrics = train_model(export, str(source / "tuned"), TrainSettings(init=start, **STILL), quiet=True)
    assert metrics["init"] == {"from": start, "copied": "all weights"}
    assert metrics["settings"]["init"] == start
    for a, b in zip(trainable(start), trainable(source / "tuned")):
        np.testing.assert_allclose(a, b, atol=1e-6)
    train_model(export, str(source / "fresh"), TrainSettings(seed=5, **STILL), quiet=True)
    assert not all(np.allclose(a, b, atol=1e-6) for a, b in zip(trainable(start), trainable(source / "fresh")))


def test_another_scheme_keeps_the_body_and_gets_a_new_head(source, tmp_path):
    two = write_export(tmp_path / "two", classes=("neutral", "happiness"), n_train=40)
    metrics = train_model(two, str(tmp_path / "tuned"), TrainSettings(init=str(source / "source"), **STILL), quiet=True)
    assert metrics["init"]["copied"] == "all but the head (new classes)"
    old, new = trainable(source / "source"), trainable(tmp_path / "tuned")
    for a, b in zip(old[:-2], new[:-2]):  # everything but the head's kernel and bias
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert new[-1].shape == (2,) and old[-1].shape == (3,)


def test_refusals_name_the_problem(source, tmp_path, monkeypatch):
    export = str(source / "export")
    with pytest.raises(ValueError, match="is a 'camera' model; this run trains 'seed_cnn'"):
        train_model(export, str(tmp_path / "a"), TrainSettings(model="seed_cnn", init=str(source / "source"), **STILL),
                    quiet=True)
    with pytest.raises(FileNotFoundError, match="no model.keras to start from"):
        train_model(export, str(tmp_path / "b"), TrainSettings(init=str(tmp_path), **STILL), quiet=True)
    import openmv.bundle

    monkeypatch.setattr(openmv.bundle, "SHIPPED_MODEL", str(tmp_path / "model"))
    os.makedirs(tmp_path / "model")
    with pytest.raises(FileNotFoundError, match="the shipped camera model has no float weights"):
        train_model(export, str(tmp_path / "c"), TrainSettings(init="shipped", **STILL), quiet=True)
    assert not (tmp_path / "c").exists()  # refused before anything was written
