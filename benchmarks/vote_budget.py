"""Which faces should the next votes go to? A vote budget spent on real FERPlus votes.

Keeps 3 seeded votes of the 10 real FERPlus votes per Training face (the
crowd a team would have), builds that dataset with ``curate build --merge
ferplus`` and scores it, then spends a budget of extra votes in rounds
(default 3 × 1,000 tasks, at most one task per face a round). Each task is
answered with one of that face's held-back real votes (:class:`labels.crowd.
SimulatedCrowd`), merged with the code ``curate labels pull`` uses
(:func:`labels.annotator_votes.merge_votes`, one vote per answer).

Strategies at the same budget: random; curate's queue (``dispute_score``
recomputed from the merged votes each round); cleanlab ActiveLab with the
model's out-of-fold probabilities (from ``benchmarks/label_errors.py``, else
the HOG baseline); and the majority-flip probability
(:func:`labels.allocation.majority_flip_probability`), alone and with the
FER2013 label as a prior. Metric: agreement of the FERPlus majority labels
with the full 10-vote majority on the faces that have one, and the share of
the starting gap each strategy closes.

    .venv/bin/python benchmarks/vote_budget.py [--rounds 3] [--tasks 1000] [--keep 3] [--seeds 0,1,2]
"""

import argparse
import csv
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _realdata import DATA, OUT  # noqa: E402

VOTE_TABLE = DATA / "ferplus" / "fer2013new.csv"
FER2013 = DATA / "fer2013" / "fer2013.csv.gz"


def reduced_table(path, keep, seed):
    """Write the FERPlus table with ``keep`` seeded votes per Training row (other rows unchanged); return the crowd."""
    from datasets.ferplus import TABLE_HEADER, read_vote_table
    from labels.crowd import SimulatedCrowd

    table = read_vote_table(str(VOTE_TABLE))
    train = table.usage == "Training"
    crowd = SimulatedCrowd(table.votes[train], keep=keep, seed=seed)
    votes = table.votes.copy()
    votes[train] = crowd.initial
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(TABLE_HEADER)
        for usage, name, row in zip(table.usage, table.names, votes):
            writer.writerow([usage, name, *row.tolist()])
    return table, train, crowd


def built_dataset(workspace, name, table_path):
    from curate.build import dataset_exists, load_dataset
    from curate.pipeline import BuildPlan, run_build
    from curate.score_pass import score_dataset

    if not dataset_exists(name):
        run_build(BuildPlan(fer2013=str(FER2013), merge=("ferplus",), ferplus=str(table_path)),
                  dataset_name=name, workspace=workspace, quiet=True)
    ds = load_dataset(name)
    if not ds.has_field("dispute_score"):
        score_dataset(name, quiet=True)
    return load_dataset(name)


def model_probs(keys):
    """(N, 8) emotion probabilities for the faces: the camera model's out-of-fold run if there is one, else None."""
    runs = sorted((OUT / "label-errors").glob("*camera-*/oof.npz"))
    if not runs:
        return None, None
    with np.load(runs[-1]) as data:
        index = {k: i for i, k in enumerate(data["sample_key"].astype(str))}
        probs = data["pred_probs"][[index[k] for k in keys]]
    out = np.full((len(keys), 8), 1e-4)
    out[:, :probs.shape[1]] += probs
    return out / out.sum(axis=1, keepdims=True), runs[-1].parent.name


def run_strategy(name, crowd, full_major, judged, fer_index, dup_conflict, probs, rounds, tasks, seed):
    """(agreement with the full majority after each round: list of floats (round 0 = start), final votes (N, 10))."""
    from curate.score_pass import dispute_scores
    from labels.allocation import activelab_priority, majority_flip_probability, random_tasks, top_tasks
    from labels.annotator_votes import answer_counts, merge_votes
    from labels.crowd import vote_lists
    from labels.scores import agreement, label_conflict
    from labels.votes import majority_index

    crowd = crowd.copy()
    n = len(crowd.initial)
    counts = np.zeros_like(crowd.initial)
    merged = crowd.initial.copy()
    fer_prior = np.zeros((n, 10))
    fer_prior[np.arange(n), fer_index] = 1.0
    curve = [float((majority_index(merged)[judged] == full_major[judged]).mean())]
    for r in range(rounds):
        eligible = crowd.remaining > 0
        if name == "random":
            chosen = random_tasks(n, tasks, eligible=eligible, seed=seed * 100 + r)
        else:
            if name.startswith("curate queue"):
                bonus = {"curate queue (dispute_score)": 0.2, "curate queue, no FER2013-conflict bonus": 0.0,
                         "curate queue, FER2013-conflict bonus 0.4": 0.4}[name]
                priority = dispute_scores(agreement(merged), label_conflict(merged, fer_index), dup_conflict,
                                          conflict_bonus=bonus)
            elif name.startswith("ActiveLab"):
                priority = activelab_priority(vote_lists(merged), probs)
            elif name == "majority-flip probability":
                priority = majority_flip_probability(merged, seed=seed * 100 + r)
            elif name == "majority-flip probability, FER2013 label as prior":
                priority = majority_flip_probability(merged, prior=fer_prior, seed=seed * 100 + r)
            else:
                raise ValueError(name)
            chosen = top_tasks(priority, tasks, eligible=eligible)
        answers = crowd.answer(chosen)
        ok = answers >= 0
        counts += answer_counts(chosen[ok], answers[ok], n)
        merged = merge_votes(crowd.initial, np.full(n, -1), counts, weight=1)
        curve.append(float((majority_index(merged)[judged] == full_major[judged]).mean()))
    return curve, merged


