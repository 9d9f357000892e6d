"""``curate predict`` and ``curate explain``: the model's view of the data, for the FiftyOne App.

Parsing and reporting only; the work is in :mod:`curate.predict_pass`,
:mod:`curate.embeddings_pass` and :mod:`curate.explain_pass`.
"""

import click

from curate.cli_options import CONTEXT, dataset_option, quiet_option, user_errors, workspace_option, writes_dataset


@click.command(context_settings=CONTEXT)
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--view", "view_name", default=None, help="Predict a saved view only [default: every sample].")
@click.option("--kind", type=click.Choice(["float", "int8"]), default="float", show_default=True,
              help="The Keras model, or the int8 trained.tflite the camera runs.")
@click.option("--map", "map_method", type=click.Choice(["auto", "umap", "tsne", "pca", "none"]), default="auto",
              show_default=True, help="Embeddings map method (auto: UMAP when installed); none = no map.")
@click.option("--dup-threshold", type=click.FloatRange(0, 2), default=None,
              help="Cosine distance for embedding near-duplicates [default: 0.002].")
@dataset_option
@workspace_option
@quiet_option
@user_errors
@writes_dataset("predict")
def predict(run_dir, view_name, kind, map_method, dup_threshold, dataset_name, workspace, quiet):
    """Write the run's predictions and embeddings, evaluate them, map the embeddings.

    Fields: prediction (label, confidence, logits), embedding, eval (right or
    wrong), prediction_mistakenness, hardness; the App's evaluation panel
    reads eval key `eval`, its embeddings panel brain key `embeddings_map`,
    "sort by similarity" brain key `similar`.

    \b
    Example:
      curate predict .curate/runs/20261123-120000-camera --dataset fer
      curate app --dataset fer --panel evaluation
    """
    from curate.embeddings_pass import DUP_THRESHOLD, run_embeddings_map
    from curate.predict_pass import run_predict

    summary = run_predict(dataset_name, run_dir, view_name=view_name, kind=kind, quiet=quiet)
    accuracy = f", accuracy {summary['accuracy']:.4f} macro-F1 {summary['macro_f1']:.4f}" if "accuracy" in summary else ""
    click.echo(f"predicted {summary['samples']} samples ({kind} {summary['model']}, {summary['scheme']}); "
               f"evaluated {summary['evaluated']} against {summary['truth_field']}{accuracy} "
               f"[{', '.join(f'{k} {v} s' for k, v in summary['seconds'].items())}]")
    if map_method == "none":
        return
    mapped = run_embeddings_map(dataset_name, method=map_method, quiet=quiet,
                                threshold=DUP_THRESHOLD if dup_threshold is None else dup_threshold)
    dups = mapped["near_duplicates"]
    click.echo(f"embeddings map: {mapped['method']} on {mapped['samples']} samples; similarity index ready; "
               f"near-duplicates by embedding {dups['embedding_pairs']} pairs, by hash {dups['hash_pairs']}, "
               f"both {dups['both']} [{', '.join(f'{k} {v} s' for k, v in mapped['seconds'].items())}]")


@click.command(context_settings=CONTEXT)
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--view", "view_name", default=None, help="Saved view to explain [default: wrong or disputed predictions].")
@click.option("--method", type=click.Choice(["gradcam", "saliency"]), default="gradcam", show_default=True)
@click.option("--limit", type=click.IntRange(1, 100000), default=1000, show_default=True, help="At most this many faces.")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Heatmap grid PNG [default: <workspace>/reports/<dataset>-heatmaps.png].")
@dataset_option
@workspace_option
@quiet_option
@user_errors
@writes_dataset("explain")
def explain(run_dir, view_name, method, limit, out, dataset_name, workspace, quiet):
    """Heatmaps of where the model looks, as `heatmap` labels the App draws over each face.

    \b
    Example:
      curate explain .curate/runs/20261123-120000-camera --method gradcam
    """
    from curate.explain_pass import run_explain

    out = out or str(workspace.root / "reports" / f"{dataset_name}-heatmaps.png")
    summary = run_explain(dataset_name, run_dir, view_name=view_name, method=method, limit=limit, out=out, quiet=quiet)
    click.echo(f"{method} heatmaps on {summary['samples']} samples ({summary['view']}) in {summary['seconds']} s; "
               f"grid: {summary['grid']}")
