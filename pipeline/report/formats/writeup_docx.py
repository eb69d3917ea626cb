"""The write-up as Word in the official-document layout (GB/T 9704): the copy a commission signs and sends."""

from __future__ import annotations

from pathlib import Path

from pipeline.report.formats import Format
from pipeline.report.formats.job import JobOutput


def render(doc) -> bytes:
    from pipeline.report.writeup import to_docx

    return to_docx(doc)


def produce(out: JobOutput) -> Path:
    target = out.target(FORMAT)
    target.write_bytes(render(out.document))
    return target


FORMAT = Format("writeup", {"county": "writeup.docx", "region": "writeup.docx"}, produce, render)
