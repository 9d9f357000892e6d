import json

import numpy as np
import pytest

from labels.schemes import BUILTIN, Scheme, get_scheme, load_scheme_file
from labels.taxonomy import CLASSES


def onehot(name):
    v = np.zeros(8)
    v[CLASSES.index(name)] = 1
    return v


def test_builtin_schemes():
    assert BUILTIN["fer8"].classes == CLASSES
    assert "contempt" not in BUILTIN["fer7"].classes and len(BUILTIN["fer7"].classes) == 7
    assert BUILTIN["five"].classes == ("neutral", "happiness", "surprise", "sadness", "anger")
    assert BUILTIN["four"].classes == ("neutral", "anger", "surprise", "happiness")
    assert BUILTIN["smile2"].remap_label("happiness") == "smiling"
    assert BUILTIN["smile2"].remap_label("anger") == "not_smiling"
    assert BUILTIN["valence3"].remap_label("contempt") == "negative"
    assert BUILTIN["valence3"].remap_label("surprise") is None


def test_remap_soft_merges_and_drops():
    soft = np.stack([
        0.5 * onehot("sadness") + 0.5 * onehot("fear"),  # both negative
        0.6 * onehot("happiness") + 0.4 * onehot("disgust"),
        onehot("contempt"),
    ])
    dist, keep = BUILTIN["valence3"].remap_soft(soft)
    np.testing.assert_allclose(dist[0], [0, 1, 0])
    np.testing.assert_allclose(dist[1], [0.6, 0.4, 0])
    dist, keep = BUILTIN["five"].remap_soft(soft)
    assert keep.tolist() == [True, True, False]
    np.testing.assert_allclose(dist[0], [0, 0, 0, 1, 0])  # fear dropped, sadness renormalised
    np.testing.assert_allclose(dist[1], [0, 1, 0, 0, 0])
    assert dist[2].sum() == 0
    with pytest.raises(ValueError, match=r"shape \(N, 8\)"):
        BUILTIN["five"].remap_soft(np.zeros((2, 5)))


def test_describe_shows_the_rule():
    text = BUILTIN["valence3"].describe()
    assert "negative←sadness+anger+disgust+fear+contempt" in text and "(dropped: surprise)" in text


def test_user_scheme_file(tmp_path):
    path = tmp_path / "calm3.json"
    path.write_text(json.dumps({"name": "calm3", "classes": ["calm", "happy", "upset"],
                                "map": {"neutral": "calm", "happiness": "happy", "sadness": "upset", "anger": "upset"}}))
    scheme = get_scheme(str(path))
    assert scheme.name == "calm3" and scheme.remap_label("fear") is None
    yaml_path = tmp_path / "s.yaml"
    yaml_path.write_text("name: two\nclasses: [pos, neg]\nmap: {happiness: pos, sadness: neg}\n")
    assert load_scheme_file(str(yaml_path)).classes == ("pos", "neg")


@pytest.mark.parametrize("spec, message", [
    ({"name": "x", "classes": ["a"], "map": {"joy": "a"}}, "unknown canonical classes \\['joy'\\]"),
    ({"name": "x", "classes": ["a"], "map": {"neutral": "b"}}, "maps to \\['b'\\], which are not in its classes"),
    ({"name": "x", "classes": ["a", "b"], "map": {"neutral": "a"}}, "classes \\['b'\\] receive no canonical class"),
    ({"classes": ["a"]}, "needs 'name', 'classes' and 'map'"),
])
def test_bad_scheme_files(tmp_path, spec, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(spec))
    with pytest.raises(ValueError, match=message):
        load_scheme_file(str(path))


def test_unknown_scheme_and_missing_file(tmp_path):
    with pytest.raises(ValueError, match="unknown scheme 'seven'; choose one of fer8, fer7"):
        get_scheme("seven")
    with pytest.raises(FileNotFoundError, match="scheme file not found"):
        get_scheme(str(tmp_path / "none.json"))
    (tmp_path / "broken.json").write_text("{nope")
    with pytest.raises(ValueError, match="not a valid scheme file"):
        get_scheme(str(tmp_path / "broken.json"))
    with pytest.raises(ValueError, match="duplicate class names"):
        Scheme("d", ("a", "a"), {"neutral": "a"})
