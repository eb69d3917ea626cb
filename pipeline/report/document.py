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
    # a delivered figure (a cell of a county's table) or a published one carries a note; a figure computed
    # from them is listed in the attachment with how it was computed (`listed`); a count of places, a rank, a
    # threshold or a difference printed beside its figures is kept (a test traces it), neither noted nor listed
    marked: bool = True
    listed: bool = False

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
    signature: list[str] = field(default_factory=list)  # the issuer and the date line, above the attachment


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
             unit: str = "", note: bool = True, listed: bool = False) -> str:
        """`key` is (scope, code, year, period, measure, field): the same key and text keep one note."""
        for f in self.figures:
            if (f.key, f.text) == (key, text):
                return self._marked(f)
        n = len(self.figures) + 1
        scope, code, year, period, measure, field_name = key
        cited = Cited(n, text, label, scope, code, int(year), measure, field_name,
                      float("nan") if value is None else float(value), source, period, when, unit, note,
                      listed and not note)
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

    seen: set[int] = set()

    def text_of(t: str) -> str:
        return NOTE.sub(lambda m: f"[^{new[int(m[1])]}]", t)

    def first_mark(t: str) -> str:
        """A figure's note mark where a reader first meets it; later mentions print the figure alone."""
        def keep(m: re.Match) -> str:
            n = int(m[1])
            if n in seen:
                return ""
            seen.add(n)
            return m[0]
        return NOTE.sub(keep, text_of(t))

    figures = sorted((replace(f, n=new[f.n], source=re.sub(r"⟦(\d+)⟧", lambda m: str(new[int(m[1])]), f.source))
                      for f in doc.figures), key=lambda f: f.n)
    preamble = [first_mark(p) for p in doc.preamble]
    sections = {k: [first_mark(p) for p in doc.sections[k]] for k in shown_sections(doc)}
    sections.update({k: [text_of(p) for p in v] for k, v in doc.sections.items() if k not in sections})
    table = doc.table.map(lambda v: first_mark(v) if isinstance(v, str) else v) if doc.table is not None else None
    return replace(doc, preamble=preamble, figures=figures, table=table, sections=sections)


def without_marks(doc: Document) -> Document:
    """The document with no note marks in its text (report.citations: appendix): the appendix table keeps
    the figures numbered in the order a reader meets them."""
    def plain(t: str) -> str:
        return NOTE.sub("", t)

    table = doc.table.map(lambda v: plain(v) if isinstance(v, str) else v) if doc.table is not None else None
    return replace(doc, preamble=[plain(p) for p in doc.preamble], table=table,
                   sections={k: [plain(p) for p in v] for k, v in doc.sections.items()})


def appendix_frame(doc: Document) -> pd.DataFrame:
    """The delivered figures: note, measure, year or period, value with its unit, source (noted figures only);
    a source that repeats the row above is printed 同上 (the same delivery, once)."""
    cols = doc.words.raw("writeup.appendix_columns")
    shown = [f for f in doc.figures if f.marked]
    # the delivery names its year or period (东川市2024年1-9月报送表): no column of its own
    return pd.DataFrame({cols[0]: [f.n for f in shown], cols[1]: [f.label for f in shown],
                         cols[2]: [f.text + f.unit for f in shown],
                         cols[3]: once(doc, [delivery_of(f.source) for f in shown]),
                         cols[4]: [cell_of(f.source) for f in shown]})


def computed_paragraphs(doc: Document) -> list[str]:
    """The figures computed from the delivered ones, one paragraph per method, its figures in reading order:
    "各县区平均（10个县区）：全市政风行风满意度（2024年）79.3分、…"; a share names the cells it is computed
    from. A method said once, not once per figure, keeps the attachment short; the largest-remainder
    rounding of the four forms' shares is said once, in computed_note."""
    w = doc.words
    suffix = w("writeup.source.largest_remainder")
    groups: dict[str, list[str]] = {}
    method_of: dict[str, str] = {}
    for f in sorted((f for f in doc.figures if f.listed), key=lambda f: f.n):
        source = f.source.removesuffix(suffix)
        cells = CELLS_IN.search(source)
        key = method_key(source)
        method_of.setdefault(key, CELLS_IN.sub("", source))
        item = w("writeup.computed_item", label=f.label, when=f.when, value=f.text + f.unit)
        where = (cells.group(1) or cells.group(2)) if cells else ""
        groups.setdefault(key, []).append(item + (w("writeup.computed_cells", cells=where) if where else ""))
    return [w("writeup.computed_group", method=method_of[k], items=w.sep.join(items)) for k, items in groups.items()]


def method_key(source: str) -> str:
    """A method with its years, periods and cells taken out: the figures of one method go together."""
    return re.sub(r"\d{4}年(\d+-\d+月)?|（[^（）]*报送表第\d+行[A-Z—、]+列）|\d{4}", "", CELLS_IN.sub("", source))


def computed_note(doc: Document) -> str:
    """The note under the computed figures: the largest-remainder rounding, when a listed share had it."""
    suffix = doc.words("writeup.source.largest_remainder")
    return doc.words("writeup.computed_note") if any(f.listed and f.source.endswith(suffix) for f in doc.figures) \
        else ""


CELLS_IN = re.compile(r"（([^（）]+报送表第\d+行[A-Z—、]+列)）|\s\(([^()]+, row \d+, columns? [A-Z—, ]+)\)")


CELL_OF = re.compile(r"第\d+行[A-Z]+列$|row \d+, column [A-Z]+$")


def delivery_of(source: str) -> str:
    """东川市2024年报送表 of "东川市2024年报送表第6行D列" (the table a figure was delivered in)."""
    return CELL_OF.sub("", source).rstrip(", ")


def cell_of(source: str) -> str:
    m = CELL_OF.search(source)
    return m.group(0) if m else ""


def once(doc: Document, texts: list[str]) -> list[str]:
    """Each text where it changes; 同上 (ditto) where it repeats the row above."""
    same = doc.words("writeup.same_as_above")
    return [t if i == 0 or t != texts[i - 1] else same for i, t in enumerate(texts)]


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
