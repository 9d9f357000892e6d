"""The ``curate`` command line: parse options, call the library, report.

Library code raises ValueError / FileNotFoundError / RuntimeError with a
hint; :func:`main` turns them into one clean ``Error: ...`` line.
"""

import os
import time

import click

from curate import __version__
from curate.cli_options import CONTEXT, dataset_option, quiet_option, user_errors, workspace_option, writes_dataset
from train.settings import LABEL_RULES, MODEL_NAMES, WEIGHTINGS, TrainSettings

TRAIN_DEFAULTS = TrainSettings()

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="curate")
def cli():
    """TinyVision Curate: FER data in, curated soft labels out, a tiny camera model at the end.

    \b
    Example:
      curate build --fer2013 fer2013.csv --merge ferplus --ferplus fer2013new.csv
    """


@cli.command(context_settings=CONTEXT)
@click.option("--fer2013", type=click.Path(dir_okay=False), help="FER2013 CSV (.csv, .csv.gz or Kaggle fer2013.tar.gz).")
@click.option("--merge", type=click.Choice(["ferplus"]), multiple=True, help="Merge crowd votes onto FER2013 rows.")
@click.option("--ferplus", type=click.Path(dir_okay=False), help="FERPlus vote table fer2013new.csv (with --merge ferplus).")
@click.option("--fer2013-images", type=click.Path(file_okay=False), help="Kaggle FER2013 JPEG folders (train/<class>/...).")
@click.option("--ferplus-png", type=click.Path(file_okay=False), help="FERPlus PNG layout (FER2013Train/*.png + label.csv).")
@click.option("--rafdb", type=click.Path(file_okay=False), help="RAF-DB basic root (EmoLabel/, Image/aligned/).")
@click.option("--ckplus", type=click.Path(file_okay=False), help="CK+ root (cohn-kanade-images/ + Emotion/) or CK+48 folder.")
@click.option("--affectnet", type=click.Path(file_okay=False),
              help="AffectNet root (Manually_Annotated_file_lists/ + Manually_Annotated_Images/, or train_set/ + val_set/).")
@click.option("--jaffe", type=click.Path(file_okay=False), help="JAFFE folder (KA.AN1.39.tiff ...).")
@click.option("--captures", type=click.Path(file_okay=False), help="Captures root (<session>/<label|unlabeled>/<image>).")
@click.option("--skip-bad", is_flag=True,
              help="Skip image files that do not decode and list them, instead of stopping the build.")
@dataset_option
@workspace_option
@quiet_option
@user_errors
@writes_dataset("build")
def build(dataset_name, workspace, quiet, **paths):
    """Ingest sources into one FiftyOne dataset (idempotent: re-runs add only what is new).

    CSV pixels are written once as PNGs into the workspace's media folder;
    FERPlus votes pair with FER2013 rows by position, checked row by row.

    \b
    Example:
      curate build --fer2013 fer2013.csv --merge ferplus --ferplus fer2013new.csv \\
                   --rafdb RAF-DB/basic --ckplus CK+ --captures captures/
    """
    from curate.pipeline import BuildPlan, run_build

    plan = BuildPlan(**{k: v for k, v in paths.items() if k != "merge"}, merge=paths["merge"])
    start = time.perf_counter()
    reports = run_build(plan, dataset_name=dataset_name, workspace=workspace, quiet=quiet, echo=click.echo)
    for report in reports:
        click.echo(report.line())
    click.echo(f"dataset {dataset_name!r} built in {time.perf_counter() - start:.1f} s (workspace {workspace.root})")


@cli.command(context_settings=CONTEXT)
@dataset_option
@workspace_option
@user_errors
def status(dataset_name, workspace):
    """Print per-source, per-split, per-class counts of a built dataset.

    \b
    Example:
      curate status --dataset fer
    """
    from curate.status import class_counts, format_counts

    table = class_counts(dataset_name)
    click.echo(f"dataset {dataset_name!r} — {int(table['total'].sum())} samples")
    click.echo(format_counts(table))


