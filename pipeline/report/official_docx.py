"""The write-up as a Word document in the layout of official documents (GB/T 9704-2012, 党政机关公文格式).

Reviewers open the write-up in WPS or Word and edit it, so it carries the
layout they expect, as far as the standard applies to a report:

- A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (版心 156 x 225 mm);
- body 3号 (16 pt) 仿宋_GB2312, lines at a fixed 28.95 pt (22 lines to the
  page), first line indented two characters;
- title 2号 (22 pt) 方正小标宋简体, centred; headings "一、" in 黑体 and
  "（一）" in 楷体_GB2312, both 3号;
- page numbers "— 1 —" in 4号 (14 pt) 宋体, outside edge: right on odd pages,
  left on even pages, one character in;
- every run names its East Asian and Latin fonts (no theme fonts, which WPS
  and Word resolve differently), and the font table lists an alternative for
  each font that a machine may lack (仿宋 for 仿宋_GB2312...), so a machine
  without them falls back to a related face rather than the default;
- tables with fixed layout and explicit column widths (WPS drops the widths
  of an autofit table);
- note numbers as superscripts, numbered in reading order (see document.renumbered).

Fonts are named, not embedded: the reader's machine has them.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from copy import deepcopy
from typing import TYPE_CHECKING

import pandas as pd

from pipeline.report.ooxml import fixed_zip_times

if TYPE_CHECKING:
    from pipeline.report.document import Document

A4 = (210, 297)  # mm
MARGINS = {"top": 37, "bottom": 35, "left": 28, "right": 26}  # mm
BODY_PT, TITLE_PT, PAGE_NUMBER_PT, TABLE_PT, NOTE_PT = 16, 22, 14, 12, 10.5  # 3号, 2号, 4号, 小四, 五号
LINE_TWIPS = 579  # 28.95 pt: 22 lines in the 225 mm type area
NOTE_LINE_TWIPS = 260  # 13 pt lines for notes in 五号
LATIN = "Times New Roman"
# font -> alternative the font table names for machines without it
FANGSONG, HEITI, KAITI, TITLE_FONT, SONGTI = "仿宋_GB2312", "黑体", "楷体_GB2312", "方正小标宋简体", "宋体"
ALTERNATIVES = {FANGSONG: "仿宋", KAITI: "楷体", TITLE_FONT: "宋体", HEITI: "SimHei", SONGTI: "SimSun"}
CHINESE_NUMBERS = "一二三四五六七八九十"


def chinese_ordinal(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十 (item numbers of a section run short)."""
    if n <= 10:
        return CHINESE_NUMBERS[n - 1]
    tens, units = divmod(n, 10)
    return (CHINESE_NUMBERS[tens - 1] if tens > 1 else "") + "十" + (CHINESE_NUMBERS[units - 1] if units else "")


def _set_fonts(element, east_asia: str, size_pt: float | None = None, bold: bool | None = None) -> None:
    """Name the fonts of a run or style explicitly: East Asian, Latin, no theme fonts.

    Children are added through python-docx's ordered accessors (Word refuses a
    w:rPr whose children are out of the schema's order); w:szCs, which it has
    no accessor for, goes right after w:sz where the schema wants it.
    """
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rpr = element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), LATIN)
    fonts.set(qn("w:eastAsia"), east_asia)
    if bold is not None:
        rpr.get_or_add_b().set(qn("w:val"), "1" if bold else "0")
        rpr.get_or_add_bCs().set(qn("w:val"), "1" if bold else "0")
    if size_pt is not None:
        half_points = str(int(round(size_pt * 2)))
        sz = rpr.get_or_add_sz()
        sz.set(qn("w:val"), half_points)
        cs = rpr.find(qn("w:szCs"))
        if cs is None:
            cs = OxmlElement("w:szCs")
            sz.addnext(cs)
        cs.set(qn("w:val"), half_points)
    color = rpr.find(qn("w:color"))
    if color is not None:
        rpr.remove(color)


def _paragraph_format(paragraph_format, *, exact_twips: int | None = LINE_TWIPS, first_line_pt: float = 0,
                      align=None) -> None:
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt, Twips

    if exact_twips:
        paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        paragraph_format.line_spacing = Twips(exact_twips)
    paragraph_format.space_before = Pt(0)
    paragraph_format.space_after = Pt(0)
    paragraph_format.first_line_indent = Pt(first_line_pt) if first_line_pt else None
    if align is not None:
        paragraph_format.alignment = align


