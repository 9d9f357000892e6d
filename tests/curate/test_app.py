"""The FiftyOne App served by `curate app`, loaded in headless Chromium."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from curate.demo import write_demo_sources
from curate.pipeline import BuildPlan, run_build
from curate.score_pass import score_dataset

CHROMIUM = shutil.which("chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, process, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"curate app exited with {process.returncode}: {process.stdout.read()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed (make test installs it as root)")
def test_app_shows_dataset_and_view_in_chromium(tmp_path, workspace, dataset_name):
    sources = write_demo_sources(str(tmp_path / "demo"), seed=2)
    run_build(BuildPlan(rafdb=sources["rafdb"], captures=sources["captures"]), dataset_name=dataset_name,
              workspace=workspace, quiet=True)
    score_dataset(dataset_name, quiet=True)
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    app = subprocess.Popen(
        [sys.executable, "-m", "curate.cli", "app", "--workspace", str(workspace.root), "--dataset", dataset_name,
         "--view", "clean-train", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    try:
        url = f"http://127.0.0.1:{port}/datasets/{dataset_name}"
        wait_http(url, app)
        assert _listening_only_on_loopback(port)
        dom = subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'chromium'}", "--virtual-time-budget=20000",
             "--dump-dom", url + "?view=clean-train"],
            capture_output=True, text=True, timeout=120,
        ).stdout
        assert dataset_name in dom, "the App page does not name the dataset"
        assert "dispute_score" in dom and "sample_key" in dom, "the sidebar does not list our fields"
    finally:
        app.terminate()
        try:
            out, _ = app.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            app.kill()
            out, _ = app.communicate()
    assert f"FiftyOne App: http://127.0.0.1:{port}/datasets/{dataset_name}?view=clean-train" in out


def _listening_only_on_loopback(port):
    import psutil

    addresses = [c.laddr.ip for c in psutil.net_connections(kind="tcp")
                 if c.status == psutil.CONN_LISTEN and c.laddr.port == port]
    return bool(addresses) and all(ip == "127.0.0.1" for ip in addresses)
