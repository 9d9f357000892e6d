"""``curate labels push / pull / status``: a dataset view ↔ a Label Studio project.

Push: one task per sample of a view (highest ``dispute_score`` first), into
a project created from the class scheme (or reused when its config asks
the same question). Task data: ``image`` (a local-files URL when the server
can serve the workspace's media, else the image embedded as a PNG data
URL), ``sample_id``, ``sample_key``, ``dataset``, ``split`` and
``dispute_score``. A sample already in the project (same id, or same
``sample_key`` after a rebuild) is never pushed again.

Pull: every task with its annotations (several annotators, updated and
deleted annotations, skipped tasks) → per-annotator votes on the samples
(:mod:`curate.annotations`) → new ``votes`` / ``soft_label`` /
``ground_truth`` → label-derived scores and disputes recomputed. The whole
merge is computed before anything is written, and each write is a pure
function of the server's state, so a pull that dies half way is finished
by running it again, and a second pull changes nothing.
"""

import base64
import collections
import io
import json
import os
import time
from pathlib import Path
from urllib.parse import quote

import numpy as np
from tqdm import tqdm

from curate.annotations import REVIEWED_TAG, SOURCE_FIELDS, declare_fields, dataset_weight, merged_fields
from curate.build import load_dataset
from datasets.crowd_field import refresh_crowd
from datasets.names import (
    ANNOTATOR_VOTES, DISPUTE_SCORE, GROUND_TRUTH_LABEL, INFO_STUDIO, SOFT_LABEL, TAG_DISPUTED, VIEW_DISPUTED,
    VOTES,
)
from labels import annotator_votes as votes_lib
from labels import kill_points
from labels.schemes import get_scheme
from labels.studio_client import StudioClient, resolve_settings
from labels.studio_config import (
    EXTRA_COLUMNS, check_config_matches, check_labelable, choice_columns, choice_result, config_choices,
    label_config, result_choice,
)
from labels.taxonomy import CLASS_INDEX

MEDIA_MODES = ("auto", "local", "upload")
INLINE_MAX_SIDE = 512
MODEL_VERSION = "curate-soft-label"


def config_path(workspace):
    """The workspace's Label Studio config file (written by ``curate labels serve``)."""
    return Path(workspace.root) / "label-studio" / "credentials.json"


def connect(workspace, url=None):
    """A checked StudioClient from ``--url``, the environment and the workspace config."""
    client = StudioClient(resolve_settings(url, config_path(workspace)))
    client.check()
    return client


def default_title(dataset_name, scheme_name):
    return f"curate {dataset_name} ({scheme_name})"


# --- push ----------------------------------------------------------------
def push(client, dataset_name, *, view_name=VIEW_DISPUTED, limit=None, title=None, scheme_name="fer8",
         predictions=False, media="auto", overlap=1, quiet=False):
    """Push a view's samples as tasks; return a summary dict."""
    from curate.views import load_view

    start = time.perf_counter()
    if media not in MEDIA_MODES:
        raise ValueError(f"unknown media mode {media!r}; choose one of {', '.join(MEDIA_MODES)}")
    scheme = get_scheme(scheme_name)
    check_labelable(scheme)
    ds = load_dataset(dataset_name)
    view = ds if view_name == "all" else load_view(dataset_name, view_name)
    if view.has_field(DISPUTE_SCORE) and view_name != VIEW_DISPUTED:
        view = view.sort_by("dispute_score", reverse=True)
    if limit is not None:
        view = view.limit(limit)
    title = title or default_title(dataset_name, scheme.name)

    project = client.find_project(title)
    if project is None:
        description = json.dumps({"curate": {"dataset": dataset_name, "scheme": scheme.name}})
        project = client.create_project(title, label_config(scheme), description, overlap=overlap)
        created = True
    else:
        check_config_matches(project.label_config, scheme, title)
        created = False

    ids, keys, paths, splits, soft = view.values(["id", "sample_key", "filepath", "split", "soft_label"])
    disputes = view.values("dispute_score") if view.has_field("dispute_score") else [None] * len(ids)
    existing = [t["data"] for t in client.export_tasks(project.id)]
    pushed = {str(d.get("sample_id")) for d in existing} | {str(d.get("sample_key")) for d in existing}
    todo = [i for i, (sample_id, key) in enumerate(zip(ids, keys)) if sample_id not in pushed and key not in pushed]

    local = _local_media(client, project.id, media)
    tasks = []
    for i in tqdm(todo, desc="preparing tasks", unit=" task", disable=True if quiet else None, leave=False):
        task = {"data": {
            "image": _image_url(paths[i], local), "sample_id": ids[i], "sample_key": keys[i],
            "dataset": dataset_name, "split": splits[i],
            "dispute_score": None if disputes[i] is None else round(float(disputes[i]), 4),
        }}
        if predictions and soft[i] is not None:
            task["predictions"] = [_prediction(scheme, soft[i])]
        tasks.append(task)
    with tqdm(total=len(tasks), desc="importing tasks", unit=" task", disable=True if quiet else None,
              leave=False) as bar:
        client.import_tasks(project.id, tasks, progress=bar.update)

    info = ds.info.setdefault(INFO_STUDIO, {})
    info.setdefault("projects", {})[title] = {"id": project.id, "url": client.settings.url, "scheme": scheme.name}
    ds.save()
    inline = sum(1 for t in tasks if t["data"]["image"].startswith("data:"))
    return {
        "project": title, "project_id": project.id, "created": created, "url": f"{client.settings.url}/projects/{project.id}",
        "view": view_name, "selected": len(ids), "already_pushed": len(ids) - len(todo), "imported": len(tasks),
        "images": {"local files": len(tasks) - inline, "embedded": inline}, "predictions": bool(predictions),
        "seconds": round(time.perf_counter() - start, 2),
    }


