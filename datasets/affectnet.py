"""AffectNet (Mollahosseini et al. 2017; academic licence, manual download), in its two releases.

The original release (``AffectNet``): file lists with a face box per image,
the faces are cropped here::

    <root>/Manually_Annotated_file_lists/training.csv      → split train
    <root>/Manually_Annotated_file_lists/validation.csv    → split test (AffectNet's test set is not public)
    <root>/Manually_Annotated_Images/<subDirectory_filePath>

    subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal
    689/737db2483489148d783ef278f43f486c0a97e140fc4b6b61b84363ca.jpg,134,134,899,899,181.64;530.91;...,1,0.785714,-0.055556

The face box (pixels, top-left x/y, width, height) is clipped to the image
and cut in colour; a crop larger than :data:`CROP_MAX` on a side is shrunk
to it (INTER_AREA), so a million faces do not cost a million full photos.
Landmarks are not kept. Source id: ``subDirectory_filePath`` without the
extension (``689/737db...``).

The newer release (``AffectNetCropped``): 224x224 faces already cropped,
one ``.npy`` per annotation (a 0-d array; strings or numbers)::

    <root>/train_set/images/<id>.jpg         → split train
    <root>/train_set/annotations/<id>_exp.npy  expression 0-7
    <root>/train_set/annotations/<id>_val.npy  valence   [-1, 1]
    <root>/train_set/annotations/<id>_aro.npy  arousal   [-1, 1]
    <root>/train_set/annotations/<id>_lnd.npy  landmarks (not kept)
    <root>/val_set/...                      → split test

Expressions (:data:`labels.taxonomy.AFFECTNET_EXPRESSION`): 0 Neutral,
1 Happy, 2 Sad, 3 Surprise, 4 Fear, 5 Disgust, 6 Anger, 7 Contempt map to
the canonical classes; 8 None and 9 Uncertain become one vote in FERPlus's
``unknown`` column and 10 Non-Face one in ``NF`` (no label), so ``curate
score`` tags Non-Face ``not-face`` and the rest go to the annotators as
unlabelled faces. Valence and arousal become the ``valence``/``arousal``
fields; AffectNet's -2 ("not applicable", on 8-10) becomes None.
"""

import os

import numpy as np

from datasets.records import FaceRecord, SourceError, csv_rows, list_images, require_dir, require_file
from labels.taxonomy import AFFECTNET_EXPRESSION, AFFECTNET_UNLABELLED, VOTE_COLUMNS

LISTS = "Manually_Annotated_file_lists"
IMAGES = "Manually_Annotated_Images"
LIST_SPLITS = (("training.csv", "train"), ("validation.csv", "test"))
HEADER = ("subDirectory_filePath", "face_x", "face_y", "face_width", "face_height",
          "facial_landmarks", "expression", "valence", "arousal")
SET_SPLITS = (("train_set", "train"), ("val_set", "test"))
CROP_MAX = 224
NOT_APPLICABLE = -2.0


def expression_fields(raw, where, line=None):
    """AffectNet's expression code (str) → (canonical label or None, votes tuple or None).

    0-7: a label, no votes. 8/9/10: no label, one vote in ``unknown``/``NF``.
    """
    text = str(raw).strip()
    try:
        number = float(text)
        code = int(number) if number.is_integer() else None  # a numeric .npy reads back as "6.0"
    except ValueError:
        code = None
    if code in AFFECTNET_EXPRESSION:
        return AFFECTNET_EXPRESSION[code], None
    if code in AFFECTNET_UNLABELLED:
        votes = [0] * len(VOTE_COLUMNS)
        votes[VOTE_COLUMNS.index(AFFECTNET_UNLABELLED[code])] = 1
        return None, tuple(votes)
    raise SourceError(where, f"expression {text[:20]!r} is not one of 0-10", line)


def affect_value(raw, name, where, line=None):
    """A valence/arousal cell → float in [-1, 1], or None for AffectNet's -2 (not applicable)."""
    try:
        value = float(str(raw).strip())
    except ValueError:
        raise SourceError(where, f"{name} {str(raw)[:20]!r} is not a number", line) from None
    if value == NOT_APPLICABLE:
        return None
    if not -1.0 <= value <= 1.0:
        raise SourceError(where, f"{name} {value} is outside [-1, 1] (or -2 for not applicable)", line)
    return value


