"""Every adapter as a FiftyOne importer and dataset type (the ecosystem's plug-in point).

::

    import fiftyone as fo
    from datasets.importers import FER2013CSVDataset, RAFDBDataset

    ds = fo.Dataset.from_dir("data/fer2013", dataset_type=FER2013CSVDataset,
                             ferplus_path="data/fer2013new.csv")
    ds = fo.Dataset.from_dir("RAF-DB/basic", dataset_type=RAFDBDataset)

Samples carry the same fields as ``curate build`` writes: both map records
to samples with :mod:`datasets.samples`. ``from_dir`` passes its keyword
arguments to the importer; ``media_dir`` says where CSV pixels are written as
PNGs (default ``<dataset_dir>/images``). To add a source to an existing
dataset with ``curate build``'s idempotence (the unique ``sample_key`` index;
a re-import updates samples instead of duplicating them) use
:func:`merge_into`. ``curate build`` itself streams the same adapters with
batched upserts and keeps Label Studio reviews (see :mod:`curate.build`).
"""

import os

import fiftyone.types as fot
import fiftyone.utils.data as foud

from datasets.crowd_field import refresh_crowd
from datasets.samples import field_types, make_sample, prepare_dataset, record_fields
from datasets.media import write_png
from datasets.names import ANNOTATOR_VOTES
from datasets.affectnet import affectnet_adapter
from datasets.captures import Captures
from datasets.ckplus import CKPlus, CKPlus48, is_original_layout
from datasets.fer2013 import FER2013CSV, FER2013Folders
from datasets.ferplus import FERPlusFolders, pair_votes, read_vote_table
from datasets.jaffe import JAFFE
from datasets.rafdb import RAFDB


class FaceRecordImporter(foud.GenericSampleDatasetImporter):
    """Base importer: turns one adapter's FaceRecords into FiftyOne Samples.

    Subclasses implement :meth:`make_records` (parse in ``setup``, not
    ``__init__``, as FiftyOne importers do).
    """

    def __init__(self, dataset_dir=None, media_dir=None, shuffle=False, seed=None, max_samples=None):
        super().__init__(dataset_dir=dataset_dir, shuffle=shuffle, seed=seed, max_samples=max_samples)
        self.media_dir = media_dir or os.path.join(dataset_dir or ".", "images")
        self._records = None

    def make_records(self):
        raise NotImplementedError

    def setup(self):
        records = self.make_records()
        if self.shuffle or self.max_samples is not None:
            records = list(records)
            if self.shuffle:
                import random

                random.Random(self.seed).shuffle(records)
            records = records[: self.max_samples]
        self._records = iter(records)

    def __iter__(self):
        return self

    def __next__(self):
        record = next(self._records)
        (fields,) = record_fields([record], self.media_dir)
        if record.pixels is not None and not os.path.exists(fields["filepath"]):
            write_png(fields["filepath"], record.pixels)
        return make_sample(record, fields)

    @property
    def has_dataset_info(self):
        return False

    @property
    def has_sample_field_schema(self):
        return True

    def get_sample_field_schema(self):
        import fiftyone as fo

        schema = {name: fo.StringField() for name in field_types()}
        schema.update(
            votes=fo.ListField(fo.IntField()),
            soft_label=fo.ListField(fo.FloatField()),
            valence=fo.FloatField(), arousal=fo.FloatField(),
            ground_truth=fo.EmbeddedDocumentField(fo.Classification),
        )
        return schema


class FER2013CSVImporter(FaceRecordImporter):
    """``dataset_dir`` holds ``fer2013.csv`` (or pass ``csv_path``); optional FERPlus merge."""

    def __init__(self, dataset_dir=None, csv_path=None, ferplus_path=None, media_dir=None,
                 shuffle=False, seed=None, max_samples=None):
        super().__init__(dataset_dir, media_dir, shuffle, seed, max_samples)
        self.csv_path = csv_path or _first_existing(
            dataset_dir, ("fer2013.csv", "fer2013.csv.gz", "fer2013.tar.gz")
        )
        self.ferplus_path = ferplus_path

    def make_records(self):
        records = FER2013CSV(self.csv_path)
        if self.ferplus_path:
            records = pair_votes(records, read_vote_table(self.ferplus_path))
        return records


