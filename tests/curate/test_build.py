import os

import cv2
import numpy as np
import pytest

from curate.build import DatasetBuilder, create_dataset, load_dataset
from datasets.samples import make_sample, record_fields
from datasets.fastdb import insert_samples
from curate.demo import write_demo_sources
from curate.pipeline import BuildPlan, run_build
from datasets.fer2013 import FER2013CSV
from datasets.records import SourceError
from fixtures import save_image, write_fer_csv, write_rafdb


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    return write_demo_sources(str(tmp_path_factory.mktemp("demo")), seed=3)


def build(name, workspace, **paths):
    merge = ("ferplus",) if paths.get("ferplus") else ()
    return {r.source: r for r in run_build(BuildPlan(merge=merge, **paths), dataset_name=name, workspace=workspace, quiet=True)}


def media_files(workspace, name):
    root = workspace.media_dir(name)
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs)


def test_full_build_fields(sources, workspace, dataset_name):
    reports = build(dataset_name, workspace, **sources)
    ds = load_dataset(dataset_name)
    assert reports["fer2013"].added == 300
    assert len(ds) == sum(r.added for r in reports.values())
    assert set(ds.distinct("source")) == {"fer2013", "rafdb", "ckplus", "captures"}
    assert reports["fer2013"].notes == []  # the demo table pairs with every row
    s = ds.match({"source": "fer2013", "ground_truth": {"$ne": None}}).first()
    assert len(s.votes) == 10 and len(s.soft_label) == 8
    assert abs(sum(s.soft_label) - 1) < 1e-9
    assert s.fer2013_label is not None and s.split in s.tags
    assert s.sample_key == f"fer2013:{s.source_id}"
    ck = ds.match({"source": "ckplus"}).first()
    assert ck.subject.startswith("S") and ck.soft_label[["neutral", "happiness", "surprise", "sadness", "anger",
                                                           "disgust", "fear", "contempt"].index(ck.ground_truth.label)] == 1.0
    unlabeled = ds.match({"source": "captures", "raw_label": "unlabeled"})
    assert len(unlabeled) > 0 and unlabeled.first().ground_truth is None
    assert ds.default_classes[0] == "neutral"
    assert set(ds.info["sources"]) == {"fer2013", "rafdb", "ckplus", "captures"}


def test_png_pixels_equal_csv_pixels(sources, workspace, dataset_name):
    build(dataset_name, workspace, fer2013=sources["fer2013"])
    ds = load_dataset(dataset_name)
    by_id = {r.source_id: r.pixels for r in FER2013CSV(sources["fer2013"])}
    for sample in ds.take(20, seed=0):
        np.testing.assert_array_equal(cv2.imread(sample.filepath, cv2.IMREAD_UNCHANGED), by_id[sample.source_id])
    # without --merge the label is the FER2013 label and there are no votes
    s = ds.first()
    assert s.votes is None and s.ground_truth.label == s.fer2013_label


def test_rebuild_is_a_no_op(sources, workspace, dataset_name):
    build(dataset_name, workspace, **sources)
    ds = load_dataset(dataset_name)
    before = dict(zip(ds.values("sample_key"), ds.values("id")))
    mtimes = {p: os.path.getmtime(p) for p in media_files(workspace, dataset_name)}
    reports = build(dataset_name, workspace, **sources)
    assert all(r.added == 0 and r.updated == 0 for r in reports.values())
    assert dict(zip(ds.values("sample_key"), ds.values("id"))) == before
    assert {p: os.path.getmtime(p) for p in media_files(workspace, dataset_name)} == mtimes


def test_merge_ferplus_later_updates_in_place(sources, workspace, dataset_name):
    build(dataset_name, workspace, fer2013=sources["fer2013"])
    ds = load_dataset(dataset_name)
    ids = sorted(ds.values("id"))
    reports = build(dataset_name, workspace, fer2013=sources["fer2013"], ferplus=sources["ferplus"])
    assert reports["fer2013"].added == 0 and reports["fer2013"].updated == 300
    assert sorted(ds.values("id")) == ids
    assert None not in ds.values("votes")
    changed = ds.match({"$expr": {"$ne": ["$ground_truth.label", "$fer2013_label"]}})
    assert len(changed) > 0  # FERPlus majority disagrees with some FER2013 labels


def test_adding_a_source_later_adds_only_its_samples(sources, workspace, dataset_name):
    build(dataset_name, workspace, fer2013=sources["fer2013"], ferplus=sources["ferplus"])
    reports = build(dataset_name, workspace, fer2013=sources["fer2013"], ferplus=sources["ferplus"], rafdb=sources["rafdb"])
    assert reports["fer2013"].added == 0 and reports["fer2013"].unchanged == 300
    assert reports["rafdb"].added == 52
    assert len(load_dataset(dataset_name)) == 352


def test_interrupted_build_can_be_rerun_to_completion(sources, workspace, dataset_name):
    # a build killed after two batches: samples inserted, nothing committed
    builder = DatasetBuilder(dataset_name, workspace.media_dir(dataset_name), quiet=True)
    records = list(FER2013CSV(sources["fer2013"]))
    builder.add_source("fer2013", records[:120])
    builder.png_writer.wait()
    assert len(load_dataset(dataset_name)) == 120
    reports = build(dataset_name, workspace, fer2013=sources["fer2013"])
    assert reports["fer2013"].added == 180 and reports["fer2013"].unchanged == 120
    ds = load_dataset(dataset_name)
    assert len(ds) == 300 and len(set(ds.values("sample_key"))) == 300
    assert all(os.path.isfile(p) for p in ds.values("filepath"))


