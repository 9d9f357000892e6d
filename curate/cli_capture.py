"""``curate capture``: face crops from a webcam or a video, in the layout ``curate build --captures`` reads.

Parsing and reporting only; the work is in :mod:`openmv.webcam`.
"""

import click

from curate.cli_options import CONTEXT, quiet_option, user_errors, workspace_option


@click.command(context_settings=CONTEXT)
@click.option("--webcam", type=click.IntRange(0, 63), default=None, help="Webcam index (0 = the first camera).")
@click.option("--video", type=click.Path(dir_okay=False), default=None, help="A video file instead of a webcam.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Captures folder (<session>/<label>/<n>.png) [default: <workspace>/captures].")
@click.option("--label", default="unlabeled", show_default=True, help="Class of every face saved (or unlabeled).")
@click.option("--session", default=None, help="Session folder [default: the next free session<NNN>].")
@click.option("--every-ms", type=click.IntRange(0, None), default=500, show_default=True,
              help="At most one face per this many milliseconds (video time for a file).")
@click.option("--limit", type=click.IntRange(1, None), default=None, help="Stop after this many faces.")
@click.option("--size", type=click.IntRange(16, 256), default=48, show_default=True, help="Crop side in pixels.")
@click.option("--preview/--no-preview", default=None,
              help="Show the frames with the face box [default: when a display and a GUI OpenCV exist].")
@workspace_option
@quiet_option
@user_errors
def capture(webcam, video, out, label, session, every_ms, limit, size, preview, workspace, quiet):
    """Save the largest face of each frame (Haar, the camera's crop box) as a labelled capture.

    Ctrl-C (or q in the preview) stops a webcam capture.

    \b
    Example:
      curate capture --webcam 0 --label happiness --limit 200
      curate capture --video me.mp4 --label surprise --session desk
      curate build --captures captures
    """
    from openmv.webcam import capture_faces

    if (webcam is None) == (video is None):
        raise click.UsageError("give one source: --webcam N or --video FILE")
    out = out or str(workspace.root / "captures")
    summary = capture_faces(out, webcam=webcam, video=video, label=label, session=session, every_ms=every_ms,
                            limit=limit, size=size, preview=preview, quiet=quiet)
    files = f" ({summary['files'][0]} … {summary['files'][1]})" if summary["files"] else ""
    click.echo(f"saved {summary['saved']} faces to {summary['folder']}{files}: "
               f"{summary['frames_with_face']} of {summary['frames']} frames had a face, "
               f"{summary['seconds']} s{'; stopped' if summary['stopped'] else ''}")
    if summary["saved"]:
        click.echo(f"next: curate build --captures {out}")
