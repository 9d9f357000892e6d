"""Camera and folder images in the forms real sources have: RGB, RGBA, palette, 16-bit, large frames.

Each is built, scored and exported; everything downstream of the build sees
grayscale uint8, and the export holds 48×48 faces whose pixels follow the
image (not a blank or a wrong channel).
"""

import numpy as np
from PIL import Image

from curate.export import export_dataset
from curate.pipeline import BuildPlan, run_build
from curate.score_pass import load_gray, score_dataset
from train.export_files import read_manifest, read_shard


def gradient(width, height):
    """uint8 (height, width): left dark, right bright."""
    return np.tile(np.linspace(20, 235, width, dtype=np.float64), (height, 1)).astype(np.uint8)


VARIANTS = {
    "rgb-frame.jpg": lambda: Image.fromarray(np.stack([gradient(1280, 720)] * 3, axis=-1), "RGB"),
    "rgba.png": lambda: Image.fromarray(np.dstack([np.stack([gradient(96, 96)] * 3, -1),
                                                   np.full((96, 96), 255, np.uint8)]), "RGBA"),
    "palette.png": lambda: Image.fromarray(gradient(64, 64)).convert("P"),
    "gray16.png": lambda: Image.fromarray(gradient(64, 64).astype(np.uint16) * 257),
    "gray-alpha.png": lambda: Image.fromarray(gradient(48, 48)).convert("LA"),
    "huge-frame.jpg": lambda: Image.fromarray(np.stack([gradient(4000, 3000)] * 3, axis=-1), "RGB"),
}


def test_colour_alpha_palette_16_bit_and_large_frames_load_as_gray(tmp_path, workspace, dataset_name):
    folder = tmp_path / "captures" / "s1" / "happy"
    folder.mkdir(parents=True)
    for name, make in VARIANTS.items():
        make().save(folder / name)
    reports = run_build(BuildPlan(captures=str(tmp_path / "captures")), dataset_name=dataset_name,
                        workspace=workspace, quiet=True)
    assert sum(r.added for r in reports) == len(VARIANTS)  # none refused by the build's image check
    score_dataset(dataset_name, quiet=True)
    for name in VARIANTS:
        gray = load_gray(str(folder / name))
        assert gray.dtype == np.uint8 and gray.ndim == 2
        assert gray[:, :4].mean() < 60 < 200 < gray[:, -4:].mean(), name  # the gradient survives, one channel

    out = tmp_path / "export"
    export_dataset(dataset_name, str(out), view_name="all", quiet=True)
    manifest = read_manifest(str(out))
    faces = np.concatenate([read_shard(str(out / f))["x"] for files in manifest["shards"].values() for f in files])
    assert faces.shape == (len(VARIANTS), 48, 48) and faces.dtype == np.uint8
    assert (faces[:, :, -6:].mean(axis=(1, 2)) > faces[:, :, :6].mean(axis=(1, 2)) + 50).all()
