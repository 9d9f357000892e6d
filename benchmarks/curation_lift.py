"""Does curation make the camera model better? Same model, same budget, different labels.

The default camera model, a fixed number of epochs per run (so runs compare
however busy the machine is), the epoch chosen on a held-out 10 % of
Training (near-duplicate groups kept whole; the same faces for every case
and seed, never trained on), trained on FER2013 Training with

  (a) the original FER2013 labels;
  (b) FERPlus majority labels;
  (c) FERPlus crossentropy soft labels;
  (d) (c) on the ``clean-train`` view;
  (e) (a) after the camera model's label issues (``benchmarks/label_errors.py``)
      were relabelled by the crowd (their FERPlus majority; faces the crowd
      gives no label are dropped);
  (f0) crossentropy labels from 3 of the 10 votes per face;
  (fq) (f0) plus a 3 × 1,000-vote budget spent by curate's queue (``dispute_score``, today's
      default: no FER2013-conflict bonus) in ``benchmarks/vote_budget.py``'s simulation, seed 0;
  (fr) the same budget spent at random; (fa) spent by cleanlab's ActiveLab (camera model's
      out-of-fold probabilities); (f) by the queue with the old +0.2 FER2013-conflict bonus;

then evaluated once on PublicTest and on leak-free PublicTest (minus faces
whose near-duplicate group reaches Training), FERPlus majority labels, fer8,
float and int8. Runs go seed by seed (all cases for seed 0 first) and are
reused when finished; the table is mean ± sd over the seeds done.

    .venv/bin/python benchmarks/curation_lift.py [--epochs 4] [--seeds 0,1,2] [--cases a,b,c,d,e,f0,fq,fr,fa,f]
"""

import argparse
import dataclasses
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _realdata import DATASET, OUT, scored_real_dataset  # noqa: E402

CASES = {
    "a": ("FER2013 original labels", "all", "original"),
    "b": ("FERPlus majority", "all", "majority"),
    "c": ("FERPlus crossentropy (soft)", "all", "crossentropy"),
    "d": ("(c) on clean-train", "clean-train", "crossentropy"),
    "e": ("(a), model's label issues relabelled by the crowd", "all", "original"),
    "f0": ("crossentropy from 3 votes per face", "all", "crossentropy"),
    "f": ("(f0) + 3,000 votes, queue with +0.2 conflict bonus (old)", "all", "crossentropy"),
    "fq": ("(f0) + 3,000 votes by curate's queue", "all", "crossentropy"),
    "fr": ("(f0) + 3,000 votes at random", "all", "crossentropy"),
    "fa": ("(f0) + 3,000 votes by ActiveLab", "all", "crossentropy"),
}
BUDGET_STRATEGY = {"f": "curate queue (dispute_score)", "fq": "curate queue, no FER2013-conflict bonus",
                   "fr": "random", "fa": "ActiveLab"}
HOLDOUT = 0.1
LIFT = OUT / "lift"


def relabelled(base, out, new_labels):
    """Copy export ``base`` to ``out`` with train targets replaced: new_labels maps key → soft (K,) or None (drop)."""
    from train.data import load_export
    from train.export_files import write_manifest, write_shard

    if (out / "manifest.json").exists():
        return out
    export = load_export(str(base))
    train = export.split("train")
    soft = train.soft.copy()
    keep = np.ones(len(train), dtype=bool)
    for i, key in enumerate(train.keys):
        if key in new_labels:
            if new_labels[key] is None:
                keep[i] = False
            else:
                soft[i] = new_labels[key]
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(base, tmp)
    for name in export.manifest["shards"]["train"]:
        os.remove(tmp / name)
    part = train.take(keep)
    m = export.manifest
    shard = write_shard(tmp, "train", 0, x=part.x, soft=soft[keep], hard=soft[keep].argmax(axis=1), keys=part.keys,
                        group=part.group, leak=part.leak)
    shards = {**m["shards"], "train": [shard]}
    write_manifest(tmp, shards=shards, counts={**m["counts"], "train": {"samples": int(keep.sum())}},
                   classes=m["classes"], curate_version=m["curate_version"], dataset=m["dataset"], view=m["view"],
                   scheme=m["scheme"], scheme_rule=m["scheme_rule"], label_rule=m["label_rule"],
                   balanced=m["balanced"], input_size=m["input_size"], formats=m["formats"],
                   digest=f"{m['content_hash'][:16]}-relabelled-{len(new_labels)}")
    os.replace(tmp, out)
    return out


