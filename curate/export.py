"""``curate export``: train/val/test arrays with soft and hard labels, traceable.

Layout of an export folder (the format's owner is :mod:`train.export_files`)::

    manifest.json              dataset, view, scheme (+ rule), label rule, classes,
                               counts, shards, content hash, curate version
    train-00000.npz ...        x uint8 (n, 48, 48), soft float32 (n, K),
    val-00000.npz ...          hard int16 (n,), sample_key str (n,),
    test-00000.npz ...         group int64 (n,) near-duplicate group (-1: none),
                               leak bool (n,) the group reaches another split
    tree/<split>/<class>/<sample>.png   (--format tree: FiftyOne ImageClassificationDirectoryTree)
    fer2013.csv                         (--format csv: emotion,pixels,Usage with scheme class indices)

Train labels follow ``--labels`` (a FERPlus rule on the votes, or
``original`` = the FER2013 label where there is one); val and test always use
the FERPlus majority rule (the source label where a sample has no votes), as
FERPlus evaluates. Train samples come from the view (default ``clean-train``
when it exists; ``all`` = every sample), val and test from the whole dataset. The folder is written
under a temporary name and renamed when complete.
"""

import dataclasses
import os

import numpy as np
from tqdm import tqdm

from curate import __version__
from curate.build import load_dataset
from datasets.media import atomic_folder, write_png
from datasets.names import FER2013_LABEL, GROUND_TRUTH_LABEL, SAMPLE_KEY, VOTES
from labels import kill_points
from labels.errors import naming_file
from labels.schemes import get_scheme
from labels.taxonomy import CLASS_INDEX, NUM_CLASSES
from labels.votes import LABEL_RULES, ferplus_labels
from train.export_files import SHARD_SIZE, content_hash, write_manifest, write_shard

FORMATS = ("npz", "tree", "csv")
ALL_SAMPLES = "all"  # --view all: train on every sample of the train split
SPLIT_USAGE = {"train": "Training", "val": "PublicTest", "test": "PrivateTest"}


def canonical_targets(votes, truth, fer_labels, rule):
    """8-class targets for one split: (dist float (N, 8), keep bool (N,)).

    Voted samples follow the FERPlus ``rule``; others are one-hot on their
    ground truth. ``original`` uses the FER2013 label where present.
    """
    n = len(truth)
    dist, keep = np.zeros((n, NUM_CLASSES)), np.zeros(n, dtype=bool)
    voted = np.array([v is not None for v in votes], dtype=bool)
    if rule != "original" and voted.any():
        labels = ferplus_labels(np.array([votes[i] for i in np.flatnonzero(voted)]), mode=rule)
        dist[voted], keep[voted] = labels.dist, labels.keep
    for i in range(n):
        if rule != "original" and voted[i]:
            continue
        name = fer_labels[i] if (rule == "original" and fer_labels[i]) else truth[i]
        if name is not None:
            dist[i, CLASS_INDEX[name]] = 1.0
            keep[i] = True
    return dist, keep


def export_dataset(name, out_dir, *, view_name=None, scheme_name="fer8", label_rule="crossentropy",
                   formats=("npz",), balanced=False, size=48, overwrite=False, quiet=False, seed=0):
    """Write an export folder; return its manifest dict."""
    from curate.views import load_view

    if label_rule not in LABEL_RULES:
        raise ValueError(f"unknown label rule {label_rule!r}; choose one of {', '.join(LABEL_RULES)}")
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ValueError(f"unknown export format {bad}; choose from {', '.join(FORMATS)}")
    out_dir = os.path.abspath(out_dir)
    if os.path.exists(out_dir) and not overwrite:
        raise ValueError(f"{out_dir} exists; pass --overwrite or choose another folder")
    scheme = get_scheme(scheme_name)
    ds = load_dataset(name)
    if view_name is None and "clean-train" in ds.list_saved_views():
        view_name = "clean-train"
    if view_name == ALL_SAMPLES:
        view_name = None
    train_source = load_view(name, view_name) if view_name else ds

    with atomic_folder(out_dir) as tmp:
        counts, shards, rng = {}, {}, np.random.default_rng(seed)
        for split in ("train", "val", "test"):
            view = (train_source if split == "train" else ds).match({"split": split})
            part = _split_rows(view, split, label_rule if split == "train" else "majority", scheme,
                               balanced and split == "train", rng, seed)
            if split == "train" and not len(part.rows):
                raise ValueError(f"no labelled train samples in {view_name or 'the dataset'} under scheme {scheme.name!r}")
            shards[split] = _write_shards(tmp, split, part, size, quiet)
            counts[split] = {"samples": int(len(part.rows)),
                             "per_class": np.bincount(part.hard, minlength=len(scheme.classes)).tolist()}
        digest = content_hash(tmp, shards)  # before the npz shards may go (formats without npz)
        if "tree" in formats:
            _write_tree(tmp, shards, scheme.classes)
        if "csv" in formats:
            _write_csv(tmp, shards)
        if "npz" not in formats:
            for files in shards.values():
                for f in files:
                    os.remove(os.path.join(tmp, f))
        return write_manifest(tmp, shards=shards, counts=counts, classes=scheme.classes, curate_version=__version__,
                              dataset=name, view=view_name, scheme=scheme.name, scheme_rule=scheme.describe(),
                              label_rule=label_rule, balanced=balanced, input_size=size, formats=formats,
                              digest=digest)


