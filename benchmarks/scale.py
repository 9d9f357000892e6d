"""Scale benchmark: build, score, views, label-quality (baseline) and export on N synthetic faces.

The source is a FER2013-format CSV of N rows made from the real FER2013
faces: row k is base face ``k mod M`` (M = the labelled rows of
the given CSV: 32,298 Training + PublicTest faces in ``../shared/data``) with a seeded perturbation
(brightness shift, Gaussian noise sd 3, a one-pixel shift for every other
copy), so perceptual hashes, near-duplicate groups and the pixel statistics
behave like real data rather than like noise. Labels are the base face's.
The CSV is written once per N (streamed, never held in memory) under
``--out``.

Each step runs as its own ``curate`` child process against one workspace;
its wall seconds and peak RSS (``wait4``'s ``ru_maxrss`` of that child) are
printed per step, with the per-sample cost and, when several N are given,
the ratio of the per-sample cost at the largest N to that at the smallest.
Targets (issue 23): ratio ≤ 1.2 for every step, peak RSS ≤ 4 GB, build
≥ 2,500 faces/s.

    taskset -c 0,1 .venv/bin/python benchmarks/scale.py --n 100000 300000 1000000
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
STEPS = (
    ("build", lambda csv, out: ["build", "--fer2013", csv]),
    ("score", lambda csv, out: ["score"]),
    ("views", lambda csv, out: ["views"]),
    ("label-quality", lambda csv, out: ["label-quality", "--baseline"]),
    ("export", lambda csv, out: ["export", str(out), "--view", "all", "--overwrite"]),
)


def base_faces(path):
    """(labels (M,) int, faces uint8 (M, 48, 48), usages list) of the real FER2013 CSV."""
    from datasets.fer2013 import FER2013CSV
    from labels.taxonomy import FER2013_EMOTION

    code = {name: c for c, name in FER2013_EMOTION.items()}
    labels, faces = [], []
    for record in FER2013CSV(path):
        if record.label in code:
            labels.append(code[record.label])
            faces.append(record.pixels)
    return np.array(labels), np.stack(faces)


def write_synthetic_csv(path, n, labels, faces, seed=0):
    """Write N perturbed copies (see the module docstring) as ``emotion,pixels,Usage`` rows; 90 % Training."""
    if os.path.isfile(path):
        return path
    rng = np.random.default_rng(seed)
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        f.write("emotion,pixels,Usage\n")
        for start in range(0, n, 4096):
            index = np.arange(start, min(n, start + 4096))
            base = faces[index % len(faces)].astype(np.int16)
            copy = index // len(faces)
            shifted = np.where((copy % 2 == 1)[:, None, None], np.roll(base, 1, axis=2), base)
            noise = rng.normal(0, 3, base.shape) + rng.integers(-12, 13, (len(index), 1, 1))
            noisy = np.where((copy == 0)[:, None, None], base, shifted + noise)
            pixels = np.clip(np.rint(noisy), 0, 255).astype(np.uint8).reshape(len(index), -1)
            usage = np.where(rng.random(len(index)) < 0.9, "Training", "PublicTest")
            for i, row in enumerate(pixels):
                f.write(f"{labels[index[i] % len(faces)]},{' '.join(map(str, row.tolist()))},{usage[i]}\n")
    os.replace(tmp, path)
    return path


def timed(args, env):
    """(seconds, peak RSS MB) of one child process; raises with its output when it fails."""
    start = time.perf_counter()
    child = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if child.returncode != 0:
        raise SystemExit(f"`{' '.join(args[3:])}` failed ({child.returncode}):\n{output.decode()[-3000:]}")
    return seconds, usage.ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--fer2013", default=str(DATA / "fer2013" / "fer2013.csv.gz"))
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "out" / "scale"))
    parser.add_argument("--steps", default=",".join(s for s, _ in STEPS),
                        help="steps to run; without build, the workspace an earlier run left is reused")
    args = parser.parse_args()
    steps = [(step, make) for step, make in STEPS if step in args.steps.split(",")]
    if len(steps) != len(set(args.steps.split(","))):
        sys.exit(f"--steps {args.steps}: choose from {','.join(s for s, _ in STEPS)}")
    if not os.path.exists(args.fer2013):
        sys.exit(f"missing {args.fer2013}: this benchmark needs the real data (see ../shared/data/README.md)")
    os.makedirs(args.out, exist_ok=True)
    labels, faces = base_faces(args.fer2013)
    print(f"{len(faces)} base faces from {args.fer2013}")
    env = {**os.environ, "FIFTYONE_DO_NOT_TRACK": "true", "FIFTYONE_DATABASE_VALIDATION": "false"}
    results = {}
    for n in args.n:
        start = time.perf_counter()
        csv = write_synthetic_csv(os.path.join(args.out, f"synthetic-{n}.csv"), n, labels, faces)
        print(f"N={n:,}: source {csv} ({time.perf_counter() - start:.0f} s to write)", flush=True)
        workspace = os.path.join(args.out, f"workspace-{n}")
        if steps[0][0] == "build":
            shutil.rmtree(workspace, ignore_errors=True)  # a fresh database: the build inserts every face
        elif not os.path.isdir(workspace):
            sys.exit(f"{workspace}: no workspace to rerun {args.steps} on; run with the build step first")
        common = ["--dataset", f"scale-{n}", "--workspace", workspace]
        timed([sys.executable, "-m", "curate.cli", "build", "--help"], env)  # warm imports
        results[n] = {}
        for step, make in steps:
            quiet = [] if step == "views" else ["-q"]  # views only lists; it has no progress to silence
            argv = [sys.executable, "-m", "curate.cli", *make(csv, os.path.join(args.out, f"export-{n}")), *common,
                    *quiet]
            seconds, rss = timed(argv, env)
            results[n][step] = (seconds, rss)
            rate = f"  {n / seconds:,.0f} faces/s" if step == "build" else ""
            print(f"  {step:<14} {seconds:8.1f} s  {1e6 * seconds / n:8.1f} µs/face  peak RSS {rss:7.0f} MB{rate}",
                  flush=True)
    if len(results) > 1:
        small, large = min(results), max(results)
        print(f"\nper-face cost at N={large:,} / at N={small:,} (target ≤ 1.2):")
        for step, _ in steps:
            ratio = (results[large][step][0] / large) / (results[small][step][0] / small)
            print(f"  {step:<14} {ratio:5.2f}")


if __name__ == "__main__":
    main()
