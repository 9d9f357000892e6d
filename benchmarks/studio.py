"""Label Studio push and pull times for 1,000 tasks on the real FER2013 + FERPlus dataset.

Starts a fresh local Label Studio 1.23.2 (``make studio``), pushes the 1,000
most disputed samples of a clone of the scored real dataset (32,298
samples), answers every task as two annotators through the SDK (the
annotators' part, timed separately), pulls, then re-pushes and re-pulls
(both no-ops). Prints the figures; run it by hand, not in CI::

    .venv/bin/python benchmarks/studio.py [--tasks 1000]
"""

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _realdata import OUT, scored_real_dataset  # noqa: E402

CLONE = "bench-studio"
TOKEN = "b" * 40


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--port", type=int, default=8093)
    args = parser.parse_args()

    workspace = scored_real_dataset()
    import fiftyone as fo

    from curate.build import load_dataset
    from curate.studio_sync import default_title, pull, push
    from labels.studio_client import StudioClient, StudioSettings
    from labels.studio_config import choice_result
    from labels.studio_server import start_server
    from labels.taxonomy import VOTE_COLUMNS

    if fo.dataset_exists(CLONE):
        fo.delete_dataset(CLONE)
    t = time.perf_counter()
    load_dataset("bench-scores").clone(CLONE, persistent=True)
    print(f"dataset: clone of bench-scores, {len(load_dataset(CLONE))} samples ({time.perf_counter() - t:.1f} s)")

    data_dir = OUT / "studio"
    shutil.rmtree(data_dir, ignore_errors=True)
    t = time.perf_counter()
    server = start_server(data_dir=data_dir, document_root=workspace.root / "media", port=args.port,
                          username="bench@curate.local", password="bench-password", token=TOKEN).wait_ready()
    print(f"Label Studio up in {time.perf_counter() - t:.1f} s")
    try:
        client = StudioClient(StudioSettings(server.url, TOKEN, str(workspace.root / "media")))
        client.check()
        first = push(client, CLONE, limit=args.tasks, quiet=True)
        print(f"push {first['imported']} tasks: {first['seconds']:.1f} s ({first['images']})")
        again = push(client, CLONE, limit=args.tasks, quiet=True)
        print(f"re-push: {again['imported']} imported, {again['already_pushed']} already there, {again['seconds']:.1f} s")

        project = client.find_project(default_title(CLONE, "fer8"))
        tasks = client.export_tasks(project.id)
        other = client.sdk.users.create(email="second@curate.local", username="second", password="second-pw-123").id
        ds = load_dataset(CLONE)
        crowd = dict(zip(*ds.values(["id", "votes"])))
        rng = np.random.default_rng(0)
        t = time.perf_counter()
        for task in tasks:
            votes = np.array(crowd[task["data"]["sample_id"]])
            plurality = VOTE_COLUMNS[int(np.argmax(votes))]
            first_answer = {"unknown": "unsure", "NF": "not a face"}.get(plurality, plurality)
            second_answer = first_answer if rng.random() < 0.7 else str(rng.choice(VOTE_COLUMNS[:8]))
            client.sdk.annotations.create(id=task["id"], result=choice_result(first_answer))
            client.sdk.annotations.create(id=task["id"], result=choice_result(second_answer), completed_by=other)
        print(f"annotating (SDK, 2 × {len(tasks)} answers): {time.perf_counter() - t:.1f} s")

        result = pull(client, CLONE, quiet=True)
        print(f"pull {result['tasks_done']} tasks / {result['annotations']} answers: {result['seconds']:.1f} s; "
              f"samples changed {result['samples_changed']}, disputed {result['disputed_before']} → "
              f"{result['disputed_after']}; {len(result['label_changes'])} kinds of label change")
        for name, stats in result["annotators"].items():
            print(f"  {name}: {stats}")
        print(f"  {result['multiannotator']}")
        second = pull(client, CLONE, quiet=True)
        print(f"re-pull: {second['samples_changed']} samples changed, {second['seconds']:.1f} s")
    finally:
        server.stop()
        fo.delete_dataset(CLONE)


if __name__ == "__main__":
    main()
