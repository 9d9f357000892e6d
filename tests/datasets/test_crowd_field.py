"""datasets.crowd_field: the votes as Classifications the App draws, kept in step with the votes."""

import numpy as np
import pytest

from curate.pipeline import BuildPlan, run_build
from datasets.crowd_field import crowd_rows, refresh_crowd
from fixtures import pixels_text, write_fer_csv, write_vote_table


def test_crowd_rows_are_shares_of_every_vote_largest_first():
    votes = np.array([[6, 0, 0, 3, 0, 0, 0, 0, 0, 1], [0] * 10, [0, 5, 5, 0, 0, 0, 0, 0, 0, 0]])
    rows = crowd_rows(votes)
    assert rows[0] == [{"label": "neutral", "confidence": 0.6}, {"label": "sadness", "confidence": 0.3},
                       {"label": "NF", "confidence": 0.1}]
    assert rows[1] == []
    assert [r["label"] for r in rows[2]] == ["happiness", "surprise"]  # ties keep the column order
    with pytest.raises(ValueError, match="negative"):
        crowd_rows(np.array([[-1] + [0] * 9]))


def test_build_writes_crowd_from_the_votes_and_refresh_follows_changes(tmp_path, workspace, dataset_name):
    rows = [(0, pixels_text(1), "Training"), (3, pixels_text(2), "PublicTest")]
    csv = write_fer_csv(tmp_path / "fer2013.csv", rows)
    table = write_vote_table(tmp_path / "v.csv", [("Training", "fer0000000.png", [6, 0, 0, 3, 0, 0, 0, 0, 0, 1]),
                                                  ("PublicTest", "fer0000001.png", [0] * 10)])
    run_build(BuildPlan(fer2013=csv, merge=("ferplus",), ferplus=table), dataset_name=dataset_name,
              workspace=workspace, quiet=True)
    import fiftyone as fo

    ds = fo.load_dataset(dataset_name)
    by_split = {s.split: s for s in ds}
    shown = [(c.label, c.confidence) for c in by_split["train"].crowd.classifications]
    assert shown == [("neutral", 0.6), ("sadness", 0.3), ("NF", 0.1)]
    assert by_split["val"].crowd is None  # nobody voted
    sample = by_split["train"]
    sample.votes = [0, 10, 0, 0, 0, 0, 0, 0, 0, 0]
    sample.save()
    assert refresh_crowd(ds, [sample.id]) == 1
    sample.reload()
    assert [(c.label, c.confidence) for c in sample.crowd.classifications] == [("happiness", 1.0)]