def _styles(doc, line_twips: int = LINE_TWIPS) -> None:
    """Normal is the body; Title and Heading 1/2 are re-dressed so the outline still works in Word and WPS."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn

    defaults = doc.styles.element.find(qn("w:docDefaults"))
    fonts = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    fonts.set(qn("w:ascii"), LATIN)
    fonts.set(qn("w:hAnsi"), LATIN)
    fonts.set(qn("w:cs"), LATIN)
    fonts.set(qn("w:eastAsia"), FANGSONG)
    lang = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    spec = {
        "Normal": (FANGSONG, BODY_PT, False, 2 * BODY_PT, None),
        "Title": (TITLE_FONT, TITLE_PT, False, 0, WD_ALIGN_PARAGRAPH.CENTER),
        "Heading 1": (HEITI, BODY_PT, False, 2 * BODY_PT, None),
        "Heading 2": (KAITI, BODY_PT, False, 2 * BODY_PT, None),
    }
    for name, (font, size, bold, indent, align) in spec.items():
        style = doc.styles[name]
        _set_fonts(style.element, font, size, bold)
        style.font.italic = False
        _paragraph_format(style.paragraph_format, first_line_pt=indent, align=align,
                          exact_twips=line_twips if name != "Title" else 700)  # title lines 35 pt
        ppr = style.element.get_or_add_pPr()
        border = ppr.find(qn("w:pBdr"))  # the default Title has a rule under it: not in 公文
        if border is not None:
            ppr.remove(border)


def _page(doc) -> None:
    from docx.shared import Mm

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(A4[0]), Mm(A4[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS["top"]), Mm(MARGINS["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS["left"]), Mm(MARGINS["right"])
    section.footer_distance = Mm(MARGINS["bottom"] - 7 - 5)  # the number's line 7 mm below the type area
    section.header_distance = Mm(15)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], odd=True)
    _page_number(section.even_page_footer.paragraphs[0], odd=False)


def _page_number(paragraph, *, odd: bool) -> None:
    """— PAGE — in 4号 宋体, at the outside edge one character in."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    _paragraph_format(paragraph.paragraph_format, exact_twips=None,
                      align=WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT)
    if odd:
        paragraph.paragraph_format.right_indent = Pt(PAGE_NUMBER_PT)
    else:
        paragraph.paragraph_format.left_indent = Pt(PAGE_NUMBER_PT)

    def run(text: str | None = None, field: str | None = None, instr: str | None = None) -> None:
        r = _run(paragraph, text or "", SONGTI, PAGE_NUMBER_PT)
        if field:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), field)
            r._r.append(el)
        if instr:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = instr
            r._r.append(el)

    run("— ")
    run(field="begin")
    run(instr=" PAGE ")
    run(field="separate")
    run("1")
    run(field="end")
    run(" —")


def _font_table(doc) -> None:
    """List each font with the alternative a machine without it should use (w:altName)."""
    from lxml import etree

    part = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    root = etree.fromstring(part.blob)
    ns = root.nsmap["w"]
    w = f"{{{ns}}}"
    for name, alternative in ALTERNATIVES.items():
        font = etree.SubElement(root, f"{w}font")
        font.set(f"{w}name", name)
        etree.SubElement(font, f"{w}altName").set(f"{w}val", alternative)
        etree.SubElement(font, f"{w}charset").set(f"{w}val", "86")  # GB2312
        etree.SubElement(font, f"{w}family").set(f"{w}val", "modern" if name != HEITI else "swiss")
        etree.SubElement(font, f"{w}pitch").set(f"{w}val", "fixed")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _body(doc):
    """A paragraph in Normal, the template's default style, which Word reads from no style named at all (the
    same XML as add_paragraph(style="Normal"), whose lookup scanned every style of the document for each
    paragraph: 0.1 s a report)."""
    paragraph = doc.add_paragraph()
    paragraph._p.get_or_add_pPr()
    return paragraph


