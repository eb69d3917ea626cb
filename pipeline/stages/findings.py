"""Findings stage: every statement a report may make, judged once from the marts (pipeline/findings).

Reads the measures, evaluation and warnings marts, the divisions, the catalog,
the records of issued reports (data/issued/<region>/<year>.json, pipeline/findings/issued.py),
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
from pipeline.config import (
    Paths,
    first_year_setting,
    load_params,
    project_root,
    publish,
    remove_stale_temps,
    safe_code,
)
from pipeline.divisions import read_divisions
from pipeline.errors import ConfigError, run_stage
from pipeline.findings.context import Context
from pipeline.findings.follow_up import follow_up_findings
from pipeline.findings.grades import grade_findings
from pipeline.findings.issued import last_issued, read_issued
from pipeline.findings.priority import rank_problems
from pipeline.findings.region import region_findings
from pipeline.findings.rules import load_rules
from pipeline.findings.schema import Finding, to_frame
from pipeline.findings.scoring import veto_within_trend
from pipeline.findings.unit import base_of, unit_findings
from pipeline.periods import FULL_YEAR
from pipeline.stage_cache import StageCache
from pipeline.stage_runner import map_regions


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
    """Every place's and region's findings, year by year; each year follows up the main problems of the last
    report issued before it (data/issued/), if any."""
    found: list[Finding] = []
    for region in regions:
        for year in range(first, last + 1):
            this_year: dict[str, list[Finding]] = {}
            for unit in ctx.units(region):
                mine = unit_findings(ctx, region, unit, year)
                mine += grade_findings(ctx, base_of(ctx, "unit", unit, region, year), unit, year)
                veto_within_trend(mine)
                this_year[unit] = with_summaries(ctx, mine, "unit", unit, region, year)
            this_year[region] = with_summaries(ctx, region_findings(ctx, region, year, dict(this_year)), "region",
                                               region, region, year)
            for code, mine in this_year.items():
                scope = "region" if code == region else "unit"
                base = base_of(ctx, scope, code, region, year)
                stated = mine + follow_up_findings(ctx, base, last_issued(ctx.issued, code, year), mine)
                rank_problems(stated, ctx.rules)
                found += stated
    return to_frame(found, ctx.rules.topic_order)


MART_INPUTS = (marts.COUNTY, marts.REGION, marts.EVALUATION, marts.WARNINGS, marts.EVALUATION_CONTRIBUTIONS,
               marts.EVALUATION_ADJUSTMENTS, marts.EVALUATION_AUDIT)


def read_inputs(root) -> dict[str, pd.DataFrame]:
    """The marts findings are judged from (an evaluation or warnings mart not built yet reads as empty)."""
    frames = {name: marts.read_mart(root, name) if marts.mart_path(root, name).is_file() else pd.DataFrame()
              for name in MART_INPUTS}
    if frames[marts.WARNINGS].empty:
        frames[marts.WARNINGS] = pd.DataFrame(columns=["region_code", "county_code", "year", "measure"])
    if frames[marts.EVALUATION].empty:
        frames[marts.EVALUATION] = pd.DataFrame(columns=["county_code", "region_code", "year", "index"])
    return frames


def load_context(root, params: dict, frames: dict[str, pd.DataFrame] | None = None,
                 issued: dict | None = None) -> Context:
    paths = Paths(root)
    catalog = load_catalog(paths.catalog)
    rules = load_rules(root, params, catalog)
    frames = read_inputs(root) if frames is None else frames
    national = frames.get(marts.NATIONAL)
    if national is None and marts.mart_path(root, marts.NATIONAL).is_file():
        national = marts.read_mart(root, marts.NATIONAL)
    return Context(catalog, rules, read_divisions(paths.divisions).set_index("code"),
                   frames[marts.COUNTY], frames[marts.REGION], frames[marts.EVALUATION], frames[marts.WARNINGS],
                   national=national if national is not None else pd.DataFrame(),
                   contributions=frames[marts.EVALUATION_CONTRIBUTIONS],
                   adjustments=frames[marts.EVALUATION_ADJUSTMENTS], audit=frames[marts.EVALUATION_AUDIT],
                   issued=issued or {})


def region_findings_frames(root, params: dict, regions: list[str]) -> tuple[pd.DataFrame, StageCache]:
    """Every region's findings, each computed from its own rows (and its issued reports) only, or read back
    when those are unchanged (pipeline.stage_runner); the nation's figures are every region's."""
    first, last = first_year_setting(params), int(params["ingest"]["last_year"])
    frames = read_inputs(root)
    if marts.mart_path(root, marts.NATIONAL).is_file():
        frames[marts.NATIONAL] = marts.read_mart(root, marts.NATIONAL)
    issued = {region: read_issued(root, region) for region in regions}

    def compute(region: str, own: dict[str, pd.DataFrame]) -> pd.DataFrame:
        ctx = load_context(root, params, own, issued[region])  # the rules checked before any figure is read
        years = own[marts.REGION]["year"] if "year" in own[marts.REGION].columns else []
        start = first if first is not None else (int(min(years)) if len(years) else last + 1)  # auto: its first
        return build_findings(ctx, [region], start, last)

    def issued_bytes(region: str) -> bytes:
        return json.dumps(issued[region], sort_keys=True, ensure_ascii=False).encode()

    found, cache = map_regions(root, "findings", params, frames, regions, compute, issued_bytes)
    if not regions:
        found = build_findings(load_context(root, params), [], first if first is not None else last + 1, last)
    return found, cache


def main() -> None:
    run_stage("结论生成", run, "上次的结论表保持不变")


def run() -> None:
    root = project_root()
    paths = Paths(root)
    params = load_params(root)
    remove_stale_temps(paths.marts, paths.metrics)
    regions = [safe_code(r) for r in params["ingest"]["regions"]]
    try:
        findings, cache = region_findings_frames(root, params, regions)
    except ConfigError as err:
        print(err, file=sys.stderr)
        sys.exit(1)
    year = int(params["report"]["year"])
    latest = findings[(findings["year"] == year) & (findings["period"] == FULL_YEAR)]
    summary = {r: {p: int(n) for p, n in g["polarity"].value_counts().sort_index().items()}
               for r, g in latest.groupby("region_code")}
    text = json.dumps({"findings": {"year": year, "by_region": summary}}, indent=2) + "\n"
    publish({marts.mart_path(root, marts.FINDINGS): lambda p: marts.write_mart(p, findings),
             paths.metrics / "findings.json": lambda p: p.write_text(text, encoding="utf-8")})
    print(f"结论生成完成：共 {len(findings)} 条，{year} 年 {len(latest)} 条 -> data/marts/findings.parquet")
    print(cache.summary("地区"))


if __name__ == "__main__":
    main()
