import pytest

pytest.importorskip("tensorflow", reason="the train extra is not installed (pip install -e .[train])")
"""Training, int8 quantization, LiteRT and TFLite Micro on a tiny separable fixture."""

import json
import os

import numpy as np

from fixtures import write_export
from train import camera_check
from train.data import load_export
from train.evaluate import predict_keras, predict_tflite
from train.fit import TrainSettings, train_model
from train.quantize import INPUT_SCALE, INPUT_ZERO_POINT, input_quantization, quantize_int8
from train.runs import evaluate_run, load_run_model, quantize_run


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("train")
    # enough steps (~750) for BatchNorm's moving statistics (momentum 0.99) to settle
    export = write_export(root / "export", n_train=200)
    run = root / "run"
    metrics = train_model(export, str(run), TrainSettings(epochs=10, batch_size=8, patience=10), quiet=True)
    return export, run, metrics


def test_learns_a_separable_fixture_well_above_chance(trained):
    _, run, metrics = trained
    assert metrics["val"]["float"]["accuracy"] > 0.9  # chance is 1/3
    for name in ("model.keras", "history.csv", "metrics.json", "curves.png", "confusion_val.png", "export.json"):
        assert os.path.getsize(run / name) > 0, name
    history = (run / "history.csv").read_text().splitlines()
    assert history[0].startswith("epoch") and len(history) == metrics["epochs_run"] + 1
    export, _, _ = trained
    assert metrics["export"]["content_hash"] == json.load(open(os.path.join(export, "manifest.json")))["content_hash"]
    assert len(metrics["export"]["content_hash"]) == 64


def test_progressive_resizing_grows_the_faces_and_saves_a_fixed_size_model(tmp_path):
    export = write_export(tmp_path / "export", n_train=200)
    settings = TrainSettings(epochs=10, batch_size=8, patience=10, start_size=32)
    metrics = train_model(export, str(tmp_path / "run"), settings, quiet=True)
    assert metrics["val"]["float"]["accuracy"] > 0.9
    lines = (tmp_path / "run" / "history.csv").read_text().splitlines()
    column = lines[0].split(",").index("train_size")
    sizes = [int(float(line.split(",")[column])) for line in lines[1:]]
    # epochs 0..9 of 10, a linear ramp over the first 60 % rounded down to 4 px, then 48
    assert sizes == [32, 32, 36, 40, 40, 44] + [48] * 4
    assert load_run_model(str(tmp_path / "run")).input_shape == (None, 48, 48, 1)


def test_int8_quantization_parameters_and_agreement(trained):
    export, run, _ = trained
    path, report = quantize_run(str(run))
    tflite = open(path, "rb").read()
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=tflite)
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    assert inp["dtype"] == np.int8 and out["dtype"] == np.int8
    assert input_quantization(tflite) == (pytest.approx(INPUT_SCALE, rel=1e-7), INPUT_ZERO_POINT)
    val = load_export(export).split("val")
    float_pred = predict_keras(load_run_model(str(run)), val.x).argmax(axis=1)
    int8_pred = predict_tflite(tflite, val.x).argmax(axis=1)
    assert (float_pred == int8_pred).mean() >= 0.9
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["val"]["int8"]["accuracy"] > 0.85 and "test" in metrics
    assert report["unsupported_ops"] == [] and report["arena_bytes"] > 0 and report["macs"] > 1e6
    assert set(report["ops"]) <= camera_check.CAMERA_OPS
    assert evaluate_run(str(run), split="test")["int8"]["samples"] == 45


def test_tta_scores_the_mean_of_each_face_and_its_mirror(trained, workspace):
    from click.testing import CliRunner

    from curate.cli import cli
    from train.evaluate import classification_metrics
    from train.run_files import is_quantized

    export, run, _ = trained
    if not is_quantized(str(run)):
        quantize_run(str(run))
    results = evaluate_run(str(run), split="val", tta=True)
    assert {"float", "float_tta", "int8", "int8_tta"} <= set(results)
    val = load_export(export).split("val")
    model = load_run_model(str(run))
    mean = (predict_keras(model, val.x) + predict_keras(model, val.x[:, :, ::-1])) / 2
    expected = classification_metrics(val.hard, mean, load_export(export).classes)
    assert results["float_tta"]["accuracy"] == expected["accuracy"]
    assert results["float_tta"]["roc_auc_ovr"] == pytest.approx(expected["roc_auc_ovr"])
    assert "float_tta" not in evaluate_run(str(run), split="val")
    output = CliRunner().invoke(cli, ["evaluate", str(run), "--tta", "--workspace", str(workspace.root)]).output
    assert "*_tta: mean of each face and its mirror image" in output and "int8_tta: accuracy" in output


