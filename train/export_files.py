"""The export folder's format, in one place: its manifest and its npz shards, written and read.

An export folder (written by ``curate export``, :mod:`curate.export`; read
by the trainer, :mod:`train.data`)::

    manifest.json     MANIFEST_KEYS: dataset, view, scheme (+ rule), classes, label rules,
                      input size, counts, shards per split, content hash, formats, ...
    <split>-00000.npz x uint8 (n, S, S), soft float32 (n, K), hard int16 (n,),
                      sample_key str (n,), group int64 (n,) (−1: none), leak bool (n,)

Shards hold at most ``SHARD_SIZE`` faces. ``group``/``leak`` are optional on
reading (exports written before they existed load as −1 / False).
"""

import datetime
import hashlib
import json
import os

import numpy as np

from labels.errors import naming_file

MANIFEST_NAME = "manifest.json"
SPLITS = ("train", "val", "test")
SHARD_SIZE = 4096
MANIFEST_KEYS = ("dataset", "view", "scheme", "scheme_rule", "classes", "label_rule", "eval_label_rule", "balanced",
                 "input_size", "counts", "shards", "content_hash", "formats", "created", "curate_version")
SHARD_ARRAYS = ("x", "soft", "hard", "sample_key", "group", "leak")


def shard_name(split, index):
    return f"{split}-{index:05d}.npz"


def write_shard(folder, split, index, *, x, soft, hard, keys, group=None, leak=None):
    """Write one shard (arrays as in the module docstring); return its file name."""
    n = len(hard)
    name = shard_name(split, index)
    path = os.path.join(folder, name)
    with naming_file(path):
        np.savez(path, x=np.asarray(x, dtype=np.uint8), soft=np.asarray(soft, dtype=np.float32),
                 hard=np.asarray(hard).astype(np.int16), sample_key=np.asarray(keys, dtype=str),
                 group=np.full(n, -1, dtype=np.int64) if group is None else np.asarray(group, dtype=np.int64),
                 leak=np.zeros(n, dtype=bool) if leak is None else np.asarray(leak, dtype=bool))
    return name


def read_shard(path):
    """The arrays of one shard as a dict keyed by :data:`SHARD_ARRAYS`."""
    with np.load(path, allow_pickle=False) as d:
        missing = [k for k in ("x", "soft", "hard", "sample_key") if k not in d.files]
        if missing:
            raise ValueError(f"{path}: not an export shard (missing {', '.join(missing)})")
        n = len(d["hard"])
        return {"x": d["x"], "soft": d["soft"], "hard": d["hard"], "sample_key": d["sample_key"],
                "group": d["group"] if "group" in d.files else np.full(n, -1, dtype=np.int64),
                "leak": d["leak"] if "leak" in d.files else np.zeros(n, dtype=bool)}


def content_hash(folder, shards):
    """sha256 over the shard files, train then val then test: the export's identity."""
    digest = hashlib.sha256()
    for split in SPLITS:
        for name in shards.get(split, []):
            with open(os.path.join(folder, name), "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()


def write_manifest(folder, *, shards, counts, classes, curate_version, dataset=None, view=None, scheme=None,
                   scheme_rule=None, label_rule="crossentropy", balanced=False, input_size=48, formats=("npz",),
                   digest=None):
    """Write ``manifest.json`` into ``folder``; return the manifest dict (keys: :data:`MANIFEST_KEYS`).

    The content hash is computed from the shards unless given.
    """
    manifest = {
        "dataset": dataset, "view": view, "scheme": scheme, "scheme_rule": scheme_rule, "classes": list(classes),
        "label_rule": label_rule, "eval_label_rule": "majority", "balanced": bool(balanced),
        "input_size": int(input_size), "counts": counts, "shards": shards,
        "content_hash": digest or content_hash(folder, shards), "formats": list(formats),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "curate_version": curate_version,
    }
    path = os.path.join(folder, MANIFEST_NAME)
    with naming_file(path), open(path, "w") as f:
        json.dump(manifest, f, indent=2)
    return manifest


def read_manifest(folder):
    """The manifest dict of an export folder; FileNotFoundError / ValueError say what is wrong."""
    path = os.path.join(folder, MANIFEST_NAME)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{folder}: not an export (no {MANIFEST_NAME}); run `curate export` first")
    try:
        with open(path) as f:
            manifest = json.load(f)
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not valid JSON ({err}); export again") from err
    missing = [k for k in ("classes", "shards", "scheme", "content_hash") if k not in manifest]
    if missing:
        raise ValueError(f"{path}: manifest lacks {', '.join(missing)}; export again")
    return manifest