@cli.command(context_settings=CONTEXT)
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Where to write the sample sources [default: <workspace>/demo-sources].")
@click.option("--dataset", "dataset_name", default="demo", show_default=True, help="Dataset to build.")
@click.option("--fresh/--keep", default=True, show_default=True, help="Delete a previous demo dataset first.")
@workspace_option
@quiet_option
@user_errors
@writes_dataset("demo")
def demo(out, dataset_name, fresh, workspace, quiet):
    """Write small format-exact sample sources and run the pipeline on them.

    The faces are procedurally drawn (not real people); the files follow the
    real sources' layouts exactly.

    \b
    Example:
      curate demo --workspace /tmp/demo-ws
    """
    from curate.demo import run_demo

    run_demo(workspace, dataset_name, out=out, fresh=fresh, quiet=quiet, echo=click.echo)
    click.echo(
        f"\nworkspace: {workspace.root}\n"
        f"browse:    curate app --dataset {dataset_name} --view disputed --workspace {workspace.root}\n"
        f"counts:    curate status --dataset {dataset_name} --workspace {workspace.root}"
    )


@cli.command(context_settings=CONTEXT)
@click.option("--near-distance", type=click.IntRange(0, 16), default=6, show_default=True,
              help="Max perceptual-hash bit distance for near duplicates.")
@click.option("--blank-std", type=float, default=3.0, show_default=True, help="Pixel std below which an image is blank.")
@dataset_option
@workspace_option
@quiet_option
@user_errors
@writes_dataset("score")
def score(near_distance, blank_std, dataset_name, workspace, quiet):
    """Compute disagreement scores, duplicates, leakage and tags; save the views.

    \b
    Example:
      curate score --dataset fer --near-distance 6
    """
    from curate.score_pass import ScoreSettings, score_dataset

    summary = score_dataset(dataset_name, ScoreSettings(near_distance=near_distance, blank_std=blank_std), quiet=quiet)
    width = max(len(k) for k in summary)
    for key, value in summary.items():
        click.echo(f"{key.replace('_', ' '):<{width}}  {value}")
    click.echo("views saved: curate views")


@cli.command(context_settings=CONTEXT)
@dataset_option
@workspace_option
@user_errors
def views(dataset_name, workspace):
    """List the dataset's saved views with their sample counts.

    \b
    Example:
      curate views --dataset fer
    """
    from curate.views import list_views

    rows = list_views(dataset_name)
    width = max(len(n) for n, _ in rows)
    for name, count in rows:
        click.echo(f"{name:<{width}}  {count:>7d}")


@cli.command(context_settings=CONTEXT)
@click.option("--scheme", default="fer8", show_default=True,
              help="Class scheme: fer8, fer7, five, four, valence3, smile2 or a .json/.yaml file.")
@click.option("--view", "view_name", default=None, help="Count a saved view instead of the whole dataset.")
@dataset_option
@workspace_option
@user_errors
def balance(scheme, view_name, dataset_name, workspace):
    """Class balance per source and split under a scheme, with class weights.

    \b
    Example:
      curate balance --scheme five --view clean-train
    """
    from curate.views import balance_table
    from labels.schemes import get_scheme

    counts, weights = balance_table(dataset_name, scheme, view_name)
    click.echo(get_scheme(scheme).describe())
    click.echo(counts.to_string())
    click.echo("\nclass weights (train split):")
    click.echo(weights.to_string())


@cli.command("label-quality", context_settings=CONTEXT)
@click.option("--pred-probs", type=click.Path(dir_okay=False), help="Out-of-fold probabilities: .npz (sample_key, pred_probs) or .csv.")
@click.option("--field", help="Classification field whose logits hold out-of-fold predictions.")
@click.option("--baseline", is_flag=True, help="Cross-validated HOG + logistic regression baseline (fast, weak; no model needed).")
@click.option("--model", "model_name", default=None,
              help="Train this model (e.g. camera) on K folds that keep near-duplicates together; use its out-of-fold probabilities.")
@click.option("--max-minutes", type=click.FloatRange(0.5, None), default=25.0, show_default=True,
              help="With --model: wall-clock budget for all folds together.")
@click.option("--scheme", default="fer8", show_default=True, help="Class scheme of the probabilities.")
@click.option("--folds", type=click.IntRange(2, 20), default=5, show_default=True, help="Folds for --baseline and --model.")
@click.option("--seed", type=int, default=0, show_default=True, help="Fold split and training seed.")
@click.option("--repeats", type=click.IntRange(1, 10), default=1, show_default=True,
              help="With --model: repeat the folds with N seeds and average them (an ensemble; --max-minutes is "
                   "shared by all N × folds models).")
