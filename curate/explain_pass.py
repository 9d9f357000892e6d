"""``curate explain RUN``: Grad-CAM or saliency heatmaps on the faces a curator should look at.

Default view: samples whose prediction is wrong (``eval`` False, from
``curate predict``) or that are ``disputed``, most mistaken first, at most
``limit``. The heatmap explains the run's float model's predicted class
(:mod:`train.heatmaps`) and is stored as ``heatmap`` (``fo.Heatmap``, a
uint8 map at the face's own 48×48 grid, range 0–255), which the App draws
over the face; earlier heatmaps are cleared first. A PNG grid of faces with
their heatmaps is written to ``out`` (``curate report`` draws one too).
"""

import os
import time

import numpy as np

from curate.build import load_dataset
from curate.predict_pass import load_faces, run_scheme
from curate.views import load_view
from datasets.names import (
    EVAL_KEY, GROUND_TRUTH_LABEL, HEATMAP, INFO_EXPLAIN, PREDICTION, PREDICTION_MISTAKENNESS, TAG_DISPUTED,
)

DEFAULT_LIMIT = 1000


def default_view(ds):
    """Wrong or disputed predictions, most mistaken first; ValueError when nothing was predicted."""
    from fiftyone import ViewField as F

    if not ds.has_field(PREDICTION):
        raise ValueError(f"dataset {ds.name!r} has no predictions; run `curate predict RUN` first or pass --view")
    wrong = F(EVAL_KEY) == False if ds.has_field(EVAL_KEY) else F(PREDICTION).exists()  # noqa: E712
    view = ds.exists(PREDICTION).match(wrong | F("tags").contains(TAG_DISPUTED))
    if ds.has_field(PREDICTION_MISTAKENNESS):
        view = view.sort_by(PREDICTION_MISTAKENNESS, reverse=True)
    return view


def run_explain(name, run_dir, *, view_name=None, method="gradcam", limit=DEFAULT_LIMIT, out=None, quiet=False):
    """Write heatmaps on up to ``limit`` samples; return the summary written to ``info["explain"]``."""
    import fiftyone as fo

    from train.embed import embed_faces
    from train.heatmaps import METHODS, class_heatmaps
    from train.run_files import read_metrics, run_clahe
    from train.runs import load_run_model

    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    _, scheme = run_scheme(run_dir)
    ds = load_dataset(name)
    view = (load_view(name, view_name) if view_name else default_view(ds)).limit(limit)
    ids, paths, truth = view.values(["id", "filepath", GROUND_TRUTH_LABEL])
    if not ids:
        raise ValueError(f"no samples to explain in {view_name or 'wrong or disputed predictions'!r}")
    start = time.perf_counter()
    model = load_run_model(run_dir)
    faces = load_faces(paths, int(model.input_shape[1]), clahe=run_clahe(read_metrics(run_dir)), quiet=quiet)
    probs, _, _ = embed_faces(model, faces)
    predicted = probs.argmax(axis=1)
    maps = class_heatmaps(model, faces, predicted, method=method)
    seconds = time.perf_counter() - start
    if ds.has_field(HEATMAP):
        ds.clear_sample_field(HEATMAP)
    heatmaps = [fo.Heatmap(map=np.round(m * 255).astype(np.uint8), range=[0, 255]) for m in maps]
    ds.select(ids, ordered=True).set_values(HEATMAP, heatmaps)
    active = fo.DatasetAppConfig.default_active_fields(ds)  # the App hides dense labels unless asked: ask
    if HEATMAP not in active.paths:
        active.paths.append(HEATMAP)
    ds.app_config.active_fields = active
    grid = None
    if out:
        labels = [f"{scheme.classes[k][:7]} {p.max():.2f}\ntruth {(t or '-')[:7]}"
                  for k, p, t in zip(predicted, probs, truth)]
        grid = plot_heatmap_grid(faces, maps, labels, out, f"{method}: where the model looks (predicted class)")
    summary = {"run": os.path.abspath(run_dir), "method": method, "view": view_name or "wrong or disputed",
               "samples": len(ids), "seconds": round(seconds, 1), "grid": grid}
    ds.info[INFO_EXPLAIN] = summary
    ds.save()
    return summary


def plot_heatmap_grid(faces, maps, labels, path, title, *, columns=8, limit=32):
    """PNG of up to ``limit`` faces (N, H, W) uint8 with heatmaps (N, H, W) in [0, 1] over them; return ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = min(len(faces), limit)
    if n == 0:
        raise ValueError("no faces to draw")
    rows = (n + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 1.4, rows * 1.7), squeeze=False)
    for k, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if k < n:
            ax.imshow(faces[k], cmap="gray", vmin=0, vmax=255)
            ax.imshow(maps[k], cmap="jet", alpha=0.45, vmin=0, vmax=1)
            ax.set_title(labels[k], fontsize=6)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp.png"
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)
    return os.path.abspath(path)