def test_tflite_micro_runs_the_model_like_litert(trained):
    export, run, _ = trained
    tflite = open(run / "trained.tflite", "rb").read()
    val = load_export(export).split("val")
    from train.preprocess import camera_int8

    litert = predict_tflite(tflite, val.x[:5]).argmax(axis=1)
    micro = [int(np.argmax(camera_check.run_micro(tflite, camera_int8(face)))) for face in val.x[:5]]
    assert micro == litert.tolist()


def test_the_arena_search_runs_once_per_model(trained, monkeypatch):
    _, run, _ = trained
    tflite = open(quantize_run(str(run))[0], "rb").read()
    searches, real = [], camera_check._micro
    monkeypatch.setattr(camera_check, "_micro", lambda kind, *args: searches.append(kind) or real(kind, *args))
    monkeypatch.setattr(camera_check, "_ARENAS", {})
    first = camera_check.check_camera(tflite)["arena_bytes"]
    assert camera_check.camera_report(tflite)["arena_bytes"] == first > 0  # quantize, loop gate and bundle ask too
    assert searches.count("arena") == 1


def test_quantizer_rejects_a_bad_calibration_set(trained):
    _, run, _ = trained
    model = load_run_model(str(run))
    with pytest.raises(ValueError, match=r"calibration set must be uint8 faces of shape \(N, 48, 48\)"):
        quantize_int8(model, np.zeros((4, 32, 32), np.uint8))
    with pytest.raises(ValueError, match="calibration set must be uint8"):
        quantize_int8(model, np.zeros((4, 48, 48), np.float32))


def test_op_check_rejects_an_unsupported_op(tmp_path):
    import keras
    import tensorflow as tf

    inputs = keras.Input((8,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda t: keras.ops.sin(t))(inputs))
    tflite = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    assert camera_check.unsupported_ops(tflite) == ["SIN"]
    with pytest.raises(ValueError, match=r"the camera lacks ops \['SIN'\]"):
        camera_check.check_camera(tflite)


def test_a_model_too_big_for_the_camera_is_refused(tmp_path):
    from fixtures import separable_faces
    from train.models import make_model

    x, _ = separable_faces(8, 3, size=64)
    tflite = quantize_int8(make_model("mikhaylevskiy", 4), x)
    assert len(tflite) > camera_check.BUDGET["size_bytes"]
    with pytest.raises(ValueError, match="does not fit the camera: size bytes"):
        camera_check.check_camera(tflite)


def test_not_a_tflite_file(tmp_path):
    (tmp_path / "model.tflite").write_bytes(b"PK\x03\x04 this is a zip")
    with pytest.raises(ValueError, match="not a TFLite model"):
        camera_check.read_tflite(str(tmp_path / "model.tflite"))


def test_wiacek_latency_calibration_constant():
    from fixtures import separable_faces
    from train.models import make_model

    x, _ = separable_faces(4, 3)
    tflite = quantize_int8(make_model("wiacek", 8), x)
    assert camera_check.macs(tflite) == camera_check.WIACEK_MACS
    assert camera_check.camera_report.__doc__ and round(camera_check.WIACEK_MACS * camera_check.MS_PER_MAC) == 334


def test_export_errors(tmp_path, trained):
    export, run, _ = trained
    with pytest.raises(ValueError, match="do not match the model's"):
        load_export(export, expect_classes=["a", "b", "c"])
    empty = write_export(tmp_path / "e", n_val=0)
    with pytest.raises(ValueError, match="the val split is empty"):
        train_model(empty, str(tmp_path / "r"), TrainSettings(epochs=1), quiet=True)
    with pytest.raises(FileNotFoundError, match="not an export"):
        load_export(str(tmp_path))


def _relabel_train_wrongly(export):
    """Shift every train label to the next class: a model trained on them alone learns the wrong mapping."""
    path = os.path.join(export, "train-00000.npz")
    shard = dict(np.load(path))
    k = shard["soft"].shape[1]
    wrong = (shard["hard"].astype(int) + 1) % k
    shard["soft"], shard["hard"] = np.eye(k, dtype=np.float32)[wrong], wrong.astype(np.int16)
    np.savez(path, **shard)


