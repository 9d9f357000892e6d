"""``curate label-quality``: confident learning and Brain mistakenness on a dataset.

Out-of-fold predicted probabilities come from one of:

- a file: ``.npz`` with arrays ``sample_key`` (N,) and ``pred_probs`` (N, K),
  or ``.csv`` with a ``sample_key`` column and one column per scheme class
  (the trainer's ``curate train --cv K`` writes these);
- a field: a Classification field whose ``logits`` hold the model's output;
- ``baseline``: HOG + PCA + logistic regression, cross-validated (weak; see
  :mod:`labels.quality`);
- a model (:func:`model_pred_probs`): the project's own trainer, K folds that
  keep near-duplicate groups whole, a wall-clock budget split over the folds
  and no selection on the held-out labels (``curate label-quality --model
  camera --folds 5 --max-minutes 25``).

Every labelled sample (ground truth that maps into the scheme) must have a
row; the whole merge is checked before anything is written. Writes
``label_quality``, ``label_issue``, ``oof_prediction`` (Classification with
logits), ``quality_label`` (ground truth under the scheme), ``mistakenness``
(FiftyOne Brain), the ``label-issue`` tag, then refreshes disputes and views.
"""

import dataclasses
import os

import numpy as np

from curate.build import load_dataset
from datasets.fastdb import tag_ids, write_classifications, write_fields
from datasets.names import GROUND_TRUTH_LABEL, INFO_LABEL_QUALITY, SAMPLE_KEY, TAG_DISPUTED, TAG_LABEL_ISSUE
from labels import kill_points
from labels.quality import baseline_pred_probs, fit_projection, hog_features, label_issues
from labels.schemes import get_scheme

SOURCES = ("file", "field", "baseline")
PROJECTION_SAMPLE = 20_000  # faces the baseline's PCA is fitted on
FEATURE_CHUNK = 4_096  # faces read and described at a time


def baseline_features(paths, *, seed=0, quiet=False):
    """HOG descriptors of the faces at ``paths`` (N,), projected by a PCA fitted on a seeded sample of
    :data:`PROJECTION_SAMPLE` of them: float32 (N, 64). Reads the images in chunks: memory holds the
    projected features, never every face's pixels or 900-wide descriptor."""
    from tqdm import tqdm

    from curate.score_pass import load_gray

    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(len(paths), min(len(paths), PROJECTION_SAMPLE), replace=False))
    projection = fit_projection(hog_features([load_gray(paths[i]) for i in sample]), seed=seed)
    out = None
    with tqdm(total=len(paths), desc="HOG features", unit=" img", disable=True if quiet else None,
              leave=False) as bar:
        for start in range(0, len(paths), FEATURE_CHUNK):
            chunk = projection.transform(hog_features([load_gray(p) for p in paths[start:start + FEATURE_CHUNK]]))
            if out is None:
                out = np.empty((len(paths), chunk.shape[1]), dtype=np.float32)
            out[start:start + len(chunk)] = chunk
            bar.update(len(chunk))
    return out


