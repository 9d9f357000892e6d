"""FERPlus crowd votes (microsoft/FERPlus, MIT): the table, old files, PNG layout.

Vote table ``fer2013new.csv`` — 35,887 rows in FER2013 row order; pair rows
with the FER2013 CSV **by position, never by name** (names skip numbers,
173 rows have no name, four names appear twice)::

    Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF
    Training,fer0000000.png,4,0,0,1,3,2,0,0,0,0

Old per-split files ``FER2013{Train,Valid,Test}/label.csv`` — no header, a
quoted face box, 10 votes; rows only for images FERPlus wrote::

    fer0000000.png,"(0, 0, 48, 48)",4,0,0,1,3,2,0,0,0,0

PNG layout written by FERPlus's ``generate_training_data.py``::

    FER2013Train/fer0000000.png ... FER2013Train/label.csv
    FER2013Valid/...  FER2013Test/...
"""

import dataclasses
import os

import numpy as np

from datasets.fer2013 import USAGE_SPLITS
from datasets.records import FaceRecord, SourceError, csv_rows, require_dir, require_file
from labels.taxonomy import CLASSES, NUM_VOTE_COLUMNS, VOTE_COLUMNS
from labels.votes import majority_index

TABLE_HEADER = ["Usage", "Image name", *VOTE_COLUMNS]
FOLDER_SPLITS = {"FER2013Train": "train", "FER2013Valid": "val", "FER2013Test": "test"}


@dataclasses.dataclass
class VoteTable:
    """A FERPlus vote table held as arrays (small: 35,887 x 10 ints).

    Attributes:
        path: the file read.
        usage: str array (N,) — FER2013 Usage of each row.
        names: str array (N,) — image names ('' where FERPlus wrote none).
        votes: int64 array (N, 10) in FERPlus column order.
    """

    path: str
    usage: np.ndarray
    names: np.ndarray
    votes: np.ndarray

    def __len__(self):
        return len(self.votes)


def read_vote_table(path):
    """Read and validate ``fer2013new.csv``; errors name the file and line."""
    path = require_file(path, "FERPlus vote table", "pass fer2013new.csv from microsoft/FERPlus")
    usage, names, votes = [], [], []
    rows = csv_rows(path)
    _, header = next(rows, (0, None))
    if header is None:
        raise SourceError(path, "file is empty")
    if header != TABLE_HEADER:
        raise SourceError(path, f"expected header {','.join(TABLE_HEADER)}, found {','.join(header)[:120]}", 1)
    for line, row in rows:
        if len(row) != len(TABLE_HEADER):
            raise SourceError(path, f"expected {len(TABLE_HEADER)} columns, found {len(row)}", line)
        if row[0] not in USAGE_SPLITS:
            raise SourceError(path, f"unknown Usage {row[0]!r}", line)
        usage.append(row[0])
        names.append(row[1])
        votes.append(_parse_votes(row[2:], path, line))
    if not votes:
        raise SourceError(path, "vote table has a header but no rows")
    return VoteTable(path, np.array(usage), np.array(names), np.array(votes, dtype=np.int64))


def read_split_labels(path):
    """Read an old per-split ``label.csv``: (names list, int64 votes (N, 10))."""
    path = require_file(path, "FERPlus label.csv")
    names, votes = [], []
    for line, row in csv_rows(path):
        if len(row) != 2 + NUM_VOTE_COLUMNS:
            raise SourceError(
                path, f"expected name, box and {NUM_VOTE_COLUMNS} votes ({2 + NUM_VOTE_COLUMNS} columns), found {len(row)}", line
            )
        names.append(row[0])
        votes.append(_parse_votes(row[2:], path, line))
    if not votes:
        raise SourceError(path, "file is empty")
    return names, np.array(votes, dtype=np.int64)


MAX_VOTES = 1_000_000  # FERPlus has 10 per face; a crowd of millions per face is a broken file


def _parse_votes(cells, path, line):
    counts = []
    for column, cell in zip(VOTE_COLUMNS, cells):
        try:
            value = int(cell)
        except ValueError:
            raise SourceError(path, f"{column} vote count {cell!r} is not an integer", line) from None
        if value < 0:
            raise SourceError(path, f"{column} vote count {value} is negative", line)
        if value > MAX_VOTES:
            raise SourceError(path, f"{column} vote count {cell[:20]} is implausible (more than {MAX_VOTES:,})", line)
        counts.append(value)
    return counts


def pair_votes(records, table):
    """Attach FERPlus votes to FER2013 CSV records, pairing rows by position.

    ``records`` must come from :class:`datasets.fer2013.FER2013CSV` in file
    order. Each record's Usage must equal the vote row's Usage; the first
    mismatch raises SourceError naming both files and the line. The label
    becomes the FERPlus majority class (None where the rule drops the row);
    the FER2013 label stays in ``raw_label``. Vote rows beyond the CSV are
    left for the caller to report (see :func:`unpaired_rows`).
    """
    majority = majority_index(table.votes)
    for record in records:
        index = int(record.source_id)
        if index >= len(table):
            raise SourceError(
                table.path,
                f"has {len(table)} rows but the FER2013 CSV has more (line {index + 2}): they do not pair",
            )
        if table.usage[index] != record.raw_split:
            raise SourceError(
                table.path,
                f"Usage {str(table.usage[index])!r} does not match the FER2013 CSV's {record.raw_split!r} "
                f"on the same row: the files do not pair by position",
                index + 2,
            )
        top = majority[index]
        yield dataclasses.replace(
            record,
            votes=tuple(int(v) for v in table.votes[index]),
            label=CLASSES[top] if top >= 0 else None,
        )


def unpaired_rows(table, paired_count):
    """Summarise vote rows past ``paired_count``: {Usage: count}, empty if none."""
    rest = table.usage[paired_count:]
    names, counts = np.unique(rest, return_counts=True)
    return {str(n): int(c) for n, c in zip(names, counts)}


class FERPlusFolders:
    """The FERPlus PNG layout: ``FER2013{Train,Valid,Test}/*.png`` + ``label.csv``.

    Labels are the FERPlus majority (None where the rule drops the image);
    every listed PNG must exist.
    """

    name = "ferplus-png"

    def __init__(self, root):
        self.root = require_dir(root, "FERPlus image folder", "expected FER2013Train/label.csv and PNGs")
        self.folders = [f for f in FOLDER_SPLITS if os.path.isdir(os.path.join(self.root, f))]
        if not self.folders:
            raise FileNotFoundError(f"{self.root}: no FER2013Train/, FER2013Valid/ or FER2013Test/ folder")

    def __iter__(self):
        for folder in self.folders:
            label_path = os.path.join(self.root, folder, "label.csv")
            names, votes = read_split_labels(label_path)
            majority = majority_index(votes)
            for line, (name, row, top) in enumerate(zip(names, votes, majority), start=1):
                image = os.path.join(self.root, folder, name)
                if not os.path.isfile(image):
                    raise SourceError(label_path, f"image {name} not found in {folder}/", line)
                yield FaceRecord(
                    source=self.name,
                    source_id=f"{folder}/{name}",
                    split=FOLDER_SPLITS[folder],
                    label=CLASSES[top] if top >= 0 else None,
                    raw_label=None,
                    filepath=image,
                    raw_split=folder,
                    votes=tuple(int(v) for v in row),
                )
