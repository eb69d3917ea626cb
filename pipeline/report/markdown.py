"""The write-up as Markdown: the .md file beside the Word document, and the notebook's copy of it."""

from __future__ import annotations

import re

import pandas as pd

from pipeline.report.document import (
    NOTE,
    Document,
    appendix_frame,
    computed_note,
    computed_paragraphs,
    heading,
    shown_sections,
)


def markdown_table(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(map(str, r)) + " |" for r in frame.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def to_markdown(doc: Document) -> str:
    lines = [f"# {doc.title}", ""]
    lines += [f"> {p}" if i == 0 and p.startswith(("【", "[")) else p for i, p in enumerate(doc.preamble)]
    lines.append("")
    for i, key in enumerate(shown_sections(doc)):
        lines += [f"## {heading(doc, i, key)}", ""]
        lines += [f"{j}. {p}" for j, p in enumerate((p for p in doc.sections[key] if p), start=1)]
        lines.append("")
    if doc.table is not None and not doc.table.empty:
        lines += [f"## {doc.table_title or doc.headings['figures']}", "", markdown_table(doc.table), ""]
        lines += [doc.table_note, ""] if doc.table_note else []
    lines += [f"## {doc.headings['appendix']}", ""]
    if doc.signature:
        lines = lines[:-2] + [*doc.signature, "", *lines[-2:]]
    return "\n".join(lines + attachment_lines(doc, footnotes=True)) + "\n"


def attachment_lines(doc: Document, footnotes: bool) -> list[str]:
    """The delivered figures (as footnotes in notes mode, else a table) and the computed ones (a table)."""
    parts = doc.words.raw("writeup.attachment")
    lines = [f"**{parts['delivered']}**", ""]
    if footnotes and any(NOTE.search(p) for k in shown_sections(doc) for p in doc.sections[k]):
        lines += [f"[^{f.n}]: " + doc.words("writeup.appendix_row", label=f.label, when=f.when,
                                            text=f.text + f.unit, source=f.source) for f in doc.figures if f.marked]
    else:
        lines += [markdown_table(appendix_frame(doc))]
    methods = computed_paragraphs(doc)
    if methods:
        lines += ["", f"**{parts['computed']}**", "", *(f"- {m}" for m in methods)]
        lines += ["", computed_note(doc)] if computed_note(doc) else []
    return lines


def notebook_markdown(doc: Document) -> str:
    """Markdown for a notebook cell: note markers as superscripts (Jupyter has no footnotes)."""
    body, _, _ = to_markdown(doc).partition(f"## {doc.headings['appendix']}")
    body = re.sub(r"\[\^(\d+)\]", r"<sup>\1</sup>", body)
    return body + f"## {doc.headings['appendix']}\n\n" + "\n".join(attachment_lines(doc, footnotes=False)) + "\n"
