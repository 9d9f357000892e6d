"""The Label Studio loop against a real Label Studio 1.23.2 server (no mocked HTTP).

The session's server comes from the ``studio`` fixture (``curate labels
serve --detach``); annotations are created through the SDK as two
annotators would, then pulled back.
"""

import http.server
import os
import threading

import numpy as np
import pytest
from click.testing import CliRunner

from curate.build import load_dataset
from curate.cli import cli
from curate.pipeline import BuildPlan, run_build
from curate.score_pass import score_dataset
from curate.studio_sync import default_title, pull, push
from fixtures import run_curate, run_killed, save_image, write_fer_csv, write_vote_table
from labels.studio_client import StudioClient, StudioError, StudioSettings, resolve_settings, write_config_file
from labels.studio_config import choice_result
from labels.studio_server import free_port

ORDER = ["neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt", "unknown", "NF"]


def votes(**counts):
    return [counts.get(c, 0) for c in ORDER]


def drawn(label, seed):
    from curate.demo import draw_face

    return " ".join(map(str, draw_face(label, np.random.default_rng(seed)).ravel()))


# FER2013 code, face, usage, FERPlus votes
ROWS = [
    (4, drawn("sadness", 1), "Training", votes(sadness=4, fear=4, unknown=2)),            # 0 disputed
    (0, drawn("anger", 2), "Training", votes(anger=4, disgust=4, unknown=2)),              # 1 disputed
    (3, drawn("happiness", 3), "Training", votes(happiness=9, neutral=1)),                 # 2 clear
    (5, drawn("surprise", 4), "Training", votes(surprise=3, fear=3, neutral=3, unknown=1)),  # 3 disputed
    (6, drawn("neutral", 5), "PublicTest", votes(neutral=8, anger=2)),                     # 4 clear
]
FIELDS = ["sample_key", "votes", "soft_label", "ground_truth.label", "annotator_votes", "source_votes",
          "source_label", "agreement", "dispute_score", "tags"]


@pytest.fixture
def sources(tmp_path):
    csv_path = write_fer_csv(tmp_path / "fer2013.csv", [r[:3] for r in ROWS])
    table = write_vote_table(tmp_path / "v.csv", [(r[2], f"fer{i:07d}.png", r[3]) for i, r in enumerate(ROWS)])
    save_image(str(tmp_path / "captures" / "s1" / "happy" / "0.png"), 64, value=90)
    return BuildPlan(fer2013=csv_path, merge=("ferplus",), ferplus=table, captures=str(tmp_path / "captures"))


@pytest.fixture
def built(sources, workspace, dataset_name):
    run_build(sources, dataset_name=dataset_name, workspace=workspace, quiet=True)
    score_dataset(dataset_name, quiet=True)
    return dataset_name


@pytest.fixture
def client(studio):
    return StudioClient(StudioSettings(studio["url"], studio["api_key"], studio["document_root"]))


def annotator(client, email):
    """The user with this e-mail (created once): a second annotator."""
    for user in client.sdk.users.list():
        if user.email == email:
            return user.id
    return client.sdk.users.create(email=email, username=email.split("@")[0], password="annotator-pw-1").id


def tasks_by_row(client, title):
    project = client.find_project(title)
    return {int(t["data"]["sample_key"].split(":")[1]): t for t in client.export_tasks(project.id)
            if t["data"]["sample_key"].startswith("fer2013:")}


def answer(client, task, choice, user=None, cancelled=False):
    kwargs = {"completed_by": user} if user else {}
    return client.sdk.annotations.create(id=task["id"], result=[] if cancelled else choice_result(choice),
                                         was_cancelled=cancelled, **kwargs)


def snapshot(name):
    ds = load_dataset(name)
    fields = [f for f in FIELDS if ds.has_field(f.split(".")[0])]
    return {values[0]: dict(zip(fields[1:], values[1:])) for values in zip(*ds.values(fields))}


def by_key(name):
    ds = load_dataset(name)
    return {s.sample_key: s for s in ds}


