"""``curate labels …``: the Label Studio loop (serve, push, pull, status).

Parsing and reporting only; the work is in :mod:`curate.studio_sync`,
:mod:`labels.studio_client` and :mod:`labels.studio_server`.
"""

import json
import os
import secrets
import signal

import click

from curate.cli_options import CONTEXT, dataset_option, quiet_option, user_errors, workspace_option, writes_dataset
from datasets.names import INFO_STUDIO, VIEW_DISPUTED

DEFAULT_USERNAME = "admin@curate.local"


def url_option(func):
    return click.option("--url", default=None,
                        help="Label Studio URL [env LABEL_STUDIO_URL; default: the workspace's `curate labels serve`]. "
                             "The API key comes from LABEL_STUDIO_API_KEY or the workspace config file.")(func)


@click.group("labels", context_settings=CONTEXT)
def labels_group():
    """Annotators fix disputed samples in Label Studio; their answers come back as votes.

    \b
    Example:
      curate labels serve --detach && curate labels push --limit 200
    """


@labels_group.command(context_settings=CONTEXT)
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="Port on 127.0.0.1.")
@click.option("--detach", is_flag=True, help="Leave the server running in the background and return.")
@click.option("--stop", is_flag=True, help="Stop a server started with --detach.")
@click.option("--timeout", type=click.IntRange(10, 900), default=180, show_default=True,
              help="Seconds to wait for the server to answer /health.")
@workspace_option
@user_errors
def serve(port, detach, stop, timeout, workspace):
    """Start a local Label Studio server (SQLite, 127.0.0.1) serving the workspace's images.

    The first user and its API token come from LABEL_STUDIO_USERNAME,
    LABEL_STUDIO_PASSWORD and LABEL_STUDIO_USER_TOKEN, else are generated
    once and kept in <workspace>/label-studio/credentials.json (mode 0600),
    where `curate labels push/pull` find them.

    \b
    Example:
      curate labels serve --port 8080
    """
    from curate.studio_sync import config_path, read_server_config, write_server_config
    from labels.studio_server import is_healthy, start_server

    data_dir = workspace.root / "label-studio"
    pid_file = data_dir / "server.pid"
    if stop:
        return _stop_detached(pid_file)
    saved = read_server_config(workspace)
    if saved.get("url") and is_healthy(saved["url"]):
        click.echo(f"Label Studio already answers at {saved['url']} (this workspace's server); "
                   f"log in as {saved.get('username')}, password in {config_path(workspace)}")
        return
    username = os.environ.get("LABEL_STUDIO_USERNAME") or saved.get("username") or DEFAULT_USERNAME
    password = os.environ.get("LABEL_STUDIO_PASSWORD") or saved.get("password") or secrets.token_urlsafe(12)
    token = os.environ.get("LABEL_STUDIO_USER_TOKEN") or saved.get("api_key") or secrets.token_hex(20)
    document_root = workspace.root / "media"
    document_root.mkdir(parents=True, exist_ok=True)
    server = start_server(data_dir=data_dir / "data", document_root=document_root, port=port,
                          username=username, password=password, token=token)
    click.echo(f"starting Label Studio on {server.url} (log {server.log_path}) …")
    try:
        server.wait_ready(timeout)
    except BaseException:
        server.stop()
        raise
    path = write_server_config(workspace, server.url, token, document_root, username, password)
    click.echo(f"Label Studio is up at {server.url}\n"
               f"  log in as {username}; the password and API key are in {path} (mode 0600)\n"
               f"  images are served from {document_root}\n"
               f"  next: curate labels push --dataset <name> --limit 200")
    if detach:
        pid_file.write_text(str(server.process.pid))
        click.echo(f"running in the background (pid {server.process.pid}); stop it with `curate labels serve --stop`")
        return
    click.echo("Ctrl-C stops it.")
    try:
        server.process.wait()
    except KeyboardInterrupt:
        click.echo("stopping Label Studio …")
    finally:
        server.stop()


def _stop_detached(pid_file):
    if not pid_file.exists():
        raise click.ClickException(f"no detached server recorded ({pid_file} missing)")
    pid = int(pid_file.read_text())
    try:
        os.killpg(pid, signal.SIGTERM)
        click.echo(f"stopped Label Studio (pid {pid})")
    except ProcessLookupError:
        click.echo(f"Label Studio (pid {pid}) was not running")
    pid_file.unlink()


@labels_group.command(context_settings=CONTEXT)
@click.option("--view", "view_name", default=VIEW_DISPUTED, show_default=True,
              help="Saved view to push (see `curate views`), or 'all'.")
