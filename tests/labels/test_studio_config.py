import numpy as np
import pytest

from labels.schemes import get_scheme
from labels.studio_config import (
    NOT_A_FACE, UNSURE, check_config_matches, check_labelable, choice_columns, choice_result, config_choices,
    label_config, result_choice,
)
from labels.taxonomy import CLASSES


def test_config_asks_the_scheme_plus_not_a_face_and_unsure():
    config = label_config(get_scheme("fer8"))
    assert config_choices(config) == (*CLASSES, NOT_A_FACE, UNSURE)
    assert config_choices(label_config(get_scheme("four"))) == ("neutral", "anger", "surprise", "happiness",
                                                                NOT_A_FACE, UNSURE)
    check_config_matches(config, get_scheme("fer8"), "p")  # no error


def test_config_of_another_scheme_is_refused_by_name():
    config = label_config(get_scheme("fer8"))
    with pytest.raises(ValueError, match=r"project 'faces' asks \[neutral, .*contempt.*\] but scheme fer7 needs"):
        check_config_matches(config, get_scheme("fer7"), "faces")


@pytest.mark.parametrize("bad, message", [
    ("<View><Image", "not valid XML"),
    ('<View><Text name="t" value="$t"/></View>', r'no <Image name="image">'),
    ('<View><Image name="image" value="$image"/><Choices name="mood" toName="image"/></View>', "no <Choices"),
])
def test_unusable_configs(bad, message):
    with pytest.raises(ValueError, match=message):
        config_choices(bad)


def test_merged_schemes_cannot_be_labelled():
    check_labelable(get_scheme("five"))
    with pytest.raises(ValueError, match="scheme valence3 has classes that are not single emotions"):
        check_labelable(get_scheme("valence3"))
    with pytest.raises(ValueError, match="smile2"):
        label_config(get_scheme("smile2"))


def test_answers_map_to_ferplus_vote_columns():
    assert choice_columns(["neutral", "contempt", UNSURE, NOT_A_FACE]).tolist() == [0, 7, 8, 9]
    assert choice_columns([]).dtype == np.int64
    with pytest.raises(ValueError, match="answer 'angry' is not one of"):
        choice_columns(["happiness", "angry"])


def test_result_round_trip():
    assert result_choice(choice_result("fear")) == "fear"
    assert result_choice([]) is None
    assert result_choice([{"from_name": "other", "type": "choices", "value": {"choices": ["x"]}}]) is None
