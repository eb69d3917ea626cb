"""How a place's grade was scored, as the notebooks show it: 失分分析 (points and points lost per indicator),
deductions and grade caps; and, for a region, the caveats its size brings and the places adjusted.

Everything comes from the findings of pipeline.findings.scoring: the table of
points is the point_losses finding's evidence, in its order (largest loss first).
"""

from __future__ import annotations

import pandas as pd

from pipeline.report.data import ReportData
from pipeline.report.phrasing import Phraser, evidence, finding
from pipeline.report.view_parts import Section, findings_where


def losses_table(data: ReportData, f) -> pd.DataFrame:
    """One row per indicator, largest loss first, and a total row: points and points lost add up to the
    index and to 100 minus it."""
    w, cat, ev = data.words, data.catalog, evidence(f)
    cols = w.raw("notebook.columns")
    none = w("none_mark")
    rows = [[cat.name(i["indicator"], data.lang), i["normalised_text"] or none, i["weight_text"] or none,
             i["points_text"] or none, i["lost_text"] or none, i["share_of_loss_text"] or none] for i in ev["items"]]
    rows.append([w("notebook.losses_total"), "", ev["weight_text"], ev["points_text"], ev["lost_text"],
                 ev["share_of_loss_text"] or none])
    names = [cols[k] for k in ("indicator", "normalised", "weight", "points", "points_lost", "share_of_loss")]
    return pd.DataFrame(rows, columns=names).set_index(names[0])


def scoring_section(data: ReportData, county: str, year: int) -> Section:
    """The county's 失分分析 (sentence and table), then each deduction and grade cap that touched it."""
    p = Phraser(data)
    section = Section()
    losses = finding(data, county, year, "point_losses")
    if losses is not None:
        section.add(data.words("notebook.losses_heading", year=year)).state(p, losses)
        section.add(losses_table(data, losses), data.words("notebook.losses_note"))
    for topic in ("deduction", "veto"):
        for f in findings_where(data, county, year, (topic,)):
            section.state(p, f, bold=f["polarity"] == "problem")
    return section


def region_scoring_section(data: ReportData, region: str, year: int) -> Section:
    """The region's caveats (what its size and the settings changed) and the places adjusted."""
    p = Phraser(data)
    section = Section()
    for topic in ("evaluation_caveats", "units_adjusted"):
        section.state(p, finding(data, region, year, topic))
    return section
