"""The one record shape every adapter yields, and helpers they share.

An adapter parses one source's on-disk layout, validates it, and yields
:class:`FaceRecord` objects. The build (``curate/build.py``) turns records
into FiftyOne samples; adapters know nothing about FiftyOne.
"""

import dataclasses
import gzip
import hashlib
import io
import os
import tarfile
from typing import Optional

import numpy as np

SPLITS = ("train", "val", "test")


class SourceError(ValueError):
    """Bad input in a source file; the message names the file and line.

    ``line`` is 1-based as an editor shows it (a CSV header is line 1).
    """

    def __init__(self, path, problem, line=None):
        where = f"{path}" if line is None else f"{path}, line {line}"
        super().__init__(f"{where}: {problem}")
        self.path, self.line, self.problem = str(path), line, problem


@dataclasses.dataclass(frozen=True)
class FaceRecord:
    """One face image from one source, with labels in the canonical taxonomy.

    Attributes:
        source: adapter name, e.g. ``"fer2013"``, ``"rafdb"``.
        source_id: identifier unique within the source (row number, relative
            path or file stem), stable across re-runs.
        split: ``"train"``, ``"val"`` or ``"test"``.
        label: canonical class name, or None for unlabelled images.
        raw_label: the label exactly as the source wrote it (str), or None.
        filepath: absolute path of the image on disk, or None when the source
            stores pixels (then ``pixels`` is set).
        pixels: uint8 array (H, W) for sources that store pixels (FER2013 CSV).
        subject: person id where the source knows it (CK+ ``S005``).
        raw_split: the source's own split name (``PublicTest``, ``train`` ...).
        votes: 10 crowd vote counts in FERPlus column order, or None.
    """

    source: str
    source_id: str
    split: str
    label: Optional[str]
    raw_label: Optional[str]
    filepath: Optional[str] = None
    pixels: Optional[np.ndarray] = None
    subject: Optional[str] = None
    raw_split: Optional[str] = None
    votes: Optional[tuple] = None

    @property
    def key(self):
        """Dataset-wide unique key ``"<source>:<source_id>"``."""
        return f"{self.source}:{self.source_id}"


def hashed_split(group, fractions=(0.8, 0.1, 0.1)):
    """Deterministic train/val/test split for a group id (subject, session).

    Sources without official splits (CK+, captures) split by person or
    session so one face never lands in two splits. The same id always maps
    to the same split, independent of what else is ingested.
    """
    digest = hashlib.sha1(group.encode("utf-8")).digest()
    x = int.from_bytes(digest[:8], "big") / 2**64
    cum = np.cumsum(fractions)
    for split, edge in zip(SPLITS, cum):
        if x < edge:
            return split
    return SPLITS[-1]


def require_dir(path, what, hint=""):
    """Return ``path`` as str, or raise FileNotFoundError naming what is missing."""
    if not os.path.isdir(path):
        raise FileNotFoundError(f"{path}: {what} not found{'; ' + hint if hint else ''}")
    return str(path)


def require_file(path, what, hint=""):
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: {what} not found{'; ' + hint if hint else ''}")
    if os.path.getsize(path) == 0:
        raise SourceError(path, f"{what} is empty")
    return str(path)


def open_text(path, member_suffix=None):
    """Open a text file for streaming, transparently through .gz or .tar.gz.

    For a tar archive the first member whose name ends with ``member_suffix``
    is streamed (never extracted to disk). Returns a text stream with
    universal newlines disabled (``newline=""``, as :mod:`csv` wants).
    """
    path = str(path)
    if path.endswith((".tar.gz", ".tgz", ".tar")):
        tar = tarfile.open(path, "r:*")
        member = next(
            (m for m in tar if m.isfile() and m.name.endswith(member_suffix or "")),
            None,
        )
        if member is None:
            tar.close()
            raise SourceError(path, f"archive holds no file named *{member_suffix}")
        raw = tar.extractfile(member)
        stream = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        stream._tar = tar  # keep the archive open as long as the stream
        return stream
    if path.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def list_images(directory, extensions=(".png", ".jpg", ".jpeg", ".pgm", ".bmp")):
    """Sorted image file names (not paths) directly inside ``directory``."""
    return sorted(
        name for name in os.listdir(directory)
        if name.lower().endswith(extensions) and not name.startswith(".")
    )
