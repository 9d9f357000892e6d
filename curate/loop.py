"""``curate loop``: new captures in, a better model on the camera out.

Steps: ingest captures (``curate build --captures``) → pull annotators'
answers (``curate labels pull``, with ``pull_labels``) → rescore → export →
train → quantize → evaluate → **gate** → bundle → flash.

Training **fine-tunes the camera's current model** (the drive's, else the
shipped one) when its float weights are found — a run of this workspace that
made those int8 bytes, or ``openmv/model/model.keras`` — at a tenth of the
recipe's learning rate for a few minutes (:func:`fine_tune_recipe`);
``from_scratch`` trains the recipe as it is. The gate refuses
to bundle or flash when the new int8 model

- fails the camera checks (ops, size, arena, latency), or
- is less accurate than the current model on the *same* val split by more
  than ``tolerance`` (the current model is the drive's, else the shipped one;
  both are run by LiteRT on the new export's val split).

Every run writes ``loop.json`` and ``loop.md`` (with the confusion matrix)
into its run directory, linking the model to its export hash and label
snapshot (the export's content hash covers the pulled labels).
"""

import dataclasses
import json
import os
import time

import numpy as np


@dataclasses.dataclass
class LoopSettings:
    """What the loop does around training; what it trains (export labels and every training knob) is ``recipe``."""

    captures: str = None
    recipe: object = None  # train.recipe.Recipe; None: the defaults (see train/recipe.py)
    tolerance: float = 0.01
    flash: bool = True
    drive: str = None
    force_drive: bool = False
    dry_run: bool = False
    pull_labels: bool = False
    studio_url: str = None
    studio_project: str = None
    from_scratch: bool = False  # False: fine-tune the current camera model when its float weights are found
    fine_tune_minutes: float = None  # the fine-tune's wall-clock budget; None: FINE_TUNE_MINUTES


FINE_TUNE_LR_FACTOR = 0.1  # fine-tuning runs at a tenth of the recipe's learning rate
FINE_TUNE_MINUTES = 5.0  # its wall-clock budget unless the loop is given one (the recipe's is for a run from scratch)


def float_weights_of(tflite, runs_dir):
    """The run directory holding the float weights of the int8 model ``tflite`` (bytes), or None.

    Looks for a run in ``runs_dir`` (newest first) whose ``trained.tflite`` is
    these bytes, then at the shipped model (``openmv/model``).
    """
    import hashlib

    from openmv.bundle import SHIPPED_MODEL, sha256
    from train.run_files import MODEL_NAME, TFLITE_NAME

    digest = hashlib.sha256(tflite).hexdigest()
    folders = sorted((p for p in runs_dir.iterdir() if p.is_dir()), reverse=True) if runs_dir.is_dir() else []
    for folder in [*map(str, folders), SHIPPED_MODEL]:
        model, weights = os.path.join(folder, TFLITE_NAME), os.path.join(folder, MODEL_NAME)
        if os.path.isfile(weights) and os.path.isfile(model) and os.path.getsize(model) == len(tflite) \
                and sha256(model) == digest:
            return folder
    return None


def fine_tune_recipe(recipe, init, minutes=None):
    """``recipe`` turned into a fine-tune from ``init``: its learning rate × 0.1, no teachers, no progressive
    resizing (the faces are full size from the start), ``minutes`` of wall clock (None: FINE_TUNE_MINUTES).

    The recipe's own ``max_minutes`` is not used: it budgets a run from scratch
    (42 minutes for the shipped recipe), not a fine-tune.
    """
    from train.recipe import with_overrides

    train = recipe.train
    if minutes is not None and minutes <= 0:
        raise ValueError(f"a fine-tune needs a positive budget in minutes, not {minutes}")
    return with_overrides(recipe, init=init, learning_rate=train.learning_rate * FINE_TUNE_LR_FACTOR,
                          start_size=0, max_minutes=minutes or FINE_TUNE_MINUTES, epochs=max(train.epochs, 1000),
                          teacher_seeds=(), teachers=())


def folder_clahe(folder):
    """The CLAHE clip limit a bundle folder's model.json records (0: none, or no model.json)."""
    import json

    try:
        with open(os.path.join(folder, "model.json")) as f:
            return float(json.load(f).get("input", {}).get("clahe", 0.0) or 0.0)
    except (OSError, ValueError):
        return 0.0


def current_model(drive):
    """(tflite bytes, classes, where, CLAHE clip limit) of the model on the drive, else the shipped one; None if neither."""
    from openmv.bundle import SHIPPED_MODEL

    for folder, where in ((drive, "camera drive"), (SHIPPED_MODEL, "shipped model")):
        if folder and os.path.isfile(os.path.join(folder, "trained.tflite")) and \
                os.path.isfile(os.path.join(folder, "labels.txt")):
            with open(os.path.join(folder, "trained.tflite"), "rb") as f:
                model = f.read()
            with open(os.path.join(folder, "labels.txt")) as f:
                classes = [line.strip() for line in f if line.strip()]
            return model, classes, where, folder_clahe(folder)
    return None