@click.option("--folds-over", type=click.Choice(["all", "train"]), default="all", show_default=True,
              help="With --model: cut every labelled sample into the folds (all), or train samples only (val and test "
                   "then scored by the fold models' mean, their labels never trained on).")
@dataset_option
@workspace_option
@quiet_option
@user_errors
@writes_dataset("label-quality")
def label_quality(pred_probs, field, baseline, model_name, max_minutes, scheme, folds, seed, repeats, folds_over,
                  dataset_name, workspace, quiet):
    """Find likely label errors (cleanlab) and Brain mistakenness; tag `label-issue`.

    \b
    Example:
      curate label-quality --baseline                               # ~1 min, weak model
      curate label-quality --model camera --folds 5 --max-minutes 25  # the real model, out of fold
      curate label-quality --model camera --repeats 2 --max-minutes 50  # two seeds averaged: fewer false alarms
      curate label-quality --pred-probs runs/cv/oof.npz --scheme fer8
    """
    from curate.quality_pass import fold_source_name, model_pred_probs, run_label_quality

    if model_name:
        if pred_probs or field or baseline:
            raise click.UsageError("use exactly one of --model, --pred-probs, --field or --baseline")
        run_dir = str(workspace.runs_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-label-quality-{model_name}")
        if not quiet:
            click.echo(f"training {folds * repeats} fold models of {model_name} ({max_minutes:g} min in all) in {run_dir}")
        pred_probs = model_pred_probs(dataset_name, run_dir, scheme_name=scheme, model=model_name, folds=folds,
                                      max_minutes=max_minutes, seed=seed, repeats=repeats, folds_over=folds_over,
                                      quiet=quiet)
    source = fold_source_name(model_name, folds, repeats, folds_over) if model_name else None
    summary = run_label_quality(dataset_name, scheme_name=scheme, pred_probs=pred_probs, field=field,
                                baseline=baseline, folds=folds, seed=seed, quiet=quiet, partial=bool(model_name),
                                source_name=source)
    for key, value in summary.items():
        click.echo(f"{key.replace('_', ' '):<22}  {value}")


@cli.command(context_settings=CONTEXT)
@click.option("--view", "view_name", default=None, help="Open a saved view (see `curate views`).")
@click.option("--port", type=click.IntRange(1, 65535), default=5151, show_default=True, help="Port on 127.0.0.1.")
@click.option("--panel", type=click.Choice(["evaluation", "embeddings"]), default=None,
              help="Open the grid beside the model's evaluation or embeddings panel (after `curate predict`).")
@dataset_option
@workspace_option
@user_errors
def app(view_name, port, panel, dataset_name, workspace):
    """Open the FiftyOne App on 127.0.0.1 with the dataset and its saved views.

    Runs until interrupted (Ctrl-C).

    \b
    Example:
      curate app --view disputed --port 5151
      curate app --panel evaluation
    """
    from curate.app import launch

    session, url = launch(dataset_name, view_name=view_name, port=port, panel=panel)
    click.echo(f"FiftyOne App: {url}  (Ctrl-C to stop)", )
    try:
        session.wait(-1)
    except KeyboardInterrupt:
        click.echo("stopped")


@cli.command(context_settings=CONTEXT)
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Report folder [default: <workspace>/reports/<dataset>].")
@click.option("--top", type=click.IntRange(1, 200), default=32, show_default=True, help="Disputed thumbnails to show.")
@dataset_option
@workspace_option
@user_errors
def report(out, top, dataset_name, workspace):
    """Write an HTML report with plots: balance, scores, duplicates, leakage, top disputed.

    \b
    Example:
      curate report --dataset fer --out reports/fer
    """
    from curate.report import write_report

    path = write_report(dataset_name, out or workspace.root / "reports" / dataset_name, top=top)
    click.echo(f"report: {path}")


@cli.command(context_settings=CONTEXT)
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--view", "view_name", default=None, help="Train samples from this saved view; 'all' = every train sample [default: clean-train if saved].")
@click.option("--scheme", default="fer8", show_default=True, help="Class scheme (name or .json/.yaml file).")
@click.option("--labels", "label_rule", type=click.Choice(LABEL_RULES),
              default="crossentropy", show_default=True, help="Train label rule (val/test always use majority).")
@click.option("--format", "formats", type=click.Choice(["npz", "tree", "csv"]), multiple=True, default=("npz",),
              show_default=True, help="npz shards for the trainer; tree (FiftyOne class folders); csv (FER2013-style).")
@click.option("--balanced", is_flag=True, help="Resample train so every class appears equally often.")
@click.option("--overwrite", is_flag=True, help="Replace OUT if it exists.")
@dataset_option
@workspace_option
@quiet_option
@user_errors
@writes_dataset("export")
def export(out, view_name, scheme, label_rule, formats, balanced, overwrite, dataset_name, workspace, quiet):
    """Export train/val/test with soft and hard labels for the trainer and other tools.

    \b
    Example:
      curate export --view clean-train --scheme fer8 --labels crossentropy exports/fer8
    """
    from curate.export import export_dataset

    manifest = export_dataset(dataset_name, out, view_name=view_name, scheme_name=scheme, label_rule=label_rule,
                              formats=formats, balanced=balanced, overwrite=overwrite, quiet=quiet)
    counts = ", ".join(f"{k} {v['samples']}" for k, v in manifest["counts"].items())
    click.echo(f"export {out}: {counts} | {manifest['scheme_rule']} | labels {label_rule} | "
               f"hash {manifest['content_hash'][:12]}")


@cli.command(context_settings=CONTEXT)
@click.argument("export_dir", type=click.Path(file_okay=False))
@click.option("--run", "run_dir", type=click.Path(file_okay=False), default=None,
              help="Run directory [default: <workspace>/runs/<time>-<model>].")
@click.option("--recipe", type=click.Path(dir_okay=False), default=None,
              help="Training recipe (TOML, see openmv/model/recipe.toml); the options below override it.")
@click.option("--model", default=None, type=click.Choice(MODEL_NAMES),
              help=f"Architecture [default: {TRAIN_DEFAULTS.model}].")
@click.option("--epochs", type=click.IntRange(1, 1000), default=None, help=f"[default: {TRAIN_DEFAULTS.epochs}]")
@click.option("--batch-size", type=click.IntRange(1, 4096), default=None, help=f"[default: {TRAIN_DEFAULTS.batch_size}]")
@click.option("--lr", type=float, default=None,
              help=f"Peak learning rate (cosine decay) [default: {TRAIN_DEFAULTS.learning_rate}].")
@click.option("--hard", is_flag=True, default=None, help="Train on one-hot hard labels instead of the soft distribution.")
@click.option("--class-weights", type=click.Choice(WEIGHTINGS), default=None,
              help=f"[default: {TRAIN_DEFAULTS.class_weighting}]")
@click.option("--no-augment", is_flag=True, default=None, help="Turn augmentation off.")
@click.option("--erase", type=click.FloatRange(0, 1), default=None,
              help="Random erasing: a box of noise over this share of the training faces, e.g. 0.5 "
                   f"[default: {TRAIN_DEFAULTS.erase} = off].")
@click.option("--mixup", type=click.FloatRange(0), default=None,
              help="Mixup of faces and soft targets with this Beta alpha, e.g. 0.2 "
                   f"[default: {TRAIN_DEFAULTS.mixup} = off].")
@click.option("--cutmix", type=click.FloatRange(0), default=None,
              help="CutMix with this Beta alpha, e.g. 1.0; with --mixup each face takes one of the two "
                   f"[default: {TRAIN_DEFAULTS.cutmix} = off].")
@click.option("--patience", type=click.IntRange(1, 1000), default=None,
              help=f"Early-stopping patience (epochs) [default: {TRAIN_DEFAULTS.patience}].")
@click.option("--seed", type=int, default=None, help=f"[default: {TRAIN_DEFAULTS.seed}]")
@click.option("--max-minutes", type=float, default=None,
              help="Wall-clock budget: cosine LR over the budget, stop when spent "
                   f"[default: {TRAIN_DEFAULTS.max_minutes} = by epochs].")
@click.option("--start-size", type=click.IntRange(0, 1024), default=None,
              help="Progressive resizing: train on faces grown from this size to the model's input "
                   "over the first 60 % of training "
                   f"[default: {TRAIN_DEFAULTS.start_size} = off].")
@click.option("--teacher", "teachers", multiple=True, type=click.Path(exists=True),
              help="Distil from this earlier run, or from a teacher_predictions.npz a run kept (repeat for an "
                   "ensemble): targets blend labels and its predictions.")
@click.option("--teacher-weight", type=click.FloatRange(0, 1), default=None,
              help=f"The teachers' share of the training targets [default: {TRAIN_DEFAULTS.teacher_weight}].")
@click.option("--ema-decay", type=click.FloatRange(0, 1, max_open=True), default=None,
              help="Validate and keep a moving average of the weights with this per-step decay, "
                   f"e.g. 0.9995 [default: {TRAIN_DEFAULTS.ema_decay} = off].")
@click.option("--holdout", type=click.FloatRange(0, 0.5), default=None,
              help="Choose the epoch on this share of train (near-duplicates kept together) instead of val; "
                   f"val is then evaluated once, at the end [default: {TRAIN_DEFAULTS.holdout} = off].")
@click.option("--clahe", type=click.FloatRange(0, 40), default=None,
              help="CLAHE lighting normalisation with this clip limit (e.g. 2) on every face, here and on the "
                   f"camera (model.json records it) [default: {TRAIN_DEFAULTS.clahe} = off].")
@click.option("--cv", type=click.IntRange(2, 20), default=None,
              help="K-fold out-of-fold probabilities for every train sample, written back to the dataset.")
@click.option("--init", default=None, metavar="RUN|shipped",
              help="Fine-tune: start from this run's weights (same architecture; another scheme gets a new head), "
                   "or 'shipped' for the shipped camera model's float weights. Pair it with a low --lr.")
@dataset_option
@workspace_option
@quiet_option
@user_errors
def train(export_dir, run_dir, recipe, model, epochs, batch_size, lr, hard, class_weights, no_augment, erase, mixup,
          cutmix, patience, seed, max_minutes, start_size, teachers, teacher_weight, ema_decay, holdout, clahe, cv, init,
          dataset_name, workspace, quiet):
    """Train a model on an export; write model, history, metrics and plots to a run directory.

    \b
    Example:
      curate train exports/fer8 --model camera --epochs 60
      curate train exports/fer8 --cv 5 --epochs 20      # out-of-fold probabilities → label quality
      curate train exports/fer8 --teacher RUN1 --teacher RUN2   # distil an ensemble of earlier runs
      curate train exports/mine --init RUN --lr 2e-4 --max-minutes 5  # fine-tune an earlier run on new data
    """
    from train.recipe import load_recipe, train_recipe, with_overrides, write_recipe
    from train.warm_start import SHIPPED

    recipe = with_overrides(
        load_recipe(recipe), model=model, epochs=epochs, batch_size=batch_size, learning_rate=lr,
        soft_labels=False if hard else None, class_weighting=class_weights, augment=False if no_augment else None,
        erase=erase, mixup=mixup, cutmix=cutmix, patience=patience, seed=seed, max_minutes=max_minutes,
        start_size=start_size,
        teachers=tuple(os.path.abspath(t) for t in teachers) or None, teacher_weight=teacher_weight,
        ema_decay=ema_decay, holdout=holdout, clahe=clahe,
        init=None if init is None else init if init == SHIPPED else os.path.abspath(init))
    settings = recipe.train
    run_dir = run_dir or str(workspace.runs_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-{settings.model}"
                                                  f"{'-cv' if cv else ''}")
    if cv:
        from curate.quality_pass import run_label_quality
        from train.crossval import cross_validate

        path, accuracy = cross_validate(export_dir, run_dir, settings, folds=cv, quiet=quiet)
        write_recipe(recipe, run_dir)
        click.echo(f"out-of-fold probabilities: {path} (accuracy {accuracy:.3f})")
        from train.export_files import read_manifest

        scheme = read_manifest(export_dir)["scheme"]
        summary = run_label_quality(dataset_name, scheme_name=scheme, pred_probs=path, partial=True,
                                    quiet=quiet)
        click.echo(f"label quality from the model: {summary['label_issues']} label issues, "
                   f"{summary['disputed']} disputed")
        return
    metrics = train_recipe(export_dir, run_dir, recipe, quiet=quiet, echo=(lambda *a: None) if quiet else click.echo)
    val = metrics["val"]["float"]
    leak_free = metrics["val"].get("float_leak_free")
    click.echo(f"run {run_dir}: {metrics['epochs_run']} epochs in {metrics['train_seconds']:.0f} s, "
               f"val accuracy {val['accuracy']:.4f}"
               + (f" (leak-free {leak_free['accuracy']:.4f}, n={leak_free['samples']})" if leak_free else "")
               + f", macro-F1 {val['macro_f1']:.4f}; epoch chosen on {metrics['selection']['on']}")


@cli.command(context_settings=CONTEXT)
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--export", "export_dir", type=click.Path(file_okay=False), default=None,
              help="Calibrate on this export's train split [default: the run's export].")
