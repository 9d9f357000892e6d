"""Real-world CSV variants are read; broken files stop with one line naming the file (issue: reliability)."""

import gzip

import pytest
from click.testing import CliRunner

from datasets.fer2013 import FER2013CSV, STANDARD_LAYOUT
from datasets.ferplus import read_vote_table
from datasets.records import SourceError
from fixtures import VOTE_HEADER, pixels_text

ROWS = [("0", "Training"), ("3", "PublicTest"), ("6", "PrivateTest")]


def text_rows(header=("emotion", "pixels", "Usage"), order=(0, 1, 2), sep=",", eol="\n", quote=False):
    lines = [sep.join(header)]
    for i, (emotion, usage) in enumerate(ROWS):
        cells = (emotion, f'"{pixels_text(i)}"' if quote else pixels_text(i), usage)
        lines.append(sep.join(cells[j] for j in order))
    return eol.join(lines) + eol


def read(path):
    adapter = FER2013CSV(path)
    return [(r.label, r.split, int(r.pixels[0, 0])) for r in adapter], adapter.layout


@pytest.fixture
def expected(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text(text_rows())
    return read(path)[0]


@pytest.mark.parametrize("name, content", [
    ("bom.csv", "\ufeff" + text_rows()),
    ("crlf.csv", text_rows(eol="\r\n")),
    ("quoted.csv", text_rows(quote=True)),
])
def test_bom_crlf_and_quotes_read_like_the_plain_file(tmp_path, expected, name, content):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8"))
    records, layout = read(path)
    assert records == expected and layout == STANDARD_LAYOUT


def test_the_icml_face_data_release_reads_by_column_name(tmp_path, expected):
    path = tmp_path / "icml_face_data.csv"
    path.write_text(text_rows(header=("emotion", " Usage", " pixels"), order=(0, 2, 1), sep=", "))
    records, layout = read(path)
    assert records == expected and layout.startswith("icml_face_data.csv")


def test_gzipped_csv_with_bom(tmp_path, expected):
    path = tmp_path / "fer2013.csv.gz"
    path.write_bytes(gzip.compress(("\ufeff" + text_rows()).encode("utf-8")))
    assert read(path)[0] == expected


@pytest.mark.parametrize("name, content, message", [
    ("f.csv", b"emotion,pixels,Usage\n", "has a header .* but no data rows"),
    ("f.csv.gz", gzip.compress(text_rows().encode())[:-40], "truncated or corrupt"),
    ("f.csv.gz", b"not gzip at all", "truncated or corrupt"),
    ("f.csv", text_rows().encode()[:200] + b"\xff\xfe" + text_rows().encode()[200:], "line 2: not UTF-8 text"),
    ("f.csv", b'emotion,pixels,Usage\n0,"1 2 3\n', "malformed CSV|expected 3 columns|expected 2304"),
])
def test_broken_files_stop_with_one_line_naming_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SourceError, match=message) as err:
        list(FER2013CSV(path))
    assert str(err.value).startswith(str(path)) and "\n" not in str(err.value)


def test_vote_table_with_bom_and_crlf(tmp_path):
    path = tmp_path / "fer2013new.csv"
    row = ["Training", "fer0000000.png", *map(str, [4, 0, 0, 1, 3, 2, 0, 0, 0, 0])]
    path.write_bytes(("\ufeff" + ",".join(VOTE_HEADER) + "\r\n" + ",".join(row) + "\r\n").encode())
    table = read_vote_table(path)
    assert table.votes.tolist() == [[4, 0, 0, 1, 3, 2, 0, 0, 0, 0]] and table.names.tolist() == ["fer0000000.png"]


def test_truncated_gzip_on_the_command_line_is_one_line_not_aborted(tmp_path, workspace):
    from curate.cli import cli

    path = tmp_path / "fer2013.csv.gz"
    path.write_bytes(gzip.compress(text_rows().encode())[:-40])
    result = CliRunner().invoke(cli, ["build", "--fer2013", str(path), "--dataset", "t-trunc",
                                      "--workspace", str(workspace.root), "-q"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "truncated or corrupt" in result.output
    assert "Aborted" not in result.output and len(result.output.strip().splitlines()) == 1