def test_push_pull_round_trip(client, workspace, built):
    summary = push(client, built, quiet=True)
    assert summary["imported"] == 3 and summary["created"]
    assert summary["images"] == {"local files": 3, "embedded": 0}
    again = push(client, built, quiet=True)
    assert (again["imported"], again["already_pushed"], again["created"]) == (0, 3, False)

    title = default_title(built, "fer8")
    tasks = tasks_by_row(client, title)
    assert set(tasks) == {0, 1, 3}
    assert tasks[0]["data"]["image"].startswith("/data/local-files/?d=")
    ann2 = annotator(client, "ann2@curate.test")
    answer(client, tasks[0], "sadness")
    answer(client, tasks[0], "sadness", ann2)
    answer(client, tasks[1], "anger")
    answer(client, tasks[1], "disgust", ann2)
    answer(client, tasks[3], None, cancelled=True)
    answer(client, tasks[3], "not a face", ann2)

    agreement_before = by_key(built)["fer2013:00000"].agreement
    result = pull(client, built, quiet=True)
    assert (result["tasks"], result["tasks_done"], result["annotations"], result["skipped"]) == (3, 3, 5, 1)
    assert result["samples_changed"] == 3 and result["reviewed"] == 3
    assert result["label_changes"] == {"no label→sadness": 1}
    # rows 1 (7-7) and 3 have no label after review: they stay in the queue for another annotator
    assert result["disputed_before"] == 3 and result["disputed_after"] == 2
    assert result["annotators"]["admin@curate.test"]["agreement"] == 0.5
    assert result["annotators"]["ann2@curate.test"]["agreement"] == 0.5

    after = by_key(built)
    row0, row1, row3 = after["fer2013:00000"], after["fer2013:00001"], after["fer2013:00003"]
    assert row0.source_votes == ROWS[0][3]
    assert row0.votes == votes(sadness=10, fear=4, unknown=2)
    assert row0.ground_truth.label == "sadness"
    assert np.allclose(row0.soft_label, np.array(votes(sadness=10, fear=4)[:8]) / 14)
    assert row0.agreement == pytest.approx(10 / 16) and row0.agreement > agreement_before
    assert "disputed" not in row0.tags and "reviewed" in row0.tags
    assert sorted(v["annotator"] for v in row0.annotator_votes) == ["admin@curate.test", "ann2@curate.test"]
    assert row1.votes == votes(anger=7, disgust=7, unknown=2) and row1.ground_truth is None
    assert row1.dispute_score == pytest.approx(0.6) and "disputed" in row1.tags
    assert row3.votes == votes(surprise=3, fear=3, neutral=3, unknown=1, NF=3)
    assert after["fer2013:00002"].votes == ROWS[2][3] and "reviewed" not in after["fer2013:00002"].tags

    frozen = snapshot(built)
    second = pull(client, built, quiet=True)
    assert second["samples_changed"] == 0 and second["label_changes"] == {}
    assert snapshot(built) == frozen


def test_updated_and_deleted_annotations_and_rebuilds(client, workspace, built, sources):
    push(client, built, quiet=True)
    tasks = tasks_by_row(client, default_title(built, "fer8"))
    ann2 = annotator(client, "ann2@curate.test")
    first = answer(client, tasks[0], "sadness")
    second = answer(client, tasks[0], "sadness", ann2)
    answer(client, tasks[1], "anger")
    pull(client, built, quiet=True)
    assert by_key(built)["fer2013:00000"].ground_truth.label == "sadness"

    # a rebuild from the same sources keeps the annotators' votes merged in
    reviewed = snapshot(built)
    reports = run_build(sources, dataset_name=built, workspace=workspace, quiet=True)
    assert all(r.updated == 0 for r in reports)
    assert snapshot(built) == reviewed

    client.sdk.annotations.update(id=second.id, result=choice_result("fear"))
    result = pull(client, built, quiet=True)
    assert result["label_changes"] == {"sadness→no label": 1}
    assert by_key(built)["fer2013:00000"].votes == votes(sadness=7, fear=7, unknown=2)

    client.sdk.annotations.delete(id=first.id)
    client.sdk.annotations.delete(id=second.id)
    pull(client, built, quiet=True)
    row0 = by_key(built)["fer2013:00000"]
    assert row0.votes == ROWS[0][3] and row0.ground_truth is None
    assert row0.annotator_votes is None and row0.source_votes is None and "reviewed" not in row0.tags
    assert "disputed" in row0.tags
    assert by_key(built)["fer2013:00001"].votes == votes(anger=7, disgust=4, unknown=2)