def test_a_teacher_alone_teaches_the_student(tmp_path, trained):
    _, teacher_run, _ = trained
    export = write_export(tmp_path / "export", n_train=200)
    _relabel_train_wrongly(export)
    settings = TrainSettings(epochs=10, batch_size=8, patience=10, teachers=(str(teacher_run),), teacher_weight=1.0)
    metrics = train_model(export, str(tmp_path / "run"), settings, quiet=True)
    # the export's labels are all wrong; only the teacher's predictions can give > 90 % (chance 1/3)
    assert metrics["val"]["float"]["accuracy"] > 0.9
    assert list(metrics["settings"]["teachers"]) == [str(teacher_run)]


def test_a_teacher_run_keeps_its_predictions_and_the_file_alone_teaches(tmp_path, trained):
    import shutil

    from train.distill import face_digests, teacher_probabilities
    from train.evaluate import predict_mirrored
    from train.run_files import read_teacher_predictions, write_teacher_predictions

    _, trained_run, _ = trained
    teacher = shutil.copytree(trained_run, tmp_path / "teacher")  # its own cache, not the module's run
    export = write_export(tmp_path / "export", n_train=200)
    _relabel_train_wrongly(export)
    train_split = load_export(export).split("train")
    classes = ["neutral", "happiness", "surprise"]
    probs = teacher_probabilities([str(teacher)], train_split.x, classes, keys=train_split.keys)
    np.testing.assert_allclose(probs, predict_mirrored(load_run_model(str(teacher)), train_split.x), atol=1e-3)
    cache = teacher / "teacher_predictions.npz"
    keys, digests, kept, kept_classes = read_teacher_predictions(str(cache))
    assert list(keys) == list(train_split.keys) and kept_classes == classes
    np.testing.assert_array_equal(digests, face_digests(train_split.x))
    np.testing.assert_allclose(kept, probs, atol=2e-3)  # stored as float16

    # the next student on the same faces reads the file: a planted answer comes back
    planted = np.roll(kept, 1, axis=1)
    write_teacher_predictions(str(cache), keys, digests, planted, classes)
    again = teacher_probabilities([str(teacher)], train_split.x, classes, keys=train_split.keys)
    np.testing.assert_allclose(again, planted, atol=2e-3)
    # faces whose pixels changed are predicted again (and the file rewritten)
    changed = train_split.x.copy()
    changed[0, 0, 0] ^= 1
    fresh = teacher_probabilities([str(teacher)], changed, classes, keys=train_split.keys)
    assert np.abs(fresh - planted).max() > 0.1
    assert read_teacher_predictions(str(cache))[1][0] == face_digests(changed[:1])[0]

    # the file alone teaches: the export's labels are all wrong, the file holds the teacher's own answers
    write_teacher_predictions(str(cache), keys, digests, kept, classes)
    alone = tmp_path / "predictions.npz"
    shutil.copy(cache, alone)
    settings = TrainSettings(epochs=10, batch_size=8, patience=10, teachers=(str(alone),), teacher_weight=1.0)
    assert train_model(export, str(tmp_path / "student"), settings, quiet=True)["val"]["float"]["accuracy"] > 0.9

    # a file that lacks faces, or is not one, is refused by name
    write_teacher_predictions(str(alone), keys[:-1], digests[:-1], kept[:-1], classes)
    with pytest.raises(ValueError, match="predictions.npz: no prediction for some of the 600 train faces"):
        teacher_probabilities([str(alone)], train_split.x, classes, keys=train_split.keys)
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="bad.npz: not a teacher-predictions file"):
        teacher_probabilities([str(tmp_path / "bad.npz")], train_split.x, classes, keys=train_split.keys)


def test_teacher_errors(tmp_path, trained):
    from train.crossval import cross_validate

    _, teacher_run, _ = trained
    other = write_export(tmp_path / "other", classes=("anger", "fear", "sadness"))
    with pytest.raises(ValueError, match="teachers must be trained on the same scheme"):
        train_model(other, str(tmp_path / "r1"), TrainSettings(epochs=1, teachers=(str(teacher_run),)), quiet=True)
    with pytest.raises(FileNotFoundError, match="not a training run"):
        train_model(other, str(tmp_path / "r2"), TrainSettings(epochs=1, teachers=(str(tmp_path),)), quiet=True)
    with pytest.raises(ValueError, match="cannot use teachers"):
        cross_validate(other, str(tmp_path / "cv"), TrainSettings(epochs=1, teachers=(str(teacher_run),)))


