
import numpy as np
import pytest

from curate.build import load_dataset
from curate.demo import write_demo_sources
from curate.pipeline import BuildPlan, run_build
from curate.quality_pass import run_label_quality
from curate.score_pass import score_dataset
from labels.schemes import BUILTIN


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    return write_demo_sources(str(tmp_path_factory.mktemp("demo")), seed=11)


@pytest.fixture
def scored(sources, workspace, dataset_name):
    run_build(BuildPlan(merge=("ferplus",), fer2013=sources["fer2013"], ferplus=sources["ferplus"]),
              dataset_name=dataset_name, workspace=workspace, quiet=True)
    score_dataset(dataset_name, quiet=True)
    return dataset_name


def labelled(name, scheme="fer8"):
    ds = load_dataset(name)
    keys, truth = ds.values(["sample_key", "ground_truth.label"])
    classes = BUILTIN[scheme].classes
    mapped = [BUILTIN[scheme].remap_label(t) for t in truth]
    return [(k, classes.index(m)) for k, m in zip(keys, mapped) if m is not None], classes


def good_probs(name, flip=()):
    rows, classes = labelled(name)
    probs = np.full((len(rows), len(classes)), 0.02)
    for r, (_, y) in enumerate(rows):
        probs[r, (y + 1) % len(classes) if r in flip else y] = 0.86
    return [k for k, _ in rows], probs / probs.sum(axis=1, keepdims=True)


def test_pred_probs_file_flags_flipped_rows(scored, tmp_path):
    keys, probs = good_probs(scored, flip=set(range(0, 200, 10)))
    np.savez(tmp_path / "oof.npz", sample_key=np.array(keys), pred_probs=probs)
    summary = run_label_quality(scored, pred_probs=str(tmp_path / "oof.npz"))
    ds = load_dataset(scored)
    issues = set(ds.match({"label_issue": True}).values("sample_key"))
    assert issues == {keys[i] for i in range(0, 200, 10)}
    assert summary["label_issues"] == 20 and len(ds.match_tags("label-issue")) == 20
    assert ds.match_tags("label-issue").match_tags("disputed").count() == 20
    assert ds.has_field("mistakenness") and ds.exists("mistakenness").count() == len(keys)
    # label issues leave clean-train
    assert not set(ds.load_saved_view("clean-train").values("sample_key")) & issues


def test_csv_file_and_field_source(scored, tmp_path):
    import pandas as pd

    keys, probs = good_probs(scored)
    frame = pd.DataFrame(probs, columns=BUILTIN["fer8"].classes)
    frame.insert(0, "sample_key", keys)
    frame.to_csv(tmp_path / "oof.csv", index=False)
    assert run_label_quality(scored, pred_probs=str(tmp_path / "oof.csv"), quiet=True)["label_issues"] == 0
    # the stored predictions can be re-read as a field source
    assert run_label_quality(scored, field="oof_prediction")["label_issues"] == 0
    assert load_dataset(scored).list_brain_runs() == ["mistakenness"]


@pytest.mark.parametrize("mutate, message", [
    (lambda k, p: (k, p[:, :5]), r"pred_probs has shape \(\d+, 5\); the scheme has 8 classes"),
    (lambda k, p: (k[:-1] + ["fer2013:99999"], p), "1 rows name samples not in the dataset"),
    (lambda k, p: (k[1:], p[1:]), "no row for 1 labelled samples"),
    (lambda k, p: (k, p * 2), "are not probability distributions"),
])
def test_bad_pred_probs_write_nothing(scored, tmp_path, mutate, message):
    keys, probs = mutate(*good_probs(scored))
    np.savez(tmp_path / "bad.npz", sample_key=np.array(keys), pred_probs=probs)
    with pytest.raises(ValueError, match=message):
        run_label_quality(scored, pred_probs=str(tmp_path / "bad.npz"))
    ds = load_dataset(scored)
    assert not ds.has_field("label_quality") and not len(ds.match_tags("label-issue"))


def test_source_choice_and_unscored(scored, sources, workspace, dataset_name):
    with pytest.raises(ValueError, match="use exactly one of --pred-probs FILE, --field NAME or --baseline"):
        run_label_quality(scored, baseline=True, field="x")
    with pytest.raises(ValueError, match="has no field 'nope'"):
        run_label_quality(scored, field="nope")


