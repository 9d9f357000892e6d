"""What decoding every image at build time costs: `curate build` of real image folders with and without it.

Target (issue: reliability): the check slows a build by at most 10 %.

    .venv/bin/python benchmarks/image_check.py
"""

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"


def main():
    sources = {"ckplus": DATA / "ckplus48" / "CK+48", "fer2013_images": DATA / "fer2013_images"}
    sources = {k: str(v) for k, v in sources.items() if v.is_dir()}
    if not sources:
        sys.exit(f"no image folders under {DATA} (see ../shared/data/README.md)")
    from curate import workspace as ws

    workspace = ws.activate(tempfile.mkdtemp(prefix="image-check-"))
    import curate.build
    from curate.pipeline import BuildPlan, run_build

    checked = curate.build.image_problems
    seconds = {}
    for number, run in enumerate(("without the check", "with the check", "without the check ", "with the check ")):
        curate.build.image_problems = checked if run.startswith("with ") else (lambda paths, workers=4: [])
        start = time.perf_counter()
        reports = run_build(BuildPlan(**sources), dataset_name=f"image-check-{number}", workspace=workspace,
                            quiet=True)
        seconds.setdefault(run.strip(), []).append(time.perf_counter() - start)
    images = sum(r.added for r in reports)
    plain, decoded = min(seconds["without the check"]), min(seconds["with the check"])
    print(f"{images} images from {', '.join(sources)}")
    print(f"build without decoding  {plain:.2f} s")
    print(f"build with decoding     {decoded:.2f} s   overhead {100 * (decoded / plain - 1):+.1f} %   target <= +10 %")


if __name__ == "__main__":
    main()
