"""``curate app``: the FiftyOne App on 127.0.0.1 with the dataset, its views and the model's panels."""

from curate.build import load_dataset
from curate.views import load_view
from datasets.names import BRAIN_MAP, EVAL_KEY, GROUND_TRUTH_LABEL

DEFAULT_PORT = 5151
# App panel types (FiftyOne 1.22): the built-in Embeddings panel and the Model Evaluation panel plugin
EVALUATION_PANEL = "model_evaluation_panel_builtin"
EMBEDDINGS_PANEL = "Embeddings"
PANELS = ("evaluation", "embeddings")


def panel_space(ds, panel):
    """An ``fo.Space``: the sample grid beside ``panel`` (one of :data:`PANELS`), for ``session.spaces``.

    ``evaluation`` opens the Model Evaluation panel on the ``curate predict``
    evaluation; ``embeddings`` opens the Embeddings panel on the map, points
    coloured by ground-truth label. Raises ValueError with the command to
    run when the dataset has neither.
    """
    import fiftyone as fo

    if panel not in PANELS:
        raise ValueError(f"unknown panel {panel!r}; choose one of {', '.join(PANELS)}")
    if panel == "evaluation":
        if EVAL_KEY not in ds.list_evaluations():
            raise ValueError(f"dataset {ds.name!r} has no evaluation; run `curate predict RUN` first")
        side = fo.Panel(type=EVALUATION_PANEL, state={})
    else:
        if BRAIN_MAP not in ds.list_brain_runs():
            raise ValueError(f"dataset {ds.name!r} has no embeddings map; run `curate predict RUN` first")
        side = fo.Panel(type=EMBEDDINGS_PANEL, state={"brainResult": BRAIN_MAP, "colorByField": GROUND_TRUTH_LABEL})
    grid = fo.Panel(type="Samples", pinned=True)
    return fo.Space(children=[fo.Space(children=[grid], active_child=grid.component_id),
                              fo.Space(children=[side], active_child=side.component_id)],
                    orientation="horizontal")


def launch(name, *, view_name=None, port=DEFAULT_PORT, panel=None):
    """Serve the App for dataset ``name`` (optionally a saved view and a side panel); return (session, url).

    The server binds 127.0.0.1 only. The saved views appear in the App's
    view menu; ``view_name`` opens one of them directly; ``panel`` opens
    the grid beside the evaluation or embeddings panel (:func:`panel_space`).
    """
    import fiftyone as fo

    ds = load_dataset(name)
    target = load_view(name, view_name) if view_name else ds
    spaces = panel_space(ds, panel) if panel else None
    session = fo.launch_app(target, port=port, address="127.0.0.1", remote=True, auto=False, spaces=spaces)
    url = f"http://127.0.0.1:{port}/datasets/{ds.name}"
    if view_name:
        url += f"?view={view_name}"
    return session, url
