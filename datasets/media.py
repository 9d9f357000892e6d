"""Materialising CSV pixels as PNG files, atomically.

A PNG is encoded in memory, written to a temporary name beside its final
path and renamed into place, so an interrupted build never leaves a
truncated image behind that a re-run would trust.
"""

import contextlib
import os
import shutil
import tempfile

import cv2

from labels.errors import naming_file


def encode_png(pixels):
    """Encode a uint8 array (H, W) or (H, W, 3) as PNG bytes."""
    ok, buffer = cv2.imencode(".png", pixels)
    if not ok:
        raise ValueError(f"could not encode an image of shape {pixels.shape} as PNG")
    return buffer.tobytes()


def write_atomic(path, data):
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with naming_file(path), open(tmp, "wb") as stream:
            stream.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return len(data)


def write_png(path, pixels):
    """Encode ``pixels`` (uint8 (H, W)) and write them atomically to ``path``."""
    return write_atomic(path, encode_png(pixels))


def image_problem(path):
    """None when the image file decodes whole, else what is wrong with it (a short phrase)."""
    from PIL import Image, UnidentifiedImageError

    try:
        if os.path.getsize(path) == 0:
            return "empty file (0 bytes)"
        with Image.open(path) as image:
            image.load()  # decodes every byte: a truncated file fails here, not later in `curate score`
    except UnidentifiedImageError:
        return "not an image (unknown format)"
    except OSError as err:
        return f"broken image ({err})"
    except Exception as err:  # noqa: BLE001  (Pillow raises several kinds for corrupt data)
        return f"broken image ({type(err).__name__}: {err})"
    return None


def image_problems(paths, workers=4):
    """[(path, problem), ...] for the files in ``paths`` that do not decode; decoded on ``workers`` threads."""
    from concurrent.futures import ThreadPoolExecutor

    paths = list(paths)
    if not paths:
        return []
    with ThreadPoolExecutor(max_workers=min(workers, len(paths))) as pool:
        return [(p, why) for p, why in zip(paths, pool.map(image_problem, paths)) if why]


def _write_batch(items):
    for path, pixels in items:
        write_png(path, pixels)
    return len(items)


class PngWriter:
    """Writes batches of PNGs in a worker process, overlapping the caller's work.

    ``submit`` returns at once; errors surface on a later ``submit`` or on
    ``wait``. At most ``max_pending`` batches are in flight (bounded memory).
    The worker is started with ``spawn``: it never inherits the database
    client of the parent.
    """

    def __init__(self, max_pending=4):
        self.max_pending = max_pending
        self._pool = None
        self._pending = []

    def submit(self, items):
        """Queue ``[(path, uint8 array), ...]`` for writing."""
        if not items:
            return
        if self._pool is None:
            import multiprocessing

            self._pool = multiprocessing.get_context("spawn").Pool(1)
        self._pending.append(self._pool.apply_async(_write_batch, (items,)))
        while len(self._pending) > self.max_pending or (self._pending and self._pending[0].ready()):
            self._pending.pop(0).get()

    def wait(self):
        """Block until every queued PNG is on disk; re-raise the first failure."""
        pending, self._pending = self._pending, []
        errors = []
        for result in pending:
            try:
                result.get()
            except Exception as err:  # keep draining so no write lands later
                errors.append(err)
        if errors:
            raise errors[0]

    def close(self):
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(parent, prefix):
    """Remove ``<parent>/<prefix><pid>-*`` folders left by processes that no longer run (a kill -9)."""
    if not os.path.isdir(parent):
        return
    for entry in os.listdir(parent):
        if not entry.startswith(prefix):
            continue
        pid = entry[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            shutil.rmtree(os.path.join(parent, entry), ignore_errors=True)


@contextlib.contextmanager
def atomic_folder(out_dir):
    """Yield a temporary folder beside ``out_dir``; on success it replaces ``out_dir``.

    On any error the temporary folder is removed and ``out_dir`` is left as it
    was, so a reader never sees a half-written export, report or bundle. The
    temporary is named ``.<name>-tmp<pid>-…``; one left by a killed process is
    removed by the next call for the same ``out_dir``.
    """
    out_dir = os.path.abspath(out_dir)
    parent = os.path.dirname(out_dir)
    os.makedirs(parent, exist_ok=True)
    prefix = f".{os.path.basename(out_dir)}-tmp"
    remove_stale_temporaries(parent, prefix)
    tmp = tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent)
    try:
        yield tmp
        if os.path.exists(out_dir):
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
