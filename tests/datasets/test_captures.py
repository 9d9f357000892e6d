import pytest

from datasets.captures import Captures
from datasets.records import SourceError
from fixtures import save_image


def test_labelled_and_unlabelled(tmp_path):
    save_image(tmp_path / "s1" / "happy" / "00001.png")
    save_image(tmp_path / "s1" / "unlabeled" / "00002.pgm")
    save_image(tmp_path / "s2" / "neutral" / "00001.jpg")
    records = {r.source_id: r for r in Captures(tmp_path)}
    assert records["s1/00001.png"].label == "happiness"
    assert records["s1/00002.pgm"].label is None and records["s1/00002.pgm"].raw_label == "unlabeled"
    assert records["s2/00001.jpg"].label == "neutral"
    assert records["s1/00001.png"].split == records["s1/00002.pgm"].split  # one session, one split


def test_unknown_label_folder_and_empty_root(tmp_path):
    save_image(tmp_path / "s1" / "bored" / "1.png")
    with pytest.raises(SourceError, match="unknown label folder 'bored'"):
        list(Captures(tmp_path))
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no session folders"):
        list(Captures(tmp_path / "empty"))