def test_bad_input_leaves_existing_dataset_unchanged(sources, workspace, dataset_name, tmp_path):
    build(dataset_name, workspace, fer2013=sources["fer2013"])
    ds = load_dataset(dataset_name)
    keys, files = sorted(ds.values("sample_key")), media_files(workspace, dataset_name)
    bad_raf = write_rafdb(tmp_path / "raf", ["train_00001.jpg 5", "train_00002.jpg 9"])
    with pytest.raises(SourceError, match="line 2: unknown label '9'"):
        build(dataset_name, workspace, fer2013=sources["fer2013"], ferplus=sources["ferplus"],
              captures=sources["captures"], rafdb=bad_raf)
    ds.reload()
    assert sorted(ds.values("sample_key")) == keys
    assert ds.values("votes") == [None] * 300  # the queued FERPlus updates were never written
    assert media_files(workspace, dataset_name) == files


def test_bad_last_row_leaves_no_dataset_and_no_pngs(workspace, dataset_name, tmp_path):
    rows = [(3, "Training")] * 1500 + [(3, "1 2 3", "Training")]
    path = write_fer_csv(tmp_path / "fer2013.csv", rows)
    with pytest.raises(SourceError, match="line 1502: expected 2304 pixel values, found 3"):
        build(dataset_name, workspace, fer2013=path)
    import fiftyone as fo

    assert not fo.dataset_exists(dataset_name)
    assert media_files(workspace, dataset_name) == []


def test_duplicate_ids_within_a_source(workspace, dataset_name, tmp_path):
    save_image(tmp_path / "cap" / "s1" / "happy" / "1.png")
    save_image(tmp_path / "cap" / "s1" / "sad" / "1.png")
    with pytest.raises(SourceError, match="duplicate captures id 's1/1.png'"):
        build(dataset_name, workspace, captures=str(tmp_path / "cap"))



def test_unique_key_index_refuses_duplicates(sources, dataset_name):
    records = [r for _, r in zip(range(2), FER2013CSV(sources["fer2013"]))]
    ds = create_dataset(dataset_name)
    samples = lambda: [make_sample(r, f) for r, f in zip(records, record_fields(records, "/tmp/x"))]  # noqa: E731
    insert_samples(ds, samples())
    with pytest.raises(ValueError, match="duplicate key"):
        insert_samples(ds, samples())


@pytest.mark.parametrize("name, content, problem", [
    ("garbage.png", b"this is not a png", "not an image"),
    ("empty.jpg", b"", "empty file"),
    ("cut.png", None, "broken image"),
])
def test_a_broken_image_stops_the_build_naming_it_and_changes_nothing(workspace, dataset_name, tmp_path, name,
                                                                       content, problem):
    import fiftyone as fo

    save_image(tmp_path / "cap" / "s1" / "happy" / "1.png")
    bad = tmp_path / "cap" / "s1" / "sad" / name
    bad.parent.mkdir(parents=True, exist_ok=True)
    if content is None:  # a real PNG, truncated
        save_image(bad)
        content = bad.read_bytes()[:-30]
    bad.write_bytes(content)
    with pytest.raises(SourceError, match=f"{name}: {problem}.*--skip-bad"):
        build(dataset_name, workspace, captures=str(tmp_path / "cap"))
    assert not fo.dataset_exists(dataset_name)


def test_skip_bad_builds_the_rest_and_lists_what_it_skipped(workspace, dataset_name, tmp_path):
    from curate.pipeline import BuildPlan, run_build

    save_image(tmp_path / "cap" / "s1" / "happy" / "1.png")
    (tmp_path / "cap" / "s1" / "sad").mkdir(parents=True)
    (tmp_path / "cap" / "s1" / "sad" / "2.jpg").write_bytes(b"")
    (report,) = run_build(BuildPlan(captures=str(tmp_path / "cap"), skip_bad=True), dataset_name=dataset_name,
                          workspace=workspace, quiet=True)
    assert report.added == 1 and "1 broken images skipped (--skip-bad)" in report.notes[0] and "2.jpg" in report.notes[0]
    info = load_dataset(dataset_name).info["sources"]["captures"]
    assert info["skipped_bad_images"] == [[str(tmp_path / "cap" / "s1" / "sad" / "2.jpg"), "empty file (0 bytes)"]]


def test_a_large_folder_is_checked_in_a_worker_process_and_a_broken_image_still_stops_it(workspace, dataset_name,
                                                                                         tmp_path):
    import fiftyone as fo

    from curate.build import BATCH_SIZE

    folder = tmp_path / "cap" / "s1" / "happy"
    save_image(folder / "0000.png", size=8)
    for i in range(1, BATCH_SIZE + 50):  # more than one batch: the decoding goes to a worker process
        (folder / f"{i:04d}.png").write_bytes((folder / "0000.png").read_bytes())
    (folder / "0999.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")  # in the first batch
    with pytest.raises(SourceError, match="0999.png: not an image .*--skip-bad"):
        build(dataset_name, workspace, captures=str(tmp_path / "cap"))
    assert not fo.dataset_exists(dataset_name)
