"""kill -9 in the middle of build, score, label-quality and export, then the same command again.

Each test runs the command in a child process that kills itself with SIGKILL
at a point of :mod:`labels.kill_points` (no clean-up code runs), checks the
kill left the work half done, re-runs the command and compares the result
with an uninterrupted run of the same command on a twin dataset: every field
of every sample, the tags and the dataset info (timings aside) must be equal,
nothing duplicated or lost. Pull and flash have theirs beside their other
tests (tests/curate/test_studio_sync.py, tests/openmv/test_bundle_flash.py).
"""

import os
import uuid

import numpy as np
import pytest
from conftest import PREFIX
from fixtures import run_curate, run_killed, write_fer_csv, write_vote_table

from curate.build import load_dataset
from curate.pipeline import BuildPlan, run_build

NOT_COMPARED = {"id", "filepath", "created_at", "last_modified_at", "metadata"}
TIMINGS = {"seconds", "built_at", "last_pull"}


@pytest.fixture
def new_name():
    """Factory of unique dataset names; every dataset made is deleted afterwards."""
    made = []

    def make():
        made.append(f"{PREFIX}{uuid.uuid4().hex[:10]}")
        return made[-1]

    yield make
    import fiftyone as fo

    for name in made:
        if fo.dataset_exists(name):
            fo.delete_dataset(name)


def _plain(value):
    """A label as a dict without its ``_id`` (random per write), at every depth (``crowd`` nests labels)."""
    if hasattr(value, "to_dict"):
        value = value.to_dict()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "_id"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _without_timings(info):
    if isinstance(info, dict):
        return {k: _without_timings(v) for k, v in info.items() if k not in TIMINGS}
    return info


def dataset_state(name):
    """(sample_key → {field: value}, info without timings) of a dataset; filepaths by file name."""
    ds = load_dataset(name)
    ds.reload()  # another process wrote it: FiftyOne caches the dataset document (info, schema) per process
    fields = sorted(f for f in ds.get_field_schema() if f not in NOT_COMPARED)
    columns = ds.values(fields)
    keys = ds.values("sample_key")
    assert len(set(keys)) == len(keys), "duplicated samples"
    rows = {}
    for i, key in enumerate(keys):
        row = {f: _plain(columns[j][i]) for j, f in enumerate(fields)}
        row["tags"] = sorted(row["tags"])
        rows[key] = row
    names = [os.path.basename(p) for p in ds.values("filepath")]
    for key, file_name in zip(keys, names):
        rows[key]["file"] = file_name
    return rows, _without_timings(ds.info)