def test_samples_without_votes_and_embedded_images(client, workspace, built):
    summary = push(client, built, view_name="all", media="upload", predictions=True,
                   title=f"{built}-upload", quiet=True)
    assert summary["imported"] == 6 and summary["images"] == {"local files": 0, "embedded": 6}
    project = client.find_project(f"{built}-upload")
    tasks = {t["data"]["sample_key"]: t for t in client.export_tasks(project.id)}
    capture = tasks["captures:s1/0.png"]
    assert capture["data"]["image"].startswith("data:image/png;base64,")
    predictions = client.sdk.predictions.list(task=capture["id"])
    assert [p.result[0]["value"]["choices"] for p in predictions] == [["happiness"]]
    assert predictions[0].model_version == "curate-soft-label" and predictions[0].score == 1.0
    answer(client, capture, "neutral")
    pull(client, built, title=f"{built}-upload", quiet=True)
    sample = by_key(built)["captures:s1/0.png"]
    assert sample.source_votes is None and sample.source_label == "happiness"
    assert sample.votes == votes(happiness=3, neutral=3) and sample.ground_truth is None


def test_mixed_media_embeds_files_outside_the_workspace(client, workspace, built):
    summary = push(client, built, view_name="all", title=f"{built}-mixed", quiet=True)
    assert summary["images"] == {"local files": 5, "embedded": 1}


def test_project_asking_another_scheme_is_refused(client, workspace, built):
    push(client, built, quiet=True)
    with pytest.raises(ValueError, match=r"asks \[neutral.*contempt, not a face, unsure\] but scheme fer7 needs"):
        push(client, built, scheme_name="fer7", title=default_title(built, "fer8"), quiet=True)
    assert len(tasks_by_row(client, default_title(built, "fer8"))) == 3


def test_tasks_for_unknown_samples_leave_the_dataset_unchanged(client, workspace, built):
    push(client, built, quiet=True)
    title = default_title(built, "fer8")
    tasks = tasks_by_row(client, title)
    answer(client, tasks[0], "sadness")
    project = client.find_project(title)
    client.sdk.projects.import_tasks(id=project.id, request=[
        {"data": {"image": tasks[0]["data"]["image"], "sample_id": "0" * 24, "sample_key": "nowhere:1"}}])
    stray = [t for t in client.export_tasks(project.id) if t["data"]["sample_key"] == "nowhere:1"][0]
    answer(client, stray, "fear")
    before = snapshot(built)
    with pytest.raises(ValueError, match=rf"1 annotated tasks point at samples not in dataset '{built}' \(task ids {stray['id']}\)"):
        pull(client, built, quiet=True)
    assert snapshot(built) == before


