"""Integration on the licensed data in ../shared/data (skipped where absent)."""

import pytest

from conftest import PREFIX, real_data
from curate.build import load_dataset
from curate.pipeline import BuildPlan, run_build

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def real_build(workspace):
    import fiftyone as fo

    plan = BuildPlan(
        fer2013=str(real_data("fer2013", "fer2013.csv.gz")),
        merge=("ferplus",),
        ferplus=str(real_data("ferplus", "fer2013new.csv")),
        ckplus=str(real_data("ckplus48", "CK+48")),
        fer2013_images=str(real_data("fer2013_images")),
    )
    name = f"{PREFIX}realdata"
    reports = {r.source: r for r in run_build(plan, dataset_name=name, workspace=workspace, quiet=True)}
    yield name, plan, reports
    fo.delete_dataset(name)


def test_real_fer2013_ferplus_counts(real_build):
    name, _, reports = real_build
    ds = load_dataset(name)
    fer = ds.match({"source": "fer2013"})
    assert reports["fer2013"].added == 32298
    assert fer.count_values("split") == {"train": 28709, "val": 3589}
    labelled = fer.exists("ground_truth")
    # FERPlus majority rule with fer2013new.csv: the reference counts
    assert labelled.count_values("split") == {"train": 25060, "val": 3199}
    assert reports["fer2013"].notes == ["3589 FERPlus vote rows have no FER2013 row (3589 PrivateTest); not ingested"]
    # original FER2013 emotion counts survive in fer2013_label (Training split)
    train = fer.match({"split": "train"}).count_values("fer2013_label")
    assert [train[c] for c in ("anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral")] == \
        [3995, 436, 4097, 7215, 4830, 3171, 4965]


def test_real_other_sources(real_build):
    name, _, reports = real_build
    assert reports["ckplus48"].added == 981
    assert reports["fer2013-images"].added == 560
    ds = load_dataset(name)
    ck = ds.match({"source": "ckplus48"})
    assert len(ck.distinct("subject")) == 118


def test_real_rebuild_adds_nothing(real_build, workspace):
    name, plan, _ = real_build
    reports = run_build(plan, dataset_name=name, workspace=workspace, quiet=True)
    assert all(r.added == 0 and r.updated == 0 for r in reports)
    assert len(load_dataset(name)) == 32298 + 981 + 560


@pytest.fixture(scope="module")
def real_scores(real_build):
    from curate.score_pass import score_dataset

    name, _, _ = real_build
    return name, score_dataset(name, quiet=True)


def test_real_duplicates_leakage_blanks(real_scores):
    name, summary = real_scores
    ds = load_dataset(name)
    fer = ds.match({"source": "fer2013"})
    groups, splits, fer_labels = fer.values(["exact_group", "split", "fer2013_label"])
    members = {}
    for g, split, label in zip(groups, splits, fer_labels):
        if g is not None:
            members.setdefault(g, []).append((split, label))
    assert len(members) == 1273 and sum(map(len, members.values())) == 2805  # byte-identical FER2013 faces
    assert sum(len({s for s, _ in m}) > 1 for m in members.values()) == 270  # Training ↔ PublicTest
    assert sum(len({lab for _, lab in m}) > 1 for m in members.values()) == 47  # conflicting FER2013 labels
    assert summary["exact_groups_conflicting_labels"] == 0  # FERPlus voted identically on identical faces
    assert summary["fer2013_vs_ferplus_conflicts"] == 9154
    assert len(fer.match_tags("blank")) == 13
    # every FER2013 duplicate group crossing into PublicTest is in the leakage view
    assert len(ds.load_saved_view("leakage")) >= 2 * 270
