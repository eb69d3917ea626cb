"""The reviewer's page: the executed notebook as HTML, outputs only (no code, no prompts, no scripts).

nbconvert's lab template renders it (with `page_template/`, which gives each
chart its title as the image's description). nbconvert's HTMLExporter then
re-parses its own page with BeautifulSoup to add an English placeholder
description to images and keyboard focus to outputs: 0.18 s a page, a third
of a county job's formats. The page is rendered here without that pass; the
description comes from the template and the focus from `OUTPUT_AREA`.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.report.formats import Format
from pipeline.report.formats.job import JobOutput

TEMPLATES = Path(__file__).with_name("page_template")
TEMPLATE = "polieco_page"
SCRIPT_TAG = re.compile(r"<script\b[^>]*>.*?</script>\s*", re.S | re.I)
# an output area's opening tag, as the lab template writes it: a reader tabs to it to scroll a wide table
OUTPUT_AREA = re.compile(r'<div class="[^"]*\bjp-OutputArea-output\b[^"]*"')
# nbconvert writes a heading's text as numeric references (&#22478;&#20851;...); the page is UTF-8, so they are
# written as the characters they stand for (as a reader searching the file expects), markup characters excepted
CHARACTER_REFERENCE = re.compile(r"&#(\d+);")
MARKUP = set('<>&"\'')
_EXPORTER: list = []  # one per process: building it loads the template, which costs more than a page


def _exporter():
    if not _EXPORTER:
        from nbconvert import HTMLExporter
        from nbconvert.exporters.templateexporter import TemplateExporter
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

        class PageExporter(HTMLExporter):
            """HTMLExporter's rendering (its two notebook-dependent filters, then the template) without the
            BeautifulSoup pass that follows it in HTMLExporter.from_notebook_node. The code filter is named by
            the template's input cells, which the page leaves out."""

            def from_notebook_node(self, nb, resources=None, **kw):
                resources = self._init_resources(resources)
                self.register_filter("highlight_code", Highlight2HTML(parent=self))
                self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                    notebook_metadata=self._nb_metadata, parent=self, resources=resources))
                return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

        _EXPORTER.append(PageExporter(template_name=TEMPLATE, extra_template_basedirs=[str(TEMPLATES)],
                                      exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True))
    return _EXPORTER[0]


def to_html(nb) -> str:
    body, _ = _exporter().from_notebook_node(nb)
    body = OUTPUT_AREA.sub(lambda m: m.group(0) + ' tabindex="0"', body)
    body = CHARACTER_REFERENCE.sub(_character, body)
    # outputs are images, Markdown and tables: the template's scripts only fetch MathJax, require.js and
    # mermaid from a CDN, which offline readers lack
    return SCRIPT_TAG.sub("", body)


def _character(reference: re.Match) -> str:
    code = int(reference.group(1))
    return reference.group(0) if code < 32 or code > 0x10FFFF or chr(code) in MARKUP else chr(code)


def produce(out: JobOutput) -> Path:
    target = out.target(FORMAT)
    target.write_text(to_html(out.notebook), encoding="utf-8")
    return target


FORMAT = Format("page", {"county": "county.html", "region": "region.html"}, produce)
