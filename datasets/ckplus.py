"""Extended Cohn-Kanade (CK+, Lucey et al. 2010): original layout and CK+48.

Original layout (only 327 of 593 sequences carry an emotion file)::

    cohn-kanade-images/S005/001/S005_001_00000001.png ... _00000011.png
    Emotion/S005/001/S005_001_00000011_emotion.txt     "   3.0000000e+00"

The emotion file labels the sequence's last (peak) frame; by convention the
first frame of a labelled sequence is neutral. Codes: 0 neutral, 1 anger,
2 contempt, 3 disgust, 4 fear, 5 happy, 6 sadness, 7 surprise.

CK+48 repackaging (48x48 faces, last three frames of each labelled sequence)::

    <class>/S010_004_00000017.png       class in anger, contempt, disgust, fear,
                                        happy, sadness, surprise

CK+ has no official split: subjects are split 80/10/10 by a stable hash of
the subject id, so no person appears in two splits.
"""

import math
import os
import re

from datasets.records import (
    FaceRecord, SourceError, hashed_split, is_litter, list_dirs, list_images, require_dir,
)
from labels.taxonomy import CKPLUS_EMOTION, canonical_from_name

FRAME = re.compile(r"^(S\d+)_(\d+)_(\d+)\.png$")
EMOTION_FILE = re.compile(r"^(S\d+_\d+_\d+)_emotion\.txt$")


def is_original_layout(root):
    """True when ``root`` holds ``cohn-kanade-images/`` (else assume CK+48)."""
    return os.path.isdir(os.path.join(root, "cohn-kanade-images"))


class CKPlus:
    """CK+ original layout: peak frames (labelled) and first frames (neutral)."""

    name = "ckplus"

    def __init__(self, root):
        self.root = require_dir(root, "CK+ folder", "expected cohn-kanade-images/ and Emotion/")
        self.images = require_dir(os.path.join(self.root, "cohn-kanade-images"), "CK+ image tree")
        self.emotions = require_dir(
            os.path.join(self.root, "Emotion"), "CK+ Emotion/ tree", "it holds the *_emotion.txt labels"
        )

    def __iter__(self):
        for subject in list_dirs(self.emotions):
            subject_dir = os.path.join(self.emotions, subject)
            split = hashed_split(subject)
            for sequence in list_dirs(subject_dir):
                yield from self._sequence(subject, sequence, split)

    def _sequence(self, subject, sequence, split):
        label_dir = os.path.join(self.emotions, subject, sequence)
        label_files = [f for f in sorted(os.listdir(label_dir)) if EMOTION_FILE.match(f) and not is_litter(f)]
        if not label_files:
            return  # unlabelled sequence
        label_path = os.path.join(label_dir, label_files[0])
        code = read_emotion_file(label_path)
        peak_stem = EMOTION_FILE.match(label_files[0]).group(1)
        frame_dir = os.path.join(self.images, subject, sequence)
        peak = os.path.join(frame_dir, peak_stem + ".png")
        if not os.path.isfile(peak):
            raise SourceError(label_path, f"peak frame {peak} not found")
        frames = [f for f in list_images(frame_dir) if FRAME.match(f)]
        first = frames[0]
        common = dict(source=self.name, split=split, subject=subject, raw_split=None)
        if first != peak_stem + ".png":
            yield FaceRecord(
                source_id=first[: -len(".png")], label="neutral", raw_label="first-frame",
                filepath=os.path.join(frame_dir, first), **common,
            )
        yield FaceRecord(
            source_id=peak_stem, label=CKPLUS_EMOTION[code], raw_label=str(code),
            filepath=peak, **common,
        )


def read_emotion_file(path):
    """Parse a CK+ emotion file (one float such as ``3.0000000e+00``) → int 0-7."""
    with open(path, encoding="ascii", errors="replace") as stream:
        text = stream.read().strip()
    if not text:
        raise SourceError(path, "emotion file is empty (expected one number 0-7)")
    try:
        value = float(text)
    except ValueError:
        raise SourceError(path, f"emotion {text[:30]!r} is not a number", 1) from None
    if not math.isfinite(value) or value != int(value) or int(value) not in CKPLUS_EMOTION:
        raise SourceError(path, f"emotion code {text[:30]!r} is not one of 0-7", 1)
    return int(value)


class CKPlus48:
    """CK+48: ``<class>/S###_###_########.png`` 48x48 faces, subject from the name."""

    name = "ckplus48"

    def __init__(self, root):
        self.root = require_dir(root, "CK+48 folder", "expected <class>/S###_###_########.png")

    def __iter__(self):
        class_dirs = list_dirs(self.root)
        if not class_dirs:
            raise FileNotFoundError(f"{self.root}: no class folders (expected anger/, happy/, ...)")
        for class_name in class_dirs:
            label = canonical_from_name(class_name)
            class_dir = os.path.join(self.root, class_name)
            if label is None:
                raise SourceError(class_dir, f"unknown class folder {class_name!r}")
            for file_name in list_images(class_dir):
                match = FRAME.match(file_name)
                if not match:
                    raise SourceError(
                        os.path.join(class_dir, file_name), "file name is not S###_###_########.png"
                    )
                subject = match.group(1)
                yield FaceRecord(
                    source=self.name,
                    source_id=file_name[: -len(".png")],
                    split=hashed_split(subject),
                    label=label,
                    raw_label=class_name,
                    filepath=os.path.join(class_dir, file_name),
                    subject=subject,
                )
