"""The ``crowd`` field: the votes as labels the App draws.

``crowd`` is an ``fo.Classifications`` with one Classification per vote
column that got a vote (the 8 emotions, ``unknown``, ``NF``), its
``confidence`` the column's share of all votes cast, largest first; a face
then reads "neutral 0.60 · sadness 0.30" in the grid. It is derived from
``votes`` and rewritten wherever votes change (``curate build``, ``curate
labels pull``); samples without votes have no ``crowd``.
"""

import numpy as np

from datasets.fastdb import write_classifications
from datasets.names import CROWD, VOTES
from labels.taxonomy import VOTE_COLUMNS
from labels.votes import vote_shares


def crowd_rows(votes):
    """Votes (N, 10) → N lists of {label, confidence} (largest share first; [] where nobody voted)."""
    shares = vote_shares(votes)
    rows = []
    for row in shares:
        order = [int(i) for i in np.argsort(-row, kind="stable") if row[i] > 0]
        rows.append([{"label": VOTE_COLUMNS[i], "confidence": round(float(row[i]), 4)} for i in order])
    return rows


def refresh_crowd(dataset, ids=None):
    """Rewrite ``crowd`` from ``votes`` on samples ``ids`` (default: every sample); return how many have one."""
    view = dataset if ids is None else dataset.select(list(ids))
    sample_ids, votes = view.values(["id", VOTES])
    rows = [None] * len(sample_ids)
    voted = [i for i, v in enumerate(votes) if v is not None]
    if voted:
        for i, row in zip(voted, crowd_rows(np.array([votes[i] for i in voted]))):
            rows[i] = row or None
    write_classifications(dataset, sample_ids, CROWD, rows, multi=True)
    return sum(r is not None for r in rows)
