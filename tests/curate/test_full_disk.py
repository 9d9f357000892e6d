"""A full disk while PNGs or an export are written: one clear line, nothing half-written left.

A small tmpfs is mounted where the files go (needs root and the right to
mount; the tests skip with the reason otherwise).
"""

import os
import subprocess

import pytest
from click.testing import CliRunner
from fixtures import write_fer_csv

from curate.cli import cli
from curate.pipeline import BuildPlan, run_build


@pytest.fixture
def small_disk():
    """Mount a tmpfs of ``size`` at a path; unmounted afterwards."""
    mounted = []

    def mount(path, size="64k"):
        os.makedirs(path, exist_ok=True)
        if os.geteuid() != 0:
            pytest.skip("mounting a small tmpfs needs root")
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
        mounted.append(path)
        return path

    yield mount
    for path in reversed(mounted):
        subprocess.run(["umount", str(path)], capture_output=True)


@pytest.fixture
def fer_csv(tmp_path):
    return write_fer_csv(tmp_path / "fer2013.csv", [(i % 7, "Training") for i in range(300)])


def test_build_with_a_full_media_disk_leaves_no_dataset_and_no_files(small_disk, fer_csv, workspace, dataset_name):
    import fiftyone as fo

    media = small_disk(workspace.media_dir(dataset_name))
    with pytest.raises(OSError, match="No space left on device"):
        run_build(BuildPlan(fer2013=fer_csv), dataset_name=dataset_name, workspace=workspace, quiet=True)
    assert not fo.dataset_exists(dataset_name)
    assert [f for _, _, files in os.walk(media) for f in files] == []

    result = CliRunner().invoke(cli, ["build", "--fer2013", fer_csv, "--dataset", dataset_name, "-q",
                                      "--workspace", str(workspace.root)])
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"Error: no space left on device writing {media}") and "run the command again" in line, line
    assert not fo.dataset_exists(dataset_name)


def test_export_to_a_full_disk_keeps_the_old_export(small_disk, fer_csv, workspace, dataset_name, tmp_path):
    from train.export_files import read_manifest

    run_build(BuildPlan(fer2013=fer_csv), dataset_name=dataset_name, workspace=workspace, quiet=True)
    disk = small_disk(tmp_path / "disk", size="4m")
    out = disk / "export"
    common = ["--dataset", dataset_name, "-q", "--workspace", str(workspace.root)]
    first = CliRunner().invoke(cli, ["export", str(out), *common])
    assert first.exit_code == 0, first.output
    old = read_manifest(str(out))
    size = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    stat = os.statvfs(disk)
    with open(disk / "filler", "wb") as f:  # leave room for half a second copy
        f.write(b"\0" * (stat.f_bavail * stat.f_frsize - size // 2))
    result = CliRunner().invoke(cli, ["export", str(out), "--overwrite", *common])
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith("Error: no space left on device writing "), line
    assert read_manifest(str(out)) == old
    assert sorted(os.listdir(disk)) == ["export", "filler"]  # no temporary left beside it
