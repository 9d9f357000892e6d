"""``curate search``: the accuracy / MACs frontier of the camera model's family under an op budget.

Candidates are the camera model at every (width, depth, input size) of a
small grid whose MACs (:func:`train.models.keras_macs`, the figure the camera
check computes from the int8 file) fit ``max_macs``. Each trains a short
proxy run (``minutes_each`` of wall clock, the same recipe otherwise) whose
epoch is chosen on a held-out slice of Training (near-duplicate groups kept
whole, the same faces for every candidate), and is ranked by that held-out
accuracy — never by the export's val split. A candidate is on the frontier
when no other is both cheaper (or as cheap) and more accurate.

Writes ``<out>/search.json`` (every candidate: width, depth, size, MACs,
params, held-out accuracy, run dir), ``search.md`` (the table) and
``search.png`` (accuracy against MACs, the frontier joined).
"""

import dataclasses
import itertools
import json
import os

from train.settings import TrainSettings

WIDTHS = (0.75, 1.0, 1.25)
DEPTHS = (-1, 0, 1)
SIZES = (40, 48, 56)


@dataclasses.dataclass
class Candidate:
    width: float
    depth: int
    size: int
    macs: int
    params: int
    holdout_accuracy: float = None
    run: str = None
    frontier: bool = False


def candidates(max_macs, num_classes, widths=WIDTHS, depths=DEPTHS, sizes=SIZES):
    """Every grid point whose MACs fit ``max_macs``, cheapest first: list of Candidate (not trained)."""
    from train.models import keras_macs, make_model

    if max_macs <= 0:
        raise ValueError(f"--max-macs must be positive, got {max_macs}")
    grid = []
    for width, depth, size in itertools.product(widths, depths, sizes):
        model = make_model("camera", num_classes, (size, size, 1), width=width, depth=depth)
        grid.append(Candidate(width, depth, size, keras_macs(model), int(model.count_params())))
    found = [c for c in grid if c.macs <= max_macs]
    if not found:
        raise ValueError(f"no candidate fits {max_macs:,.0f} MACs; the smallest of the grid needs "
                         f"{min(c.macs for c in grid):,}")
    return sorted(found, key=lambda c: (c.macs, -c.width))


def mark_frontier(found):
    """Set ``frontier`` on the candidates no other beats at lower or equal MACs."""
    best = -1.0
    for c in sorted(found, key=lambda c: (c.macs, -(c.holdout_accuracy or 0))):
        c.frontier = c.holdout_accuracy is not None and c.holdout_accuracy > best
        if c.frontier:
            best = c.holdout_accuracy
    return found


def search(export_path, out_dir, *, max_macs, minutes_each=2.0, base=None, widths=WIDTHS, depths=DEPTHS,
           sizes=SIZES, holdout=0.1, quiet=False, echo=print):
    """Train every candidate's proxy and write the frontier; return the list of Candidates."""
    from train.data import load_export
    from train.fit import train_model

    base = base or TrainSettings()
    classes = load_export(export_path).classes
    found = candidates(max_macs, len(classes), widths, depths, sizes)
    echo(f"{len(found)} candidates within {max_macs:,.0f} MACs, {minutes_each:g} min each")
    for i, c in enumerate(found):
        run = os.path.join(out_dir, f"w{c.width:g}-d{c.depth:+d}-{c.size}px")
        settings = dataclasses.replace(base, model="camera", width=c.width, depth=c.depth, input_size=c.size,
                                       max_minutes=minutes_each, epochs=max(base.epochs, 1000), holdout=holdout,
                                       patience=max(base.patience, 1000), start_size=0, teachers=(), init="")
        metrics = train_model(export_path, run, settings, quiet=True)
        c.holdout_accuracy, c.run = float(metrics["selection"]["float"]["accuracy"]), run
        echo(f"[{i + 1}/{len(found)}] width {c.width:g} depth {c.depth:+d} {c.size} px: {c.macs / 1e6:.1f} MMAC, "
             f"held-out accuracy {c.holdout_accuracy:.4f}")
    mark_frontier(found)
    write_search(out_dir, found, max_macs, minutes_each)
    return found


def write_search(out_dir, found, max_macs, minutes_each):
    """search.json, search.md and search.png in ``out_dir``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "search.json"), "w") as f:
        json.dump({"max_macs": max_macs, "minutes_each": minutes_each,
                   "candidates": [dataclasses.asdict(c) for c in found]}, f, indent=2)
    lines = [f"# Camera-model search: ≤ {max_macs / 1e6:g} MMAC, {minutes_each:g} min a proxy", "",
             "| width | depth | input | MMAC | params | held-out accuracy | frontier |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {c.width:g} | {c.depth:+d} | {c.size} px | {c.macs / 1e6:.1f} | {c.params:,} | "
              f"{c.holdout_accuracy:.4f} | {'yes' if c.frontier else ''} |" for c in found]
    with open(os.path.join(out_dir, "search.md"), "w") as f:
        f.write("\n".join(lines) + "\n\n![frontier](search.png)\n")
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter([c.macs / 1e6 for c in found], [c.holdout_accuracy for c in found], color="0.6", label="candidate")
    front = sorted((c for c in found if c.frontier), key=lambda c: c.macs)
    ax.plot([c.macs / 1e6 for c in front], [c.holdout_accuracy for c in front], "o-", color="C0", label="frontier")
    for c in front:
        ax.annotate(f"w{c.width:g} d{c.depth:+d} {c.size}px", (c.macs / 1e6, c.holdout_accuracy), fontsize=7,
                    xytext=(3, 3), textcoords="offset points")
    ax.axvline(max_macs / 1e6, color="C3", linestyle=":", label="budget")
    ax.set_xlabel("MMAC per face")
    ax.set_ylabel("held-out accuracy")
    ax.set_title(f"camera family, {minutes_each:g} min proxies")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "search.png"), dpi=120)
    plt.close(fig)
