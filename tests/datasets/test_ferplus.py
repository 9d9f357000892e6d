import os

import numpy as np
import pytest

from conftest import real_data
from datasets.fer2013 import FER2013CSV
from datasets.ferplus import FERPlusFolders, pair_votes, read_split_labels, read_vote_table, unpaired_rows
from datasets.records import SourceError
from fixtures import save_image, write_fer_csv, write_vote_table

HAPPY = [0, 9, 0, 0, 0, 0, 0, 0, 1, 0]
SPLIT = [4, 0, 0, 0, 4, 0, 0, 0, 2, 0]  # no majority
NOT_FACE = [0] * 9 + [10]


def test_vote_table_arrays(tmp_path):
    path = write_vote_table(tmp_path / "fer2013new.csv", [
        ("Training", "fer0000000.png", HAPPY), ("Training", "", NOT_FACE), ("PublicTest", "fer0000002.png", SPLIT),
    ])
    table = read_vote_table(path)
    assert len(table) == 3
    assert table.usage.tolist() == ["Training", "Training", "PublicTest"]
    assert table.names.tolist() == ["fer0000000.png", "", "fer0000002.png"]
    assert table.votes.dtype == np.int64 and table.votes[0].tolist() == HAPPY


@pytest.mark.parametrize("row, message", [
    (("Training", "x.png", [0, 9, 0, 0, 0, 0, 0, 0, -1, 0]), "line 3: unknown vote count -1 is negative"),
    (("Training", "x.png", [0, "nine", 0, 0, 0, 0, 0, 0, 1, 0]), "line 3: happiness vote count 'nine' is not an integer"),
    (("Testing", "x.png", HAPPY), "line 3: unknown Usage 'Testing'"),
    (("Training", "x.png", HAPPY[:9]), "line 3: expected 12 columns, found 11"),
])
def test_vote_table_bad_rows(tmp_path, row, message):
    path = write_vote_table(tmp_path / "fer2013new.csv", [("Training", "a.png", HAPPY), row])
    with pytest.raises(SourceError, match=message):
        read_vote_table(path)


def test_vote_table_bad_header_and_empty(tmp_path):
    (tmp_path / "h.csv").write_text("Usage,name,a,b\n")
    with pytest.raises(SourceError, match="line 1: expected header Usage,Image name,neutral"):
        read_vote_table(tmp_path / "h.csv")
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(SourceError, match="FERPlus vote table is empty"):
        read_vote_table(tmp_path / "e.csv")


def test_pair_votes_by_position_and_majority_label(tmp_path):
    csv_path = write_fer_csv(tmp_path / "fer2013.csv", [(0, "Training"), (3, "Training"), (6, "PublicTest")])
    table = read_vote_table(write_vote_table(tmp_path / "v.csv", [
        ("Training", "fer0000000.png", HAPPY), ("Training", "", NOT_FACE),
        ("PublicTest", "fer0000001.png", SPLIT), ("PrivateTest", "fer0000002.png", HAPPY),
    ]))
    records = list(pair_votes(FER2013CSV(csv_path), table))
    assert [r.label for r in records] == ["happiness", None, None]
    assert [r.raw_label for r in records] == ["0", "3", "6"]  # FER2013 labels kept
    assert records[0].votes == tuple(HAPPY)
    assert unpaired_rows(table, len(records)) == {"PrivateTest": 1}
    assert unpaired_rows(table, 4) == {}


def test_pair_votes_usage_mismatch_names_the_line(tmp_path):
    csv_path = write_fer_csv(tmp_path / "fer2013.csv", [(0, "Training"), (3, "PublicTest")])
    table = read_vote_table(write_vote_table(tmp_path / "v.csv", [
        ("Training", "a.png", HAPPY), ("Training", "b.png", HAPPY),
    ]))
    with pytest.raises(SourceError, match=r"v.csv, line 3: Usage 'Training' does not match the FER2013 CSV's 'PublicTest'"):
        list(pair_votes(FER2013CSV(csv_path), table))


def test_pair_votes_table_shorter_than_csv(tmp_path):
    csv_path = write_fer_csv(tmp_path / "fer2013.csv", [(0, "Training"), (3, "Training")])
    table = read_vote_table(write_vote_table(tmp_path / "v.csv", [("Training", "a.png", HAPPY)]))
    with pytest.raises(SourceError, match="has 1 rows but the FER2013 CSV has more"):
        list(pair_votes(FER2013CSV(csv_path), table))


def _write_split(root, folder, rows, images=True):
    os.makedirs(root / folder, exist_ok=True)
    with open(root / folder / "label.csv", "w") as f:
        for name, votes in rows:
            f.write(f'{name},"(0, 0, 48, 48)",{",".join(map(str, votes))}\n')
            if images:
                save_image(root / folder / name)


def test_split_label_files_and_png_layout(tmp_path):
    _write_split(tmp_path, "FER2013Train", [("fer0000000.png", HAPPY), ("fer0000001.png", SPLIT)])
    _write_split(tmp_path, "FER2013Valid", [("fer0000005.png", HAPPY)])
    names, votes = read_split_labels(tmp_path / "FER2013Train" / "label.csv")
    assert names == ["fer0000000.png", "fer0000001.png"] and votes.shape == (2, 10)
    records = list(FERPlusFolders(tmp_path))
    assert [(r.source_id, r.split, r.label) for r in records] == [
        ("FER2013Train/fer0000000.png", "train", "happiness"),
        ("FER2013Train/fer0000001.png", "train", None),
        ("FER2013Valid/fer0000005.png", "val", "happiness"),
    ]


def test_png_layout_missing_image(tmp_path):
    _write_split(tmp_path, "FER2013Test", [("fer0000009.png", HAPPY)], images=False)
    with pytest.raises(SourceError, match=r"FER2013Test/label.csv, line 1: image fer0000009.png not found"):
        list(FERPlusFolders(tmp_path))


def test_split_label_file_bad_row(tmp_path):
    os.makedirs(tmp_path / "FER2013Train")
    (tmp_path / "FER2013Train" / "label.csv").write_text('a.png,"(0, 0, 48, 48)",1,2,3\n')
    with pytest.raises(SourceError, match="line 1: expected name, box and 10 votes"):
        read_split_labels(tmp_path / "FER2013Train" / "label.csv")


@pytest.mark.realdata
def test_real_vote_table_facts():
    table = read_vote_table(real_data("ferplus", "fer2013new.csv"))
    assert len(table) == 35887
    assert (table.names == "").sum() == 173
    assert sorted(np.unique(table.votes.sum(axis=1), return_counts=True)[1].tolist()) == [1, 35886]
    names, counts = np.unique(table.names[table.names != ""], return_counts=True)
    assert (counts == 2).sum() == 4


@pytest.mark.realdata
def test_real_old_split_files_parse():
    names, votes = read_split_labels(real_data("ferplus", "FER2013Valid", "label.csv"))
    assert len(names) == 3579 and votes.shape == (3579, 10)
