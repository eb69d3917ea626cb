"""Annual evaluation write-up (年度政治生态建设评价报告) of a place or a region, from its findings.

The findings stage has judged everything and the presentation stage placed the
findings of each place and year in sections (pipeline/stages/presentation_outline.py);
this module phrases them section by section: 成效 (the work done, then achievements),
问题和难点 (the main problems, in the findings' priority), 其他需关注的情况
(the other problems and the items to watch), 思考与建议 (the suggestion each
main problem leads to, in the same order), 数据说明 (what is stated but not judged: neutral findings,
the method, partial periods). Every sentence comes from pipeline.report.
phrasing, every number is cited. The same findings are what the notebook,
the workbook and the index phrase: a document keeps the ids it states.

Outputs: Markdown and .docx (official-document layout), written by
the formats (pipeline/report/formats) next to the notebook.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from pipeline.report.data import ReportData, is_synthetic
from pipeline.report.document import (
    Citer,
    Document,
    appendix_frame,
    renumbered,
    without_marks,
)
from pipeline.report.evaluation_words import county_table, imputed_text, method_text
from pipeline.report.phrasing import Phraser, finding
from pipeline.report.sentences import phrase, sentence, stated_ids, suggestion
from pipeline.report.view_parts import printed_shares


def county_report(data: ReportData, region: str, county: str, year: int, first_year: int) -> Document:
    title = data.words("writeup.title_county", county=data.title_name(county), year=year)
    return build(data, county, region, year, first_year, title, key_figures(data, county, year))


def region_report(data: ReportData, region: str, year: int, first_year: int) -> Document:
    """The region's report, with the table of its places' grades when they were graded."""
    title = data.words("writeup.title_region", region=data.title_name(region), year=year)
    doc = build(data, region, region, year, first_year, title, None)
    f = finding(data, region, year, "grade_distribution")
    if f is None:
        return doc
    p = Phraser(data)
    w = data.words
    return replace(doc, table=county_table(p, f), table_title=w("writeup.county_table.heading", **p.places(f)),
                   table_note=w("writeup.county_table.note"))


def build(data: ReportData, place: str, region: str, year: int, first_year: int, title: str,
          table: pd.DataFrame | None) -> Document:
    w = data.words
    p = Phraser(data, Citer())
    placed = data.outline(place, year)

    def of(*names: str) -> list:
        return [r for name in names for r in placed.get(name, [])]

    stated: list[str] = []
    achievements = work_paragraph(p, of("work_coverage"), of("work_change"), stated)
    achievements += phrased(p, of("achievements"), stated)
    achievements += phrased(p, of("achievements_none"), stated)
    follow_up = phrased(p, of("follow_up"), stated)
    # the main problems in full, by the findings' priority; the other problems and the items to watch in brief
    problems = of("problems")
    problem_text = phrased(p, problems, stated) + phrased(p, of("problems_none"), stated)
    watch = phrased(p, of("watch"), stated)
    suggestions = list(dict.fromkeys(suggestion(p, r) for r in problems if r["suggestion"]))
    if not problems and of("problems_none"):
        suggestions = [w("writeup.suggestion_none")]
    notes = phrased(p, of("notes"), stated) + method_notes(p, of("method")) + phrased(p, of("partial"), stated)
    sections = {"achievements": achievements, "follow_up": follow_up, "problems": problem_text, "watch": watch,
                "suggestions": suggestions, "notes": notes}
    preamble = ([w("writeup.synthetic")] if is_synthetic(region) else []) + [
        w("writeup.generated", first_year=first_year, year=year, citations=w(f"writeup.citations.{data.citations}"))]
    names = {"place": data.name(place), "region": data.name(region), "year": year, "issue_year": year + 1}
    issuer = data.notice["issuer"].format(**names) if data.notice else ""
    signature = [w("writeup.issuer", issuer=issuer, **names), w("notice.date", year=year + 1)] if issuer else []
    doc = renumbered(Document(title, preamble, sections, p.citer.figures, table, w.raw("writeup.sections"), w,
                              stated, signature=signature))
    return without_marks(doc) if data.citations == "appendix" else doc


def phrased(p: Phraser, rows: list, stated: list[str]) -> list[str]:
    """One paragraph per finding, in the findings' order; the ids are recorded as stated."""
    stated += [fid for r in rows for fid in stated_ids(r)]
    return [sentence(p, r) for r in rows]


