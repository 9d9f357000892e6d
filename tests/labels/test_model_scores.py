"""labels.model_scores and curate.brain_scores: Brain's hardness and mistakenness, vectorised, on a real dataset."""

import numpy as np
import pytest

from labels.model_scores import check_logits, hardness, mistakenness, softmax

CLASSES = ["anger", "happiness", "neutral"]


def test_formulas_on_hand_worked_rows():
    z = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0], [10.0, 0.0, 0.0]])
    np.testing.assert_allclose(softmax(z).sum(axis=1), 1.0)
    np.testing.assert_allclose(hardness(z)[0], np.log(3))  # even spread: log C nats
    m = mistakenness(z, np.array([0, 0, 1]))
    assert m[0] == pytest.approx(0.5 - 0.5 / 3)  # unsure and "right" (argmax of a tie is class 0): (−1/3 + 1) / 2
    assert m[1] < 0.01 and m[2] > 0.99  # confidently right, confidently wrong
    conf = mistakenness(z, np.array([0, 0, 1]), use_logits=False)
    assert conf[2] == pytest.approx((softmax(z)[2].max() + 1) / 2)


@pytest.mark.parametrize("bad, match", [
    (np.zeros(3), "shape"), (np.zeros((2, 1)), "shape"), (np.array([[0.0, np.nan]]), "row 0 is not finite"),
])
def test_bad_logits_are_refused(bad, match):
    with pytest.raises(ValueError, match=match):
        check_logits(bad)


def test_bad_labels_are_refused():
    with pytest.raises(ValueError, match="class indices"):
        mistakenness(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="class indices"):
        mistakenness(np.zeros((2, 3)), np.array([0.0, 1.0]))


def test_same_values_and_brain_runs_as_fiftyone_brain(dataset_name):
    """The fob.compute_* loops and the bulk writes store the same fields (to 1e-9) and register the same runs."""
    import fiftyone as fo
    import fiftyone.brain as fob

    from curate.brain_scores import write_hardness, write_mistakenness
    from curate.build import create_dataset

    rng = np.random.default_rng(0)
    n = 40
    logits = rng.normal(0, 2, (n, len(CLASSES)))
    truth = rng.integers(0, len(CLASSES), n)
    truth[:5] = logits[:5].argmax(axis=1)  # some agree for sure
    made = []
    for suffix in ("brain", "bulk"):
        ds = create_dataset(f"{dataset_name}-{suffix}")
        p = softmax(logits)
        ds.add_samples([fo.Sample(filepath=f"/tmp/face{i}.png", sample_key=f"k{i}",
                                  pred=fo.Classification(label=CLASSES[int(p[i].argmax())],
                                                         confidence=float(p[i].max()), logits=logits[i]),
                                  truth=None if i == n - 1 else fo.Classification(label=CLASSES[truth[i]]))
                        for i in range(n)])
        made.append(ds)
    brain, bulk = made
    labelled = brain.exists("truth")
    fob.compute_hardness(brain, "pred", hardness_field="hard", progress=False)
    fob.compute_mistakenness(labelled, "pred", label_field="truth", mistakenness_field="mist", use_logits=True,
                             progress=False)
    fob.compute_mistakenness(labelled, "pred", label_field="truth", mistakenness_field="mistc", progress=False)
    ids = bulk.values("id")
    write_hardness(bulk, ids, logits, label_field="pred", field="hard")
    for field, use_logits in (("mist", True), ("mistc", False)):
        write_mistakenness(bulk, ids[:-1], logits[:-1], truth[:-1], pred_field="pred", label_field="truth",
                           field=field, use_logits=use_logits)
        write_mistakenness(bulk, ids[:-1], logits[:-1], truth[:-1], pred_field="pred", label_field="truth",
                           field=field, use_logits=use_logits)  # a rerun replaces the run
    try:
        for field in ("hard", "mist", "mistc"):
            want, got = brain.values(field), bulk.values(field)
            assert (want[-1] is None) == (got[-1] is None) == (field != "hard")
            np.testing.assert_allclose([w for w in want if w is not None], [g for g in got if g is not None],
                                       rtol=0, atol=1e-9)
            assert type(bulk.get_field(field)) is type(brain.get_field(field))
        assert sorted(bulk.list_brain_runs()) == sorted(brain.list_brain_runs()) == ["hard", "mist", "mistc"]
        for key in ("hard", "mist", "mistc"):
            want, got = brain.get_brain_info(key).config, bulk.get_brain_info(key).config
            assert (type(want), want.serialize()) == (type(got), got.serialize())
    finally:
        for ds in made:
            ds.delete()
