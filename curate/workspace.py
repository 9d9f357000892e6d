"""The workspace: where FiftyOne's database, materialised media and runs live.

Layout (default ``./.curate``; ``--workspace`` or ``CURATE_WORKSPACE``)::

    <workspace>/db/                   FiftyOne's bundled MongoDB
    <workspace>/media/<dataset>/...   PNGs written from CSV pixels
    <workspace>/runs/                 training / loop runs
    <workspace>/demo-sources/         what ``curate demo`` writes

FiftyOne reads its configuration when it is first imported, so
:func:`activate` must run before anything imports ``fiftyone``. When
``FIFTYONE_DATABASE_URI`` is set (an external MongoDB, for data that outgrows
one machine) the workspace's ``db/`` is not used.
"""

import dataclasses
import os
import sys
from pathlib import Path

from labels.errors import ServiceError

DEFAULT_WORKSPACE = ".curate"
WORKSPACE_ENV = "CURATE_WORKSPACE"
DEFAULT_DATASET = "fer"


@dataclasses.dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def db_dir(self):
        return self.root / "db"

    @property
    def runs_dir(self):
        return self.root / "runs"

    def media_dir(self, dataset_name):
        return self.root / "media" / dataset_name


def resolve(path=None):
    """The workspace path from the argument, ``$CURATE_WORKSPACE`` or the default."""
    return Path(path or os.environ.get(WORKSPACE_ENV) or DEFAULT_WORKSPACE).resolve()


def activate(path=None):
    """Create the workspace and point FiftyOne at it; return the Workspace.

    Raises RuntimeError when FiftyOne was already imported in this process
    with another database directory (its config cannot change after import).
    """
    workspace = Workspace(resolve(path))
    for directory in (workspace.root, workspace.db_dir, workspace.runs_dir):
        directory.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("FIFTYONE_DO_NOT_TRACK", "true")
    os.environ.setdefault("FIFTYONE_DATABASE_VALIDATION", "false")
    if os.environ.get("FIFTYONE_DATABASE_URI"):
        return workspace
    wanted = str(workspace.db_dir)
    if "fiftyone" in sys.modules:
        import fiftyone as fo

        if os.path.realpath(fo.config.database_dir) != os.path.realpath(wanted):
            raise ServiceError(
                f"FiftyOne already runs on {fo.config.database_dir}; "
                f"cannot switch to workspace {workspace.root} in the same process"
            )
    os.environ["FIFTYONE_DATABASE_DIR"] = wanted
    return workspace
