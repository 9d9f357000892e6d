import gzip
import os
import shutil
import tarfile

import numpy as np
import pytest

from conftest import real_data
from datasets.fer2013 import FER2013CSV, FER2013Folders
from datasets.records import SourceError
from fixtures import pixels_text, save_image, write_fer_csv

ROWS = [(0, "Training"), (3, "Training"), (6, "PublicTest"), (5, "PrivateTest")]


def test_reads_rows_in_order_with_canonical_labels(tmp_path):
    path = write_fer_csv(tmp_path / "fer2013.csv", ROWS)
    records = list(FER2013CSV(path))
    assert [r.source_id for r in records] == ["00000", "00001", "00002", "00003"]
    assert [r.label for r in records] == ["anger", "happiness", "neutral", "surprise"]
    assert [r.split for r in records] == ["train", "train", "val", "test"]
    assert [r.raw_split for r in records] == ["Training", "Training", "PublicTest", "PrivateTest"]
    assert records[1].raw_label == "3"
    expected = np.array(pixels_text(1).split(), dtype=np.uint8).reshape(48, 48)
    np.testing.assert_array_equal(records[1].pixels, expected)


def test_gzip_and_kaggle_tarball_stream_the_same_rows(tmp_path):
    path = write_fer_csv(tmp_path / "fer2013.csv", ROWS)
    with open(path, "rb") as src, gzip.open(tmp_path / "fer2013.csv.gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    with tarfile.open(tmp_path / "fer2013.tar.gz", "w:gz") as tar:
        tar.add(path, arcname="fer2013/fer2013.csv")
    plain = [r.source_id for r in FER2013CSV(path)]
    assert [r.source_id for r in FER2013CSV(tmp_path / "fer2013.csv.gz")] == plain
    assert [r.label for r in FER2013CSV(tmp_path / "fer2013.tar.gz")] == [r.label for r in FER2013CSV(path)]


def test_tarball_without_csv(tmp_path):
    (tmp_path / "README").write_text("x")
    with tarfile.open(tmp_path / "fer2013.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "README", arcname="fer2013/README")
    with pytest.raises(SourceError, match="archive holds no file named \\*fer2013.csv"):
        list(FER2013CSV(tmp_path / "fer2013.tar.gz"))


@pytest.mark.parametrize("rows, message", [
    ([(0, pixels_text(0) + " 7", "Training")], "line 2: expected 2304 pixel values, found 2305"),
    ([(0, "1 2 3", "Training")], "line 2: expected 2304 pixel values, found 3"),
    ([(0, pixels_text(0).replace("", "", 1) + "", "Training"), (1, pixels_text(value=256), "Training")],
     "line 3: pixel value 256 outside 0-255"),
    ([(0, "12 x 5", "Training")], "line 2: pixel value 'x' is not an integer"),
    ([(9, "Training")], "line 2: unknown emotion code '9' \\(expected 0-6\\)"),
    ([(0, "Training"), ("happy", "Training")], "line 3: unknown emotion code 'happy'"),
    ([(0, "Validation")], "line 2: unknown Usage 'Validation'"),
])
def test_bad_rows_name_file_and_line(tmp_path, rows, message):
    path = write_fer_csv(tmp_path / "fer2013.csv", rows)
    with pytest.raises(SourceError, match=message) as err:
        list(FER2013CSV(path))
    assert "fer2013.csv" in str(err.value)


def test_wrong_header_and_empty_file(tmp_path):
    path = write_fer_csv(tmp_path / "a.csv", ROWS, header=("label", "pixels", "Usage"))
    with pytest.raises(SourceError, match="line 1: expected header emotion,pixels,Usage"):
        list(FER2013CSV(path))
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(SourceError, match="empty.csv: FER2013 CSV is empty"):
        FER2013CSV(tmp_path / "empty.csv")
    with pytest.raises(FileNotFoundError, match="FER2013 CSV not found"):
        FER2013CSV(tmp_path / "missing.csv")


def test_stream_does_not_hold_the_file(tmp_path):
    path = write_fer_csv(tmp_path / "fer2013.csv", [(0, "Training")] * 50)
    it = iter(FER2013CSV(path))
    first = next(it)
    assert first.source_id == "00000"  # a generator: rows parsed on demand


def test_image_folders(tmp_path):
    save_image(tmp_path / "train" / "happy" / "Training_123.jpg")
    save_image(tmp_path / "test" / "angry" / "PublicTest_9.jpg")
    save_image(tmp_path / "test" / "sad" / "PrivateTest_4.jpg")
    save_image(tmp_path / "test" / "sad" / "other.jpg")
    records = {r.source_id: r for r in FER2013Folders(tmp_path)}
    assert records["train/happy/Training_123.jpg"].label == "happiness"
    assert records["test/angry/PublicTest_9.jpg"].split == "val"
    assert records["test/sad/PrivateTest_4.jpg"].split == "test"
    assert records["test/sad/other.jpg"].split == "test"
    assert all(os.path.isfile(r.filepath) for r in records.values())


def test_image_folders_unknown_class(tmp_path):
    save_image(tmp_path / "train" / "bored" / "Training_1.jpg")
    with pytest.raises(SourceError, match="unknown class folder 'bored'"):
        list(FER2013Folders(tmp_path))
    with pytest.raises(FileNotFoundError, match="no train/ or test/ folder"):
        FER2013Folders(tmp_path / "train")


@pytest.mark.realdata
def test_real_head_rows_match_the_full_csv():
    head = list(FER2013CSV(real_data("fer2013", "fer2013_head1167.csv.gz")))
    full = [r for _, r in zip(range(len(head)), FER2013CSV(real_data("fer2013", "fer2013.csv.gz")))]
    assert len(head) == 1167 and head[0].label == "anger" and head[0].pixels[0, 0] == 70
    for a, b in zip(head, full):
        assert a.raw_label == b.raw_label and (a.pixels == b.pixels).all()


@pytest.mark.realdata
def test_real_image_folders():
    records = list(FER2013Folders(real_data("fer2013_images")))
    assert len(records) == 560
    assert {r.split for r in records} == {"train", "val"}
