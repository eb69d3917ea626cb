"""What a format gets for one job: the job, its folder, the executed notebook, and the report data and
write-up built at most once for all the formats of the job."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import nbformat

    from pipeline.report.data import ReportData
    from pipeline.report.document import Document
    from pipeline.report.formats import Format


class Job(Protocol):
    """The job a format writes for (pipeline/report/notebooks/jobs.Job, which names its files from here)."""

    kind: str
    region: str
    county: str | None
    year: int
    first_year: int
    language: str


@dataclass
class JobOutput:
    """What a format gets for one job: the job, its folder, the executed notebook, and the report data
    and write-up built at most once for all the formats of the job."""

    job: Job
    root: Path
    folder: Path
    notebook: nbformat.NotebookNode | None = None
    _cache: dict = field(default_factory=dict)

    def target(self, fmt: Format) -> Path:
        return self.folder / fmt.files[self.job.kind]

    @property
    def data(self) -> ReportData:
        from pipeline.report.data import load_report_data

        if "data" not in self._cache:
            self._cache["data"] = load_report_data(self.root, self.job.language, region=self.job.region,
                                                   through=self.job.year)
        return self._cache["data"]

    @property
    def document(self) -> Document:
        """The job's write-up, built once for every document format."""
        from pipeline.report.writeup import county_report, region_report

        if "document" not in self._cache:
            job = self.job
            self._cache["document"] = (county_report(self.data, job.region, job.county, job.year, job.first_year)
                                       if job.county else region_report(self.data, job.region, job.year,
                                                                        job.first_year))
        return self._cache["document"]
