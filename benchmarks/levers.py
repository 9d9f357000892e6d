"""Training levers side by side under the honest protocol: random erasing, mixup, CutMix against the plain recipe.

Every arm trains the camera model of a base recipe (default: the shipped one,
``openmv/model/recipe.toml``, without its teachers) for the same number of
epochs (cosine schedule by epochs, not by wall clock, so a slower lever is not
cut short), choosing its best epoch on the same grouped 10 % held-out slice
of FER2013 Training. The table gives each arm's held-out accuracy; only the
arm that wins on held-out is quantized and evaluated on PublicTest (float,
int8 and leak-free), once. ``levers.png`` shows the held-out curves.

    .venv/bin/python benchmarks/levers.py [--epochs 15] [--arm NAME:KEY=VALUE,...]...

Default arms: ``plain``, ``erase:erase=0.5``, ``mixup:mixup=0.2``,
``cutmix:cutmix=1.0``. Runs go to ``benchmarks/out/runs/levers-<epochs>e-<name>``
and are reused when trained, so an interrupted benchmark goes on where it stopped.
"""

import argparse
import csv
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _realdata import OUT, recipe_export, scored_real_dataset  # noqa: E402

DEFAULT_ARMS = ("plain", "erase:erase=0.5", "mixup:mixup=0.2", "cutmix:cutmix=1.0")


def parse_arm(text):
    """``NAME[:KEY=VALUE,...]`` → (name, {key: number}); ValueError naming the bad part."""
    name, _, rest = text.partition(":")
    changes = {}
    for part in filter(None, rest.split(",")):
        key, eq, value = part.partition("=")
        if not eq:
            raise ValueError(f"arm {text!r}: {part!r} is not KEY=VALUE")
        try:
            changes[key.strip()] = float(value)
        except ValueError:
            raise ValueError(f"arm {text!r}: {value!r} is not a number") from None
    if not name:
        raise ValueError(f"arm {text!r} has no name")
    return name, changes


def held_out_curve(run):
    with open(run / "history.csv") as f:
        return [float(row["val_accuracy"]) for row in csv.DictReader(f)]


def plot_curves(curves, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for name, curve in curves.items():
        ax.plot(range(1, len(curve) + 1), curve, marker=".", label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel("held-out accuracy (grouped 10 % of Training)")
    ax.set_title("Training levers, camera model")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default=None, help="base recipe (default: openmv/model/recipe.toml)")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--arm", action="append",
                        help="NAME:KEY=VALUE,... (repeat); default: " + ", ".join(DEFAULT_ARMS))
    args = parser.parse_args()
    arms = [parse_arm(a) for a in (args.arm or DEFAULT_ARMS)]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    scored_real_dataset()
    import dataclasses

    from train.recipe import SHIPPED_RECIPE, Recipe, load_recipe, train_recipe
    from train.run_files import is_quantized, is_trained, read_metrics
    from train.runs import evaluate_run, quantize_run

    base = load_recipe(args.recipe or SHIPPED_RECIPE)
    train = dataclasses.replace(base.train, teachers=(), epochs=args.epochs, max_minutes=0.0, holdout=0.1,
                                patience=1000)
    export, _, _ = recipe_export(base)
    rows, curves = [], {}
    for name, changes in arms:
        run = OUT / "runs" / f"levers-{args.epochs}e-{name}"
        recipe = Recipe(train=dataclasses.replace(train, **{k: type(getattr(train, k))(v) for k, v in changes.items()}),
                        export=base.export)
        if not is_trained(str(run)):
            print(f"arm {name} → {run}", flush=True)
            started = time.perf_counter()
            train_recipe(str(export), str(run), recipe)
            print(f"arm {name}: {(time.perf_counter() - started) / 60:.1f} min", flush=True)
        metrics = read_metrics(str(run))
        if metrics["settings"] != dataclasses.asdict(recipe.train) | {"teachers": list(recipe.train.teachers)}:
            sys.exit(f"{run} was trained with other settings; remove it to train this arm again")
        curves[name] = held_out_curve(run)
        rows.append((name, changes, metrics["selection"]["float"]["accuracy"], metrics["epochs_run"],
                     metrics["train_seconds"] / 60, run))
    plot_curves(curves, OUT / "levers.png")

    print(f"\n{'arm':10s} {'changes':22s} {'held-out':>9s} {'best ep':>8s} {'epochs':>7s} {'train min':>10s}")
    for name, changes, accuracy, epochs, minutes, _ in rows:
        best = 1 + max(range(len(curves[name])), key=curves[name].__getitem__)
        text = ",".join(f"{k}={v:g}" for k, v in changes.items()) or "-"
        print(f"{name:10s} {text:22s} {accuracy:9.4f} {best:8d} {epochs:7d} {minutes:10.1f}")
    name, _, _, _, _, run = max(rows, key=lambda r: r[2])
    if not is_quantized(str(run)):
        quantize_run(str(run))
    report = evaluate_run(str(run))
    print(f"\nheld-out winner: {name} ({run}); PublicTest, looked at once:")
    for key in ("float", "int8", "float_leak_free", "int8_leak_free"):
        if key in report:
            print(f"  {key:16s} accuracy {report[key]['accuracy']:.4f}  macro-F1 {report[key]['macro_f1']:.4f}  "
                  f"(n={report[key]['samples']})")
    print(f"curves: {OUT / 'levers.png'}")


if __name__ == "__main__":
    main()
