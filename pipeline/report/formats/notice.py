"""The warning notice (预警提示函) of a county with a warning of the severities params.yaml report.notice names."""

from __future__ import annotations

from pathlib import Path

from pipeline.report.formats import Format
from pipeline.report.formats.job import JobOutput


def produce(out: JobOutput) -> Path | None:
    from pipeline.report.notice import notice_docx, warning_notice

    data, job = out.data, out.job
    doc = warning_notice(data, job.region, job.county, job.year, data.notice)
    if doc is None:
        return None
    target = out.target(FORMAT)
    target.write_bytes(notice_docx(doc, data.notice, {"place": data.name(job.county), "region": data.name(job.region)},
                                   job.year))
    return target


FORMAT = Format("notice", {"county": "notice.docx"}, produce)
