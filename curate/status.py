"""Counts of a built dataset: per source, split and class."""

import pandas as pd

from curate.build import load_dataset
from datasets.names import GROUND_TRUTH_LABEL, SOURCE, SPLIT
from datasets.records import SPLITS
from labels.taxonomy import CLASSES

NO_LABEL = "(none)"


def class_counts(dataset_name):
    """DataFrame indexed by (source, split), one column per class + ``(none)`` + total.

    ``(none)`` counts samples without ground truth: unlabelled captures and
    rows the FERPlus majority rule drops (no majority, unknown, not a face).
    """
    dataset = load_dataset(dataset_name)
    sources, splits, labels = dataset.values([SOURCE, SPLIT, GROUND_TRUTH_LABEL])
    frame = pd.DataFrame({"source": sources, "split": splits, "label": labels}).fillna({"label": NO_LABEL})
    table = pd.crosstab([frame["source"], frame["split"]], frame["label"])
    columns = [c for c in (*CLASSES, NO_LABEL) if c in table.columns]
    table = table.reindex(columns=columns, fill_value=0)
    order = {s: i for i, s in enumerate(SPLITS)}
    table = table.sort_index(key=lambda idx: idx.map(lambda v: order.get(v, v) if isinstance(v, str) else v))
    table["total"] = table.sum(axis=1)
    return table


def format_counts(table):
    """A plain-text table with a totals row."""
    totals = table.sum().to_frame().T
    totals.index = pd.MultiIndex.from_tuples([("all", "")], names=table.index.names)
    return pd.concat([table, totals]).to_string()
