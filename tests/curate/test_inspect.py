"""curate predict / explain on a real FiftyOne dataset: predictions, evaluation, embeddings map, heatmaps, report."""

import os

import numpy as np
import pytest

from browser import chromium_page, dismiss_popups, needs_chromium, served_app
from curate.demo import write_demo_sources
from curate.export import export_dataset
from curate.pipeline import BuildPlan, run_build
from curate.score_pass import score_dataset
from fixtures import run_curate


@pytest.fixture(scope="module")
def predicted(tmp_path_factory, workspace):
    """A demo dataset, a 2-epoch camera run on it, and `curate predict` + `curate explain` through the CLI."""
    from train.fit import TrainSettings, train_model

    root = tmp_path_factory.mktemp("inspect")
    name = f"inspect-{root.name}"
    sources = write_demo_sources(str(root / "demo"), seed=5)
    run_build(BuildPlan(fer2013=sources["fer2013"], merge=("ferplus",), ferplus=sources["ferplus"]),
              dataset_name=name, workspace=workspace, quiet=True)
    score_dataset(name, quiet=True)
    export_dataset(name, str(root / "export"), view_name="all", quiet=True)
    run = str(root / "run")
    train_model(str(root / "export"), run, TrainSettings(model="camera", epochs=2, batch_size=32), quiet=True)
    predict = run_curate("predict", run, "--dataset", name, "--quiet", workspace=workspace)
    explain = run_curate("explain", run, "--dataset", name, "--quiet", "--limit", "40",
                         "--out", str(root / "grid.png"), workspace=workspace)
    import fiftyone as fo

    ds = fo.load_dataset(name)
    ds.reload()  # this process holds the dataset from run_build; the CLI children added fields since
    yield {"name": name, "run": run, "root": root, "ds": ds, "predict": predict,
           "explain": explain, "workspace": workspace}
    fo.delete_dataset(name)


def test_predict_writes_predictions_embeddings_and_an_evaluation(predicted):
    ds, out = predicted["ds"], predicted["predict"]
    assert out.returncode == 0, out.stderr
    assert "predicted" in out.stdout and "embeddings map: umap" in out.stdout
    ds.reload()
    assert len(ds.exists("prediction")) == len(ds) == len(ds.exists("embedding"))
    sample = ds.exists("ground_truth").first()
    assert len(sample.prediction.logits) == 8 and 0 < sample.prediction.confidence <= 1
    assert sample.prediction.label == ["neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear",
                                       "contempt"][int(np.argmax(sample.prediction.logits))]
    assert "eval" in ds.list_evaluations()
    results = ds.load_evaluation_results("eval")
    info = ds.info["predictions"]
    assert info["evaluated"] == len(ds.exists("ground_truth"))
    assert info["accuracy"] == pytest.approx(results.metrics()["accuracy"], abs=1e-4)
    assert set(ds.distinct("eval")) <= {True, False}
    assert {"prediction_mistakenness", "hardness"} <= set(ds.get_field_schema())
    assert {"embeddings_map", "similar", "hardness", "prediction_mistakenness"} <= set(ds.list_brain_runs())
    assert info["map"]["method"] == "umap" and info["map"]["samples"] == len(ds)
    assert ds.load_brain_results("embeddings_map").points.shape == (len(ds), 2)
    dups = info["map"]["near_duplicates"]
    assert dups["both"] <= min(dups["embedding_pairs"], dups["hash_pairs"])


def test_similarity_index_finds_a_face_itself_first(predicted):
    ds = predicted["ds"]
    query = ds.first().id
    nearest = ds.sort_by_similarity(query, k=3, brain_key="similar").values("id")
    assert nearest[0] == query


def test_embeddings_match_the_float_model(predicted):
    from curate.predict_pass import load_faces
    from train.embed import embed_faces
    from train.runs import load_run_model

    ds = predicted["ds"]
    samples = ds.limit(5)
    faces = load_faces(samples.values("filepath"), 48, quiet=True)
    probs, _, emb = embed_faces(load_run_model(predicted["run"]), faces)
    assert np.allclose(np.array(samples.values("embedding")), emb, atol=1e-4)
    assert np.allclose(samples.values("prediction.confidence"), probs.max(axis=1), atol=1e-5)


