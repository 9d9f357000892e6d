import pytest

from conftest import real_data
from datasets.rafdb import RAFDB
from datasets.records import SourceError
from fixtures import save_image, write_rafdb

LINES = ["train_00001.jpg 5", "train_00002.jpg 4", "test_0001.jpg 7"]


@pytest.mark.parametrize("crlf", [True, False])
def test_reads_list_crlf_safe(tmp_path, crlf):
    root = write_rafdb(tmp_path / "rafdb", LINES, crlf=crlf)
    records = list(RAFDB(root))
    assert [(r.source_id, r.split, r.label, r.raw_label) for r in records] == [
        ("train_00001", "train", "sadness", "5"),
        ("train_00002", "train", "happiness", "4"),
        ("test_0001", "test", "neutral", "7"),
    ]
    assert records[0].filepath.endswith("Image/aligned/train_00001_aligned.jpg")


def test_original_images(tmp_path):
    root = write_rafdb(tmp_path / "rafdb", LINES[:1], images=False)
    save_image(tmp_path / "rafdb" / "Image" / "original" / "train_00001.jpg")
    (record,) = RAFDB(root, image_kind="original")
    assert record.filepath.endswith("Image/original/train_00001.jpg")
    with pytest.raises(ValueError, match="image_kind must be one of aligned, original"):
        RAFDB(root, image_kind="cropped")


def test_name_without_image(tmp_path):
    root = write_rafdb(tmp_path / "rafdb", LINES, images=False)
    with pytest.raises(SourceError, match=r"list_patition_label.txt, line 1: image for train_00001.jpg not found"):
        list(RAFDB(root))


@pytest.mark.parametrize("line, message", [
    ("train_00003.jpg 8", "line 2: unknown label '8' for train_00003.jpg"),
    ("train_3.jpg 1", "line 2: expected '<train_NNNNN|test_NNNN>.jpg <1-7>'"),
    ("train_00003.jpg", "line 2: expected"),
])
def test_bad_lines(tmp_path, line, message):
    root = write_rafdb(tmp_path / "rafdb", [LINES[0], line])
    with pytest.raises(SourceError, match=message):
        list(RAFDB(root))


def test_missing_and_empty_list(tmp_path):
    with pytest.raises(FileNotFoundError, match="RAF-DB list file not found"):
        RAFDB(tmp_path)
    write_rafdb(tmp_path / "r", [])
    with pytest.raises(SourceError, match="RAF-DB list file is empty"):
        RAFDB(tmp_path / "r")


@pytest.mark.realdata
def test_real_list_with_stand_in_images(tmp_path):
    lines = real_data("rafdb", "EmoLabel", "list_patition_label.txt").read_bytes().decode().splitlines()
    assert len(lines) == 15339
    root = write_rafdb(tmp_path / "rafdb", lines, images=False)
    for line in lines:  # stand-in images: the real ones are not given to us
        save_image(tmp_path / "rafdb" / "Image" / "aligned" / f"{line.split()[0][:-4]}_aligned.jpg", size=4)
    records = list(RAFDB(root))
    train = [r for r in records if r.split == "train"]
    test = [r for r in records if r.split == "test"]
    assert (len(train), len(test)) == (12271, 3068)
    count = lambda rs, code: sum(r.raw_label == str(code) for r in rs)  # noqa: E731
    assert [count(train, c) for c in range(1, 8)] == [1290, 281, 717, 4772, 1982, 705, 2524]
    assert [count(test, c) for c in range(1, 8)] == [329, 74, 160, 1185, 478, 162, 680]