def fer_sources(tmp_path, n):
    """A FER2013 CSV of ``n`` random faces and a FERPlus vote table for them."""
    rng = np.random.default_rng(7)
    usages = ["Training"] * (n - n // 5) + ["PublicTest"] * (n // 5)
    csv_path = write_fer_csv(tmp_path / "fer2013.csv", [(int(rng.integers(0, 7)), u) for u in usages])
    crowd = [rng.multinomial(4, [0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.1, 0.05]) for _ in usages]
    for votes in crowd:
        votes[rng.integers(0, 7)] += 6  # a clear majority for one of seven emotions, some noise beside it
    table = write_vote_table(tmp_path / "votes.csv", [
        (u, f"fer{i:07d}.png", list(votes)) for i, (u, votes) in enumerate(zip(usages, crowd))])
    return csv_path, table


def test_build_killed_after_a_batch_and_in_the_middle_of_a_merge(tmp_path, workspace, new_name):
    from curate.build import BATCH_SIZE
    from datasets.media import image_problem

    csv_path, table = fer_sources(tmp_path, BATCH_SIZE + 200)
    reference, victim = new_name(), new_name()
    run_build(BuildPlan(fer2013=csv_path), dataset_name=reference, workspace=workspace, quiet=True)
    run_build(BuildPlan(fer2013=csv_path, merge=("ferplus",), ferplus=table), dataset_name=reference,
              workspace=workspace, quiet=True)

    fer_only = ["build", "--fer2013", csv_path, "--dataset", victim, "-q"]
    run_killed(*fer_only, workspace=workspace, at="build.batch:1")
    assert len(load_dataset(victim)) == BATCH_SIZE  # killed half way: the first batch is in, the rest is not
    assert run_curate(*fer_only, workspace=workspace).returncode == 0

    merge = [*fer_only, "--merge", "ferplus", "--ferplus", table]
    run_killed(*merge, workspace=workspace, at="build.commit:2")
    half = load_dataset(victim)
    assert half.count_values("ground_truth.label") != load_dataset(reference).count_values("ground_truth.label")
    again = run_curate(*merge, workspace=workspace)
    assert again.returncode == 0, again.stdout + again.stderr

    assert dataset_state(victim) == dataset_state(reference)
    ds = load_dataset(victim)
    assert len(ds) == BATCH_SIZE + 200
    assert [p for p in ds.values("filepath") if image_problem(p)] == []  # every PNG whole, none lost
    assert not [f for f in os.listdir(workspace.media_dir(victim)) if ".tmp" in f]


@pytest.fixture
def twins(tmp_path, workspace, new_name):
    """Two datasets built from the same 210 faces and votes: (reference, victim)."""
    csv_path, table = fer_sources(tmp_path, 210)
    names = new_name(), new_name()
    for name in names:
        run_build(BuildPlan(fer2013=csv_path, merge=("ferplus",), ferplus=table), dataset_name=name,
                  workspace=workspace, quiet=True)
    return names


def test_score_and_label_quality_killed_half_way(twins, workspace):
    from curate.quality_pass import run_label_quality
    from curate.score_pass import score_dataset

    reference, victim = twins
    score_dataset(reference, quiet=True)
    run_killed("score", "--dataset", victim, "-q", workspace=workspace, at="score.fields")
    half = load_dataset(victim)
    half.reload()
    assert half.has_field("pixel_hash") and not half.match_tags("dup")  # fields written, tags not yet
    assert run_curate("score", "--dataset", victim, "-q", workspace=workspace).returncode == 0
    assert dataset_state(victim) == dataset_state(reference)

    run_label_quality(reference, baseline=True, quiet=True)
    quality = ["label-quality", "--baseline", "--dataset", victim, "-q"]
    run_killed(*quality, workspace=workspace, at="quality.fields")
    half.reload()
    assert half.has_field("oof_prediction") and "label_quality" not in half.info
    again = run_curate(*quality, workspace=workspace)
    assert again.returncode == 0, again.stdout + again.stderr
    assert dataset_state(victim) == dataset_state(reference)


def test_export_killed_after_a_shard_leaves_the_old_export(twins, workspace, tmp_path):
    from curate.export import export_dataset
    from train.export_files import read_manifest

    reference, _ = twins
    export_dataset(reference, str(tmp_path / "expected"), quiet=True)
    out = tmp_path / "export"
    assert run_curate("export", out, "--dataset", reference, "--scheme", "fer7", "-q",
                      workspace=workspace).returncode == 0
    old = read_manifest(str(out))
    command = ["export", out, "--dataset", reference, "--overwrite", "-q"]
    run_killed(*command, workspace=workspace, at="export.shard:1")
    assert read_manifest(str(out)) == old  # the previous export is untouched
    assert [e for e in os.listdir(tmp_path) if e.startswith(".export-tmp")]  # the killed run's temporary
    again = run_curate(*command, workspace=workspace)
    assert again.returncode == 0, again.stdout + again.stderr
    manifest = read_manifest(str(out))
    assert manifest["content_hash"] == read_manifest(str(tmp_path / "expected"))["content_hash"]
    assert manifest["counts"] == read_manifest(str(tmp_path / "expected"))["counts"]
    assert not [e for e in os.listdir(tmp_path) if e.startswith(".export-tmp")]  # the stale temporary removed
