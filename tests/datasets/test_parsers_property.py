"""Property tests: any bytes fed to a parser either parse or raise SourceError (one line, file named).

Every source parser is fed arbitrary bytes and near-valid text (a right
header and rows whose cells are drawn from valid values, numbers of any
size, odd whitespace, quotes and control characters). Whatever comes in,
the parser returns records or raises :class:`datasets.records.SourceError`
whose message names the file and has no line break — never a bare
``UnicodeDecodeError``, ``OverflowError``, ``IndexError`` or numpy error.
"""

import gzip
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datasets.ckplus import read_emotion_file
from datasets.fer2013 import FER2013CSV
from datasets.ferplus import TABLE_HEADER, read_split_labels, read_vote_table
from datasets.rafdb import LIST_FILE, RAFDB
from datasets.records import SourceError

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

numbers = st.one_of(st.integers(-3, 300), st.integers(), st.floats(allow_nan=True, allow_infinity=True))
cells = st.one_of(numbers.map(str), st.text(max_size=12), st.sampled_from(["", " ", '"', "nan", "inf", "1e999",
                                                                              "\x00", "٣", "Training", "3.0"]))


def lines(row_cells):
    return st.lists(st.lists(row_cells, min_size=0, max_size=13).map(lambda r: ",".join(r)), max_size=5).map(
        "\n".join)


def pixel_strings():
    valid = " ".join(["7"] * 2304)
    return st.one_of(st.just(valid), st.lists(numbers.map(str), max_size=30).map(" ".join),
                     st.just(valid + " 1"), st.just(valid.replace("7", "300", 1)), st.text(max_size=30))


fer_rows = st.lists(st.tuples(cells, pixel_strings(), st.one_of(st.sampled_from(["Training", "PublicTest"]), cells)),
                    max_size=4).map(lambda rows: "\n".join(",".join(r) for r in rows))


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    return str(path)


def parses_or_refuses(parse, path):
    """Run ``parse``; return its result, or None after checking the SourceError is one line naming ``path``."""
    try:
        return parse()
    except SourceError as err:
        message = str(err)
        assert message.startswith(str(path)) and "\n" not in message, message
        return None


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
@SETTINGS
@given(data=st.one_of(st.binary(max_size=300), fer_rows.map(lambda t: "emotion,pixels,Usage\n" + t),
                      fer_rows.map(lambda t: "\ufeffemotion, Usage, pixels\r\n" + t)))
def test_fer2013_csv(tmp_path, suffix, data):
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    path = write(tmp_path, "fer2013" + suffix, gzip.compress(raw) if suffix == ".csv.gz" and data[:1] != b"\x00"
                 else raw)
    records = parses_or_refuses(lambda: list(FER2013CSV(path)), path)
    for record in records or []:
        assert record.pixels.shape == (48, 48) and record.label


@SETTINGS
@given(data=st.one_of(st.binary(max_size=300), lines(cells).map(lambda t: ",".join(TABLE_HEADER) + "\n" + t),
                      st.lists(st.tuples(st.sampled_from(["Training", "PublicTest", "x"]), cells,
                                         st.lists(numbers.map(str), min_size=10, max_size=10)), max_size=4)
                      .map(lambda rows: ",".join(TABLE_HEADER) + "\n"
                           + "\n".join(",".join([u, n, *v]) for u, n, v in rows))))
def test_ferplus_vote_table(tmp_path, data):
    path = write(tmp_path, "fer2013new.csv", data)
    table = parses_or_refuses(lambda: read_vote_table(path), path)
    if table is not None:
        assert table.votes.shape == (len(table), 10) and (table.votes >= 0).all()


@SETTINGS
@given(data=st.one_of(st.binary(max_size=300), lines(cells)))
def test_ferplus_split_labels(tmp_path, data):
    path = write(tmp_path, "label.csv", data)
    result = parses_or_refuses(lambda: read_split_labels(path), path)
    if result is not None:
        names, votes = result
        assert votes.shape == (len(names), 10)


rafdb_lines = st.lists(st.tuples(st.one_of(st.sampled_from(["train_00001.jpg", "test_0001.jpg"]), cells),
                                 st.one_of(numbers.map(str), cells)), max_size=4).map(
    lambda rows: "\r\n".join(" ".join(r) for r in rows))


@SETTINGS
@given(data=st.one_of(st.binary(max_size=300), rafdb_lines))
def test_rafdb_list(tmp_path, data):
    os.makedirs(tmp_path / "EmoLabel", exist_ok=True)
    os.makedirs(tmp_path / "Image" / "aligned", exist_ok=True)
    (tmp_path / "Image" / "aligned" / "train_00001_aligned.jpg").write_bytes(b"")
    path = write(tmp_path, LIST_FILE, data)
    records = parses_or_refuses(lambda: list(RAFDB(str(tmp_path))), path)
    for record in records or []:
        assert record.label and record.split in ("train", "test")


@SETTINGS
@given(data=st.one_of(st.binary(max_size=60), numbers.map(str), numbers.map(lambda x: f"   {x!r}\n"), cells))
def test_ckplus_emotion_file(tmp_path, data):
    path = write(tmp_path, "S005_001_00000011_emotion.txt", data)
    code = parses_or_refuses(lambda: read_emotion_file(path), path)
    assert code is None or 0 <= code <= 7


@pytest.mark.parametrize("cell, message", [
    (str(2 ** 32 + 7), "outside 0-255"),  # would wrap to 7 in 32-bit parsing
    (str(2 ** 64 + 7), "outside 0-255"),  # ... and in 64-bit
])
def test_huge_pixel_values_are_refused_not_wrapped(tmp_path, cell, message):
    path = write(tmp_path, "fer2013.csv", "emotion,pixels,Usage\n0," + " ".join([cell] + ["7"] * 2303) + ",Training\n")
    with pytest.raises(SourceError, match=message):
        list(FER2013CSV(path))


def test_huge_vote_counts_are_refused(tmp_path):
    path = write(tmp_path, "v.csv", ",".join(TABLE_HEADER) + "\nTraining,a.png," + ",".join([str(10 ** 30)] + ["0"] * 9))
    with pytest.raises(SourceError, match="line 2: neutral vote count 10000000000000000000 is implausible"):
        read_vote_table(path)
