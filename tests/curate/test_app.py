"""The FiftyOne App served by `curate app`, loaded in headless Chromium through Playwright."""

from browser import chromium_page, listening_only_on_loopback, needs_chromium, served_app
from curate.demo import write_demo_sources
from curate.pipeline import BuildPlan, run_build
from curate.score_pass import score_dataset
from fixtures import run_curate


@needs_chromium
def test_app_shows_dataset_and_view_in_chromium(tmp_path, workspace, dataset_name):
    sources = write_demo_sources(str(tmp_path / "demo"), seed=2)
    run_build(BuildPlan(rafdb=sources["rafdb"], captures=sources["captures"]), dataset_name=dataset_name,
              workspace=workspace, quiet=True)
    score_dataset(dataset_name, quiet=True)
    with served_app(dataset_name, workspace, "--view", "clean-train") as (url, port):
        assert listening_only_on_loopback(port)
        with chromium_page() as page:
            page.goto(url + "?view=clean-train")
            page.get_by_text("dispute_score").first.wait_for()
            html, text = page.content(), page.inner_text("body")
            page.screenshot(path=str(tmp_path / "app.png"))
    assert dataset_name in html, "the App page does not name the dataset"
    assert "sample_key" in text and "clean-train" in text, "the sidebar does not list our fields, or the view"


def test_app_panel_needs_predictions(tmp_path, workspace, dataset_name):
    sources = write_demo_sources(str(tmp_path / "demo"), seed=2)
    run_build(BuildPlan(rafdb=sources["rafdb"]), dataset_name=dataset_name, workspace=workspace, quiet=True)
    out = run_curate("app", "--dataset", dataset_name, "--panel", "evaluation", workspace=workspace)
    assert out.returncode != 0 and "curate predict" in out.stderr and "Traceback" not in out.stderr
