import os

import numpy as np
import pytest
from PIL import Image

from datasets.affectnet import CROP_MAX, HEADER, LISTS, IMAGES, AffectNet, AffectNetCropped, affectnet_adapter
from datasets.records import SourceError
from labels.taxonomy import VOTE_COLUMNS


def write_photo(path, width=300, height=200):
    """A colour photo whose pixel (x, y) is (x % 256, y % 256, 7) in RGB, so a crop's origin can be read back."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    xs, ys = np.meshgrid(np.arange(width), np.arange(height))
    rgb = np.stack([xs % 256, ys % 256, np.full_like(xs, 7)], axis=-1).astype(np.uint8)
    Image.fromarray(rgb).save(path, format="PNG")  # PNG bytes under a .jpg name: lossless, and cv2 reads by content


def write_lists(root, rows, file="training.csv", header=HEADER, photos=True):
    os.makedirs(os.path.join(root, LISTS), exist_ok=True)
    with open(os.path.join(root, LISTS, file), "w", newline="") as f:
        f.write(",".join(header) + "\r\n")
        for row in rows:
            f.write(",".join(str(c) for c in row) + "\r\n")
            if photos:
                write_photo(os.path.join(root, IMAGES, row[0]))
    os.makedirs(os.path.join(root, IMAGES), exist_ok=True)


LANDMARKS = ";".join(["10.5"] * 136)


def test_original_release_crops_the_boxes_and_maps_every_code(tmp_path):
    write_lists(tmp_path, [
        ["689/aaa.jpg", 10, 20, 50, 40, LANDMARKS, 1, 0.785714, -0.055556],
        ["689/bbb.jpg", 250, 150, 100, 100, LANDMARKS, 7, -0.2, 0.3],   # box runs off the image: clipped
        ["12/ccc.jpg", 0, 0, 300, 200, LANDMARKS, 10, -2, -2],          # Non-Face
        ["12/ddd.jpg", 5, 5, 20, 20, LANDMARKS, 8, -2, -2],             # None
    ])
    write_lists(tmp_path, [["3/eee.jpg", 1, 1, 30, 30, LANDMARKS, 0, 0, 0]], file="validation.csv")
    records = list(affectnet_adapter(tmp_path))
    assert [(r.source_id, r.split, r.label, r.raw_label) for r in records] == [
        ("689/aaa", "train", "happiness", "1"), ("689/bbb", "train", "contempt", "7"),
        ("12/ccc", "train", None, "10"), ("12/ddd", "train", None, "8"), ("3/eee", "test", "neutral", "0"),
    ]
    first = records[0]
    assert first.pixels.shape == (40, 50, 3) and first.filepath is None
    blue, green, red = first.pixels[0, 0]  # OpenCV order
    assert (red, green, blue) == (10, 20, 7) and tuple(first.pixels[-1, -1][::-1]) == (59, 59, 7)
    assert records[1].pixels.shape == (50, 50, 3)
    assert (first.valence, first.arousal) == (0.785714, -0.055556) and records[2].valence is None
    assert first.votes is None and records[0].source == "affectnet"
    assert records[2].votes[VOTE_COLUMNS.index("NF")] == 1 and sum(records[2].votes) == 1
    assert records[3].votes[VOTE_COLUMNS.index("unknown")] == 1
    whole = records[2].pixels  # the whole 300x200 photo, shrunk to CROP_MAX (224) on its long side
    assert whole.shape == (round(200 * CROP_MAX / 300), CROP_MAX, 3)


def test_a_large_crop_is_shrunk(tmp_path):
    write_lists(tmp_path, [["1/big.jpg", 0, 0, 480, 400, LANDMARKS, 3, 0.1, 0.2]], photos=False)
    write_photo(tmp_path / IMAGES / "1" / "big.jpg", width=500, height=420)
    (record,) = AffectNet(tmp_path)
    assert record.pixels.shape == (round(400 * CROP_MAX / 480), CROP_MAX, 3) and record.label == "surprise"


@pytest.mark.parametrize("row, message", [
    (["1/a.jpg", 0, 0, 10, 10, LANDMARKS, 11, 0, 0], r"line 2: expression '11' is not one of 0-10"),
    (["1/a.jpg", 0, 0, 10, 10, LANDMARKS, "happy", 0, 0], "expression 'happy'"),
    (["1/a.jpg", 0, 0, 0, 10, LANDMARKS, 1, 0, 0], r"line 2: face box \(0, 0, 0, 10\) has no area"),
    (["1/a.jpg", "x", 0, 10, 10, LANDMARKS, 1, 0, 0], "face box 'x,0,10,10' is not four numbers"),
    (["1/a.jpg", 900, 900, 10, 10, LANDMARKS, 1, 0, 0], "lies outside the 300x200 image"),
    (["1/a.jpg", 0, 0, 10, 10, LANDMARKS, 1, 1.5, 0], r"valence 1.5 is outside \[-1, 1\]"),
    (["1/a.jpg", 0, 0, 10, 10, LANDMARKS, 1, 0, "n/a"], "arousal 'n/a' is not a number"),
    (["../a.jpg", 0, 0, 10, 10, LANDMARKS, 1, 0, 0], "bad image path '../a.jpg'"),
    (["1/a.jpg", 0, 0, 10, 10, 1, 0, 0], "expected 9 columns, found 8"),
])
def test_bad_rows_name_the_file_and_line(tmp_path, row, message):
    write_lists(tmp_path, [row], photos=False)
    write_photo(tmp_path / IMAGES / "1" / "a.jpg")
    with pytest.raises(SourceError, match=message) as err:
        list(AffectNet(tmp_path))
    assert "training.csv" in str(err.value)


def test_missing_and_broken_images_and_layout_errors(tmp_path):
    write_lists(tmp_path, [["1/gone.jpg", 0, 0, 10, 10, LANDMARKS, 1, 0, 0]], photos=False)
    with pytest.raises(SourceError, match=r"line 2: image .*gone.jpg not found"):
        list(AffectNet(tmp_path))
    (tmp_path / IMAGES / "1").mkdir()
    (tmp_path / IMAGES / "1" / "gone.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(SourceError, match="gone.jpg does not decode"):
        list(AffectNet(tmp_path))
    write_lists(tmp_path, [], header=("path", "x"), photos=False)
    with pytest.raises(SourceError, match="line 1: expected the header subDirectory_filePath"):
        list(AffectNet(tmp_path))
    empty = tmp_path / "empty"
    (empty / LISTS).mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="neither training.csv nor validation.csv"):
        AffectNet(empty)


def write_cropped(root, folder, stem, exp, val="0.25", aro="-0.5", dtype=str):
    images, notes = os.path.join(root, folder, "images"), os.path.join(root, folder, "annotations")
    os.makedirs(notes, exist_ok=True)
    write_photo(os.path.join(images, f"{stem}.jpg"), 224, 224)
    for kind, value in (("exp", exp), ("val", val), ("aro", aro), ("lnd", None)):
        if value is not None:
            np.save(os.path.join(notes, f"{stem}_{kind}.npy"), np.array(dtype(value)))
    np.save(os.path.join(notes, f"{stem}_lnd.npy"), np.zeros(136))


def test_cropped_release_reads_npy_annotations(tmp_path):
    write_cropped(tmp_path, "train_set", "0", "1")
    write_cropped(tmp_path, "train_set", "1", 6, 0.5, 0.5, dtype=float)
    write_cropped(tmp_path, "val_set", "7", "9", "-2", "-2")
    adapter = affectnet_adapter(tmp_path)
    assert isinstance(adapter, AffectNetCropped)
    records = list(adapter)
    assert [(r.source_id, r.split, r.label, r.valence, r.arousal) for r in records] == [
        ("0", "train", "happiness", 0.25, -0.5), ("1", "train", "anger", 0.5, 0.5), ("7", "test", None, None, None)]
    assert records[1].raw_label == "6.0" or records[1].raw_label == "6"
    assert records[0].filepath.endswith(os.path.join("train_set", "images", "0.jpg")) and records[0].pixels is None
    assert records[2].votes[VOTE_COLUMNS.index("unknown")] == 1


def test_cropped_release_errors_name_the_annotation(tmp_path):
    write_cropped(tmp_path, "train_set", "0", "1")
    os.remove(tmp_path / "train_set" / "annotations" / "0_aro.npy")
    with pytest.raises(SourceError, match=r"0_aro.npy: arousal annotation not found"):
        list(AffectNetCropped(tmp_path))
    np.save(tmp_path / "train_set" / "annotations" / "0_aro.npy", np.zeros(3))
    with pytest.raises(SourceError, match="0_aro.npy: arousal annotation holds 3 values"):
        list(AffectNetCropped(tmp_path))
    (tmp_path / "train_set" / "annotations" / "0_exp.npy").write_bytes(b"garbage")
    with pytest.raises(SourceError, match="0_exp.npy: not a readable .npy file"):
        list(AffectNetCropped(tmp_path))