@workspace_option
@user_errors
def quantize(run_dir, export_dir, workspace):
    """Full-int8 TFLite (input scale 1/255, zero point -128), camera checks, int8 metrics.

    \b
    Example:
      curate quantize .curate/runs/20261123-120000-camera
    """
    from train.runs import quantize_run

    path, report = quantize_run(run_dir, export_path=export_dir)
    click.echo(f"{path}: {report['size_bytes'] / 1024:.1f} KB, arena {report['arena_bytes'] / 1024:.1f} KB, "
               f"{report['macs'] / 1e6:.2f} MMAC, ~{report['estimated_latency_ms']:.0f} ms on the H7 Plus, "
               f"ops {', '.join(report['ops'])}")
    if report["unsupported_ops"]:
        raise click.ClickException(f"the camera lacks ops {report['unsupported_ops']}")
    click.echo("fits the camera budget" if report["within_budget"] else "WARNING: outside the camera budget")


def _numbers(kind):
    def parse(ctx, param, value):
        try:
            return tuple(kind(v) for v in value.split(",")) if value else None
        except ValueError:
            raise click.BadParameter(f"expected comma-separated {kind.__name__}s, got {value!r}")
    return parse


@cli.command(context_settings=CONTEXT)
@click.argument("export_dir", type=click.Path(file_okay=False))
@click.option("--max-macs", type=float, required=True, help="Op budget per face, e.g. 19e6 (≈ 167 ms on the H7 Plus).")
@click.option("--minutes-each", type=click.FloatRange(0.05, None), default=2.0, show_default=True,
              help="Wall-clock budget of each candidate's proxy run.")
