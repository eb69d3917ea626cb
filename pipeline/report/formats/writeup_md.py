"""The write-up as Markdown (with its notes as footnotes): for reading in a browser or a diff."""

from __future__ import annotations

from pathlib import Path

from pipeline.report.formats import Format
from pipeline.report.formats.job import JobOutput


def render(doc) -> bytes:
    from pipeline.report.markdown import to_markdown

    return to_markdown(doc).encode("utf-8")


def produce(out: JobOutput) -> Path:
    target = out.target(FORMAT)
    target.write_bytes(render(out.document))
    return target


FORMAT = Format("writeup_md", {"county": "writeup.md", "region": "writeup.md"}, produce, render)
