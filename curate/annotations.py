"""Annotator votes on samples, and the label fields derived from them.

A sample reviewed in Label Studio carries

- ``annotator_votes``: list of dicts, one per annotator and project:
  ``{"annotator", "project", "task", "annotation", "choice", "updated_at"}``;
- ``source_votes`` / ``source_label``: what the source said (crowd votes,
  or None; the source's label), kept so the merge can be redone at any time;
- ``votes``, ``soft_label``, ``ground_truth``: recomputed from the merge
  (:func:`labels.annotator_votes.merge_votes`; ground truth = FERPlus
  majority of the merged votes), so scores, views and exports use it with no
  change;
- the tag ``reviewed``.

When the last annotator vote goes (annotations deleted in Label Studio) the
source's fields come back exactly and the extra fields are cleared.
:func:`merged_fields` is the single place this rule lives: ``curate labels
pull`` calls it, and so does ``curate build`` when a rebuilt source meets a
reviewed sample.
"""

import numpy as np

from datasets.names import INFO_STUDIO
from labels.annotator_votes import DEFAULT_WEIGHT, answer_counts, merge_votes
from labels.studio_config import choice_columns
from labels.taxonomy import CLASS_INDEX, CLASSES, NUM_CLASSES, NUM_VOTE_COLUMNS
from labels.votes import majority_index, vote_distribution

REVIEWED_TAG = "reviewed"
VOTE_FIELDS = ("votes", "soft_label", "ground_truth")
SOURCE_FIELDS = ("source_votes", "source_label")


def source_soft_label(votes, label):
    """The build's soft label: vote shares, else one-hot of the label, else None."""
    if votes is not None:
        dist = vote_distribution(np.array([votes]))[0]
        return [float(x) for x in dist] if dist.sum() > 0 else None
    if label is not None:
        soft = [0.0] * NUM_CLASSES
        soft[CLASS_INDEX[label]] = 1.0
        return soft
    return None


def merged_fields(source_votes, source_labels, annotator_votes, *, weight=DEFAULT_WEIGHT):
    """Label fields for N samples from their source labels and annotator votes.

    Parameters
    ----------
    source_votes : list of N (10 ints or None)
    source_labels : list of N (canonical class name or None)
    annotator_votes : list of N lists of vote dicts (empty = not reviewed)
    weight : int, votes per annotator answer

    Returns
    -------
    dict field → list of N values for ``votes``, ``soft_label``,
    ``ground_truth`` (class name or None), ``source_votes``,
    ``source_label`` and ``annotator_votes`` (None where not reviewed).
    """
    n = len(source_votes)
    crowd = np.array([v if v is not None else [0] * NUM_VOTE_COLUMNS for v in source_votes], dtype=np.int64)
    crowd = crowd.reshape(n, NUM_VOTE_COLUMNS)
    label_index = np.array([CLASS_INDEX[x] if x is not None else -1 for x in source_labels], dtype=np.int64)
    rows = [i for i, votes in enumerate(annotator_votes) for _ in votes]
    columns = choice_columns([v["choice"] for votes in annotator_votes for v in votes])
    merged = merge_votes(crowd, label_index, answer_counts(rows, columns, n), weight=weight)
    dist = vote_distribution(merged)
    top = majority_index(merged)

    out = {k: [None] * n for k in (*VOTE_FIELDS, *SOURCE_FIELDS, "annotator_votes")}
    for i in range(n):
        if annotator_votes[i]:
            out["votes"][i] = [int(x) for x in merged[i]]
            out["soft_label"][i] = [float(x) for x in dist[i]] if dist[i].sum() > 0 else None
            out["ground_truth"][i] = CLASSES[top[i]] if top[i] >= 0 else None
            out["source_votes"][i] = None if source_votes[i] is None else [int(x) for x in source_votes[i]]
            out["source_label"][i] = source_labels[i]
            out["annotator_votes"][i] = sorted(annotator_votes[i], key=lambda v: (v["project"], v["annotator"]))
        else:
            out["votes"][i] = source_votes[i]
            out["soft_label"][i] = source_soft_label(source_votes[i], source_labels[i])
            out["ground_truth"][i] = source_labels[i]
    return out


def declare_fields(ds):
    """Declare the annotator fields on a dataset (idempotent)."""
    import fiftyone as fo

    if not ds.has_field("annotator_votes"):
        ds.add_sample_field("annotator_votes", fo.ListField, subfield=fo.DictField)
    if not ds.has_field("source_votes"):
        ds.add_sample_field("source_votes", fo.ListField, subfield=fo.IntField)
    if not ds.has_field("source_label"):
        ds.add_sample_field("source_label", fo.StringField)


def dataset_weight(ds):
    """The annotator weight this dataset was last merged with."""
    return int(ds.info.get(INFO_STUDIO, {}).get("weight", DEFAULT_WEIGHT))