@click.option("--widths", callback=_numbers(float), default=None, help="Channel multipliers [default: 0.75,1,1.25].")
@click.option("--depths", callback=_numbers(int), default=None, help="Extra blocks at 12x12 and 6x6 [default: -1,0,1].")
@click.option("--sizes", callback=_numbers(int), default=None, help="Input sides in px [default: 40,48,56].")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Where the proxies, search.md and search.png go [default: <workspace>/runs/<time>-search].")
@workspace_option
@quiet_option
@user_errors
def search(export_dir, max_macs, minutes_each, widths, depths, sizes, out, workspace, quiet):
    """Accuracy / MACs frontier of the camera model's family (width, depth, input size) under an op budget.

    Every candidate within --max-macs trains a short proxy; the epoch and the ranking use a held-out
    slice of Training (near-duplicates kept whole), never val.

    \b
    Example:
      curate search exports/fer8 --max-macs 19e6 --minutes-each 3
    """
    from train import search as search_lib

    out = out or str(workspace.runs_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-search")
    found = search_lib.search(export_dir, out, max_macs=max_macs, minutes_each=minutes_each,
                              widths=widths or search_lib.WIDTHS, depths=depths or search_lib.DEPTHS,
                              sizes=sizes or search_lib.SIZES, echo=(lambda *a: None) if quiet else click.echo)
    best = max(found, key=lambda c: c.holdout_accuracy)
    click.echo(f"best within {max_macs / 1e6:g} MMAC: width {best.width:g}, depth {best.depth:+d}, {best.size} px — "
               f"{best.macs / 1e6:.1f} MMAC, held-out accuracy {best.holdout_accuracy:.4f}; "
               f"table {os.path.join(out, 'search.md')}, plot {os.path.join(out, 'search.png')}")


@cli.command(context_settings=CONTEXT)
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--export", "export_dir", type=click.Path(file_okay=False), default=None,
              help="Evaluate on this export [default: the run's export].")
