"""The reviewer's page: the executed notebook as HTML, outputs only (no code, no prompts, no scripts)."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.report.formats import Format
from pipeline.report.formats.job import JobOutput

SCRIPT_TAG = re.compile(r"<script\b[^>]*>.*?</script>\s*", re.S | re.I)
_EXPORTER: list = []  # one per process: building it loads the template, which costs more than a page


def to_html(nb) -> str:
    if not _EXPORTER:
        from nbconvert import HTMLExporter

        _EXPORTER.append(HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                                      exclude_output_prompt=True))
    body, _ = _EXPORTER[0].from_notebook_node(nb)
    # outputs are images, Markdown and tables: the template's scripts only fetch MathJax, require.js and
    # mermaid from a CDN, which offline readers lack
    return SCRIPT_TAG.sub("", body)


def produce(out: JobOutput) -> Path:
    target = out.target(FORMAT)
    target.write_text(to_html(out.notebook), encoding="utf-8")
    return target


FORMAT = Format("page", {"county": "county.html", "region": "region.html"}, produce)
