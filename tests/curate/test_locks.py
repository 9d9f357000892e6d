"""One writer per dataset: a second curate process refuses or waits, and nothing interleaves."""

import subprocess
import sys
import time

import pytest
from fixtures import run_curate, run_killed, write_fer_csv

from curate.build import BATCH_SIZE, load_dataset
from curate.locks import DatasetBusy, dataset_lock, lock_path
from curate.pipeline import BuildPlan, run_build


@pytest.fixture
def fer_csv(tmp_path):
    return write_fer_csv(tmp_path / "fer2013.csv", [(i % 7, "Training") for i in range(BATCH_SIZE + 300)])


def test_the_lock_is_reentrant_in_one_process_and_named_by_dataset(workspace):
    with dataset_lock(workspace, "a/b c", "build"):
        with dataset_lock(workspace, "a/b c", "score"):  # an inner step of the same command
            pass
        assert lock_path(workspace, "a/b c").name == "a_b_c.lock"
        assert '"command": "build"' in lock_path(workspace, "a/b c").read_text()
    assert lock_path(workspace, "a/b c").read_text() == ""


@pytest.mark.parametrize("command", [
    ["build", "--fer2013", "{csv}"],
    ["score"],
    ["label-quality", "--baseline"],
    ["labels", "pull", "--url", "http://127.0.0.1:9"],
    ["export", "{out}"],
])
def test_a_second_writer_is_refused_with_the_holder_named(command, workspace, dataset_name, fer_csv, tmp_path):
    import os

    args = [a.format(csv=fer_csv, out=tmp_path / "out") for a in command]
    with dataset_lock(workspace, dataset_name, "build"):
        result = run_curate(*args, "--dataset", dataset_name, workspace=workspace)
    assert result.returncode == 1
    line = result.stderr.strip().splitlines()[-1]
    assert f"dataset {dataset_name!r} is in use by `curate build` (pid {os.getpid()}" in line, result.stderr
    assert "--wait" in line
    assert not (tmp_path / "out").exists()


def test_readers_need_no_lock(workspace, dataset_name, fer_csv):
    run_build(BuildPlan(fer2013=fer_csv), dataset_name=dataset_name, workspace=workspace, quiet=True)
    with dataset_lock(workspace, dataset_name, "score"):
        result = run_curate("status", "--dataset", dataset_name, workspace=workspace)
    assert result.returncode == 0 and f"{BATCH_SIZE + 300} samples" in result.stdout


def test_two_builds_at_once_wait_for_each_other(workspace, dataset_name, fer_csv):
    """Two real processes, --wait: the second builds after the first, and each face is in once."""
    command = [sys.executable, "-m", "curate.cli", "build", "--fer2013", fer_csv, "--dataset", dataset_name,
               "--wait", "--workspace", str(workspace.root)]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    second = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outputs
    reports = sorted(out for out, _ in outputs)
    n = BATCH_SIZE + 300
    assert any(f"{n} added" in r for r in reports) and any(f"0 added, 0 updated, {n} unchanged" in r for r in reports)
    ds = load_dataset(dataset_name)
    assert len(ds) == n and len(set(ds.values("sample_key"))) == n


def test_a_killed_holder_leaves_no_stale_lock(workspace, dataset_name, fer_csv):
    run_killed("build", "--fer2013", fer_csv, "--dataset", dataset_name, "-q", workspace=workspace,
               at="build.batch:1")
    with dataset_lock(workspace, dataset_name, "build"):  # the kernel dropped the dead process's lock
        pass
    with dataset_lock(workspace, dataset_name, "build"):
        with pytest.raises(DatasetBusy):
            from multiprocessing import get_context

            with get_context("spawn").Pool(1) as pool:
                raise pool.apply(_try_lock, (str(workspace.root), dataset_name))


def _try_lock(root, dataset_name):
    from pathlib import Path

    from curate.workspace import Workspace

    try:
        with dataset_lock(Workspace(Path(root)), dataset_name, "other"):
            return AssertionError("a second process got the lock")
    except DatasetBusy as err:
        return err