@click.option("--split", type=click.Choice(["val", "test"]), default="val", show_default=True)
@click.option("--tta", is_flag=True,
              help="Also score test-time flip averaging (each face and its mirror; 2x the camera's inference time).")
@workspace_option
@user_errors
def evaluate(run_dir, export_dir, split, tta, workspace):
    """Accuracy, macro-F1, per-class scores and ROC AUC of the float and int8 models.

    \b
    Example:
      curate evaluate .curate/runs/20261123-120000-camera --split val
      curate evaluate RUN --tta     # beside it: flip averaging, at twice the camera cost
    """
    from train.run_files import read_metrics
    from train.runs import evaluate_run

    results = evaluate_run(run_dir, export_path=export_dir, split=split, tta=tta)
    if tta:
        latency = (read_metrics(run_dir).get("camera") or {}).get("estimated_latency_ms")
        cost = f"{latency:.0f} → {2 * latency:.0f} ms a face on the camera" if latency else "2x the camera's time"
        click.echo(f"*_tta: mean of each face and its mirror image ({cost})")
    for kind, m in results.items():
        click.echo(f"{kind:>5}: accuracy {m['accuracy']:.4f}  macro-F1 {m['macro_f1']:.4f}  "
                   f"ROC AUC {m['roc_auc_ovr'] if m['roc_auc_ovr'] is None else round(m['roc_auc_ovr'], 4)}  (n={m['samples']})")
        for name, c in m["per_class"].items():
            click.echo(f"       {name:<12} P {c['precision']:.3f}  R {c['recall']:.3f}  F1 {c['f1']:.3f}  n {c['support']}")