_RUN_PROPERTIES: dict[tuple, object] = {}  # (font, size, superscript) -> the w:rPr every such run gets a copy of


def _run(paragraph, text: str, font: str, size: float, superscript: bool = False):
    """A run with its fonts named. Its w:rPr is built through python-docx once per kind of run and copied after
    (lxml, in C): a report has about 1,000 runs, and building each one's took a third of the docx time."""
    run = paragraph.add_run(text)
    kind = (font, size, superscript)
    properties = _RUN_PROPERTIES.get(kind)
    if properties is None:
        if superscript:
            run.font.superscript = True
        _set_fonts(run._r, font, size)
        _RUN_PROPERTIES[kind] = deepcopy(run._r.rPr)
    else:
        run._r.insert(0, deepcopy(properties))  # w:rPr comes first in a run
    return run


def _cited_runs(paragraph, text: str, font: str, size: float) -> None:
    """Text with [^n] note markers as superscript [n], every run with its fonts named."""
    for piece in re.split(r"(\[\^\d+\])", text):
        m = re.fullmatch(r"\[\^(\d+)\]", piece)
        if m:
            _run(paragraph, f"[{m.group(1)}]", font, size, superscript=True)
        elif piece:
            _run(paragraph, piece, font, size)


TABLE_SIZES = (TABLE_PT, NOTE_PT, 9)  # 小四, 五号, 小五: a table too wide for 小四 is set smaller, not broken


def table_size(frame: pd.DataFrame, total_twips: int) -> float:
    """The largest of TABLE_SIZES at which every column's unbreakable text (a name, a figure with its unit, a
    bracket) fits the type area side by side; the smallest when none does."""
    from pipeline.report.table_fit import needed_pt

    for size in TABLE_SIZES:
        least = sum(needed_pt([str(v) for v in frame[c]], str(c), size)[0] for c in frame.columns)
        if least <= total_twips / 20:
            return size
    return TABLE_SIZES[-1]


def column_widths_twips(frame: pd.DataFrame, total_twips: int, size_pt: float = TABLE_PT) -> list[int]:
    """Widths from each column's cells measured at the table's type size (pipeline.report.table_fit), summing
    to the type area's width: a county's name, a figure with its unit and a header up to its bracket are
    never broken; prose columns take the rest and wrap."""
    from pipeline.report.table_fit import fit_widths, needed_pt

    needs = [needed_pt([str(v) for v in frame[name]], str(name), size_pt) for name in frame.columns]
    widths = [int(w * 20) for w in fit_widths(needs, total_twips / 20)]
    widths[-1] += total_twips - sum(widths)
    return widths


