"""Findings stage: every statement a report may make, judged once from the marts (pipeline/findings).

Reads the measures, evaluation and warnings marts, the divisions, the catalog,
data/reference/findings.yaml and params.yaml (`findings`, `judgement`,
`report.sections`, `evaluation.grades`), and writes
  data/marts/findings.parquet  one row per statement, for every place and region,
      every year in scope and every period delivered (schema: pipeline.findings.schema);
  metrics/findings.json        achievements and problems per region in the report year.
A rule, topic or suggestion key that is not defined stops the stage before
anything is written, naming the key and the file.

Run: python -m pipeline.stages.findings
"""

from __future__ import annotations

import json
import sys

import pandas as pd

from pipeline import marts
from pipeline.catalog import load_catalog
from pipeline.config import Paths, load_params, project_root, publish, remove_stale_temps, safe_code
from pipeline.divisions import read_divisions
from pipeline.errors import ConfigError, run_stage
from pipeline.findings.context import Context
from pipeline.findings.follow_up import follow_up_findings
from pipeline.findings.grades import grade_findings
from pipeline.findings.region import region_findings
from pipeline.findings.rules import load_rules
from pipeline.findings.schema import Finding, to_frame
from pipeline.findings.unit import base_of, unit_findings
from pipeline.periods import FULL_YEAR


def with_summaries(ctx: Context, found: list[Finding], scope: str, code: str, region: str, year: int) -> list[Finding]:
    """Say so when a year with data has no problem, or no achievement: never concluded without data."""
    if any(f.topic == "no_data" for f in found):
        return found
    base = base_of(ctx, scope, code, region, year)
    full = [f for f in found if f.period == FULL_YEAR]
    for polarity in ("problem", "achievement"):
        if not any(f.polarity == polarity for f in full):
            checked = sorted({f.topic for f in full})
            found.append(Finding(**base, topic="none_found", subject=polarity, verdict=f"no_{polarity}",
                                 polarity="neutral", evidence={"checked": checked}))
    return found


def build_findings(ctx: Context, regions: list[str], first: int, last: int) -> pd.DataFrame:
    """Every place's and region's findings, year by year; each year follows up the year before's problems."""
    found: list[Finding] = []
    for region in regions:
        last_year: dict[str, list[Finding]] = {}
        for year in range(first, last + 1):
            this_year: dict[str, list[Finding]] = {}
            for unit in ctx.units(region):
                mine = unit_findings(ctx, region, unit, year)
                mine += grade_findings(ctx, base_of(ctx, "unit", unit, region, year), unit, year)
                this_year[unit] = with_summaries(ctx, mine, "unit", unit, region, year)
            this_year[region] = with_summaries(ctx, region_findings(ctx, region, year), "region", region, region,
                                               year)
            for code, mine in this_year.items():
                scope = "region" if code == region else "unit"
                base = base_of(ctx, scope, code, region, year)
                found += mine + follow_up_findings(ctx, base, last_year.get(code, []), mine)
            last_year = this_year
    return to_frame(found, ctx.rules.topic_order)


def load_context(root, params: dict) -> Context:
    paths = Paths(root)
    catalog = load_catalog(paths.catalog)
    rules = load_rules(root, params, catalog)
    optional = {name: marts.read_mart(root, name) if marts.mart_path(root, name).is_file() else pd.DataFrame()
                for name in (marts.EVALUATION, marts.WARNINGS, marts.EVALUATION_CONTRIBUTIONS,
                             marts.EVALUATION_ADJUSTMENTS, marts.EVALUATION_AUDIT)}
    warnings = optional[marts.WARNINGS]
    if warnings.empty:
        warnings = pd.DataFrame(columns=["county_code", "year", "measure"])
    evaluation = optional[marts.EVALUATION]
    if evaluation.empty:
        evaluation = pd.DataFrame(columns=["county_code", "region_code", "year", "index"])
    national = marts.read_mart(root, marts.NATIONAL) if marts.mart_path(root, marts.NATIONAL).is_file() else None
    return Context(catalog, rules, read_divisions(paths.divisions).set_index("code"),
                   marts.read_mart(root, marts.COUNTY), marts.read_mart(root, marts.REGION), evaluation, warnings,
                   national=national if national is not None else pd.DataFrame(),
                   contributions=optional[marts.EVALUATION_CONTRIBUTIONS],
                   adjustments=optional[marts.EVALUATION_ADJUSTMENTS], audit=optional[marts.EVALUATION_AUDIT])


def main() -> None:
    run_stage("结论生成", run, "上次的结论表保持不变")


def run() -> None:
    root = project_root()
    paths = Paths(root)
    params = load_params(root)
    remove_stale_temps(paths.marts, paths.metrics)
    try:
        ctx = load_context(root, params)
    except ConfigError as err:
        print(err, file=sys.stderr)
        sys.exit(1)
    regions = [safe_code(r) for r in params["ingest"]["regions"]]
    first, last = int(params["ingest"]["first_year"]), int(params["ingest"]["last_year"])
    findings = build_findings(ctx, regions, first, last)
    year = int(params["report"]["year"])
    latest = findings[(findings["year"] == year) & (findings["period"] == FULL_YEAR)]
    summary = {r: {p: int(n) for p, n in g["polarity"].value_counts().sort_index().items()}
               for r, g in latest.groupby("region_code")}
    text = json.dumps({"findings": {"year": year, "by_region": summary}}, indent=2) + "\n"
    publish({marts.mart_path(root, marts.FINDINGS): lambda p: findings.to_parquet(p, index=False),
             paths.metrics / "findings.json": lambda p: p.write_text(text, encoding="utf-8")})
    print(f"结论生成完成：共 {len(findings)} 条，{year} 年 {len(latest)} 条 -> data/marts/findings.parquet")


if __name__ == "__main__":
    main()
