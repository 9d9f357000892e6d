"""The adapters as FiftyOne importers, and a FiftyOne round trip."""

import fiftyone as fo
import pytest

from curate.build import load_dataset
from curate.demo import write_demo_sources
from curate.pipeline import BuildPlan, run_build
from datasets.importers import (
    CapturesDataset, CKPlusDataset, FER2013CSVDataset, FER2013FoldersDataset, RAFDBDataset, merge_into,
)
from fixtures import save_image


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    return write_demo_sources(str(tmp_path_factory.mktemp("demo")), seed=5)


@pytest.fixture
def names():
    made = []
    yield made
    for name in made:
        if fo.dataset_exists(name):
            fo.delete_dataset(name)


def test_from_dir_fer2013_csv_with_ferplus(sources, tmp_path, dataset_name):
    import os

    ds = fo.Dataset.from_dir(
        os.path.dirname(sources["fer2013"]), dataset_type=FER2013CSVDataset, name=dataset_name,
        ferplus_path=sources["ferplus"], media_dir=str(tmp_path / "png"), progress=False,
    )
    assert len(ds) == 300
    assert ds.first().filepath.startswith(str(tmp_path / "png"))
    assert len(ds.first().votes) == 10
    assert set(ds.distinct("split")) == {"train", "val", "test"}


@pytest.mark.parametrize("key, dataset_type, count", [
    ("rafdb", RAFDBDataset, 52), ("ckplus", CKPlusDataset, 18), ("captures", CapturesDataset, 30),
])
def test_from_dir_other_sources(sources, key, dataset_type, count, dataset_name):
    ds = fo.Dataset.from_dir(sources[key], dataset_type=dataset_type, name=dataset_name, progress=False)
    assert len(ds) == count
    assert ds.get_field_schema()["votes"] is not None


def test_from_dir_kaggle_folders_and_max_samples(tmp_path, dataset_name):
    for i in range(4):
        save_image(tmp_path / "train" / "happy" / f"Training_{i}.jpg")
    ds = fo.Dataset.from_dir(str(tmp_path), dataset_type=FER2013FoldersDataset, name=dataset_name,
                             max_samples=3, shuffle=True, seed=1, progress=False)
    assert len(ds) == 3 and ds.distinct("ground_truth.label") == ["happiness"]


def test_merge_into_is_idempotent_and_keyed_like_build(sources, tmp_path, dataset_name):
    ds = fo.Dataset(dataset_name)
    for _ in range(2):
        merge_into(ds, sources["rafdb"], RAFDBDataset)
    assert len(ds) == 52 and len(set(ds.values("sample_key"))) == 52
    assert ds.get_index_information()["sample_key"]["unique"]
    ds.set_values("raw_label", ["x"] * len(ds))  # an import updates what the source says, in place
    merge_into(ds, sources["rafdb"], RAFDBDataset)
    assert len(ds) == 52 and "x" not in ds.distinct("raw_label")
    reviewed = ds.first()
    reviewed["annotator_votes"] = [{"choice": "happiness"}]
    reviewed.save()
    with pytest.raises(ValueError, match="reviewed in Label Studio; add sources with `curate build`"):
        merge_into(ds, sources["rafdb"], RAFDBDataset)


def test_round_trip_export_and_reimport(sources, workspace, dataset_name, tmp_path, names):
    run_build(BuildPlan(merge=("ferplus",), **sources), dataset_name=dataset_name, workspace=workspace, quiet=True)
    ds = load_dataset(dataset_name)
    fields = ["sample_key", "source", "split", "subject", "raw_label", "fer2013_label", "votes", "soft_label",
              "ground_truth.label"]

    # full-fidelity FiftyOne format
    ds.export(export_dir=str(tmp_path / "fo"), dataset_type=fo.types.FiftyOneDataset, export_media=False)
    names.append(dataset_name + "-fo")
    back = fo.Dataset.from_dir(str(tmp_path / "fo"), dataset_type=fo.types.FiftyOneDataset, name=names[-1])
    key = lambda d: sorted(zip(*d.values(fields)), key=lambda row: row[0])  # noqa: E731
    assert len(back) == len(ds) and key(back) == key(ds)

    # the interchange format other tools read: class folders of labelled images
    labelled = ds.exists("ground_truth")
    labelled.export(export_dir=str(tmp_path / "tree"), dataset_type=fo.types.ImageClassificationDirectoryTree,
                    label_field="ground_truth")
    names.append(dataset_name + "-tree")
    tree = fo.Dataset.from_dir(str(tmp_path / "tree"), dataset_type=fo.types.ImageClassificationDirectoryTree,
                               name=names[-1])
    assert tree.count_values("ground_truth.label") == labelled.count_values("ground_truth.label")