def _cell_margins(table) -> None:
    """Left and right cell margins of CELL_MARGIN_TWIPS (w:tblCellMar, after w:tblLayout as the schema orders)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    from pipeline.report.table_fit import CELL_MARGIN_TWIPS

    tbl_pr = table._tbl.tblPr
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(CELL_MARGIN_TWIPS))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    look = tbl_pr.find(qn("w:tblLook"))
    if look is not None:
        look.addprevious(margins)
    else:
        tbl_pr.append(margins)


def _table(doc, frame: pd.DataFrame, width_twips: int) -> float:
    """The frame as a Word table at the largest size that fits (table_size); returns that size."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml.ns import qn
    from docx.shared import Pt, Twips

    from pipeline.report.table_fit import cell_lines

    size = table_size(frame, width_twips)
    widths = column_widths_twips(frame, width_twips, size)
    table = doc.add_table(rows=1, cols=len(frame.columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # python-docx writes <w:tblLayout w:type="fixed"/> in its schema place
    _cell_margins(table)
    tbl_w = table._tbl.tblPr.find(qn("w:tblW"))  # present in every python-docx table
    tbl_w.set(qn("w:w"), str(sum(widths)))
    tbl_w.set(qn("w:type"), "dxa")
    for col, w in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(w))

    spacing = []  # a cell paragraph's w:pPr, set through python-docx in the first cell and copied to the rest

    def fill(cells, values, bold: bool) -> None:
        for cell, value, w in zip(cells, values, widths, strict=True):
            cell.width = Twips(w)
            paragraph = cell.paragraphs[0]
            if spacing:
                paragraph._p.insert(0, deepcopy(spacing[0]))  # w:pPr comes first in a paragraph
            else:
                _paragraph_format(paragraph.paragraph_format, exact_twips=None)
                paragraph.paragraph_format.first_line_indent = Pt(0)  # the body's two-character indent is for prose
                paragraph.paragraph_format.line_spacing = 1.0
                spacing.append(deepcopy(paragraph._p.pPr))
            # a header or a short cell breaks where table_fit allows (位次 / （共10个）), not where a renderer would
            for k, line in enumerate(cell_lines(str(value), w / 20, size, header=bold)):
                if k:
                    paragraph.runs[-1].add_break()
                _cited_runs(paragraph, line, HEITI if bold else FANGSONG, size)

    fill(table.rows[0].cells, list(frame.columns), True)
    for row in frame.itertuples(index=False):
        fill(table.add_row().cells, list(row), False)
    for i, row in enumerate(table.rows):  # the header repeats on every page; no row breaks across pages
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(tr_pr.makeelement(qn("w:cantSplit"), {}))
        if i == 0:
            tr_pr.append(tr_pr.makeelement(qn("w:tblHeader"), {}))
    return size


def _official_document(title_text: str, head=None, line_twips: int = LINE_TWIPS):
    """A Word document in the 公文 layout with its title and one blank line under it (after what `head` adds
    above the title: a letter's letterhead); fixed properties, so the same content gives the same bytes."""
    from docx import Document as WordDocument

    doc = WordDocument()
    _styles(doc, line_twips)
    _page(doc)
    _font_table(doc)
    doc.core_properties.author = "polieco workbench"
    doc.core_properties.title = title_text
    fixed = dt.datetime(2025, 1, 1)
    doc.core_properties.created = fixed
    doc.core_properties.modified = fixed
    doc.core_properties.last_modified_by = "polieco workbench"
    doc.core_properties.revision = 1
    if head is not None:
        head(doc)
    title = doc.add_paragraph(style="Title")
    _cited_runs(title, title_text, TITLE_FONT, TITLE_PT)
    doc.add_paragraph()  # one blank line under the title
    return doc


def _numbered(doc, j: int, text: str, zh: bool) -> None:
    """An item of a section: （一） in 楷体 (zh) or "1. ", then the text in 仿宋."""
    paragraph = _body(doc)
    _run(paragraph, f"（{chinese_ordinal(j)}）" if zh else f"{j}. ", KAITI if zh else FANGSONG, BODY_PT)
    _cited_runs(paragraph, text, FANGSONG, BODY_PT)


def _saved(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return fixed_zip_times(buf.getvalue())


TYPE_AREA_TWIPS = round((A4[0] - MARGINS["left"] - MARGINS["right"]) / 25.4 * 1440)


def to_official_docx(report: Document, *, appendix: pd.DataFrame) -> bytes:
    """The report as a .docx in the 公文 layout; the same report gives the same bytes."""
    from pipeline.report.document import heading, shown_sections

    doc = _official_document(report.title)
    zh = report.words is None or report.words.lang == "zh"
    for text in report.preamble:
        _cited_runs(_body(doc), text, FANGSONG, BODY_PT)
    for i, key in enumerate(shown_sections(report)):
        _cited_runs(doc.add_paragraph(style="Heading 1"), heading(report, i, key), HEITI, BODY_PT)
        for j, text in enumerate((p for p in report.sections[key] if p), start=1):
            _numbered(doc, j, text, zh)
    width = TYPE_AREA_TWIPS
    number = 0
    if report.table is not None and not report.table.empty:
        number += 1
        _table_title(doc, report, number, report.table_title or report.headings["figures"])
        size = _table(doc, report.table, width)
        if report.table_note:
            _table_note(doc, report.table_note, size)
    _attachment(doc, report, appendix, width)
    return _saved(doc)


def _attachment(doc, report: Document, appendix: pd.DataFrame, width: int) -> None:
    """附件说明 under the text, the issuer and the date, then the attachment on a page of its own: 附件 at
    the margin in 黑体, its title centred, the delivered figures (noted in the text) and the computed ones."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK

    w = report.words
    parts = w.raw("writeup.attachment") if w is not None else {}
    block = []  # 附件说明, the issuer and the date stay on one page: a date alone on a page is not signed
    if parts:
        block += [_line(doc, ""), _line(doc, parts["mention"], indent_pt=2 * BODY_PT)]
    if report.signature:
        block.append(_line(doc, ""))
        block += [_line(doc, text, align=WD_ALIGN_PARAGRAPH.RIGHT, right_pt=2 * BODY_PT) for text in report.signature]
    for paragraph in block[:-1]:
        paragraph.paragraph_format.keep_with_next = True
    if not parts:  # a document without words (a test's): the sources under a heading, as before
        _cited_runs(doc.add_paragraph(style="Heading 1"), report.headings["appendix"], HEITI, BODY_PT)
        _table(doc, appendix, width)
        return
    brk = _body(doc)
    brk.add_run().add_break(WD_BREAK.PAGE)
    _line(doc, parts["label"], font=HEITI)
    title = doc.add_paragraph(style="Title")
    _cited_runs(title, parts["title"], TITLE_FONT, TITLE_PT)
    if not appendix.empty:
        _cited_runs(doc.add_paragraph(style="Heading 2"), parts["delivered"], KAITI, BODY_PT)
        _table(doc, appendix, width)
    from pipeline.report.document import computed_note, computed_paragraphs

    methods = computed_paragraphs(report)
    if methods:  # one paragraph per method: a method said once, its figures after it
        _cited_runs(doc.add_paragraph(style="Heading 2"), parts["computed"], KAITI, BODY_PT)
        for text in [*methods, computed_note(report)]:
            if text:
                paragraph = _body(doc)
                _paragraph_format(paragraph.paragraph_format, exact_twips=int(TABLE_PT * 20 * 1.5),
                                  first_line_pt=2 * TABLE_PT)
                _cited_runs(paragraph, text, FANGSONG, TABLE_PT)


def _table_title(doc, report: Document, number: int, text: str) -> None:
    """表1　各县区综合评价结果: numbered and centred over its table, in 黑体 at the body's size."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    zh = report.words is None or report.words.lang == "zh"
    label = f"表{number}\u3000" if zh else f"Table {number}. "
    title = _body(doc)
    _paragraph_format(title.paragraph_format, align=WD_ALIGN_PARAGRAPH.CENTER)
    title.paragraph_format.first_line_indent = None
    title.paragraph_format.keep_with_next = True
    _cited_runs(title, label + text, HEITI, BODY_PT)


def _table_note(doc, text: str, size: float = TABLE_PT) -> None:
    """The note under a table, in the table's type size (never larger than the table it explains)."""
    from docx.shared import Pt

    note = _body(doc)
    _paragraph_format(note.paragraph_format, exact_twips=int(size * 20 * 1.5))
    note.paragraph_format.first_line_indent = Pt(0)
    _cited_runs(note, text, FANGSONG, size)


def _border(paragraph, side: str, val: str, size_eighths: int, color: str = "000000") -> None:
    """A rule above or below a paragraph (w:pBdr): the letterhead's red double line, the 版记's lines."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)  # pBdr is the last child python-docx's own calls leave here (spacing/ind/jc follow)
        spacing = ppr.find(qn("w:spacing"))
        if spacing is not None:  # the schema wants pBdr before spacing, ind and jc
            spacing.addprevious(borders)
    line = OxmlElement(f"w:{side}")
    for key, value in (("val", val), ("sz", str(size_eighths)), ("space", "1"), ("color", color)):
        line.set(qn(f"w:{key}"), value)
    borders.append(line)


def _line(doc, text: str, *, align=None, font: str = FANGSONG, size: float = BODY_PT, indent_pt: float = 0,
          right_pt: float = 0, color: str | None = None):
    """One paragraph of the letter's frame (no first-line indent unless given), fonts named."""
    from docx.shared import Pt, RGBColor

    paragraph = _body(doc)
    paragraph.paragraph_format.first_line_indent = Pt(indent_pt) if indent_pt else Pt(0)
    if right_pt:
        paragraph.paragraph_format.right_indent = Pt(right_pt)
    if align is not None:
        paragraph.alignment = align
    _cited_runs(paragraph, text, font, size)
    if color:
        for run in paragraph.runs:
            run.font.color.rgb = RGBColor.from_string(color)
    return paragraph


RED = "C00000"
LETTERHEAD_PT, RECORD_PT = 26, 14  # 一号 for the 信函 letterhead; 4号 for the 版记
RECORD_LINE_TWIPS = 400  # 20 pt lines in the 版记
# a letter's lines close up to 23 pt so that the issuer and the date stay on the page of the text, as GB/T 9704
# 7.3.5.4 asks (调整行距、字距) rather than leaving them alone on a page of their own
LETTER_LINE_TWIPS = 460


def _banner(doc, text: str) -> None:
    """A line in the page header of every page (the synthetic-data mark of a letter: on each page, without
    taking a line of the body)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    section = doc.sections[0]
    for header in (section.header, section.even_page_header):
        paragraph = header.paragraphs[0]
        _paragraph_format(paragraph.paragraph_format, exact_twips=None, align=WD_ALIGN_PARAGRAPH.CENTER)
        _cited_runs(paragraph, text, FANGSONG, NOTE_PT)


def to_notice_docx(title: str, recipient: str, body: list[str], items: list[str], closing: list[str],
                   letter, sources: list[str], zh: bool = True, banner: str = "") -> bytes:
    """A letter in the 信函 layout of GB/T 9704 (预警提示函): the issuer's name in red over a red double
    rule, the number (文号) at the right, the title, the recipient flush left, the body, the signals
    (numbered only when there are several), what the reply must contain, room for the seal over the
    issuer and the date, the contact (附注), the sources of its figures in 五号, and the 版记 (抄送, the
    office that prints it) between rules."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    def head(doc) -> None:
        mark = _line(doc, letter.letterhead, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=LETTERHEAD_PT,
                     color=RED)
        _paragraph_format(mark.paragraph_format, exact_twips=LETTERHEAD_PT * 20 * 3 // 2, align=WD_ALIGN_PARAGRAPH.CENTER)
        _border(mark, "bottom", "thickThinSmallGap", 24, RED)
        _line(doc, letter.number, align=WD_ALIGN_PARAGRAPH.RIGHT)

    doc = _official_document(title, head=head, line_twips=LETTER_LINE_TWIPS)
    if banner:
        _banner(doc, banner)
    _line(doc, recipient)  # 主送机关 starts at the margin
    for text in body:
        _cited_runs(_body(doc), text, FANGSONG, BODY_PT)
    for j, text in enumerate(items, start=1):
        if len(items) > 1:
            _numbered(doc, j, text, zh)
        else:  # a lone signal is not numbered: "（一）" with no "（二）" reads as a list cut short
            _cited_runs(_body(doc), text, FANGSONG, BODY_PT)
    for text in closing:
        _cited_runs(_body(doc), text, FANGSONG, BODY_PT)
    _line(doc, letter.contact, indent_pt=2 * BODY_PT)  # 附注: two characters in, in brackets
    right = WD_ALIGN_PARAGRAPH.RIGHT
    signed = _line(doc, letter.issuer, align=right, right_pt=2 * BODY_PT)
    seal = _run(signed, letter.seal, FANGSONG, NOTE_PT)  # where the seal goes: over the issuer and the date, as 公文 stamp it
    from docx.shared import RGBColor

    seal.font.color.rgb = RGBColor.from_string("808080")
    _line(doc, letter.date, align=right, right_pt=2 * BODY_PT)
    for text in sources:
        note = _body(doc)
        _paragraph_format(note.paragraph_format, exact_twips=NOTE_LINE_TWIPS)
        note.paragraph_format.first_line_indent = Pt(0)
        _cited_runs(note, text, FANGSONG, NOTE_PT)
    if letter.copy_to:
        copies = _line(doc, letter.copy_to, size=RECORD_PT, indent_pt=RECORD_PT)
        _paragraph_format(copies.paragraph_format, exact_twips=RECORD_LINE_TWIPS)
        _border(copies, "top", "single", 8)
    printed = _line(doc, letter.printed, size=RECORD_PT, indent_pt=RECORD_PT)
    _paragraph_format(printed.paragraph_format, exact_twips=RECORD_LINE_TWIPS)
    _border(printed, "top", "single", 4 if letter.copy_to else 8)
    _border(printed, "bottom", "single", 8)
    return _saved(doc)
