"""A pushed task's page, opened in headless Chromium as an annotator would, shows its face.

Drives Chromium over the DevTools protocol (websocket-client): log in
through Label Studio's own form, open the task, wait for the image.
"""

import json
import shutil
import subprocess
import time
import urllib.request

import pytest

from curate.pipeline import BuildPlan, run_build
from curate.score_pass import score_dataset
from curate.studio_sync import default_title, push
from fixtures import write_fer_csv, write_vote_table
from labels.studio_client import StudioClient, StudioSettings
from labels.studio_server import free_port

CHROMIUM = shutil.which("chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--window-size=1280,900"]


class DevTools:
    """Just enough of the Chrome DevTools protocol: send a command, evaluate JavaScript."""

    def __init__(self, port, timeout=60):
        import websocket

        deadline = time.time() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as answer:
                    pages = [t for t in json.load(answer) if t["type"] == "page"]
                if pages:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise TimeoutError("Chromium's DevTools did not come up")
            time.sleep(0.5)
        self.socket = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        self.next_id = 0

    def send(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")

    def wait_for(self, expression, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.5)
        return None


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed (make test installs it as root)")
def test_pushed_task_page_renders_its_image(studio, tmp_path, workspace, dataset_name):
    from curate.demo import draw_face
    import numpy as np

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

    port = free_port()
    chromium = subprocess.Popen([CHROMIUM, *FLAGS, f"--remote-debugging-port={port}",
                                 f"--user-data-dir={tmp_path / 'chromium'}", "about:blank"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        tools = DevTools(port)
        tools.send("Page.enable")
        tools.send("Page.navigate", url=f"{studio['url']}/user/login/")
        assert tools.wait_for("!!document.querySelector('input[name=email]')"), "no login form"
        tools.evaluate(
            f"document.querySelector('input[name=email]').value = {json.dumps(studio['username'])};"
            f"document.querySelector('input[name=password]').value = {json.dumps(studio['password'])};"
            "document.querySelector('input[name=email]').form.submit(); true"
        )
        assert tools.wait_for("!location.pathname.startsWith('/user/login')", 30), "login failed"
        tools.send("Page.navigate", url=f"{studio['url']}/projects/{project.id}/data?task={task['id']}")
        shown = tools.wait_for(
            "Array.from(document.images).filter(i => i.src.includes('/data/local-files/') && i.complete"
            " && i.naturalWidth > 0).map(i => [i.naturalWidth, i.naturalHeight])", 90)
        shot = tools.send("Page.captureScreenshot", format="png")
        (tmp_path / "task.png").write_bytes(__import__("base64").b64decode(shot["data"]))
        assert shown, f"the task page shows no loaded face image (screenshot {tmp_path / 'task.png'})"
        assert shown[0] == [48, 48]
        assert tools.evaluate("document.body.innerText.includes('not a face')"), "the choices are not shown"
    finally:
        chromium.terminate()
        chromium.wait(timeout=20)
