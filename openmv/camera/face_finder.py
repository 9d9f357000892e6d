# The face finder main.py and capture.py share, for OpenMV firmware 4.5.x through 5.x.
#
# MicroPython (also imports on CPython, where the tests hand it stand-ins for
# the firmware's modules). What it picks, in order:
#
# 1. FOMO face detection from ROMFS (firmware >= 4.7 ships
#    /rom/fomo_face_detection.tflite, face/background) through the `ml`
#    module and its Edge Impulse FOMO post-processing;
# 2. the Haar cascade: /rom/haarcascade_frontalface.cascade where ROMFS has
#    it (>= 4.7), else the built-in "frontalface" (4.5.x, 4.6.x).
#
# find_features' scale keyword is `scale` from firmware 5.0 and
# `scale_factor` before, chosen by the firmware's version (omv.version_major):
# the firmware ignores a keyword it does not know, so trying one and catching
# an error would silently scan at the default scale. `path` says which detector, file and keyword were taken;
# the scripts print it. Every box goes through face_box.face_roi, so the crop
# fed to the classifier is a square cut by our own arithmetic and the
# firmware's resize (stretch in 5.x, fill-and-crop before) never sees a
# non-square region.

HAAR_ROM = "/rom/haarcascade_frontalface.cascade"
HAAR_BUILTIN = "frontalface"
FOMO_ROM = "/rom/fomo_face_detection.tflite"
HAAR_STAGES = 25
HAAR_THRESHOLD = 0.75
HAAR_SCALE = 1.25
FOMO_THRESHOLD = 0.4
# FOMO marks the face's centre cells, a box smaller than the face; grow it to
# about a Haar face box (set on synthetic frames, not yet checked on a camera)
FOMO_BOX_GROW = 1.6
MIN_FACE = 40


def firmware_version():
    """(major, minor, patch) of the running firmware; (4, 5, 0) where the omv module cannot say."""
    try:
        import omv

        return (omv.version_major(), omv.version_minor(), omv.version_patch())
    except (ImportError, AttributeError):
        return (4, 5, 0)


def _exists(path):
    import os

    try:
        os.stat(path)
        return True
    except OSError:
        return False


class FaceFinder:
    """Largest-face finder: ``largest(img)`` -> (x, y, w, h) or None; ``path`` names what it uses."""

    def __init__(self, image_module=None, ml_module=None, exists=None, version=None, prefer_fomo=True,
                 min_face=MIN_FACE):
        if image_module is None:
            import image as image_module
        self.image = image_module
        self.exists = exists or _exists
        self.version = tuple(version or firmware_version())
        self.min_face = min_face
        self.fomo = None
        self.cascade = None
        self.scale_keyword = None
        if prefer_fomo:
            self._load_fomo(ml_module)
        if self.fomo is None:
            self._load_haar()

    def _load_fomo(self, ml_module):
        if not self.exists(FOMO_ROM):
            return
        try:
            ml = ml_module
            if ml is None:
                import ml
            from ml.postprocessing.edgeimpulse import Fomo
        except ImportError:
            return
        try:
            self.fomo = ml.Model(FOMO_ROM, postprocess=Fomo(threshold=FOMO_THRESHOLD))
        except (OSError, TypeError, ValueError, RuntimeError) as err:
            print("FOMO face detector unusable (%s); using the Haar cascade" % err)
            self.fomo = None
        else:
            self.path = "fomo %s" % FOMO_ROM

    def _load_haar(self):
        name = HAAR_ROM if self.exists(HAAR_ROM) else HAAR_BUILTIN
        self.cascade = self.image.HaarCascade(name, stages=HAAR_STAGES)
        self.scale_keyword = "scale" if self.version[0] >= 5 else "scale_factor"
        self.path = "haar %s, %s=%s" % (name, self.scale_keyword, HAAR_SCALE)

    def _haar_faces(self, img):
        if self.scale_keyword == "scale":
            return img.find_features(self.cascade, threshold=HAAR_THRESHOLD, scale=HAAR_SCALE)
        return img.find_features(self.cascade, threshold=HAAR_THRESHOLD, scale_factor=HAAR_SCALE)

    def _fomo_faces(self, img):
        boxes = []
        for index, detections in enumerate(self.fomo.predict([img])):
            if index == 0:
                continue  # background
            for (x, y, w, h), _score in detections:
                side = int(max(w, h) * FOMO_BOX_GROW)
                boxes.append((x + w // 2 - side // 2, y + h // 2 - side // 2, side, side))
        return boxes

    def faces(self, img):
        """Face boxes (x, y, w, h) at least ``min_face`` wide."""
        found = self._fomo_faces(img) if self.fomo is not None else self._haar_faces(img)
        return [tuple(f[:4]) for f in found if f[2] >= self.min_face]

    def largest(self, img):
        """The largest face box, or None."""
        faces = self.faces(img)
        if not faces:
            return None
        return max(faces, key=lambda f: f[2] * f[3])
