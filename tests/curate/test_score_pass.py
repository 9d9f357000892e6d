import os

import numpy as np
import pytest

from curate.build import load_dataset
from curate.pipeline import BuildPlan, run_build
from curate.report import write_report
from curate.score_pass import score_dataset
from curate.views import balance_table, list_views, load_view
from fixtures import write_fer_csv, write_vote_table


def drawn(label, seed):
    from curate.demo import draw_face

    return " ".join(map(str, draw_face(label, np.random.default_rng(seed)).ravel()))


def votes(**counts):
    order = ["neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt", "unknown", "NF"]
    return [counts.get(c, 0) for c in order]


# (emotion, pixels, usage, votes): rows chosen so every score has a known answer
ROWS = [
    (3, drawn("happiness", 1), "Training", votes(happiness=9, neutral=1)),              # 0 A
    (3, drawn("happiness", 1), "PublicTest", votes(happiness=8, surprise=2)),           # 1 A again: exact dup, leak
    (0, drawn("neutral", 2), "Training", votes(neutral=8, anger=2)),                    # 2 conflict anger→neutral
    (6, " ".join(["128"] * 2304), "Training", votes(NF=10)),                            # 3 blank, not a face
    (4, drawn("sadness", 3), "Training", votes(sadness=4, fear=4, neutral=2)),          # 4 disputed (40 %)
    (5, drawn("surprise", 4), "Training", votes(surprise=10)),                          # 5
    (2, drawn("fear", 5), "Training", votes(fear=7, surprise=3)),                       # 6
    (3, drawn("happiness", 1), "Training", votes(neutral=7, happiness=3)),              # 7 A: dup with other label
]


@pytest.fixture
def scored(tmp_path, workspace, dataset_name):
    csv_path = write_fer_csv(tmp_path / "fer2013.csv", [r[:3] for r in ROWS])
    table = write_vote_table(tmp_path / "v.csv", [(r[2], f"fer{i:07d}.png", r[3]) for i, r in enumerate(ROWS)])
    run_build(BuildPlan(fer2013=csv_path, merge=("ferplus",), ferplus=table), dataset_name=dataset_name,
              workspace=workspace, quiet=True)
    summary = score_dataset(dataset_name, quiet=True)
    return dataset_name, summary


def by_row(ds):
    return {int(s.source_id): s for s in ds}


def test_scores_and_tags(scored):
    name, summary = scored
    s = by_row(load_dataset(name))
    assert s[5].agreement == 1.0 and s[5].vote_entropy == 0.0
    assert s[4].agreement == pytest.approx(0.4) and "disputed" in s[4].tags
    assert s[2].fer2013_conflict and s[2].conflict_pair == "anger→neutral"
    assert s[5].fer2013_conflict is False and s[5].conflict_pair is None
    assert "blank" in s[3].tags and "not-face" in s[3].tags and s[3].contrast == 0
    assert s[0].exact_group == s[1].exact_group == s[7].exact_group is not None
    assert all("leak" in s[i].tags and "dup" in s[i].tags for i in (0, 1, 7))
    assert s[7].dup_conflict and "disputed" in s[7].tags  # same image labelled happiness and neutral
    assert "leak" not in s[5].tags and s[5].dup_group is None
    assert summary["exact_duplicate_groups"] == 1 and summary["exact_groups_crossing_splits"] == 1
    assert summary["exact_groups_conflicting_labels"] == 1 and summary["blank"] == 1
    assert summary["fer2013_vs_ferplus_conflicts"] == 2  # rows 2 and 7
    assert load_dataset(name).info["scores"]["settings"]["near_distance"] == 6


def test_views(scored):
    name, _ = scored
    counts = dict(list_views(name))
    assert counts["leakage"] == 3 and counts["disputed"] >= 2
    clean = load_view(name, "clean-train")
    rows = sorted(int(x) for x in clean.values("source_id"))
    assert rows == [2, 4, 5, 6]  # train minus leak / blank / not-face (row 4: no majority, a crossentropy label)
    disputed = load_view(name, "disputed")
    scores = disputed.values("dispute_score")
    assert scores == sorted(scores, reverse=True)
    assert counts["balance-five-happiness"] == 2 and "balance-valence3-negative" in counts
    with pytest.raises(ValueError, match="unknown view 'nope'"):
        load_view(name, "nope")


def test_rescoring_replaces_tags(scored):
    name, _ = scored
    ds = load_dataset(name)
    before = ds.count_sample_tags()
    score_dataset(name, quiet=True)
    assert ds.count_sample_tags() == before


def test_balance_table(scored):
    name, _ = scored
    counts, weights = balance_table(name, "valence3")
    assert list(counts.columns) == ["positive", "negative", "neutral"]
    assert counts.loc[("fer2013", "train"), "positive"] == 1
    assert set(weights.index) == {"inverse", "effective"}
    with pytest.raises(ValueError, match="unknown scheme"):
        balance_table(name, "nine")


def test_report(scored, tmp_path):
    name, _ = scored
    index = write_report(name, tmp_path / "report")
    text = open(index).read()
    for png in ("balance_sources.png", "balance_schemes.png", "scores.png", "disputed.png", "leakage.png"):
        assert os.path.getsize(tmp_path / "report" / png) > 1000 and png in text
    assert "anger→neutral" in text


def test_unscored_dataset_errors(tmp_path, workspace, dataset_name):
    csv_path = write_fer_csv(tmp_path / "fer2013.csv", [(3, "Training")])
    run_build(BuildPlan(fer2013=csv_path), dataset_name=dataset_name, workspace=workspace, quiet=True)
    with pytest.raises(ValueError, match="no saved views; run `curate score` first"):
        list_views(dataset_name)
    index = write_report(dataset_name, tmp_path / "r")
    assert "run <code>curate score</code>" in open(index).read()
    with pytest.raises(ValueError, match="no dataset named 'missing'"):
        score_dataset("missing")


def test_dispute_scores_rank_and_keep_undecided_reviews_in_the_queue():
    from curate.score_pass import dispute_scores

    agreement = np.array([0.9, 0.35, 0.5, 0.9, 0.44, 0.9])
    conflict = np.array([False, False, True, False, False, False])
    dup_conflict = np.array([False, False, False, True, False, False])
    quality = np.array([0.9, 0.9, 0.9, 0.9, 0.9, 0.1])
    issue = np.array([False, False, False, False, False, True])
    reviewed = np.array([False, False, False, False, True, True])
    undecided = np.array([False, False, False, False, True, False])
    score = dispute_scores(agreement, conflict, dup_conflict, quality, issue)
    np.testing.assert_allclose(score, [0.1, 0.65, 0.5, 0.6, 0.56, 0.78])  # a conflict with FER2013 adds nothing
    np.testing.assert_allclose(dispute_scores(agreement, conflict, dup_conflict, conflict_bonus=0.2)[2], 0.7)
    # reviewed: the model's doubt no longer counts; a 7-7 split stays disputed (>= 0.6)
    score = dispute_scores(agreement, conflict, dup_conflict, quality, issue, reviewed, undecided)
    np.testing.assert_allclose(score, [0.1, 0.65, 0.5, 0.6, 0.6, 0.1])
