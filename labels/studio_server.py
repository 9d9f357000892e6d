"""A local Label Studio server for users who have none (``curate labels serve``).

Label Studio (``label-studio==1.23.2``) lives in its own virtual environment
(``make studio`` → ``.venv-studio``): its Django stack pins versions that
clash with FiftyOne's. We only start its executable:

- SQLite and uploads under ``data_dir`` (nothing in the home directory);
- bound to 127.0.0.1 (``--internal-host``), no browser, no version check,
  no analytics or error reporting to outside servers;
- the first user and its legacy API token from our arguments (Label Studio
  reads ``LABEL_STUDIO_USERNAME/PASSWORD/USER_TOKEN`` on first start);
- local-files serving rooted at ``document_root`` (the workspace's media
  dir), so pushed tasks show our PNGs without copying them.
"""

import dataclasses
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

from labels.errors import ServiceError

EXECUTABLE_ENV = "CURATE_LABEL_STUDIO"
REPO_ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 180


def find_executable():
    """Path of the ``label-studio`` executable, or FileNotFoundError with a hint.

    Looks at ``$CURATE_LABEL_STUDIO``, then ``.venv-studio/bin`` beside this
    repository, then ``PATH``.
    """
    candidates = [os.environ.get(EXECUTABLE_ENV), REPO_ROOT / ".venv-studio" / "bin" / "label-studio",
                  shutil.which("label-studio")]
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return str(path)
    raise FileNotFoundError(
        "label-studio is not installed: run `make studio` (its own venv, .venv-studio) "
        f"or set {EXECUTABLE_ENV} to a label-studio executable"
    )


def port_in_use(port, host="127.0.0.1"):
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def is_healthy(url, timeout=3):
    """True when a Label Studio server answers ``<url>/health`` with 200 (the one health probe we use)."""
    try:
        return httpx.get(f"{url}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(*, data_dir, document_root, username, password, token):
    """Environment variables for a Label Studio child process (dict)."""
    env = dict(os.environ)
    env.update({
        "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir),
        "LABEL_STUDIO_USERNAME": username,
        "LABEL_STUDIO_PASSWORD": password,
        "LABEL_STUDIO_USER_TOKEN": token,
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED": "true",
        "LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT": str(document_root),
        "LATEST_VERSION_CHECK": "false",
        "COLLECT_ANALYTICS": "false",
        "SENTRY_DSN": "",
        "FRONTEND_SENTRY_DSN": "",
    })
    return env


@dataclasses.dataclass
class StudioServer:
    """A running Label Studio child process."""

    process: subprocess.Popen
    url: str
    log_path: Path

    def wait_ready(self, timeout=READY_TIMEOUT_S):
        """Poll ``/health`` until it answers 200; RuntimeError (with the log's tail) otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServiceError(f"Label Studio exited with code {self.process.returncode}:\n{self.log_tail()}")
            if is_healthy(self.url, timeout=2):
                return self
            time.sleep(1)
        self.stop()
        raise ServiceError(f"Label Studio did not answer {self.url}/health within {timeout} s:\n{self.log_tail()}")

    def stop(self, timeout=20):
        """Stop the server (SIGTERM to its process group, then SIGKILL)."""
        if self.process.poll() is not None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=timeout)
                return
            except subprocess.TimeoutExpired:
                continue

    def log_tail(self, lines=15):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def start_server(*, data_dir, document_root, port, username, password, token, executable=None):
    """Start Label Studio on 127.0.0.1:``port``; return a StudioServer (not yet ready).

    Raises ValueError when the port is taken, FileNotFoundError when
    label-studio is not installed or ``document_root`` does not exist.
    """
    if port_in_use(port):
        raise ValueError(f"port {port} on 127.0.0.1 is already in use: pass another --port")
    if not os.path.isdir(document_root):
        raise FileNotFoundError(f"{document_root}: media folder not found (build a dataset first)")
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "server.log"
    command = [executable or find_executable(), "start", "--no-browser", "--internal-host", "127.0.0.1",
               "--port", str(port), "--data-dir", str(data_dir)]
    env = server_environment(data_dir=data_dir, document_root=document_root,
                             username=username, password=password, token=token)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, cwd=data_dir, start_new_session=True)
    return StudioServer(process, f"http://127.0.0.1:{port}", log_path)
