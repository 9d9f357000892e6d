"""``curate train --cv K``: out-of-fold probabilities for every train sample.

The train split is cut into K stratified folds; each fold's model trains on
the other K−1 (early-stopping on the export's val split) and predicts the
held-out fold. Val and test samples get the mean of the K models'
predictions (none of them saw those samples). The result is written as
``oof.npz`` (``sample_key``, ``pred_probs``) for ``curate label-quality``.
"""

import os

import numpy as np

from train.data import Split, load_export
from train.fit import train_model


def cross_validate(export_path, run_dir, settings, *, folds=5, quiet=False):
    """Train K fold models; return (path of oof.npz, out-of-fold accuracy on train)."""
    from sklearn.model_selection import StratifiedKFold

    from train.evaluate import predict_keras
    from train.runs import load_run_model

    if settings.teachers:
        raise ValueError("cross-validation cannot use teachers: they were trained on the held-out folds, "
                         "so the out-of-fold probabilities would not be out of fold")
    export = load_export(export_path)
    train, val = export.split("train"), export.split("val")
    counts = np.bincount(train.hard)
    folds = int(min(folds, counts[counts > 0].min()))
    if folds < 2:
        raise ValueError("cross-validation needs at least 2 train samples of every class")
    oof = np.zeros_like(train.soft, dtype=np.float64)
    others = {name: np.zeros_like(s.soft, dtype=np.float64) for name, s in export.splits.items()
              if name != "train" and len(s)}
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=settings.seed)
    for k, (fit_idx, held_idx) in enumerate(splitter.split(train.x, train.hard)):
        fold_dir = os.path.join(run_dir, f"fold{k}")
        part = Split(train.x[fit_idx], train.soft[fit_idx], train.hard[fit_idx], train.keys[fit_idx])
        train_model(export_path, fold_dir, settings, quiet=quiet, train_split=part, val_split=val)
        model = load_run_model(fold_dir)
        oof[held_idx] = predict_keras(model, train.x[held_idx])
        for name in others:
            others[name] += predict_keras(model, export.splits[name].x) / folds
    keys = [train.keys] + [export.splits[n].keys for n in others]
    probs = [oof] + list(others.values())
    path = os.path.join(run_dir, "oof.npz")
    np.savez(path, sample_key=np.concatenate(keys), pred_probs=np.concatenate(probs).astype(np.float64))
    return path, float((oof.argmax(axis=1) == train.hard).mean())
