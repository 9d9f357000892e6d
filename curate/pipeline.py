"""Orchestration of ``curate build``: which adapters run, in what order.

Every adapter is constructed (paths checked) and the FERPlus table is read
and validated before the dataset is touched; then each source streams into
one :class:`curate.build.DatasetBuilder`, and the build commits only when
every source succeeded.
"""

import dataclasses
from typing import Optional

from curate.build import DatasetBuilder
from datasets.affectnet import affectnet_adapter
from datasets.crowd_field import refresh_crowd
from datasets.captures import Captures
from datasets.ckplus import CKPlus, CKPlus48, is_original_layout
from datasets.fer2013 import STANDARD_LAYOUT, FER2013CSV, FER2013Folders
from datasets.ferplus import FERPlusFolders, pair_votes, read_vote_table, unpaired_rows
from datasets.jaffe import JAFFE
from datasets.rafdb import RAFDB

MERGES = ("ferplus",)


@dataclasses.dataclass
class BuildPlan:
    """Source paths for one build; None means "not this time"."""

    fer2013: Optional[str] = None
    merge: tuple = ()
    ferplus: Optional[str] = None
    fer2013_images: Optional[str] = None
    ferplus_png: Optional[str] = None
    rafdb: Optional[str] = None
    ckplus: Optional[str] = None
    affectnet: Optional[str] = None
    jaffe: Optional[str] = None
    captures: Optional[str] = None
    skip_bad: bool = False  # broken image files: skip and list them (build summary, dataset.info) instead of stopping

    def check(self):
        """Raise ValueError for option combinations that cannot work."""
        for merge in self.merge:
            if merge not in MERGES:
                raise ValueError(f"unknown merge {merge!r}; choose from {', '.join(MERGES)}")
        if "ferplus" in self.merge:
            if not self.ferplus:
                raise ValueError("--merge ferplus needs --ferplus PATH (fer2013new.csv)")
            if not self.fer2013:
                raise ValueError("--merge ferplus needs --fer2013 PATH: votes pair with FER2013 CSV rows by position")
        elif self.ferplus:
            raise ValueError("--ferplus is only read with --merge ferplus")
        if not any([self.fer2013, self.fer2013_images, self.ferplus_png, self.rafdb, self.ckplus, self.affectnet,
                    self.jaffe, self.captures]):
            raise ValueError(
                "nothing to build: pass at least one source "
                "(--fer2013, --fer2013-images, --ferplus-png, --rafdb, --ckplus, --affectnet, --jaffe, --captures)"
            )


def _ckplus_adapter(root):
    return CKPlus(root) if is_original_layout(root) else CKPlus48(root)


def run_build(plan, *, dataset_name, workspace, quiet=False, echo=print):
    """Build or extend ``dataset_name``; return the list of SourceReports."""
    plan.check()
    table = read_vote_table(plan.ferplus) if "ferplus" in plan.merge else None
    jobs = []  # (source name, records, description, total)
    if plan.fer2013:
        csv = FER2013CSV(plan.fer2013)
        if table is not None:
            jobs.append((csv.name, pair_votes(csv, table), f"{plan.fer2013} + FERPlus {plan.ferplus}", len(table)))
        else:
            jobs.append((csv.name, csv, plan.fer2013, None))
    for path, make in (
        (plan.fer2013_images, FER2013Folders),
        (plan.ferplus_png, FERPlusFolders),
        (plan.rafdb, RAFDB),
        (plan.ckplus, _ckplus_adapter),
        (plan.affectnet, affectnet_adapter),
        (plan.jaffe, JAFFE),
        (plan.captures, Captures),
    ):
        if path:
            adapter = make(path)
            jobs.append((adapter.name, adapter, str(path), None))

    builder = DatasetBuilder(dataset_name, workspace.media_dir(dataset_name), quiet=quiet, skip_bad=plan.skip_bad)
    reports = []
    try:
        for name, records, description, total in jobs:
            if not quiet:
                echo(f"ingesting {name} from {description}")
            report = builder.add_source(name, records, description=description, total=total)
            if name == "fer2013" and csv.layout != STANDARD_LAYOUT:
                report.notes.append(f"read as {csv.layout}")  # the other Kaggle release, say
            if name == "fer2013" and table is not None:
                rest = unpaired_rows(table, report.seen)
                if rest:
                    counts = ", ".join(f"{n} {u}" for u, n in rest.items())
                    report.notes.append(
                        f"{sum(rest.values())} FERPlus vote rows have no FER2013 row ({counts}); not ingested"
                    )
            builder.sources[name]["notes"] = report.notes
            reports.append(report)
        builder.commit()
    except BaseException:
        builder.rollback()
        raise
    refresh_crowd(builder.dataset)  # derived from the votes; a rerun after a kill here rewrites it
    return reports
