"""One writer per dataset: a lock file per dataset in the workspace.

``curate build``, ``score``, ``label-quality``, ``labels push``/``pull``,
``export``, ``loop`` and ``demo`` hold ``<workspace>/locks/<dataset>.lock``
(an exclusive ``flock``) while they run, so two processes never interleave
their writes to one dataset. The second one refuses with a line naming the
holder (pid, command, since when), or waits for it with ``--wait``.

The kernel drops the lock when its process dies, a ``kill -9`` included, so a
crashed command never leaves a stale lock behind. The holder's description
is written into the file only for the message; the lock is the ``flock``.
With an external MongoDB (``FIFTYONE_DATABASE_URI``) shared by several
machines the lock guards this workspace's processes only.
"""

import contextlib
import fcntl
import json
import os
import re
import time

from labels.errors import UserError

#: (workspace root, dataset) → depth, for locks this process already holds (the lock is re-entrant)
_HELD = {}


class DatasetBusy(UserError):
    """Another process holds the dataset's lock."""


def lock_path(workspace, dataset_name):
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", dataset_name)
    return workspace.root / "locks" / f"{safe}.lock"


def _holder(path):
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "another curate process"
    return f"`curate {info.get('command', '?')}` (pid {info.get('pid', '?')}, since {info.get('since', '?')})"


@contextlib.contextmanager
def dataset_lock(workspace, dataset_name, command, *, wait=False, echo=None, poll_seconds=0.2):
    """Hold the dataset's lock for the ``with`` block.

    Raises DatasetBusy when another process holds it and ``wait`` is False;
    with ``wait`` it blocks until the holder finishes (``echo`` is told once).
    Nested use in one process is allowed (the outer holder keeps it).
    """
    key = (str(workspace.root), dataset_name)
    if _HELD.get(key):
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    path = lock_path(workspace, dataset_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait:
                    raise DatasetBusy(
                        f"dataset {dataset_name!r} is in use by {_holder(path)}; wait for it to finish "
                        f"or pass --wait (lock {path})") from None
                if not told and echo is not None:
                    echo(f"waiting for {_holder(path)} to finish with dataset {dataset_name!r} …")
                    told = True
                time.sleep(poll_seconds)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "command": command,
                                  "since": time.strftime("%Y-%m-%d %H:%M:%S")}).encode(), 0)
        _HELD[key] = 1
        try:
            yield
        finally:
            _HELD.pop(key, None)
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the descriptor releases the flock