class FER2013FoldersImporter(FaceRecordImporter):
    def make_records(self):
        return FER2013Folders(self.dataset_dir)


class FERPlusFoldersImporter(FaceRecordImporter):
    def make_records(self):
        return FERPlusFolders(self.dataset_dir)


class RAFDBImporter(FaceRecordImporter):
    def __init__(self, dataset_dir=None, image_kind="aligned", shuffle=False, seed=None, max_samples=None):
        super().__init__(dataset_dir, None, shuffle, seed, max_samples)
        self.image_kind = image_kind

    def make_records(self):
        return RAFDB(self.dataset_dir, image_kind=self.image_kind)


class CKPlusImporter(FaceRecordImporter):
    """CK+ original layout or CK+48, detected from the folder."""

    def make_records(self):
        return CKPlus(self.dataset_dir) if is_original_layout(self.dataset_dir) else CKPlus48(self.dataset_dir)


class AffectNetImporter(FaceRecordImporter):
    """AffectNet's original release (file lists + face boxes; crops written under ``media_dir``) or the cropped one."""

    def make_records(self):
        return affectnet_adapter(self.dataset_dir)


class JAFFEImporter(FaceRecordImporter):
    def make_records(self):
        return JAFFE(self.dataset_dir)


class CapturesImporter(FaceRecordImporter):
    def make_records(self):
        return Captures(self.dataset_dir)


def merge_into(dataset, dataset_dir, dataset_type, **kwargs):
    """Import ``dataset_dir`` into ``dataset``, keyed by ``sample_key``: new samples are added, known ones updated.

    Declares our fields and the unique ``sample_key`` index first (as
    ``curate build`` does), so running it twice leaves one sample per record.
    ``kwargs`` go to the importer (``ferplus_path``, ``media_dir``, ...).
    Rewrites ``crowd`` from the votes. Returns ``dataset``. A dataset with Label Studio reviews is refused: a
    merge would overwrite the reviewed labels with the source's, where
    ``curate build`` keeps the annotators' votes merged in.
    """
    if dataset.has_field(ANNOTATOR_VOTES) and len(dataset.exists(ANNOTATOR_VOTES)):
        raise ValueError(f"dataset {dataset.name!r} has samples reviewed in Label Studio; add sources with "
                         f"`curate build`, which keeps the annotators' votes (a plain merge would overwrite them)")
    prepare_dataset(dataset)
    progress = kwargs.pop("progress", False)
    dataset.merge_dir(dataset_dir=dataset_dir, dataset_type=dataset_type, key_field="sample_key",
                      progress=progress, **kwargs)
    refresh_crowd(dataset)
    return dataset


def _first_existing(directory, names):
    for name in names:
        path = os.path.join(directory or ".", name)
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(f"{directory}: none of {', '.join(names)} found")


def _dataset_type(name, importer_cls, doc):
    def get_dataset_importer_cls(self):
        return importer_cls

    return type(name, (fot.Dataset,), {"__doc__": doc, "get_dataset_importer_cls": get_dataset_importer_cls})


FER2013CSVDataset = _dataset_type("FER2013CSVDataset", FER2013CSVImporter, "FER2013 Kaggle CSV (+ FERPlus votes).")
FER2013FoldersDataset = _dataset_type("FER2013FoldersDataset", FER2013FoldersImporter, "FER2013 Kaggle JPEG folders.")
FERPlusFoldersDataset = _dataset_type("FERPlusFoldersDataset", FERPlusFoldersImporter, "FERPlus PNG folders + label.csv.")
RAFDBDataset = _dataset_type("RAFDBDataset", RAFDBImporter, "RAF-DB basic expressions.")
CKPlusDataset = _dataset_type("CKPlusDataset", CKPlusImporter, "CK+ original layout or CK+48.")
AffectNetDataset = _dataset_type("AffectNetDataset", AffectNetImporter, "AffectNet, either release.")
JAFFEDataset = _dataset_type("JAFFEDataset", JAFFEImporter, "JAFFE (file-name labels).")
CapturesDataset = _dataset_type("CapturesDataset", CapturesImporter, "Camera / webcam captures.")
