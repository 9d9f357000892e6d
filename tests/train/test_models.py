import pytest

pytest.importorskip("tensorflow", reason="the train extra is not installed (pip install -e .[train])")

from train.models import MODELS, make_model


@pytest.mark.parametrize("name, classes, params", [
    ("seed_cnn", 7, 76_711),      # the seed team's CNN
    ("wiacek", 8, 173_537),       # vicksam/fer-model
    ("mikhaylevskiy", 4, 275_076),  # 1.1 MB as float32, as reported
    ("camera", 8, 161_240),       # ours
    ("mobilenet_v2_035", 8, 420_168),  # seed 000's MobileNetV2 alpha 0.35, 96x96 gray
])
def test_parameter_counts(name, classes, params):
    assert make_model(name, classes).count_params() == params


def test_input_shapes_and_softmax_outputs():
    for name in MODELS:
        model = make_model(name, 5)
        assert model.output_shape == (None, 5)
        assert model.input_shape[-1] == 1
    assert make_model("mikhaylevskiy", 4).input_shape == (None, 64, 64, 1)


def test_mobilenet_v2_is_the_published_architecture():
    import keras

    ours = make_model("mobilenet_v2_035", 8)
    reference = keras.applications.MobileNetV2(input_shape=(96, 96, 1), alpha=0.35, include_top=False,
                                               weights=None, pooling="avg")
    assert ours.input_shape == (None, 96, 96, 1)
    assert ours.count_params() == reference.count_params() + 1280 * 8 + 8
    conv_shapes = lambda m: [tuple(w.shape) for w in m.weights if len(w.shape) == 4]  # noqa: E731
    assert conv_shapes(ours) == conv_shapes(reference)  # every convolution, in order


def test_unknown_model():
    with pytest.raises(ValueError, match="unknown model 'resnet'"):
        make_model("resnet", 8)
