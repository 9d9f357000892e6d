"""Ingest benchmark: `curate build` vs FiftyOne's own directory import.

Builds FER2013 (Training + PublicTest rows) + FERPlus votes into a fresh
dataset, then times ``fo.Dataset.from_dir(..., ImageClassificationDirectoryTree)``
on the same number of already-written PNGs (the build's own, hard-linked
into class folders), and prints seconds, peak memory and the ratio.
Target: build ≤ 1.5x FiftyOne's import, peak memory < 2 GB.

    .venv/bin/python benchmarks/ingest.py [--fer2013 PATH] [--ferplus PATH]

The database is started before either clock starts, so both sides are timed
warm. Peak memory is the maximum resident set size of this process and,
separately, of the PNG worker process (``getrusage``).
"""

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"


def peak_mb(who=resource.RUSAGE_SELF):
    return resource.getrusage(who).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fer2013", default=str(DATA / "fer2013" / "fer2013.csv.gz"))
    parser.add_argument("--ferplus", default=str(DATA / "ferplus" / "fer2013new.csv"))
    parser.add_argument("--workspace", default=str(ROOT / "benchmarks" / "out" / "workspace"),
                        help="workspace for the benchmark's database (default: benchmarks/out/workspace)")
    args = parser.parse_args()
    for path in (args.fer2013, args.ferplus):
        if not os.path.exists(path):
            sys.exit(f"missing {path}: this benchmark needs the real data (see ../shared/data/README.md)")

    tmp = tempfile.mkdtemp(prefix="curate-bench-")
    from curate import workspace as ws

    workspace = ws.activate(args.workspace)
    import fiftyone as fo

    from curate.build import load_dataset
    from curate.pipeline import BuildPlan, run_build

    for name in ("bench-build", "bench-fromdir"):
        if fo.dataset_exists(name):
            fo.delete_dataset(name)
    shutil.rmtree(workspace.media_dir("bench-build"), ignore_errors=True)
    base_mb = peak_mb()

    start = time.perf_counter()
    plan = BuildPlan(fer2013=args.fer2013, merge=("ferplus",), ferplus=args.ferplus)
    (report,) = run_build(plan, dataset_name="bench-build", workspace=workspace, quiet=True)
    build_s = time.perf_counter() - start
    build_peak = peak_mb()
    worker_peak = peak_mb(resource.RUSAGE_CHILDREN)

    ds = load_dataset("bench-build")
    tree = Path(tmp) / "tree"
    for path, label in zip(*ds.values(["filepath", "fer2013_label"])):
        target = tree / label / os.path.basename(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, target)
    start = time.perf_counter()
    baseline = fo.Dataset.from_dir(
        str(tree), dataset_type=fo.types.ImageClassificationDirectoryTree, name="bench-fromdir", progress=False
    )
    fromdir_s = time.perf_counter() - start

    print(f"rows built                     {report.added:>8d}  ({report.notes[0] if report.notes else 'all votes paired'})")
    print(f"curate build (FER2013+FERPlus) {build_s:8.1f} s   {report.added / build_s:7.0f} samples/s")
    print(f"fo.Dataset.from_dir (PNG tree) {fromdir_s:8.1f} s   {len(baseline) / fromdir_s:7.0f} samples/s")
    print(f"ratio build / from_dir         {build_s / fromdir_s:8.2f}    (target <= 1.50)")
    print(f"peak RSS, main process         {build_peak:8.0f} MB  (before build {base_mb:.0f} MB; target < 2048)")
    print(f"peak RSS, child processes      {worker_peak:8.0f} MB  (the PNG worker; MongoDB not counted)")

    for name in ("bench-build", "bench-fromdir"):
        fo.delete_dataset(name)
    shutil.rmtree(workspace.media_dir("bench-build"), ignore_errors=True)
    shutil.rmtree(tmp, ignore_errors=True)  # the hard-linked tree; the database stays in the workspace


if __name__ == "__main__":
    main()
