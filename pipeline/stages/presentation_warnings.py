"""The warnings tables of the presentation stage: which warnings a region's or a county's report lists, in
what order, and the figures each one's evidence prints.

A region-year's `warnings` table lists the year's warnings in the mart's order;
a county's `county_warnings` this year's and last year's, this year's first. Each
row carries the warning's key (the renderer phrases the rule from the mart row
the key names), its severity and its evidence figures printed as the catalog
prints its measure.
"""

from __future__ import annotations

import pandas as pd

from pipeline import marts
from pipeline.catalog import Catalog
from pipeline.numbers import measure_text
from pipeline.stages.presentation_cells import cell, missing, number, records

WARNING_READ = ["county_code", "year", "rule", "severity", "measure", "rule_type", "value", "evidence_values", "change",
                "threshold"]


def warning_figures(r: dict, catalog: Catalog) -> list[tuple[str, str | None]]:
    """The figures a warning's evidence prints, as the catalog prints its measure (half up; a flag yes or no):
    its value, its evidence years' values joined by '|', the size of its change and its threshold (a change rule's without
    sign, in the catalog's change decimals; a level's in the measure's)."""
    if not isinstance(r["measure"], str):
        return []
    m = catalog.measure(r["measure"])

    def printed(v: object) -> str:  # a flag as a code (yes / no), as the evaluation table prints one
        if m.kind == "flag" and not missing(v):
            return "yes" if float(v) == 1 else "no"
        return measure_text(None if missing(v) else float(v), m.decimals, m.kind == "share") or "—"
    change_rule = r["rule_type"] == "change"
    values = [] if r["evidence_values"] is None else list(r["evidence_values"])
    threshold = None if missing(r["threshold"]) else float(r["threshold"])
    return [("value", printed(r["value"])), ("values", "|".join(printed(v) for v in values)),
            ("change", None if missing(r["change"]) else number(abs(float(r["change"])), catalog.change_decimals)),
            ("threshold", None if threshold is None else number(abs(threshold), catalog.change_decimals)
             if change_rule else number(threshold, m.decimals))]


def warning_cells(rows: pd.DataFrame, table: str, catalog: Catalog, place: str = "") -> list[dict]:
    """The warnings a table lists, in its order: each row's key, severity and the figures its evidence prints
    (the renderer phrases the rule and its evidence from the mart row the key names)."""
    out = []
    for i, r in enumerate(records(rows.reindex(columns=WARNING_READ), WARNING_READ)):
        key = marts.warning_key(r["county_code"], r["year"], r["rule"])
        out += [cell(table, i, key, column, None, text, marts.WARNINGS, place)
                for column, text in [("severity", str(r["severity"])), *warning_figures(r, catalog)]]
    return out


def county_warning_cells(warnings: pd.DataFrame, year: int, catalog: Catalog) -> list[dict]:
    """Each county's warnings of this year and the last, this year's first, then by rule id; a county
    without any has no table (its notebook says it tripped none)."""
    recent = warnings[warnings["year"].isin([year - 1, year])] if not warnings.empty else warnings
    out: list[dict] = []
    for county, mine in (recent.groupby("county_code", sort=True) if not recent.empty else ()):
        ordered = mine.sort_values(["year", "rule"], ascending=[False, True], kind="mergesort")
        out += warning_cells(ordered, "county_warnings", catalog, str(county))
    return out
