"""The region's Excel workbook: every figure, share, grade and finding of the region as tables."""

from __future__ import annotations

from pathlib import Path

from pipeline.report.formats import Format
from pipeline.report.formats.job import JobOutput


def produce(out: JobOutput) -> Path:
    from pipeline.report.workbook import to_xlsx

    job, target = out.job, out.target(FORMAT)
    target.write_bytes(to_xlsx(out.data, job.region, job.year, job.first_year))
    return target


FORMAT = Format("workbook", {"region": "workbook.xlsx"}, produce)
