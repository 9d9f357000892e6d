"""``curate predict RUN``: a run's model on the dataset, as the App's evaluation panel shows it.

Writes on every sample of the view:

- ``prediction``: Classification (label, confidence, logits (K,)) from the
  run's float Keras model or its int8 ``trained.tflite`` (``kind``);
- ``embedding``: the float model's penultimate features (D,) (the int8
  file keeps no intermediate tensors), stored once for the map, the
  similarity index and the near-duplicate check (:mod:`curate.embeddings_pass`);
- ``prediction_mistakenness`` (FiftyOne Brain, from the logits) on samples
  with a ground truth under the run's scheme, and ``hardness`` on all.

Then ``evaluate_classifications`` against the ground truth under eval key
``eval`` (the per-sample ``eval`` field is True where the prediction is
right). Ground truth that the run's scheme merges is written as
``eval_truth``; for a scheme that only drops classes (``fer8``, ``fer7``)
``ground_truth`` itself is compared, on the samples whose class the scheme
keeps. A summary goes to ``dataset.info["predictions"]``.
"""

import logging
import os
import time

import numpy as np
from tqdm import tqdm

from curate.build import load_dataset
from curate.views import load_view
from datasets.fastdb import ID_CHUNK, write_classifications
from datasets.names import (
    EMBEDDING, EVAL_KEY, GROUND_TRUTH, GROUND_TRUTH_LABEL, HARDNESS, INFO_PREDICTIONS, PREDICTION,
    PREDICTION_MISTAKENNESS,
)
from labels.schemes import get_scheme

KINDS = ("float", "int8")
EVAL_TRUTH = "eval_truth"
BATCH = 1024


def load_faces(paths, size, *, clahe=0.0, quiet=False, desc="reading faces"):
    """uint8 faces (N, size, size) from image files, cropped and resized as the export does (then CLAHE if > 0)."""
    from curate.score_pass import load_gray
    from train.preprocess import clahe_faces, to_model_input

    out = np.empty((len(paths), size, size), dtype=np.uint8)
    for i, path in enumerate(tqdm(paths, desc=desc, unit=" img", disable=True if quiet else None, leave=False)):
        out[i] = to_model_input(load_gray(path), size)
    return clahe_faces(out, clahe)


def run_scheme(run_dir):
    """(metrics dict, Scheme) of a trained run; FileNotFoundError with a hint when it is not one."""
    from train.run_files import read_metrics

    metrics = read_metrics(run_dir)
    scheme = get_scheme(metrics["export"]["scheme"])
    if list(scheme.classes) != list(metrics["classes"]):
        raise ValueError(f"{run_dir}: its classes {metrics['classes']} are not scheme {scheme.name!r}'s")
    return metrics, scheme


def quiet_brain(quiet):
    """Context: FiftyOne Brain's INFO lines off when ``quiet``."""
    import contextlib

    @contextlib.contextmanager
    def muted():
        log = logging.getLogger("fiftyone.brain")
        level = log.level
        if quiet:
            log.setLevel(logging.WARNING)
        try:
            yield
        finally:
            log.setLevel(level)
    return muted()


