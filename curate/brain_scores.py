"""FiftyOne Brain's hardness and mistakenness fields, computed in numpy and written in one bulk update.

``fob.compute_hardness`` and ``fob.compute_mistakenness`` load and save one
sample at a time: 66 of `curate label-quality`'s 87 seconds on 28k faces,
growing with N. These write the same fields from the logits the caller
already holds (formulas in :mod:`labels.model_scores`) with
:func:`datasets.fastdb.write_fields`, and register the run under the same
brain key with Brain's own config classes, so ``list_brain_runs()`` and the
App see what ``fob.compute_*`` would leave. Where those classes are missing
(another fiftyone-brain than the pinned 0.25.0), the ``fob`` call runs
instead: slower, same values.
"""

from datasets.fastdb import write_fields
from labels.model_scores import hardness, mistakenness


def write_hardness(ds, ids, logits, *, label_field, field):
    """Hardness of ``logits`` (N, C) on samples ``ids`` (N), as ``field``; brain key ``field``."""
    try:
        from fiftyone.brain.internal.core.hardness import HardnessConfig
    except ImportError:
        import fiftyone.brain as fob

        return fob.compute_hardness(ds.select(ids), label_field, hardness_field=field, progress=False)
    _write_run(ds, ids, field, hardness(logits), HardnessConfig(label_field, field))


def write_mistakenness(ds, ids, logits, labels, *, pred_field, label_field, field, use_logits=True):
    """Mistakenness of predictions ``logits`` (N, C) against class indices ``labels`` (N) as ``field``."""
    try:
        from fiftyone.brain.internal.core.mistakenness import ClassificationMistakennessConfig
    except ImportError:
        import fiftyone.brain as fob

        return fob.compute_mistakenness(ds.select(ids), pred_field, label_field=label_field,
                                        mistakenness_field=field, use_logits=use_logits, progress=False)
    _write_run(ds, ids, field, mistakenness(logits, labels, use_logits=use_logits),
               ClassificationMistakennessConfig(pred_field, label_field, field, use_logits))


def _write_run(ds, ids, field, values, config):
    if field in ds.list_brain_runs():
        ds.delete_brain_run(field)  # also deletes the field; it is written again below
    if ds.has_field(field):
        ds.clear_sample_field(field)  # samples not in ``ids`` hold no stale value
    method = config.build()
    method.register_run(ds, field, cleanup=False)
    write_fields(ds, list(ids), {field: [float(v) for v in values]}, {field: float})
    method.save_run_results(ds, field, None)
