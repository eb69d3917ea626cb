"""Early-warning stage: rules from params.yaml (`warnings.rules`) applied to the measures mart.

Rules are data, not code branches: each names a measure, a rule type
(change / level / run), a condition and a severity. The mart lists every
county-year that trips a rule with its evidence as data (rule, measure, years,
values, changes, threshold, source cell) and no prose: the reports phrase it
in the language they are written in.

Writes data/marts/warnings.parquet and metrics/warnings.json.
Run: python -m pipeline.stages.early_warning
"""

from __future__ import annotations

import json
import operator
import sys
from pathlib import Path

import pandas as pd

from pipeline.catalog import Catalog, load_catalog
from pipeline.config import Paths, load_params, project_root, publish, remove_stale_temps
from pipeline.console import listing
from pipeline.errors import ConfigError, run_stage
from pipeline.marts import COUNTY, WARNINGS, mart_path, scoped_county_measures, write_mart
from pipeline.stage_runner import region_results

OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq}
TYPES = ("change", "level", "run")
SEVERITIES = ("high", "medium", "low")
COLUMNS = ["region_code", "county_code", "county_name", "year", "rule", "label_zh", "label_en", "rule_type",
           "severity", "measure", "op",
           "threshold", "run_years", "value", "previous_value", "change", "change_unit", "evidence_years",
           "evidence_values", "evidence_changes", "source_file", "source_row", "source_cell"]


def check_rules(rules: list[dict], catalog: Catalog) -> None:
    """Refuse a rule that cannot be applied, naming it, the key and what is accepted."""
    ids = []
    for i, rule in enumerate(rules):
        key = f"warnings.rules[{i}]"
        missing = [k for k in ("id", "label", "measure", "type", "severity") if k not in rule]
        if missing:
            raise ConfigError("params.yaml", key, f"缺少 {'、'.join(missing)}")
        key = f"warnings.rules[{i}]（{rule['id']}）"
        if rule["id"] in ids:
            raise ConfigError("params.yaml", key, "规则 id 重复")
        ids.append(rule["id"])
        if not {"zh", "en"} <= set(rule["label"]):
            raise ConfigError("params.yaml", f"{key}.label", "需要中文和英文名称：{zh: ..., en: ...}")
        catalog.check_codes([rule["measure"]], what="预警指标", key=f"{key}.measure")
        if rule["type"] not in TYPES:
            raise ConfigError("params.yaml", f"{key}.type", f"规则类型「{rule['type']}」无效", list(TYPES))
        if rule["severity"] not in SEVERITIES:
            raise ConfigError("params.yaml", f"{key}.severity", f"级别「{rule['severity']}」无效", list(SEVERITIES))
        if rule["type"] in ("change", "level") and (rule.get("op") not in OPS or "threshold" not in rule):
            raise ConfigError("params.yaml", f"{key}.op", "change 和 level 规则需要 op 和 threshold", list(OPS))
        if rule["type"] == "run" and int(rule.get("years", 0)) < 1:
            raise ConfigError("params.yaml", f"{key}.years", "run 规则需要 years（至少 1）")


def apply_rules(measures: pd.DataFrame, rules: list[dict], catalog: Catalog) -> pd.DataFrame:
    """Every (county, year, rule) that trips a rule, with its evidence as data."""
    check_rules(rules, catalog)
    return warnings_frame(tripped(measures, rules), rules)


def tripped(measures: pd.DataFrame, rules: list[dict]) -> list[dict]:
    """The warnings of some places' measures (one region's, on the executor), as rows: a place's warnings
    depend on its own series only, so the regions' rows put together are the whole's."""
    rows = []
    for rule in rules:
        m = measures[measures["measure"] == rule["measure"]].sort_values(["county_code", "year"])
        by_year = m.set_index(["county_code", "year"])
        for r in m.itertuples():
            years: list[int] = [int(r.year)]
            if rule["type"] == "change":
                hit = pd.notna(r.yoy_change) and OPS[rule["op"]](r.yoy_change, float(rule["threshold"]))
                years = [int(r.year) - 1, int(r.year)]
            elif rule["type"] == "level":
                hit = pd.notna(r.value) and OPS[rule["op"]](r.value, float(rule["threshold"]))
            else:
                hit = r.rise_streak >= int(rule["years"])
                years = list(range(int(r.year) - int(r.rise_streak), int(r.year) + 1))
            if hit:
                rows.append(warning_row(rule, r, years, by_year.loc[[(r.county_code, y) for y in years]]))
    return rows


