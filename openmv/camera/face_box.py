# The face crop box, shared by the camera and the host (MicroPython and CPython alike).
#
# The camera (main.py) imports it from its drive; the host's preprocessing
# (train/preprocess.py) imports this same file, so both crop the same pixels.
# Plain integers only: no numpy, no f-strings beyond what MicroPython has.

MARGIN = 0.15  # grow the face box by this much on every side


def face_roi(box, width, height, margin=MARGIN):
    """Square box around a face (x, y, w, h), grown by ``margin`` per side, inside the frame: (x, y, side, side)."""
    x, y, w, h = box
    side = int(max(w, h) * (1 + 2 * margin))
    side = max(1, min(side, width, height))
    cx, cy = x + w // 2, y + h // 2
    x0 = max(0, min(width - side, cx - side // 2))
    y0 = max(0, min(height - side, cy - side // 2))
    return (x0, y0, side, side)