def crowd_relabelled_issues(classes):
    """Key → FERPlus majority one-hot (or None) for the camera model's label issues on FER2013 alone."""
    from curate.build import dataset_exists, load_dataset
    from labels.votes import majority_index

    if not dataset_exists("bench-fer2013-only"):
        sys.exit("case (e) needs benchmarks/label_errors.py run first (dataset bench-fer2013-only)")
    ds = load_dataset("bench-fer2013-only")
    if "model" not in str(ds.info.get("label_quality", {}).get("source")):
        sys.exit("case (e): the last label quality on bench-fer2013-only was not the model's; rerun label_errors.py")
    issues = ds.match({"label_issue": True, "split": "train"}).values("sample_key")
    votes = dict(zip(*load_dataset(DATASET).values(["sample_key", "votes"])))
    out = {}
    for key in issues:
        top = majority_index(np.array([votes[key]]))[0] if votes.get(key) else -1
        out[key] = np.eye(len(classes), dtype=np.float32)[top] if 0 <= top < len(classes) else None
    return out, len(issues)


def crowd_budget_labels(classes, strategy):
    """Key → crossentropy soft (or None) from 3 votes per face, plus 3,000 votes spent by ``strategy`` (None: none)."""
    from vote_budget import run_strategy, simulation

    from curate import workspace as ws
    from labels.votes import ferplus_labels

    sim = simulation(ws.Workspace(OUT / "workspace"), 3, 0)
    votes = sim["crowd"].initial
    if strategy == "ActiveLab" and sim["probs"] is None:
        sys.exit("case (fa) needs the camera model's out-of-fold probabilities: run benchmarks/label_errors.py first")
    if strategy:
        _, votes = run_strategy(strategy, sim["crowd"], sim["full_major"], sim["judged"],
                                sim["fer_index"], sim["dup_conflict"], sim["probs"], 3, 1000, 0)
    labels = ferplus_labels(votes, mode="crossentropy")
    k = len(classes)
    return {key: (labels.dist[i, :k].astype(np.float32) if labels.keep[i] else None)
            for i, key in enumerate(sim["keys"])}


