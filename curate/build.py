"""Adapters → one FiftyOne dataset, idempotently and without half-writes.

Each sample is keyed by ``sample_key = "<source>:<source_id>"`` (a unique
index in MongoDB). Building a source:

- records whose key is new are inserted in batches (CSV pixels are written
  once as PNGs under the workspace media dir first);
- records whose key exists are compared field by field; changed fields are
  queued and written after the whole source was read without error (so a
  later ``--merge ferplus`` updates votes on FER2013 samples in place);
- on any error in any source the samples and PNGs this build inserted are
  removed again and queued updates are never written: bad input leaves the
  dataset as it was (a dataset this build created is deleted).

A build killed outright (power loss) leaves the batches inserted so far;
re-running the same command skips them and completes the rest.

Sample fields (see :data:`FIELD_TYPES`): ``sample_key``, ``source``,
``source_id``, ``split``, ``subject``, ``raw_label``, ``raw_split``,
``fer2013_label``, ``votes`` (10 ints, FERPlus order), ``soft_label``
(8 floats, canonical order), ``ground_truth`` (Classification), plus the
split as a tag. Samples reviewed in Label Studio keep their annotators' votes
merged into ``votes``/``soft_label``/``ground_truth`` across rebuilds (see
:mod:`curate.annotations`).
"""

import dataclasses
import os
import time

from tqdm import tqdm

from curate.annotations import SOURCE_FIELDS, VOTE_FIELDS, dataset_weight, merged_fields
from datasets.fastdb import insert_rows
from datasets.media import PngWriter, image_problems
from datasets.names import GROUND_TRUTH, GROUND_TRUTH_LABEL, INFO_SOURCES
from datasets.records import SourceError
from datasets.samples import ROW_LABELS, classifications, prepare_dataset, record_fields, sample_row
from labels import kill_points

BATCH_SIZE = 1000
COMPARED = (
    "filepath", "source", "source_id", "split", "subject", "raw_label",
    "raw_split", "fer2013_label", "votes", "soft_label", "valence", "arousal", "ground_truth",
)
REVIEW_FIELDS = ("annotator_votes", *SOURCE_FIELDS)  # see curate.annotations


@dataclasses.dataclass
class SourceReport:
    """What building one source did."""

    source: str
    seen: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    notes: list = dataclasses.field(default_factory=list)
    skipped: list = dataclasses.field(default_factory=list)  # [path, problem] of broken images (--skip-bad)

    def line(self):
        text = (
            f"{self.source}: {self.seen} records — {self.added} added, "
            f"{self.updated} updated, {self.unchanged} unchanged ({self.seconds:.1f} s)"
        )
        return "\n".join([text, *(f"  note: {n}" for n in self.notes)])


def dataset_exists(name):
    import fiftyone as fo

    return fo.dataset_exists(name)


def load_dataset(name):
    """Load a built dataset, or raise ValueError saying how to build it."""
    import fiftyone as fo

    if not fo.dataset_exists(name):
        known = ", ".join(fo.list_datasets()) or "none"
        raise ValueError(f"no dataset named {name!r} (datasets here: {known}); run `curate build` first")
    return fo.load_dataset(name)


def create_dataset(name):
    """Create the persistent dataset with its declared fields and unique key index."""
    import fiftyone as fo

    dataset = prepare_dataset(fo.Dataset(name, persistent=True))
    dataset.info = {"sources": {}}
    dataset.save()
    return dataset