def _local_media(client, project_id, media):
    """A LocalMedia when the server can serve files from this machine, else None."""
    if media == "upload":
        return None
    root, reason = client.settings.document_root, None
    if not client.settings.is_local:
        reason = f"{client.settings.url} is not on this machine"
    elif not root or not os.path.isdir(root):
        reason = "the server's local-files document root is unknown (set LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT)"
    if reason and media == "local":
        raise ValueError(f"cannot serve images as local files: {reason}; use --media upload")
    return None if reason else LocalMedia(client, project_id, Path(root).resolve(), strict=media == "local")


class LocalMedia:
    """Local-files URLs for images under the server's document root.

    Label Studio serves ``/data/local-files/?d=<path>`` only under a local
    storage's folder, which must be a strict subfolder of the document root:
    one storage per top-level folder the images live in (e.g. ``<dataset>/``).
    """

    def __init__(self, client, project_id, root, strict=False):
        self.client, self.project_id, self.root, self.strict = client, project_id, root, strict
        self.allowed, self.refused = set(), set()

    def url(self, path):
        """The task URL for an image file, or None when it must be embedded instead."""
        resolved = Path(path).resolve()
        if not resolved.is_relative_to(self.root) or resolved.parent == self.root:
            return None
        relative = resolved.relative_to(self.root)
        folder = self.root / relative.parts[0]
        if folder not in self.allowed and folder not in self.refused:
            if self.client.ensure_local_storage(self.project_id, folder) is None:
                if self.strict:
                    raise ValueError(f"Label Studio refused a local-files storage for {folder} (is "
                                     "LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED=true?); use --media upload")
                self.refused.add(folder)
            else:
                self.allowed.add(folder)
        return "/data/local-files/?d=" + quote(str(relative)) if folder in self.allowed else None


def _image_url(path, local):
    """A local-files URL when the server can serve the file, else a PNG data URL."""
    return (local.url(path) if local is not None else None) or _data_url(path)


def _data_url(path):
    from PIL import Image

    try:
        with Image.open(path) as img:
            img = img.convert("L" if img.mode in ("L", "I;16", "1") else "RGB")
            img.thumbnail((INLINE_MAX_SIDE, INLINE_MAX_SIDE))
            buffer = io.BytesIO()
            img.save(buffer, format="PNG")
    except OSError as err:
        raise ValueError(f"{path}: cannot read this image for Label Studio ({err})") from None
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _prediction(scheme, soft):
    dist, keep = scheme.remap_soft(np.array([soft]))
    top = int(np.argmax(dist[0]))
    return {"model_version": MODEL_VERSION, "score": round(float(dist[0, top]), 4),
            "result": choice_result(scheme.classes[top])}


