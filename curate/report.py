"""``curate report``: one HTML page with PNG plots of a dataset's curation state.

Sections: counts per source/split/class; class balance per source/split and
per scheme (with class weights); score histograms; duplicate and leakage
summary with example groups; FER2013→FERPlus label changes; the top of the
annotators' queue as thumbnails. Sections whose data is missing (no
``curate score`` yet) say which command fills them.

The page and its images are written to a temporary folder and moved into
place at the end, so an interrupted report never leaves a half page.
"""

import html
import os

import numpy as np

from curate.build import load_dataset
from datasets.media import atomic_folder
from curate.status import class_counts, format_counts
from datasets.names import DISPUTE_SCORE, INFO_LABEL_QUALITY, INFO_SCORES, TAG_DISPUTED
from labels.schemes import BUILTIN
from labels.taxonomy import CLASSES

THUMB = 64


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_source_balance(counts, path):
    """Stacked horizontal bars: one per (source, split), segments per class."""
    plt = _plt()
    labels = [f"{s} / {p}" for s, p in counts.index]
    columns = [c for c in counts.columns if c != "total"]
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(labels) + 1.5))
    left = np.zeros(len(labels))
    colors = plt.get_cmap("tab10")
    for k, column in enumerate(columns):
        values = counts[column].to_numpy()
        ax.barh(labels, values, left=left, label=column, color=colors(k % 10) if column != "(none)" else "#bbbbbb")
        left += values
    ax.invert_yaxis()
    ax.set_xlabel("samples")
    ax.set_title("Class balance per source and split (ground truth)")
    ax.legend(ncol=5, fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_scheme_balance(scheme_counts, path):
    """One panel per scheme, grouped bars per split."""
    plt = _plt()
    fig, axes = plt.subplots(2, 3, figsize=(14, 7))
    for ax, (name, per_split) in zip(axes.ravel(), scheme_counts.items()):
        classes = BUILTIN[name].classes
        x = np.arange(len(classes))
        width = 0.8 / max(1, len(per_split))
        for j, (split, counts) in enumerate(per_split.items()):
            ax.bar(x + j * width, counts, width, label=split)
        ax.set_xticks(x + width * (len(per_split) - 1) / 2, classes, rotation=35, ha="right", fontsize=8)
        ax.set_title(name)
    axes.ravel()[0].legend(fontsize=8)
    fig.suptitle("Class balance per scheme and split")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_score_histograms(columns, path):
    """Histograms of the score fields present: dict name → float array (NaN ignored)."""
    plt = _plt()
    fig, axes = plt.subplots(1, len(columns), figsize=(3.6 * len(columns), 3.2))
    axes = np.atleast_1d(axes)
    for ax, (name, values) in zip(axes, columns.items()):
        values = values[np.isfinite(values)]
        ax.hist(values, bins=30, color="#4477aa")
        ax.set_title(f"{name} (n={len(values)})", fontsize=9)
        if name == "contrast":
            ax.set_yscale("log")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_thumbnails(rows, path, title):
    """A grid of grayscale thumbnails: rows = [(filepath, caption)], 8 per line."""
    import cv2

    plt = _plt()
    per_line = 8
    lines = max(1, (len(rows) + per_line - 1) // per_line)
    fig, axes = plt.subplots(lines, per_line, figsize=(per_line * 1.6, lines * 1.9))
    for ax in np.atleast_1d(axes).ravel():
        ax.axis("off")
    for ax, (filepath, caption) in zip(np.atleast_1d(axes).ravel(), rows):
        gray = cv2.imread(filepath, cv2.IMREAD_GRAYSCALE)
        if gray is not None:
            ax.imshow(cv2.resize(gray, (THUMB, THUMB)), cmap="gray", vmin=0, vmax=255)
        ax.set_title(caption, fontsize=6.5)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _floats(values):
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def _votes_caption(votes):
    if not votes:
        return ""
    top = np.argsort(votes)[::-1][:2]
    names = (*CLASSES, "unknown", "NF")
    return " ".join(f"{names[i][:4]}{votes[i]}" for i in top if votes[i])


def write_report(name, out_dir, *, top=32):
    """Write ``<out_dir>/index.html`` and its PNGs; return the index path."""
    from curate.views import balance_table, scheme_counts

    ds = load_dataset(name)
    with atomic_folder(out_dir) as tmp:
        sections = _sections(ds, name, tmp, top, balance_table, scheme_counts)
        with open(os.path.join(tmp, "index.html"), "w", encoding="utf-8") as f:
            f.write(_page(name, sections))
    return os.path.join(os.path.abspath(out_dir), "index.html")


def _sections(ds, name, tmp, top, balance_table, scheme_counts):
    from fiftyone import ViewField as F

    sections = []
    counts = class_counts(name)
    plot_source_balance(counts, os.path.join(tmp, "balance_sources.png"))
    sections.append(("Counts per source, split and class", _pre(format_counts(counts)) + _img("balance_sources.png")))
    plot_scheme_balance(scheme_counts(name), os.path.join(tmp, "balance_schemes.png"))
    weights = []
    for scheme in BUILTIN.values():
        _, w = balance_table(name, scheme.name)
        weights.append(f"<h4>{html.escape(scheme.describe())}</h4>" + w.to_html())
    sections.append(("Class balance per scheme", _img("balance_schemes.png") + "".join(weights)))

    if not ds.has_field("dispute_score"):
        sections.append(("Scores", "<p>No scores yet: run <code>curate score</code>.</p>"))
        return sections
    summary = ds.info.get(INFO_SCORES, {}).get("summary", {})
    columns = {f: _floats(ds.values(f)) for f in ("vote_entropy", "agreement", "dispute_score", "contrast", "label_quality")
               if ds.has_field(f)}
    plot_score_histograms(columns, os.path.join(tmp, "scores.png"))
    sections.append(("Score histograms", _img("scores.png")))
    sections.append(("Duplicates, leakage, blanks", _table(summary)))
    pairs = ds.count_values("conflict_pair")
    pairs.pop(None, None)
    common = sorted(pairs.items(), key=lambda kv: -kv[1])[:15]
    sections.append(("FER2013 label → FERPlus majority (most frequent changes)", _table(dict(common))))

    leak = ds.match_tags("leak").sort_by("dup_group").limit(4 * 8)
    if len(leak):
        rows = [(s.filepath, f"g{s.dup_group} {s.split} {s.ground_truth.label if s.ground_truth else '-'}") for s in leak]
        plot_thumbnails(rows, os.path.join(tmp, "leakage.png"), "Duplicate groups crossing splits (group, split, label)")
        sections.append(("Leakage examples", _img("leakage.png")))
    disputed = ds.match_tags(TAG_DISPUTED).sort_by(DISPUTE_SCORE, reverse=True).limit(top)
    if len(disputed):
        rows = [(s.filepath, f"{s.dispute_score:.2f} {(s.ground_truth.label if s.ground_truth else '-')[:7]}\n"
                             f"{_votes_caption(s.votes)}") for s in disputed]
        plot_thumbnails(rows, os.path.join(tmp, "disputed.png"), "Top of the annotators' queue (score, label, top votes)")
        sections.append(("Top disputed samples", _img("disputed.png")))
    if "label_quality" in ds.info:
        sections.append(("Model-based label quality", _table(ds.info[INFO_LABEL_QUALITY])))
    sections.extend(_model_sections(ds, name, tmp))
    view_rows = {n: len(ds.load_saved_view(n)) for n in ds.list_saved_views() if not n.startswith("balance-")}
    view_rows["labelled train"] = len(ds.match(F("split") == "train").exists("ground_truth"))
    sections.append(("Saved views", _table(view_rows)))
    return sections


def _model_sections(ds, name, tmp):
    """Sections from ``curate predict`` / ``curate explain``: evaluation, embeddings map, heatmaps."""
    from datasets.names import BRAIN_MAP, EVAL_KEY, GROUND_TRUTH_LABEL, HEATMAP, INFO_PREDICTIONS

    sections = []
    if EVAL_KEY in ds.list_evaluations():
        from train.evaluate import plot_confusion

        results = ds.load_evaluation_results(EVAL_KEY)
        classes = list(results.classes)
        plot_confusion(results.confusion_matrix(classes=classes), classes, os.path.join(tmp, "evaluation.png"),
                       f"{ds.get_evaluation_info(EVAL_KEY).config.pred_field} vs truth (rows: truth)")
        info = ds.info.get(INFO_PREDICTIONS, {})
        head = _table({k: v for k, v in info.items() if not isinstance(v, dict)})
        sections.append(("Model evaluation (curate predict)",
                         head + _metrics_table(results.report(classes)) + _img("evaluation.png")))
    if BRAIN_MAP in ds.list_brain_runs():
        from curate.embeddings_pass import map_points

        points, ids = map_points(name)
        label_of = dict(zip(*ds.values(["id", GROUND_TRUTH_LABEL])))
        plot_embeddings_map(points, [label_of.get(i) for i in ids], os.path.join(tmp, "embeddings_map.png"))
        sections.append(("Embeddings map (coloured by label)", _img("embeddings_map.png")))
    if ds.has_field(HEATMAP):
        from curate.explain_pass import plot_heatmap_grid
        from curate.score_pass import load_gray

        view = ds.exists(HEATMAP).limit(32)
        paths, maps, truth, pred = view.values(["filepath", f"{HEATMAP}.map", GROUND_TRUTH_LABEL, "prediction.label"])
        faces = [load_gray(p) for p in paths]
        labels = [f"{(p or '-')[:7]}\ntruth {(t or '-')[:7]}" for p, t in zip(pred, truth)]
        plot_heatmap_grid(faces, [np.asarray(m, dtype=np.float32) / 255 for m in maps], labels,
                          os.path.join(tmp, "heatmaps.png"), "Where the model looks (predicted class)")
        sections.append(("Heatmaps (curate explain)", _img("heatmaps.png")))
    return sections


def _metrics_table(report):
    """HTML table of an sklearn ``classification_report`` dict: class → precision, recall, F1, support."""
    head = "<tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>"
    rows = []
    for name, row in report.items():
        if not isinstance(row, dict):
            continue
        cells = [f"{row[k]:.3f}" for k in ("precision", "recall", "f1-score")] + [f"{row['support']:.0f}"]
        rows.append(f"<tr><td>{html.escape(name)}</td>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def plot_embeddings_map(points, labels, path):
    """Scatter of map points (N, 2) coloured by label (None: unlabelled, grey)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 7))
    labels = np.asarray([lab or "" for lab in labels], dtype=object)
    for name in sorted(set(labels)):
        mask = labels == name
        ax.scatter(points[mask, 0], points[mask, 1], s=3, alpha=0.6, label=name or "unlabelled",
                   color="0.7" if not name else None)
    ax.legend(markerscale=4, fontsize=8, loc="best")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"Embeddings map ({len(points)} samples)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _img(name):
    return f'<p><img src="{name}" alt="{name}" style="max-width:100%"></p>'


def _pre(text):
    return f"<pre>{html.escape(text)}</pre>"


def _table(mapping):
    rows = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>" for k, v in mapping.items())
    return f"<table>{rows}</table>"


def _page(name, sections):
    body = "".join(f"<h2>{html.escape(t)}</h2>{content}" for t, content in sections)
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Curation report: {html.escape(name)}</title>
<style>body{{font-family:sans-serif;max-width:1200px;margin:2em auto;}} td{{padding:2px 10px;}}
table{{border-collapse:collapse;}} tr:nth-child(even){{background:#f3f3f3;}} pre{{font-size:12px;}}</style>
</head><body><h1>Curation report: {html.escape(name)}</h1>{body}</body></html>
"""