def gate(new_accuracy, current_accuracy, tolerance):
    """True when the new model may replace the current one."""
    return current_accuracy is None or new_accuracy >= current_accuracy - tolerance


def run_loop(name, settings, *, workspace, quiet=False, echo=print):
    """Run the loop once; return the loop record dict (also written to the run dir)."""
    from curate.export import export_dataset
    from curate.score_pass import score_dataset
    from openmv.flash import resolve_drive
    from train.recipe import Recipe, export_size, train_recipe
    from train.run_files import TFLITE_NAME
    from train.runs import quantize_run

    start = time.perf_counter()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    run_dir = str(workspace.runs_dir / f"{stamp}-loop")
    recipe = settings.recipe or Recipe()
    record = {"dataset": name, "started": stamp, "settings": dataclasses.asdict(settings), "steps": {}}
    # fail early; a drive given with flash off still holds the current model (the gate, the fine-tune)
    drive = resolve_drive(settings.drive, force=settings.force_drive) if settings.flash or settings.drive else None
    studio = None
    if settings.pull_labels:
        from curate.studio_sync import connect

        studio = connect(workspace, settings.studio_url)  # fail early: server down, wrong key
    record["steps"].update(_new_data(name, settings, studio, workspace, quiet, echo))
    echo("[loop] rescore")
    record["steps"]["score"] = score_dataset(name, quiet=quiet)
    export_dir = str(workspace.root / "exports" / f"{stamp}-loop")
    manifest = export_dataset(name, export_dir, view_name=recipe.export.view, scheme_name=recipe.export.scheme,
                              label_rule=recipe.export.labels, size=export_size(recipe), quiet=quiet)
    record["steps"]["export"] = {"path": export_dir, "content_hash": manifest["content_hash"],
                                 "counts": manifest["counts"], "view": manifest["view"]}
    recipe = _fine_tune_or_not(recipe, settings, drive, workspace, record["steps"], echo)
    echo(f"[loop] train {recipe.train.model} on {manifest['counts']['train']['samples']} samples"
         + (f" (after {len(recipe.teacher_seeds)} teachers)" if recipe.teacher_seeds else ""))
    metrics = train_recipe(export_dir, run_dir, recipe, quiet=True, echo=echo)
    record["steps"]["train"] = {"run": run_dir, "epochs": metrics["epochs_run"], "seconds": metrics["train_seconds"]}
    echo("[loop] quantize and check the camera")
    tflite_path, camera = quantize_run(run_dir)
    with open(tflite_path, "rb") as f:
        tflite = f.read()
    record["gate"] = _judge(tflite, export_dir, manifest["classes"], drive, settings.tolerance, run_dir,
                            record["steps"])
    if record["gate"]["passed"]:
        record["steps"].update(_ship(run_dir, drive, settings, workspace))
    record["seconds"] = round(time.perf_counter() - start, 1)
    record["model"] = {"tflite": tflite_path, "size_bytes": camera["size_bytes"],
                       "label_snapshot": manifest["content_hash"]}
    _write_record(run_dir, record, TFLITE_NAME)
    return record


def _fine_tune_or_not(recipe, settings, drive, workspace, steps, echo):
    """The recipe the loop trains: a fine-tune of the current camera model when its float weights are here."""
    from train.run_files import read_metrics

    if settings.from_scratch:
        steps["fine_tune"] = {"from": None, "note": "--from-scratch"}
        return recipe
    current = current_model(drive)
    init = float_weights_of(current[0], workspace.runs_dir) if current is not None else None
    note = None
    if init is None:
        note = ("no float weights of the current camera model here (only its int8 file): trained from scratch; "
                "ship them with `make camera-model`, or pass --from-scratch to say so")
    elif (architecture := read_metrics(init).get("model")) != recipe.train.model:
        note = f"the current model is {architecture!r}, the recipe trains {recipe.train.model!r}: trained from scratch"
    if note:
        steps["fine_tune"] = {"from": None, "note": note}
        echo(f"[loop] note: {note}")
        return recipe
    tuned = fine_tune_recipe(recipe, init, settings.fine_tune_minutes)
    steps["fine_tune"] = {"from": init, "learning_rate": tuned.train.learning_rate,
                          "max_minutes": tuned.train.max_minutes}
    echo(f"[loop] fine-tune the current camera model ({current[2]}, float weights in {init})")
    return tuned


