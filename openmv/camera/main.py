# TinyVision Curate: facial-expression recognition on the OpenMV Cam H7 Plus.
#
# MicroPython, runs on the camera (copied to its drive by `curate bundle` /
# `curate flash`). Finds the largest face (face_finder.py: ROMFS FOMO where the
# firmware has it, else the Haar cascade), crops a square around it with a
# margin (face_box.py), scales it to the model input and classifies it. The firmware feeds
# an int8 model `pixel - 128`, which is exactly what our quantization expects
# (input scale 1/255, zero point -128), so no normalisation happens here.
#
# A model trained with CLAHE (model.json "clahe" > 0) gets the crop equalised
# the same way: img.histeq(adaptive=True, clip_limit=...), OpenMV's CLAHE.
#
# Works with the `ml` module (firmware >= 4.5.6; with and without the
# `load_to_fb` argument, which v5 removed) and falls back to the old `tf` module.

import time

import image
import sensor
from face_box import face_roi  # the crop the host's preprocessing uses too (face_box.py, on the drive)
from face_finder import FaceFinder  # detector and keywords for firmware 4.5.x .. 5.x (face_finder.py)

MODEL_FILE = "trained.tflite"
LABELS_FILE = "labels.txt"


def model_input():
    """(input side in pixels, CLAHE clip limit or 0) from the bundle's model.json."""
    try:
        import json

        with open("model.json") as f:
            info = json.load(f)["input"]
        return int(info["height"]), float(info.get("clahe", 0) or 0)
    except (OSError, ValueError, KeyError) as err:
        print("model.json unreadable (%s); assuming a 48x48 model without CLAHE" % err)
        return 48, 0.0


MODEL_SIZE, CLAHE = model_input()  # CLAHE > 0: the model was trained with `curate train --clahe CLAHE`
SMOOTHING = 0.5  # weight of the newest frame in the running average of scores (1 = none)

sensor.reset()
sensor.set_pixformat(sensor.GRAYSCALE)  # the Haar cascade and the model both want gray
sensor.set_framesize(sensor.QVGA)
sensor.skip_frames(time=2000)

finder = FaceFinder()
print("face finder:", finder.path)
labels = [line.strip() for line in open(LABELS_FILE) if line.strip()]


def load_classifier():
    """Return classify(face_image) -> list of scores, for whichever ML API the firmware has."""
    try:
        import ml
    except ImportError:
        ml = None
    if ml is not None:
        try:
            model = ml.Model(MODEL_FILE, load_to_fb=True)  # firmware 4.5.x
        except TypeError:
            model = ml.Model(MODEL_FILE)  # firmware 5: load_to_fb removed

        def classify(face):
            return list(model.predict([face])[0].flatten().tolist())

        return classify
    import tf  # firmware < 4.5.6

    net = tf.load(MODEL_FILE, load_to_fb=True)

    def classify_tf(face):
        return list(net.classify(face)[0].output())

    return classify_tf


classify = load_classifier()
scores = None
clock = time.clock()

while True:
    clock.tick()
    img = sensor.snapshot()
    box = finder.largest(img)
    if box is not None:
        roi = face_roi(box, img.width(), img.height())
        face = img.copy(roi=roi, x_size=MODEL_SIZE, y_size=MODEL_SIZE, hint=image.BILINEAR)
        if CLAHE > 0:
            face.histeq(adaptive=True, clip_limit=CLAHE)  # as the host's train.preprocess.clahe_faces
        current = classify(face)
        if scores is None or len(scores) != len(current):
            scores = current
        else:
            scores = [SMOOTHING * c + (1 - SMOOTHING) * s for c, s in zip(current, scores)]
        best = max(range(len(scores)), key=lambda i: scores[i])
        name = labels[best] if best < len(labels) else str(best)
        img.draw_rectangle(roi, color=255)
        img.draw_string(roi[0], max(0, roi[1] - 12), "%s %.2f" % (name, scores[best]), color=255, scale=1)
        print("%s %.2f  %.1f fps" % (name, scores[best], clock.fps()))
    else:
        scores = None
        print("no face  %.1f fps" % clock.fps())
