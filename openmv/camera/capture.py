# TinyVision Curate: collect face crops on the OpenMV Cam for the next retrain.
#
# MicroPython, runs on the camera. Detects faces with the same face finder
# (face_finder.py) and margin (face_box.py) as main.py and saves 48x48 grayscale crops to the SD card as
#     captures/<session>/<label>/<n>.pgm
# which `curate build --captures <sd>/captures` ingests as-is. The label
# starts as "unlabeled"; a button between pin P4 and GND steps through
# LABELS (the LED blinks the label's index). At most one crop per SAVE_EVERY_MS.
# Copy face_box.py and face_finder.py (main.py's crop box and detector; in every bundle) beside it.

import os
import time

import image
import pyb
import sensor
from face_box import face_roi
from face_finder import FaceFinder

LABELS = ["unlabeled", "neutral", "happiness", "surprise", "sadness", "anger"]
CROP_SIZE = 48
SAVE_EVERY_MS = 500

sensor.reset()
sensor.set_pixformat(sensor.GRAYSCALE)
sensor.set_framesize(sensor.QVGA)
sensor.skip_frames(time=2000)

finder = FaceFinder()
print("face finder:", finder.path)
button = pyb.Pin("P4", pyb.Pin.IN, pyb.Pin.PULL_UP)
led = pyb.LED(3)


def exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def makedirs(path):
    part = ""
    for name in path.strip("/").split("/"):
        part += "/" + name
        if not exists(part):
            os.mkdir(part)


root = "/sd" if exists("/sd") else ""
base = root + "/captures"
makedirs(base)
session = 1
while exists("%s/session%03d" % (base, session)):
    session += 1
session_dir = "%s/session%03d" % (base, session)
label_index = 0
count = 0
last_save = 0
was_pressed = False
print("saving to", session_dir)

while True:
    img = sensor.snapshot()
    pressed = button.value() == 0
    if pressed and not was_pressed:
        label_index = (label_index + 1) % len(LABELS)
        for _ in range(label_index + 1):
            led.on()
            pyb.delay(80)
            led.off()
            pyb.delay(80)
        print("label:", LABELS[label_index])
    was_pressed = pressed
    box = finder.largest(img)
    if box is None or time.ticks_diff(time.ticks_ms(), last_save) < SAVE_EVERY_MS:
        continue
    roi = face_roi(box, img.width(), img.height())
    crop = img.copy(roi=roi, x_size=CROP_SIZE, y_size=CROP_SIZE, hint=image.BILINEAR)
    folder = "%s/%s" % (session_dir, LABELS[label_index])
    makedirs(folder)
    crop.save("%s/%05d.pgm" % (folder, count))  # numbered across labels: unique per session
    count += 1
    last_save = time.ticks_ms()
    img.draw_rectangle(roi, color=255)
