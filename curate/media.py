"""Materialising CSV pixels as PNG files, atomically.

A PNG is encoded in memory, written to a temporary name beside its final
path and renamed into place, so an interrupted build never leaves a
truncated image behind that a re-run would trust.
"""

import os

import cv2


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
        with open(tmp, "wb") as stream:
            stream.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return len(data)
