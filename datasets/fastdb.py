"""Bulk writes for whole-dataset passes, beside FiftyOne's per-field API.

FiftyOne's public calls do one database round of updates per field
(``set_values``) and re-read every inserted document (``add_samples``);
for a pass that writes 15 fields on every sample, or inserts 30k new ones,
that is most of the time. These helpers write the same documents with one
bulk operation, through two internals of fiftyone 1.22.1 (the version this
project pins): ``Dataset._transform_sample`` and ``Dataset._sample_collection``.

One interface, two paths: :func:`insert_samples`, :func:`insert_rows`, :func:`write_fields`,
:func:`write_classifications` and :func:`tag_ids` take ``bulk`` (default: :func:`bulk_available`,
i.e. the internals exist); ``bulk=False`` goes through ``add_samples`` / ``set_values`` /
``tag_samples``. Both paths store the same documents; ``tests/datasets/test_fastdb.py``
runs both and compares them, so a FiftyOne upgrade that changes the internals fails there first.
"""

import datetime

import numpy as np

_TYPES = {bool: "BooleanField", int: "IntField", float: "FloatField", str: "StringField"}
ID_CHUNK = 100_000  # ids per database command: MongoDB refuses commands over 16 MB (~600k ObjectIds)
OPS_CHUNK = 50_000  # update operations built and sent at a time (pymongo splits each batch into commands itself)


def bulk_available(dataset):
    """True when the FiftyOne internals the bulk path uses exist on ``dataset``."""
    return hasattr(dataset, "_transform_sample") and hasattr(dataset, "_sample_collection")


def insert_rows(dataset, rows, *, labels=(), bulk=None):
    """Insert new image samples given as plain rows; return their ids as str.

    ``rows``: dicts field → value with ``filepath`` and ``tags`` (list of
    str); values are str, int, float, bool, None, numpy scalars or arrays, or
    lists of these. The fields named in ``labels`` hold a label name (or
    None), stored as a Classification. Every field must already be declared
    on the dataset (``curate build`` declares them first, see
    :func:`datasets.samples.prepare_dataset`). The bulk path writes the
    documents ``add_samples`` would, without a Sample object and its
    serialisation per row (two thirds of a build's insert time); ``bulk``:
    see the module docstring.
    """
    if not rows:
        return []
    if not (bulk_available(dataset) if bulk is None else bulk):
        return insert_samples(dataset, [row_sample(row, labels) for row in rows], bulk=False)
    import fiftyone.core.media as fomm
    import fiftyone.core.storage as fos
    import pymongo.errors
    from bson import ObjectId
    from fiftyone.core.odm.sample import _generate_rand

    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # BSON dates hold milliseconds
    dataset_id = dataset._doc.id
    docs = []
    for row in rows:
        filepath = fos.normalize_path(row["filepath"])
        doc = {"filepath": filepath, "tags": list(row.get("tags") or []), "_media_type": fomm.get_media_type(filepath),
               "_rand": _generate_rand()}
        for key, value in row.items():
            if key in ("filepath", "tags") or value is None:
                continue
            doc[key] = ({"_id": ObjectId(), "_cls": "Classification", "tags": [], "label": value}
                        if key in labels else _bson(value))
        doc.update(_dataset_id=dataset_id, created_at=now, last_modified_at=now)
        docs.append(doc)
    try:
        result = dataset._sample_collection.insert_many(docs)
    except pymongo.errors.BulkWriteError as err:
        raise ValueError(err.details["writeErrors"][0]["errmsg"]) from err
    return [str(i) for i in result.inserted_ids]


def row_sample(row, labels=()):
    """The fo.Sample of an :func:`insert_rows` row (the public path, and what the bulk path must match)."""
    import fiftyone as fo

    return fo.Sample(**{k: (fo.Classification(label=v) if v else None) if k in labels else _bson(v)
                        for k, v in row.items()})


def insert_samples(dataset, samples, *, bulk=None):
    """Insert new samples (fo.Sample list); return their ids as str. ``bulk``: see the module docstring."""
    import pymongo.errors

    if not samples:
        return []
    if not (bulk_available(dataset) if bulk is None else bulk):
        try:
            return [str(i) for i in dataset.add_samples(samples, progress=False, validate=False)]
        except pymongo.errors.BulkWriteError as err:
            raise ValueError(err.details["writeErrors"][0]["errmsg"]) from err
    transform, collection = dataset._transform_sample, dataset._sample_collection
    docs = [transform(s, expand_schema=False, validate=False)[1] for s in samples]
    try:
        result = collection.insert_many(docs)
    except pymongo.errors.BulkWriteError as err:
        raise ValueError(err.details["writeErrors"][0]["errmsg"]) from err
    return [str(i) for i in result.inserted_ids]


