"""The document model every serialiser reads: a title, sections of paragraphs, cited figures, a table.

A write-up is built once as a `Document` (pipeline.report.writeup) and then
written as Markdown, official Word, a notebook cell; each paragraph keeps the
ids of the findings it phrases, so a test can compare what each output states.
Every number a paragraph prints is a cited figure: it carries a note (`[^n]`)
pointing to an appendix row with what it is and where it comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import pandas as pd

from pipeline.report.fmt import Words

SECTION_KEYS = ("achievements", "follow_up", "problems", "watch", "suggestions", "notes")
NOTE = re.compile(r"\[\^(\d+)\]")


@dataclass
class Cited:
    """One number printed in the report and where it comes from."""

    n: int
    text: str
    label: str
    # the mart cell the figure is: scope county / region (measures marts), evaluation, or finding (a figure
    # the findings stage computed, kept in its evidence: code is then the finding id)
    scope: str
    code: str
    year: int
    measure: str
    field: str
    value: float
    source: str
    period: str = "full_year"
    when: str = ""  # the year or period the figure is of, as printed (2024年, 2015—2017年平均)
    unit: str = ""  # printed after the value (件, 分); '' when the text carries it (%) or it has none
    # a figure a reader may want to trace carries a note; a count of places, a rank, a threshold or a
    # difference of two figures printed beside it is kept (a test traces it) but not noted
    marked: bool = True

    @property
    def key(self) -> tuple:
        return (self.scope, self.code, self.year, self.period, self.measure, self.field)


@dataclass
class Document:
    title: str
    preamble: list[str]
    sections: dict[str, list[str]]  # section key -> paragraphs
    figures: list[Cited] = field(default_factory=list)
    table: pd.DataFrame | None = None
    headings: dict[str, str] = field(default_factory=dict)
    words: Words | None = None
    finding_ids: list[str] = field(default_factory=list)  # the findings the paragraphs phrase, in order
    table_title: str = ""  # the table's heading ('' : the figures heading)
    table_note: str = ""  # a line under the table: what its figures are and where they come from


CITATION_MODES = ("notes", "appendix")


class Citer:
    """Keeps the appendix: each cited figure gets a number, the same figure keeps its number.

    A traceable figure is marked with a note; a figure cited with note=False is
    recorded all the same and printed without one. (params.yaml
    report.citations `appendix` removes the marks once the notes are numbered:
    see `without_marks`.)
    """

    def __init__(self) -> None:
        self.figures: list[Cited] = []

    def cite(self, text: str, *, label: str, key: tuple, value: float | None, source: str, when: str = "",
             unit: str = "", note: bool = True) -> str:
        """`key` is (scope, code, year, period, measure, field): the same key and text keep one note."""
        for f in self.figures:
            if (f.key, f.text) == (key, text):
                return self._marked(f)
        n = len(self.figures) + 1
        scope, code, year, period, measure, field_name = key
        cited = Cited(n, text, label, scope, code, int(year), measure, field_name,
                      float("nan") if value is None else float(value), source, period, when, unit, note)
        self.figures.append(cited)
        return self._marked(cited)

    def _marked(self, f: Cited) -> str:
        return f"{f.text}[^{f.n}]" if f.marked else f.text


def note_ref(n: int) -> str:
    """A reference to note n inside another note's source, renumbered with the notes (see renumbered)."""
    return f"⟦{n}⟧"


def note_number(cited: str) -> int | None:
    """The note number carried by a cited figure's text (`12.5%[^3]` -> 3); None without one."""
    m = NOTE.search(cited)
    return int(m.group(1)) if m else None


def shown_sections(doc: Document) -> list[str]:
    return [k for k in SECTION_KEYS if doc.sections.get(k)]


def heading(doc: Document, i: int, key: str) -> str:
    w = doc.words
    return w("writeup.heading", number=w.raw("writeup.numbering")[i], title=doc.headings[key])


def renumbered(doc: Document) -> Document:
    """The document with its notes numbered in the order a reader meets them.

    Figures are cited as sentences are built, which is not always the order in
    which the sections print them; a reader (and GB/T 9704) expects note 1
    first. Notes referred to only by other notes' sources come after those met
    in the text, in their first order.
    """
    texts = [*doc.preamble, *(p for k in shown_sections(doc) for p in doc.sections[k] if p)]
    if doc.table is not None:
        texts += [str(v) for v in doc.table.to_numpy().ravel()]
    order: list[int] = []
    for text in texts:
        order += [int(m) for m in dict.fromkeys(NOTE.findall(text)) if int(m) not in order]
    order += [f.n for f in doc.figures if f.marked and f.n not in order]
    order += [f.n for f in doc.figures if f.n not in order]  # unmarked figures last: never shown
    new = {old: i + 1 for i, old in enumerate(order)}

    def text_of(t: str) -> str:
        return NOTE.sub(lambda m: f"[^{new[int(m[1])]}]", t)

    figures = sorted((replace(f, n=new[f.n], source=re.sub(r"⟦(\d+)⟧", lambda m: str(new[int(m[1])]), f.source))
                      for f in doc.figures), key=lambda f: f.n)
    table = doc.table.map(lambda v: text_of(v) if isinstance(v, str) else v) if doc.table is not None else None
    return replace(doc, preamble=[text_of(p) for p in doc.preamble], figures=figures, table=table,
                   sections={k: [text_of(p) for p in v] for k, v in doc.sections.items()})


def without_marks(doc: Document) -> Document:
    """The document with no note marks in its text (report.citations: appendix): the appendix table keeps
    the figures numbered in the order a reader meets them."""
    def plain(t: str) -> str:
        return NOTE.sub("", t)

    table = doc.table.map(lambda v: plain(v) if isinstance(v, str) else v) if doc.table is not None else None
    return replace(doc, preamble=[plain(p) for p in doc.preamble], table=table,
                   sections={k: [plain(p) for p in v] for k, v in doc.sections.items()})


def appendix_frame(doc: Document) -> pd.DataFrame:
    """The sources table: number, measure, year or period, value with its unit, source (noted figures only)."""
    cols = doc.words.raw("writeup.appendix_columns")
    shown = [f for f in doc.figures if f.marked]
    return pd.DataFrame({cols[0]: [f.n for f in shown], cols[1]: [f.label for f in shown],
                         cols[2]: [f.when for f in shown], cols[3]: [f.text + f.unit for f in shown],
                         cols[4]: [f.source for f in shown]})


def body_text(doc: Document) -> str:
    """Title, preamble and the sections: the prose whose numbers must be traceable."""
    parts = [doc.title, *doc.preamble]
    for key in SECTION_KEYS:
        parts += doc.sections.get(key, [])
    return "\n".join(parts)


def is_clean(text: str) -> list[str]:
    """Placeholders and missing-value marks that must never reach a reader."""
    bad = []
    for pattern in (r"(?<![A-Za-z])X(?![A-Za-z])", r"\bNone\b", r"\bnan\b", r"\{[^}]*\}", r"\bNaN\b", r"<NA>"):
        if re.search(pattern, text):
            bad.append(pattern)
    return bad