@pytest.mark.parametrize("export_size", [48, 64])
def test_a_64px_model_trains_and_quantizes_from_any_export(tmp_path, export_size):
    # the model's geometry decides: 48 px exports are resized for it, 64 px ones are taken as they are
    from openmv.bundle import make_bundle
    from train.quantize import input_shape

    export = write_export(tmp_path / "export", n_train=20, n_val=6, size=export_size)
    run = tmp_path / "run"
    train_model(export, str(run), TrainSettings(model="mikhaylevskiy", epochs=1, batch_size=8), quiet=True)
    path, report = quantize_run(str(run))
    assert input_shape(open(path, "rb").read()) == (64, 64, 1) and report["arena_bytes"] > 0
    assert json.loads((run / "metrics.json").read_text())["val"]["int8"]["samples"] == 18
    # it reaches the camera checks and is refused there for what it is: too big, not the wrong shape
    with pytest.raises(ValueError, match="does not fit the camera: size bytes"):
        make_bundle(str(tmp_path / "bundle"), run_dir=str(run))


def test_model_geometry_reaches_the_bundle_and_the_camera_script(tmp_path):
    from openmv.bundle import make_bundle

    export = write_export(tmp_path / "export", n_train=20, n_val=6, size=48)
    run = tmp_path / "run"
    train_model(export, str(run), TrainSettings(input_size=40, epochs=1, batch_size=8), quiet=True)
    quantize_run(str(run))
    info = make_bundle(str(tmp_path / "bundle"), run_dir=str(run))
    assert info["input"] == {**info["input"], "height": 40, "width": 40, "channels": 1}
    saved = json.loads((tmp_path / "bundle" / "model.json").read_text())
    assert saved["input"]["height"] == 40  # main.py sizes its crops from this
    main = (tmp_path / "bundle" / "main.py").read_text()
    assert 'json.load(f)["input"]' in main and 'int(info["height"])' in main
    assert saved["input"]["clahe"] == 0.0  # trained without CLAHE: main.py equalises nothing


def test_clahe_run_sees_equalised_faces_everywhere_and_the_camera_is_told(tmp_path):
    from openmv.bundle import make_bundle
    from train.evaluate import classification_metrics
    from train.preprocess import clahe_faces

    export = write_export(tmp_path / "export", n_train=24, n_val=8, size=48)
    run = tmp_path / "run"
    metrics = train_model(export, str(run), TrainSettings(epochs=1, batch_size=8, clahe=2.0), quiet=True)
    assert metrics["settings"]["clahe"] == 2.0
    quantize_run(str(run))
    val = load_export(export).split("val")
    equalised = clahe_faces(val.x, 2.0)
    assert not np.array_equal(equalised, val.x)
    model, tflite = load_run_model(str(run)), (run / "trained.tflite").read_bytes()
    result = evaluate_run(str(run))  # the run's faces are equalised before both models
    classes = metrics["classes"]
    assert result["float"] == classification_metrics(val.hard, predict_keras(model, equalised), classes)
    assert result["int8"] == classification_metrics(val.hard, predict_tflite(tflite, equalised), classes)
    info = make_bundle(str(tmp_path / "bundle"), run_dir=str(run))
    assert info["input"]["clahe"] == 2.0 and info["input"]["clahe_tiles"] == 8
    assert "histeq(adaptive=True, clip_limit=CLAHE)" in (tmp_path / "bundle" / "main.py").read_text()


def test_clahe_faces_is_opencv_clahe_per_face():
    import cv2

    from train.preprocess import clahe_faces

    rng = np.random.default_rng(0)
    faces = rng.integers(60, 120, (5, 48, 48)).astype(np.uint8)
    out = clahe_faces(faces, 3.0)
    reference = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8))
    assert out.shape == faces.shape and all(np.array_equal(o, reference.apply(f)) for o, f in zip(out, faces))
    assert np.array_equal(clahe_faces(faces[0], 3.0), out[0])
    assert clahe_faces(faces, 0) is faces
    with pytest.raises(ValueError, match="uint8"):
        clahe_faces(faces.astype(np.float32), 2.0)
