"""Test session set-up: one temporary workspace (FiftyOne database) per session.

FiftyOne reads its database location once, at import, so the workspace is
activated here before any test imports ``fiftyone``; each test that needs a
dataset gets a unique name and the dataset is deleted afterwards.
"""

import os
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL_DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT / "tests"))

_session_dir = Path(os.environ.get("CURATE_TEST_TMP", "/tmp")) / f"curate-tests-{os.getpid()}"
from curate import workspace as _ws  # noqa: E402

WORKSPACE = _ws.activate(_session_dir / "workspace")
#: every dataset a test makes starts with this; two sessions sharing one MongoDB never touch each other's
PREFIX = f"t-{os.getpid()}-"


def pytest_sessionfinish(session, exitstatus):
    import shutil

    if "fiftyone" in sys.modules:
        import fiftyone as fo

        for name in fo.list_datasets():
            if name.startswith(PREFIX):
                fo.delete_dataset(name)
    for leftover in ("media", "runs"):  # the database stays: its server may still be running
        shutil.rmtree(_session_dir / "workspace" / leftover, ignore_errors=True)


@pytest.fixture(scope="session")
def workspace():
    return WORKSPACE


@pytest.fixture
def dataset_name():
    """A unique dataset name, deleted after the test."""
    name = f"{PREFIX}{uuid.uuid4().hex[:10]}"
    yield name
    import fiftyone as fo

    if fo.dataset_exists(name):
        fo.delete_dataset(name)


def real_data(*parts):
    """Path under ../shared/data, or skip the test saying what is missing."""
    path = REAL_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not available: {path} (see ../shared/data/README.md)")
    return path


STUDIO_USER = "admin@curate.test"


@pytest.fixture(scope="session")
def studio(tmp_path_factory):
    """A real Label Studio server for the session, started by `curate labels serve --detach`.

    Its local-files root is the session workspace's media dir; yields the
    workspace's saved settings (url, api_key, document_root, ...).
    """
    import subprocess

    from curate.studio_sync import config_path, read_server_config
    from labels.studio_server import find_executable, free_port

    try:
        find_executable()
    except FileNotFoundError as err:
        pytest.skip(str(err))
    env = {**os.environ, "LABEL_STUDIO_USERNAME": STUDIO_USER, "LABEL_STUDIO_PASSWORD": "curate-test-pw",
           "LABEL_STUDIO_USER_TOKEN": "0123456789abcdef0123456789abcdef01234567"}
    for name in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY", "LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT"):
        env.pop(name, None)
    command = [sys.executable, "-m", "curate.cli", "labels", "serve", "--workspace", str(WORKSPACE.root)]
    started = subprocess.run([*command, "--detach", "--port", str(free_port())], env=env, capture_output=True,
                             text=True, timeout=300)
    assert started.returncode == 0, started.stdout + started.stderr
    assert "0123456789abcdef" not in started.stdout + started.stderr, "serve printed the API key"
    assert os.stat(config_path(WORKSPACE)).st_mode & 0o777 == 0o600
    try:
        yield read_server_config(WORKSPACE)
    finally:
        subprocess.run([*command, "--stop"], env=env, capture_output=True, timeout=60)
