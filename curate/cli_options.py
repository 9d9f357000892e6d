"""Options and error handling shared by every ``curate`` command (see :mod:`curate.cli`)."""

import functools

import click

from curate import workspace as ws

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
USER_ERRORS = (ValueError, FileNotFoundError, RuntimeError)


def workspace_option(func):
    @click.option(
        "--workspace", type=click.Path(file_okay=False), envvar=ws.WORKSPACE_ENV, default=None,
        help=f"Workspace directory for the database, media and runs [default: {ws.DEFAULT_WORKSPACE}; env {ws.WORKSPACE_ENV}].",
    )
    @functools.wraps(func)
    def wrapper(*args, workspace, **kwargs):
        try:
            active = ws.activate(workspace)
        except RuntimeError as err:
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


def user_errors(func):
    """Turn library errors into one-line click errors."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except USER_ERRORS as err:
            raise click.ClickException(str(err)) from err

    return wrapper