def test_explain_writes_heatmaps_on_wrong_or_disputed_faces_and_a_grid(predicted):
    ds, out = predicted["ds"], predicted["explain"]
    assert out.returncode == 0, out.stderr
    ds.reload()
    explained = ds.exists("heatmap")
    assert 0 < len(explained) <= 40
    for sample in explained.limit(10):
        assert sample.eval is False or "disputed" in sample.tags
        heat = sample.heatmap.map
        assert heat.shape == (48, 48) and heat.dtype == np.uint8 and heat.max() == 255
    assert (predicted["root"] / "grid.png").stat().st_size > 10_000
    assert ds.info["explain"]["method"] == "gradcam"


def test_crowd_field_is_drawn_beside_ground_truth(predicted):
    ds = predicted["ds"]
    voted = ds.exists("votes").first()
    shares = [c.confidence for c in voted.crowd.classifications]
    assert shares == sorted(shares, reverse=True) and sum(shares) == pytest.approx(1, abs=1e-3)


def test_report_gains_evaluation_map_and_heatmaps(predicted):
    from curate.report import write_report

    index = write_report(predicted["name"], str(predicted["root"] / "report"))
    page = open(index, encoding="utf-8").read()
    for png in ("evaluation.png", "embeddings_map.png", "heatmaps.png"):
        assert png in page and (predicted["root"] / "report" / png).stat().st_size > 5_000
    assert "macro" in page and "precision" in page


def test_predict_errors_are_one_line(predicted, tmp_path):
    bad = run_curate("predict", str(tmp_path / "nope"), "--dataset", predicted["name"], workspace=predicted["workspace"])
    assert bad.returncode != 0 and "Error:" in bad.stderr and "Traceback" not in bad.stderr
    int8 = run_curate("predict", predicted["run"], "--kind", "int8", "--dataset", predicted["name"],
                      workspace=predicted["workspace"])
    assert int8.returncode != 0 and "curate quantize" in int8.stderr


@needs_chromium
def test_app_draws_predictions_crowd_heatmaps_evaluation_and_embeddings_panels(predicted, tmp_path):
    """The App on the predicted dataset: fields in the sidebar, a heatmap in the sample modal, both panels.

    Screenshots go to ``$CURATE_SCREENSHOTS`` when set (the README's come from this test on demo faces).
    """
    shots = os.environ.get("CURATE_SCREENSHOTS") or str(tmp_path)
    os.makedirs(shots, exist_ok=True)
    ds, name, workspace = predicted["ds"], predicted["name"], predicted["workspace"]
    explained = ds.exists("heatmap").first().id
    with served_app(name, workspace) as (url, _), chromium_page() as page:
        page.goto(url)
        for field in ("prediction", "crowd", "heatmap", "eval"):
            page.get_by_text(field, exact=True).first.wait_for()
        dismiss_popups(page)
        page.wait_for_timeout(3000)
        page.screenshot(path=os.path.join(shots, "app-grid.png"))
        page.goto(f"{url}?id={explained}")
        page.get_by_text("heatmap", exact=True).last.wait_for()
        page.wait_for_timeout(3000)
        page.screenshot(path=os.path.join(shots, "app-heatmap.png"))
    with served_app(name, workspace, "--panel", "evaluation") as (url, _), chromium_page() as page:
        page.goto(url)
        page.get_by_text("1 Model Evaluations").first.wait_for()
        dismiss_popups(page)
        page.get_by_text("eval", exact=True).last.click()  # the panel's run card (the first is the sidebar's field)
        page.get_by_text("Confusion Matrices").first.wait_for()
        page.get_by_text("Accuracy", exact=True).first.wait_for()
        page.wait_for_timeout(2000)
        page.screenshot(path=os.path.join(shots, "app-evaluation.png"))
    with served_app(name, workspace, "--panel", "embeddings") as (url, _), chromium_page() as page:
        page.goto(url)
        page.get_by_text("embeddings_map", exact=True).first.wait_for()
        dismiss_popups(page)
        page.get_by_text("embeddings_map", exact=True).last.click()
        page.get_by_text(f"{len(ds)} points").first.wait_for()
        page.wait_for_timeout(3000)
        page.screenshot(path=os.path.join(shots, "app-embeddings.png"))
    for png in ("app-grid.png", "app-heatmap.png", "app-evaluation.png", "app-embeddings.png"):
        assert os.path.getsize(os.path.join(shots, png)) > 20_000