def crop_face(image, box):
    """uint8 image (H, W[, 3]) and box (x, y, w, h) → the clipped crop, at most CROP_MAX on a side, or None."""
    import cv2

    x, y, w, h = box
    height, width = image.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(width, x + w), min(height, y + h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    crop = image[y0:y1, x0:x1]
    side = max(crop.shape[:2])
    if side > CROP_MAX:
        scale = CROP_MAX / side
        size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(crop)


class AffectNet:
    """The original release: one record per file-list row, the face cropped from its box (``pixels``)."""

    name = "affectnet"

    def __init__(self, root):
        self.root = require_dir(root, "AffectNet folder", f"expected {LISTS}/ and {IMAGES}/")
        self.lists = [(os.path.join(self.root, LISTS, file), split) for file, split in LIST_SPLITS
                      if os.path.isfile(os.path.join(self.root, LISTS, file))]
        if not self.lists:
            raise FileNotFoundError(f"{os.path.join(self.root, LISTS)}: neither training.csv nor validation.csv "
                                    f"found; copy {LISTS}/ from the AffectNet download")
        for path, _ in self.lists:
            require_file(path, "AffectNet file list")
        self.image_dir = require_dir(os.path.join(self.root, IMAGES), "AffectNet image folder",
                                     f"unpack {IMAGES}/ next to {LISTS}/")

    def __iter__(self):
        for path, split in self.lists:
            yield from self._rows(path, split)

    def _rows(self, path, split):
        import cv2

        rows = csv_rows(path)
        for line, row in rows:
            if tuple(row[:len(HEADER)]) != HEADER:
                raise SourceError(path, f"expected the header {','.join(HEADER)}, found {','.join(row)[:80]!r}", line)
            break
        for line, row in rows:
            if not any(row):
                continue
            if len(row) != len(HEADER):
                raise SourceError(path, f"expected {len(HEADER)} columns, found {len(row)}", line)
            relative = row[0].replace("\\", "/")
            if not relative or relative.startswith("/") or ".." in relative.split("/"):
                raise SourceError(path, f"bad image path {row[0]!r}", line)
            try:
                box = tuple(int(float(v)) for v in row[1:5])
            except ValueError:
                raise SourceError(path, f"face box {','.join(row[1:5])!r} is not four numbers", line) from None
            if box[2] <= 0 or box[3] <= 0:
                raise SourceError(path, f"face box {box} has no area", line)
            label, votes = expression_fields(row[6], path, line)
            image_path = os.path.join(self.image_dir, relative)
            image = cv2.imread(image_path, cv2.IMREAD_COLOR) if os.path.isfile(image_path) else None
            if image is None:
                problem = "not found" if not os.path.isfile(image_path) else "does not decode"
                raise SourceError(path, f"image {image_path} {problem}", line)
            crop = crop_face(image, box)
            if crop is None:
                raise SourceError(path, f"face box {box} lies outside the {image.shape[1]}x{image.shape[0]} image", line)
            yield FaceRecord(
                source=self.name, source_id=os.path.splitext(relative)[0], split=split, label=label,
                raw_label=row[6], pixels=crop, raw_split=os.path.basename(path)[: -len(".csv")], votes=votes,
                valence=affect_value(row[7], "valence", path, line),
                arousal=affect_value(row[8], "arousal", path, line),
            )


def read_npy_scalar(path, what):
    """The value of a 0-d (or one-element) ``.npy`` file, as str; SourceError when it is missing or not one value."""
    if not os.path.isfile(path):
        raise SourceError(path, f"{what} annotation not found")
    try:
        value = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise SourceError(path, f"not a readable .npy file ({err})") from None
    if value.size != 1:
        raise SourceError(path, f"{what} annotation holds {value.size} values, expected one")
    item = value.reshape(-1)[0]
    return item.decode() if isinstance(item, bytes) else str(item)


class AffectNetCropped:
    """The newer release: ``<set>/images/<id>.jpg`` faces with ``annotations/<id>_{exp,val,aro}.npy``."""

    name = "affectnet"

    def __init__(self, root):
        self.root = require_dir(root, "AffectNet folder", "expected train_set/ and val_set/")
        self.sets = [(os.path.join(self.root, folder), split) for folder, split in SET_SPLITS
                     if os.path.isdir(os.path.join(self.root, folder))]
        if not self.sets:
            raise FileNotFoundError(f"{self.root}: neither train_set/ nor val_set/ found")
        for folder, _ in self.sets:
            require_dir(os.path.join(folder, "images"), "AffectNet images folder")
            require_dir(os.path.join(folder, "annotations"), "AffectNet annotations folder")

    def __iter__(self):
        for folder, split in self.sets:
            notes = os.path.join(folder, "annotations")
            for file_name in list_images(os.path.join(folder, "images")):
                stem = os.path.splitext(file_name)[0]
                exp = os.path.join(notes, f"{stem}_exp.npy")
                raw = read_npy_scalar(exp, "expression")
                label, votes = expression_fields(raw, exp)
                valence = os.path.join(notes, f"{stem}_val.npy")
                arousal = os.path.join(notes, f"{stem}_aro.npy")
                yield FaceRecord(
                    source=self.name, source_id=stem, split=split, label=label, raw_label=raw,
                    filepath=os.path.join(folder, "images", file_name), raw_split=os.path.basename(folder),
                    votes=votes,
                    valence=affect_value(read_npy_scalar(valence, "valence"), "valence", valence),
                    arousal=affect_value(read_npy_scalar(arousal, "arousal"), "arousal", arousal),
                )


def is_cropped_layout(root):
    """True when ``root`` holds the newer release (train_set/ or val_set/) rather than the file lists."""
    return not os.path.isdir(os.path.join(root, LISTS)) and any(
        os.path.isdir(os.path.join(root, folder)) for folder, _ in SET_SPLITS)


def affectnet_adapter(root):
    """The adapter for the release found at ``root``."""
    return AffectNetCropped(root) if is_cropped_layout(root) else AffectNet(root)
