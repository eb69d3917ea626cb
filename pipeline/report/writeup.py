"""Annual evaluation write-up (年度政治生态建设评价报告) of a place or a region, from its findings.

The findings stage has judged everything; this module selects the findings of
one place and year and places them: 成效 (the work done, then achievements),
问题和难点 (problems), 思考与建议 (the suggestion each problem leads to, in
the same order), 数据说明 (what is stated but not judged: neutral findings,
the method, partial periods). Every sentence comes from pipeline.report.
phrasing, every number is cited. The same findings are what the notebook,
the workbook and the index phrase: a document keeps the ids it states.

Outputs: Markdown and .docx (official-document layout), written by
`write_document` next to the notebook.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from pipeline.periods import FULL_YEAR
from pipeline.report.data import ReportData, is_synthetic
from pipeline.report.document import Citer, Document, appendix_frame, renumbered
from pipeline.report.evaluation_words import county_table, imputed_text, method_text
from pipeline.report.fmt import value_text
from pipeline.report.follow_up_words import follow_up_summary
from pipeline.report.markdown import to_markdown
from pipeline.report.phrasing import Phraser, findings_of
from pipeline.report.sentences import phrase, sentence, suggestion

# topics stated in the opening paragraph of 成效 (the work done), never judged
WORK_TOPICS = ("coverage", "work_change")
# neutral topics with a section of their own (or stated with the achievements and problems)
OWN_SECTIONS = ("none_found", "follow_up")


def county_report(data: ReportData, region: str, county: str, year: int, first_year: int) -> Document:
    title = data.words("writeup.title_county", county=data.name(county), year=year)
    return build(data, county, region, year, first_year, title, key_figures(data, county, year))


def region_report(data: ReportData, region: str, year: int, first_year: int) -> Document:
    """The region's report, with the table of its places' grades when they were graded."""
    title = data.words("writeup.title_region", region=data.name(region), year=year)
    doc = build(data, region, region, year, first_year, title, None)
    dist = findings_of(data, region, year, None)
    dist = dist[(dist["topic"] == "grade_distribution") & (dist["period"] == FULL_YEAR)]
    if dist.empty:
        return doc
    p, f = Phraser(data), dist.iloc[0]
    w = data.words
    return replace(doc, table=county_table(p, f), table_title=w("writeup.county_table.heading", **p.places(f)),
                   table_note=w("writeup.county_table.note"))


def build(data: ReportData, place: str, region: str, year: int, first_year: int, title: str,
          table: pd.DataFrame | None) -> Document:
    w = data.words
    p = Phraser(data, Citer(data.citations))
    rows = [r for _, r in findings_of(data, place, year, None).iterrows()]
    full = [r for r in rows if r["period"] == FULL_YEAR]
    partial = [r for r in rows if r["period"] != FULL_YEAR]
    stated: list[str] = []
    achievements = work_paragraph(p, [r for r in full if r["topic"] in WORK_TOPICS], stated)
    achievements += phrased(p, [r for r in full if r["polarity"] == "achievement"], stated)
    achievements += phrased(p, [r for r in full if r["topic"] == "none_found" and r["subject"] == "achievement"],
                            stated)
    follow_ups = [r for r in full if r["topic"] == "follow_up"]
    follow_up = ([follow_up_summary(p, follow_ups)] if follow_ups else []) + phrased(p, follow_ups, stated)
    problems = [r for r in full if r["polarity"] == "problem"]
    problem_text = phrased(p, problems, stated)
    problem_text += phrased(p, [r for r in full if r["topic"] == "none_found" and r["subject"] == "problem"], stated)
    suggestions = list(dict.fromkeys(suggestion(p, r) for r in problems if r["suggestion"]))
    if not problems and any(r["topic"] == "none_found" and r["subject"] == "problem" for r in full):
        suggestions = [w("writeup.suggestion_none")]
    notes = phrased(p, [r for r in full if r["polarity"] == "neutral" and r["topic"] not in (*WORK_TOPICS,
                                                                                              *OWN_SECTIONS)], stated)
    notes += method_notes(p, [r for r in full if r["topic"] == "grade"])
    notes += phrased(p, partial, stated)
    sections = {"achievements": achievements, "follow_up": follow_up, "problems": problem_text, "suggestions": suggestions, "notes": notes}
    preamble = ([w("writeup.synthetic")] if is_synthetic(region) else []) + [
        w("writeup.generated", first_year=first_year, year=year, citations=w(f"writeup.citations.{data.citations}"))]
    return renumbered(Document(title, preamble, sections, p.citer.figures, table, w.raw("writeup.sections"), w,
                               stated))


def phrased(p: Phraser, rows: list, stated: list[str]) -> list[str]:
    """One paragraph per finding, in the findings' order; the ids are recorded as stated."""
    stated += [r["finding_id"] for r in rows]
    return [sentence(p, r) for r in rows]


def work_paragraph(p: Phraser, rows: list, stated: list[str]) -> list[str]:
    """The work done: the coverage of a region, then each count with its change, in one paragraph."""
    if not rows:
        return []
    w = p.w
    stated += [r["finding_id"] for r in rows]
    coverage = [r for r in rows if r["topic"] == "coverage"]
    clauses = [phrase(p, r) for r in rows if r["topic"] == "work_change"]
    intro = phrase(p, coverage[0]) + w("colon") if coverage else w("finding.work_intro")
    if not clauses:
        return [phrase(p, coverage[0]) + w("sentence_end")] if coverage else []
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
    """The evaluation scores of the county against the region mean, as the mart has them ('—' when missing)."""
    ind = data.evaluation_indicators
    if ind.empty:
        return pd.DataFrame()
    rows = ind[(ind["county_code"] == county) & (ind["year"] == year)]
    w = data.words
    cols = w.raw("writeup.figures_columns")
    return pd.DataFrame({cols[0]: [data.catalog.name(c, w.lang) for c in rows["indicator"]],
                         cols[1]: [value_text(data.catalog, c, v) for c, v in zip(rows["indicator"], rows["raw"],
                                                                                  strict=True)],
                         cols[2]: [value_text(data.catalog, c, v) for c, v in zip(rows["indicator"],
                                                                                  rows["region_mean"], strict=True)]})


def to_docx(doc: Document) -> bytes:
    """The document as .docx in the official-document layout (GB/T 9704): see pipeline/report/official_docx.py."""
    from pipeline.report.official_docx import to_official_docx

    return to_official_docx(doc, appendix=appendix_frame(doc))


def write_document(doc: Document, folder: Path, stem: str = "writeup") -> list[Path]:
    """Markdown and .docx side by side; byte-stable for the same document."""
    from pipeline.config import write_atomic

    md, docx_bytes = to_markdown(doc), to_docx(doc)
    targets = [folder / f"{stem}.md", folder / f"{stem}.docx"]
    write_atomic(targets[0], lambda path: path.write_text(md, encoding="utf-8"))
    write_atomic(targets[1], lambda path: path.write_bytes(docx_bytes))
    return targets