def export_for(case, classes_holder):
    from curate.export import export_dataset

    title, view, rule = CASES[case]
    base = LIFT / f"export-{view}-{rule}"
    if not (base / "manifest.json").exists():
        export_dataset(DATASET, base, view_name=view, scheme_name="fer8", label_rule=rule, quiet=True)
    if case == "e":
        labels, _ = crowd_relabelled_issues(classes_holder())
        return relabelled(base, LIFT / "export-e", labels)
    if case == "f0" or case in BUDGET_STRATEGY:
        return relabelled(base, LIFT / f"export-{case}",
                          crowd_budget_labels(classes_holder(), BUDGET_STRATEGY.get(case)))
    return base


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default=str(ROOT / "benchmarks" / "recipes" / "curation_lift.toml"),
                        help="the training recipe every case shares")
    parser.add_argument("--epochs", type=int, help="epochs per run (cosine schedule over them) [default: the recipe's]")
    parser.add_argument("--model", help="[default: the recipe's]")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--cases", default="a,b,c,d,e,f0,fq,fr,fa")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    cases = args.cases.split(",")
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        sys.exit(f"unknown cases {unknown}; choose from {', '.join(CASES)}")

    from train.recipe import load_recipe, with_overrides

    recipe = with_overrides(load_recipe(args.recipe), epochs=args.epochs, model=args.model)
    args.epochs, args.model = recipe.train.epochs, recipe.train.model
    scored_real_dataset()
    from labels.folds import holdout_mask
    from train.data import load_export
    from train.fit import train_model
    from train.run_files import read_metrics
    from train.runs import evaluate_run, quantize_run

    majority = load_export(str(export_for("b", None)))
    class_names = majority.classes
    classes = lambda: class_names  # noqa: E731
    pool = majority.split("train")  # every Training face with a FERPlus majority
    hold = holdout_mask(pool.hard.astype(np.int64), pool.group, HOLDOUT, seed=0)
    holdout, hold_keys = pool.take(hold), set(pool.keys[hold].tolist())
    del majority, pool
    results = {c: [] for c in cases}
    for seed in [int(s) for s in args.seeds.split(",")]:
        for case in cases:
            export = export_for(case, classes)
            run = LIFT / "runs" / f"{case}-{args.model}-{args.epochs}e-seed{seed}"
            if not (run / "publictest.json").exists():
                shutil.rmtree(run, ignore_errors=True)
                settings = dataclasses.replace(recipe.train, seed=seed, patience=recipe.train.epochs,
                                               soft_labels=CASES[case][2] not in ("majority", "original"))
                train = load_export(str(export)).split("train")
                fit = train.take(~np.isin(train.keys, list(hold_keys)))
                # the epoch is chosen on the held-out faces (majority labels); PublicTest is looked at once, below
                train_model(str(export), str(run), settings, quiet=True, train_split=fit, val_split=holdout)
                quantize_run(str(run))
                (run / "publictest.json").write_text(json.dumps(evaluate_run(str(run)), indent=2))
            m, test = read_metrics(str(run)), json.loads((run / "publictest.json").read_text())
            row = {"train": m["train_samples"], "holdout": m["val"]["float"]["accuracy"],
                   "float": test["float"]["accuracy"], "float_lf": test["float_leak_free"]["accuracy"],
                   "int8": test["int8"]["accuracy"], "int8_lf": test["int8_leak_free"]["accuracy"],
                   "int8_f1": test["int8"]["macro_f1"], "n": test["float"]["samples"],
                   "n_lf": test["float_leak_free"]["samples"], "seconds": m["train_seconds"]}
            results[case].append(row)
            print(f"seed {seed} ({case}) {CASES[case][0]}: holdout {row['holdout']:.4f}, PublicTest float "
                  f"{row['float']:.4f} / leak-free {row['float_lf']:.4f}, int8 {row['int8']:.4f} / "
                  f"{row['int8_lf']:.4f} ({row['seconds'] / 60:.1f} min)", flush=True)
    n, n_lf = results[cases[0]][0]["n"], results[cases[0]][0]["n_lf"]
    print(f"\nPublicTest (FERPlus majority, fer8, n={n}; leak-free n={n_lf}), model {args.model}, "
          f"{args.epochs} epochs, epoch chosen on {HOLDOUT:.0%} of Training; mean ± sd over seeds")
    print(f"{'case':<56} {'train':>6} {'seeds':>5} {'held-out':>13} {'float':>13} {'float LF':>13} "
          f"{'int8':>13} {'int8 LF':>13} {'int8 F1':>6}")
    summary = {}
    for case in cases:
        rows = results[case]
        cell = lambda k: f"{100 * np.mean([r[k] for r in rows]):6.2f} ± {100 * np.std([r[k] for r in rows]):4.2f}"  # noqa: E731
        print(f"({case}) {CASES[case][0]:<51} {rows[0]['train']:>6} {len(rows):>5} {cell('holdout'):>13} "
              f"{cell('float'):>13} {cell('float_lf'):>13} {cell('int8'):>13} {cell('int8_lf'):>13} "
              f"{np.mean([r['int8_f1'] for r in rows]):6.3f}")
        summary[case] = {"title": CASES[case][0], "runs": rows}
    (LIFT / "results.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
