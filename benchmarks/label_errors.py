"""Does label quality find FER2013's label errors? Judged by the FERPlus crowd.

Builds FER2013 (Training + PublicTest) **without** FERPlus — one noisy label
per face, what a team with its own captures has — scores it, runs label
quality with the HOG baseline and with the project's own model (K grouped
folds, a wall-clock budget), and judges every queue against the FERPlus
majority of 10 real votes, which the curation never saw. On the Training
faces that have a FERPlus majority it prints the base rate of wrong labels,
the ``label-issue`` tag's precision/recall, and precision@500/1000/2500/5000
of: the annotators' queue (``dispute_score``, ordered inside the
``label-issue`` band by ``label_quality``, the noise-aware posterior of
:func:`labels.quality.label_posterior`), FiftyOne Brain mistakenness alone,
cleanlab's own filters and rankings on the same probabilities, and random
review.

    .venv/bin/python benchmarks/label_errors.py [--minutes 25] [--folds 5] [--model camera]

The model's out-of-fold probabilities are kept in
``benchmarks/out/label-errors/<scheme>-<model>-<folds>f-<minutes>m-<folds-over>-seed<seed>/oof.npz``
and reused (``--fresh`` retrains).
"""

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _realdata import DATA, OUT  # noqa: E402

DATASET = "bench-fer2013-only"
KS = (500, 1000, 2500, 5000)
FILTERS = ("prune_by_noise_rate", "both", "confident_learning", "predicted_neq_given")
RANKINGS = ("self_confidence", "normalized_margin", "confidence_weighted_entropy")


def fer2013_only_dataset(workspace):
    from curate.build import dataset_exists, load_dataset
    from curate.pipeline import BuildPlan, run_build
    from curate.score_pass import score_dataset

    if not dataset_exists(DATASET):
        run_build(BuildPlan(fer2013=str(DATA / "fer2013" / "fer2013.csv.gz")), dataset_name=DATASET,
                  workspace=workspace, quiet=True)
    if not load_dataset(DATASET).has_field("dispute_score"):
        score_dataset(DATASET, quiet=True)
    return load_dataset(DATASET)


def oracle_majority(keys):
    """FERPlus majority class index (fer8) for FER2013 sample keys ``fer2013:<row>``; −1 = no majority."""
    from datasets.ferplus import read_vote_table
    from labels.votes import majority_index

    table = read_vote_table(str(DATA / "ferplus" / "fer2013new.csv"))
    top = majority_index(table.votes)
    rows = np.array([int(k.split(":")[1]) for k in keys])
    return top[rows]


def judge_fields(ds, train_rows, is_error):
    """Tag precision/recall and queue precision@k from the fields label quality wrote."""
    from labels.judge import precision_at, queue_order, tag_precision_recall

    issue, quality, dispute, mistaken = (np.array(ds.values(f), dtype=object)[train_rows] for f in
                                         ("label_issue", "label_quality", "dispute_score", "mistakenness"))
    f = lambda a: np.array([np.nan if v is None else v for v in a], dtype=np.float64)  # noqa: E731
    tag = tag_precision_recall(is_error, issue.astype(bool))
    queue = precision_at(is_error, queue_order(f(dispute), tiebreak=f(quality)), KS)
    brain = precision_at(is_error, queue_order(f(mistaken)), KS)
    return tag, queue, brain


