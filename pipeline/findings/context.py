"""The marts of one findings run, split once by place and period, and the figures a finding cites."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipeline.catalog import Catalog
from pipeline.findings.rules import Rules
from pipeline.numbers import fixed
from pipeline.periods import FULL_YEAR

# the columns of the measures marts a finding reads (the rest is not split into records)
USED_COLUMNS = {"county_code", "region_code", "year", "period", "measure", "value", "status", "approximate",
                "change_status", "yoy_change", "judgement", "flat_band", "trend_baseline", "trend_baseline_from",
                "trend_baseline_to", "trend_change", "trend_status", "region_gap", "rank_in_region",
                "counties_ranked", "rank_order", "source_file", "source_row", "source_cell", "counties_reporting",
                "reporting_counties", "coverage_changed", "counties_reporting_previous"}


def missing(x: object) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and x != x)


def number_or_none(x: object) -> float | None:
    """A mart value as a float for the evidence, None when missing."""
    return None if missing(x) else float(x)


@dataclass
class Context:
    catalog: Catalog
    rules: Rules
    divisions: pd.DataFrame  # indexed by code: name, level, parent_code
    county: pd.DataFrame  # county_year_measures, every period
    region: pd.DataFrame  # region_year_measures, every period
    evaluation: pd.DataFrame
    warnings: pd.DataFrame
    _units: dict = field(default_factory=dict, repr=False)
    _regions: dict = field(default_factory=dict, repr=False)
    _warnings: dict = field(default_factory=dict, repr=False)
    _evaluation: dict = field(default_factory=dict, repr=False)
    _region_evaluation: dict = field(default_factory=dict, repr=False)
    grade_labels: list = field(default_factory=list, repr=False)
    national: pd.DataFrame = field(default_factory=pd.DataFrame)  # the national benchmark mart (published)
    contributions: pd.DataFrame = field(default_factory=pd.DataFrame)  # 失分分析 (evaluation_contributions)
    adjustments: pd.DataFrame = field(default_factory=pd.DataFrame)  # deductions and vetoes (evaluation_adjustments)
    audit: pd.DataFrame = field(default_factory=pd.DataFrame)  # the evaluation audit, one row per indicator
    _contributions: dict = field(default_factory=dict, repr=False)
    _adjustments: dict = field(default_factory=dict, repr=False)
    _audit: dict = field(default_factory=dict, repr=False)
    _delivered: set = field(default_factory=set, repr=False)
    _unit_levels: dict = field(default_factory=dict, repr=False)
    _reported: set = field(default_factory=set, repr=False)
    # the region's issued reports: year -> place -> the main problems each stated (pipeline/findings/issued.py)
    issued: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # plain dicts of records: a province run looks rows up ~10^5 times, and a pandas
        # row lookup costs a millisecond where a dict costs a microsecond
        for frame, key, store in ((self.county, "county_code", self._units), (self.region, "region_code",
                                                                                self._regions)):
            for r in frame[[c for c in frame.columns if c in USED_COLUMNS]].to_dict("records"):
                store.setdefault((r[key], r["period"]), {})[(r["measure"], int(r["year"]))] = r
        full = self.region[self.region["period"] == FULL_YEAR]
        seen = full[full["counties_reporting"] > 0]
        self._reported = set(zip(seen["region_code"], seen["measure"], strict=True))
        done = self.county[self.county["status"] != "not_delivered"]
        self._delivered = set(zip(done["county_code"], done["year"].astype(int), done["period"], strict=True))
        for key, g in self.warnings.groupby(["county_code", "year"], sort=False):
            self._warnings[key] = g.to_dict("records")
        self.grade_labels = [c[2:] for c in self.evaluation.columns if c.startswith("p_")]
        for r in self.evaluation.sort_values("year", kind="stable").to_dict("records") if len(self.evaluation) else []:
            self._evaluation.setdefault(r["county_code"], []).append(r)
            self._region_evaluation.setdefault((r["region_code"], int(r["year"])), []).append(r)
        for frame, keys, store in ((self.contributions, ["county_code", "year"], self._contributions),
                                   (self.adjustments, ["county_code", "year"], self._adjustments),
                                   (self.audit, ["region_code", "year"], self._audit)):
            for key, g in (frame.groupby(keys, sort=False) if len(frame) else ()):
                store[(key[0], int(key[1]))] = g.to_dict("records")

    def warnings_of(self, code: str, year: int) -> list[dict]:
        """The warnings a place tripped in a year, in rule order."""
        return self._warnings.get((code, year), [])

    def evaluation_of(self, code: str, until: int) -> list[dict]:
        """The evaluation rows of a place up to a year, oldest first (none when evaluate has not run)."""
        return [r for r in self._evaluation.get(code, []) if r["year"] <= until]

    def region_evaluation(self, region: str, year: int) -> list[dict]:
        """The evaluation rows of a region's places in one year."""
        return self._region_evaluation.get((region, int(year)), [])

    def contributions_of(self, code: str, year: int) -> list[dict]:
        """The place's 失分分析 rows of a year (one per indicator, largest loss first); none when not graded."""
        return sorted(self._contributions.get((code, int(year)), []), key=lambda r: r["loss_rank"])

    def adjustments_of(self, code: str, year: int) -> list[dict]:
        """The deductions and vetoes that touched the place in a year, in params order."""
        return self._adjustments.get((code, int(year)), [])

    def audit_of(self, region: str, year: int) -> list[dict]:
        """The evaluation audit rows of a region-year (one per indicator)."""
        return self._audit.get((region, int(year)), [])

    # -- rows

    def row(self, scope: str, code: str, measure: str, year: int, period: str = FULL_YEAR) -> dict | None:
        """One mart row (as a dict) of a place or region, measure, year and period; None when absent."""
        rows = (self._units if scope == "unit" else self._regions).get((code, period))
        return None if rows is None else rows.get((measure, int(year)))

    def value(self, scope: str, code: str, measure: str, year: int, period: str = FULL_YEAR) -> float | None:
        r = self.row(scope, code, measure, year, period)
        return None if r is None or missing(r["value"]) else float(r["value"])

    def delivered(self, code: str, year: int, period: str = FULL_YEAR) -> bool:
        return (code, int(year), period) in self._delivered

    def ever_reported(self, region: str, measure: str) -> bool:
        """Some place of the region delivered the measure in some full year in scope: it is expected."""
        return (region, measure) in self._reported

    def partial_periods(self, code: str, year: int) -> list[str]:
        """Partial periods a place delivered in `year`, in period order (from the mart's order)."""
        periods = [p for (c, p) in self._units if c == code and p != FULL_YEAR]
        return [p for p in periods if self.delivered(code, year, p)]

    # -- places

    def level(self, code: str) -> str:
        return str(self.divisions.loc[code, "level"]) if code in self.divisions.index else ""

    def units(self, region: str) -> list[str]:
        return sorted(self.divisions.index[self.divisions["parent_code"] == region])

    def unit_level(self, region: str) -> str:
        """The level of the places under a region (the most common one; ranks stay within a level)."""
        if region not in self._unit_levels:
            levels = self.divisions.loc[self.units(region), "level"]
            self._unit_levels[region] = str(levels.mode().iloc[0]) if len(levels) else ""
        return self._unit_levels[region]

    # -- figures

    def printed(self, measure: str, value: float | None) -> str | None:
        """A value as every report prints it, rounded half up (the renderer adds % or 约)."""
        if missing(value):
            return None
        return fixed(float(value), self.catalog.measure(measure).decimals, thousands=True)

    def national_figure(self, measure: str, year: int) -> dict | None:
        """The nation's figure of the latest published year up to `year`, with its source; None if none."""
        nat = self.national
        if nat.empty:
            return None
        rows = nat[(nat["measure"] == measure) & (nat["year"] <= year) & (nat["period"] == FULL_YEAR)]
        if rows.empty:
            return None
        r = rows.sort_values("year").iloc[-1]
        return {"scope": "nation", "place": "", "measure": measure, "year": int(r["year"]), "period": FULL_YEAR,
                "value": float(r["value"]), "text": str(r["text"]), "approximate": False,
                "source": {"published": str(r["source"])}}

    def figure(self, scope: str, code: str, measure: str, year: int, period: str = FULL_YEAR,
               value: float | None = None) -> dict:
        """A figure of the marts with its printed text and where it comes from."""
        r = self.row(scope, code, measure, year, period)
        v = value if value is not None else (None if r is None or missing(r["value"]) else float(r["value"]))
        fig = {"scope": scope, "place": code, "measure": measure, "year": int(year), "period": period, "value": v,
               "text": self.printed(measure, v),
               "approximate": bool(r is not None and not missing(r.get("approximate")) and r["approximate"])}
        if scope == "region":
            fig["source"] = {"rule": self.catalog.measure(measure).region_rule,
                             "places": None if r is None else int(r["counties_reporting"])}
        elif r is not None and isinstance(r["source_file"], str):
            fig["source"] = {"file": r["source_file"], "row": int(r["source_row"]), "cell": r["source_cell"]}
        else:
            inputs = self.input_cells(code, measure, year, period) if scope == "unit" else None
            fig["source"] = {"formula": measure, **({"inputs": inputs} if inputs else {})}
        return fig

    def input_cells(self, code: str, measure: str, year: int, period: str = FULL_YEAR) -> dict | None:
        """The cells a computed figure of a place comes from, when they are one row of one delivery (the 131 and
        391 behind 33.5 %: file, row and cells), so a report can say where to look; None otherwise."""
        rows = [r for m in self.catalog.raw_inputs(measure) if (r := self.row("unit", code, m, year, period))]
        files = {r["source_file"] for r in rows if isinstance(r["source_file"], str)}
        lines = {int(r["source_row"]) for r in rows if not missing(r["source_row"])}
        if not rows or len(files) != 1 or len(lines) != 1 or any(missing(r["source_cell"]) for r in rows):
            return None
        return {"file": files.pop(), "row": lines.pop(), "cells": [str(r["source_cell"]) for r in rows]}
