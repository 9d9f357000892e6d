import os

import pytest
from click.testing import CliRunner

from curate import __version__
from curate.cli import cli
from fixtures import write_fer_csv, write_vote_table

HAPPY = [0, 9, 0, 0, 0, 0, 0, 0, 1, 0]


@pytest.fixture
def run(workspace):
    def invoke(*args):
        return CliRunner().invoke(cli, [*args[:1], "--workspace", str(workspace.root), *args[1:]])
    return invoke


def test_every_command_has_help_with_an_example():
    assert set(cli.commands) >= {"build", "status", "demo", "score", "views", "balance", "label-quality", "app",
                                 "report", "export", "train", "quantize", "evaluate", "bundle", "flash", "loop", "search",
                                 "labels"}
    assert set(cli.commands["labels"].commands) == {"serve", "push", "pull", "status"}
    runner = CliRunner()
    assert runner.invoke(cli, ["-h"]).exit_code == 0
    paths = [[name] for name in cli.commands] + [["labels", name] for name in cli.commands["labels"].commands]
    for path in paths:
        result = runner.invoke(cli, [*path, "-h"])
        assert result.exit_code == 0, path
        assert "Example:" in result.output, f"{' '.join(path)} help has no example"


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


@pytest.mark.parametrize("args, line", [
    (["--merge", "ferplus"], "Error: --merge ferplus needs --ferplus PATH (fer2013new.csv)"),
    (["--ferplus", "x.csv"], "Error: --ferplus is only read with --merge ferplus"),
    ([], "Error: nothing to build: pass at least one source"),
    (["--rafdb", "/nonexistent/raf"], "Error: /nonexistent/raf: RAF-DB folder not found"),
])
def test_build_option_errors(run, args, line):
    result = run("build", *args)
    assert result.exit_code == 1
    assert result.output.startswith(line)
    assert len(result.output.strip().splitlines()) == 1


def test_build_bad_csv_one_line_naming_file_and_line(run, tmp_path, dataset_name):
    path = write_fer_csv(tmp_path / "fer2013.csv", [(0, "Training"), (7, "Training")])
    result = run("build", "--fer2013", path, "--dataset", dataset_name, "-q")
    assert result.exit_code == 1
    assert result.output == f"Error: {path}, line 3: unknown emotion code '7' (expected 0-6)\n"


def test_build_table_that_does_not_pair(run, tmp_path, dataset_name):
    csv_path = write_fer_csv(tmp_path / "fer2013.csv", [(0, "Training"), (3, "PublicTest")])
    votes = write_vote_table(tmp_path / "v.csv", [("Training", "a", HAPPY), ("PrivateTest", "b", HAPPY)])
    result = run("build", "--fer2013", csv_path, "--merge", "ferplus", "--ferplus", votes,
                 "--dataset", dataset_name, "-q")
    assert result.exit_code == 1
    assert "line 3: Usage 'PrivateTest' does not match the FER2013 CSV's 'PublicTest'" in result.output


def test_build_then_status(run, tmp_path, dataset_name):
    csv_path = write_fer_csv(tmp_path / "fer2013.csv", [(3, "Training"), (3, "Training"), (0, "PublicTest")])
    votes = write_vote_table(tmp_path / "v.csv", [
        ("Training", "a", HAPPY), ("Training", "", [0] * 9 + [10]), ("PublicTest", "c", HAPPY), ("PrivateTest", "d", HAPPY),
    ])
    result = run("build", "--fer2013", csv_path, "--merge", "ferplus", "--ferplus", votes, "--dataset", dataset_name, "-q")
    assert result.exit_code == 0, result.output
    assert "fer2013: 3 records — 3 added, 0 updated, 0 unchanged" in result.output
    assert "note: 1 FERPlus vote rows have no FER2013 row (1 PrivateTest)" in result.output
    status = run("status", "--dataset", dataset_name)
    assert status.exit_code == 0
    lines = status.output.splitlines()
    assert lines[0] == f"dataset '{dataset_name}' — 3 samples"
    train = next(line for line in lines if line.startswith("fer2013"))
    assert train.split() == ["fer2013", "train", "1", "1", "2"]  # happiness 1, (none) 1, total 2


def test_status_of_missing_dataset(run):
    result = run("status", "--dataset", "no-such-dataset")
    assert result.exit_code == 1
    assert "Error: no dataset named 'no-such-dataset'" in result.output and "run `curate build` first" in result.output


def test_workspace_switch_in_one_process_is_refused(tmp_path):
    result = CliRunner().invoke(cli, ["status", "--workspace", str(tmp_path / "other")])
    assert result.exit_code == 1 and "cannot switch to workspace" in result.output


def test_demo_end_to_end(run, tmp_path, dataset_name):
    result = run("demo", "--out", str(tmp_path / "src"), "--dataset", dataset_name, "-q")
    assert result.exit_code == 0, result.output
    assert f"dataset '{dataset_name}': 400 samples" in result.output
    for source in ("fer2013", "rafdb", "ckplus", "captures"):
        assert f"{source}: " in result.output
    assert "exact duplicate groups 3" in result.output and "blank 2" in result.output
    assert "views: disputed (" in result.output and "report: " in result.output
    report = result.output.split("report: ")[1].split()[0]
    assert report.endswith("index.html") and os.path.isfile(report)
    again = run("demo", "--out", str(tmp_path / "src"), "--dataset", dataset_name, "-q")
    assert f"dataset '{dataset_name}': 400 samples" in again.output  # --fresh rebuilds, no duplicates


@pytest.mark.parametrize("error", [ZeroDivisionError("division by zero"), RuntimeError("tensor shapes differ")])
def test_a_bug_is_one_line_saying_so_and_its_traceback_is_logged(run, workspace, monkeypatch, error):
    import curate.status

    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(curate.status, "class_counts", broken)
    result = run("status", "--dataset", "any")
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith("Error: internal error (a bug in curate, not in your input): " + type(error).__name__)
    log = line.split("traceback in ")[1].split(" — ")[0]
    assert log.startswith(str(workspace.root / "logs"))
    assert "Traceback (most recent call last)" in open(log).read() and str(error) in open(log).read()
