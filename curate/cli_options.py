"""Options and error handling shared by every ``curate`` command (see :mod:`curate.cli`)."""

import datetime
import errno
import functools
import os
import traceback

import click

from curate import workspace as ws
from labels.errors import UserError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
#: what a user can fix (see labels/errors.py); anything else is reported as a bug
USER_ERRORS = (ValueError, OSError, UserError)
CLICK_FLOW = (click.exceptions.ClickException, click.exceptions.Abort, click.exceptions.Exit)


def workspace_option(func):
    @click.option(
        "--workspace", type=click.Path(file_okay=False), envvar=ws.WORKSPACE_ENV, default=None,
        help=f"Workspace directory for the database, media and runs [default: {ws.DEFAULT_WORKSPACE}; env {ws.WORKSPACE_ENV}].",
    )
    @functools.wraps(func)
    def wrapper(*args, workspace, **kwargs):
        try:
            active = ws.activate(workspace)
        except USER_ERRORS as err:
            raise click.ClickException(str(err))
        return func(*args, workspace=active, **kwargs)

    return wrapper


def dataset_option(func):
    return click.option(
        "--dataset", "dataset_name", default=ws.DEFAULT_DATASET, show_default=True,
        envvar="CURATE_DATASET", help="FiftyOne dataset name.",
    )(func)


def quiet_option(func):
    return click.option("-q", "--quiet", is_flag=True, help="No progress bars or chatter.")(func)


def writes_dataset(command):
    """Hold the dataset's lock (see :mod:`curate.locks`) while the command runs; adds ``--wait``.

    Goes below :func:`user_errors` so a busy dataset is a one-line error.
    """

    def decorate(func):
        @click.option("--wait", "wait_for_lock", is_flag=True,
                      help="If another curate process is writing this dataset, wait for it instead of refusing.")
        @functools.wraps(func)
        def wrapper(*args, wait_for_lock, **kwargs):
            from curate.locks import dataset_lock

            with dataset_lock(kwargs["workspace"], kwargs["dataset_name"], command, wait=wait_for_lock,
                              echo=lambda line: click.echo(line, err=True)):
                return func(*args, **kwargs)

        return wrapper

    return decorate


def bug_log(err, workspace=None):
    """Write ``err``'s traceback to ``<workspace>/logs/`` (else ./.curate/logs/); return the file's path."""
    root = workspace.root if workspace is not None else os.environ.get(ws.WORKSPACE_ENV) or ws.DEFAULT_WORKSPACE
    folder = os.path.join(str(root), "logs")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"error-{datetime.datetime.now().strftime('%Y%m%d-%H%M%S-%f')}.log")
    with open(path, "w") as f:
        f.write("".join(traceback.format_exception(type(err), err, err.__traceback__)))
    return path


def user_message(err):
    """The one line a user sees for a library error."""
    if isinstance(err, OSError) and err.errno == errno.ENOSPC:
        where = f" writing {err.filename}" if err.filename else ""
        return f"no space left on device{where}; free some space and run the command again"
    return str(err)


def user_errors(func):
    """Turn library errors into one-line click errors; anything else is a bug: one line and a traceback log."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except CLICK_FLOW:
            raise
        except USER_ERRORS as err:
            raise click.ClickException(user_message(err)) from err
        except Exception as err:  # noqa: BLE001  (reported, never swallowed)
            try:
                where = f"traceback in {bug_log(err, kwargs.get('workspace'))}"
            except OSError:
                where = "the traceback could not be written"
            raise click.ClickException(
                f"internal error (a bug in curate, not in your input): {type(err).__name__}: "
                f"{' '.join(str(err).split())[:300]}; "
                f"{where} — please report it") from err

    return wrapper
