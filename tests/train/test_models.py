import pytest

pytest.importorskip("tensorflow", reason="the train extra is not installed (pip install -e .[train])")

from train.models import MODELS, make_model


@pytest.mark.parametrize("name, classes, params", [
    ("seed_cnn", 7, 76_711),      # the seed team's CNN
    ("wiacek", 8, 173_537),       # vicksam/fer-model
    ("mikhaylevskiy", 4, 275_076),  # 1.1 MB as float32, as reported
    ("camera", 8, 161_240),       # ours
])
def test_parameter_counts(name, classes, params):
    assert make_model(name, classes).count_params() == params


def test_input_shapes_and_softmax_outputs():
    for name in MODELS:
        model = make_model(name, 5)
        assert model.output_shape == (None, 5)
        assert model.input_shape[-1] == 1
    assert make_model("mikhaylevskiy", 4).input_shape == (None, 64, 64, 1)


def test_unknown_model():
    with pytest.raises(ValueError, match="unknown model 'resnet'"):
        make_model("resnet", 8)