def test_interrupted_pull_is_finished_by_running_it_again(client, workspace, built, monkeypatch):
    import curate.studio_sync as studio_module

    push(client, built, quiet=True)
    tasks = tasks_by_row(client, default_title(built, "fer8"))
    answer(client, tasks[0], "sadness")
    answer(client, tasks[0], "sadness", annotator(client, "ann2@curate.test"))
    answer(client, tasks[1], "disgust")

    real_write, calls = studio_module._write, []

    def dying_write(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # after the source snapshots, in the middle of the merged labels
            raise RuntimeError("power cut")
        return real_write(*args, **kwargs)

    monkeypatch.setattr(studio_module, "_write", dying_write)
    with pytest.raises(RuntimeError, match="power cut"):
        pull(client, built, quiet=True)
    monkeypatch.setattr(studio_module, "_write", real_write)
    result = pull(client, built, quiet=True)
    assert result["samples_changed"] == 2
    rows = by_key(built)
    assert rows["fer2013:00000"].votes == votes(sadness=10, fear=4, unknown=2)
    assert rows["fer2013:00001"].votes == votes(anger=4, disgust=7, unknown=2)
    assert "disputed" not in rows["fer2013:00000"].tags
    assert pull(client, built, quiet=True)["samples_changed"] == 0


def test_pull_killed_before_rescoring_is_finished_by_pulling_again(client, workspace, built):
    push(client, built, quiet=True)
    tasks = tasks_by_row(client, default_title(built, "fer8"))
    answer(client, tasks[0], "sadness")
    answer(client, tasks[0], "sadness", annotator(client, "ann2@curate.test"))
    command = ["labels", "pull", "--dataset", built, "-q"]

    def row_zero():  # read from the database: another process wrote it
        ds = load_dataset(built)
        ds.reload()
        keys, all_votes, tags = ds.values(["sample_key", "votes", "tags"])
        return dict(zip(keys, zip(all_votes, tags)))["fer2013:00000"]

    run_killed(*command, workspace=workspace, at="pull.reviews")
    assert row_zero() == (votes(sadness=10, fear=4, unknown=2), ["train", "disputed"])  # votes in, not re-scored
    again = run_curate(*command, workspace=workspace)
    assert again.returncode == 0, again.stdout + again.stderr
    assert row_zero() == (votes(sadness=10, fear=4, unknown=2), ["train", "reviewed"])
    assert pull(client, built, quiet=True)["samples_changed"] == 0


def test_connection_errors_are_one_clear_line(studio):
    down = StudioClient(StudioSettings(f"http://127.0.0.1:{free_port()}", "k"))
    with pytest.raises(StudioError, match=r"cannot reach Label Studio at http://127.0.0.1:\d+ \(connection refused\)"):
        down.check()
    wrong_key = StudioClient(StudioSettings(studio["url"], "not-the-key"))
    with pytest.raises(StudioError, match=r"rejected the API key \(401\)") as err:
        wrong_key.check()
    assert "not-the-key" not in str(err.value)

    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        other = StudioClient(StudioSettings(f"http://127.0.0.1:{server.server_port}", "k"))
        with pytest.raises(StudioError, match=r"does not look like a Label Studio server \(GET /api/version → 404\)"):
            other.check()
    finally:
        server.shutdown()


def test_settings_from_environment_and_a_private_config_file(tmp_path, monkeypatch):
    for name in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY", "LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT"):
        monkeypatch.delenv(name, raising=False)
    path = str(tmp_path / "ls.json")
    write_config_file(path, {"url": "http://127.0.0.1:9", "api_key": "secret-key", "document_root": "/m"})
    settings = resolve_settings(config_path=path)
    assert (settings.url, settings.api_key, settings.document_root) == ("http://127.0.0.1:9", "secret-key", "/m")
    assert "secret-key" not in repr(settings)
    monkeypatch.setenv("LABEL_STUDIO_URL", "http://127.0.0.1:10")
    with pytest.raises(ValueError, match="no API key for http://127.0.0.1:10: set LABEL_STUDIO_API_KEY"):
        resolve_settings(config_path=path)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "env-key")
    assert resolve_settings(config_path=path).api_key == "env-key"
    os.chmod(path, 0o644)
    with pytest.raises(ValueError, match=r"readable by others \(mode 0644\); run chmod 600"):
        resolve_settings(config_path=path)


def test_cli_push_status_pull(client, workspace, built, studio):
    runner = CliRunner()
    common = ["--workspace", str(workspace.root), "--dataset", built]
    env = {"LABEL_STUDIO_URL": "", "LABEL_STUDIO_API_KEY": ""}
    pushed = runner.invoke(cli, ["labels", "push", *common, "--limit", "2", "-q"], env=env)
    assert pushed.exit_code == 0, pushed.output
    assert "2 tasks imported, 0 already there" in pushed.output
    tasks = tasks_by_row(client, default_title(built, "fer8"))
    answer(client, next(iter(tasks.values())), "fear")
    status = runner.invoke(cli, ["labels", "status", *common], env=env)
    assert f"'curate {built} (fer8)'" in status.output and "1/2 tasks done (50 %)" in status.output
    pulled = runner.invoke(cli, ["labels", "pull", *common, "-q"], env=env)
    assert pulled.exit_code == 0, pulled.output
    assert "1/2 tasks done, 1 answers" in pulled.output and "samples changed 1" in pulled.output
    for result in (pushed, status, pulled):
        assert studio["api_key"] not in result.output
    missing = runner.invoke(cli, ["labels", "pull", *common, "--project", "no such project"], env=env)
    assert missing.exit_code == 1 and "has no project 'no such project'" in missing.output


