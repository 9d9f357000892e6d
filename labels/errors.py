"""Errors a user can fix, as opposed to bugs.

The command line prints a user error as one line (its message says what is
wrong and how to fix it) and anything else as one line saying it is a bug,
with the traceback written to a log file (see :mod:`curate.cli_options`).
User errors are ``ValueError`` (bad input, e.g. :class:`datasets.records.SourceError`),
``OSError`` (missing files, full disks, permissions) and :class:`UserError`.
"""

import contextlib


class UserError(Exception):
    """A failure the user can fix that is neither bad input nor a file problem."""


class ServiceError(UserError, RuntimeError):
    """A service we depend on is not there or not ready: a Label Studio server, the workspace database."""


@contextlib.contextmanager
def naming_file(path):
    """Re-raise an OSError that names no file (a failed ``write`` on a full disk) with ``path`` as its file."""
    try:
        yield
    except OSError as err:
        if err.filename:
            raise
        raise OSError(err.errno, err.strerror, str(path)) from err
