"""Talking to a Label Studio server: settings, projects, tasks, annotations.

This module knows Label Studio's API (through ``label-studio-sdk``) and
nothing about FiftyOne; :mod:`curate.studio_sync` joins the two.

Settings come from, in order: ``--url`` / ``$LABEL_STUDIO_URL``,
``$LABEL_STUDIO_API_KEY``, then a JSON config file (``url``, ``api_key``,
optional ``document_root``) that must not be readable by others (mode
0600) — ``curate labels serve`` writes one into the workspace. The API key
is never printed, logged or put into an error message.

Every server error becomes a :class:`StudioError` (a RuntimeError) with one
line that says what to do: server down, wrong URL, wrong key.
"""

import contextlib
import dataclasses
import json
import os
import stat

import httpx

URL_ENV = "LABEL_STUDIO_URL"
KEY_ENV = "LABEL_STUDIO_API_KEY"
ROOT_ENV = "LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT"
IMPORT_BATCH = 500
TIMEOUT_S = 120


class StudioError(RuntimeError):
    """Label Studio could not do what we asked; the message says why and what to do."""


@dataclasses.dataclass(frozen=True)
class StudioSettings:
    """Where the server is and how to log in; ``repr`` hides the key."""

    url: str
    api_key: str = dataclasses.field(repr=False)
    document_root: str = None  # the server's local-files root, when known

    @property
    def is_local(self):
        host = httpx.URL(self.url).host
        return host in ("127.0.0.1", "localhost", "::1")


def read_config_file(path):
    """The settings dict in a 0600 JSON config file; ValueError when unsafe or broken."""
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        raise ValueError(f"{path}: holds an API key but is readable by others (mode {mode:04o}); run chmod 600 {path}")
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f"{path}: not a valid Label Studio config file ({err.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object with url and api_key")
    return data


def write_config_file(path, data):
    """Write ``data`` as JSON to ``path`` with mode 0600 (atomically)."""
    tmp = f"{path}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def resolve_settings(url=None, config_path=None):
    """StudioSettings from the argument, the environment and ``config_path``.

    Raises ValueError naming what is missing.
    """
    config = read_config_file(config_path) if config_path and os.path.exists(config_path) else {}
    url = url or os.environ.get(URL_ENV) or config.get("url")
    if not url:
        raise ValueError(f"no Label Studio URL: pass --url, set {URL_ENV} or start one with `curate labels serve`")
    key = os.environ.get(KEY_ENV)
    if not key and config.get("url", "").rstrip("/") == url.rstrip("/"):
        key = config.get("api_key")
    if not key:
        raise ValueError(f"no API key for {url}: set {KEY_ENV} (Label Studio → Account & Settings → Access Token)")
    root = os.environ.get(ROOT_ENV) or (config.get("document_root") if config.get("url") == url else None)
    return StudioSettings(url.rstrip("/"), key, root)