def test_baseline(scored):
    summary = run_label_quality(scored, baseline=True, folds=3, scheme_name="five")
    assert summary["scheme"] == "five" and summary["labelled_samples"] > 100
    assert 0.3 < summary["out_of_fold_accuracy"] <= 1.0  # drawn faces are easy, but not trivially so
    ds = load_dataset(scored)
    assert set(ds.distinct("oof_prediction.label")) <= set(BUILTIN["five"].classes)


def test_label_quality_with_the_real_trainer_on_grouped_folds(scored, workspace):
    from click.testing import CliRunner

    from curate.cli import cli

    base = ["label-quality", "--dataset", scored, "--workspace", str(workspace.root), "--quiet"]
    result = CliRunner().invoke(cli, [*base, "--model", "camera", "--folds", "2", "--max-minutes", "0.5"])
    assert result.exit_code == 0, result.output
    assert "model camera, 2 grouped folds over all splits" in result.output
    ds = load_dataset(scored)
    assert ds.info["label_quality"]["source"] == "model camera, 2 grouped folds over all splits"
    scored_keys = set(ds.exists("label_quality").values("sample_key"))
    assert scored_keys == {k for k, _ in labelled(scored)[0]}  # every labelled sample, train out of fold
    runs = sorted(workspace.runs_dir.glob("*-label-quality-camera"))
    with np.load(runs[-1] / "oof.npz") as oof:
        fold = dict(zip(oof["sample_key"].astype(str), oof["fold"]))
    keys, groups, splits = ds.values(["sample_key", "dup_group", "split"])
    by_group = {}
    for key, group, split in zip(keys, groups, splits):
        if group is not None and key in fold:
            by_group.setdefault(group, set()).add(fold[key])
    assert by_group and all(len(f) == 1 for f in by_group.values())  # near-duplicates share a fold, across splits
    assert set(fold.values()) == {0, 1}  # --folds-over all (default): val and test labels sit in the folds too
    assert {s for s in splits if s != "train"}  # (the fixture has them)

    result = CliRunner().invoke(cli, [*base, "--model", "camera", "--folds", "2", "--repeats", "2",
                                      "--max-minutes", "0.5", "--folds-over", "train"])
    assert result.exit_code == 0, result.output
    ds.reload()
    assert ds.info["label_quality"]["source"] == "model camera, 2 grouped folds over train × 2 seeds"
    runs = sorted(workspace.runs_dir.glob("*-label-quality-camera"))
    repeats = [np.load(runs[-1] / f"repeat{r}" / "oof.npz") for r in (0, 1)]
    with np.load(runs[-1] / "oof.npz") as mean:
        for r in repeats:
            assert list(r["sample_key"]) == list(mean["sample_key"])  # one export
        np.testing.assert_allclose(mean["pred_probs"], (repeats[0]["pred_probs"] + repeats[1]["pred_probs"]) / 2)
    assert not np.array_equal(repeats[0]["fold"], repeats[1]["fold"])  # another fold split per seed
    split_of = dict(zip(keys, splits))
    assert {split_of[k] for k, f in zip(repeats[0]["sample_key"].astype(str), repeats[0]["fold"]) if f == -1} \
        == set(splits) - {"train"}  # --folds-over train: val and test scored by the fold models' mean

    result = CliRunner().invoke(cli, [*base, "--model", "camera", "--baseline"])
    assert result.exit_code == 2 and "exactly one of" in result.output
    result = CliRunner().invoke(cli, [*base, "--model", "resnet"])
    assert result.exit_code == 1 and "unknown model 'resnet'" in result.output


def test_baseline_features_stream_in_chunks_and_match_one_pass(tmp_path, monkeypatch):
    import cv2

    from curate import quality_pass
    from labels.quality import fit_projection, hog_features

    rng = np.random.default_rng(0)
    faces = rng.integers(0, 256, (37, 48, 48), dtype=np.uint8)
    paths = []
    for i, face in enumerate(faces):
        paths.append(str(tmp_path / f"{i}.png"))
        cv2.imwrite(paths[-1], face)
    monkeypatch.setattr(quality_pass, "PROJECTION_SAMPLE", 37)  # the sample is every face: one projection
    monkeypatch.setattr(quality_pass, "FEATURE_CHUNK", 5)
    streamed = quality_pass.baseline_features(paths, quiet=True)
    whole = fit_projection(hog_features(list(faces))).transform(hog_features(list(faces)))
    assert streamed.shape == (37, 36) and streamed.dtype == np.float32
    np.testing.assert_allclose(streamed, whole, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="cannot read this image"):
        quality_pass.baseline_features([*paths, str(tmp_path / "missing.png")], quiet=True)
