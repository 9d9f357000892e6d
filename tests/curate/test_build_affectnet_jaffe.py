"""AffectNet and JAFFE through ``curate build`` and ``curate score`` on a real FiftyOne dataset."""

import os

import numpy as np
from click.testing import CliRunner
from PIL import Image

from curate.cli import cli
from datasets.affectnet import HEADER, IMAGES, LISTS


def write_affectnet(root):
    rng = np.random.default_rng(0)
    rows = [("1/a.jpg", 1, 0.5, 0.25), ("1/b.jpg", 6, -0.5, 0.75), ("2/c.jpg", 10, -2, -2), ("2/d.jpg", 9, -2, -2)]
    os.makedirs(root / LISTS)
    with open(root / LISTS / "training.csv", "w") as f:
        f.write(",".join(HEADER) + "\n")
        for path, expression, valence, arousal in rows:
            f.write(f"{path},20,10,60,60,1.0;2.0,{expression},{valence},{arousal}\n")
            os.makedirs(root / IMAGES / os.path.dirname(path), exist_ok=True)
            Image.fromarray(rng.integers(0, 256, (100, 120, 3), dtype=np.uint8)).save(root / IMAGES / path)
    return root


def write_jaffe(root):
    rng = np.random.default_rng(1)
    os.makedirs(root)
    for name in ("KA.HA1.29.tiff", "KL.SA2.31.tiff", "YM.NE1.49.tiff"):
        Image.fromarray(rng.integers(0, 256, (64, 64), dtype=np.uint8)).save(root / name)
    return root


def test_build_and_score_keep_affect_crops_and_tag_non_faces(workspace, tmp_path, dataset_name):
    import fiftyone as fo

    run = lambda *a: CliRunner().invoke(cli, [a[0], "--workspace", str(workspace.root), *a[1:]])  # noqa: E731
    args = ("build", "--affectnet", str(write_affectnet(tmp_path / "affectnet")),
            "--jaffe", str(write_jaffe(tmp_path / "jaffe")), "--dataset", dataset_name, "-q")
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "affectnet: 4 records — 4 added" in result.output and "jaffe: 3 records — 3 added" in result.output
    ds = fo.load_dataset(dataset_name)
    happy = ds.match({"source_id": "1/a"}).first()
    assert (happy.ground_truth.label, happy.valence, happy.arousal, happy.split) == ("happiness", 0.5, 0.25, "train")
    assert happy.filepath.endswith(os.path.join("affectnet", "train", "1", "a.png")) and os.path.isfile(happy.filepath)
    assert np.asarray(Image.open(happy.filepath)).shape == (60, 60, 3)  # the face box, in colour
    jaffe = ds.match({"source": "jaffe"}).first()
    assert jaffe.filepath.endswith(".png") and jaffe.subject in {"KA", "KL", "YM"}
    again = run(*args).output
    assert "4 unchanged" in again and "3 unchanged" in again and len(ds) == 7  # a rebuild changes nothing

    assert run("score", "--dataset", dataset_name, "-q").exit_code == 0
    ds.reload()
    non_face = ds.match({"source_id": "2/c"}).first()
    assert non_face.ground_truth is None and "not-face" in non_face.tags
    assert "not-face" not in ds.match({"source_id": "2/d"}).first().tags  # Uncertain: a face, no label