class StudioClient:
    """A checked connection to one Label Studio server."""

    def __init__(self, settings):
        from label_studio_sdk import LabelStudio

        self.settings = settings
        self.sdk = LabelStudio(base_url=settings.url, api_key=settings.api_key, timeout=TIMEOUT_S)
        self._users = None

    @contextlib.contextmanager
    def errors(self, doing):
        """Turn connection and API errors inside the block into one-line StudioErrors."""
        from label_studio_sdk.core.api_error import ApiError

        url = self.settings.url
        try:
            yield
        except httpx.ConnectError:
            raise StudioError(
                f"cannot reach Label Studio at {url} while {doing} (connection refused): "
                "is the server running? Start one with `curate labels serve` or fix --url"
            ) from None
        except httpx.TimeoutException:
            raise StudioError(f"Label Studio at {url} did not answer in time while {doing}") from None
        except httpx.HTTPError as err:
            raise StudioError(f"Label Studio at {url}: {err.__class__.__name__} while {doing}") from None
        except ApiError as err:
            code = err.status_code
            if code in (401, 403):
                raise StudioError(
                    f"Label Studio at {url} rejected the API key ({code}) while {doing}: "
                    f"check {KEY_ENV} (Account & Settings → Access Token)"
                ) from None
            if code == 404:
                raise StudioError(f"Label Studio at {url}: not found (404) while {doing}; is that a Label Studio URL?") from None
            raise StudioError(f"Label Studio at {url} answered {code} while {doing}: {_short(err.body)}") from None
        except ValueError as err:  # the SDK's JSON decoding of a non-API answer
            raise StudioError(f"{url} does not look like a Label Studio server ({doing}: {_short(err)})") from None

    def check(self):
        """Raise StudioError unless the server answers as Label Studio and accepts the key."""
        try:
            answer = httpx.get(f"{self.settings.url}/api/version", timeout=10)
        except httpx.ConnectError:
            raise StudioError(
                f"cannot reach Label Studio at {self.settings.url} (connection refused): "
                "is the server running? Start one with `curate labels serve` or fix --url"
            ) from None
        except httpx.HTTPError as err:
            raise StudioError(f"cannot reach Label Studio at {self.settings.url} ({err.__class__.__name__})") from None
        if answer.status_code != 200 or "application/json" not in answer.headers.get("content-type", ""):
            raise StudioError(
                f"{self.settings.url} does not look like a Label Studio server (GET /api/version → {answer.status_code})"
            )
        with self.errors("checking the API key"):
            self.sdk.users.whoami()
        return answer.json().get("release") or answer.json().get("label-studio-os-package", {}).get("version")

    # --- projects -------------------------------------------------------
    def find_project(self, title):
        """The project titled ``title`` (the oldest if several), or None."""
        with self.errors(f"looking up project {title!r}"):
            found = [p for p in self.sdk.projects.list(title=title) if p.title == title]
        return min(found, key=lambda p: p.id) if found else None

    def list_projects(self):
        """Every project on the server (SDK objects, with their task and annotation counts)."""
        with self.errors("listing projects"):
            return list(self.sdk.projects.list())

    def project_titles(self):
        return [p.title for p in self.list_projects()]

    def get_project(self, project_id):
        with self.errors(f"reading project {project_id}"):
            return self.sdk.projects.get(project_id)

    def create_project(self, title, label_config, description="", overlap=1):
        """A new project; ``overlap`` = annotators per task before it counts as done."""
        with self.errors(f"creating project {title!r}"):
            return self.sdk.projects.create(
                title=title, label_config=label_config, description=description,
                show_skip_button=True, maximum_annotations=overlap,
            )

    def ensure_local_storage(self, project_id, path):
        """A local-files source storage over ``path`` for the project (never synced).

        Label Studio serves ``/data/local-files/?d=...`` only under a storage's
        path. Returns None when the server refuses (local files not enabled
        or ``path`` outside its document root) so the caller can upload.
        """
        from label_studio_sdk.core.api_error import ApiError

        with self.errors("setting up local-files storage"):
            for storage in self.sdk.import_storage.local.list(project=project_id):
                if storage.path == str(path):
                    return storage
            try:
                return self.sdk.import_storage.local.create(
                    project=project_id, path=str(path), use_blob_urls=True,
                    title="curate media", description="images served from the curate workspace",
                )
            except ApiError as err:
                if err.status_code == 400:
                    return None
                raise

    # --- tasks and annotations -----------------------------------------
    def export_tasks(self, project_id):
        """Every task of a project with its annotations (list of dicts, Label Studio JSON)."""
        with self.errors(f"exporting project {project_id}"):
            chunks = self.sdk.projects.exports.download_sync(
                project_id, export_type="JSON", download_all_tasks=True, download_resources=False,
            )
            return json.loads(b"".join(chunks))

    def import_tasks(self, project_id, tasks, progress=None):
        """Import task dicts in batches; return the number imported."""
        done = 0
        for start in range(0, len(tasks), IMPORT_BATCH):
            batch = tasks[start:start + IMPORT_BATCH]
            with self.errors(f"importing tasks into project {project_id}"):
                self.sdk.projects.import_tasks(id=project_id, request=batch, commit_to_project=True)
            done += len(batch)
            if progress:
                progress(len(batch))
        return done

    def user_emails(self):
        """Label Studio user id → e-mail (or username) for naming annotators."""
        if self._users is None:
            with self.errors("listing users"):
                self._users = {u.id: (u.email or u.username or f"user-{u.id}") for u in self.sdk.users.list()}
        return self._users

    def annotator_name(self, completed_by):
        """Name for an annotation's ``completed_by`` (an id, or a dict in some exports)."""
        if isinstance(completed_by, dict):
            return completed_by.get("email") or f"user-{completed_by.get('id')}"
        return self.user_emails().get(completed_by, f"user-{completed_by}")


def _short(value, limit=200):
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[:limit] + "…"