# --- pull ----------------------------------------------------------------
def project_for_dataset(client, ds, title=None):
    """The project to pull: ``title``, or the one this dataset pushed to on this server."""
    if title is None:
        mine = [t for t, p in ds.info.get(INFO_STUDIO, {}).get("projects", {}).items()
                if p.get("url") == client.settings.url]
        if len(mine) != 1:
            hint = f"choose one of: {', '.join(mine)}" if mine else "nothing was pushed from it to this server"
            raise ValueError(f"which Label Studio project holds dataset {ds.name!r}'s labels? pass --project ({hint})")
        title = mine[0]
    project = client.find_project(title)
    if project is None:
        raise ValueError(
            f"Label Studio at {client.settings.url} has no project {title!r}; "
            f"projects there: {', '.join(client.project_titles()) or 'none'}"
        )
    return client.get_project(project.id)


def read_answers(client, project):
    """The project's current answers: (answers list, task counts dict).

    Each answer: ``{"sample_id", "sample_key", "task", "annotation",
    "annotator", "choice", "updated_at", "project"}``; per task and
    annotator only the latest annotation counts; cancelled (skipped)
    annotations and empty results are counted, not kept.
    """
    choices = config_choices(project.label_config)
    try:
        choice_columns(choices)
    except ValueError as err:
        raise ValueError(f"Label Studio project {project.title!r}: {err}") from None
    tasks = client.export_tasks(project.id)
    counts = collections.Counter(tasks=len(tasks))
    answers = []
    for task in tasks:
        latest = {}
        for ann in task.get("annotations", []):
            who = client.annotator_name(ann.get("completed_by"))
            if ann.get("was_cancelled"):
                counts["skipped"] += 1
                continue
            choice = result_choice(ann.get("result"))
            if choice is None:
                counts["empty"] += 1
                continue
            if choice not in choices:
                raise ValueError(f"Label Studio project {project.title!r}, task {task['id']}: answer {choice!r} "
                                 "is not one of the project's choices")
            stamp = ann.get("updated_at") or ann.get("created_at") or ""
            if who not in latest or stamp > latest[who]["updated_at"]:
                latest[who] = {
                    "sample_id": str(task["data"].get("sample_id")), "sample_key": task["data"].get("sample_key"),
                    "task": task["id"], "annotation": ann["id"], "annotator": who, "choice": choice,
                    "updated_at": stamp, "project": project.title,
                }
        counts["done"] += bool(latest)
        counts["annotations"] += len(latest)
        answers.extend(latest.values())
    return answers, dict(counts)


def pull(client, dataset_name, *, title=None, weight=None, quiet=False):
    """Pull a project's annotations into the dataset; return a summary dict."""
    from curate.score_pass import rescore_labels

    start = time.perf_counter()
    ds = load_dataset(dataset_name)
    project = project_for_dataset(client, ds, title)
    weight = votes_lib.check_weight(weight if weight is not None else dataset_weight(ds))
    answers, counts = read_answers(client, project)
    _resolve_samples(ds, answers, project.title, dataset_name)  # every task to a sample, before touching anything
    declare_fields(ds)
    current, merged = _merged_reviews(ds, answers, project.title, weight)
    changed = _changed_rows(current, merged)
    label_changes = collections.Counter(
        f"{current['label'][i] or 'no label'}→{merged['ground_truth'][i] or 'no label'}"
        for i in changed if merged["ground_truth"][i] != current["label"][i])
    disputed_before = len(ds.match_tags(TAG_DISPUTED))
    pending = ds.info.get(INFO_STUDIO, {}).get("pending") or []
    if changed:
        _write_reviews(ds, current["ids"], changed, merged, weight)
    disputed_after = disputed_before
    if changed or pending:  # pending: a pull killed after writing reviews, before tagging and re-scoring them
        _tag_reviewed(ds)
        rescored = rescore_labels(ds)
        disputed_after = disputed_before if rescored is None else rescored
    info = ds.info.setdefault(INFO_STUDIO, {})
    info["weight"] = weight
    info["pending"] = []
    agreement = annotator_agreement(ds, project.title, weight)
    info.setdefault("projects", {}).setdefault(project.title, {"id": project.id, "url": client.settings.url})
    info["projects"][project.title].update(
        last_pull=time.strftime("%Y-%m-%dT%H:%M:%S"), annotators=agreement["annotators"])
    ds.save()
    return {
        "project": project.title, "tasks": counts.get("tasks", 0), "tasks_done": counts.get("done", 0),
        "skipped": counts.get("skipped", 0), "annotations": counts.get("annotations", 0),
        "weight": weight, "samples_changed": len(changed), "label_changes": dict(label_changes.most_common()),
        "disputed_before": disputed_before, "disputed_after": disputed_after,
        "reviewed": len(ds.match_tags(REVIEWED_TAG)), **agreement,
        "seconds": round(time.perf_counter() - start, 2),
    }


