"""Saved views (what annotators, trainers and the App open) and class balance.

Views saved on the dataset (``dataset.load_saved_view(name)``, the App's
view menu):

- ``disputed`` — samples tagged ``disputed``, highest ``dispute_score``
  first: the annotators' queue;
- ``clean-train`` — train samples minus ``leak``, ``not-face``, ``blank``
  and ``label-issue``; which of them carry a label is the export's label
  rule's call (a 4-4-2 vote has no majority but a valid crossentropy
  label), so ambiguous faces stay in as soft labels;
- ``leakage`` — samples tagged ``leak``, grouped by ``dup_group``;
- ``balance-<scheme>-<class>`` — for every built-in scheme and class, the
  samples whose ground truth maps to that class.
"""

import numpy as np
import pandas as pd

from curate.build import load_dataset
from datasets.names import (
    DISPUTE_SCORE, GROUND_TRUTH_LABEL, SOURCE, SPLIT, TAG_BLANK, TAG_DISPUTED, TAG_LABEL_ISSUE, TAG_LEAK,
    TAG_NOT_FACE, VIEW_CLEAN_TRAIN, VIEW_DISPUTED, VIEW_LEAKAGE,
)
from labels.balance import class_weights
from labels.schemes import BUILTIN, get_scheme

EXCLUDED_FROM_CLEAN = [TAG_LEAK, TAG_NOT_FACE, TAG_BLANK, TAG_LABEL_ISSUE]
CORE_VIEWS = (VIEW_DISPUTED, VIEW_CLEAN_TRAIN, VIEW_LEAKAGE)


def _require_scores(ds):
    if not ds.has_field("dispute_score"):
        raise ValueError(f"dataset {ds.name!r} has no scores yet; run `curate score` first")


def core_views(ds):
    """name → view for the three curation views."""
    from fiftyone import ViewField as F

    _require_scores(ds)
    return {
        VIEW_DISPUTED: ds.match_tags(TAG_DISPUTED).sort_by(DISPUTE_SCORE, reverse=True),
        "clean-train": ds.match(F("split") == "train").match_tags(EXCLUDED_FROM_CLEAN, bool=False),
        "leakage": ds.match_tags("leak").sort_by("dup_group"),
    }


def balance_view(ds, scheme, class_name):
    """Samples whose ground truth maps to ``class_name`` under ``scheme``."""
    from fiftyone import ViewField as F

    sources = [c for c, target in scheme.mapping.items() if target == class_name]
    return ds.match(F(GROUND_TRUTH_LABEL).is_in(sources))


def save_views(ds, schemes=None):
    """(Re)save the core views and per-class balance views for each scheme."""
    for name, view in core_views(ds).items():
        ds.save_view(name, view, overwrite=True)
    for scheme in (schemes or BUILTIN.values()):
        for class_name in scheme.classes:
            ds.save_view(
                f"balance-{scheme.name}-{class_name}", balance_view(ds, scheme, class_name),
                description=scheme.describe(), overwrite=True,
            )


def list_views(name):
    """[(view name, sample count)] for a dataset's saved views, core views first."""
    ds = load_dataset(name)
    names = ds.list_saved_views()
    if not names:
        raise ValueError(f"dataset {name!r} has no saved views; run `curate score` first")
    ordered = [n for n in CORE_VIEWS if n in names] + sorted(n for n in names if n not in CORE_VIEWS)
    return [(n, len(ds.load_saved_view(n))) for n in ordered]


def load_view(name, view_name):
    """A saved view by name, or ValueError listing the known ones."""
    ds = load_dataset(name)
    if view_name not in ds.list_saved_views():
        known = ", ".join(ds.list_saved_views()) or "none; run `curate score` first"
        raise ValueError(f"unknown view {view_name!r} (saved views: {known})")
    return ds.load_saved_view(view_name)


def balance_table(name, scheme_name="fer8", view_name=None):
    """Counts per (source, split) × scheme class, plus the class weights.

    Returns
    -------
    (counts, weights) : DataFrame indexed by (source, split) with one column
    per scheme class; DataFrame with rows ``inverse`` and ``effective`` of
    weights computed on the train split.
    """
    scheme = get_scheme(scheme_name)
    samples = load_view(name, view_name) if view_name else load_dataset(name)
    sources, splits, labels = samples.values([SOURCE, SPLIT, GROUND_TRUTH_LABEL])
    mapped = [scheme.remap_label(label) for label in labels]
    frame = pd.DataFrame({"source": sources, "split": splits, "label": mapped}).dropna()
    counts = pd.crosstab([frame["source"], frame["split"]], frame["label"]).reindex(
        columns=list(scheme.classes), fill_value=0
    )
    train = frame[frame["split"] == "train"]["label"].value_counts().reindex(list(scheme.classes), fill_value=0)
    weights = pd.DataFrame(
        {m: class_weights(train.to_numpy(), method=m) for m in ("inverse", "effective")},
        index=list(scheme.classes),
    ).T.round(3)
    return counts, weights


def scheme_counts(name, splits=("train", "val", "test")):
    """{scheme: {split: array (K,) counts}} over the whole dataset, for plots."""
    ds = load_dataset(name)
    split_values, labels = ds.values([SPLIT, GROUND_TRUTH_LABEL])
    out = {}
    for scheme in BUILTIN.values():
        out[scheme.name] = {}
        for split in splits:
            mapped = [scheme.remap_label(lab) for s, lab in zip(split_values, labels) if s == split]
            out[scheme.name][split] = np.array([mapped.count(c) for c in scheme.classes])
    return out
