"""Camera-model benchmark: the default recipe on the real FERPlus data.

Builds FER2013 Training+PublicTest + FERPlus (reused when present), scores
it, exports ``clean-train`` with FERPlus majority labels under ``fer8``
(val = PublicTest, majority), trains the default ``camera`` model on the
CPU within a wall-clock budget, quantizes it to int8 and prints float and
int8 accuracy and macro-F1 on PublicTest, size, TFLite Micro arena, MACs,
estimated H7 Plus latency and training wall time.

Targets: int8 accuracy ≥ 86 % on PublicTest, .tflite ≤ 256 KB, arena ≤ 256 KB,
latency ≤ 150 ms, training ≤ 45 min on 2 CPU cores.

    .venv/bin/python benchmarks/camera_model.py [--recipe FILE] [--minutes 40] [--ship]
    make camera-model     # the shipped model's recipe: one 42-minute run, last epoch kept

The recipe (default ``openmv/model/recipe.toml``, the shipped model's) holds
every knob; the options override it. A recipe's ``[distill]`` teachers train
first, into ``<run>-teacher-seed<N>``, and are reused when a run of that name exists.

``--ship`` copies the model, labels and metrics into ``openmv/model/`` (the
model the camera bundle uses by default); ``--ship-run RUN`` ships a run
trained earlier.
"""

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _realdata import OUT, recipe_export, scored_real_dataset  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default=None, help="training recipe (default: openmv/model/recipe.toml)")
    parser.add_argument("--minutes", type=float, help="training wall-clock budget")
    parser.add_argument("--model")
    parser.add_argument("--labels", help="label rule of the export")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--start-size", type=int, help="progressive resizing from this size (0: off)")
    parser.add_argument("--teacher", action="append", default=[],
                        help="distil from this earlier run directory instead of the recipe's teacher seeds (repeat)")
    parser.add_argument("--teacher-weight", type=float, help="the teachers' share of the targets")
    parser.add_argument("--ema-decay", type=float, help="per-step decay of the weight average (0: off)")
    parser.add_argument("--seed", type=int, help="random seed (weights, shuffling, augmentation)")
    parser.add_argument("--holdout", type=float,
                        help="choose the best epoch on this grouped share of Training, not on PublicTest "
                             "(teachers too); PublicTest is then evaluated once, at the end")
    parser.add_argument("--run-name", help="run directory name under benchmarks/out/runs/ (default: a timestamp); "
                                            "an unfinished run of that name is restarted")
    parser.add_argument("--ship", action="store_true", help="copy the result into openmv/model/")
    parser.add_argument("--ship-run", help="only ship this already quantized run directory, no training")
    args = parser.parse_args()
    if args.ship_run:
        return ship(args.ship_run)
    run = OUT / "runs" / (args.run_name or f"{time.strftime('%Y%m%d-%H%M%S')}-{args.model or 'recipe'}")
    from train.run_files import is_quantized

    if is_quantized(str(run)):
        sys.exit(f"{run} is already trained; ship it with --ship-run {run}, or choose another --run-name")
    shutil.rmtree(run, ignore_errors=True)  # an interrupted run starts again (finished teachers are reused)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    scored_real_dataset()
    from train.recipe import SHIPPED_RECIPE, load_recipe, train_recipe, with_overrides
    from train.run_files import read_metrics
    from train.runs import quantize_run

    recipe = with_overrides(
        load_recipe(args.recipe or SHIPPED_RECIPE), max_minutes=args.minutes, model=args.model, labels=args.labels,
        batch_size=args.batch_size, learning_rate=args.lr, start_size=args.start_size, ema_decay=args.ema_decay,
        teachers=tuple(os.path.abspath(t) for t in args.teacher) or None, teacher_weight=args.teacher_weight,
        seed=args.seed, holdout=args.holdout)
    export, view, rule = recipe_export(recipe)
    metrics = train_recipe(str(export), str(run), recipe)
    tflite, camera = quantize_run(str(run))
    metrics = read_metrics(str(run))
    f, q = metrics["val"]["float"], metrics["val"]["int8"]
    print(f"run                  {run}")
    print(f"train samples        {metrics['train_samples']} ({view}, {rule} labels), "
          f"{metrics['epochs_run']} epochs")
    print(f"float  PublicTest    accuracy {f['accuracy']:.4f}  macro-F1 {f['macro_f1']:.4f}  (n={f['samples']})")
    print(f"int8   PublicTest    accuracy {q['accuracy']:.4f}  macro-F1 {q['macro_f1']:.4f}   target >= 0.86")
    print(f"size                 {camera['size_bytes'] / 1024:.1f} KB   target <= 256 KB")
    print(f"TFLM arena           {camera['arena_bytes'] / 1024:.1f} KB   target <= 256 KB")
    print(f"MACs                 {camera['macs'] / 1e6:.2f} M")
    print(f"est. H7 Plus latency {camera['estimated_latency_ms']:.0f} ms   target <= 150 ms")
    print(f"training wall time   {metrics['train_seconds'] / 60:.1f} min on {os.cpu_count()} CPU cores   target <= 45 min")
    if recipe.train.teachers or recipe.teacher_seeds:
        count = len(recipe.train.teachers or recipe.teacher_seeds)
        print(f"teachers             {count} earlier runs, weight {recipe.train.teacher_weight}; their "
              f"predictions took {metrics['teacher_seconds'] / 60:.1f} min more (their training is not counted)")
    if args.ship:
        ship(run)


def ship(run):
    """Copy a quantized run's int8 model, float weights, labels and metrics into openmv/model/."""
    from train.run_files import METRICS_NAME, MODEL_NAME, TFLITE_NAME, read_metrics, write_json

    run = Path(run)
    metrics = read_metrics(str(run))
    target = ROOT / "openmv" / "model"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(run / TFLITE_NAME, target / "trained.tflite")
    shutil.copy(run / MODEL_NAME, target / MODEL_NAME)  # float weights: `curate train --init shipped`, the loop's fine-tune
    (target / "labels.txt").write_text("\n".join(metrics["classes"]) + "\n")
    shipped = {k: metrics[k] for k in ("model", "params", "classes", "epochs_run", "train_seconds",
                                      "train_samples", "val", "camera", "export", "settings")}
    write_json(str(target / METRICS_NAME), shipped)
    from train.recipe import RECIPE_NAME, load_recipe

    if (run / RECIPE_NAME).exists() and load_recipe(str(run / RECIPE_NAME)) != load_recipe(str(target / RECIPE_NAME)):
        shutil.copy(run / RECIPE_NAME, target / RECIPE_NAME)  # the model ships with the recipe that made it
    print(f"shipped to {target}")


if __name__ == "__main__":
    main()
