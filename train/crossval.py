"""``curate train --cv K`` and ``curate label-quality --model``: out-of-fold probabilities.

The pooled splits (``pool``: the train split by default; every split for
``curate label-quality --model``, which checks every label) are cut into K
folds, stratified by label and keeping near-duplicate groups whole, across
splits too (:func:`labels.folds.grouped_folds`, with the groups the export
carries; an unscored dataset has none, and every sample is then its own
group). Each fold's model trains on the other K−1 folds and predicts the
held-out fold, averaged with its prediction on the mirrored faces. Samples
of splits outside the pool get the mean of the K models' predictions (none
of them saw those samples). The result is written as
``oof.npz`` (``sample_key`` (N,), ``pred_probs`` (N, K)) for
``curate label-quality``.

With ``settings.select_best`` off, a fold model trains for its whole budget
and keeps its last weights: nothing is chosen on the held-out labels, whose
noise is what the probabilities are meant to expose.
"""

import dataclasses
import os

import numpy as np

from labels.folds import grouped_folds
from train.data import Split, load_export
from train.fit import train_model


def pooled_split(export, pool):
    """The non-empty splits named in ``pool`` concatenated into one :class:`train.data.Split` (train first)."""
    parts = [export.split("train")] + [export.splits[n] for n in pool
                                       if n != "train" and n in export.splits and len(export.splits[n])]
    if len(parts) == 1:
        return parts[0]
    return Split(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in dataclasses.fields(Split)))


def cross_validate(export_path, run_dir, settings, *, folds=5, groups=None, pool=("train",), quiet=False):
    """Train K fold models; return (path of oof.npz, out-of-fold accuracy on the pooled samples).

    ``groups``: optional mapping sample key → near-duplicate group id (−1 or
    absent = no group) for the pooled samples; by default the groups the
    export carries (``curate score``'s ``dup_group``, one id space across
    splits). ``pool``: the splits scored out of fold (train always); with
    ("train", "val", "test") the fold models also learn from the val and
    test labels (+12.5 % faces on FER2013) and every label is checked.
    """
    from train.evaluate import predict_mirrored
    from train.runs import load_run_model

    if settings.teachers:
        raise ValueError("cross-validation cannot use teachers: they were trained on the held-out folds, "
                         "so the out-of-fold probabilities would not be out of fold")
    if settings.select_best and "val" in pool:
        raise ValueError("cross-validation cannot pool the val split and choose epochs on it: the fold models would "
                         "select on faces they trained on; turn selection off (select_best=False) or pool train only")
    export = load_export(export_path)
    train, val = pooled_split(export, pool), export.split("val")
    counts = np.bincount(train.hard)
    folds = int(min(folds, counts[counts > 0].min()))
    if folds < 2:
        raise ValueError("cross-validation needs at least 2 train samples of every class")
    group_ids = train.group if groups is None else np.array([groups.get(str(k), -1) for k in train.keys],
                                                            dtype=np.int64)
    fold_of = grouped_folds(train.hard.astype(np.int64), group_ids, folds, seed=settings.seed)
    oof = np.zeros_like(train.soft, dtype=np.float64)
    others = {name: np.zeros_like(s.soft, dtype=np.float64) for name, s in export.splits.items()
              if name not in pool and name != "train" and len(s)}
    for k in range(folds):
        fit_idx, held_idx = np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k)
        fold_dir = os.path.join(run_dir, f"fold{k}")
        part, held = train.take(fit_idx), train.take(held_idx)
        # Without selection, the held-out fold only measures the fold model (after training).
        fold_val = val if settings.select_best else held
        train_model(export_path, fold_dir, dataclasses.replace(settings, seed=settings.seed + k), quiet=quiet,
                    train_split=part, val_split=fold_val)
        model = load_run_model(fold_dir)
        oof[held_idx] = predict_mirrored(model, held.x)
        for name in others:
            others[name] += predict_mirrored(model, export.splits[name].x) / folds
    keys = [train.keys] + [export.splits[n].keys for n in others]
    probs = [oof] + list(others.values())
    path = os.path.join(run_dir, "oof.npz")
    np.savez(path, sample_key=np.concatenate(keys), pred_probs=np.concatenate(probs).astype(np.float64),
             fold=np.concatenate([fold_of] + [np.full(len(export.splits[n].keys), -1) for n in others]))
    return path, float((oof.argmax(axis=1) == train.hard).mean())


def average_oof(paths, out_path):
    """Mean of several ``oof.npz`` files over the same samples (repeated K-fold with other seeds); write ``out_path``.

    Rows are matched by ``sample_key`` (the first file's order is kept); every
    file must hold the same samples. The mean is an ensemble whose members are
    each out of fold for every train sample. ``fold`` comes from the first file.
    """
    keys, total, fold = None, None, None
    for path in paths:
        with np.load(path) as data:
            these, probs = data["sample_key"].astype(str), data["pred_probs"].astype(np.float64)
            if keys is None:
                keys, total, fold = these, probs.copy(), data["fold"]
                continue
            row = {k: i for i, k in enumerate(these)}
            if len(row) != len(keys) or any(k not in row for k in keys):
                raise ValueError(f"{path}: other samples than {paths[0]}; repeats must score the same dataset")
            if probs.shape[1] != total.shape[1]:
                raise ValueError(f"{path}: {probs.shape[1]} classes, {paths[0]} has {total.shape[1]}")
            total += probs[[row[k] for k in keys]]
    if keys is None:
        raise ValueError("average_oof needs at least one oof.npz")
    np.savez(out_path, sample_key=keys, pred_probs=total / len(paths), fold=fold)
    return out_path
