"""A pushed task's page, opened in headless Chromium as an annotator would, shows its face.

Playwright drives the system Chromium: log in through Label Studio's own
form, open the task, wait for the image, save a screenshot.
"""

import numpy as np

from browser import chromium_page, needs_chromium
from curate.pipeline import BuildPlan, run_build
from curate.score_pass import score_dataset
from curate.studio_sync import default_title, push
from fixtures import write_fer_csv, write_vote_table
from labels.studio_client import StudioClient, StudioSettings

LOADED_FACES = ("() => Array.from(document.images).filter(i => i.src.includes('/data/local-files/') && i.complete"
                " && i.naturalWidth > 0).map(i => [i.naturalWidth, i.naturalHeight])")


@needs_chromium
def test_pushed_task_page_renders_its_image(studio, tmp_path, workspace, dataset_name):
    from curate.demo import draw_face

    rows = [(4, " ".join(map(str, draw_face("sadness", np.random.default_rng(1)).ravel())), "Training")]
    csv_path = write_fer_csv(tmp_path / "fer2013.csv", rows)
    table = write_vote_table(tmp_path / "v.csv", [("Training", "fer0000000.png", [0, 0, 0, 4, 0, 0, 4, 0, 2, 0])])
    run_build(BuildPlan(fer2013=csv_path, merge=("ferplus",), ferplus=table), dataset_name=dataset_name,
              workspace=workspace, quiet=True)
    score_dataset(dataset_name, quiet=True)
    client = StudioClient(StudioSettings(studio["url"], studio["api_key"], studio["document_root"]))
    push(client, dataset_name, quiet=True)
    project = client.find_project(default_title(dataset_name, "fer8"))
    task = client.export_tasks(project.id)[0]

    with chromium_page(1280, 900) as page:
        page.goto(f"{studio['url']}/user/login/")
        page.fill("input[name=email]", studio["username"])
        page.fill("input[name=password]", studio["password"])
        page.locator("input[name=email]").evaluate("e => e.form.submit()")
        page.wait_for_url(lambda url: "/user/login" not in url, timeout=30_000)
        page.goto(f"{studio['url']}/projects/{project.id}/data?task={task['id']}")
        shown = page.wait_for_function(f"({LOADED_FACES})().length ? ({LOADED_FACES})() : null",
                                       timeout=90_000).json_value()
        page.screenshot(path=str(tmp_path / "task.png"))
        assert shown[0] == [48, 48], f"the task page shows no 48x48 face (screenshot {tmp_path / 'task.png'})"
        assert "not a face" in page.inner_text("body"), "the choices are not shown"