def _new_data(name, settings, studio, workspace, quiet, echo):
    """Ingest new captures and pull annotators' answers; return the record steps ``ingest`` / ``labels``."""
    from curate.pipeline import BuildPlan, run_build

    steps = {}
    if settings.captures:
        echo(f"[loop] ingest captures {settings.captures}")
        (report,) = run_build(BuildPlan(captures=settings.captures), dataset_name=name, workspace=workspace,
                              quiet=quiet, echo=lambda *a: None)
        steps["ingest"] = {"added": report.added, "updated": report.updated}
    if studio is not None:
        from curate.studio_sync import pull

        echo("[loop] pull Label Studio answers")
        pulled = pull(studio, name, title=settings.studio_project, quiet=quiet)
        steps["labels"] = {k: pulled[k] for k in (
            "project", "tasks_done", "annotations", "samples_changed", "label_changes", "reviewed")}
    return steps


def _judge(tflite, export_dir, classes, drive, tolerance, run_dir, steps):
    """The gate: camera checks, then the new int8 model against the current one on the same val split.

    Adds ``evaluate`` (and ``gate_current``) to ``steps``; returns the gate dict (passed, reasons, tolerance).
    """
    from train.camera_check import check_camera
    from train.data import load_export
    from train.evaluate import classification_metrics, plot_confusion, predict_tflite
    from train.run_files import read_metrics, run_clahe

    val = load_export(export_dir).split("val")
    new = classification_metrics(val.hard, predict_tflite(tflite, val.with_clahe(run_clahe(read_metrics(run_dir))).x),
                                 classes)
    steps["evaluate"] = {"int8_val_accuracy": new["accuracy"], "int8_val_macro_f1": new["macro_f1"],
                         "samples": new["samples"]}
    plot_confusion(new["confusion"], classes, os.path.join(run_dir, "loop_confusion.png"),
                   f"new model int8, val accuracy {new['accuracy']:.3f}")
    reasons = []
    try:
        check_camera(tflite)
    except ValueError as err:
        reasons.append(f"camera check: {err}")
    current = current_model(drive)
    current_accuracy = None
    if current is not None:
        model, current_classes, where, current_clahe = current
        if current_classes == classes:
            current_accuracy = classification_metrics(val.hard, predict_tflite(model, val.with_clahe(current_clahe).x),
                                                      classes)["accuracy"]
            steps["gate_current"] = {"from": where, "int8_val_accuracy": current_accuracy}
        else:
            steps["gate_current"] = {"from": where, "note": f"classes {current_classes} differ; not comparable"}
    if not gate(new["accuracy"], current_accuracy, tolerance):
        reasons.append(f"new int8 val accuracy {new['accuracy']:.4f} < current {current_accuracy:.4f} "
                       f"- tolerance {tolerance}")
    return {"passed": not reasons, "reasons": reasons, "tolerance": tolerance}


def _ship(run_dir, drive, settings, workspace):
    """Bundle the run and flash it to the drive (if any); return the record steps ``bundle`` / ``flash``."""
    from openmv.bundle import make_bundle
    from openmv.flash import flash_bundle

    bundle_dir = os.path.join(run_dir, "bundle")
    make_bundle(bundle_dir, run_dir=run_dir)
    steps = {"bundle": {"path": bundle_dir,
                        "bytes": sum(os.path.getsize(os.path.join(bundle_dir, f)) for f in os.listdir(bundle_dir))}}
    if drive and settings.flash:
        plan = flash_bundle(bundle_dir, drive, backup_root=str(workspace.root / "flash-backups"),
                            dry_run=settings.dry_run)
        steps["flash"] = {"drive": drive, "changed": plan.changed, "dry_run": settings.dry_run,
                          "warnings": plan.warnings}
    return steps


def _write_record(run_dir, record, tflite_name):
    with open(os.path.join(run_dir, "loop.json"), "w") as f:
        json.dump(record, f, indent=2, default=lambda o: o.item() if isinstance(o, np.generic) else str(o))
    gate = record["gate"]
    labels = record["steps"].get("labels")
    lines = [
        f"# Loop {record['started']} — dataset `{record['dataset']}`",
        "",
        *([f"- Label Studio: project {labels['project']!r}, {labels['tasks_done']} tasks done, "
           f"{labels['annotations']} answers, {labels['samples_changed']} samples changed, "
           f"{labels['reviewed']} reviewed in all"] if labels else []),
        f"- export: `{record['steps']['export']['path']}` (content hash `{record['steps']['export']['content_hash'][:16]}`)",
        f"- model: `{tflite_name}`, {record['model']['size_bytes'] / 1024:.1f} KB, "
        f"int8 val accuracy {record['steps']['evaluate']['int8_val_accuracy']:.4f}",
        f"- gate: {'passed' if gate['passed'] else 'REFUSED: ' + '; '.join(gate['reasons'])}",
        f"- flashed: {record['steps'].get('flash', {}).get('changed', 'no')}",
        f"- wall time: {record['seconds']} s",
        "",
        "![confusion matrix](loop_confusion.png)",
    ]
    with open(os.path.join(run_dir, "loop.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