def cleanlab_variants(labels, probs, is_error):
    """Rows (name, tag tuple, p@k dict) for cleanlab's filters (tag) and rankings (queue) on one set of probabilities."""
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    from labels.judge import precision_at, queue_order, tag_precision_recall
    from labels.quality import label_posterior, noise_rates

    rows = []
    for method in FILTERS:
        tagged = find_label_issues(labels, probs, filter_by=method)
        rows.append((f"filter {method}", tag_precision_recall(is_error, tagged), None))
    for method in RANKINGS:
        quality = get_label_quality_scores(labels, probs, method=method)
        rows.append((f"rank {method}", None, precision_at(is_error, queue_order(-quality), KS)))
    # label_quality alone (no other dispute parts), on these rows' own noise rates
    posterior = label_posterior(labels, probs, noise_rates(labels, probs, num_classes=probs.shape[1]))
    rows.append(("rank noise posterior (label_quality)", None, precision_at(is_error, queue_order(-posterior), KS)))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="camera")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--minutes", type=float, default=25.0, help="wall-clock budget for all folds together")
    parser.add_argument("--scheme", default="fer7", help="FER2013's own seven classes (no contempt label exists)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=1,
                        help="average the folds of seeds seed..seed+R-1 (`curate label-quality --repeats R`); "
                             "each seed's folds get --minutes and are cached on their own")
    parser.add_argument("--folds-over", choices=("all", "train"), default="all",
                        help="`curate label-quality --folds-over`: PublicTest faces in the folds too (all) or not")
    parser.add_argument("--fresh", action="store_true", help="retrain the fold models")
    parser.add_argument("--skip-model", action="store_true", help="baseline only")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    for path in (DATA / "fer2013" / "fer2013.csv.gz", DATA / "ferplus" / "fer2013new.csv"):
        if not path.exists():
            sys.exit(f"missing {path}: this benchmark needs the real data (see ../shared/data/README.md)")

    from curate import workspace as ws

    workspace = ws.activate(OUT / "workspace")
    from curate.quality_pass import run_label_quality
    from labels.judge import precision_at
    from labels.taxonomy import CLASS_INDEX

    ds = fer2013_only_dataset(workspace)
    keys, splits, truth = ds.values(["sample_key", "split", "ground_truth.label"])
    top = oracle_majority(keys)
    given = np.array([CLASS_INDEX[t] if t else -1 for t in truth])
    train_rows = np.flatnonzero((np.array(splits) == "train") & (top >= 0) & (given >= 0))
    is_error = given[train_rows] != top[train_rows]
    n_train = int((np.array(splits) == "train").sum())
    print(f"FER2013 Training: {n_train} faces, {len(train_rows)} with a FERPlus majority; "
          f"{is_error.mean():.3f} of their FER2013 labels differ from it ({int(is_error.sum())} errors)")
    rng = np.random.default_rng(args.seed)
    results = {"random": (None, precision_at(is_error, rng.permutation(len(is_error)), KS), None)}

    started = time.perf_counter()
    summary = run_label_quality(DATASET, scheme_name=args.scheme, baseline=True, folds=args.folds, seed=args.seed,
                                quiet=True)
    baseline_seconds = time.perf_counter() - started
    tag, queue, brain = judge_fields(load_ds(), train_rows, is_error)
    results["baseline (HOG + logistic regression)"] = (tag, queue, summary["out_of_fold_accuracy"])
    results["baseline: Brain mistakenness alone"] = (None, brain, None)
    print(f"baseline: {baseline_seconds:.0f} s, out-of-fold accuracy {summary['out_of_fold_accuracy']:.3f}", flush=True)

    model_seconds = None
    if not args.skip_model:
        model_seconds, oofs = 0.0, []
        for seed in range(args.seed, args.seed + args.repeats):
            oof_path, seconds = fold_probabilities(args, seed)
            oofs.append(oof_path)
            model_seconds += seconds
        oof = oofs[0]
        if args.repeats > 1:
            from train.crossval import average_oof

            last = args.seed + args.repeats - 1
            oof = OUT / "label-errors" / f"{args.scheme}-{args.model}-{args.folds}f-{args.minutes:g}m-seeds{args.seed}-{last}.npz"
            average_oof(oofs, oof)
        summary = run_label_quality(DATASET, scheme_name=args.scheme, pred_probs=str(oof), seed=args.seed, quiet=True, partial=True,
                                    source_name=f"model {args.model}")
        tag, queue, brain = judge_fields(load_ds(), train_rows, is_error)
        name = (f"model {args.model} ({args.folds} grouped folds, {args.minutes:g} min)" if args.repeats == 1 else
                f"model {args.model} ({args.folds} grouped folds × {args.repeats} seeds, {args.minutes * args.repeats:g} min)")
        results[name] = (tag, queue, summary["out_of_fold_accuracy"])
        results[f"{args.model}: Brain mistakenness alone"] = (None, brain, None)
        with np.load(oof) as data:
            index = {k: i for i, k in enumerate(data["sample_key"].astype(str))}
            probs = data["pred_probs"][[index[keys[r]] for r in train_rows]]
        # the scheme's class order is the canonical order's prefix, so canonical indices are its labels
        for label, tag_v, queue_v in cleanlab_variants(given[train_rows], probs, is_error):
            results[f"{args.model}: cleanlab {label}"] = (tag_v, queue_v, None)
        oracle_acc = float((probs.argmax(axis=1) == top[train_rows]).mean())
        print(f"model: {model_seconds / 60:.1f} min for {args.folds} folds on {os.cpu_count()} CPU cores, "
              f"out-of-fold accuracy {summary['out_of_fold_accuracy']:.3f} vs FER2013 labels, "
              f"{oracle_acc:.3f} vs FERPlus majority", flush=True)

    print(f"\nJudged on {len(is_error)} Training faces; base rate of wrong labels {is_error.mean():.3f}")
    header = f"{'queue / tag':<58} {'oof acc':>7} {'tagged':>7} {'tag P':>6} {'tag R':>6} " + " ".join(
        f"{'P@' + str(k):>7}" for k in KS)
    print(header)
    for name, (tag, queue, acc) in results.items():
        cells = [f"{acc:>7.3f}" if acc is not None else f"{'':>7}"]
        cells += [f"{tag[2]:>7d} {tag[0]:>6.3f} {tag[1]:>6.3f}"] if tag else [f"{'':>7} {'':>6} {'':>6}"]
        cells += [" ".join(f"{queue[k]:>7.3f}" for k in KS)] if queue else []
        print(f"{name:<58} " + " ".join(cells))
    out = OUT / "label-errors" / f"results-x{args.repeats}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"base_rate": float(is_error.mean()), "judged": int(len(is_error)),
                               "model_seconds": model_seconds, "baseline_seconds": baseline_seconds,
                               "results": {k: {"tag": v[0], "queue": v[1], "oof_accuracy": v[2]}
                                           for k, v in results.items()}}, indent=2))


def fold_probabilities(args, seed):
    """(oof.npz path, seconds) of one seed's K fold models, trained or read from the cache."""
    from curate.quality_pass import model_pred_probs

    run_dir = OUT / "label-errors" / f"{args.scheme}-{args.model}-{args.folds}f-{args.minutes:g}m-{args.folds_over}-seed{seed}"
    oof = run_dir / "oof.npz"
    if args.fresh and run_dir.exists():
        shutil.rmtree(run_dir)
    if not oof.exists():
        if run_dir.exists():
            shutil.rmtree(run_dir)
        started = time.perf_counter()
        model_pred_probs(DATASET, str(run_dir), scheme_name=args.scheme, model=args.model, folds=args.folds,
                         max_minutes=args.minutes, seed=seed, folds_over=args.folds_over, quiet=True)
        (run_dir / "seconds.json").write_text(json.dumps({"seconds": time.perf_counter() - started}))
    return oof, json.loads((run_dir / "seconds.json").read_text())["seconds"]


def load_ds():
    from curate.build import load_dataset

    return load_dataset(DATASET)


if __name__ == "__main__":
    main()
