"""Face captures on the host, from a webcam or a video file: the layout ``curate build --captures`` reads.

The host twin of ``openmv/camera/capture.py``. Each frame goes to grayscale,
OpenCV's Haar cascade finds the largest face, the camera's square margin box
(``openmv/camera/face_box.py``) is cut and resized as every host path
resizes (:func:`train.preprocess.face_from_frame`, the same steps
:func:`train.preprocess.to_model_input` takes on a large frame). At most one
face per ``every_ms`` of video time (file: the frame's timestamp; webcam:
the clock). Written::

    <out>/<session>/<label>/<n>.png     uint8 grayscale (size, size), n = 00000, 00001, ...

``label`` is a class name or alias (``happy``) written as its canonical name,
or ``unlabeled``; ``session`` defaults to the next free ``session<NNN>``.
Numbers run across the labels of a session (the adapter's source id is
``<session>/<file>``), continuing after what is there. Each PNG is written to
a temporary name and renamed, so a crash leaves whole files only.
"""

import os
import re
import time

from labels.taxonomy import canonical_from_name

UNLABELED = "unlabeled"
SAVE_EVERY_MS = 500
SIZE = 48
_NUMBERED = re.compile(r"^(\d+)\.(png|pgm|jpg)$")


def capture_label(label):
    """The folder name for ``label``: its canonical class, or ``unlabeled``; ValueError for anything else."""
    if label is None or label.strip().lower() == UNLABELED:
        return UNLABELED
    canonical = canonical_from_name(label)
    if canonical is None:
        raise ValueError(f"unknown label {label!r}: use a class name (neutral, happiness, ...) or 'unlabeled'")
    return canonical


def next_session(out):
    """The first ``session<NNN>`` folder name not yet under ``out``."""
    n = 1
    while os.path.exists(os.path.join(out, f"session{n:03d}")):
        n += 1
    return f"session{n:03d}"


def next_number(session_dir):
    """One past the largest numbered image under any label of ``session_dir`` (0 when empty)."""
    largest = -1
    if os.path.isdir(session_dir):
        for label in os.listdir(session_dir):
            folder = os.path.join(session_dir, label)
            if os.path.isdir(folder):
                for name in os.listdir(folder):
                    match = _NUMBERED.match(name)
                    if match:
                        largest = max(largest, int(match.group(1)))
    return largest + 1


def open_source(*, webcam=None, video=None):
    """(cv2.VideoCapture, is_file) for a webcam index or a video file; errors name what cannot be opened."""
    import cv2

    if (webcam is None) == (video is None):
        raise ValueError("give one source: a webcam index or a video file")
    if video is not None:
        if not os.path.isfile(video):
            raise FileNotFoundError(f"{video}: no such video file")
        capture = cv2.VideoCapture(str(video))
        if not capture.isOpened():
            raise ValueError(f"{video}: OpenCV cannot read this video (codec or format)")
        return capture, True
    capture = cv2.VideoCapture(int(webcam))
    if not capture.isOpened():
        raise ValueError(f"webcam {webcam}: cannot be opened (is it connected, and free? try another index)")
    return capture, False


def can_preview():
    """True when a display is set and this OpenCV build has windows (the headless wheel has none)."""
    import cv2

    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False
    try:
        cv2.namedWindow("curate capture")
        return True
    except cv2.error:
        return False


def capture_faces(out, *, webcam=None, video=None, label=UNLABELED, session=None, every_ms=SAVE_EVERY_MS,
                  limit=None, size=SIZE, preview=None, quiet=False):
    """Save face crops from a webcam or video into ``out``; return a summary dict.

    Stops at the end of a video, after ``limit`` saved faces, or on Ctrl-C
    (summary ``stopped`` True). Summary: session, label, folder, frames,
    frames_with_face, saved, first/last file numbers, seconds, preview.
    """
    import cv2
    from tqdm import tqdm

    from datasets.media import encode_png, write_atomic
    from train.preprocess import face_from_frame

    folder_label = capture_label(label)
    if session is not None and (not session.strip() or "/" in session or session.startswith(".")):
        raise ValueError(f"bad session name {session!r}: one folder name, no '/'")
    if every_ms < 0:
        raise ValueError("every_ms must be >= 0")
    capture, is_file = open_source(webcam=webcam, video=video)
    os.makedirs(out, exist_ok=True)
    session = session or next_session(out)
    folder = os.path.join(out, session, folder_label)
    number = first = next_number(os.path.join(out, session))
    show = can_preview() if preview is None else preview
    total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) if is_file else None
    frames = with_face = 0
    last_saved_ms = None
    stopped = False
    start = time.perf_counter()
    bar = tqdm(total=total if total and total > 0 else None, desc=f"capturing → {session}/{folder_label}",
               unit=" frame", disable=True if quiet else None, leave=False)
    try:
        while limit is None or number - first < limit:
            ok, frame = capture.read()
            if not ok:
                break
            frames += 1
            bar.update(1)
            now_ms = capture.get(cv2.CAP_PROP_POS_MSEC) if is_file else time.monotonic() * 1000
            gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
            face, box = face_from_frame(gray, size)
            if face is not None:
                with_face += 1
                if last_saved_ms is None or now_ms - last_saved_ms >= every_ms:
                    write_atomic(os.path.join(folder, f"{number:05d}.png"), encode_png(face))
                    number += 1
                    last_saved_ms = now_ms
            if show:
                if box is not None:
                    x, y, w, h = box
                    cv2.rectangle(frame, (x, y), (x + w, y + h), (255, 255, 255), 2)
                cv2.imshow("curate capture", frame)
                if cv2.waitKey(1) & 0xFF in (ord("q"), 27):
                    stopped = True
                    break
    except KeyboardInterrupt:
        stopped = True
    finally:
        bar.close()
        capture.release()
        if show:
            cv2.destroyAllWindows()
    return {"session": session, "label": folder_label, "folder": folder, "frames": frames,
            "frames_with_face": with_face, "saved": number - first,
            "files": [f"{n:05d}.png" for n in (first, number - 1)] if number > first else [],
            "seconds": round(time.perf_counter() - start, 2), "preview": show, "stopped": stopped}
