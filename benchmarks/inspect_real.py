"""`curate predict` + `curate explain` on the real FER2013 + FERPlus dataset (32,298 faces): timings and near-duplicates.

Steps, each timed (run it on two cores to match CI: ``taskset -c 0,1``):

1. a short camera run on the real export (``--epochs``, cached in
   ``benchmarks/out/inspect-run``): the timings need a model, not a good one;
2. ``curate predict`` (float model): predictions, embeddings, evaluation,
   hardness and mistakenness;
3. the embeddings map (UMAP), the similarity index and the near-duplicate
   check at the default threshold;
4. ``curate explain`` (Grad-CAM) on the default view, 1,000 faces.

Then the embedding near-duplicate threshold against the perceptual-hash
groups of ``curate score``: for each cosine distance, the pairs the
embeddings find, how many of them the hashes also group, how many of the
hash pairs they find, and how many cross Training → PublicTest.

    taskset -c 0,1 .venv/bin/python benchmarks/inspect_real.py
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _realdata import DATASET, OUT, scored_real_dataset  # noqa: E402

NEIGHBOURS = 10  # nearest neighbours per face that the threshold table looks at
THRESHOLDS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05)


def short_run(epochs):
    """A camera run trained ``epochs`` epochs on the real export (cached)."""
    from curate.export import export_dataset
    from train.fit import TrainSettings, train_model

    run = OUT / "inspect-run"
    if (run / "metrics.json").exists():
        return str(run)
    export = OUT / "inspect-export"
    if not (export / "manifest.json").exists():
        export_dataset(DATASET, str(export), view_name="clean-train", overwrite=True, quiet=True)
    train_model(str(export), str(run), TrainSettings(model="camera", epochs=epochs), quiet=True)
    return str(run)


def threshold_table(ds, k=NEIGHBOURS):
    """Rows (threshold, embedding pairs, also hashed, hash pairs found, cross-split pairs) for THRESHOLDS.

    Each face's ``k`` nearest neighbours by cosine distance (chunked: memory
    holds N·k pairs, never all pairs within the largest radius, which on a
    weak model's embeddings ran a 24 GB machine out of memory at 32k faces).
    """
    from sklearn.neighbors import NearestNeighbors

    from curate.embeddings_pass import hash_pairs

    ids, emb, groups, splits = ds.exists("embedding").values(["id", "embedding", "dup_group", "split"])
    x = np.asarray(emb, dtype=np.float32)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    nn = NearestNeighbors(n_neighbors=k + 1, metric="cosine").fit(x)
    pairs = {}
    for at in range(0, len(x), 4096):
        distances, neighbours = nn.kneighbors(x[at:at + 4096])
        for i, (d, n) in enumerate(zip(distances, neighbours), start=at):
            for dist, j in zip(d, n):
                if j != i and dist <= max(THRESHOLDS):
                    pairs[tuple(sorted((ids[i], ids[j])))] = float(dist)
    hashed = hash_pairs(ids, groups)
    split_of = dict(zip(ids, splits))
    rows = []
    for t in THRESHOLDS:
        found = {p for p, d in pairs.items() if d <= t}
        both = found & hashed
        cross = sum(split_of[a] != split_of[b] for a, b in found)
        rows.append((t, len(found), len(both), len(hashed), cross))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--table-only", action="store_true",
                        help="only the threshold table, on the embeddings an earlier run stored")
    args = parser.parse_args()
    scored_real_dataset()
    if args.table_only:
        from curate.build import load_dataset

        return print_table(load_dataset(DATASET))
    from curate.build import load_dataset
    from curate.embeddings_pass import run_embeddings_map
    from curate.explain_pass import run_explain
    from curate.predict_pass import run_predict

    start = time.perf_counter()
    run = short_run(args.epochs)
    print(f"camera run ({args.epochs} epochs): {time.perf_counter() - start:.0f} s (not part of the target)")
    timings = {}
    start = time.perf_counter()
    predicted = run_predict(DATASET, run, quiet=True)
    timings["predict (predictions, embeddings, evaluation, hardness, mistakenness)"] = time.perf_counter() - start
    start = time.perf_counter()
    mapped = run_embeddings_map(DATASET, quiet=True)
    timings[f"map ({mapped['method']}), similarity index, near-duplicates"] = time.perf_counter() - start
    start = time.perf_counter()
    explained = run_explain(DATASET, run, out=str(OUT / "inspect-heatmaps.png"), quiet=True)
    timings[f"explain (gradcam, {explained['samples']} faces)"] = time.perf_counter() - start
    print(f"\n{predicted['samples']} samples on {len(os.sched_getaffinity(0))} cores; "
          f"accuracy {predicted.get('accuracy')} (a {args.epochs}-epoch model)")
    print("| step | seconds | inner steps |\n|---|---:|---|")
    inner = [predicted["seconds"], mapped["seconds"], {"all": explained["seconds"]}]
    for (step, seconds), parts in zip(timings.items(), inner):
        print(f"| {step} | {seconds:.1f} | {', '.join(f'{k} {v}' for k, v in parts.items())} |")
    print(f"| **total** | **{sum(timings.values()):.1f}** | |")
    print_table(load_dataset(DATASET))


def print_table(ds):
    print(f"\n| cosine distance ≤ (among each face's {NEIGHBOURS} nearest) | embedding pairs | also hash-grouped | "
          "hash pairs found | crossing splits |\n|---:|---:|---:|---:|---:|")
    for t, found, both, hashed, cross in threshold_table(ds):
        share = f"{both / found:.1%}" if found else "–"
        print(f"| {t} | {found} | {both} ({share}) | {both} / {hashed} ({both / max(hashed, 1):.1%}) | {cross} |")

if __name__ == "__main__":
    main()