def test_loop_pulls_labels_before_training(client, workspace, built, tmp_path, monkeypatch):
    pytest.importorskip("tensorflow", reason="the train extra is not installed")
    import openmv.bundle
    from curate.loop import LoopSettings, run_loop
    from train.recipe import Recipe
    from train.settings import TrainSettings

    monkeypatch.setattr(openmv.bundle, "SHIPPED_MODEL", str(tmp_path / "no-shipped-model"))
    push(client, built, quiet=True)
    answer(client, tasks_by_row(client, default_title(built, "fer8"))[0], "sadness")
    record = run_loop(built, LoopSettings(recipe=Recipe(train=TrainSettings(epochs=1, batch_size=4)), flash=False,
                                          pull_labels=True),
                      workspace=workspace, quiet=True, echo=lambda *a: None)
    assert record["steps"]["labels"]["samples_changed"] == 1
    assert record["steps"]["labels"]["label_changes"] == {"no label→sadness": 1}
    assert "Label Studio: project" in open(os.path.join(record["steps"]["train"]["run"], "loop.md")).read()
    assert by_key(built)["fer2013:00000"].ground_truth.label == "sadness"


def test_serve_again_finds_the_running_server(studio, workspace):
    result = CliRunner().invoke(cli, ["labels", "serve", "--workspace", str(workspace.root)])
    assert result.exit_code == 0, result.output
    assert f"Label Studio already answers at {studio['url']}" in result.output
    assert studio["api_key"] not in result.output and studio["password"] not in result.output


def test_a_rebuilt_dataset_is_matched_by_sample_key(client, workspace, built, sources):
    import fiftyone as fo

    push(client, built, quiet=True)
    title = default_title(built, "fer8")
    answer(client, tasks_by_row(client, title)[0], "sadness")
    info = load_dataset(built).info["studio"]
    fo.delete_dataset(built)
    run_build(sources, dataset_name=built, workspace=workspace, quiet=True)
    score_dataset(built, quiet=True)
    again = push(client, built, title=title, quiet=True)
    assert (again["imported"], again["already_pushed"]) == (0, 3)
    result = pull(client, built, title=title, quiet=True)
    assert result["samples_changed"] == 1
    assert by_key(built)["fer2013:00000"].ground_truth.label == "sadness"
    assert info["projects"][title]["url"] == client.settings.url


def test_one_vote_budget_round_with_a_simulated_crowd_through_the_server(client, workspace, dataset_name, tmp_path):
    """Push curate's queue, answer each task with one of the face's held-back real votes, pull (weight 1).

    The pulled votes equal what the vote-budget benchmark computes with the
    same merge code, so its rounds stand for real Label Studio rounds.
    """
    from labels.allocation import top_tasks
    from labels.annotator_votes import answer_counts, merge_votes
    from labels.crowd import SimulatedCrowd
    from labels.votes import majority_index

    rng = np.random.default_rng(7)
    full = np.array([rng.multinomial(10, rng.dirichlet(np.full(10, 0.6))) for _ in range(12)])
    crowd = SimulatedCrowd(full, keep=3, seed=2)
    csv_path = write_fer_csv(tmp_path / "fer2013.csv", [(3, drawn("happiness", i), "Training") for i in range(12)])
    table = write_vote_table(tmp_path / "v.csv", [("Training", f"fer{i:07d}.png", row.tolist())
                                                  for i, row in enumerate(crowd.initial)])
    run_build(BuildPlan(fer2013=csv_path, merge=("ferplus",), ferplus=table), dataset_name=dataset_name,
              workspace=workspace, quiet=True)
    score_dataset(dataset_name, quiet=True)
    ds = load_dataset(dataset_name)
    keys, dispute = ds.values(["sample_key", "dispute_score"])
    rows = np.array([int(k.split(":")[1]) for k in keys])
    priority = np.zeros(12)
    priority[rows] = dispute
    queue = top_tasks(priority, 4)  # what the benchmark's curate strategy picks

    title = "crowd round"
    push(client, dataset_name, view_name="all", limit=4, title=title, quiet=True)
    tasks = tasks_by_row(client, title)
    assert set(tasks) == set(queue.tolist())  # push sends the same top of the queue
    columns = crowd.answer(queue)
    for face, column in zip(queue, columns):
        answer(client, tasks[face], ORDER[column].replace("unknown", "unsure").replace("NF", "not a face"))
    result = pull(client, dataset_name, title=title, weight=1, quiet=True)
    assert result["annotations"] == 4

    expected = merge_votes(crowd.initial, np.full(12, -1), answer_counts(queue, columns, 12), weight=1)
    after = by_key(dataset_name)
    for face in range(12):
        sample = after[f"fer2013:{face:05d}"]
        assert sample.votes == expected[face].tolist()
        top = majority_index(expected[face:face + 1])[0]
        assert (sample.ground_truth.label if sample.ground_truth else None) == (ORDER[top] if top >= 0 else None)
