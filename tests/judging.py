"""In-memory marts for judging one measure: figures in, the findings stage's finding and its sentence out.

The measures mart rows are made by the real judgement functions (pipeline/judgement.py: year-on-year,
trend against the baseline, gap to the region) from values given by hand, and ranked as the measures
SQL ranks (rank 1 = best by the catalog's direction); the findings are made by the real findings rules
(pipeline/findings) and phrased by the real phrase tables. No file, no DuckDB, no pipeline run: a case
costs milliseconds, so the golden set runs in the fast tier.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from pipeline.catalog import load_catalog
from pipeline.divisions import read_divisions
from pipeline.findings.context import Context
from pipeline.findings.rules import load_rules
from pipeline.findings.schema import to_frame
from pipeline.judgement import JudgementConfig, against_region, trend_against_baseline, year_on_year
from pipeline.report.data import ReportData, report_settings
from pipeline.report.phrasing import Phraser
from pipeline.report.sentences import sentence

REPO = Path(__file__).resolve().parents[1]
REGION = "990100"
# the demo region's places (names from data/reference/divisions.csv); values are the test's own
PLACES = ["990101", "990102", "990103", "990121", "990122", "990123", "990124", "990125", "990126", "990181"]


def params() -> dict:
    return yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))


class Judging:
    """The catalog, rules, divisions and words of the repository, loaded once."""

    def __init__(self, lang: str = "zh", **findings):
        self.params = params()
        self.params["findings"].update(findings)
        self.catalog = load_catalog(REPO / "data" / "reference" / "indicators.yaml")
        self.rules = load_rules(REPO, self.params, self.catalog)
        self.cfg = JudgementConfig.from_params(self.params, self.catalog)
        self.divisions = read_divisions(REPO / "data" / "reference" / "divisions.csv").set_index("code")
        self.words, self.sections = report_settings(REPO, self.catalog, lang)

    def marts(self, measure: str, values: dict[str, dict[int, float]], region: dict[int, float] | None = None
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """County and region rows of one measure: `values` place -> year -> value (every place the same
        years); the region's figure is `region` when given, else the mean of the places."""
        m = self.catalog.measure(measure)
        rows = [{"region_code": REGION, "county_code": c, "year": y, "period": "full_year", "measure": measure,
                 "value": float(v) if v is not None else float("nan"), "status": "ok", "approximate": False,
                 "source_file": f"data/raw/{REGION}/{y}.csv", "source_row": PLACES.index(c) + 3,
                 "source_cell": f"{y}.csv!D{PLACES.index(c) + 3}"}
                for c, series in values.items() for y, v in series.items()]
        county = pd.DataFrame(rows)
        years = sorted(county["year"].unique())
        reg = []
        for y in years:
            here = county[(county["year"] == y) & county["value"].notna()]
            value = region[y] if region and y in region else here["value"].mean()
            reg.append({"region_code": REGION, "year": y, "period": "full_year", "measure": measure, "value": value,
                        "approximate": False, "counties_reporting": len(here),
                        "reporting_counties": sorted(here["county_code"]), "coverage_changed": False,
                        "counties_reporting_previous": len(here)})
        keys = ["region_code", "period"]
        region_rows = trend_against_baseline(year_on_year(pd.DataFrame(reg), self.catalog, self.cfg, keys),
                                             self.catalog, self.cfg, keys)
        county = year_on_year(county, self.catalog, self.cfg, ["region_code", "county_code", "period"])
        county = trend_against_baseline(county, self.catalog, self.cfg, ["region_code", "county_code", "period"])
        county = against_region(county, region_rows, self.catalog)
        sign = 1 if m.direction == "higher_is_worse" else -1
        county["rank_in_region"] = (county.assign(_k=sign * county["value"]).groupby("year")["_k"]
                                    .rank(method="min").astype("Int64"))
        county["counties_ranked"] = county.groupby("year")["value"].transform("count")
        county["rank_order"] = "best_first" if m.direction != "neutral" else "highest_first"
        return county, region_rows

    def context(self, county: pd.DataFrame, region: pd.DataFrame, warnings: pd.DataFrame | None = None,
                evaluation: pd.DataFrame | None = None) -> Context:
        warn = warnings if warnings is not None else pd.DataFrame(columns=["region_code", "county_code", "year",
                                                                            "measure"])
        ev = evaluation if evaluation is not None else pd.DataFrame(columns=["county_code", "region_code", "year",
                                                                             "index"])
        return Context(self.catalog, self.rules, self.divisions, county, region, ev, warn)

    def said(self, findings: list) -> list:
        """Each finding's sentence as every output prints it (no notes)."""
        frame = to_frame(findings, self.rules.topic_order)
        data = ReportData(self.divisions, self.catalog, self.words, self.sections, findings=frame)
        p = Phraser(data)
        return [sentence(p, r) for _, r in frame.iterrows()]
