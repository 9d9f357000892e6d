"""The embeddings map, "find similar faces" and a second opinion on near-duplicates.

Uses the ``embedding`` field ``curate predict`` stores (the model's
penultimate features), so nothing is recomputed and no model is downloaded:

- ``fob.compute_visualization`` under brain key ``embeddings_map``: UMAP
  (``umap-learn``, installed with the tool) or, where it cannot be imported,
  t-SNE (≤ 20,000 samples) or PCA; the method used is recorded;
- ``fob.compute_similarity`` (sklearn backend) under brain key ``similar``:
  the App's "sort by similarity";
- ``fob.compute_near_duplicates`` on the same embeddings (cosine distance ≤
  ``threshold``), compared pair by pair with the perceptual-hash groups of
  ``curate score`` (``dup_group``): how many embedding pairs the hashes also
  group, and how many hash pairs the embeddings find.

The summary goes to ``dataset.info["predictions"]["map"]``.
"""

import time

import numpy as np

from curate.build import load_dataset
from curate.predict_pass import quiet_brain
from datasets.names import BRAIN_MAP, BRAIN_SIMILARITY, DUP_GROUP, EMBEDDING, INFO_PREDICTIONS

METHODS = ("auto", "umap", "tsne", "pca")
DUP_THRESHOLD = 0.002  # cosine distance; 90 % of its pairs are hash-grouped on FER2013 (RESULTS.md, "Inspect")
TSNE_LIMIT = 20000


def pick_method(method, n):
    """The reduction to use: ``auto`` → umap when importable, else tsne up to 20k samples, else pca."""
    if method not in METHODS:
        raise ValueError(f"unknown map method {method!r}; choose one of {', '.join(METHODS)}")
    if method != "auto":
        return method
    try:
        import umap  # noqa: F401
        return "umap"
    except ImportError:
        return "tsne" if n <= TSNE_LIMIT else "pca"


def hash_pairs(ids, groups):
    """Unordered id pairs within each perceptual-hash group (−1 / None = no group): set of (a, b), a < b."""
    members = {}
    for i, g in zip(ids, groups):
        if g is not None and g >= 0:
            members.setdefault(g, []).append(i)
    return {tuple(sorted((a, b))) for m in members.values() for k, a in enumerate(m) for b in m[k + 1:]}


def embedding_pairs(neighbors_map):
    """Brain's ``neighbors_map`` {id: [(dup id, distance), ...]} → set of unordered pairs."""
    return {tuple(sorted((a, b))) for a, dups in neighbors_map.items() for b, _ in dups}


def run_embeddings_map(name, *, method="auto", threshold=DUP_THRESHOLD, quiet=False):
    """Map, similarity index and near-duplicate comparison on samples with an ``embedding``; return the summary."""
    import fiftyone.brain as fob

    ds = load_dataset(name)
    if not ds.has_field(EMBEDDING):
        raise ValueError(f"dataset {name!r} has no embeddings; run `curate predict RUN` first")
    view = ds.exists(EMBEDDING)
    n = len(view)
    if n < 3:
        raise ValueError(f"dataset {name!r} has {n} samples with embeddings; the map needs at least 3")
    chosen = pick_method(method, n)
    seconds = {}
    with quiet_brain(quiet):
        for key in (BRAIN_MAP, BRAIN_SIMILARITY):
            if key in ds.list_brain_runs():
                ds.delete_brain_run(key)
        start = time.perf_counter()
        options = {"seed": 0} if chosen in ("umap", "tsne") else {}
        if chosen == "umap":
            options["num_neighbors"] = min(15, n - 1)
        fob.compute_visualization(view, embeddings=EMBEDDING, brain_key=BRAIN_MAP, method=chosen,
                                  progress=False, verbose=False, **options)
        seconds["map"] = time.perf_counter() - start
        start = time.perf_counter()
        fob.compute_similarity(view, embeddings=EMBEDDING, brain_key=BRAIN_SIMILARITY, backend="sklearn",
                               progress=False)
        seconds["similarity"] = time.perf_counter() - start
        start = time.perf_counter()
        index = fob.compute_near_duplicates(view, threshold=threshold, embeddings=EMBEDDING, progress=False)
        seconds["near_duplicates"] = time.perf_counter() - start
    found = embedding_pairs(index.neighbors_map)
    hashed = hash_pairs(*view.values(["id", DUP_GROUP])) if ds.has_field(DUP_GROUP) else set()
    both = found & hashed
    summary = {
        "method": chosen, "samples": n, "brain_keys": [BRAIN_MAP, BRAIN_SIMILARITY],
        "near_duplicates": {
            "threshold_cosine": threshold, "embedding_pairs": len(found), "hash_pairs": len(hashed),
            "both": len(both),
            "embedding_pairs_also_hashed": round(len(both) / len(found), 4) if found else None,
            "hash_pairs_also_embedded": round(len(both) / len(hashed), 4) if hashed else None,
            "embedding_duplicate_samples": len(index.duplicate_ids),
        },
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
    }
    info = ds.info.setdefault(INFO_PREDICTIONS, {})
    info["map"] = summary
    ds.save()
    return summary


def map_points(name):
    """(points float (N, 2), sample ids list) of the stored embeddings map; ValueError if there is none."""
    ds = load_dataset(name)
    if BRAIN_MAP not in ds.list_brain_runs():
        raise ValueError(f"dataset {name!r} has no embeddings map; run `curate predict RUN` first")
    results = ds.load_brain_results(BRAIN_MAP)
    return np.asarray(results.points), list(results.sample_ids)