def simulation(workspace, keep, seed):
    """Everything a strategy run needs for one crowd seed: crowd, full majority, judged mask, FER2013 labels,
    duplicate conflicts, model probabilities; builds and scores the reduced crowd's dataset (real pipeline)."""
    from labels.taxonomy import CLASS_INDEX
    from labels.votes import majority_index

    table_path = OUT / "vote-budget" / f"fer2013new-keep{keep}-seed{seed}.csv"
    table, train, crowd = reduced_table(table_path, keep, seed)
    full_major = majority_index(table.votes[train])
    ds = built_dataset(workspace, f"bench-keep{keep}-seed{seed}", table_path)
    view = ds.match({"split": "train"})
    keys, votes, fer, dup = view.values(["sample_key", "votes", "fer2013_label", "dup_conflict"])
    order = np.argsort(np.array([int(k.split(":")[1]) for k in keys]))
    built = np.array([votes[i] for i in order])
    assert np.array_equal(built, crowd.initial), "the built dataset does not hold the kept votes"
    keys = [keys[i] for i in order]
    fer_index = np.array([CLASS_INDEX[fer[i]] for i in order])
    probs, probs_name = model_probs(keys)
    if probs is None:
        print("no camera out-of-fold run in benchmarks/out/label-errors: ActiveLab uses the FER2013 label", flush=True)
        probs, probs_name = np.full((len(keys), 8), 0.02), "FER2013 label"
        probs[np.arange(len(keys)), fer_index] = 0.86
        probs /= probs.sum(axis=1, keepdims=True)
    return {"crowd": crowd, "full_major": full_major, "judged": full_major >= 0, "keys": keys,
            "fer_index": fer_index, "dup_conflict": np.array([bool(dup[i]) for i in order]),
            "probs": probs, "probs_name": probs_name}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--seeds", default="0,1,2", help="crowd seeds (each is built and scored as a dataset)")
    args = parser.parse_args()
    for path in (FER2013, VOTE_TABLE):
        if not path.exists():
            sys.exit(f"missing {path}: this benchmark needs the real data (see ../shared/data/README.md)")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from curate import workspace as ws

    workspace = ws.activate(OUT / "workspace")
    seeds = [int(s) for s in args.seeds.split(",")]
    results, starts = {}, []
    for seed in seeds:
        sim = simulation(workspace, args.keep, seed)
        crowd, full_major, judged = sim["crowd"], sim["full_major"], sim["judged"]
        fer_index, dup_conflict, probs, probs_name = (sim[k] for k in ("fer_index", "dup_conflict", "probs",
                                                                        "probs_name"))
        strategies = ["random", "curate queue (dispute_score)", "curate queue, no FER2013-conflict bonus",
                      "curate queue, FER2013-conflict bonus 0.4", f"ActiveLab ({probs_name})",
                      "majority-flip probability", "majority-flip probability, FER2013 label as prior"]
        for name in strategies:
            curve, _ = run_strategy(name, crowd, full_major, judged, fer_index, dup_conflict, probs, args.rounds,
                                    args.tasks, seed)
            results.setdefault(name, []).append(curve)
            print(f"seed {seed} {name}: " + " → ".join(f"{a:.4f}" for a in curve), flush=True)
        starts.append(int(judged.sum()))

    judged_n = starts[0]
    print(f"\nKeep {args.keep} of 10 real votes per Training face; {args.rounds} rounds × {args.tasks} tasks; "
          f"{judged_n} faces with a 10-vote majority; seeds {seeds}")
    print(f"{'strategy':<52} {'start':>7} {'end':>7} {'faces fixed':>11} {'gap closed':>10} {'× random':>8}")
    random_gain = np.mean([c[-1] - c[0] for c in results["random"]])
    table_out = {}
    for name, curves in results.items():
        curves = np.array(curves)
        start, end = curves[:, 0].mean(), curves[:, -1].mean()
        gain = (curves[:, -1] - curves[:, 0])
        closed = gain / (1 - curves[:, 0])
        print(f"{name:<52} {start:>7.4f} {end:>7.4f} {gain.mean() * judged_n:>7.0f} ± {gain.std() * judged_n:<3.0f}"
              f"{closed.mean():>9.3f} {gain.mean() / random_gain:>8.2f}")
        table_out[name] = {"curves": curves.tolist(), "faces_fixed": float(gain.mean() * judged_n),
                           "gap_closed": float(closed.mean()), "vs_random": float(gain.mean() / random_gain)}
    (OUT / "vote-budget" / "results.json").write_text(json.dumps(
        {"keep": args.keep, "rounds": args.rounds, "tasks": args.tasks, "seeds": seeds, "judged": judged_n,
         "results": table_out}, indent=2))


if __name__ == "__main__":
    main()
