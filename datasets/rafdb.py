"""RAF-DB basic expressions (Li et al. 2017; research agreement, manual download).

Layout (the official list file has CRLF line endings)::

    <root>/EmoLabel/list_patition_label.txt     "train_00001.jpg 5" / "test_0001.jpg 7"
    <root>/Image/aligned/train_00001_aligned.jpg (100x100 RGB)
    <root>/Image/original/train_00001.jpg        (optional)

Labels 1-7: Surprise, Fear, Disgust, Happiness, Sadness, Anger, Neutral.
Splits: train → train, test → test (RAF-DB has no validation split).
"""

import os
import re

from datasets.records import FaceRecord, SourceError, require_dir, require_file, text_lines
from labels.taxonomy import RAFDB_LABEL

LIST_FILE = os.path.join("EmoLabel", "list_patition_label.txt")
NAME = re.compile(r"^(train_\d{5}|test_\d{4})\.jpg$")
IMAGE_KINDS = ("aligned", "original")


class RAFDB:
    """RAF-DB basic: one record per list line, image from ``Image/<kind>/``."""

    name = "rafdb"

    def __init__(self, root, image_kind="aligned"):
        if image_kind not in IMAGE_KINDS:
            raise ValueError(f"image_kind must be one of {', '.join(IMAGE_KINDS)}, got {image_kind!r}")
        self.root = require_dir(root, "RAF-DB folder", f"expected {LIST_FILE} and Image/{image_kind}/")
        self.list_path = require_file(
            os.path.join(self.root, LIST_FILE), "RAF-DB list file", "copy EmoLabel/ from the RAF-DB basic download"
        )
        self.image_kind = image_kind
        self.image_dir = os.path.join(self.root, "Image", image_kind)

    def image_path(self, name):
        stem = name[: -len(".jpg")]
        file_name = f"{stem}_aligned.jpg" if self.image_kind == "aligned" else name
        return os.path.join(self.image_dir, file_name)

    def __iter__(self):
        for line_no, line in text_lines(self.list_path):
            line = line.strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) != 2 or not NAME.match(parts[0]):
                raise SourceError(
                    self.list_path, f"expected '<train_NNNNN|test_NNNN>.jpg <1-7>', found {line[:60]!r}", line_no
                )
            name, raw = parts
            if not raw.isdigit() or int(raw) not in RAFDB_LABEL:
                raise SourceError(self.list_path, f"unknown label {raw!r} for {name} (expected 1-7)", line_no)
            image = self.image_path(name)
            if not os.path.isfile(image):
                raise SourceError(self.list_path, f"image for {name} not found at {image}", line_no)
            split = name.split("_", 1)[0]
            yield FaceRecord(
                source=self.name,
                source_id=name[: -len(".jpg")],
                split=split,
                label=RAFDB_LABEL[int(raw)],
                raw_label=raw,
                filepath=image,
                raw_split=split,
            )
