"""``curate app``: the FiftyOne App on 127.0.0.1 with the dataset and its views."""

from curate.build import load_dataset
from curate.views import load_view

DEFAULT_PORT = 5151


def launch(name, *, view_name=None, port=DEFAULT_PORT):
    """Serve the App for dataset ``name`` (optionally a saved view); return (session, url).

    The server binds 127.0.0.1 only. The saved views appear in the App's
    view menu; ``view_name`` opens one of them directly.
    """
    import fiftyone as fo

    ds = load_dataset(name)
    target = load_view(name, view_name) if view_name else ds
    session = fo.launch_app(target, port=port, address="127.0.0.1", remote=True, auto=False)
    url = f"http://127.0.0.1:{port}/datasets/{ds.name}"
    if view_name:
        url += f"?view={view_name}"
    return session, url
