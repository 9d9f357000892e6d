"""`curate capture` on a video the tests write: real FER2013 faces pasted into camera-sized frames.

Checks the captures layout `curate build --captures` reads, the rate limit
in video time, and that every saved crop is the camera's crop arithmetic
(face_box.face_roi on the same frame and box) and the host's evaluation
path (train.preprocess.to_model_input on the full frame), pixel for pixel.
"""

import os

import numpy as np
import pytest

from conftest import real_data
from fixtures import run_curate
from openmv.webcam import capture_faces, capture_label, next_number, next_session

cv2 = pytest.importorskip("cv2")
FPS = 10


def write_video(path, frames):
    """Gray uint8 frames (H, W) → an MJPG .avi at FPS frames per second."""
    h, w = frames[0].shape
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (w, h))
    assert writer.isOpened(), "OpenCV cannot write MJPG here"
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    return str(path)


def read_video(path):
    capture, frames = cv2.VideoCapture(str(path)), []
    while True:
        ok, frame = capture.read()
        if not ok:
            return frames
        frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))


@pytest.fixture(scope="module")
def face_video(tmp_path_factory):
    """40 frames 320x240: 30 with a real FER2013 face (scaled 2.5x, moving), 10 of plain noise."""
    from datasets.fer2013 import FER2013CSV

    records = [r for _, r in zip(range(200), FER2013CSV(real_data("fer2013", "fer2013_head1167.csv.gz")))]
    faces = [r.pixels for r in records if r.pixels.std() > 40][:30]
    rng = np.random.default_rng(0)
    frames = []
    for i in range(40):
        frame = rng.integers(90, 110, (240, 320)).astype(np.uint8)
        if i < 30:
            big = cv2.resize(faces[i], (120, 120), interpolation=cv2.INTER_CUBIC)
            x, y = 40 + 5 * i, 40 + (i % 5) * 10
            frame[y:y + 120, x:x + 120] = big
        frames.append(frame)
    return write_video(tmp_path_factory.mktemp("video") / "faces.avi", frames)


def test_capture_writes_the_layout_build_reads_at_the_rate_limit(face_video, tmp_path):
    from datasets.captures import Captures

    out = tmp_path / "captures"
    every = capture_faces(str(out), video=face_video, label="happy", every_ms=0, quiet=True)
    assert every["frames"] == 40 and every["session"] == "session001" and every["label"] == "happiness"
    assert 15 <= every["frames_with_face"] <= 32 and every["saved"] == every["frames_with_face"]
    paced = capture_faces(str(out), video=face_video, session="session001", label="unlabeled", every_ms=500,
                          quiet=True)
    assert paced["saved"] <= 40 * 100 // 500 + 1 < every["saved"]  # one per half second of video at 10 fps
    assert paced["files"][0] == f"{every['saved']:05d}.png"  # numbers continue across labels of the session
    records = list(Captures(str(out)))
    assert len(records) == every["saved"] + paced["saved"]
    assert {r.label for r in records} == {"happiness", None}
    assert all(cv2.imread(r.filepath, cv2.IMREAD_UNCHANGED).shape == (48, 48) for r in records)


def test_saved_crop_is_the_camera_crop_and_the_evaluation_input(face_video, tmp_path):
    from openmv.camera.face_box import face_roi
    from train.preprocess import largest_face, resize_face, to_model_input

    summary = capture_faces(str(tmp_path), video=face_video, every_ms=0, quiet=True)
    saved = sorted(os.listdir(summary["folder"]))
    frames = [f for f in read_video(face_video) if largest_face(f) is not None]
    assert len(frames) == len(saved) > 0
    for frame, name in zip(frames, saved):
        x0, y0, side, _ = face_roi(largest_face(frame), frame.shape[1], frame.shape[0])
        camera = resize_face(frame[y0:y0 + side, x0:x0 + side], 48)
        written = cv2.imread(os.path.join(summary["folder"], name), cv2.IMREAD_UNCHANGED)
        assert np.array_equal(written, camera) and np.array_equal(written, to_model_input(frame, 48))


def test_cli_capture_then_build(face_video, tmp_path, workspace, dataset_name):
    out = tmp_path / "captures"
    done = run_curate("capture", "--video", face_video, "--out", out, "--label", "surprise", "--session", "desk",
                      "--limit", "5", "--every-ms", "0", "-q", workspace=workspace)
    assert done.returncode == 0, done.stderr
    assert "saved 5 faces" in done.stdout and "curate build --captures" in done.stdout
    assert sorted(os.listdir(out / "desk" / "surprise")) == [f"{n:05d}.png" for n in range(5)]
    built = run_curate("build", "--captures", out, "--dataset", dataset_name, "-q", workspace=workspace)
    assert built.returncode == 0, built.stderr


def test_video_without_faces_saves_nothing(tmp_path):
    rng = np.random.default_rng(1)
    video = write_video(tmp_path / "noise.avi", [rng.integers(0, 255, (240, 320)).astype(np.uint8)
                                                 for _ in range(12)])
    summary = capture_faces(str(tmp_path / "out"), video=video, quiet=True)
    assert summary["frames"] == 12 and summary["saved"] == 0 and summary["files"] == []
    assert not (tmp_path / "out" / "session001").exists()


def test_capture_errors_are_one_line(tmp_path, workspace):
    missing = run_curate("capture", "--video", tmp_path / "none.mp4", "--out", tmp_path, workspace=workspace)
    assert missing.returncode != 0 and "no such video file" in missing.stderr and "Traceback" not in missing.stderr
    (tmp_path / "bad.mp4").write_text("not a video")
    bad = run_curate("capture", "--video", tmp_path / "bad.mp4", "--out", tmp_path, workspace=workspace)
    assert bad.returncode != 0 and "cannot read this video" in bad.stderr
    neither = run_curate("capture", "--out", tmp_path, workspace=workspace)
    assert neither.returncode != 0 and "--webcam N or --video FILE" in neither.stderr
    with pytest.raises(ValueError, match="unknown label 'smug'"):
        capture_label("smug")
    with pytest.raises(ValueError, match="bad session name"):
        capture_faces(str(tmp_path), video=str(tmp_path / "bad.mp4"), session="a/b")


def test_session_and_number_helpers(tmp_path):
    assert next_session(str(tmp_path)) == "session001"
    (tmp_path / "session001" / "happiness").mkdir(parents=True)
    (tmp_path / "session001" / "happiness" / "00007.png").write_bytes(b"")
    (tmp_path / "session001" / "unlabeled").mkdir()
    (tmp_path / "session001" / "unlabeled" / "00003.pgm").write_bytes(b"")
    assert next_session(str(tmp_path)) == "session002"
    assert next_number(str(tmp_path / "session001")) == 8 and next_number(str(tmp_path / "nope")) == 0
    assert capture_label("Happy") == "happiness" and capture_label("unlabeled") == "unlabeled"
