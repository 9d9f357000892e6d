"""Tiny source fixtures the tests write themselves (no licensed data)."""

import csv
import os

import numpy as np
from PIL import Image

VOTE_HEADER = ["Usage", "Image name", "neutral", "happiness", "surprise", "sadness",
               "anger", "disgust", "fear", "contempt", "unknown", "NF"]


def pixels_text(seed=0, value=None):
    rng = np.random.default_rng(seed)
    px = np.full(2304, value) if value is not None else rng.integers(0, 256, 2304)
    return " ".join(map(str, px))


def write_fer_csv(path, rows, header=("emotion", "pixels", "Usage")):
    """rows: (emotion, usage) pairs or full (emotion, pixels, usage) triples."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        if header:
            w.writerow(header)
        for i, row in enumerate(rows):
            if len(row) == 2:
                row = (row[0], pixels_text(i), row[1])
            w.writerow(row)
    return str(path)


def write_vote_table(path, rows):
    """rows: (usage, name, [10 votes])."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(VOTE_HEADER)
        for usage, name, votes in rows:
            w.writerow([usage, name, *votes])
    return str(path)


def save_image(path, size=48, value=128, mode="L"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    shape = (size, size) if mode == "L" else (size, size, 3)
    Image.fromarray(np.full(shape, value, dtype=np.uint8)).save(path)
    return str(path)


def write_rafdb(root, lines, images=True, crlf=True):
    """lines: 'train_00001.jpg 5' strings; images for each unless images=False."""
    os.makedirs(os.path.join(root, "EmoLabel"), exist_ok=True)
    end = "\r\n" if crlf else "\n"
    with open(os.path.join(root, "EmoLabel", "list_patition_label.txt"), "w", newline="") as f:
        f.write("".join(line + end for line in lines))
    if images:
        for line in lines:
            stem = line.split()[0][:-4]
            save_image(os.path.join(root, "Image", "aligned", f"{stem}_aligned.jpg"), 100, mode="RGB")
    return str(root)


def write_ckplus_sequence(root, subject, seq, frames=4, emotion="3.0000000e+00"):
    """One CK+ sequence; ``emotion=None`` leaves it unlabelled."""
    names = []
    for f in range(1, frames + 1):
        name = f"{subject}_{seq}_{f:08d}.png"
        save_image(os.path.join(root, "cohn-kanade-images", subject, seq, name), 64, value=10 * f)
        names.append(name)
    os.makedirs(os.path.join(root, "Emotion", subject, seq), exist_ok=True)
    if emotion is not None:
        with open(os.path.join(root, "Emotion", subject, seq, f"{subject}_{seq}_{frames:08d}_emotion.txt"), "w") as fh:
            fh.write(f"   {emotion}\n")
    return names


def separable_faces(n_per_class, classes=3, size=48, seed=0):
    """uint8 (N, size, size) images whose class is a bright band's position, and labels (N,)."""
    rng = np.random.default_rng(seed)
    x, y = [], []
    for c in range(classes):
        for _ in range(n_per_class):
            img = rng.integers(0, 70, (size, size)).astype(np.uint8)
            band = slice(c * size // classes, (c + 1) * size // classes)
            img[band, :] += 150
            x.append(img)
            y.append(c)
    return np.array(x, dtype=np.uint8).reshape(-1, size, size), np.array(y, dtype=np.int64)


def write_export(path, classes=("neutral", "happiness", "surprise"), n_train=40, n_val=15, size=48, seed=0):
    """A tiny export folder in the format curate/export.py writes (separable classes), via its owner."""
    from train.export_files import write_manifest, write_shard

    os.makedirs(path, exist_ok=True)
    k = len(classes)
    shards, counts = {}, {}
    for split, n, s in (("train", n_train, seed), ("val", n_val, seed + 1), ("test", n_val, seed + 2)):
        x, y = separable_faces(n, k, size, s)
        shards[split] = [write_shard(path, split, 0, x=x, soft=np.eye(k, dtype=np.float32)[y], hard=y,
                                     keys=[f"fix:{split}{i}" for i in range(len(y))])]
        counts[split] = {"samples": len(y), "per_class": np.bincount(y, minlength=k).tolist()}
    write_manifest(path, shards=shards, counts=counts, classes=classes, curate_version="test", dataset="fixture",
                   scheme="fixture", scheme_rule="fixture", label_rule="majority", input_size=size)
    return str(path)


def run_curate(*args, workspace, kill_at=None, timeout=600):
    """Run ``python -m curate.cli ARGS --workspace W`` in a child process; CompletedProcess.

    ``kill_at``: a point of :mod:`labels.kill_points` where the child kills itself with SIGKILL.
    """
    import subprocess
    import sys

    from labels.kill_points import ENV

    env = {k: v for k, v in os.environ.items() if k != ENV}
    if kill_at:
        env[ENV] = kill_at
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return subprocess.run([sys.executable, "-m", "curate.cli", *map(str, args), "--workspace", str(workspace.root)],
                          env=env, cwd=root, capture_output=True, text=True, timeout=timeout)


def run_killed(*args, workspace, at):
    """Run a curate command that must die by SIGKILL at kill point ``at``."""
    import signal

    result = run_curate(*args, workspace=workspace, kill_at=at)
    assert result.returncode == -signal.SIGKILL, (
        f"`curate {' '.join(map(str, args))}` was not killed at {at} (exit {result.returncode}):\n"
        f"{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return result
