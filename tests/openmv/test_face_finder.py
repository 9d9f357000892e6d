"""face_finder.py picks the detector, cascade file and scale keyword each firmware generation has.

The firmware cannot run here; each test hands FaceFinder stand-ins for the
`image` and `ml` modules that behave as one firmware line does (what exists
in ROMFS, which keyword find_features reads; unknown keywords are ignored,
as the firmware does), and checks what it picked and the scale it scanned at.
"""

import sys
import types

import pytest

from openmv.camera import face_finder
from openmv.camera.face_finder import FOMO_ROM, HAAR_ROM, HAAR_SCALE, FaceFinder

FIRMWARE = {  # version → (files in ROMFS, built-in cascades, find_features' scale keyword)
    (4, 5, 9): (set(), {"frontalface"}, "scale_factor"),
    (4, 7, 0): ({HAAR_ROM, FOMO_ROM}, set(), "scale_factor"),
    (5, 0, 0): ({HAAR_ROM, FOMO_ROM}, set(), "scale"),
}
FACES = [(10, 10, 30, 30), (100, 50, 80, 90), (200, 40, 60, 60)]  # one below MIN_FACE


def fake_image(builtin, keyword):
    class Frame:
        scanned_at = None

        def find_features(self, cascade, threshold=0.5, **options):
            Frame.scanned_at = options.get(keyword, 1.5)  # an unknown keyword is ignored: the default scale
            return list(FACES)

    def haar(name, stages=25):
        if name not in builtin and not name.startswith("/rom/"):
            raise OSError("no cascade %s" % name)
        return ("cascade", name, stages)

    return types.SimpleNamespace(HaarCascade=haar, Frame=Frame)


@pytest.fixture
def fake_ml(monkeypatch):
    """An `ml` module whose FOMO model reports one face blob (background list first)."""
    class Fomo:
        def __init__(self, threshold):
            self.threshold = threshold

    class Model:
        def __init__(self, path, postprocess=None):
            self.path, self.postprocess = path, postprocess

        def predict(self, images):
            return [[((0, 0, 320, 240), 0.9)], [((120, 80, 40, 50), 0.8)]]

    ml = types.ModuleType("ml")
    ml.Model = Model
    post = types.ModuleType("ml.postprocessing")
    edge = types.ModuleType("ml.postprocessing.edgeimpulse")
    edge.Fomo = Fomo
    for name, module in (("ml", ml), ("ml.postprocessing", post), ("ml.postprocessing.edgeimpulse", edge)):
        monkeypatch.setitem(sys.modules, name, module)
    return ml


@pytest.mark.parametrize("version", sorted(FIRMWARE))
def test_haar_path_and_scale_keyword_per_firmware(version):
    rom, builtin, keyword = FIRMWARE[version]
    image = fake_image(builtin, keyword)
    finder = FaceFinder(image_module=image, exists=rom.__contains__, version=version, prefer_fomo=False)
    frame = image.Frame()
    assert finder.largest(frame) == (100, 50, 80, 90)  # largest of those at least MIN_FACE wide
    assert image.Frame.scanned_at == HAAR_SCALE  # the firmware read our scale, not its default
    assert finder.path == "haar %s, %s=%s" % (HAAR_ROM if rom else "frontalface", keyword, HAAR_SCALE)


def test_fomo_is_preferred_where_romfs_has_it(fake_ml):
    rom, builtin, keyword = FIRMWARE[(5, 0, 0)]
    finder = FaceFinder(image_module=fake_image(builtin, keyword), exists=rom.__contains__, version=(5, 0, 0))
    assert finder.path == "fomo " + FOMO_ROM and finder.cascade is None
    x, y, w, h = finder.largest(object())
    assert w == h == int(50 * face_finder.FOMO_BOX_GROW)  # square, grown from the blob
    assert (x + w // 2, y + h // 2) == (140, 105)  # centred on the blob (background list skipped)


def test_no_fomo_file_or_no_ml_module_falls_back_to_haar(fake_ml, monkeypatch):
    rom, builtin, keyword = FIRMWARE[(4, 5, 9)]
    finder = FaceFinder(image_module=fake_image(builtin, keyword), exists=rom.__contains__, version=(4, 5, 9))
    assert finder.path.startswith("haar frontalface")
    monkeypatch.setitem(sys.modules, "ml", None)  # `import ml` raises ImportError
    rom, builtin, keyword = FIRMWARE[(4, 7, 0)]
    finder = FaceFinder(image_module=fake_image(builtin, keyword), exists=rom.__contains__, version=(4, 7, 0))
    assert finder.path.startswith("haar " + HAAR_ROM)


def test_version_defaults_to_4_5_without_the_omv_module(monkeypatch):
    monkeypatch.setitem(sys.modules, "omv", None)
    assert face_finder.firmware_version() == (4, 5, 0)
    omv = types.SimpleNamespace(version_major=lambda: 5, version_minor=lambda: 1, version_patch=lambda: 2)
    monkeypatch.setitem(sys.modules, "omv", omv)
    assert face_finder.firmware_version() == (5, 1, 2)


@pytest.mark.parametrize("script", ["main.py", "capture.py"])
def test_camera_scripts_find_faces_with_the_shared_finder(script):
    import ast
    import os

    from openmv.bundle import CAMERA_SCRIPTS

    tree = ast.parse(open(os.path.join(CAMERA_SCRIPTS, script)).read())
    imports = [(n.module, [a.name for a in n.names]) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert ("face_finder", ["FaceFinder"]) in imports
    calls = [n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
    assert "find_features" not in calls and "HaarCascade" not in calls  # no second detector to drift
