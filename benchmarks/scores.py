"""Scoring benchmark: all model-free scores + duplicates on FER2013 Training+PublicTest.

Builds FER2013 + FERPlus into a dataset (not timed, reused when present),
then times ``curate score`` (vote scores, FER2013-vs-FERPlus conflicts,
exact and near duplicates, leakage, blanks, tags and saved views) and prints
seconds, peak memory and the counts found. Target: under 60 s on 2 cores.

    .venv/bin/python benchmarks/scores.py [--fer2013 PATH] [--ferplus PATH]
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fer2013", default=str(DATA / "fer2013" / "fer2013.csv.gz"))
    parser.add_argument("--ferplus", default=str(DATA / "ferplus" / "fer2013new.csv"))
    parser.add_argument("--workspace", default=str(ROOT / "benchmarks" / "out" / "workspace"))
    args = parser.parse_args()
    for path in (args.fer2013, args.ferplus):
        if not os.path.exists(path):
            sys.exit(f"missing {path}: this benchmark needs the real data (see ../shared/data/README.md)")

    from curate import workspace as ws

    workspace = ws.activate(args.workspace)
    from curate.build import dataset_exists
    from curate.pipeline import BuildPlan, run_build
    from curate.score_pass import score_dataset

    name = "bench-scores"
    if not dataset_exists(name):
        plan = BuildPlan(fer2013=args.fer2013, merge=("ferplus",), ferplus=args.ferplus)
        run_build(plan, dataset_name=name, workspace=workspace, quiet=True)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    summary = score_dataset(name, quiet=True)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"score FER2013 Training+PublicTest  {seconds:6.1f} s  ({summary['samples']} samples; target < 60 s)")
    print(f"peak RSS                           {peak:6.0f} MB (before scoring {before:.0f} MB)")
    for key, value in summary.items():
        if key not in ("samples", "seconds"):
            print(f"  {key.replace('_', ' '):<40} {value}")


if __name__ == "__main__":
    main()
