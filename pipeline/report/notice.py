"""Warning notices (预警提示函): a one-page letter to each place whose findings carry a warning of the
severities params.yaml `report.notice.severities` names (high by default).

The letter states each signal as the findings stage judged it (the same
sentence the write-up prints, its figures cited to their source), and asks
for checks and a written report within `reply_within_days`, addressed to
`recipient` and signed by `issuer` (both templates: {place}, {region}). The
date line is left for the issuer to fill in: a drafted letter is not dated by
the machine that drafted it.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.periods import FULL_YEAR
from pipeline.report.data import ReportData, is_synthetic
from pipeline.report.document import Citer, Document, renumbered
from pipeline.report.phrasing import Phraser, findings_of
from pipeline.report.sentences import phrase


def warned_findings(data: ReportData, place: str, year: int, severities: list[str]) -> list:
    """The place's full-year problems rated with one of `severities` (by a warning rule), in report order."""
    rows = findings_of(data, place, year)
    if rows.empty:
        return []
    hit = rows[(rows["polarity"] == "problem") & rows["severity"].isin(severities) & (rows["period"] == FULL_YEAR)]
    return [r for _, r in hit.iterrows()]


def warning_notice(data: ReportData, region: str, place: str, year: int, settings: dict) -> Document | None:
    """The letter to `place`, or None when nothing it found carries a warning of the severities named."""
    signals = warned_findings(data, place, year, settings["severities"])
    if not signals:
        return None
    w = data.words
    p = Phraser(data, Citer())
    names = {"place": data.name(place), "region": data.name(region)}
    # each signal with the severity its warning rule gave it (the finding's), nothing counted or ranked here
    items = [phrase(p, r) + w("notice.severity", severity=w(f"severity.{r['severity']}")) for r in signals]
    body = ([w("notice.synthetic")] if is_synthetic(region) else []) + [
        w("notice.opening", year=year)]
    closing = [w("notice.ask", days=settings["reply_within_days"], issuer=settings["issuer"].format(**names),
                 next_year=year + 1)]
    doc = Document(w("notice.title", place=names["place"], year=year),
                   [settings["recipient"].format(**names) + w("colon").strip(), *body],
                   {"problems": items, "suggestions": closing}, p.citer.figures, None, w.raw("writeup.sections"), w,
                   [r["finding_id"] for r in signals])
    return renumbered(doc)


def notice_docx(doc: Document, settings: dict, names: dict, year: int) -> bytes:
    from pipeline.report.official_docx import to_notice_docx

    w = doc.words
    recipient, *body = doc.preamble
    signature = [settings["issuer"].format(**names), w("notice.date", year=year + 1)]
    sources = [w("notice.source", n=f.n, label=f.label, when=f.when, text=f.text + f.unit,
                         source=f.source) for f in doc.figures if f.marked]
    if sources:
        sources[0] = w("notice.sources") + sources[0]
    return to_notice_docx(doc.title, recipient, body, doc.sections["problems"], doc.sections["suggestions"],
                          signature, sources, zh=w.lang == "zh")


def write_notice(data: ReportData, region: str, place: str, year: int, settings: dict, folder: Path) -> Path | None:
    """notice.docx in `folder` when the place has a warning of the severities named; None otherwise."""
    from pipeline.config import write_atomic

    doc = warning_notice(data, region, place, year, settings)
    if doc is None:
        return None
    blob = notice_docx(doc, settings, {"place": data.name(place), "region": data.name(region)}, year)
    from pipeline.report.notebooks.jobs import output

    target = folder / output("county", "notice")
    write_atomic(target, lambda path: path.write_bytes(blob))
    return target
