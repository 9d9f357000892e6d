"""curate against a separate MongoDB server (a one-node replica set on 127.0.0.1) through FIFTYONE_DATABASE_URI.

The server is the ``mongod`` that fiftyone-db ships (or one on PATH); the
commands run in child processes, because FiftyOne reads its database
settings once, at import.
"""

import importlib.util
import os
import shutil
import subprocess
import time
import uuid

import pytest

from fixtures import run_curate, write_fer_csv, write_vote_table


def find_mongod():
    spec = importlib.util.find_spec("fiftyone")
    bundled = os.path.join(os.path.dirname(spec.origin), "db", "bin", "mongod") if spec and spec.origin else None
    if bundled and os.access(bundled, os.X_OK):
        return bundled
    return shutil.which("mongod")


@pytest.fixture(scope="module")
def replica_set(tmp_path_factory):
    """mongodb:// URI of a fresh one-node replica set ``rs0``; the server is stopped afterwards."""
    import pymongo

    from labels.studio_server import free_port

    mongod = find_mongod()
    if mongod is None:
        pytest.skip("no mongod: neither fiftyone-db's bundled server nor one on PATH")
    folder = tmp_path_factory.mktemp("mongo")
    port = free_port()
    server = subprocess.Popen([mongod, "--replSet", "rs0", "--bind_ip", "127.0.0.1", "--port", str(port),
                               "--dbpath", str(folder), "--logpath", str(folder / "mongod.log")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        direct = pymongo.MongoClient("127.0.0.1", port, directConnection=True, serverSelectionTimeoutMS=30000)
        direct.admin.command("ping")
        direct.admin.command("replSetInitiate", {"_id": "rs0", "members": [{"_id": 0, "host": f"127.0.0.1:{port}"}]})
        deadline = time.monotonic() + 60
        while not direct.admin.command("hello").get("isWritablePrimary"):
            assert time.monotonic() < deadline, "the replica set elected no primary in 60 s"
            time.sleep(0.5)
        direct.close()
        yield f"mongodb://127.0.0.1:{port}/?replicaSet=rs0"
    finally:
        server.terminate()
        server.wait(timeout=60)


def test_build_score_export_push_pull_on_a_replica_set(replica_set, workspace, tmp_path, studio, monkeypatch):
    import pymongo

    monkeypatch.setenv("FIFTYONE_DATABASE_URI", replica_set)
    name = f"rs-{uuid.uuid4().hex[:8]}"
    rows = [(3, "Training"), (0, "Training"), (6, "Training"), (3, "PublicTest"), (4, "Training"), (5, "Training")]
    votes = [[0, 9, 0, 0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 5, 0, 5, 0, 0, 0], [8, 2, 0, 0, 0, 0, 0, 0, 0, 0],
             [0, 10, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 6, 0, 0, 4, 0, 0, 0], [0, 0, 7, 0, 0, 0, 3, 0, 0, 0]]
    csv_path = write_fer_csv(tmp_path / "fer2013.csv", rows)
    table = write_vote_table(tmp_path / "fer2013new.csv",
                             [(u, f"fer{i:07d}.png", v) for i, ((_, u), v) in enumerate(zip(rows, votes))])
    steps = [
        ("build", "--fer2013", csv_path, "--merge", "ferplus", "--ferplus", table),
        ("score",),
        ("export", tmp_path / "export", "--view", "all"),
        ("labels", "push", "--limit", "2"),
        ("labels", "pull"),
    ]
    for step in steps:
        result = run_curate(*step, "--dataset", name, "-q", workspace=workspace)
        assert result.returncode == 0, f"curate {step[0]}: {result.stdout[-2000:]}{result.stderr[-2000:]}"
    assert os.path.isfile(tmp_path / "export" / "manifest.json")

    client = pymongo.MongoClient(replica_set, serverSelectionTimeoutMS=30000)
    try:
        assert client.admin.command("hello")["setName"] == "rs0"
        doc = client.fiftyone.datasets.find_one({"name": name})
        assert doc is not None, "the dataset is not in the replica set's database"
        samples = client.fiftyone[doc["sample_collection_name"]]
        assert samples.count_documents({}) == 6 and samples.count_documents({"dispute_score": {"$ne": None}}) == 6
    finally:
        client.close()
    status = run_curate("status", "--dataset", name, workspace=workspace)
    assert f"dataset {name!r} — 6 samples" in status.stdout
