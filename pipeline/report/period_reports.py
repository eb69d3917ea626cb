"""Period reports (一季度、上半年、1-N月): what a commission sends when a year has been delivered only in part.

A region-year without a full-year delivery, whose places delivered a partial
period, gets for its latest such period a report per place and one for the
region: the period's findings (pipeline.findings: the counts and shares of the
period against the same period of last year, the four forms with all four
shares), nothing of the full years, no grade. A full-year report keeps showing
its year's partial periods apart, in its data notes.

Written by the notebooks stage beside the annual reports, in
reports/notebooks/<region>/<year>-<period>/[<county>/]writeup.{md,docx}
(period codes are the fixed vocabulary of pipeline.periods: Q1, H1, M1-9...).
"""

from __future__ import annotations

from pathlib import Path

from pipeline.config import safe_code
from pipeline.marts import presentation_table
from pipeline.report.data import ReportData, is_synthetic
from pipeline.report.document import Citer, Document, renumbered, without_marks
from pipeline.report.phrasing import Phraser
from pipeline.report.sentences import sentence, suggestion


def period_plan(root: Path, regions: list[str], years: list[int]) -> list[tuple[str, int, str, list[str]]]:
    """(region, year, period, places) of every report year a region delivered in part only: its latest period
    and the places with findings of it, as the presentation stage planned them (its `period_report` table)."""
    planned = presentation_table(root, "period_report")
    if planned.empty:
        return []
    found = {(str(r), int(y)): (str(k), [c for c in (t or "").split(",") if c])
             for r, y, k, t in zip(planned["region_code"], planned["year"], planned["key"], planned["text"],
                                   strict=True)}
    return [(region, int(year), *found[(region, int(year))]) for region in regions for year in years
            if (region, int(year)) in found]


def period_report(data: ReportData, region: str, place: str, year: int, period: str) -> Document:
    """One place's (or the region's) report on a partial period: its problems, the items to watch, what to do,
    and the period's figures, each judged against the same period of last year."""
    w = data.words
    p = Phraser(data, Citer())
    placed = data.outline(place, year, period)
    when = p.period(year, period)
    problems = placed.get("problems", [])
    sections = {
        "achievements": [sentence(p, r) for r in placed.get("achievements", [])],
        "problems": [sentence(p, r) for r in problems],
        "watch": [sentence(p, r) for r in placed.get("watch", [])],
        "suggestions": list(dict.fromkeys(suggestion(p, r) for r in problems if r["suggestion"])),
        "notes": [sentence(p, r) for r in placed.get("notes", [])] or [w("writeup.period.nothing", when=when)],
    }
    rows = [r for section in ("achievements", "problems", "watch", "notes") for r in placed.get(section, [])]
    title = w("writeup.period.title", place=data.title_name(place), when=when)
    preamble = ([w("writeup.synthetic")] if is_synthetic(region) else []) + [
        w("writeup.period.generated", when=when, citations=w(f"writeup.citations.{data.citations}"))]
    names = {"place": data.name(place), "region": data.name(region), "year": year, "issue_year": year}
    signature = [w("writeup.issuer", issuer=data.notice["issuer"].format(**names), **names),
                 w("notice.date", year=year)] if data.notice else []
    doc = renumbered(Document(title, preamble, sections, p.citer.figures, None, w.raw("writeup.sections"), w,
                              [r["finding_id"] for r in rows], signature=signature))
    return without_marks(doc) if data.citations == "appendix" else doc


def write_period_reports(data: ReportData, plan: list[tuple[str, int, str, list[str]]], target: Path) -> list[Path]:
    """Every planned place's and the region's period report under `target` (the stage's scratch folder); a
    place without findings of the period (it did not deliver it) has none: the region's report names who did."""
    from pipeline.report.formats import write_document

    written: list[Path] = []
    for region, year, period, places in plan:
        folder = target / safe_code(region) / f"{int(year)}-{period}"
        for code in places:
            written += write_document(period_report(data, region, code, year, period), folder / safe_code(code))
        written += write_document(period_report(data, region, region, year, period), folder)
    return written
