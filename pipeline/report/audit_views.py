"""The region-year's audit of the evaluation, as the region notebook shows it (from the evaluation marts).

Coverage, internal consistency, outliers and winsorised values, each
indicator's shape and link with the index, and each place's strengths and
weaknesses: statistics the evaluate stage computed, displayed here.
"""

from __future__ import annotations

import pandas as pd

from pipeline.report.data import ReportData
from pipeline.report.fmt import missing


def _joined(data: ReportData, item: str, rows: list[dict]) -> str:
    """Consecutive notes of one kind (each indicator lacking places, each outlier, each value winsorised) as
    one sentence's items."""
    w, cat = data.words, data.catalog
    return w.sep.join(w(item, **{k: v for k, v in r.items() if k not in {"indicator", "county"}},
                        **({"name": cat.name(r["indicator"], data.lang)} if r.get("indicator") else {}),
                        **({"county": data.label(r["county"])} if r.get("county") else {}))
                      for r in rows)


# a note kind listed item by item -> (the line's key, each item's key); the other kinds are a line each
LISTED = {"coverage_gap": ("coverage_gaps", "coverage_item"), "outlier": ("outliers", "outlier_item"),
          "winsorised": ("winsorised", "winsorised_item")}


def audit_lines(data: ReportData, region: str, year: int) -> list[str]:
    """The audit's notes as the presentation stage listed them, one line per note (items of a listed kind
    joined into one line), in its order."""
    notes = data.table(region, year, "audit_notes")
    a = "notebook.audit."
    lines: list[str] = []
    groups: list[tuple[str, list[dict]]] = []
    for _, row in notes.iterrows():
        fields = {k: v for k, v in row.items() if k != "note" and not missing(v)}  # iterrows: None -> NaN
        if groups and groups[-1][0] == row["note"] and row["note"] in LISTED:
            groups[-1][1].append(fields)
        else:
            groups.append((row["note"], [fields]))
    for note, rows in groups:
        if note in LISTED:
            line, item = LISTED[note]
            lines.append(data.words(a + line, items=_joined(data, a + item, rows)))
            continue
        lines.append(data.words(a + note, **rows[0]))
    return lines


def audit_parts(data: ReportData, region: str, year: int) -> list[object]:
    """The region-year's audit: coverage, internal consistency, outliers and winsorised values, each
    indicator's shape and link with the index, and each county's strengths and weaknesses, as the
    presentation stage listed and printed them."""
    w, cat = data.words, data.catalog
    lines = audit_lines(data, region, year)
    if not lines:
        return []
    a = "notebook.audit."
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