@cli.command(context_settings=CONTEXT)
@click.argument("out", type=click.Path(file_okay=False), required=False)
@click.option("--run", "run_dir", type=click.Path(file_okay=False), default=None,
              help="A trained and quantized run [default: the shipped camera model].")
@workspace_option
@user_errors
def bundle(out, run_dir, workspace):
    """Write a camera bundle: trained.tflite, labels.txt, trained.txt, main.py, model.json.

    \b
    Example:
      curate bundle bundles/camera --run .curate/runs/20261123-120000-camera
    """
    from openmv.bundle import make_bundle

    out = out or str(workspace.root / "bundle")
    info = make_bundle(out, run_dir=run_dir)
    camera = info["camera"]
    click.echo(f"bundle {out}: {', '.join(info['classes'])} | {camera['size_bytes'] / 1024:.1f} KB model, "
               f"arena {camera['arena_bytes'] / 1024:.1f} KB, ~{camera['estimated_latency_ms']:.0f} ms")


@cli.command(context_settings=CONTEXT)
@click.argument("bundle_dir", type=click.Path(file_okay=False), required=False)
@click.option("--drive", type=click.Path(file_okay=False), default=None,
              help="The camera's USB drive [default: the mounted drive holding .openmv_disk].")
@click.option("--force", is_flag=True, help="Flash a folder that does not look like an OpenMV drive.")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@workspace_option
@user_errors
def flash(bundle_dir, drive, force, dry_run, workspace):
    """Copy a bundle to the camera's drive: backup, temp names, fsync, rename, verify.

    \b
    Example:
      curate flash .curate/bundle --drive /media/$USER/OPENMV --dry-run
    """
    from openmv.flash import flash_bundle, resolve_drive

    bundle_dir = bundle_dir or str(workspace.root / "bundle")
    target = resolve_drive(drive, force=force)
    plan = flash_bundle(bundle_dir, target, backup_root=str(workspace.root / "flash-backups"), dry_run=dry_run)
    for warning in plan.warnings:
        click.echo(f"warning: {warning}")
    if not plan.changed:
        click.echo(f"{target}: already up to date ({', '.join(plan.unchanged)})")
        return
    verb = "would write" if dry_run else "wrote and verified"
    click.echo(f"{target}: {verb} {', '.join(plan.changed)} ({plan.bytes_needed // 1024} KB with margin, "
               f"{plan.free_bytes // 1024} KB free); unchanged: {', '.join(plan.unchanged) or 'none'}")


@cli.command(context_settings=CONTEXT)
@click.option("--captures", type=click.Path(file_okay=False), default=None, help="New captures to ingest first.")
@click.option("--drive", type=click.Path(file_okay=False), default=None, help="The camera's USB drive [default: found].")
@click.option("--force", is_flag=True, help="Flash a folder that does not look like an OpenMV drive.")
@click.option("--no-flash", is_flag=True, help="Stop after the bundle.")
@click.option("--dry-run", is_flag=True, help="Show what flashing would change; write nothing to the drive.")
@click.option("--recipe", type=click.Path(dir_okay=False), default=None,
              help="Training recipe (TOML): export labels and every training knob; openmv/model/recipe.toml "
                   "reproduces the shipped model. The options below override it.")
