"""The export folder format: one writer and one reader for its shards and manifest."""

import json

import numpy as np
import pytest

from train.data import load_export
from train.export_files import (
    MANIFEST_KEYS, content_hash, read_manifest, read_shard, write_manifest, write_shard,
)


def arrays(n=5, k=3, size=8, seed=0):
    rng = np.random.default_rng(seed)
    hard = rng.integers(0, k, n)
    return dict(x=rng.integers(0, 256, (n, size, size), dtype=np.uint8), soft=np.eye(k, dtype=np.float32)[hard],
                hard=hard, keys=[f"s:{i}" for i in range(n)], group=np.arange(n) % 2, leak=np.arange(n) == 1)


def test_shards_and_manifest_round_trip_through_load_export(tmp_path):
    shards = {split: [write_shard(tmp_path, split, 0, **arrays(seed=i))] for i, split in enumerate(("train", "val"))}
    counts = {split: {"samples": 5} for split in shards}
    manifest = write_manifest(tmp_path, shards=shards, counts=counts, classes=["a", "b", "c"], curate_version="t",
                              scheme="s", input_size=8)
    assert set(manifest) == set(MANIFEST_KEYS) and read_manifest(tmp_path) == manifest
    assert manifest["content_hash"] == content_hash(tmp_path, shards)
    export = load_export(str(tmp_path))
    want = arrays(seed=0)
    train = export.split("train")
    assert np.array_equal(train.x, want["x"]) and train.hard.dtype == np.int16
    assert train.keys.tolist() == want["keys"] and train.group.tolist() == [0, 1, 0, 1, 0]
    assert train.leak.tolist() == [False, True, False, False, False]


def test_old_shards_without_groups_read_as_none(tmp_path):
    a = arrays()
    np.savez(tmp_path / "old.npz", x=a["x"], soft=a["soft"], hard=a["hard"], sample_key=np.array(a["keys"]))
    shard = read_shard(tmp_path / "old.npz")
    assert (shard["group"] == -1).all() and not shard["leak"].any()
    np.savez(tmp_path / "bad.npz", x=a["x"])
    with pytest.raises(ValueError, match="bad.npz: not an export shard"):
        read_shard(tmp_path / "bad.npz")


def test_the_hash_follows_the_data(tmp_path):
    one = tmp_path / "one"
    one.mkdir()
    shards = {"train": [write_shard(one, "train", 0, **arrays(seed=0))]}
    first = content_hash(one, shards)
    write_shard(one, "train", 0, **arrays(seed=1))
    assert content_hash(one, shards) != first


@pytest.mark.parametrize("text, message", [
    (None, "not an export"), ("{", "not valid JSON"), (json.dumps({"classes": []}), "lacks shards, scheme"),
])
def test_bad_manifests_say_what_is_wrong(tmp_path, text, message):
    if text is not None:
        (tmp_path / "manifest.json").write_text(text)
    with pytest.raises((FileNotFoundError, ValueError), match=message):
        read_manifest(tmp_path)


def test_run_metrics_are_written_whole_and_updated_in_place(tmp_path):
    from train.run_files import is_trained, read_metrics, update_metrics, write_metrics

    assert not is_trained(tmp_path)
    with pytest.raises(FileNotFoundError, match="not a training run"):
        read_metrics(tmp_path)
    write_metrics(tmp_path, {"val": {"float": 1}, "model": "camera"})
    assert is_trained(tmp_path) and not list(tmp_path.glob("*.tmp"))
    assert update_metrics(tmp_path, val={"int8": 2}, camera={"size": 3}) == read_metrics(tmp_path) == {
        "val": {"float": 1, "int8": 2}, "model": "camera", "camera": {"size": 3}}
    (tmp_path / "metrics.json").write_text("{")
    with pytest.raises(ValueError, match="not valid JSON"):
        read_metrics(tmp_path)
