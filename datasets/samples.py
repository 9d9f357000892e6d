"""One record → one FiftyOne sample: the mapping ``curate build`` and the FiftyOne importers share.

A :class:`datasets.records.FaceRecord` becomes a field dict
(:func:`record_fields`, soft labels computed vectorised per batch) and then
a ``fo.Sample`` (:func:`make_sample`). The fields and their FiftyOne types
are :func:`field_types`; :func:`prepare_dataset` declares them on a dataset
with the unique ``sample_key`` index that makes re-ingesting idempotent.
Field meanings: see :mod:`curate.build`.
"""

import os

import numpy as np

from datasets.names import SAMPLE_KEY
from labels.taxonomy import CLASS_INDEX, CLASSES, FER2013_EMOTION, NUM_CLASSES, canonical_from_name
from labels.votes import vote_distribution


def field_types():
    """Field name → (FiftyOne field class, kwargs) for every sample field we own."""
    import fiftyone as fo

    text = (fo.StringField, {})
    return {
        "sample_key": text, "source": text, "source_id": text, "split": text,
        "subject": text, "raw_label": text, "raw_split": text, "fer2013_label": text,
        "votes": (fo.ListField, {"subfield": fo.IntField}),
        "soft_label": (fo.ListField, {"subfield": fo.FloatField}),
        "valence": (fo.FloatField, {}), "arousal": (fo.FloatField, {}),
        "ground_truth": (fo.EmbeddedDocumentField, {"embedded_doc_type": fo.Classification}),
    }


def prepare_dataset(dataset):
    """Declare our sample fields, the unique ``sample_key`` index and the default classes on ``dataset``."""
    for field, (ftype, kwargs) in field_types().items():
        if dataset.get_field(field) is None:
            dataset.add_sample_field(field, ftype, **kwargs)
    dataset.create_index(SAMPLE_KEY, unique=True)
    dataset.default_classes = list(CLASSES)
    return dataset


def fer2013_label(record):
    """The original FER2013 label of a FER2013 record (CSV or image folders)."""
    if record.source == "fer2013":
        return FER2013_EMOTION[int(record.raw_label)]
    if record.source == "fer2013-images":
        return canonical_from_name(record.raw_label)
    return None


def record_fields(records, media_dir):
    """Field dicts for a batch of records (soft labels computed vectorised).

    ``media_dir`` is where pixel records' PNGs go:
    ``<media_dir>/<source>/<split>/<source_id>.png``.
    """
    votes = [r.votes for r in records if r.votes is not None]
    dists = iter(vote_distribution(np.array(votes)) if votes else [])
    out = []
    for record in records:
        if record.votes is not None:
            dist = next(dists)
            soft = [float(x) for x in dist] if dist.sum() > 0 else None
        elif record.label is not None:
            soft = [0.0] * NUM_CLASSES
            soft[CLASS_INDEX[record.label]] = 1.0
        else:
            soft = None
        filepath = record.filepath
        if record.pixels is not None:
            filepath = os.path.join(media_dir, record.source, record.split, f"{record.source_id}.png")
        out.append({
            "filepath": os.path.abspath(filepath),
            "source": record.source,
            "source_id": record.source_id,
            "split": record.split,
            "subject": record.subject,
            "raw_label": record.raw_label,
            "raw_split": record.raw_split,
            "fer2013_label": fer2013_label(record),
            "votes": list(record.votes) if record.votes is not None else None,
            "soft_label": soft,
            "valence": record.valence,
            "arousal": record.arousal,
            "ground_truth": record.label,  # a label name here; Classification on write
        })
    return out


def classifications(labels_by_key):
    """{key: label name or None} → {key: fo.Classification or None}: how a label is stored in ``ground_truth``."""
    import fiftyone as fo

    return {k: fo.Classification(label=v) if v else None for k, v in labels_by_key.items()}


def sample_row(record, fields):
    """The plain row (:func:`datasets.fastdb.insert_rows`) of a record and its :func:`record_fields` dict.

    ``ground_truth`` holds the label name (stored as a Classification; see
    :data:`ROW_LABELS`). Image metadata is left for
    ``dataset.compute_metadata()``, as FiftyOne's own importers do: reading
    it here would double the cost of a build.
    """
    return {"sample_key": record.key, "tags": [record.split], **fields}


ROW_LABELS = ("ground_truth",)  # the fields of a sample_row that are Classification labels


def make_sample(record, fields):
    """A FiftyOne Sample from a record and its :func:`record_fields` dict (the row of :func:`sample_row`)."""
    from datasets.fastdb import row_sample

    return row_sample(sample_row(record, fields), ROW_LABELS)