@click.option("--scheme", default=None, help="Class scheme [default: the recipe's, else fer8].")
@click.option("--labels", "label_rule", default=None, type=click.Choice(LABEL_RULES),
              help="Label rule [default: the recipe's, else crossentropy].")
@click.option("--model", default=None, type=click.Choice(MODEL_NAMES),
              help=f"Architecture [default: the recipe's, else {TRAIN_DEFAULTS.model}].")
@click.option("--epochs", type=click.IntRange(1, 1000), default=None,
              help=f"[default: the recipe's, else {TRAIN_DEFAULTS.epochs}]")
@click.option("--max-minutes", type=float, default=None,
              help="Training wall-clock budget: of the fine-tune [default: 5], or with --from-scratch (or no "
                   "current model's weights) of the recipe's run [default: the recipe's, else 0 = by epochs].")
@click.option("--tolerance", type=float, default=0.01, show_default=True,
              help="Refuse a model whose int8 val accuracy is lower than the current one's by more than this.")
@click.option("--pull-labels", is_flag=True, help="First pull the annotators' answers from Label Studio.")
@click.option("--studio-url", default=None, help="Label Studio URL for --pull-labels [default: as `curate labels pull`].")
@click.option("--project", "studio_project", default=None, help="Label Studio project for --pull-labels.")
@click.option("--from-scratch", is_flag=True,
              help="Train the recipe from scratch instead of fine-tuning the camera's current model "
                   "(a tenth of the learning rate, 5 minutes unless --max-minutes).")
@dataset_option
@workspace_option
@quiet_option
@user_errors
@writes_dataset("loop")
def loop(captures, drive, force, no_flash, dry_run, recipe, scheme, label_rule, model, epochs, max_minutes, tolerance,
         pull_labels, studio_url, studio_project, from_scratch, dataset_name, workspace, quiet):
    """Retrain and flash: ingest (+ Label Studio pull) → rescore → export → train → int8 → evaluate → gate → bundle → flash.

    \b
    Example:
      curate loop --captures /media/$USER/SD/captures --drive /media/$USER/OPENMV --max-minutes 30
    """
    from curate.loop import LoopSettings, run_loop
    from train.recipe import load_recipe, with_overrides

    recipe = with_overrides(load_recipe(recipe), scheme=scheme, labels=label_rule, model=model, epochs=epochs,
                            max_minutes=max_minutes)
    settings = LoopSettings(captures=captures, recipe=recipe, tolerance=tolerance, flash=not no_flash, drive=drive,
                            force_drive=force, dry_run=dry_run, pull_labels=pull_labels, studio_url=studio_url,
                            studio_project=studio_project, from_scratch=from_scratch, fine_tune_minutes=max_minutes)
    record = run_loop(dataset_name, settings, workspace=workspace, quiet=quiet,
                      echo=(lambda *a: None) if quiet else click.echo)
    gate = record["gate"]
    run_dir = record["steps"]["train"]["run"]
    click.echo(f"int8 val accuracy {record['steps']['evaluate']['int8_val_accuracy']:.4f}; gate "
               f"{'passed' if gate['passed'] else 'refused: ' + '; '.join(gate['reasons'])}; "
               f"record {os.path.join(run_dir, 'loop.md')} ({record['seconds']:.0f} s)")
    if "flash" in record["steps"]:
        flashed = record["steps"]["flash"]
        click.echo(f"{'would flash' if flashed['dry_run'] else 'flashed'} {flashed['drive']}: "
                   f"{', '.join(flashed['changed']) or 'already up to date'}")
    if not gate["passed"]:
        raise click.ClickException("the new model was not bundled or flashed")


from curate.cli_labels import labels_group  # noqa: E402  (defined with this module's option helpers)

from curate.cli_inspect import explain, predict  # noqa: E402
from curate.cli_capture import capture  # noqa: E402

cli.add_command(labels_group)
cli.add_command(predict)
cli.add_command(explain)
cli.add_command(capture)


def main():
    cli(prog_name="curate")


if __name__ == "__main__":
    main()