def _group_fields(view, n):
    """(group int64 (n,), leak bool (n,)) from ``curate score``'s fields; −1 / False before scoring."""
    group, leak = np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=bool)
    if n and view.has_field("dup_group"):
        group[:] = [-1 if g is None else g for g in view.values("dup_group")]
        leak[:] = [bool(x) for x in view.values("leak")]
    return group, leak


@dataclasses.dataclass
class SplitRows:
    """One split's samples to export: ``rows`` (M,) index the view's ``keys``/``paths``/``soft`` (N, K)/``group``/
    ``leak`` (N,) in export order; ``hard`` (M,) is the argmax of ``soft[rows]``."""

    keys: list
    paths: list
    soft: np.ndarray
    group: np.ndarray
    leak: np.ndarray
    rows: np.ndarray
    hard: np.ndarray


def _split_rows(view, split, rule, scheme, balanced, rng, seed):
    """The labelled rows of one split under ``rule`` and ``scheme``; train rows shuffled (or class-balanced)."""
    from labels.balance import balanced_indices

    keys, paths, votes, truth, fer = view.values(
        [SAMPLE_KEY, "filepath", VOTES, GROUND_TRUTH_LABEL, FER2013_LABEL]) if len(view) else ([],) * 5
    group, leak = _group_fields(view, len(keys))
    dist8, keep8 = canonical_targets(votes, truth, fer, rule)
    soft, keep = scheme.remap_soft(dist8) if len(keys) else (np.zeros((0, len(scheme.classes))), keep8)
    rows = np.flatnonzero(keep & keep8)
    if split == "train" and len(rows):
        hard = soft[rows].argmax(axis=1)
        rows = rows[balanced_indices(hard, seed=seed)] if balanced else rows[rng.permutation(len(rows))]
    hard = soft[rows].argmax(axis=1) if len(rows) else np.zeros(0, dtype=int)
    return SplitRows(keys, paths, soft, group, leak, rows, hard)


def _write_shards(tmp, split, part, size, quiet):
    """Read, crop and resize ``part``'s faces to ``size`` px and write them as shards; return the file names."""
    from curate.score_pass import load_gray
    from train.preprocess import to_model_input

    files = []
    rows = part.rows
    bar = tqdm(total=len(rows), desc=f"export {split}", unit=" img", disable=True if quiet else None, leave=False)
    for start in range(0, max(len(rows), 1), SHARD_SIZE):
        chunk = rows[start:start + SHARD_SIZE]
        x = np.zeros((len(chunk), size, size), dtype=np.uint8)
        for j, r in enumerate(chunk):
            x[j] = to_model_input(load_gray(part.paths[r]), size)
        bar.update(len(chunk))
        files.append(write_shard(tmp, split, len(files), x=x, soft=part.soft[chunk],
                                 hard=part.hard[start:start + SHARD_SIZE], keys=[part.keys[r] for r in chunk],
                                 group=part.group[chunk], leak=part.leak[chunk]))
        kill_points.reached("export.shard")
    bar.close()
    return files


def _write_tree(folder, shards, classes):
    for split, files in shards.items():
        for name in files:
            with np.load(os.path.join(folder, name)) as data:
                for img, label, key in zip(data["x"], data["hard"], data["sample_key"]):
                    path = os.path.join(folder, "tree", split, classes[int(label)], key.replace(":", "_").replace("/", "_") + ".png")
                    write_png(path, img)  # raises on a full disk (cv2.imwrite only returns False)


def _write_csv(folder, shards):
    import csv

    path = os.path.join(folder, "fer2013.csv")
    with naming_file(path), open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["emotion", "pixels", "Usage"])
        for split, files in shards.items():
            for name in files:
                with np.load(os.path.join(folder, name)) as data:
                    for img, label in zip(data["x"], data["hard"]):
                        writer.writerow([int(label), " ".join(map(str, img.ravel())), SPLIT_USAGE[split]])
