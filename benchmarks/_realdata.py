"""Shared set-up for the benchmarks: the real FER2013 + FERPlus dataset, scored.

Built once into ``benchmarks/out/workspace`` as ``bench-scores`` and reused.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "benchmarks" / "out"
DATASET = "bench-scores"


def scored_real_dataset(workspace_dir=None, name=DATASET):
    """Activate the benchmark workspace (default ``benchmarks/out/workspace``); build and score the real
    dataset ``name`` there if needed. Returns the workspace."""
    for path in (DATA / "fer2013" / "fer2013.csv.gz", DATA / "ferplus" / "fer2013new.csv"):
        if not path.exists():
            sys.exit(f"missing {path}: this benchmark needs the real data (see ../shared/data/README.md)")
    from curate import workspace as ws

    workspace = ws.activate(workspace_dir or OUT / "workspace")
    from curate.build import dataset_exists, load_dataset
    from curate.pipeline import BuildPlan, run_build
    from curate.score_pass import score_dataset

    if not dataset_exists(name):
        plan = BuildPlan(fer2013=str(DATA / "fer2013" / "fer2013.csv.gz"), merge=("ferplus",),
                         ferplus=str(DATA / "ferplus" / "fer2013new.csv"))
        run_build(plan, dataset_name=name, workspace=workspace, quiet=True)
    if not load_dataset(name).has_field("dispute_score"):
        score_dataset(name, quiet=True)
    from curate.views import save_views

    save_views(load_dataset(name))  # views follow the current definitions
    return workspace


def recipe_export(recipe):
    """The export of the real dataset that ``recipe`` trains on (written under ``benchmarks/out`` if missing):
    (path, view, label rule). Call after :func:`scored_real_dataset`."""
    from curate.export import export_dataset
    from train.recipe import export_size

    rule, view, size = recipe.export.labels, recipe.export.view or "clean-train", export_size(recipe)
    export = OUT / (f"exp-{recipe.export.scheme}-{rule}" + ("" if view == "clean-train" else f"-{view}")
                    + ("" if size == 48 else f"-{size}px"))
    if not (export / "manifest.json").exists():
        export_dataset(DATASET, export, view_name=view, scheme_name=recipe.export.scheme, label_rule=rule,
                       size=size, quiet=True)
    return export, view, rule