def read_pred_probs_file(path, classes):
    """(sample keys list, float array (N, K)) from an .npz or .csv file."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: pred-probs file not found")
    if path.endswith(".npz"):
        with np.load(path, allow_pickle=False) as data:
            missing = {"sample_key", "pred_probs"} - set(data.files)
            if missing:
                raise ValueError(f"{path}: missing arrays {sorted(missing)} (need sample_key and pred_probs)")
            keys, probs = data["sample_key"].astype(str).tolist(), data["pred_probs"]
    elif path.endswith(".csv"):
        import pandas as pd

        frame = pd.read_csv(path)
        missing = [c for c in ("sample_key", *classes) if c not in frame.columns]
        if missing:
            raise ValueError(f"{path}: missing columns {missing} (need sample_key and one column per class)")
        keys, probs = frame["sample_key"].astype(str).tolist(), frame[list(classes)].to_numpy()
    else:
        raise ValueError(f"{path}: pred-probs must be .npz or .csv")
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[1] != len(classes):
        raise ValueError(f"{path}: pred_probs has shape {probs.shape}; the scheme has {len(classes)} classes")
    if len(keys) != len(probs):
        raise ValueError(f"{path}: {len(keys)} sample keys but {len(probs)} rows of probabilities")
    return keys, probs


FOLD_POOLS = {"all": ("train", "val", "test"), "train": ("train",)}


def fold_source_name(model, folds, repeats=1, folds_over="all"):
    """What ``ds.info["label_quality"]["source"]`` says of probabilities from fold models, e.g.
    ``"model camera, 5 grouped folds over all splits × 2 seeds"``."""
    pool = "all splits" if folds_over == "all" else "+".join(FOLD_POOLS[folds_over])
    return f"model {model}, {folds} grouped folds over {pool}" + (f" × {repeats} seeds" if repeats > 1 else "")


def fold_model_settings(model, minutes_per_fold, seed):
    """The fold models' :class:`train.settings.TrainSettings`: hard labels, batch 64, a cosine schedule over
    ``minutes_per_fold``, faces grown from 32 px, last weights kept (nothing chosen on the held-out labels)."""
    from train.settings import TrainSettings

    return TrainSettings(model=model, soft_labels=False, batch_size=64, max_minutes=minutes_per_fold, start_size=32,
                         seed=seed, select_best=False)


def model_pred_probs(name, run_dir, *, scheme_name="fer8", model="camera", folds=5, max_minutes=25.0, seed=0,
                     repeats=1, folds_over="all", quiet=False):
    """Out-of-fold probabilities from the trainer for every labelled sample; return the oof.npz path.

    Exports the whole dataset (``view all``, FERPlus majority labels where
    there are votes, the source label elsewhere) into ``run_dir/export``, then
    trains ``folds`` models of ``model`` for ``max_minutes / folds`` minutes
    each (cosine schedule over the budget, faces grown from 32 px, last
    weights kept) and writes ``run_dir/oof.npz``. ``folds_over="all"``: every
    labelled sample, whatever its split, sits in a fold and is scored out of
    fold (the fold models learn from val and test labels too: +12.5 % faces
    on FER2013, fold-0 accuracy against the FERPlus crowd 0.665–0.678 →
    0.703, benchmarks/RESULTS.md); ``"train"``: train samples only, val and
    test scored by the mean of the fold models (keeps the test labels out of
    anything trained on train, e.g. before a curation-lift comparison).

    ``repeats`` > 1 repeats the K folds with seeds ``seed, seed+1, …`` (another
    fold split and other initial weights each, in ``run_dir/repeat<r>``) and
    averages them; ``max_minutes`` is then shared by all ``repeats × folds``
    models.
    """
    from curate.export import ALL_SAMPLES, export_dataset
    from train.crossval import average_oof, cross_validate
    from train.models import MODELS

    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose one of {', '.join(sorted(MODELS))}")
    if max_minutes <= 0:
        raise ValueError(f"--max-minutes must be positive, got {max_minutes}")
    if repeats < 1:
        raise ValueError(f"--repeats must be at least 1, got {repeats}")
    if folds_over not in FOLD_POOLS:
        raise ValueError(f"unknown --folds-over {folds_over!r}; choose one of {', '.join(FOLD_POOLS)}")
    if not load_dataset(name).has_field("dispute_score"):
        raise ValueError(f"dataset {name!r} has no scores yet; run `curate score` first")
    export_dir = os.path.join(run_dir, "export")
    export_dataset(name, export_dir, view_name=ALL_SAMPLES, scheme_name=scheme_name, label_rule="majority",
                   quiet=quiet, seed=seed)
    settings = fold_model_settings(model, max_minutes / folds / repeats, seed)
    if repeats == 1:
        path, _ = cross_validate(export_dir, run_dir, settings, folds=folds, pool=FOLD_POOLS[folds_over],
                                 quiet=True)  # the export carries the groups
        return path
    paths = [cross_validate(export_dir, os.path.join(run_dir, f"repeat{r}"),
                            dataclasses.replace(settings, seed=seed + r), folds=folds, pool=FOLD_POOLS[folds_over],
                            quiet=True)[0]
             for r in range(repeats)]
    return average_oof(paths, os.path.join(run_dir, "oof.npz"))


def run_label_quality(name, *, scheme_name="fer8", pred_probs=None, field=None, baseline=False,
                      folds=5, seed=0, quiet=False, partial=False, source_name=None):
    """Score label quality; return a summary dict. Exactly one probability source.

    With ``partial`` (used by ``curate train --cv``, whose export may hold a
    view rather than every labelled sample), labelled samples without a row
    are left unscored instead of being an error; unknown rows still are.
    """
    chosen = [s for s, on in zip(SOURCES, (pred_probs, field, baseline)) if on]
    if len(chosen) != 1:
        raise ValueError("use exactly one of --pred-probs FILE, --field NAME or --baseline")
    from curate.score_pass import refresh_disputes

    scheme = get_scheme(scheme_name)
    ds = load_dataset(name)
    if not ds.has_field("dispute_score"):
        raise ValueError(f"dataset {name!r} has no scores yet; run `curate score` first")
    ids, keys, truth, paths = ds.values(["id", SAMPLE_KEY, GROUND_TRUTH_LABEL, "filepath"])
    mapped = [scheme.remap_label(t) for t in truth]
    rows = [i for i, m in enumerate(mapped) if m is not None]
    if not rows:
        raise ValueError(f"no samples have a ground truth under scheme {scheme.name!r}")
    labels = np.array([scheme.classes.index(mapped[i]) for i in rows])
    labelled = len(rows)

    if pred_probs:
        file_keys, file_probs = read_pred_probs_file(pred_probs, scheme.classes)
        index = {k: r for r, k in enumerate(file_keys)}
        unknown = [k for k in file_keys if k not in set(keys)]
        if unknown:
            raise ValueError(f"{pred_probs}: {len(unknown)} rows name samples not in the dataset, e.g. {unknown[:3]}")
        missing = [keys[i] for i in rows if keys[i] not in index]
        if missing and not partial:
            raise ValueError(f"{pred_probs}: no row for {len(missing)} labelled samples, e.g. {missing[:3]}")
        rows = [i for i in rows if keys[i] in index]
        labels = np.array([scheme.classes.index(mapped[i]) for i in rows])
        probs = file_probs[[index[keys[i]] for i in rows]]
    elif field:
        if not ds.has_field(field):
            raise ValueError(f"dataset {name!r} has no field {field!r}")
        logits = ds.values(f"{field}.logits")
        missing = [keys[i] for i in rows if logits[i] is None]
        if missing:
            raise ValueError(f"field {field!r} has no logits for {len(missing)} labelled samples, e.g. {missing[:3]}")
        z = np.array([logits[i] for i in rows], dtype=np.float64)
        if z.shape[1] != len(scheme.classes):
            raise ValueError(f"field {field!r} has {z.shape[1]} logits; scheme {scheme.name!r} has {len(scheme.classes)} classes")
        z = np.exp(z - z.max(axis=1, keepdims=True))
        probs = z / z.sum(axis=1, keepdims=True)
    else:
        features = baseline_features([paths[i] for i in rows], seed=seed, quiet=quiet)
        probs = baseline_pred_probs(features, labels, num_classes=len(scheme.classes), folds=folds, seed=seed)

    is_issue, quality = label_issues(labels, probs, num_classes=len(scheme.classes))
    _write(ds, ids, rows, scheme, labels, probs, is_issue, quality)
    refresh_disputes(ds)
    accuracy = float((probs.argmax(axis=1) == labels).mean())
    summary = {
        "scheme": scheme.name, "source": source_name or (chosen[0] if not pred_probs else f"file {pred_probs}"),
        "labelled_samples": len(rows), "out_of_fold_accuracy": round(accuracy, 4),
        "label_issues": int(is_issue.sum()),
        "disputed": len(ds.match_tags(TAG_DISPUTED)),
    }
    if labelled > len(rows):
        summary["unscored_labelled"] = labelled - len(rows)
    ds.info[INFO_LABEL_QUALITY] = summary
    ds.save()
    return summary


def _write(ds, ids, rows, scheme, labels, probs, is_issue, quality):
    from curate.brain_scores import write_mistakenness

    n = len(ids)
    columns = {"label_quality": [None] * n, "label_issue": [False] * n}
    for r, q, bad in zip(rows, quality, is_issue):
        columns["label_quality"][r] = float(q)
        columns["label_issue"][r] = bool(bad)
    write_fields(ds, ids, columns)
    # one bulk write per field, every sample (None where unlabelled), without a label object per row
    predictions, truths = [None] * n, [None] * n
    logs = np.log(np.clip(probs, 1e-12, 1.0))
    for r, p, z, y in zip(rows, probs, logs, labels):
        predictions[r] = {"label": scheme.classes[int(p.argmax())], "confidence": float(p.max()), "logits": z}
        truths[r] = {"label": scheme.classes[int(y)]}
    write_classifications(ds, ids, "oof_prediction", predictions)
    write_classifications(ds, ids, "quality_label", truths)
    kill_points.reached("quality.fields")
    ds.untag_samples(TAG_LABEL_ISSUE)
    issue_ids = [ids[r] for r, bad in zip(rows, is_issue) if bad]
    tag_ids(ds, issue_ids, TAG_LABEL_ISSUE)
    write_mistakenness(ds, [ids[r] for r in rows], logs, labels, pred_field="oof_prediction",
                       label_field="quality_label", field="mistakenness", use_logits=False)
