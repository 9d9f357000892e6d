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


def pytest_sessionfinish(session, exitstatus):
    import shutil

    if "fiftyone" in sys.modules:
        import fiftyone as fo

        for name in fo.list_datasets():
            if name.startswith("t-"):
                fo.delete_dataset(name)
    shutil.rmtree(_session_dir / "workspace" / "media", ignore_errors=True)


@pytest.fixture(scope="session")
def workspace():
    return WORKSPACE


@pytest.fixture
def dataset_name():
    """A unique dataset name, deleted after the test."""
    name = f"t-{uuid.uuid4().hex[:10]}"
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
