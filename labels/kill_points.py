"""Named points where a test can kill this process outright, to prove that a re-run heals.

The reliability tests run a ``curate`` command in a child process with
``CURATE_KILL_AT=<point>[:<n>]``; the n-th time (default the first) the
command reaches ``reached("<point>")`` it sends itself ``SIGKILL`` — no
``finally``, no atexit, the same as a power cut or the OOM killer — and
the test re-runs the command and compares the result with an uninterrupted
run. Without the variable :func:`reached` does nothing but read it.

Points (where they sit): ``build.batch`` (after a batch of new samples is
inserted), ``build.commit`` (between two fields of queued updates),
``score.fields`` (score fields written, tags not yet), ``quality.fields``
(label-quality fields written, tags not yet), ``pull.reviews`` (reviews
written, disputes not yet re-scored), ``export.shard`` (after a shard is
written), ``flash.copy`` (a temporary copied onto the drive),
``flash.rename`` (one file renamed into place, the others not yet).
"""

import os
import signal

ENV = "CURATE_KILL_AT"
_seen = {}


def reached(point):
    """Kill this process with SIGKILL if ``$CURATE_KILL_AT`` names ``point`` and its count is reached."""
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    name, _, nth = wanted.partition(":")
    if name != point:
        return
    _seen[point] = _seen.get(point, 0) + 1
    if _seen[point] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
