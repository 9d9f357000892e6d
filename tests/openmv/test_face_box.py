"""One face crop for host and camera: main.py and capture.py import face_box.py, and so does the host."""

import ast
import os

import numpy as np
import pytest

from openmv.bundle import CAMERA_SCRIPTS
from openmv.camera.face_box import MARGIN, face_roi


@pytest.mark.parametrize("script", ["main.py", "capture.py"])
def test_camera_scripts_crop_with_the_shared_box(script):
    tree = ast.parse(open(os.path.join(CAMERA_SCRIPTS, script)).read())
    imports = [(n.module, [a.name for a in n.names]) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert ("face_box", ["face_roi"]) in imports
    own = [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "face_roi"]
    names = [t.id for n in ast.walk(tree) if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)]
    assert not own and "MARGIN" not in names  # no second copy of the crop to drift


def test_box_is_square_grown_and_inside_the_frame():
    assert face_roi((100, 60, 50, 50), 320, 240) == (93, 53, 65, 65)  # int(50 * 1.3) = 65, centred
    assert face_roi((0, 0, 40, 30), 320, 240) == (0, 0, 52, 52)  # pushed inside at the corner
    assert face_roi((280, 200, 40, 40), 320, 240) == (268, 188, 52, 52)
    assert face_roi((10, 10, 300, 300), 320, 240) == (40, 0, 240, 240)  # never larger than the frame


def test_host_crop_is_the_camera_box():
    pytest.importorskip("cv2")
    from train.preprocess import crop_with_margin

    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (240, 320), dtype=np.uint8)
    for _ in range(200):
        w, h = (int(v) for v in rng.integers(10, 260, 2))
        x, y = int(rng.integers(0, 320 - min(w, 300))), int(rng.integers(0, 240 - min(h, 220)))
        x0, y0, side, _ = face_roi((x, y, w, h), 320, 240)
        assert np.array_equal(crop_with_margin(frame, (x, y, w, h)), frame[y0:y0 + side, x0:x0 + side])
    assert MARGIN == 0.15
