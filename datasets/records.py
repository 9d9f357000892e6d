"""The one record shape every adapter yields, and helpers they share.

An adapter parses one source's on-disk layout, validates it, and yields
:class:`FaceRecord` objects. The build (``curate/build.py``) turns records
into FiftyOne samples; adapters know nothing about FiftyOne.
"""

import csv
import dataclasses
import gzip
import hashlib
import io
import os
import tarfile
import zlib
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
        pixels: uint8 array (H, W) gray or (H, W, 3) BGR for sources whose
            faces are made here (FER2013 CSV, AffectNet crops, JAFFE TIFFs).
        subject: person id where the source knows it (CK+ ``S005``).
        raw_split: the source's own split name (``PublicTest``, ``train`` ...).
        votes: 10 crowd vote counts in FERPlus column order, or None.
        valence, arousal: AffectNet's continuous affect in [-1, 1], or None.
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
    valence: Optional[float] = None
    arousal: Optional[float] = None

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
    universal newlines disabled (``newline=""``, as :mod:`csv` wants); a
    UTF-8 byte-order mark is skipped.
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
        stream = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        stream._tar = tar  # keep the archive open as long as the stream
        return stream
    if path.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _first_undecodable_line(path, member_suffix=None):
    """1-based number of the first line that is not UTF-8 (text streams decode in blocks, so they cannot say)."""
    path = str(path)
    if path.endswith((".tar.gz", ".tgz", ".tar")):
        with tarfile.open(path, "r:*") as tar:
            member = next(m for m in tar if m.isfile() and m.name.endswith(member_suffix or ""))
            return _scan_lines(tar.extractfile(member))
    with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as raw:
        return _scan_lines(raw)


def _scan_lines(raw):
    for number, line in enumerate(raw, 1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return number
    return None


def csv_rows(path, member_suffix=None):
    """Yield ``(line, row)`` of a CSV file (plain, .gz or .tar.gz; ``line`` 1-based, as an editor shows it).

    BOM, CRLF and quoted fields are read; whitespace after a comma and around
    a cell is dropped. A truncated or corrupt archive, bytes that are not
    UTF-8 and malformed CSV raise :class:`SourceError` naming the line.
    """
    line = 0
    try:
        with open_text(path, member_suffix=member_suffix) as stream:
            reader = csv.reader(stream, skipinitialspace=True)
            for row in reader:
                line = reader.line_num
                yield line, [cell.strip() for cell in row]
    except (EOFError, gzip.BadGzipFile, zlib.error, tarfile.ReadError) as err:
        raise SourceError(path, f"the compressed file is truncated or corrupt after line {line} "
                                f"({err or type(err).__name__}); download it again") from None
    except UnicodeDecodeError as err:
        raise SourceError(path, f"not UTF-8 text (byte {err.object[err.start:err.start + 1]!r}); "
                                f"save the file as UTF-8", _first_undecodable_line(path, member_suffix)) from None
    except csv.Error as err:
        raise SourceError(path, f"malformed CSV ({err})", line + 1) from None


def text_lines(path):
    """Yield ``(line, text)`` of a UTF-8 text file (BOM and CR/LF stripped; ``line`` 1-based).

    Bytes that are not UTF-8 raise :class:`SourceError` naming the line.
    """
    try:
        with open(path, encoding="utf-8-sig", newline="") as stream:
            for line, text in enumerate(stream, start=1):
                yield line, text.rstrip("\r\n")
    except UnicodeDecodeError as err:
        raise SourceError(path, f"not UTF-8 text (byte {err.object[err.start:err.start + 1]!r}); "
                                f"save the file as UTF-8", _first_undecodable_line(path)) from None


LITTER = {"thumbs.db", "desktop.ini", "__macosx", "$recycle.bin", "@eadir"}  # what file managers leave behind


def is_litter(name):
    """True for names no source means: hidden files and folders (``.DS_Store``, ``._x.png``), Thumbs.db, __MACOSX."""
    return name.startswith(".") or name.lower() in LITTER


def list_dirs(directory):
    """Sorted names of the folders directly inside ``directory``, litter left out."""
    return sorted(name for name in os.listdir(directory)
                  if not is_litter(name) and os.path.isdir(os.path.join(directory, name)))


def list_images(directory, extensions=(".png", ".jpg", ".jpeg", ".pgm", ".bmp")):
    """Sorted image file names (not paths) directly inside ``directory``, litter left out."""
    return sorted(
        name for name in os.listdir(directory)
        if name.lower().endswith(extensions) and not is_litter(name)
        and os.path.isfile(os.path.join(directory, name))
    )