def run_predict(name, run_dir, *, view_name=None, kind="float", quiet=False):
    """Predict, store embeddings, evaluate; return the summary dict written to ``info["predictions"]``."""
    from curate.brain_scores import write_hardness, write_mistakenness
    from train.embed import embed_faces
    from train.evaluate import predict_tflite
    from train.run_files import TFLITE_NAME, run_clahe
    from train.runs import load_run_model

    if kind not in KINDS:
        raise ValueError(f"unknown model kind {kind!r}; choose float or int8")
    metrics, scheme = run_scheme(run_dir)
    tflite_path = os.path.join(run_dir, TFLITE_NAME)
    if kind == "int8" and not os.path.isfile(tflite_path):
        raise FileNotFoundError(f"{run_dir}: no {TFLITE_NAME}; run `curate quantize {run_dir}` first")
    ds = load_dataset(name)
    view = load_view(name, view_name) if view_name else ds
    ids, paths, truth = view.values(["id", "filepath", GROUND_TRUTH_LABEL])
    if not ids:
        raise ValueError(f"view {view_name or name!r} has no samples to predict")
    model = load_run_model(run_dir)
    size = int(model.input_shape[1])
    seconds = {}
    start = time.perf_counter()
    probs, logits, embeddings = [], [], []
    tflite = open(tflite_path, "rb").read() if kind == "int8" else None
    clahe = run_clahe(metrics)
    for at in tqdm(range(0, len(ids), BATCH), desc=f"predicting ({kind})", unit=" batch",
                   disable=True if quiet else None, leave=False):
        faces = load_faces(paths[at:at + BATCH], size, clahe=clahe, quiet=True)
        p, z, e = embed_faces(model, faces)
        if kind == "int8":
            p = predict_tflite(tflite, faces).astype(np.float32)
            z = np.log(np.clip(p, 1e-6, 1.0))  # the int8 output is a softmax: log-probabilities as logits
        probs.append(p), logits.append(z), embeddings.append(e)
    probs, logits, embeddings = (np.concatenate(a) for a in (probs, logits, embeddings))
    seconds["predict"] = time.perf_counter() - start

    start = time.perf_counter()
    classes = list(scheme.classes)
    rows = [{"label": classes[int(k)], "confidence": float(c), "logits": z}
            for k, c, z in zip(probs.argmax(axis=1), probs.max(axis=1), logits)]
    for field in (PREDICTION, EMBEDDING):
        if ds.has_field(field):
            ds.clear_sample_field(field)
    write_classifications(ds, ids, PREDICTION, rows)
    for at in range(0, len(ids), ID_CHUNK):  # one select of a million ids is a command MongoDB refuses
        view.select(ids[at:at + ID_CHUNK], ordered=True).set_values(EMBEDDING, list(embeddings[at:at + ID_CHUNK]))
    seconds["write"] = time.perf_counter() - start

    start = time.perf_counter()
    evaluation = _evaluate(ds, ids, truth, scheme, quiet=quiet)
    with quiet_brain(quiet):
        for key in (HARDNESS, PREDICTION_MISTAKENNESS):
            if key in ds.list_brain_runs():
                ds.delete_brain_run(key)
        write_hardness(ds, ids, logits, label_field=PREDICTION, field=HARDNESS)
        if evaluation["evaluated"]:
            write_mistakenness(ds, evaluation.pop("ids"), logits[evaluation.pop("rows")], evaluation.pop("labels"),
                               pred_field=PREDICTION, label_field=evaluation["truth_field"],
                               field=PREDICTION_MISTAKENNESS, use_logits=True)
        else:
            evaluation.pop("ids"), evaluation.pop("rows"), evaluation.pop("labels")
    seconds["evaluate"] = time.perf_counter() - start

    summary = {"run": os.path.abspath(run_dir), "kind": kind, "model": metrics["model"], "scheme": scheme.name,
               "classes": classes, "view": view_name, "samples": len(ids), "embedding_dims": int(embeddings.shape[1]),
               **evaluation, "seconds": {k: round(v, 1) for k, v in seconds.items()}}
    ds.info[INFO_PREDICTIONS] = summary
    ds.save()
    return summary


def _evaluate(ds, ids, truth, scheme, *, quiet=False):
    """Run ``evaluate_classifications`` on the samples whose ground truth the scheme keeps.

    ``ids`` (N) are the predicted samples, ``truth`` (N) their ground-truth
    labels; ``PREDICTION`` must be set on exactly these samples (run_predict
    clears it first), which is how the evaluated view is found.
    """
    mapped = [scheme.remap_label(t) for t in truth]
    rows = [i for i, m in enumerate(mapped) if m is not None]
    identity = all(scheme.mapping.get(c) in (c, None) for c in scheme.mapping)
    truth_field = GROUND_TRUTH if identity else EVAL_TRUTH
    if EVAL_KEY in ds.list_evaluations():
        ds.delete_evaluation(EVAL_KEY)
    if not identity:
        if ds.has_field(EVAL_TRUTH):
            ds.clear_sample_field(EVAL_TRUTH)
        write_classifications(ds, [ids[i] for i in rows], EVAL_TRUTH, [{"label": mapped[i]} for i in rows])
    out = {"evaluated": len(rows), "truth_field": truth_field, "eval_key": EVAL_KEY, "ids": [ids[i] for i in rows],
           "rows": rows, "labels": np.array([scheme.classes.index(mapped[i]) for i in rows], dtype=np.int64)}
    if not rows:
        return out
    # The evaluated samples, found by their fields (PREDICTION was cleared and written on `ids` only)
    # rather than by a select of their ids, which MongoDB refuses past ~600k ids.
    from fiftyone import ViewField as F

    if identity:
        kept = [c for c, target in scheme.mapping.items() if target == c]
        target = ds.exists(PREDICTION).match(F(f"{GROUND_TRUTH}.label").is_in(kept))
    else:
        target = ds.exists(PREDICTION).exists(EVAL_TRUTH)
    results = target.evaluate_classifications(PREDICTION, gt_field=truth_field, eval_key=EVAL_KEY,
                                              classes=list(scheme.classes), progress=False)
    out["accuracy"] = round(float(results.metrics()["accuracy"]), 4)
    out["macro_f1"] = round(float(results.metrics(average="macro")["fscore"]), 4)
    out["not_evaluated"] = len(ids) - len(rows)  # no ground truth, or a class the scheme drops
    return out
