import pytest

pytest.importorskip("tensorflow", reason="the train extra is not installed (pip install -e .[train])")
"""``curate search``: candidates within the op budget, proxies ranked on held-out Training, the frontier."""

import json  # noqa: E402

from click.testing import CliRunner  # noqa: E402

from fixtures import write_export  # noqa: E402
from train.search import Candidate, candidates, mark_frontier  # noqa: E402


def test_candidates_fit_the_budget_and_the_grid_holds_the_camera_model():
    found = candidates(12e6, 8)
    assert found and all(c.macs <= 12e6 for c in found)
    assert [c.macs for c in found] == sorted(c.macs for c in found)
    assert (1.0, 0, 48) not in {(c.width, c.depth, c.size) for c in found}  # the camera model needs 16.8 MMAC
    everything = candidates(1e9, 8)
    camera = next(c for c in everything if (c.width, c.depth, c.size) == (1.0, 0, 48))
    assert (camera.macs, camera.params) == (16_779_776, 161_240)
    with pytest.raises(ValueError, match="no candidate fits 1,000 MACs; the smallest of the grid needs"):
        candidates(1e3, 8)


def test_frontier_keeps_what_no_cheaper_candidate_beats():
    c = [Candidate(1, 0, 48, macs, 0, acc) for macs, acc in ((10, 0.5), (20, 0.4), (30, 0.7), (40, 0.7), (50, 0.8))]
    assert [x.frontier for x in mark_frontier(c)] == [True, False, True, False, True]


def test_cli_search_writes_table_plot_and_ranks_on_held_out_training(tmp_path, workspace):
    from curate.cli import cli
    from train import camera_check
    from train.models import keras_macs
    from train.runs import load_run_model, quantize_run

    export = write_export(tmp_path / "export", n_train=60)
    out = tmp_path / "search"
    result = CliRunner().invoke(cli, ["search", export, "--max-macs", "15e6", "--minutes-each", "0.05",
                                      "--widths", "0.75", "--depths", "0", "--sizes", "40,48", "--out", str(out),
                                      "--workspace", str(workspace.root)])
    assert result.exit_code == 0, result.output
    assert "best within 15 MMAC" in result.output
    saved = json.loads((out / "search.json").read_text())
    assert [(c["size"], c["width"]) for c in saved["candidates"]] == [(40, 0.75), (48, 0.75)]
    assert all(0 <= c["holdout_accuracy"] <= 1 for c in saved["candidates"])
    assert any(c["frontier"] for c in saved["candidates"])
    assert (out / "search.png").stat().st_size > 0 and "| 0.75 | +0 | 40 px |" in (out / "search.md").read_text()
    run = saved["candidates"][0]["run"]
    metrics = json.loads(open(f"{run}/metrics.json").read())
    assert metrics["selection"]["on"] == "holdout" and metrics["settings"]["width"] == 0.75
    tflite_path, _ = quantize_run(run)
    assert keras_macs(load_run_model(run)) == camera_check.macs(open(tflite_path, "rb").read()) \
        == saved["candidates"][0]["macs"]
    bad = CliRunner().invoke(cli, ["search", export, "--max-macs", "1e6", "--widths", "x",
                                   "--workspace", str(workspace.root)])
    assert bad.exit_code == 2 and "expected comma-separated floats" in bad.output
