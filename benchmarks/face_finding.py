"""Face-finding rate of the host's detector and its alternatives on a test video of real faces.

The video (written here, never committed): 320x240 gray frames like the
camera's QVGA, 200 with one real FER2013 PublicTest face pasted at a random
side of 72-200 px and a random place on a textured background, 100 with no
face. Each detector reads the frames back from the MJPG file, as
``curate capture --video`` does. Reported: share of face frames with a
detection overlapping the pasted face (IoU ≥ 0.3), false detections per
empty frame, and milliseconds per frame on one core.

The camera's own choices (ROMFS FOMO, OpenMV's Haar) cannot run on a host:
OpenMV ships the FOMO model only inside its firmware image. OpenCV ships no
other face detector without a model download, so the alternatives are
OpenCV's Haar cascades and scale steps.

    .venv/bin/python benchmarks/face_finding.py
"""

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _realdata import DATA, OUT  # noqa: E402

CASCADES = ("default", "alt", "alt2", "alt_tree")
SCALES = (1.1, 1.25)


def test_video(path, n_faces=200, n_empty=100, seed=0):
    """Write the video; return the pasted face boxes (x, y, side) per frame, None for empty frames."""
    import cv2

    from datasets.fer2013 import FER2013CSV

    csv = DATA / "fer2013" / "fer2013.csv.gz"
    if not csv.exists():
        sys.exit(f"missing {csv}: this benchmark needs the real data (see ../shared/data/README.md)")
    faces = []
    for record in FER2013CSV(str(csv)):
        if record.raw_split == "PublicTest" and record.pixels.std() > 25:
            faces.append(record.pixels)
            if len(faces) == n_faces:
                break
    rng = np.random.default_rng(seed)
    order = rng.permutation(n_faces + n_empty)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (320, 240))
    boxes = []
    for k in order:
        base = rng.integers(60, 160)
        frame = np.clip(base + rng.normal(0, 12, (240, 320)) +
                        np.linspace(-30, 30, 320)[None, :] * rng.choice([-1, 1]), 0, 255).astype(np.uint8)
        if k < n_faces:
            side = int(rng.integers(72, 201))
            x, y = int(rng.integers(0, 320 - side)), int(rng.integers(0, 240 - side))
            frame[y:y + side, x:x + side] = cv2.resize(faces[k], (side, side), interpolation=cv2.INTER_CUBIC)
            boxes.append((x, y, side))
        else:
            boxes.append(None)
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    return boxes


def iou(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0, min(ay + ah, by + bh) - max(ay, by))
    return w * h / float(aw * ah + bw * bh - w * h)


def main():
    import cv2

    cv2.setNumThreads(1)
    OUT.mkdir(parents=True, exist_ok=True)
    video = OUT / "face_finding.avi"
    boxes = test_video(video)
    capture, frames = cv2.VideoCapture(str(video)), []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
    n_faces = sum(b is not None for b in boxes)
    print(f"{len(frames)} frames ({n_faces} with a face, {len(frames) - n_faces} without)\n")
    print("| detector | scale step | faces found | false detections / empty frame | ms / frame |")
    print("|---|---:|---:|---:|---:|")
    for name in CASCADES:
        cascade = cv2.CascadeClassifier(cv2.data.haarcascades + f"haarcascade_frontalface_{name}.xml")
        for scale in SCALES:
            found = false = 0
            start = time.perf_counter()
            for frame, box in zip(frames, boxes):
                hits = cascade.detectMultiScale(frame, scaleFactor=scale, minNeighbors=5, minSize=(24, 24))
                if box is None:
                    false += len(hits)
                elif any(iou(tuple(h), (box[0], box[1], box[2], box[2])) >= 0.3 for h in hits):
                    found += 1
            ms = (time.perf_counter() - start) * 1000 / len(frames)
            used = " (host: train.preprocess.largest_face)" if (name, scale) == ("default", 1.25) else ""
            print(f"| haarcascade_frontalface_{name}{used} | {scale} | {found / n_faces:.1%} | "
                  f"{false / (len(frames) - n_faces):.2f} | {ms:.1f} |")


if __name__ == "__main__":
    main()
