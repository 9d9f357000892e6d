"""Reading an export (see :mod:`curate.export`) and feeding it to Keras.

Each split is held as uint8 pixels (N, 48, 48) — 2.3 KB a face, 75 MB for
all of FER2013 — and streamed through ``tf.data`` in batches, scaled to
[0, 1]; training batches are augmented inside the training step.
"""

import dataclasses
import os

import numpy as np

from train.export_files import SHARD_ARRAYS, read_manifest, read_shard


@dataclasses.dataclass
class Split:
    """One split: ``x`` uint8 (N, H, W), ``soft`` float32 (N, K), ``hard`` int (N,), ``keys`` (N,).

    ``group`` int (N,): near-duplicate group id, −1 for none; ``leak`` bool
    (N,): the face's group reaches another split. Exports written before
    these existed load as −1 / False.
    """

    x: np.ndarray
    soft: np.ndarray
    hard: np.ndarray
    keys: np.ndarray
    group: np.ndarray = None
    leak: np.ndarray = None

    def __post_init__(self):
        if self.group is None:
            self.group = np.full(len(self.hard), -1, dtype=np.int64)
        if self.leak is None:
            self.leak = np.zeros(len(self.hard), dtype=bool)

    def __len__(self):
        return len(self.hard)

    def take(self, index):
        """The samples at ``index`` (int or bool array) as a new Split."""
        return Split(*(getattr(self, f.name)[index] for f in dataclasses.fields(self)))

    def with_clahe(self, clip_limit):
        """The split with CLAHE applied to its faces (:func:`train.preprocess.clahe_faces`); itself for 0."""
        from train.preprocess import clahe_faces

        return dataclasses.replace(self, x=clahe_faces(self.x, clip_limit)) if clip_limit > 0 else self


@dataclasses.dataclass
class Export:
    path: str
    manifest: dict
    splits: dict

    @property
    def classes(self):
        return list(self.manifest["classes"])

    def with_clahe(self, clip_limit):
        """The export with CLAHE applied to every split's faces (a run trained with ``--clahe``); itself for 0."""
        if clip_limit <= 0:
            return self
        return dataclasses.replace(self, splits={k: s.with_clahe(clip_limit) for k, s in self.splits.items()})

    def split(self, name):
        """A split by name; ValueError if it is empty (nothing to train or validate on)."""
        data = self.splits[name]
        if not len(data):
            raise ValueError(f"{self.path}: the {name} split is empty; export a view with {name} samples")
        return data


def load_export(path, expect_classes=None):
    """Load an export folder; check its manifest and, if given, its classes."""
    manifest = read_manifest(path)
    if expect_classes is not None and list(expect_classes) != list(manifest["classes"]):
        raise ValueError(
            f"{path}: export classes {manifest['classes']} (scheme {manifest['scheme']}) "
            f"do not match the model's {list(expect_classes)}"
        )
    splits = {}
    for name, files in manifest["shards"].items():
        if not files:
            raise ValueError(f"{path}: manifest lists no shards for {name}")
        parts = [read_shard(os.path.join(path, file_name)) for file_name in files]
        splits[name] = Split(*(np.concatenate([p[k] for p in parts]) for k in SHARD_ARRAYS))
    return Export(path, manifest, splits)


def to_float(x):
    """uint8 faces (N, H, W) → float32 (N, H, W, 1) in [0, 1], the model's input."""
    return (np.asarray(x, dtype=np.float32) / 255.0)[..., None]


def tf_dataset(split, *, batch_size, training, sample_weight=None, seed=0, soft=True, input_size=None, mix=None):
    """A batched ``tf.data.Dataset`` of (x, y[, w]) from a Split.

    ``y`` is the soft distribution (``soft=True``) or one-hot hard labels.
    Training data are shuffled each epoch; ``mix`` (from
    :func:`train.mixing.batch_mixer`) mixes each batch's faces and targets,
    with seeds from a random stream that changes every epoch; augmentation
    is the trainer's job (:mod:`train.augment`, run inside the training step).
    """
    import tensorflow as tf

    k = split.soft.shape[1]
    y = split.soft if soft else np.eye(k, dtype=np.float32)[split.hard]
    tensors = (split.x, y.astype(np.float32)) + ((sample_weight.astype(np.float32),) if sample_weight is not None else ())
    data = tf.data.Dataset.from_tensor_slices(tensors)
    if training:
        data = data.shuffle(len(split), seed=seed, reshuffle_each_iteration=True)

    def prepare(x, *rest):
        x = tf.cast(x, tf.float32)[..., None] / 255.0
        if input_size is not None and input_size != split.x.shape[1]:
            x = tf.image.resize(x, (input_size, input_size))
        return (x, *rest)

    data = data.map(prepare, num_parallel_calls=tf.data.AUTOTUNE).batch(batch_size)
    if mix is not None:
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
        data = tf.data.Dataset.zip((seeds, data)).map(lambda s, batch: mix(s, *batch),
                                                      num_parallel_calls=tf.data.AUTOTUNE)
    return data.prefetch(tf.data.AUTOTUNE)