@click.option("--limit", type=click.IntRange(1), default=None, help="Push at most N samples (highest dispute_score first).")
@click.option("--project", "title", default=None, help="Project title [default: 'curate <dataset> (<scheme>)'].")
@click.option("--scheme", default="fer8", show_default=True, help="Class scheme to ask (fer8, fer7, five, four).")
@click.option("--predictions", is_flag=True,
              help="Pre-annotate with the current soft label's top class (off: it primes annotators).")
@click.option("--media", type=click.Choice(["auto", "local", "upload"]), default="auto", show_default=True,
              help="Images as local files served by a server on this machine, or embedded in the tasks.")
@click.option("--overlap", type=click.IntRange(1, 20), default=1, show_default=True,
              help="Annotators per task (for a new project).")
@url_option
@dataset_option
@workspace_option
@quiet_option
@user_errors
@writes_dataset("labels push")
def push(view_name, limit, title, scheme, predictions, media, overlap, url, dataset_name, workspace, quiet):
    """Push a view's samples to Label Studio as tasks (never twice).

    \b
    Example:
      curate labels push --view disputed --limit 500 --scheme fer8
    """
    from curate.studio_sync import connect, push as push_tasks

    client = connect(workspace, url)
    summary = push_tasks(client, dataset_name, view_name=view_name, limit=limit, title=title,
                         scheme_name=scheme, predictions=predictions, media=media, overlap=overlap, quiet=quiet)
    images = summary["images"]
    click.echo(f"{summary['project']!r} ({'new' if summary['created'] else 'existing'} project): "
               f"{summary['imported']} tasks imported, {summary['already_pushed']} already there "
               f"(view {summary['view']}, {summary['selected']} samples; {images['local files']} local-file "
               f"images, {images['embedded']} embedded) in {summary['seconds']:.1f} s\n  {summary['url']}")


@labels_group.command(context_settings=CONTEXT)
@click.option("--project", "title", default=None, help="Project title [default: the one this dataset pushed to].")
@click.option("--weight", type=click.IntRange(1, 100), default=None,
              help="Votes per annotator answer, added to the crowd's [default: last used, else 3].")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@url_option
@dataset_option
@workspace_option
@quiet_option
@user_errors
@writes_dataset("labels pull")
def pull(title, weight, as_json, url, dataset_name, workspace, quiet):
    """Pull annotations back as votes: new soft labels, scores and disputes.

    \b
    Example:
      curate labels pull --weight 3
    """
    from curate.studio_sync import connect, pull as pull_labels

    client = connect(workspace, url)
    summary = pull_labels(client, dataset_name, title=title, weight=weight, quiet=quiet)
    if as_json:
        click.echo(json.dumps(summary, indent=1))
        return
    click.echo(f"{summary['project']!r}: {summary['tasks_done']}/{summary['tasks']} tasks done, "
               f"{summary['annotations']} answers, {summary['skipped']} skipped; weight {summary['weight']}\n"
               f"  samples changed {summary['samples_changed']}, reviewed {summary['reviewed']}, "
               f"disputed {summary['disputed_before']} → {summary['disputed_after']}")
    for pair, n in list(summary["label_changes"].items())[:10]:
        click.echo(f"  label {pair}: {n}")
    for name, stats in summary["annotators"].items():
        agree = "n/a" if stats["agreement"] is None else f"{stats['agreement']:.0%}"
        quality = "" if stats["quality"] is None else f", CROWDLAB quality {stats['quality']:.2f}"
        click.echo(f"  {name}: {stats['answers']} answers, agrees with the others {agree}{quality}")
    if not quiet:
        click.echo(f"  multi-annotator: {summary['multiannotator']} ({summary['seconds']:.1f} s)")


@labels_group.command(context_settings=CONTEXT)
@click.option("--all", "show_all", is_flag=True, help="Every project on the server, not only this dataset's.")
@url_option
@dataset_option
@workspace_option
@user_errors
def status(show_all, url, dataset_name, workspace):
    """Progress per Label Studio project.

    \b
    Example:
      curate labels status --all
    """
    from curate.build import dataset_exists, load_dataset
    from curate.studio_sync import connect, project_status

    client = connect(workspace, url)
    titles = None
    if not show_all and dataset_exists(dataset_name):
        titles = set(load_dataset(dataset_name).info.get(INFO_STUDIO, {}).get("projects", {}))
    rows = project_status(client, titles)
    if not rows:
        click.echo("no projects" + ("" if show_all else f" from dataset {dataset_name!r} (try --all)"))
    for row in rows:
        click.echo(f"{row['title']!r} (#{row['id']}): {row['done']}/{row['tasks']} tasks done ({row['percent']:.0f} %), "
                   f"{row['annotations']} annotations, {row['skipped']} skipped")
