"""Custom captures from a webcam or the camera's capture script.

Layout (what ``openmv/camera/capture.py`` writes to the SD card)::

    captures/<session>/<label>/<file>.{png,jpg,pgm}
    captures/<session>/unlabeled/<file>.pgm

``<label>`` is a canonical class or a common alias (``happy``, ``angry``);
``unlabeled`` images get no label. Frames of one session are near-identical,
so splits are drawn per session (stable hash) to keep them out of two splits.
The source id is ``<session>/<file>`` without the label folder, so moving a
file from ``unlabeled/`` to ``happy/`` relabels the same sample on rebuild.
"""

import os

from datasets.records import (
    FaceRecord, SourceError, hashed_split, list_dirs, list_images, require_dir,
)
from labels.taxonomy import canonical_from_name

UNLABELED = "unlabeled"


class Captures:
    """Every image under ``<root>/<session>/<label|unlabeled>/``."""

    name = "captures"

    def __init__(self, root):
        self.root = require_dir(root, "captures folder", "expected <session>/<label|unlabeled>/<image>")

    def __iter__(self):
        sessions = list_dirs(self.root)
        if not sessions:
            raise FileNotFoundError(f"{self.root}: no session folders (expected <session>/<label>/<image>)")
        for session in sessions:
            session_dir = os.path.join(self.root, session)
            split = hashed_split(f"captures/{session}")
            for label_name in list_dirs(session_dir):
                label_dir = os.path.join(session_dir, label_name)
                if label_name.lower() == UNLABELED:
                    label = None
                else:
                    label = canonical_from_name(label_name)
                    if label is None:
                        raise SourceError(
                            label_dir, f"unknown label folder {label_name!r} (use a class name or 'unlabeled')"
                        )
                for file_name in list_images(label_dir):
                    yield FaceRecord(
                        source=self.name,
                        source_id=f"{session}/{file_name}",
                        split=split,
                        label=label,
                        raw_label=label_name,
                        filepath=os.path.join(label_dir, file_name),
                        raw_split=session,
                    )