def _resolve_samples(ds, answers, project_title, dataset_name):
    """Point every answer at a sample of ``ds`` (by id, else by sample_key); ValueError naming the tasks that miss."""
    all_ids, all_keys = ds.values(["id", "sample_key"])
    by_key = dict(zip(all_keys, all_ids))
    known = set(all_ids)
    unknown = []
    for answer in answers:
        if answer["sample_id"] not in known:
            if answer["sample_key"] in by_key:
                answer["sample_id"] = by_key[answer["sample_key"]]
            else:
                unknown.append(answer["task"])
    if unknown:
        tasks = sorted(set(unknown))
        shown = ", ".join(str(t) for t in tasks[:5]) + (" …" if len(tasks) > 5 else "")
        raise ValueError(
            f"Label Studio project {project_title!r}: {len(tasks)} annotated tasks point at samples not in "
            f"dataset {dataset_name!r} (task ids {shown}); pull into the dataset they were pushed from"
        )


def _merged_reviews(ds, answers, project_title, weight):
    """(current fields, merged fields) of every sample a review touches: other projects' votes kept, this one's replaced.

    ``current``: dict of lists over the affected samples (ids, votes, label, soft, annotations, source votes,
    source label); ``merged``: :func:`curate.annotations.merged_fields` of them.
    """
    reviewed_ids = ds.exists(ANNOTATOR_VOTES).values("id")
    wanted = sorted(set(reviewed_ids) | {a["sample_id"] for a in answers} | set(
        ds.info.get(INFO_STUDIO, {}).get("pending", [])))
    affected = ds.select(wanted, ordered=True)
    fields = ["id", VOTES, GROUND_TRUTH_LABEL, SOFT_LABEL, ANNOTATOR_VOTES, *SOURCE_FIELDS]
    current = dict(zip(("ids", "votes", "label", "soft", "annotations", "source_votes", "source_label"),
                       affected.values(fields)))
    fresh = collections.defaultdict(list)
    for answer in answers:
        fresh[answer["sample_id"]].append({k: answer[k] for k in (
            "annotator", "project", "task", "annotation", "choice", "updated_at")})
    new_ann, sources_v, sources_l = [], [], []
    for i, sample_id in enumerate(current["ids"]):
        kept = [v for v in (current["annotations"][i] or []) if v["project"] != project_title]
        new_ann.append(kept + fresh.get(sample_id, []))
        had = bool(current["annotations"][i])  # reviewed before: the source fields hold the source's labels
        sources_v.append(current["source_votes"][i] if had else current["votes"][i])
        sources_l.append(current["source_label"][i] if had else current["label"][i])
    return current, merged_fields(sources_v, sources_l, new_ann, weight=weight)


def _changed_rows(current, merged):
    """Indices of the affected samples whose stored fields differ from the merged ones."""
    def differs(i):
        had = current["annotations"][i]
        return (merged["votes"][i] != current["votes"][i] or merged["ground_truth"][i] != current["label"][i]
                or not _same_floats(merged["soft_label"][i], current["soft"][i])
                or (merged["annotator_votes"][i] or None) != (had or None)
                or merged["source_votes"][i] != (current["source_votes"][i] if had else None)
                or merged["source_label"][i] != (current["source_label"][i] if had else None))

    return [i for i in range(len(current["ids"])) if differs(i)]


def _write_reviews(ds, ids, changed, merged, weight):
    """Write the changed rows: source snapshots first, then the merged labels, clearing snapshots last.

    The changed ids are recorded as ``pending`` first, so a pull killed half way is finished by the next one.
    """
    info = ds.info.setdefault(INFO_STUDIO, {})
    info["pending"] = [ids[i] for i in changed]
    info["weight"] = weight
    ds.save()
    _write(ds, ids, changed, merged, SOURCE_FIELDS, only=lambda i: merged["annotator_votes"][i] is not None)
    _write(ds, ids, changed, merged, (ANNOTATOR_VOTES, VOTES, SOFT_LABEL, "ground_truth"))
    refresh_crowd(ds, [ids[i] for i in changed])
    kill_points.reached("pull.reviews")
    _write(ds, ids, changed, merged, SOURCE_FIELDS, only=lambda i: merged["annotator_votes"][i] is None)


def _tag_reviewed(ds):
    """The ``reviewed`` tag on exactly the samples that hold annotators' votes."""
    ds.untag_samples(REVIEWED_TAG)
    ds.exists(ANNOTATOR_VOTES).tag_samples(REVIEWED_TAG)


