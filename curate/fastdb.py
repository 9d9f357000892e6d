"""Bulk writes for whole-dataset passes, beside FiftyOne's per-field API.

FiftyOne's public calls do one database round of updates per field
(``set_values``) and re-read every inserted document (``add_samples``);
for a pass that writes 15 fields on every sample, or inserts 30k new ones,
that is most of the time. These helpers write the same documents with one
bulk operation, through two internals of fiftyone 1.22.1 (the version this
project pins): ``Dataset._transform_sample`` and ``Dataset._sample_collection``.
Where those are missing they fall back to the public API.
``tests/curate/test_fastdb.py`` checks both paths store identical documents.
"""

import datetime

import numpy as np

_TYPES = {bool: "BooleanField", int: "IntField", float: "FloatField", str: "StringField"}


def insert_samples(dataset, samples):
    """Insert new samples (fo.Sample list); return their ids as str."""
    import pymongo.errors

    if not samples:
        return []
    transform = getattr(dataset, "_transform_sample", None)
    collection = getattr(dataset, "_sample_collection", None)
    if transform is None or collection is None:
        return dataset.add_samples(samples, progress=False, validate=False)
    docs = [transform(s, expand_schema=False, validate=False)[1] for s in samples]
    try:
        result = collection.insert_many(docs)
    except pymongo.errors.BulkWriteError as err:
        raise ValueError(err.details["writeErrors"][0]["errmsg"]) from err
    return [str(i) for i in result.inserted_ids]


def write_fields(dataset, ids, columns, types=None):
    """Set several scalar fields on many samples in one bulk update.

    Parameters
    ----------
    dataset : fo.Dataset
    ids : list of N sample id strings
    columns : dict field name → list of N values (bool, int, float, str or None)
    types : optional dict field name → Python type (bool, int, float, str)

    Fields are declared if new: typed by ``types``, else from their first
    non-None value (float when all are None). A declared field of another
    scalar type is re-declared (its values are rewritten here anyway).
    """
    import fiftyone as fo
    from bson import ObjectId
    from pymongo import UpdateOne

    columns = {k: [_plain(x) for x in v] for k, v in columns.items()}
    for name, values in columns.items():
        if len(values) != len(ids):
            raise ValueError(f"field {name!r} has {len(values)} values for {len(ids)} samples")
        kind = (types or {}).get(name) or next((type(x) for x in values if x is not None), float)
        field = dataset.get_field(name) if dataset.has_field(name) else None
        if field is not None and (types or {}).get(name) and type(field).__name__ != _TYPES[kind]:
            dataset.delete_sample_field(name)
            field = None
        if field is None:
            dataset.add_sample_field(name, getattr(fo, _TYPES[kind]))
    collection = getattr(dataset, "_sample_collection", None)
    if collection is None:
        for name, values in columns.items():
            dataset.select(ids, ordered=True).set_values(name, values)
        return
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    names = list(columns)
    ops = [
        UpdateOne({"_id": ObjectId(i)}, {"$set": {**dict(zip(names, row)), "last_modified_at": now}})
        for i, row in zip(ids, zip(*columns.values()))
    ]
    if ops:
        collection.bulk_write(ops, ordered=False)
    dataset.reload()


def _plain(value):
    """numpy scalars → Python scalars; NaN → None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
