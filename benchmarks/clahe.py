"""Does lighting normalisation (CLAHE, ``curate train --clahe``) help the camera model?

Same recipe as ``benchmarks/curation_lift.py`` case (c) — the camera model,
FERPlus crossentropy soft labels, ``benchmarks/recipes/curation_lift.toml`` —
trained with and without CLAHE (OpenCV's, 8×8 tiles, the parameters the camera's
``img.histeq(adaptive=True, clip_limit=…)`` is given by ``main.py``). The epoch
is chosen on the same fixed 10 % slice of Training as the curation-lift runs
(near-duplicate groups whole, never trained on); then, once per run:

- PublicTest and leak-free PublicTest (FERPlus majority, fer8), float and int8;
- CK+48 (cross-dataset: posed faces under studio light, every frame), int8,
  forced choice over the 6 emotions both taxonomies share (contempt and
  neutral left out), the camera's input: the run's CLAHE applied to the
  48×48 crop, then ``pixel − 128``.

    .venv/bin/python benchmarks/clahe.py [--clip 0,2] [--seeds 0,1]
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
from _realdata import OUT, scored_real_dataset  # noqa: E402

RUNS = OUT / "clahe"
SIX = ("anger", "disgust", "fear", "happiness", "sadness", "surprise")


def ckplus_accuracy(run, faces, labels):
    """Int8 forced-choice accuracy of ``run`` on CK+48 faces (N, 48, 48) with canonical ``labels`` (N,)."""
    from peers import forced_accuracy

    from train.camera_check import read_tflite
    from train.evaluate import predict_tflite
    from train.preprocess import clahe_faces
    from train.run_files import TFLITE_NAME, read_metrics, run_clahe

    metrics = read_metrics(str(run))
    probs = predict_tflite(read_tflite(str(run / TFLITE_NAME)), clahe_faces(faces, run_clahe(metrics)))
    return forced_accuracy(probs, metrics["classes"], labels, list(SIX))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", default="0,2", help="CLAHE clip limits to compare (0 = off)")
    parser.add_argument("--seeds", default="0,1")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    scored_real_dataset()
    from curation_lift import HOLDOUT, export_for
    from peers import ckplus48

    from labels.folds import holdout_mask
    from train.data import load_export
    from train.fit import train_model
    from train.recipe import load_recipe
    from train.run_files import read_metrics
    from train.runs import evaluate_run, quantize_run

    recipe = load_recipe(str(ROOT / "benchmarks" / "recipes" / "curation_lift.toml"))
    majority = load_export(str(export_for("b", None)))
    pool = majority.split("train")
    hold = holdout_mask(pool.hard.astype(np.int64), pool.group, HOLDOUT, seed=0)
    holdout, hold_keys = pool.take(hold), set(pool.keys[hold].tolist())
    del majority, pool
    export = export_for("c", None)
    ck_faces, ck_labels = ckplus48()
    keep = np.isin(ck_labels, SIX)
    ck_faces, ck_labels = ck_faces[keep], ck_labels[keep]
    results = {}
    for seed in [int(s) for s in args.seeds.split(",")]:
        for clip in [float(c) for c in args.clip.split(",")]:
            run = RUNS / f"clip{clip:g}-seed{seed}"
            if not (run / "publictest.json").exists():
                shutil.rmtree(run, ignore_errors=True)
                settings = dataclasses.replace(recipe.train, seed=seed, patience=recipe.train.epochs,
                                               soft_labels=True, clahe=clip)
                train = load_export(str(export)).split("train")
                fit = train.take(~np.isin(train.keys, list(hold_keys)))
                train_model(str(export), str(run), settings, quiet=True, train_split=fit, val_split=holdout)
                quantize_run(str(run))
                test = evaluate_run(str(run))
                test["ckplus48_int8"] = ckplus_accuracy(run, ck_faces, ck_labels)
                (run / "publictest.json").write_text(json.dumps(test, indent=2))
            m, test = read_metrics(str(run)), json.loads((run / "publictest.json").read_text())
            row = {"holdout": m["val"]["float"]["accuracy"], "float": test["float"]["accuracy"],
                   "float_lf": test["float_leak_free"]["accuracy"], "int8": test["int8"]["accuracy"],
                   "int8_lf": test["int8_leak_free"]["accuracy"], "ck": test["ckplus48_int8"],
                   "minutes": m["train_seconds"] / 60}
            results.setdefault(clip, []).append(row)
            print(f"seed {seed} clip {clip:g}: " + ", ".join(f"{k} {v:.4f}" for k, v in row.items()), flush=True)
    print(f"\nCK+48: {len(ck_labels)} frames, 6 emotions; mean ± sd over seeds {args.seeds}")
    print("| CLAHE clip | seeds | held-out | PublicTest float | leak-free float | PublicTest int8 | "
          "leak-free int8 | CK+48 int8 |\n|---|---|---|---|---|---|---|---|")
    for clip, rows in results.items():
        cell = lambda k: f"{100 * np.mean([r[k] for r in rows]):.2f} ± {100 * np.std([r[k] for r in rows]):.2f}"  # noqa: E731
        name = "off" if clip == 0 else f"{clip:g}"
        print(f"| {name} | {len(rows)} | " + " | ".join(cell(k) for k in ("holdout", "float", "float_lf", "int8",
                                                                         "int8_lf", "ck")) + " |")


if __name__ == "__main__":
    main()
