"""Does curation make the camera model better? Four trainings, one budget.

The default camera model, the same number of epochs each (so the comparison
holds however busy the machine is), trained on
FER2013 Training with
  (a) the original FER2013 labels,
  (b) FERPlus majority labels,
  (c) FERPlus crossentropy soft labels,
  (d) (c) restricted to the ``clean-train`` view,
all evaluated on PublicTest with FERPlus majority labels (fer8).
Prints a table of float and int8 accuracy and macro-F1.

    .venv/bin/python benchmarks/curation_lift.py [--epochs 8]
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
CASES = [
    ("a", "FER2013 original labels", "all", "original"),
    ("b", "FERPlus majority", "all", "majority"),
    ("c", "FERPlus crossentropy (soft)", "all", "crossentropy"),
    ("d", "(c) on clean-train", "clean-train", "crossentropy"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8, help="epochs per case (cosine schedule over them)")
    parser.add_argument("--model", default="camera")
    parser.add_argument("--cases", default="abcd", help="which cases to run, e.g. 'd'")
    parser.add_argument("--fresh", action="store_true", help="re-export (after a view or label rule changed)")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    scored_real_dataset()
    from curate.export import export_dataset
    from train.fit import TrainSettings, train_model
    from train.runs import quantize_run

    name = DATASET
    rows = []
    for key, title, view, rule in [c for c in CASES if c[0] in args.cases]:
        export = OUT / f"lift-{key}"
        if args.fresh and export.exists():
            shutil.rmtree(export)
        if not (export / "manifest.json").exists():
            export_dataset(name, export, view_name=view, scheme_name="fer8", label_rule=rule, quiet=True)
        run = OUT / "runs" / f"{time.strftime('%Y%m%d-%H%M%S')}-lift-{key}"
        settings = TrainSettings(model=args.model, epochs=args.epochs, batch_size=64, soft_labels=rule != "majority",
                                 patience=args.epochs)
        metrics = train_model(str(export), str(run), settings, quiet=True)
        quantize_run(str(run))
        metrics = json.loads((run / "metrics.json").read_text())
        rows.append((key, title, metrics["train_samples"], metrics["epochs_run"], metrics["val"]["float"],
                     metrics["val"]["int8"]))
        print(f"done ({key}) {title}: float {metrics['val']['float']['accuracy']:.4f}", flush=True)

    print(f"\nPublicTest (FERPlus majority, fer8, n={rows[0][4]['samples']}), model {args.model}, "
          f"{args.epochs} epochs each on {os.cpu_count()} CPU cores")
    print(f"{'case':<34} {'train':>6} {'epochs':>6} {'float acc':>9} {'int8 acc':>9} {'int8 F1':>8}")
    for key, title, n, epochs, f, q in rows:
        print(f"({key}) {title:<30} {n:>6} {epochs:>6} {f['accuracy']:>9.4f} {q['accuracy']:>9.4f} {q['macro_f1']:>8.4f}")


if __name__ == "__main__":
    main()
