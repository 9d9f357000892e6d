import glob
import json
import os

import pytest

pytest.importorskip("tensorflow", reason="the train extra is not installed (pip install -e .[train])")

from click.testing import CliRunner  # noqa: E402

from curate.cli import cli  # noqa: E402
from curate.demo import write_demo_sources  # noqa: E402
from curate.loop import LoopSettings, gate, run_loop  # noqa: E402
from train.recipe import Recipe, load_recipe, teacher_run  # noqa: E402
from train.settings import TrainSettings  # noqa: E402
from curate.pipeline import BuildPlan, run_build  # noqa: E402


def test_gate_rule():
    assert gate(0.80, None, 0.01)  # nothing to compare with
    assert gate(0.795, 0.80, 0.01)  # within tolerance
    assert not gate(0.78, 0.80, 0.01)  # worse beyond tolerance


@pytest.fixture
def setup(tmp_path, workspace, dataset_name, monkeypatch):
    import openmv.bundle

    monkeypatch.setattr(openmv.bundle, "SHIPPED_MODEL", str(tmp_path / "no-shipped-model"))
    sources = write_demo_sources(str(tmp_path / "demo"), seed=4)
    run_build(BuildPlan(merge=("ferplus",), fer2013=sources["fer2013"], ferplus=sources["ferplus"]),
              dataset_name=dataset_name, workspace=workspace, quiet=True)
    drive = tmp_path / "OPENMV"
    drive.mkdir()
    (drive / ".openmv_disk").write_text("")
    return dataset_name, drive, sources


def test_loop_flashes_then_gate_refuses_a_worse_model(setup, workspace, tmp_path):
    name, drive, sources = setup
    record = run_loop(name, LoopSettings(captures=sources["captures"], recipe=Recipe(train=TrainSettings(epochs=3)),
                                         drive=str(drive)),
                      workspace=workspace, quiet=True, echo=lambda *a: None)
    assert record["gate"]["passed"] and record["steps"]["ingest"]["added"] == 30
    assert sorted(record["steps"]["flash"]["changed"]) == sorted(
        ["trained.tflite", "labels.txt", "trained.txt", "main.py", "face_box.py", "face_finder.py", "model.json"])
    run_dir = record["steps"]["train"]["run"]
    saved = json.load(open(os.path.join(run_dir, "loop.json")))
    assert saved["model"]["label_snapshot"] == record["steps"]["export"]["content_hash"]
    assert "confusion" in open(os.path.join(run_dir, "loop.md")).read()
    on_drive = (drive / "trained.tflite").read_bytes()

    # a model that must beat the camera's by 100 points is, by that standard, worse: refused. The loop runs a
    # recipe whole (a teacher first, then the student distilled from it, with the recipe's knobs; --epochs wins)
    recipe = tmp_path / "recipe.toml"
    recipe.write_text("[export]\nlabels = \"majority\"\n[train]\nepochs = 9\nstart_size = 16\n"
                      "ema_decay = 0.99\nbatch_size = 32\n[distill]\nteacher_seeds = [3]\n")
    result = CliRunner().invoke(cli, ["loop", "--dataset", name, "--workspace", str(workspace.root), "--drive",
                                      str(drive), "--recipe", str(recipe), "--epochs", "1", "--tolerance", "-1", "-q",
                                      "--from-scratch"])
    assert result.exit_code == 1, result.output
    run_dir = json.load(open(max(glob.glob(str(workspace.runs_dir / "*-loop" / "loop.json")))))["steps"]["train"]["run"]
    used = json.load(open(os.path.join(run_dir, "metrics.json")))["settings"]
    assert (used["epochs"], used["start_size"], used["ema_decay"], used["batch_size"]) == (1, 16, 0.99, 32)
    assert used["teachers"] == [os.path.abspath(teacher_run(run_dir, 3))]
    assert load_recipe(os.path.join(run_dir, "recipe.toml")).teacher_seeds == (3,)
    assert json.load(open(os.path.join(run_dir, "export.json")))["label_rule"] == "majority"
    assert "gate refused: new int8 val accuracy" in result.output
    assert "Error: the new model was not bundled or flashed" in result.output
    assert (drive / "trained.tflite").read_bytes() == on_drive

    # by default the loop fine-tunes the camera's current model: the first loop's run made the drive's bytes
    first_run = record["steps"]["train"]["run"]
    result = CliRunner().invoke(cli, ["loop", "--dataset", name, "--workspace", str(workspace.root), "--drive",
                                      str(drive), "--max-minutes", "0.1", "--tolerance", "1", "--no-flash"])
    assert result.exit_code == 0, result.output
    assert f"fine-tune the current camera model (camera drive, float weights in {first_run})" in result.output
    loop = json.load(open(max(glob.glob(str(workspace.runs_dir / "*-loop" / "loop.json")))))
    assert loop["steps"]["fine_tune"] == {"from": first_run, "learning_rate": TrainSettings().learning_rate * 0.1,
                                          "max_minutes": 0.1}
    tuned = json.load(open(os.path.join(loop["steps"]["train"]["run"], "metrics.json")))
    assert tuned["init"] == {"from": first_run, "copied": "all weights"}
    assert (tuned["settings"]["start_size"], tuned["settings"]["teachers"]) == (0, [])


def test_loop_refuses_a_non_openmv_drive_before_training(setup, workspace, tmp_path):
    name, _, _ = setup
    with pytest.raises(ValueError, match="does not look like an OpenMV drive"):
        run_loop(name, LoopSettings(drive=str(tmp_path)), workspace=workspace, quiet=True, echo=lambda *a: None)


def test_fine_tune_budget_is_its_own_not_the_recipes_from_scratch_budget():
    from curate.loop import FINE_TUNE_MINUTES, fine_tune_recipe
    from train.recipe import SHIPPED_RECIPE

    shipped = load_recipe(SHIPPED_RECIPE)
    assert shipped.train.max_minutes > FINE_TUNE_MINUTES  # 42 minutes from scratch
    tuned = fine_tune_recipe(shipped, "some-run")
    assert (tuned.train.max_minutes, tuned.train.init) == (FINE_TUNE_MINUTES, "some-run")
    assert tuned.train.learning_rate == pytest.approx(shipped.train.learning_rate * 0.1)
    assert (tuned.train.start_size, tuned.teacher_seeds, tuned.train.teachers) == (0, (), ())
    assert fine_tune_recipe(shipped, "some-run", minutes=2.5).train.max_minutes == 2.5
    with pytest.raises(ValueError, match="positive budget"):
        fine_tune_recipe(shipped, "some-run", minutes=-1)
