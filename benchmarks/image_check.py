"""What decoding every image at build time costs: `curate build` of image folders with and without it.

Two folders: the real ones (CK+48 and the FER2013 JPEG sample, 1,541 images)
and a large captures folder of 20,000 48×48 PNGs the benchmark writes itself
(``--large N``). Target (issue: reliability): the check slows a build by at
most 10 %. Best of two runs each.

    .venv/bin/python benchmarks/image_check.py [--large 20000]
"""

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"


def no_check(paths, workers=4):
    """Stands in for datasets.media.image_problems: decodes nothing (module level: a worker process unpickles it)."""
    return []


def large_folder(root, n):
    """A captures root of ``n`` random 48×48 PNGs in four label folders."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    for i in range(n):
        folder = Path(root) / "s1" / ("happy", "sad", "neutral", "angry")[i % 4]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (48, 48), dtype=np.uint8)).save(folder / f"{i:05d}.png")
    return str(root)


def measure(name, sources, workspace):
    import curate.build
    from curate.pipeline import BuildPlan, run_build

    checked = curate.build.image_problems
    seconds = {}
    for number, run in enumerate(("without the check", "with the check") * 2):
        curate.build.image_problems = checked if run.startswith("with ") else no_check
        start = time.perf_counter()
        reports = run_build(BuildPlan(**sources), dataset_name=f"image-check-{name}-{number}", workspace=workspace,
                            quiet=True)
        seconds.setdefault(run, []).append(time.perf_counter() - start)
    curate.build.image_problems = checked
    images = sum(r.added for r in reports)
    plain, decoded = min(seconds["without the check"]), min(seconds["with the check"])
    print(f"{name}: {images} images from {', '.join(sources)}")
    print(f"  build without decoding  {plain:.2f} s")
    print(f"  build with decoding     {decoded:.2f} s   overhead {100 * (decoded / plain - 1):+.1f} %   "
          f"target <= +10 %", flush=True)


def main():
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=int, default=20000, help="PNGs in the large captures folder (0: skip)")
    args = parser.parse_args()
    from curate import workspace as ws

    workspace = ws.activate(tempfile.mkdtemp(prefix="image-check-"))
    sources = {"ckplus": DATA / "ckplus48" / "CK+48", "fer2013_images": DATA / "fer2013_images"}
    sources = {k: str(v) for k, v in sources.items() if v.is_dir()}
    if sources:
        measure("real folders", sources, workspace)
    else:
        print(f"no real image folders under {DATA} (see ../shared/data/README.md)")
    if args.large:
        with tempfile.TemporaryDirectory() as root:
            measure("large captures", {"captures": large_folder(root, args.large)}, workspace)


if __name__ == "__main__":
    main()
