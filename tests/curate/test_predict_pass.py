"""curate.predict_pass._evaluate: which samples are evaluated, found by their fields, for every kind of scheme."""

import fiftyone as fo
import pytest

from curate.predict_pass import _evaluate
from datasets.fastdb import write_classifications
from labels.schemes import get_scheme

TRUTH = ["happiness", "fear", None, "neutral", "surprise", "contempt", "anger", "happiness"]


@pytest.fixture
def predicted(dataset_name):
    """8 samples, ground truth on 7; predictions on the first 6 only (the predicted view), the last 2 unpredicted."""
    ds = fo.Dataset(dataset_name)
    ds.add_samples([fo.Sample(filepath=f"/tmp/predict-pass/{i}.png",
                              ground_truth=fo.Classification(label=t) if t else None) for i, t in enumerate(TRUTH)])
    ids = ds.values("id")
    return ds, ids[:6], TRUTH[:6]


@pytest.mark.parametrize("scheme_name, predicted_as, expected", [
    # identity scheme with drops: fear and contempt leave "five"
    ("five", "neutral", ["happiness", "neutral", "surprise"]),
    # a merging scheme: ground truth is mapped into EVAL_TRUTH first; surprise is dropped
    ("valence3", "neutral", ["positive", "negative", "neutral", "negative"]),
])
def test_evaluate_covers_exactly_the_predicted_samples_the_scheme_keeps(predicted, scheme_name, predicted_as,
                                                                        expected):
    ds, ids, truth = predicted
    scheme = get_scheme(scheme_name)
    write_classifications(ds, ids, "prediction", [{"label": predicted_as, "confidence": 0.9}] * len(ids))
    out = _evaluate(ds, ids, truth, scheme, quiet=True)
    assert out["evaluated"] == len(expected) == len(out["ids"])
    assert sorted(scheme.classes[k] for k in out["labels"]) == sorted(expected)
    evaluated = ds.exists("eval").values("id")  # the per-sample field evaluate_classifications writes
    assert sorted(evaluated) == sorted(out["ids"])
    assert out["accuracy"] == pytest.approx(sum(e == predicted_as for e in expected) / len(expected), abs=1e-4)
