"""datasets.fastdb: its bulk path stores the documents FiftyOne's public API stores; both paths run here."""

import fiftyone as fo
import numpy as np
import pytest

from curate.build import create_dataset
from curate.demo import write_demo_sources
from datasets.fastdb import bulk_available, insert_rows, insert_samples, tag_ids, write_classifications, write_fields
from datasets.fer2013 import FER2013CSV
from datasets.samples import ROW_LABELS, make_sample, record_fields, sample_row

SKIP = {"_id", "created_at", "last_modified_at", "_rand", "_dataset_id"}


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    sources = write_demo_sources(str(tmp_path_factory.mktemp("demo")), seed=3)
    return [r for _, r in zip(range(6), FER2013CSV(sources["fer2013"]))]


@pytest.fixture
def pair(dataset_name):
    """Two empty datasets built as `curate build` builds them: (bulk, public)."""
    made = [create_dataset(dataset_name + "-bulk"), create_dataset(dataset_name + "-public")]
    yield made
    for ds in made:
        ds.delete()


def documents(ds):
    """Every stored sample document, minus ids and timestamps, in sample_key order (public API only)."""
    out = []
    for sample in ds.sort_by("sample_key"):
        doc = {k: v for k, v in sample.to_dict().items() if k not in SKIP}
        if doc.get("ground_truth"):
            doc["ground_truth"] = {k: v for k, v in doc["ground_truth"].items() if k != "_id"}
        out.append(doc)
    return out


def raw_documents(ds):
    """The documents as MongoDB holds them (the strictest comparison: no FiftyOne decoding in between)."""
    out = []
    for doc in ds._sample_collection.find({}, sort=[("sample_key", 1)]):
        doc = {k: v for k, v in doc.items() if k not in SKIP}
        if doc.get("ground_truth"):
            doc["ground_truth"] = {k: v for k, v in doc["ground_truth"].items() if k != "_id"}
        out.append(doc)
    return out


def samples(records):
    return [make_sample(r, f) for r, f in zip(records, record_fields(records, "/tmp/fastdb-media"))]


def test_the_bulk_path_is_the_one_taken_on_the_pinned_fiftyone(pair):
    assert bulk_available(pair[0])


def test_insert_stores_what_add_samples_stores(pair, records):
    bulk, public = pair
    ids = insert_samples(bulk, samples(records), bulk=True)
    assert len(ids) == 6 and all(isinstance(i, str) for i in ids)
    assert len(insert_samples(public, samples(records), bulk=False)) == 6
    assert documents(bulk) == documents(public) and len(documents(bulk)) == 6
    assert raw_documents(bulk) == raw_documents(public)
    assert bulk.count_values("ground_truth.label") == public.count_values("ground_truth.label")
    assert insert_samples(bulk, [], bulk=True) == [] == insert_samples(public, [], bulk=False)


def rows(records):
    return [sample_row(r, f) for r, f in zip(records, record_fields(records, "/tmp/fastdb-media"))]


def test_insert_rows_stores_what_add_samples_stores(pair, records):
    bulk, public = pair
    rows_ = rows(records)
    rows_[1]["ground_truth"] = None
    rows_[2]["votes"] = list(np.array([1, 0, 2, 0, 0, 0, 0, 0, 7, 0]))  # numpy ints, as record_fields gives
    rows_[3]["arousal"] = np.float32(0.25)
    ids = insert_rows(bulk, rows_, labels=ROW_LABELS, bulk=True)
    assert len(ids) == 6 and all(isinstance(i, str) for i in ids)
    assert len(insert_rows(public, rows_, labels=ROW_LABELS, bulk=False)) == 6
    assert documents(bulk) == documents(public) and len(documents(bulk)) == 6
    assert raw_documents(bulk) == raw_documents(public)
    stored = bulk.sort_by("sample_key")
    assert stored.values("ground_truth")[1] is None and stored.values("votes")[2] == [1, 0, 2, 0, 0, 0, 0, 0, 7, 0]
    assert stored.first().media_type == "image" and 0.999 <= stored.first()._rand <= 1.0
    assert insert_rows(bulk, [], bulk=True) == []
    with pytest.raises(ValueError, match="duplicate key"):
        insert_rows(bulk, rows_[:1], labels=ROW_LABELS, bulk=True)


@pytest.mark.parametrize("bulk", [True, False])
def test_both_paths_refuse_a_duplicate_key_the_same_way(pair, records, bulk):
    ds = pair[0]
    insert_samples(ds, samples(records[:2]), bulk=bulk)
    with pytest.raises(ValueError, match="duplicate key"):
        insert_samples(ds, samples(records[:2]), bulk=bulk)
    assert len(ds) == 2