def warning_row(rule: dict, r, years: list[int], evidence: pd.DataFrame) -> dict:
    """One tripped rule: the rule, the figures that tripped it and the cell they came from."""
    return {
        "region_code": r.region_code, "county_code": r.county_code, "county_name": r.county_name,
        "year": int(r.year), "rule": rule["id"], "label_zh": rule["label"]["zh"],
        "label_en": rule["label"]["en"], "rule_type": rule["type"], "severity": rule["severity"],
        "measure": r.measure, "op": rule.get("op"),
        "threshold": float(rule["threshold"]) if "threshold" in rule else None,
        "run_years": int(rule["years"]) if rule["type"] == "run" else None,
        "value": r.value, "previous_value": r.previous_value, "change": r.yoy_change,
        "change_unit": r.yoy_unit, "evidence_years": years,
        "evidence_values": [float(v) for v in evidence["value"]],
        "evidence_changes": [float(v) for v in evidence["yoy_change"]],
        "source_file": r.source_file if isinstance(r.source_file, str) else None,
        "source_row": None if pd.isna(r.source_row) else int(r.source_row),
        "source_cell": r.source_cell if isinstance(r.source_cell, str) else None,
    }


def warnings_frame(rows: list[dict], rules: list[dict]) -> pd.DataFrame:
    """The mart: rows by region, year, place and the rules' order in params.yaml."""
    out = pd.DataFrame(rows, columns=COLUMNS)
    order = {rule["id"]: i for i, rule in enumerate(rules)}
    out["rule_order"] = out["rule"].map(order)
    out = out.sort_values(["region_code", "year", "county_code", "rule_order"]).drop(columns="rule_order")
    return out.reset_index(drop=True)


def regions_warnings(root: Path, params: dict, rules: list[dict]) -> tuple[pd.DataFrame, str]:
    """Every region's warnings, each from its own rows on the executor, or read back where its rows and the
    rules are unchanged (pipeline.stage_runner); and the cache's summary."""
    regions = [str(r) for r in params["ingest"]["regions"]]
    frames = {COUNTY: scoped_county_measures(root, params)}
    found, cache = region_results(root, "early_warning", params, frames, regions,
                                  lambda region, own: tripped(own[COUNTY], rules))
    return warnings_frame([row for r in sorted(regions) for row in found[r]], rules), cache.summary("地区")


def main() -> None:
    run_stage("预警", run, "上次的预警表保持不变")


def run() -> None:
    root = project_root()
    paths = Paths(root)
    params = load_params(root)
    remove_stale_temps(paths.marts, paths.metrics)
    rules = params["warnings"]["rules"]
    try:
        check_rules(rules, load_catalog(paths.catalog))  # before any region is computed
    except ConfigError as err:
        print(err, file=sys.stderr)
        sys.exit(1)
    warnings, summary_of_cache = regions_warnings(root, params, rules)
    year = int(params["report"]["year"])
    latest = warnings[warnings["year"] == year]
    summary = {"year": year, "by_rule": {r: int(n) for r, n in latest["rule"].value_counts().sort_index().items()},
               "counties_warned": int(latest["county_code"].nunique())}
    text = json.dumps({"warnings": summary}, indent=2) + "\n"  # ASCII: DVC reads dense UTF-8 as binary
    publish({mart_path(root, WARNINGS): lambda p: write_mart(p, warnings),
             paths.metrics / "warnings.json": lambda p: p.write_text(text, encoding="utf-8")})
    print(f"预警完成：共 {len(warnings)} 条，{year} 年 {len(latest)} 条")
    print(summary_of_cache)
    severity = {"high": "高", "medium": "中", "low": "低"}
    listing(f"  {year} 年预警（按级别）", [f"[{severity.get(r.severity, r.severity)}] {r.county_code} {r.county_name} "
                                      f"{r.label_zh}" for r in latest.sort_values("severity", key=lambda s: s.map(
                                          {"high": 0, "medium": 1, "low": 2})).itertuples()], "reports/index.html")


if __name__ == "__main__":
    main()
