"""Camera-model benchmark: the default recipe on the real FERPlus data.

Builds FER2013 Training+PublicTest + FERPlus (reused when present), scores
it, exports ``clean-train`` with FERPlus majority labels under ``fer8``
(val = PublicTest, majority), trains the default ``camera`` model on the
CPU within a wall-clock budget, quantizes it to int8 and prints float and
int8 accuracy and macro-F1 on PublicTest, size, TFLite Micro arena, MACs,
estimated H7 Plus latency and training wall time.

Targets: int8 accuracy ≥ 86 % on PublicTest, .tflite ≤ 256 KB, arena ≤ 256 KB,
latency ≤ 150 ms, training ≤ 45 min on 2 CPU cores.

    .venv/bin/python benchmarks/camera_model.py [--minutes 40] [--ship]
    make camera-model     # the shipped model's recipe: two teachers, then a distilled student

``--ship`` copies the model, labels and metrics into ``openmv/model/`` (the
model the camera bundle uses by default); ``--ship-run RUN`` ships a run
trained earlier.
"""

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _realdata import DATASET, OUT, scored_real_dataset  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=40.0, help="training wall-clock budget")
    parser.add_argument("--model", default="camera")
    parser.add_argument("--labels", default="majority")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--start-size", type=int, default=0,
                        help="progressive resizing: training faces grow from this size to 48 (0: off)")
    parser.add_argument("--teacher", action="append", default=[],
                        help="distil from this earlier run directory (repeat for an ensemble)")
    parser.add_argument("--teacher-weight", type=float, default=0.8, help="the teachers' share of the targets")
    parser.add_argument("--ema-decay", type=float, default=0.0,
                        help="validate and keep a moving average of the weights with this per-step decay (0: off)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (weights, shuffling, augmentation)")
    parser.add_argument("--run-name", help="run directory name under benchmarks/out/runs/ (default: a timestamp); "
                                            "must not exist yet")
    parser.add_argument("--ship", action="store_true", help="copy the result into openmv/model/")
    parser.add_argument("--ship-run", help="only ship this already quantized run directory, no training")
    args = parser.parse_args()
    if args.ship_run:
        return ship(args.ship_run)
    run = OUT / "runs" / (args.run_name or f"{time.strftime('%Y%m%d-%H%M%S')}-{args.model}")
    if run.exists():
        sys.exit(f"{run} already exists; choose another --run-name or remove it")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    scored_real_dataset()
    from curate.export import export_dataset
    from train.fit import TrainSettings, train_model
    from train.runs import quantize_run

    name = DATASET
    export = OUT / f"exp-fer8-{args.labels}"
    if not (export / "manifest.json").exists():
        export_dataset(name, export, view_name="clean-train", scheme_name="fer8", label_rule=args.labels, quiet=True)
    settings = TrainSettings(model=args.model, epochs=1000, batch_size=args.batch_size, learning_rate=args.lr,
                             soft_labels=args.labels != "majority", patience=1000, max_minutes=args.minutes,
                             start_size=args.start_size, teachers=tuple(os.path.abspath(t) for t in args.teacher),
                             teacher_weight=args.teacher_weight, ema_decay=args.ema_decay, seed=args.seed)
    metrics = train_model(str(export), str(run), settings)
    tflite, camera = quantize_run(str(run))
    metrics = json.loads((run / "metrics.json").read_text())
    f, q = metrics["val"]["float"], metrics["val"]["int8"]
    print(f"run                  {run}")
    print(f"train samples        {metrics['train_samples']} (clean-train, {args.labels} labels), "
          f"{metrics['epochs_run']} epochs")
    print(f"float  PublicTest    accuracy {f['accuracy']:.4f}  macro-F1 {f['macro_f1']:.4f}  (n={f['samples']})")
    print(f"int8   PublicTest    accuracy {q['accuracy']:.4f}  macro-F1 {q['macro_f1']:.4f}   target >= 0.86")
    print(f"size                 {camera['size_bytes'] / 1024:.1f} KB   target <= 256 KB")
    print(f"TFLM arena           {camera['arena_bytes'] / 1024:.1f} KB   target <= 256 KB")
    print(f"MACs                 {camera['macs'] / 1e6:.2f} M")
    print(f"est. H7 Plus latency {camera['estimated_latency_ms']:.0f} ms   target <= 150 ms")
    print(f"training wall time   {metrics['train_seconds'] / 60:.1f} min on {os.cpu_count()} CPU cores   target <= 45 min")
    if args.teacher:
        print(f"teachers             {len(args.teacher)} earlier runs, weight {args.teacher_weight}; their "
              f"predictions took {metrics['teacher_seconds'] / 60:.1f} min more (their training is not counted)")
    if args.ship:
        ship(run)


def ship(run):
    """Copy a quantized run's model, labels and metrics into openmv/model/."""
    from train.runs import TFLITE_NAME

    run = Path(run)
    metrics = json.loads((run / "metrics.json").read_text())
    target = ROOT / "openmv" / "model"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(run / TFLITE_NAME, target / "trained.tflite")
    (target / "labels.txt").write_text("\n".join(metrics["classes"]) + "\n")
    shipped = {k: metrics[k] for k in ("model", "params", "classes", "epochs_run", "train_seconds",
                                      "train_samples", "val", "camera", "export", "settings")}
    (target / "metrics.json").write_text(json.dumps(shipped, indent=2))
    print(f"shipped to {target}")


if __name__ == "__main__":
    main()
