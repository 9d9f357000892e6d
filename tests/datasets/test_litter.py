"""Known litter (.DS_Store, Thumbs.db, ._* resource forks, hidden and __MACOSX folders) is ignored by every folder source."""

import pytest

from datasets.captures import Captures
from datasets.ckplus import CKPlus, CKPlus48
from datasets.fer2013 import FER2013Folders
from datasets.records import is_litter
from fixtures import save_image, write_ckplus_sequence


def litter(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (folder / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    (folder / "._1.png").write_bytes(b"\x00\x05\x16\x07")  # a macOS resource fork, named like an image
    (folder / ".hidden").mkdir(exist_ok=True)
    (folder / "__MACOSX").mkdir(exist_ok=True)


def keys(adapter):
    return sorted(r.key for r in adapter)


def test_is_litter():
    assert all(is_litter(n) for n in (".DS_Store", "._face.png", "Thumbs.db", "__MACOSX", ".git", "desktop.ini"))
    assert not any(is_litter(n) for n in ("happy", "1.png", "S005_001_00000011.png"))


@pytest.mark.parametrize("make, adapter", [
    (lambda root: [save_image(root / "s1" / "happy" / "1.png"), save_image(root / "s1" / "unlabeled" / "2.png")],
     Captures),
    (lambda root: save_image(root / "happy" / "S005_001_00000011.png"), CKPlus48),
    (lambda root: save_image(root / "train" / "happy" / "Training_1.jpg"), FER2013Folders),
])
def test_folder_sources_read_the_same_records_with_litter_everywhere(tmp_path, make, adapter):
    clean, messy = tmp_path / "clean", tmp_path / "messy"
    make(clean)
    make(messy)
    for folder in [messy, *[p for p in messy.rglob("*") if p.is_dir() and not is_litter(p.name)]]:
        litter(folder)
    want = keys(adapter(str(clean)))
    assert want and keys(adapter(str(messy))) == [k.replace("clean", "messy") for k in want]


def test_ckplus_original_layout_with_litter(tmp_path):
    for root in (tmp_path / "clean", tmp_path / "messy"):
        write_ckplus_sequence(root, "S005", "001")
    for folder in [p for p in (tmp_path / "messy").rglob("*") if p.is_dir()] + [tmp_path / "messy"]:
        litter(folder)
    assert keys(CKPlus(str(tmp_path / "messy"))) == keys(CKPlus(str(tmp_path / "clean")))
