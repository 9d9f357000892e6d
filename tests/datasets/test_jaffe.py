import os

import numpy as np
import pytest
from PIL import Image

from datasets.jaffe import JAFFE
from datasets.records import SourceError

SUBJECTS = ("KA", "KL", "KM", "KR", "MK", "NA", "NM", "TM", "UY", "YM")
CODES = ("AN", "DI", "FE", "HA", "NE", "SA", "SU")


def write_jaffe(root, names, size=64):
    os.makedirs(root, exist_ok=True)
    for i, name in enumerate(names):
        Image.fromarray(np.full((size, size), 20 + i, dtype=np.uint8)).save(os.path.join(root, name))
    (root / "README").write_text("JAFFE\n")
    return root


def test_labels_and_subjects_come_from_the_names_and_a_subject_keeps_one_split(tmp_path):
    names = [f"{s}.{c}{n}.{10 * i + n}.tiff" for i, s in enumerate(SUBJECTS) for c in CODES for n in (1, 2)]
    write_jaffe(tmp_path / "jaffe", names)
    records = list(JAFFE(tmp_path))  # one level of subfolder is looked into
    assert len(records) == 140
    first = next(r for r in records if r.source_id == "KA.AN1.1")
    assert (first.label, first.raw_label, first.subject, first.filepath) == ("anger", "AN", "KA", None)
    assert first.pixels.shape == (64, 64) and first.pixels.dtype == np.uint8  # TIFF → PNG in the media folder
    assert {r.label for r in records} == {"anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise"}
    splits = {}
    for r in records:
        splits.setdefault(r.subject, set()).add(r.split)
    assert all(len(s) == 1 for s in splits.values()) and len({next(iter(s)) for s in splits.values()}) > 1


def test_png_repackaging_is_used_in_place(tmp_path):
    write_jaffe(tmp_path, ["YM.SU3.60.png"])
    (record,) = JAFFE(tmp_path)
    assert record.filepath == str(tmp_path / "YM.SU3.60.png") and record.pixels is None and record.label == "surprise"


@pytest.mark.parametrize("name, message", [
    ("KA.XX1.39.tiff", "unknown expression code 'XX'"),
    ("face_01.tiff", r"file name is not <subject>.<expression><n>.<number>.tiff"),
])
def test_bad_names_are_one_line_errors_naming_the_file(tmp_path, name, message):
    write_jaffe(tmp_path, ["KA.AN1.39.tiff", name])
    with pytest.raises(SourceError, match=message) as err:
        list(JAFFE(tmp_path))
    assert name in str(err.value)


def test_a_broken_tiff_and_an_empty_folder(tmp_path):
    (tmp_path / "KA.AN1.39.tiff").write_bytes(b"II*\x00broken")
    with pytest.raises(SourceError, match="KA.AN1.39.tiff: image does not decode"):
        list(JAFFE(tmp_path))
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no JAFFE images"):
        list(JAFFE(tmp_path / "empty"))