def test_write_fields_stores_what_set_values_stores(pair, records):
    for ds in pair:
        insert_samples(ds, samples(records), bulk=False)
    columns = {"score": np.linspace(0, 1, 6), "flag": [True, False] * 3, "count": np.arange(6),
               "note": ["a", None, "c", "d", None, "f"], "empty": [None] * 6, "nan": [np.nan] + [0.5] * 5}
    for ds, bulk in zip(pair, (True, False)):
        ids = ds.sort_by("sample_key").values("id")
        write_fields(ds, ids, columns, types={"count": int}, bulk=bulk)
    bulk_ds, public_ds = pair
    assert documents(bulk_ds) == documents(public_ds) and raw_documents(bulk_ds) == raw_documents(public_ds)
    schema = {k: type(v).__name__ for k, v in bulk_ds.get_field_schema().items()}
    assert schema == {k: type(v).__name__ for k, v in public_ds.get_field_schema().items()}
    assert (schema["score"], schema["flag"], schema["count"], schema["note"], schema["empty"]) == (
        "FloatField", "BooleanField", "IntField", "StringField", "FloatField")
    assert bulk_ds.sort_by("sample_key").values("nan")[0] is None  # NaN is stored as missing


def test_tag_ids_tags_what_tag_samples_tags_in_chunks(pair, records):
    for ds in pair:
        insert_samples(ds, samples(records), bulk=False)
    for ds, bulk in zip(pair, (True, False)):
        ids = ds.sort_by("sample_key").values("id")
        tag_ids(ds, ids[:5], "dup", bulk=bulk, chunk=2)  # three commands of at most two ids
        tag_ids(ds, ids[1:2], "dup", bulk=bulk, chunk=2)  # tagged again: still one tag
        tag_ids(ds, [], "dup", bulk=bulk)
    bulk_ds, public_ds = pair
    assert raw_documents(bulk_ds) == raw_documents(public_ds)
    assert [("dup" in t) for t in bulk_ds.sort_by("sample_key").values("tags")] == [True] * 5 + [False]
    assert [t.count("dup") for t in bulk_ds.sort_by("sample_key").values("tags")] == [1] * 5 + [0]
    assert bulk_ds.count_sample_tags()["dup"] == 5  # FiftyOne reads the bulk path's tags


def test_bulk_write_sends_every_operation_in_chunks(pair, records):
    from bson import ObjectId
    from pymongo import UpdateOne

    from datasets.fastdb import _bulk_write

    ds = pair[0]
    ids = insert_samples(ds, samples(records))
    sent = []

    class Counting:  # the real collection, counting the batches it is given
        def bulk_write(self, batch, ordered):
            sent.append(len(batch))
            return ds._sample_collection.bulk_write(batch, ordered=ordered)

    _bulk_write(Counting(), (UpdateOne({"_id": ObjectId(i)}, {"$set": {"rank": k}}) for k, i in enumerate(ids)),
                chunk=4)
    assert sent == [4, 2]
    ds.add_sample_field("rank", fo.IntField)
    assert ds.values("rank") == list(range(6))


def test_tag_ids_rejects_an_empty_chunk(pair):
    with pytest.raises(ValueError, match="chunk must be at least 1"):
        tag_ids(pair[0], ["x"], "dup", chunk=0)


def test_write_fields_rejects_a_column_of_the_wrong_length(pair, records):
    ds = pair[0]
    ids = insert_samples(ds, samples(records))
    with pytest.raises(ValueError, match="field 'score' has 2 values for 6 samples"):
        write_fields(ds, ids, {"score": [1.0, 2.0]})


def _without_ids(value):
    """A document with every nested ``_id``/``id`` removed (label ids are random on both paths)."""
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k not in ("_id", "id")}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


@pytest.mark.parametrize("multi", [False, True])
def test_write_classifications_stores_what_set_values_stores(pair, records, multi):
    for ds in pair:
        insert_samples(ds, samples(records), bulk=False)
    single = [{"label": "neutral", "confidence": np.float32(0.75), "logits": np.array([0.5, -1.0])},
              None, {"label": "anger"}, {"label": "fear", "confidence": 0.1}, None, {"label": "sadness"}]
    rows = [None if r is None else [r, {"label": "NF", "confidence": 0.25}] for r in single] if multi else single
    for ds, bulk in zip(pair, (True, False)):
        ids = ds.sort_by("sample_key").values("id")
        write_classifications(ds, ids, "shown", rows, multi=multi, bulk=bulk)
    bulk_ds, public_ds = pair
    assert _without_ids(documents(bulk_ds)) == _without_ids(documents(public_ds))
    assert _without_ids(raw_documents(bulk_ds)) == _without_ids(raw_documents(public_ds))
    kind = "Classifications" if multi else "Classification"
    for ds in pair:
        assert ds.get_field("shown").document_type.__name__ == kind
    first = bulk_ds.sort_by("sample_key").first().shown
    label = first.classifications[0] if multi else first
    assert (label.label, label.confidence, list(label.logits)) == ("neutral", 0.75, [0.5, -1.0])
    with pytest.raises(ValueError, match="field 'shown' has 1 rows for 6 samples"):
        write_classifications(bulk_ds, ids, "shown", rows[:1])
