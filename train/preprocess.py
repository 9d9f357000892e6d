"""Face → model input, the same steps on the host as on the camera.

The camera (``openmv/camera/main.py``) finds faces with a Haar frontal-face
cascade, crops the largest with a margin, resizes to the model input and
feeds int8 ``pixel − 128``. Here: images already face-sized (FER2013,
RAF-DB aligned, CK+48, camera crops) are resized; large frames (CK+
originals, webcam shots) go through OpenCV's Haar cascade of the same
family first. The float model sees ``pixel / 255``; its int8 version,
quantized with input scale 1/255 and zero point −128, sees exactly the
camera's ``pixel − 128``.
"""

import cv2
import numpy as np

from openmv.camera.face_box import MARGIN, face_roi

FACE_SEARCH_MIN_SIDE = 160  # smaller images are taken to be face crops already
_cascade = None


def _face_cascade():
    global _cascade
    if _cascade is None:
        _cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    return _cascade


def largest_face(gray):
    """(x, y, w, h) of the largest Haar face in a grayscale image, or None."""
    faces = _face_cascade().detectMultiScale(gray, scaleFactor=1.25, minNeighbors=5, minSize=(24, 24))
    if len(faces) == 0:
        return None
    return tuple(int(v) for v in max(faces, key=lambda f: f[2] * f[3]))


def crop_with_margin(gray, box, margin=MARGIN):
    """Square crop around ``box`` grown by ``margin`` on each side, inside the image: the camera's own box
    (:func:`openmv.camera.face_box.face_roi`, the file main.py imports on the camera)."""
    x0, y0, side, _ = face_roi(box, gray.shape[1], gray.shape[0], margin)
    return gray[y0:y0 + side, x0:x0 + side]


def to_model_input(gray, size=48):
    """Grayscale uint8 (H, W) → uint8 (size, size) face, cropped if the frame is large."""
    if min(gray.shape[:2]) >= FACE_SEARCH_MIN_SIDE:
        face, _ = face_from_frame(gray, size)
        if face is not None:
            return face
        side = min(gray.shape[:2])  # no face found: centre square
        y0, x0 = (gray.shape[0] - side) // 2, (gray.shape[1] - side) // 2
        gray = gray[y0:y0 + side, x0:x0 + side]
    return resize_face(gray, size)


def resize_face(gray, size):
    """A square uint8 crop (S, S) → uint8 (size, size): INTER_AREA down, INTER_LINEAR up, as every path resizes."""
    if gray.shape[:2] != (size, size):
        interpolation = cv2.INTER_AREA if gray.shape[0] > size else cv2.INTER_LINEAR
        gray = cv2.resize(gray, (size, size), interpolation=interpolation)
    return np.ascontiguousarray(gray, dtype=np.uint8)


def face_from_frame(gray, size=48):
    """A camera-style frame (H, W) uint8 → (face uint8 (size, size), box (x, y, w, h)), or (None, None).

    The largest Haar face, the camera's square margin box, the shared resize:
    what :func:`to_model_input` does to a large frame, without its
    centre-square fallback (a capture with no face is no sample).
    """
    box = largest_face(gray)
    if box is None:
        return None, None
    return resize_face(crop_with_margin(gray, box), size), box


def resize_faces(x_uint8, size):
    """uint8 faces (N, H, W) → uint8 (N, size, size), as :func:`to_model_input` resizes one face.

    Returns ``x_uint8`` itself when it already has the size: a model's input
    geometry decides, whatever size the export was written at.
    """
    x_uint8 = np.asarray(x_uint8)
    if x_uint8.ndim != 3:
        raise ValueError(f"faces must be uint8 (N, H, W), got shape {x_uint8.shape}")
    if x_uint8.shape[1:] == (size, size):
        return x_uint8
    interpolation = cv2.INTER_AREA if x_uint8.shape[1] > size else cv2.INTER_LINEAR
    out = np.empty((len(x_uint8), size, size), dtype=np.uint8)
    for i, face in enumerate(x_uint8):
        out[i] = cv2.resize(face, (size, size), interpolation=interpolation)
    return out


CLAHE_TILES = 8  # tiles per side, as OpenMV's histeq(adaptive=True) (Zuiderveld's CLAHE) and OpenCV's default


def clahe_faces(x_uint8, clip_limit, tiles=CLAHE_TILES):
    """Contrast-limited adaptive histogram equalisation of uint8 faces (N, H, W) or one face (H, W); same shape.

    OpenCV's CLAHE with ``clipLimit=clip_limit`` on a ``tiles`` x ``tiles``
    grid: the host side of ``img.histeq(adaptive=True, clip_limit=...)``
    that ``main.py`` runs on the 48x48 crop. ``clip_limit`` 0 returns the
    faces as they are.
    """
    x_uint8 = np.asarray(x_uint8)
    if clip_limit <= 0:
        return x_uint8
    if x_uint8.dtype != np.uint8 or x_uint8.ndim not in (2, 3):
        raise ValueError(f"CLAHE takes uint8 (N, H, W) or (H, W) faces, got {x_uint8.dtype} {x_uint8.shape}")
    clahe = cv2.createCLAHE(clipLimit=float(clip_limit), tileGridSize=(tiles, tiles))
    if x_uint8.ndim == 2:
        return clahe.apply(x_uint8)
    out = np.empty_like(x_uint8)
    for i, face in enumerate(x_uint8):
        out[i] = clahe.apply(face)
    return out


def camera_int8(face_uint8):
    """What OpenMV feeds an int8 model: ``pixel − 128`` as int8, same shape."""
    return (face_uint8.astype(np.int16) - 128).astype(np.int8)
