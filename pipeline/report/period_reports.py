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

import re
from pathlib import Path

from pipeline.config import safe_code
from pipeline.marts import REGION, read_mart
from pipeline.periods import FULL_YEAR, sort_key
from pipeline.report.data import ReportData, is_synthetic, units_of
from pipeline.report.document import Citer, Document, renumbered, without_marks
from pipeline.report.phrasing import Phraser, findings_of
from pipeline.report.sentences import sentence, suggestion

PERIOD_CODE = re.compile(r"^[A-Z][0-9A-Z-]{0,7}$")


def period_plan(root: Path, regions: list[str], years: list[int]) -> list[tuple[str, int, str]]:
    """(region, year, period) of every report year a region delivered in part only: its latest period."""
    marts = read_mart(root, REGION)
    delivered = marts[marts["counties_reporting"].fillna(0) > 0]
    plan = []
    for region in regions:
        mine = delivered[delivered["region_code"] == region]
        for year in years:
            periods = set(mine.loc[mine["year"] == year, "period"])
            if FULL_YEAR in periods or not periods:
                continue
            latest = max(periods, key=sort_key)
            if PERIOD_CODE.match(latest):
                plan.append((region, int(year), latest))
    return plan


def period_report(data: ReportData, region: str, place: str, year: int, period: str) -> Document:
    """One place's (or the region's) report on a partial period: its problems, the items to watch, what to do,
    and the period's figures, each judged against the same period of last year."""
    w = data.words
    p = Phraser(data, Citer())
    rows = [r for _, r in findings_of(data, place, year, period).iterrows() if r["topic"] != "partial_period"]
    when = p.period(year, period)
    problems = [r for r in rows if r["polarity"] == "problem"]
    sections = {
        "achievements": [sentence(p, r) for r in rows if r["polarity"] == "achievement"],
        "problems": [sentence(p, r) for r in problems],
        "watch": [sentence(p, r) for r in rows if r["polarity"] == "attention"],
        "suggestions": list(dict.fromkeys(suggestion(p, r) for r in problems if r["suggestion"])),
        "notes": [sentence(p, r) for r in rows if r["polarity"] == "neutral"] or [w("writeup.period.nothing", when=when)],
    }
    title = w("writeup.period.title", place=data.title_name(place), when=when)
    preamble = ([w("writeup.synthetic")] if is_synthetic(region) else []) + [
        w("writeup.period.generated", when=when, citations=w(f"writeup.citations.{data.citations}"))]
    names = {"place": data.name(place), "region": data.name(region), "year": year, "issue_year": year}
    signature = [w("writeup.issuer", issuer=data.notice["issuer"].format(**names), **names),
                 w("notice.date", year=year)] if data.notice else []
    doc = renumbered(Document(title, preamble, sections, p.citer.figures, None, w.raw("writeup.sections"), w,
                              [r["finding_id"] for r in rows], signature=signature))
    return without_marks(doc) if data.citations == "appendix" else doc


def write_period_reports(data: ReportData, plan: list[tuple[str, int, str]], target: Path) -> list[Path]:
    """Every place's and the region's period report under `target` (the stage's scratch folder)."""
    from pipeline.report.formats import write_document

    written: list[Path] = []
    for region, year, period in plan:
        folder = target / safe_code(region) / f"{int(year)}-{period}"
        for code in units_of(data.divisions.reset_index(), region)["code"]:
            if findings_of(data, code, year, period).empty:
                continue  # a place that did not deliver this period: the region's report names who did
            written += write_document(period_report(data, region, code, year, period), folder / safe_code(code))
        written += write_document(period_report(data, region, region, year, period), folder)
    return written
