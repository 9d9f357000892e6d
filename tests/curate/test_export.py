import json
import os

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import PREFIX

from curate.cli import cli
from curate.demo import write_demo_sources
from curate.export import export_dataset
from curate.pipeline import BuildPlan, run_build
from curate.score_pass import score_dataset
from train.data import load_export


@pytest.fixture(scope="module")
def built(tmp_path_factory, workspace):
    import fiftyone as fo

    sources = write_demo_sources(str(tmp_path_factory.mktemp("demo")), seed=21)
    name = f"{PREFIX}export-module"
    run_build(BuildPlan(merge=("ferplus",), fer2013=sources["fer2013"], ferplus=sources["ferplus"],
                        ckplus=sources["ckplus"]), dataset_name=name, workspace=workspace, quiet=True)
    score_dataset(name, quiet=True)
    yield name
    fo.delete_dataset(name)


def test_export_manifest_and_arrays(built, tmp_path):
    manifest = export_dataset(built, tmp_path / "e", scheme_name="five", label_rule="crossentropy", quiet=True)
    assert manifest["view"] == "clean-train" and manifest["scheme"] == "five"
    assert manifest["classes"] == ["neutral", "happiness", "surprise", "sadness", "anger"]
    assert "dropped: disgust, fear, contempt" in manifest["scheme_rule"]
    assert manifest["label_rule"] == "crossentropy" and manifest["eval_label_rule"] == "majority"
    data = load_export(str(tmp_path / "e"))
    train, val = data.split("train"), data.split("val")
    assert train.x.dtype == np.uint8 and train.x.shape[1:] == (48, 48)
    np.testing.assert_allclose(train.soft.sum(axis=1), 1, atol=1e-6)
    assert (val.soft.max(axis=1) == 1).all()  # val: majority, one-hot
    assert (train.hard == train.soft.argmax(axis=1)).all()
    assert manifest["counts"]["train"]["samples"] == len(train)
    assert set(k.split(":")[0] for k in train.keys) <= {"fer2013", "ckplus"}
    # near-duplicate groups and leaks travel with the faces (grouped hold-outs, leak-free test figures)
    from curate.build import load_dataset

    ds = load_dataset(built)
    fields = {k: (-1 if g is None else g, bool(x)) for k, g, x in zip(*ds.values(["sample_key", "dup_group", "leak"]))}
    for split in (train, val):
        assert [fields[k] for k in split.keys] == list(zip(split.group.tolist(), split.leak.tolist()))
    assert val.leak.any() and (train.group >= 0).any()  # the demo sources hold a pair crossing splits


def test_content_hash_is_stable_and_tracks_content(built, tmp_path):
    a = export_dataset(built, tmp_path / "a", label_rule="majority", quiet=True)
    b = export_dataset(built, tmp_path / "b", label_rule="majority", quiet=True)
    c = export_dataset(built, tmp_path / "c", label_rule="crossentropy", quiet=True)
    assert a["content_hash"] == b["content_hash"] != c["content_hash"]


def test_other_formats_and_balanced(built, tmp_path):
    export_dataset(built, tmp_path / "f", formats=("npz", "tree", "csv"), balanced=True, scheme_name="valence3",
                   quiet=True)
    header = open(tmp_path / "f" / "fer2013.csv").readline().strip()
    assert header == "emotion,pixels,Usage"
    tree = tmp_path / "f" / "tree" / "train"
    assert set(os.listdir(tree)) <= {"positive", "negative", "neutral"}
    per_class = json.load(open(tmp_path / "f" / "manifest.json"))["counts"]["train"]["per_class"]
    assert max(per_class) - min(per_class) <= 1  # balanced resampling


def test_export_errors(built, tmp_path):
    export_dataset(built, tmp_path / "x", quiet=True)
    with pytest.raises(ValueError, match="exists; pass --overwrite"):
        export_dataset(built, tmp_path / "x", quiet=True)
    with pytest.raises(ValueError, match="unknown label rule 'soft'"):
        export_dataset(built, tmp_path / "y", label_rule="soft")
    with pytest.raises(ValueError, match="unknown view 'nope'"):
        export_dataset(built, tmp_path / "y", view_name="nope")
    assert not os.path.exists(tmp_path / "y")
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]  # no half-written temporary folder


def test_cli_train_errors(built, tmp_path, workspace):
    runner = CliRunner()
    result = runner.invoke(cli, ["train", str(tmp_path), "--workspace", str(workspace.root)])
    assert result.exit_code == 1 and "not an export (no manifest.json); run `curate export` first" in result.output
    result = runner.invoke(cli, ["quantize", str(tmp_path), "--workspace", str(workspace.root)])
    assert result.exit_code == 1 and "not a training run (no metrics.json)" in result.output
    result = runner.invoke(cli, ["train", str(tmp_path), "--ema-decay", "1", "--workspace", str(workspace.root)])
    assert result.exit_code == 2 and "--ema-decay" in result.output  # the average needs a decay below 1


def test_cross_validation_feeds_label_quality(built, tmp_path, workspace):
    from curate.build import load_dataset
    from curate.quality_pass import run_label_quality
    from train.crossval import cross_validate
    from train.fit import TrainSettings

    export_dataset(built, tmp_path / "cv", view_name=None, scheme_name="four", label_rule="majority", quiet=True)
    path, accuracy = cross_validate(str(tmp_path / "cv"), str(tmp_path / "run"),
                                    TrainSettings(epochs=1, batch_size=32, augment=False), folds=2, quiet=True)
    with np.load(path) as oof:
        assert oof["pred_probs"].shape[1] == 4
        np.testing.assert_allclose(oof["pred_probs"].sum(axis=1), 1, atol=1e-4)
        keys = set(oof["sample_key"])
    assert 0 <= accuracy <= 1
    summary = run_label_quality(built, scheme_name="four", pred_probs=path, partial=True)
    assert summary["labelled_samples"] == len(keys)
    assert load_dataset(built).exists("label_quality").count() == len(keys)
