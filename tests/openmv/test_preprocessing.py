"""The camera's preprocessing (crop, resize, pixel − 128), run on the host, agrees
with the evaluation path (uint8 face → /255 → quantized with the model's input
parameters) when both feed the shipped int8 model real faces."""

import os

import numpy as np
import pytest

pytest.importorskip("ai_edge_litert", reason="the train extra is not installed (pip install -e .[train])")

from conftest import real_data  # noqa: E402
from openmv.bundle import SHIPPED_MODEL  # noqa: E402
from train.evaluate import predict_tflite  # noqa: E402
from train.preprocess import camera_int8, largest_face, to_model_input  # noqa: E402

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def model():
    path = os.path.join(SHIPPED_MODEL, "trained.tflite")
    if not os.path.isfile(path):
        pytest.skip("no shipped camera model in openmv/model/ (benchmarks/camera_model.py --ship)")
    return open(path, "rb").read()


@pytest.fixture(scope="module")
def faces():
    from datasets.fer2013 import FER2013CSV

    records = [r for _, r in zip(range(400), FER2013CSV(real_data("fer2013", "fer2013_head1167.csv.gz")))]
    return np.array([r.pixels for r in records if r.pixels.std() > 10][:200])


def camera_predict(model, face_int8):
    """The camera's input, fed to LiteRT as-is (int8, no further scaling)."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=model)
    interpreter.allocate_tensors()
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    interpreter.set_tensor(inp["index"], face_int8[None, ..., None])
    interpreter.invoke()
    return int(np.argmax(interpreter.get_tensor(out["index"])[0]))


def test_camera_input_is_the_evaluation_input(model, faces):
    # a face-sized crop goes through unchanged; pixel − 128 equals the quantized /255 input exactly
    evaluation = predict_tflite(model, faces).argmax(axis=1)
    camera = [camera_predict(model, camera_int8(to_model_input(face))) for face in faces]
    assert (np.array(camera) == evaluation).all()


def test_full_frame_face_crop_agrees_with_the_evaluation_path(model, faces):
    import cv2

    rng = np.random.default_rng(0)
    evaluation = predict_tflite(model, faces).argmax(axis=1)
    agree, detected = [], 0
    for face, expected in zip(faces, evaluation):
        frame = np.clip(rng.normal(120, 20, (240, 320)), 0, 255).astype(np.uint8)  # QVGA, as on the camera
        big = cv2.resize(face, (150, 150), interpolation=cv2.INTER_CUBIC)
        frame[45:195, 85:235] = big
        if largest_face(frame) is None:
            continue
        detected += 1
        agree.append(camera_predict(model, camera_int8(to_model_input(frame))) == expected)
    assert detected >= 0.6 * len(faces), f"Haar found {detected} of {len(faces)} faces"
    assert np.mean(agree) >= 0.6, f"camera path agrees on {np.mean(agree):.2f} of detected faces"