def work_paragraph(p: Phraser, coverage: list, changes: list, stated: list[str]) -> list[str]:
    """The work done: the coverage of a region, then each count with its change, in one paragraph."""
    if not coverage and not changes:
        return []
    w = p.w
    stated += [r["finding_id"] for r in coverage + changes]
    clauses = [phrase(p, r) for r in changes]
    intro = phrase(p, coverage[0]) + w("colon") if coverage else w("finding.work_intro")
    if not clauses:
        return [phrase(p, coverage[0]) + w("sentence_end")]
    if w.lang == "en":  # in running English a measure's name starts small after the first clause
        clauses = clauses[:1] + [c[:1].lower() + c[1:] if c[1:2].islower() else c for c in clauses[1:]]
    return [intro + w("clause_sep").join(clauses) + w("sentence_end")]


def method_notes(p: Phraser, grades: list) -> list[str]:
    """How the grade was reached, and which indicators were imputed (from the grade finding's evidence)."""
    out = []
    for r in grades:
        text = method_text(p, r) + imputed_text(p, r)
        if text:
            out.append(text)
    return out


def key_figures(data: ReportData, county: str, year: int) -> pd.DataFrame:
    """The work figures, the headline shares and the evaluation scores of the place beside its region's figure
    (the sum or mean the catalog's region rule gives), each cell with its unit ('—' when missing)."""
    w, cat = data.words, data.catalog
    region = data.divisions.loc[county, "parent_code"] if county in data.divisions.index else None
    figures = {county: data.figures(county, year)}
    if region is not None:
        figures[region] = data.figures(region, year)
    mine = figures[county].text
    # the scores the year's evaluation used, in its order (the presentation's weights table of the region)
    scores = [str(c) for c in data.table(region, year, "weights").index] if region is not None else []
    codes = list(dict.fromkeys([*data.sections["work"], *data.sections["headline"], *scores]))
    codes = [(mine.loc[c, "shown"] or c) if c in mine.index else c for c in codes]
    if not any(c in mine.index and mine.loc[c, "value"] is not None for c in codes):
        return pd.DataFrame()
    units = w.raw("units.measure")

    shares = {county: printed_shares(data, county, year), region: printed_shares(data, region, year)}

    def cell(place: str, code: str) -> str:
        f = figures.get(place)
        if f is None or code not in f.text.index or f.text.loc[code, "value"] is None:
            return w("none_mark")
        if code in shares[place]:  # a share of the four forms as every output prints it (adding up to 100)
            return shares[place][code]
        text = f.text.loc[code, "value"] + units[cat.measure(code).unit]
        return w("finding.approx", text=text) if f.value.loc[code, "approximate"] == 1 else text

    pw = data.level_words(county, region)
    cols = [c.format(year=year, **pw) for c in w.raw("writeup.figures_columns")]
    return pd.DataFrame({cols[0]: [cat.name(c, w.lang) for c in codes], cols[1]: [cell(county, c) for c in codes],
                         cols[2]: [cell(region, c) for c in codes],
                         cols[3]: [cat.region_rule_text(c, w.lang) for c in codes]})


def to_docx(doc: Document) -> bytes:
    """The document as .docx in the official-document layout (GB/T 9704): see pipeline/report/official_docx.py."""
    from pipeline.report.official_docx import to_official_docx

    return to_official_docx(doc, appendix=appendix_frame(doc))