def _write(ds, ids, rows, merged, names, only=None):
    rows = [i for i in rows if only is None or only(i)]
    if not rows:
        return
    from datasets.samples import classifications

    for name in names:
        values = {ids[i]: merged[name][i] for i in rows}
        if name == "ground_truth":
            values = classifications(values)
        ds.set_values(name, values, key_field="id")


def _same_floats(a, b):
    if a is None or b is None:
        return a is None and b is None
    return len(a) == len(b) and np.allclose(a, b, rtol=0, atol=1e-9)


def annotator_agreement(ds, project_title, weight):
    """Per-annotator agreement with consensus (leave one out) and CROWDLAB quality.

    Returns {"annotators": {name: {"answers", "agreement", "quality"}},
    "multiannotator": note} over the project's answers on reviewed samples.
    """
    view = ds.exists("annotator_votes")
    merged, ann, src_label, src_votes = view.values(["votes", "annotator_votes", "source_label", "source_votes"])
    rows, columns, names = [], [], []
    for i, votes in enumerate(ann):
        for v in votes or []:
            if v["project"] == project_title:
                rows.append(i)
                columns.append(choice_columns([v["choice"]])[0])
                names.append(v["annotator"])
    out = {"annotators": {}, "multiannotator": "no annotations yet"}
    if not rows:
        return out
    agree = votes_lib.consensus_agreement(np.array(merged), rows, columns, weight=weight)
    for name in sorted(set(names)):
        mine = np.array([n == name for n in names])
        scored = agree[mine][~np.isnan(agree[mine])]
        out["annotators"][name] = {
            "answers": int(mine.sum()),
            "agreement": round(float(scored.mean()), 4) if len(scored) else None,
            "quality": None,
        }
    # CROWDLAB over emotion answers; the crowd's own votes stand in for a model
    emotion = [k for k, c in enumerate(columns) if c not in EXTRA_COLUMNS.values()]
    people = sorted({names[k] for k in emotion})
    samples = sorted({rows[k] for k in emotion})
    if len(people) < 2:
        out["multiannotator"] = "needs two or more annotators"
        return out
    labels = np.full((len(samples), len(people)), np.nan)
    for k in emotion:
        labels[samples.index(rows[k]), people.index(names[k])] = columns[k]
    prior = np.full((len(samples), len(CLASS_INDEX)), 0.02)
    for j, i in enumerate(samples):
        if src_votes[i] is not None:
            prior[j] += np.array(src_votes[i][: len(CLASS_INDEX)], dtype=float)
        elif src_label[i] is not None:
            prior[j, CLASS_INDEX[src_label[i]]] += 1.0
    prior /= prior.sum(axis=1, keepdims=True)
    try:
        quality = votes_lib.multiannotator_quality(labels, prior)
    except ValueError as err:  # too few shared samples, or cleanlab giving up on ties
        out["multiannotator"] = f"CROWDLAB skipped: {err}"
        return out
    for name, q in zip(people, quality["annotator_quality"]):
        out["annotators"][name]["quality"] = round(float(q), 4)
    out["multiannotator"] = f"CROWDLAB over {len(samples)} samples, {len(people)} annotators"
    return out


# --- status --------------------------------------------------------------
def project_status(client, titles=None):
    """Progress per project: list of dicts (title, id, tasks, done, annotations, skipped)."""
    rows = []
    for p in sorted(client.list_projects(), key=lambda p: p.id):
        if titles is not None and p.title not in titles:
            continue
        tasks = p.task_number or 0
        done = p.num_tasks_with_annotations or 0
        rows.append({"title": p.title, "id": p.id, "tasks": tasks, "done": done,
                     "percent": round(100.0 * done / tasks, 1) if tasks else 0.0,
                     "annotations": p.total_annotations_number or 0, "skipped": p.skipped_annotations_number or 0})
    return rows


def write_server_config(workspace, url, api_key, document_root, username, password):
    """Save the local server's settings (0600) for push/pull and for the next serve."""
    from labels.studio_client import write_config_file

    path = config_path(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_config_file(path, {"url": url, "api_key": api_key, "document_root": str(document_root),
                             "username": username, "password": password})
    return path


def read_server_config(workspace):
    """The saved local-server settings dict, or {}."""
    from labels.studio_client import read_config_file

    path = config_path(workspace)
    return read_config_file(path) if path.exists() else {}

