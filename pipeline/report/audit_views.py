"""The region-year's audit of the evaluation, as the region notebook shows it (from the evaluation marts).

Coverage, internal consistency, outliers and winsorised values, each
indicator's shape and link with the index, and each place's strengths and
weaknesses: statistics the evaluate stage computed, displayed here.
"""

from __future__ import annotations

import pandas as pd

from pipeline.report.data import ReportData
from pipeline.report.fmt import missing, number, percent_text, value_text


def audit_parts(data: ReportData, region: str, year: int) -> list[object]:
    """The region-year's audit: coverage, internal consistency, outliers and winsorised values, each
    indicator's shape and link with the index, and each county's strengths and weaknesses (from the marts)."""
    w, cat = data.words, data.catalog
    audit = data.evaluation_audit
    audit = audit[(audit["region_code"] == region) & (audit["year"] == year)] if not audit.empty else audit
    if audit.empty:
        return []
    a = "notebook.audit."
    first = audit.iloc[0]
    n = int(first["counties"])
    gaps = [w(a + "coverage_item", name=cat.name(r.indicator, data.lang), k=int(r.counties_with_value), n=n)
            for r in audit.itertuples() if r.coverage < 1]
    lines = [w(a + "coverage_gaps", items=w.sep.join(gaps)) if gaps else w(a + "coverage_full", n=n)]
    skipped = {k: bool(first[k]) if k in audit.columns else False
               for k in ("statistics_skipped", "winsorisation_skipped")}
    if skipped["statistics_skipped"]:
        lines.append(w(a + "statistics_skipped", n=int(first["counties_graded"]), min=int(first["statistics_minimum"])))
    elif missing(first["cronbach_alpha"]):
        lines.append(w(a + "alpha_none"))
    else:
        key = "alpha_ok" if bool(first["alpha_adequate"]) else "alpha_low"
        lines.append(w(a + key, alpha=number(first["cronbach_alpha"], 2), min=number(first["alpha_min"], 1)))
    if not missing(first["pc1_share"]):
        lines.append(w(a + "pc1", share=percent_text(first["pc1_share"])))
    if skipped["winsorisation_skipped"]:
        lines.append(w(a + "winsorisation_skipped", min=int(first["winsorisation_minimum"])))
    flagged = audit[audit["beyond_limits"] == True]  # noqa: E712
    if not skipped["statistics_skipped"]:  # no shape computed, none to report
        lines.append(w(a + "outliers", items=w.sep.join(
            w(a + "outlier_item", name=cat.name(r.indicator, data.lang), skew=number(r.skewness, 2),
              kurt=number(r.kurtosis, 2)) for r in flagged.itertuples())) if len(flagged)
            else w(a + "outliers_none", skew=number(first["skew_limit"], 1), kurt=number(first["kurtosis_limit"], 1)))
    treated = data.evaluation_treatment
    treated = treated[(treated["region_code"] == region) & (treated["year"] == year)] if not treated.empty else treated
    if len(treated):
        lines.append(w(a + "winsorised", items=w.sep.join(
            w(a + "winsorised_item", county=data.label(r.county_code), name=cat.name(r.indicator, data.lang),
              before=value_text(cat, r.indicator, r.before), after=value_text(cat, r.indicator, r.after))
            for r in treated.itertuples())))
    cols = w.raw(a + "columns")
    table = data.table(region, year, "audit").map(lambda v: w("none_mark") if v is None else v)
    table.index = pd.Index([cat.name(c, data.lang) for c in table.index], name=cols[0])
    table.columns = cols[1:]
    profile = []
    strong = data.table(region, year, "profile")
    if len(strong):
        pc = w.raw(a + "profile_columns")

        def names(codes: str | None) -> str:
            return w.sep.join(cat.name(c, data.lang) for c in (codes or "").split(",") if c) or w("none_mark")

        profile = [w(a + "profile_intro"), pd.DataFrame(
            {pc[1]: [names(v) for v in strong["strengths"]], pc[2]: [names(v) for v in strong["weaknesses"]]},
            index=pd.Index([data.label(c) for c in strong.index], name=pc[0]))]
    return [w(a + "heading", year=year), "\n".join(f"- {line}" for line in lines), table, *profile]