class DatasetBuilder:
    """Adds sources to one FiftyOne dataset; see the module docstring."""

    def __init__(self, name, media_dir, quiet=False, skip_bad=False):
        self.name = name
        self.skip_bad = skip_bad  # broken images: skipped and listed instead of stopping the build
        self.media_dir = str(media_dir)
        self.quiet = quiet
        self.created = not dataset_exists(name)
        self.dataset = create_dataset(name) if self.created else load_dataset(name)
        self.added_ids, self.written_files, self.updates, self.sources = [], [], {}, {}
        self.png_writer = PngWriter()
        self._checkers = {}  # "thread" / "process" → the executor that decodes folder sources' images (_check_images)

    def add_source(self, source, records, description="", total=None):
        """Ingest one adapter's records; return a SourceReport.

        ``records`` is any iterable of FaceRecords from one source. New
        samples are inserted now; changes to existing ones wait for
        :meth:`commit`. Callers wrap a build in ``try: ... commit()`` and
        ``except: rollback()`` (see :func:`curate.pipeline.run_build`).
        """
        start = time.perf_counter()
        report = SourceReport(source)
        stored = self._stored(source)
        seen = set()
        bar = tqdm(records, desc=source, unit=" img", total=total, disable=True if self.quiet else None, leave=False)
        batch, checking = [], None
        for record in bar:
            if record.source_id in seen:
                raise SourceError(record.filepath or source, f"duplicate {source} id {record.source_id!r}")
            seen.add(record.source_id)
            batch.append(record)
            if len(batch) >= BATCH_SIZE:
                # decode this batch's images on a thread while the previous batch is inserted
                pending, checking = checking, self._check_images(batch)
                if pending is not None:
                    self._flush(self._decodable(*pending, report), stored, report)
                batch = []
        last = self._check_images(batch)
        if checking is not None:
            self._flush(self._decodable(*checking, report), stored, report)
        self._flush(self._decodable(*last, report), stored, report)
        report.seconds = time.perf_counter() - start
        self.sources[source] = {
            "description": description, "records": report.seen,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            **({"skipped_bad_images": report.skipped} if report.skipped else {}),
        }
        if report.skipped:
            report.notes.append(f"{len(report.skipped)} broken images skipped (--skip-bad): "
                                + "; ".join(f"{p}: {why}" for p, why in report.skipped[:5])
                                + (" …" if len(report.skipped) > 5 else ""))
        return report

    def _check_images(self, batch):
        """(batch, future of its broken images): the decoding runs beside the inserts.

        A full batch of image files is decoded in a worker process (the other
        core; a thread would share the inserts' GIL); a smaller one on a
        thread, which starts at no cost. A batch without image files (CSV
        pixels) needs no check.
        """
        from concurrent.futures import Future

        paths = [r.filepath for r in batch if r.pixels is None and r.filepath]
        if not paths:
            done = Future()
            done.set_result([])
            return batch, done
        kind = "process" if len(paths) >= BATCH_SIZE else "thread"
        if kind not in self._checkers:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

            self._checkers[kind] = (
                ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
                if kind == "process" else ThreadPoolExecutor(max_workers=1))
        return batch, self._checkers[kind].submit(image_problems, paths, 2)

    def _decodable(self, batch, checked, report):
        """The records of ``batch`` whose image files decode; a broken one raises SourceError (or is skipped)."""
        bad = dict(checked.result())
        if not bad:
            return batch
        if not self.skip_bad:
            path, why = next(iter(bad.items()))
            raise SourceError(path, f"{why}; fix or remove it, or pass --skip-bad to skip broken images")
        report.skipped.extend([p, why] for p, why in bad.items())
        return [r for r in batch if r.filepath not in bad]

    def _stop_checker(self):
        for checker in self._checkers.values():
            checker.shutdown(wait=True)
        self._checkers = {}

    def commit(self):
        """Write queued field changes and the sources' info; the build is done."""
        self._stop_checker()
        self.png_writer.wait()
        self.png_writer.close()

        for field in (*COMPARED, *SOURCE_FIELDS):
            values = {key: change[field] for key, change in self.updates.items() if field in change}
            if not values:
                continue
            if field == "ground_truth":
                values = classifications(values)
            self.dataset.set_values(field, values, key_field="sample_key")
            kill_points.reached("build.commit")
        self.updates = {}
        self.dataset.info.setdefault(INFO_SOURCES, {}).update(self.sources)
        self.dataset.save()
        self.added_ids, self.written_files = [], []

    def rollback(self):
        """Remove what this build inserted; queued updates are dropped."""
        self._stop_checker()
        try:
            self.png_writer.wait()  # no write may land after the clean-up
        except Exception:
            pass
        self.png_writer.close()
        if self.added_ids:
            self.dataset.delete_samples(self.added_ids)
        for path in self.written_files:
            if os.path.exists(path):
                os.remove(path)
        if self.created and not len(self.dataset):
            self.dataset.delete()
        self.added_ids, self.written_files, self.updates = [], [], {}

    def _stored(self, source):
        """key → {field: value} for this source's samples already in the dataset."""
        from fiftyone import ViewField as F

        view = self.dataset.match(F("source") == source)
        if not len(view):
            return {}
        names = [*COMPARED, *(REVIEW_FIELDS if self.dataset.has_field("annotator_votes") else ())]
        fields = [f if f != GROUND_TRUTH else GROUND_TRUTH_LABEL for f in names]
        columns = view.values(["sample_key", *fields])
        keys = columns[0]
        return {
            key: dict(zip(names, values))
            for key, *values in zip(keys, *columns[1:])
        }

    def _flush(self, batch, stored, report):
        if not batch:
            return
        report.seen += len(batch)
        new_samples = []
        writes = []  # encoded and written by a worker process while we insert
        for record, fields in zip(batch, record_fields(batch, self.media_dir)):
            old = stored.get(record.key)
            if record.pixels is not None and (old is None or not os.path.exists(fields["filepath"])):
                writes.append((fields["filepath"], record.pixels))
                if old is None:
                    self.written_files.append(fields["filepath"])
            if old is None:
                new_samples.append(sample_row(record, fields))
                continue
            if old.get("annotator_votes"):  # reviewed in Label Studio: keep the annotators' votes merged in
                merged = merged_fields([fields["votes"]], [fields["ground_truth"]], [old["annotator_votes"]],
                                       weight=dataset_weight(self.dataset))
                fields.update({k: merged[k][0] for k in (*VOTE_FIELDS, *SOURCE_FIELDS)})
            changed = {k: v for k, v in fields.items() if old.get(k) != v}
            if changed:
                self.updates[record.key] = changed
                report.updated += 1
            else:
                report.unchanged += 1
        self.png_writer.submit(writes)
        if new_samples:
            self.added_ids.extend(insert_rows(self.dataset, new_samples, labels=ROW_LABELS))
            report.added += len(new_samples)
            kill_points.reached("build.batch")