def write_fields(dataset, ids, columns, types=None, *, bulk=None):
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
    ``bulk``: see the module docstring.
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
    if not (bulk_available(dataset) if bulk is None else bulk):
        view = dataset.select(ids, ordered=True)
        for name, values in columns.items():
            view.set_values(name, values)
        return
    collection = dataset._sample_collection
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    names = list(columns)
    _bulk_write(collection, (
        UpdateOne({"_id": ObjectId(i)}, {"$set": {**dict(zip(names, row)), "last_modified_at": now}})
        for i, row in zip(ids, zip(*columns.values()))
    ))
    dataset.reload()


def tag_ids(dataset, ids, tag, *, bulk=None, chunk=ID_CHUNK):
    """Add ``tag`` to the samples with ids ``ids`` (sample id strings), ``chunk`` ids per database command.

    ``dataset.select(ids).tag_samples(tag)`` puts every id in one aggregate
    command, which MongoDB refuses past 16 MB (about 600k ids: a 1 M-face
    dataset tags most of its faces ``dup``). Both paths add the tag once
    (a set, as ``tag_samples`` does) and stamp ``last_modified_at``;
    ``bulk``: see the module docstring.
    """
    from bson import ObjectId

    ids = list(ids)
    if chunk < 1:
        raise ValueError(f"chunk must be at least 1, got {chunk}")
    if not (bulk_available(dataset) if bulk is None else bulk):
        for start in range(0, len(ids), chunk):
            dataset.select(ids[start:start + chunk]).tag_samples(tag)
        return
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    for start in range(0, len(ids), chunk):
        dataset._sample_collection.update_many(
            {"_id": {"$in": [ObjectId(i) for i in ids[start:start + chunk]]}},
            {"$addToSet": {"tags": tag}, "$set": {"last_modified_at": now}})
    dataset.reload()


def write_classifications(dataset, ids, field, rows, *, multi=False, bulk=None):
    """Set a Classification (or, with ``multi``, Classifications) field on many samples in one bulk update.

    ``ids``: N sample id strings. ``rows``: N entries, each None or a dict
    with ``label`` and optional ``confidence`` (float) and ``logits`` (list of
    floats); with ``multi`` each entry is None or a list of such dicts. The
    field is declared if new. The bulk path writes the documents FiftyOne
    would (``_cls``, ``_id``, ``tags``, ...) without building one label
    object per row, which is most of the cost at 30k samples. ``bulk``: see
    the module docstring.
    """
    import fiftyone as fo
    from bson import ObjectId
    from pymongo import UpdateOne

    if len(rows) != len(ids):
        raise ValueError(f"field {field!r} has {len(rows)} rows for {len(ids)} samples")
    kind = fo.Classifications if multi else fo.Classification
    if dataset.get_field(field) is None:
        dataset.add_sample_field(field, fo.EmbeddedDocumentField, embedded_doc_type=kind)
    if not (bulk_available(dataset) if bulk is None else bulk):
        def label(row):
            return fo.Classification(**{k: np.asarray(v, float) if k == "logits" else _plain(v)
                                        for k, v in row.items() if v is not None})

        values = [None if row is None else
                  fo.Classifications(classifications=[label(r) for r in row]) if multi else label(row)
                  for row in rows]
        dataset.select(ids, ordered=True).set_values(field, values)
        return

    vector = fo.VectorField()  # logits are stored as FiftyOne stores a vector: a compressed binary array

    def document(row):
        doc = {"_id": ObjectId(), "_cls": "Classification", "tags": [], "label": row["label"]}
        for key in ("confidence", "logits"):
            if row.get(key) is not None:
                doc[key] = _plain(row[key]) if key == "confidence" else vector.to_mongo(np.asarray(row[key], float))
        return doc

    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)

    def value(row):
        if row is None:
            return None
        if multi:
            return {"_cls": "Classifications", "classifications": [document(r) for r in row]}
        return document(row)

    _bulk_write(dataset._sample_collection, (
        UpdateOne({"_id": ObjectId(i)}, {"$set": {field: value(row), "last_modified_at": now}})
        for i, row in zip(ids, rows)))
    dataset.reload()


def _bulk_write(collection, ops, chunk=OPS_CHUNK):
    """Run the update operations of the iterable ``ops``, ``chunk`` at a time (unordered).

    Built lazily and sent in chunks, the operations of a million-sample
    pass never all sit in memory (about 1 KB each).
    """
    batch = []
    for op in ops:
        batch.append(op)
        if len(batch) >= chunk:
            collection.bulk_write(batch, ordered=False)
            batch = []
    if batch:
        collection.bulk_write(batch, ordered=False)


def _bson(value):
    """numpy scalars and arrays (also inside lists) → Python values, as FiftyOne serialises a field."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_bson(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _plain(value):
    """numpy scalars → Python scalars; NaN → None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
