"""JAFFE, the Japanese Female Facial Expression database (Lyons et al. 1998; research use, manual download).

213 grayscale 256x256 photos of 10 women, the label in the file name::

    <root>/KA.AN1.39.tiff      <subject>.<expression><n>.<image number>.tiff
    <root>/README              (anything that is not an image is ignored)

Subjects: two capital letters (KA, KL, KM, KR, MK, NA, NM, TM, UY, YM).
Expressions (:data:`labels.taxonomy.JAFFE_EXPRESSION`): AN anger, DI disgust,
FE fear, HA happiness, NE neutral, SA sadness, SU surprise. ``.tif``,
``.png`` and ``.jpg`` repackagings are read too; the folder may also hold
one level of subfolders (``jaffe/``, ``jaffedbase/``). JAFFE has no splits:
each subject goes wholly to train, val or test (``hashed_split``), as CK+'s
do. Source id: the file name without its extension. Browsers do not show
TIFF, so TIFF faces are read here and stored as PNGs in the media folder
(``pixels``); PNG/JPEG repackagings are used in place.
"""

import os
import re

from datasets.records import FaceRecord, SourceError, hashed_split, is_litter, list_dirs, list_images, require_dir
from labels.taxonomy import JAFFE_EXPRESSION

EXTENSIONS = (".tiff", ".tif", ".png", ".jpg", ".jpeg")
FILE_NAME = re.compile(r"^([A-Z]{2})\.([A-Z]{2})(\d+)\.(\d+)\.(?:tiff?|png|jpe?g)$", re.IGNORECASE)


class JAFFE:
    """One record per image file; subject and label from the name."""

    name = "jaffe"

    def __init__(self, root):
        self.root = require_dir(root, "JAFFE folder", "expected KA.AN1.39.tiff and the like")

    def folders(self):
        """The root and its direct subfolders, those that hold images."""
        candidates = [self.root, *(os.path.join(self.root, d) for d in list_dirs(self.root))]
        found = [d for d in candidates if list_images(d, EXTENSIONS)]
        if not found:
            raise FileNotFoundError(f"{self.root}: no JAFFE images (expected KA.AN1.39.tiff and the like)")
        return found

    def __iter__(self):
        for folder in self.folders():
            for file_name in list_images(folder, EXTENSIONS):
                if is_litter(file_name):
                    continue
                path = os.path.join(folder, file_name)
                match = FILE_NAME.match(file_name)
                if not match:
                    raise SourceError(path, "file name is not <subject>.<expression><n>.<number>.tiff "
                                            "(e.g. KA.AN1.39.tiff)")
                subject, code = match.group(1).upper(), match.group(2).upper()
                if code not in JAFFE_EXPRESSION:
                    raise SourceError(path, f"unknown expression code {code!r} "
                                            f"(expected {', '.join(JAFFE_EXPRESSION)})")
                pixels = read_tiff(path) if file_name.lower().endswith((".tif", ".tiff")) else None
                yield FaceRecord(
                    source=self.name, source_id=os.path.splitext(file_name)[0], split=hashed_split(f"jaffe:{subject}"),
                    label=JAFFE_EXPRESSION[code], raw_label=code, filepath=None if pixels is not None else path,
                    pixels=pixels, subject=subject,
                )


def read_tiff(path):
    """A TIFF face → uint8 grayscale (H, W); SourceError when it does not decode."""
    import cv2

    image = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise SourceError(path, "image does not decode (a truncated or foreign TIFF?)")
    return image
