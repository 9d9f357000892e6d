"""Which fold-model recipe finds FER2013's label errors best? One fold, judged by the FERPlus crowd.

A cheap proxy for ``benchmarks/label_errors.py`` (30 min a seed): train one
fold model of ``curate label-quality --model camera`` (fold F of the grouped
split that run cut, every labelled face pooled) with some settings changed,
predict its held-out fold (mirrored, as label quality does) and judge it on
the fold's Training faces that have a FERPlus majority: accuracy against
FER2013 and against the crowd, precision@200/500/1000 and precision at
recall 0.5 of ``label_quality`` (lowest first), and the ``label-issue``
tag's precision and recall — both computed on the fold alone. One fold and
one seed swing by ~0.02 of crowd accuracy and ~0.03 of precision, so only
larger differences say anything.

    .venv/bin/python benchmarks/label_errors.py              # first: the fold split and the export
    .venv/bin/python benchmarks/fold_recipes.py NAME [key=value ...] [--minutes 5] [--fold 0]
    .venv/bin/python benchmarks/fold_recipes.py base --judge RUN_DIR   # judge a fold model already trained

``key=value`` are :class:`train.settings.TrainSettings` fields (e.g.
``augment=0``, ``input_size=40``, ``width=0.75``); every other setting is
label quality's own. Rows are appended to
``benchmarks/out/label-errors/fold-recipes/results.txt``.
"""

import argparse
import dataclasses
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _realdata import OUT  # noqa: E402

SOURCE = OUT / "label-errors" / "fer7-camera-5f-25m-all-seed0"  # label_errors.py's default run
RUNS = OUT / "label-errors" / "fold-recipes"


def parse_overrides(pairs):
    """``key=value`` strings → dict of TrainSettings fields with their types (bools as 0/1)."""
    from train.settings import TrainSettings

    defaults = TrainSettings()
    fields = {f.name for f in dataclasses.fields(TrainSettings)}
    out = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key not in fields or not value:
            raise SystemExit(f"{pair!r}: expected key=value with a TrainSettings field "
                             f"({', '.join(sorted(fields))})")
        kind = type(getattr(defaults, key))
        out[key] = value in ("1", "true", "True") if kind is bool else kind(value)
    return out


def judge(name, probs, given, crowd, note=""):
    """One results line for fold probabilities (N, K), given labels (N,) and crowd majorities (N,; −1 = none)."""
    from labels.judge import precision_at, queue_order, tag_precision_recall
    from labels.quality import label_issues

    is_issue, quality = label_issues(given, probs, num_classes=probs.shape[1])
    rows = crowd >= 0
    err = (given != crowd)[rows]
    order = queue_order(-quality[rows])  # lowest label_quality first, ties by index
    at_half = int(np.searchsorted(np.cumsum(err[order]), math.ceil(0.5 * err.sum()))) + 1
    p_at = precision_at(err, order, (200, 500, 1000, at_half))
    tag_p, tag_r, tagged = tag_precision_recall(err, is_issue[rows])
    pred = probs[rows].argmax(axis=1)
    line = (f"{name:<20} acc FER {(pred == given[rows]).mean():.3f} crowd {(pred == crowd[rows]).mean():.3f} | "
            + " ".join(f"P@{k} {p_at[k]:.3f}" for k in (200, 500, 1000))
            + f" P@R0.5 {p_at[at_half]:.3f} | tag {tagged} P {tag_p:.3f} R {tag_r:.3f} {note}")
    print(line, flush=True)
    RUNS.mkdir(parents=True, exist_ok=True)
    with open(RUNS / "results.txt", "a") as f:
        f.write(line + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name")
    parser.add_argument("overrides", nargs="*", help="TrainSettings key=value")
    parser.add_argument("--minutes", type=float, default=5.0, help="the fold model's budget (label quality: 25 / 5)")
    parser.add_argument("--fold", type=int, default=0)
    parser.add_argument("--judge", metavar="RUN_DIR", help="judge this trained fold model instead of training one")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if not (SOURCE / "oof.npz").exists():
        sys.exit(f"missing {SOURCE / 'oof.npz'}: run benchmarks/label_errors.py first (it cuts the folds)")
    from label_errors import oracle_majority

    from curate.quality_pass import FOLD_POOLS, fold_model_settings
    from train.crossval import pooled_split
    from train.data import load_export
    from train.evaluate import predict_mirrored
    from train.fit import train_model
    from train.runs import load_run_model

    export = load_export(str(SOURCE / "export"))
    pool = pooled_split(export, FOLD_POOLS["all"])
    with np.load(SOURCE / "oof.npz") as data:
        if list(data["sample_key"].astype(str)) != list(pool.keys.astype(str)):
            sys.exit(f"{SOURCE}: oof.npz rows are not the export's pooled samples; rerun label_errors.py --fresh")
        fold = data["fold"]
    crowd = oracle_majority(pool.keys.astype(str))
    crowd[len(export.split("train")):] = -1  # judge Training faces only, as label_errors.py does
    held, fit = np.flatnonzero(fold == args.fold), np.flatnonzero(fold != args.fold)
    given = pool.hard[held].astype(np.int64)
    if args.judge:
        judge(args.name, predict_mirrored(load_run_model(args.judge), pool.x[held]), given, crowd[held],
              f"(judged {args.judge})")
        return
    overrides = parse_overrides(args.overrides)
    # label quality's fold settings; fold k trains with seed + k, as train.crossval.cross_validate does
    settings = dataclasses.replace(fold_model_settings("camera", args.minutes, args.fold), **overrides)
    run_dir = RUNS / args.name
    started = time.perf_counter()
    metrics = train_model(str(SOURCE / "export"), str(run_dir), settings, quiet=True, train_split=pool.take(fit),
                          val_split=pool.take(held))
    probs = predict_mirrored(load_run_model(str(run_dir)), pool.x[held])
    judge(args.name, probs, given, crowd[held], f"{metrics['epochs_run']} epochs, "
          f"{time.perf_counter() - started:.0f} s, fold {args.fold}, {overrides or 'label quality recipe'}")


if __name__ == "__main__":
    main()
