"""Playwright for Python driving Debian's Chromium (never `playwright install`: no browser downloads here).

``needs_chromium`` skips a test, with the reason, where the system Chromium
or the Playwright package is missing; ``chromium_page`` opens one headless
page and closes the browser afterwards.
"""

import contextlib
import importlib.util
import shutil

import pytest

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None or importlib.util.find_spec("playwright") is None,
    reason="Debian chromium (make test installs it as root) or the playwright package is missing",
)


@contextlib.contextmanager
def chromium_page(width=1400, height=900):
    """A Playwright ``Page`` in headless system Chromium, ``width`` x ``height`` CSS pixels."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(60_000)
            yield page
        finally:
            browser.close()


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_only_on_loopback(port):
    """True when something listens on ``port`` and only on 127.0.0.1."""
    import psutil

    addresses = [c.laddr.ip for c in psutil.net_connections(kind="tcp")
                 if c.status == psutil.CONN_LISTEN and c.laddr.port == port]
    return bool(addresses) and all(ip == "127.0.0.1" for ip in addresses)


@contextlib.contextmanager
def served_app(dataset_name, workspace, *options, timeout=120):
    """Run ``curate app`` in a child process until the page answers; yield (url, port); stop it after.

    The child's output is checked after it stops: it must print the URL it serves.
    """
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    app = subprocess.Popen(
        [sys.executable, "-m", "curate.cli", "app", "--workspace", str(workspace.root), "--dataset", dataset_name,
         "--port", str(port), *options],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}/datasets/{dataset_name}"
    try:
        deadline = time.time() + timeout
        while True:
            if app.poll() is not None:
                raise RuntimeError(f"curate app exited with {app.returncode}: {app.stdout.read()[-2000:]}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                raise TimeoutError(f"{url} did not answer within {timeout} s")
            time.sleep(1)
        yield url, port
    finally:
        app.terminate()
        try:
            out, _ = app.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            app.kill()
            out, _ = app.communicate()
    assert f"FiftyOne App: {url}" in out, out[-2000:]


def dismiss_popups(page):
    """Close the App's "Explore Enterprise" card if it shows (it covers the panels' buttons)."""
    dismiss = page.get_by_text("Dismiss", exact=True)
    for i in range(dismiss.count()):
        if dismiss.nth(i).is_visible():
            dismiss.nth(i).dispatch_event("click")  # the card's own button overlaps it: no pointer click
    page.keyboard.press("Escape")
