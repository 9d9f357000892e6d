"""Small, format-exact sample sources for ``curate demo`` and the tests.

The faces are drawn procedurally (an ellipse, eyes, brows and a mouth whose
shape depends on the emotion, with random pose, lighting and noise): they
are not real people, but every file follows its real source's layout byte
for byte (headers, CRLF list file, CK+ float emotion files, FERPlus vote
columns), so the same adapters and build run on them as on real data.
"""

import csv
import os

import numpy as np
from PIL import Image, ImageDraw

from labels.taxonomy import CKPLUS_EMOTION, CLASSES, FER2013_EMOTION, RAFDB_LABEL

FER2013_CODE = {name: code for code, name in FER2013_EMOTION.items()}
RAFDB_CODE = {name: code for code, name in RAFDB_LABEL.items()}
CKPLUS_CODE = {name: code for code, name in CKPLUS_EMOTION.items()}
SCALE = 4  # draw at 4x, then downsample for smooth edges


def draw_face(label, rng, size=48, rgb=False):
    """A synthetic face showing ``label``: uint8 (size, size) or (size, size, 3).

    Pose, scale, hair, background and lighting vary per call, so distinct
    faces are not near duplicates of each other.
    """
    big = size * SCALE
    yy, xx = np.mgrid[0:big, 0:big] / big
    angle = rng.uniform(0, 2 * np.pi)
    bg = rng.uniform(10, 120) + rng.uniform(-60, 60) * (np.cos(angle) * xx + np.sin(angle) * yy)
    img = Image.fromarray(np.clip(bg, 0, 255).astype(np.uint8), "L")
    d = ImageDraw.Draw(img)
    cx = big * (0.5 + rng.uniform(-0.12, 0.12))
    cy = big * (0.5 + rng.uniform(-0.1, 0.1))
    r = big * rng.uniform(0.30, 0.44)
    skin = int(rng.integers(120, 225))
    dark = max(0, skin - int(rng.integers(90, 130)))
    hair = int(rng.integers(0, 255))
    d.ellipse([cx - r * rng.uniform(0.85, 1.1), cy - r * 1.15, cx + r * rng.uniform(0.85, 1.1), cy + r * rng.uniform(-0.1, 0.5)],
              fill=hair)
    d.ellipse([cx - r * 0.85, cy - r, cx + r * 0.85, cy + r], fill=skin)
    w = max(2, big // 48)
    eye_y, eye_dx = cy - r * 0.25, r * 0.35
    eye_r = r * (0.14 if label in ("surprise", "fear") else 0.09)
    brow_y = eye_y - r * (0.30 if label in ("surprise", "fear") else 0.20)
    for side in (-1, 1):
        ex = cx + side * eye_dx
        d.ellipse([ex - eye_r, eye_y - eye_r, ex + eye_r, eye_y + eye_r], fill=dark)
        inner, outer = ex - side * r * 0.18, ex + side * r * 0.18
        tilt = {"anger": r * 0.12, "sadness": -r * 0.10, "fear": -r * 0.06, "disgust": r * 0.05}.get(label, 0.0)
        d.line([(inner, brow_y + tilt), (outer, brow_y - tilt * 0.3)], fill=dark, width=w * 2)
    my, mw = cy + r * 0.45, r * 0.38
    box = [cx - mw, my - r * 0.22, cx + mw, my + r * 0.22]
    if label == "happiness":
        d.chord(box, 10, 170, fill=dark)
    elif label == "sadness":
        d.arc([cx - mw, my, cx + mw, my + r * 0.4], 200, 340, fill=dark, width=w * 2)
    elif label == "surprise":
        d.ellipse([cx - mw * 0.45, my - r * 0.2, cx + mw * 0.45, my + r * 0.25], fill=dark)
    elif label == "fear":
        d.ellipse([cx - mw * 0.9, my - r * 0.08, cx + mw * 0.9, my + r * 0.12], fill=dark)
    elif label == "anger":
        d.line([(cx - mw * 0.7, my), (cx + mw * 0.7, my)], fill=dark, width=w * 3)
    elif label == "disgust":
        d.line([(cx - mw, my + r * 0.05), (cx, my - r * 0.08), (cx + mw, my + r * 0.05)], fill=dark, width=w * 2)
        d.line([(cx - r * 0.1, cy), (cx + r * 0.1, cy + r * 0.05)], fill=dark, width=w)
    elif label == "contempt":
        d.line([(cx - mw * 0.7, my), (cx + mw * 0.7, my - r * 0.15)], fill=dark, width=w * 2)
    else:  # neutral
        d.line([(cx - mw * 0.7, my), (cx + mw * 0.7, my)], fill=dark, width=w * 2)
    img = img.rotate(rng.normal(0, 8), resample=Image.BILINEAR, fillcolor=int(bg.mean()))
    img = img.resize((size, size), Image.LANCZOS)
    pixels = np.asarray(img, dtype=np.float32)
    ly, lx = np.mgrid[0:size, 0:size] / size
    light = 1 + rng.uniform(-0.35, 0.35) * (lx - 0.5) + rng.uniform(-0.25, 0.25) * (ly - 0.5)
    pixels = pixels * light * rng.uniform(0.8, 1.15) + rng.normal(0, 6, pixels.shape)
    pixels = np.clip(pixels, 0, 255).astype(np.uint8)
    if rgb:
        tint = rng.uniform(0.85, 1.1, size=3)
        pixels = np.clip(pixels[..., None] * tint, 0, 255).astype(np.uint8)
    return pixels


def _votes_for(label, rng):
    """10 FERPlus votes leaning towards ``label``, with crowd-like noise."""
    votes = np.zeros(10, dtype=int)
    agree = int(rng.integers(4, 11))
    votes[CLASSES.index(label)] += agree
    for _ in range(10 - agree):
        votes[rng.integers(0, 10) if rng.random() < 0.4 else rng.integers(0, 8)] += 1
    return votes


def write_fer2013(out_dir, rng, counts=(("Training", 210), ("PublicTest", 45), ("PrivateTest", 45))):
    """``fer2013.csv`` + a paired ``fer2013new.csv``; returns their paths.

    FER2013 labels are noisy on purpose (about 10 % disagree with the votes),
    a few rows are non-faces (NF = 10, no image name, as in FERPlus), a few
    faces show contempt (which FER2013's 7 classes cannot say), and like the
    real file it holds byte-identical duplicates (one pair crossing from
    Training into PublicTest, one with a different label) and flat images.
    """
    csv_path = os.path.join(out_dir, "fer2013", "fer2013.csv")
    votes_path = os.path.join(out_dir, "ferplus", "fer2013new.csv")
    os.makedirs(os.path.dirname(csv_path), exist_ok=True)
    os.makedirs(os.path.dirname(votes_path), exist_ok=True)
    fer7 = [c for c in CLASSES if c != "contempt"]
    with open(csv_path, "w", newline="") as fer, open(votes_path, "w", newline="") as plus:
        fer_w, plus_w = csv.writer(fer, lineterminator="\n"), csv.writer(plus, lineterminator="\n")
        fer_w.writerow(["emotion", "pixels", "Usage"])
        plus_w.writerow(["Usage", "Image name", *CLASSES, "unknown", "NF"])
        row = 0
        kept = {}  # row → (pixels, truth) for planting duplicates
        plant = {40: 3, 60: 7, 220: 5}  # row → earlier row it copies (row 220 is PublicTest)
        for usage, n in counts:
            for _ in range(n):
                kind = rng.random()
                truth = "contempt" if kind < 0.04 else fer7[rng.integers(0, len(fer7))]
                pixels = draw_face(truth, rng)
                if row in plant:
                    pixels, truth = kept[plant[row]]
                kept[row] = (pixels, truth)
                if kind > 0.97 or row in (90, 150):  # not a face: noise texture, or a flat frame
                    pixels = rng.integers(0, 256, (48, 48)).astype(np.uint8) if kind > 0.97 else \
                        np.full((48, 48), int(rng.integers(0, 256)), np.uint8)
                    votes, name = np.array([0] * 9 + [10]), ""
                else:
                    votes, name = _votes_for(truth, rng), f"fer{row:07d}.png"
                shown = truth if truth != "contempt" else "disgust"
                if rng.random() < 0.1 or row == 60:
                    shown = fer7[(fer7.index(shown) + 1) % len(fer7)] if row == 60 else fer7[rng.integers(0, len(fer7))]
                fer_w.writerow([FER2013_CODE[shown], " ".join(map(str, pixels.ravel())), usage])
                plus_w.writerow([usage, name, *map(int, votes)])
                row += 1
    return csv_path, votes_path


def write_rafdb(out_dir, rng, n_train=40, n_test=12):
    """RAF-DB basic layout with a CRLF list file and 100x100 aligned JPEGs."""
    root = os.path.join(out_dir, "rafdb")
    os.makedirs(os.path.join(root, "EmoLabel"), exist_ok=True)
    os.makedirs(os.path.join(root, "Image", "aligned"), exist_ok=True)
    lines = []
    for split, n, width in (("train", n_train, 5), ("test", n_test, 4)):
        for i in range(1, n + 1):
            code = int(rng.integers(1, 8))
            name = f"{split}_{i:0{width}d}"
            face = draw_face(RAFDB_LABEL[code], rng, size=100, rgb=True)
            Image.fromarray(face).save(os.path.join(root, "Image", "aligned", f"{name}_aligned.jpg"), quality=90)
            lines.append(f"{name}.jpg {code}")
    with open(os.path.join(root, "EmoLabel", "list_patition_label.txt"), "w", newline="") as f:
        f.write("".join(line + "\r\n" for line in lines))
    return root


def write_ckplus(out_dir, rng, subjects=("S005", "S010", "S011", "S014", "S022"), frames=6):
    """CK+ original layout: sequences from neutral to a peak; one unlabelled."""
    root = os.path.join(out_dir, "ckplus")
    emotions = [e for e in CKPLUS_EMOTION.values() if e != "neutral"]
    for s_index, subject in enumerate(subjects):
        for seq in (1, 2):
            label = emotions[(s_index * 2 + seq) % len(emotions)]
            seq_name = f"{seq:03d}"
            img_dir = os.path.join(root, "cohn-kanade-images", subject, seq_name)
            os.makedirs(img_dir, exist_ok=True)
            seed = int(rng.integers(0, 2**31))
            for f in range(1, frames + 1):
                shown = "neutral" if f <= frames // 2 else label
                face = draw_face(shown, np.random.default_rng(seed), size=96)
                Image.fromarray(face).save(os.path.join(img_dir, f"{subject}_{seq_name}_{f:08d}.png"))
            if subject == subjects[-1] and seq == 2:
                continue  # CK+ leaves many sequences unlabelled
            emo_dir = os.path.join(root, "Emotion", subject, seq_name)
            os.makedirs(emo_dir, exist_ok=True)
            with open(os.path.join(emo_dir, f"{subject}_{seq_name}_{frames:08d}_emotion.txt"), "w") as fh:
                fh.write(f"   {float(CKPLUS_CODE[label]):.7e}\n")
    return root


def write_captures(out_dir, rng):
    """Two capture sessions: labelled folders and an ``unlabeled`` one (PGM)."""
    root = os.path.join(out_dir, "captures")
    plan = {"2026-11-20-desk": {"happiness": 6, "neutral": 6, "unlabeled": 8}, "2026-11-21-lab": {"surprise": 5, "unlabeled": 5}}
    n = 0
    for session, folders in plan.items():
        for folder, count in folders.items():
            directory = os.path.join(root, session, folder)
            os.makedirs(directory, exist_ok=True)
            for _ in range(count):
                label = folder if folder != "unlabeled" else CLASSES[rng.integers(0, 5)]
                Image.fromarray(draw_face(label, rng)).save(os.path.join(directory, f"{n:05d}.pgm"))
                n += 1
    return root


def write_demo_sources(out_dir, seed=0):
    """Write every demo source under ``out_dir``; return {option name: path}."""
    rng = np.random.default_rng(seed)
    fer2013, ferplus = write_fer2013(out_dir, rng)
    return {
        "fer2013": fer2013,
        "ferplus": ferplus,
        "rafdb": write_rafdb(out_dir, rng),
        "ckplus": write_ckplus(out_dir, rng),
        "captures": write_captures(out_dir, rng),
    }


def run_demo(workspace, dataset_name, *, out=None, fresh=True, quiet=False, echo=print):
    """``curate demo``: sources → build → score → label quality → report → camera loop.

    ``echo`` prints results; step headers are silenced by ``quiet``.
    """
    import shutil

    from curate.build import dataset_exists, load_dataset
    from curate.pipeline import BuildPlan, run_build
    from curate.quality_pass import run_label_quality
    from curate.report import write_report
    from curate.score_pass import score_dataset
    from curate.status import class_counts, format_counts
    from curate.views import list_views

    out = os.path.abspath(out or workspace.root / "demo-sources")
    if fresh:
        if dataset_exists(dataset_name):
            load_dataset(dataset_name).delete()
        shutil.rmtree(workspace.media_dir(dataset_name), ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
    sources = write_demo_sources(out)
    say = (lambda *a: None) if quiet else echo
    say(f"[1/6] wrote demo sources (procedurally drawn faces) to {out}")
    plan = BuildPlan(merge=("ferplus",), **sources)
    reports = run_build(plan, dataset_name=dataset_name, workspace=workspace, quiet=quiet, echo=say)
    for report_line in reports:
        echo(report_line.line())
    table = class_counts(dataset_name)
    echo(f"\ndataset {dataset_name!r}: {int(table['total'].sum())} samples")
    echo(format_counts(table))
    say("\n[2/6] scoring: votes, duplicates, leakage, blanks")
    summary = score_dataset(dataset_name, quiet=quiet)
    echo(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in summary.items() if k != "seconds"))
    say("\n[3/6] label quality: cross-validated baseline + cleanlab (no trained model yet)")
    quality = run_label_quality(dataset_name, baseline=True, folds=3, quiet=quiet)
    echo(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in quality.items()))
    say("\n[4/6] report and views")
    index = write_report(dataset_name, workspace.root / "reports" / dataset_name)
    core = [f"{n} ({c})" for n, c in list_views(dataset_name) if not n.startswith("balance-")]
    echo(f"views: {', '.join(core)} + per-class balance views")
    echo(f"report: {index}")
    say("\n[5/6] the camera drive (a folder standing in for the OpenMV USB drive)")
    from curate.loop import LoopSettings, run_loop
    from openmv.bundle import make_bundle
    from openmv.flash import MARKER, flash_bundle

    drive = workspace.root / "demo-camera-drive"
    shutil.rmtree(drive, ignore_errors=True)
    drive.mkdir(parents=True)
    (drive / MARKER).write_text("")
    backups = str(workspace.root / "flash-backups")
    try:
        make_bundle(workspace.root / "bundle-shipped")
        flash_bundle(str(workspace.root / "bundle-shipped"), str(drive), backup_root=backups)
        echo(f"{drive}: now runs the shipped camera model")
    except FileNotFoundError as err:
        echo(f"{drive}: empty ({err})")
    say("\n[6/6] retrain-and-flash loop: export, train (1 minute), int8, evaluate, gate, bundle, flash")
    from train.recipe import Recipe
    from train.settings import TrainSettings

    smoke = Recipe(train=TrainSettings(max_minutes=1.0, epochs=1000, patience=1000, batch_size=16))
    record = run_loop(dataset_name, LoopSettings(recipe=smoke, drive=str(drive), fine_tune_minutes=1.0),
                      workspace=workspace, quiet=True, echo=say)
    steps, gate = record["steps"], record["gate"]
    echo(f"new model: int8 val accuracy {steps['evaluate']['int8_val_accuracy']:.3f} on drawn faces "
               f"(one minute of CPU: a smoke test of the loop, not a model); "
               f"camera's model: {steps.get('gate_current', {}).get('int8_val_accuracy', 'none')}")
    if gate["passed"]:
        echo(f"gate passed: bundle {steps['bundle']['bytes'] / 1024:.1f} KB flashed to {drive} "
                   f"({', '.join(steps['flash']['changed']) or 'unchanged'})")
    else:
        echo(f"gate refused (the camera keeps its model): {'; '.join(gate['reasons'])}")
    echo(f"loop record: {os.path.join(steps['train']['run'], 'loop.md')} ({record['seconds']:.0f} s)")
