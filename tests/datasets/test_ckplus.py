import os
from collections import Counter

import pytest

from conftest import real_data
from datasets.ckplus import CKPlus, CKPlus48, is_original_layout, read_emotion_file
from datasets.records import SourceError
from fixtures import save_image, write_ckplus_sequence


def test_peak_and_first_frames(tmp_path):
    write_ckplus_sequence(tmp_path, "S005", "001", frames=4, emotion="3.0000000e+00")
    write_ckplus_sequence(tmp_path, "S005", "002", frames=3, emotion=None)  # unlabelled
    write_ckplus_sequence(tmp_path, "S010", "004", frames=5, emotion="7.0000000e+00")
    assert is_original_layout(tmp_path)
    records = list(CKPlus(tmp_path))
    assert [(r.source_id, r.label, r.subject) for r in records] == [
        ("S005_001_00000001", "neutral", "S005"),
        ("S005_001_00000004", "disgust", "S005"),
        ("S010_004_00000001", "neutral", "S010"),
        ("S010_004_00000005", "surprise", "S010"),
    ]
    assert records[1].raw_label == "3" and records[0].raw_label == "first-frame"
    # one subject, one split
    by_subject = {}
    for r in records:
        by_subject.setdefault(r.subject, set()).add(r.split)
    assert all(len(s) == 1 for s in by_subject.values())


@pytest.mark.parametrize("text, message", [
    ("happy", "emotion 'happy' is not a number"),
    ("  8.0000000e+00", r"emotion code '8.0000000e\+00' is not one of 0-7"),
    ("  2.5", "is not one of 0-7"),
    ("", "emotion file is empty"),
])
def test_bad_emotion_files(tmp_path, text, message):
    write_ckplus_sequence(tmp_path, "S005", "001", emotion=None)
    path = tmp_path / "Emotion" / "S005" / "001" / "S005_001_00000004_emotion.txt"
    path.write_text(text)
    with pytest.raises(SourceError, match=message):
        list(CKPlus(tmp_path))
    assert read_emotion_file.__doc__


def test_peak_frame_missing(tmp_path):
    write_ckplus_sequence(tmp_path, "S005", "001", frames=3, emotion=None)
    emo = tmp_path / "Emotion" / "S005" / "001" / "S005_001_00000009_emotion.txt"
    emo.write_text("   1.0000000e+00\n")
    with pytest.raises(SourceError, match="peak frame .*S005_001_00000009.png not found"):
        list(CKPlus(tmp_path))


def test_missing_emotion_tree(tmp_path):
    os.makedirs(tmp_path / "cohn-kanade-images")
    with pytest.raises(FileNotFoundError, match="CK\\+ Emotion/ tree not found"):
        CKPlus(tmp_path)


def test_ckplus48(tmp_path):
    save_image(tmp_path / "happy" / "S010_004_00000017.png")
    save_image(tmp_path / "contempt" / "S011_002_00000009.png")
    assert not is_original_layout(tmp_path)
    records = {r.source_id: r for r in CKPlus48(tmp_path)}
    assert records["S010_004_00000017"].label == "happiness"
    assert records["S011_002_00000009"].subject == "S011"
    save_image(tmp_path / "happy" / "face.png")
    with pytest.raises(SourceError, match="file name is not S###_###_########.png"):
        list(CKPlus48(tmp_path))


@pytest.mark.realdata
def test_real_ckplus48_facts():
    records = list(CKPlus48(real_data("ckplus48", "CK+48")))
    assert len(records) == 981
    assert len({r.subject for r in records}) == 118
    assert "neutral" not in Counter(r.label for r in records)
    splits = {}
    for r in records:
        splits.setdefault(r.subject, set()).add(r.split)
    assert all(len(s) == 1 for s in splits.values()), "a subject spans two splits"
