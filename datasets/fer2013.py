"""FER2013 in its two common layouts: the Kaggle CSV and JPEG class folders.

CSV (``fer2013.csv``, also ``.csv.gz`` or the Kaggle ``fer2013.tar.gz``; columns found by
header name, so the ``icml_face_data.csv`` release, ``emotion, Usage, pixels``, reads too)::

    emotion,pixels,Usage
    0,70 80 82 ... (2,304 values 0-255, 48x48 row-major),Training
    ...             35,887 rows: Training, PublicTest, PrivateTest in order

Image folders (the common Kaggle re-packaging; ids are random, so these
files cannot be joined to FERPlus votes)::

    train/<class>/Training_<id>.jpg
    test/<class>/PublicTest_<id>.jpg  test/<class>/PrivateTest_<id>.jpg

Splits: Training → train, PublicTest → val, PrivateTest → test (the FERPlus
convention: FER2013Train / FER2013Valid / FER2013Test).
"""

import os
import re
import warnings

import numpy as np

from datasets.records import (
    FaceRecord, SourceError, csv_rows, list_dirs, list_images, require_dir, require_file,
)
from labels.taxonomy import FER2013_EMOTION, canonical_from_name

USAGE_SPLITS = {"Training": "train", "PublicTest": "val", "PrivateTest": "test"}
HEADER = ["emotion", "pixels", "Usage"]
IMAGE_SIZE = 48
NUM_PIXELS = IMAGE_SIZE * IMAGE_SIZE
STANDARD_LAYOUT = "fer2013.csv (emotion,pixels,Usage)"


class FER2013CSV:
    """Streams the FER2013 CSV row by row; never holds the file in memory.

    Records carry ``pixels`` (uint8, 48x48) and ``source_id`` = the 0-based
    data row number, zero-padded (``"00042"``): the position FERPlus pairs on.
    """

    name = "fer2013"

    def __init__(self, path):
        self.path = require_file(
            path, "FER2013 CSV",
            "pass fer2013.csv, fer2013.csv.gz or the Kaggle fer2013.tar.gz",
        )

    def __iter__(self):
        rows = csv_rows(self.path, member_suffix="fer2013.csv")
        line, header = next(rows, (0, None))
        if header is None:
            raise SourceError(self.path, "file is empty (expected header emotion,pixels,Usage)")
        self.columns, self.layout = header_layout(header, self.path)
        index = -1
        for index, (line, row) in enumerate(rows):
            yield self._parse(index, line, row)
        if index < 0:
            raise SourceError(self.path, f"has a header ({','.join(header)[:80]}) but no data rows", line)

    def _parse(self, index, line, row):
        if len(row) != 3:
            raise SourceError(self.path, f"expected 3 columns, found {len(row)}", line)
        emotion, pixels, usage = (row[i] for i in self.columns)
        try:
            code = int(emotion)
        except ValueError:
            code = None
        if code not in FER2013_EMOTION:
            raise SourceError(self.path, f"unknown emotion code {emotion!r} (expected 0-6)", line)
        if usage not in USAGE_SPLITS:
            raise SourceError(
                self.path, f"unknown Usage {usage!r} (expected Training, PublicTest or PrivateTest)", line
            )
        return FaceRecord(
            source=self.name,
            source_id=f"{index:05d}",
            split=USAGE_SPLITS[usage],
            label=FER2013_EMOTION[code],
            raw_label=emotion,
            pixels=parse_pixels(pixels, self.path, line),
            raw_split=usage,
        )


def header_layout(header, path):
    """(column index of emotion, pixels, Usage; layout name) from a FER2013 CSV header, by column names.

    Kaggle's ``fer2013.csv`` says ``emotion,pixels,Usage``; the other Kaggle
    release, ``icml_face_data.csv``, says ``emotion, Usage, pixels``.
    """
    names = [h.strip().lower() for h in header]
    wanted = [h.lower() for h in HEADER]
    if sorted(names) != sorted(wanted):
        raise SourceError(path, f"expected header {','.join(HEADER)} (columns in any order), "
                                f"found {','.join(header)[:80]}", 1)
    columns = tuple(names.index(w) for w in wanted)
    layouts = {(0, 1, 2): STANDARD_LAYOUT, (0, 2, 1): "icml_face_data.csv (emotion,Usage,pixels)"}
    return columns, layouts.get(columns, "columns " + ",".join(header))


MAX_VALID_ROW_CHARS = NUM_PIXELS * 4 - 1  # 2,304 values of at most 3 digits, one space between


def parse_pixels(text, path, line):
    """Parse a space-separated 48x48 pixel string into a uint8 array (48, 48)."""
    with warnings.catch_warnings():  # numpy < 2.3 warns and stops at a bad token; later versions raise
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            values = np.fromstring(text, dtype=np.int64, sep=" ")
        except ValueError:
            values = None
    if values is not None and len(text) > MAX_VALID_ROW_CHARS:  # room for a huge number that wrapped into 0-255
        huge = next((t for t in text.split() if len(t.lstrip("-").lstrip("0")) > 3), None)
        if huge is not None:
            raise SourceError(path, f"pixel value {huge[:20]!r} outside 0-255", line)
    if values is None or values.size != NUM_PIXELS:
        bad = next((t for t in text.split() if not t.lstrip("-").isdigit()), None)
        if bad is not None or values is None:
            raise SourceError(path, f"pixel value {bad or text[:20]!r} is not an integer", line)
    if values.size != NUM_PIXELS:
        raise SourceError(path, f"expected {NUM_PIXELS} pixel values, found {values.size}", line)
    if values.min() < 0 or values.max() > 255:
        bad = values[(values < 0) | (values > 255)][0]
        raise SourceError(path, f"pixel value {bad} outside 0-255", line)
    return values.astype(np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE)


class FER2013Folders:
    """The Kaggle JPEG re-packaging: ``{train,test}/<class>/<Usage>_<id>.jpg``.

    Split comes from the file-name prefix when it names a FER2013 Usage,
    otherwise from the top folder (train → train, test → test).
    """

    name = "fer2013-images"
    TOP_SPLITS = {"train": "train", "test": "test"}
    PREFIX = re.compile(r"^(Training|PublicTest|PrivateTest)_")

    def __init__(self, root):
        self.root = require_dir(root, "FER2013 image folder", "expected train/<class>/*.jpg and test/<class>/*.jpg")
        self.tops = [t for t in self.TOP_SPLITS if os.path.isdir(os.path.join(self.root, t))]
        if not self.tops:
            raise FileNotFoundError(f"{self.root}: no train/ or test/ folder (expected train/<class>/*.jpg)")

    def __iter__(self):
        for top in self.tops:
            top_dir = os.path.join(self.root, top)
            for class_name in list_dirs(top_dir):
                class_dir = os.path.join(top_dir, class_name)
                label = canonical_from_name(class_name)
                if label is None:
                    raise SourceError(class_dir, f"unknown class folder {class_name!r}")
                for file_name in list_images(class_dir):
                    match = self.PREFIX.match(file_name)
                    raw_split = match.group(1) if match else top
                    split = USAGE_SPLITS.get(raw_split, self.TOP_SPLITS[top])
                    yield FaceRecord(
                        source=self.name,
                        source_id=f"{top}/{class_name}/{file_name}",
                        split=split,
                        label=label,
                        raw_label=class_name,
                        filepath=os.path.join(class_dir, file_name),
                        raw_split=raw_split,
                    )
