"""Validate stage: Great Expectations suites on the staging warehouse, then promote it.

The suites in expectations/*.json are the source of truth. GX 1.x has no
DuckDB datasource, so the tables are queried into pandas and validated as
DataFrames. The GX project is rebuilt on every run under build/gx/ (git-
ignored) because GX rewrites the suite files it manages. Data Docs go to
reports/data_docs/ for reviewers, a JSON summary to reports/validation/.

Only when no critical expectation fails is data/staging/warehouse.duckdb
copied over data/warehouse.duckdb (atomically), so a bad delivery never
replaces the last good warehouse.

Run: python -m pipeline.stages.validate            (validate and promote)
     python -m pipeline.stages.validate --write-suites   (regenerate the range suite from the catalog)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from pipeline.catalog import Catalog, load_catalog
from pipeline.config import (
    EARLIEST_YEAR,
    Paths,
    first_year_setting,
    load_params,
    project_root,
    publish,
    remove_stale_temps,
    replace_dir,
)
from pipeline.console import listing
from pipeline.digests import code_digest, digest, files_digest, settings_digest
from pipeline.divisions import is_synthetic, read_divisions, reporting_codes
from pipeline.errors import run_stage
from pipeline.executor import compute_parts, executor_setting
from pipeline.periods import FULL_YEAR
from pipeline.specs import reference_files
from pipeline.stage_cache import StageCache
from pipeline.stages import validation_page
from pipeline.stages.series_checks import Finding, region_gaps, series_findings, shown_value
from pipeline.stages.validation_page import expectation_columns
from pipeline.stages.validation_parts import checked_regions, merge_records

RANGE_SUITE = "indicator_ranges.json"
KEY_COLUMNS = {"county_code", "year", "period", "region_code", "indicator"}


# ---------------------------------------------------------------- suites


def range_suite(catalog: Catalog) -> dict[str, Any]:
    """The suite that keeps every indicator within its hard limits and its level's plausible range.

    Generated from the catalog and committed. Hard limits hold for every row;
    a plausible range holds for the rows of one level (county, prefecture,
    province: GX row conditions on the wide view's `level`), and its rule says
    which level's range applied and where to change it.
    """
    expectations = []
    for ind in catalog.indicators:
        hard_lo, hard_hi = ind.hard_limits
        hard = {"count": "计数不能为负", "share": "占比应在 0–100% 之间", "score": "得分应在 0–100 之间"}[ind.kind]
        kwargs: dict[str, Any] = {"column": ind.code, "min_value": _plain(hard_lo)}
        if hard_hi is not None:
            kwargs["max_value"] = _plain(hard_hi)
        expectations.append({
            "type": "expect_column_values_to_be_between", "kwargs": kwargs, "severity": "critical",
            "meta": {"rule_zh": f"{ind.name_zh}：{hard}（任何级别的单位都不允许）"},
        })
        for level in catalog.levels.values():
            lo, hi = (_plain(x) for x in ind.plausible_range(level))
            if (lo, hi) == (hard_lo, hard_hi):
                continue  # the hard limit says it all
            expectations.append({
                "type": "expect_column_values_to_be_between",
                # the lower bound only when it says more than the hard limit (one finding per breach)
                "kwargs": {"column": ind.code, **({"min_value": lo} if lo != hard_lo else {}), "max_value": hi,
                           # GX 1.x condition object (serialised): rows whose level is this one
                           "row_condition": {"type": "comparison", "column": {"name": "level"}, "operator": "==",
                                             "parameter": level.code}},
                "severity": "critical",
                "meta": {"rule_zh": f"{ind.name_zh}应在{level.name_zh}单位的合理范围 {lo}–{hi}{ind.unit} 之内（上限用于发现多打一位"
                                    "或单位错误）",
                         # where the range is set: said in the page's 设置 note, not in the rule a reader reads
                         "setting_zh": f"data/reference/indicators.yaml 中该指标的 ranges.{level.code}，或 "
                                       f"levels.{level.code}.scale"},
            })
    return {
        "name": "indicator_ranges",
        "meta": {
            "target": "county_year_wide",
            "description_zh": "每个指标都在硬性界限之内（任何级别），并在所属级别（县级、地级、省级）的合理范围之内。",
            "generated_from": "data/reference/indicators.yaml by `python -m pipeline.stages.validate --write-suites`; edit the catalog, not this file",
        },
        "expectations": expectations,
    }


def _plain(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def write_range_suite(paths: Paths) -> Path:
    target = paths.expectations / RANGE_SUITE
    text = json.dumps(range_suite(load_catalog(paths.catalog)), ensure_ascii=False, indent=2) + "\n"
    target.write_text(text, encoding="utf-8")
    return target


def load_suites(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


# ---------------------------------------------------------------- frames


def validation_frames(db: Path, catalog: Catalog) -> dict[str, pd.DataFrame]:
    """Tables the suites target, with the derived columns some expectations need (formulas from the catalog)."""
    with duckdb.connect(str(db), read_only=True) as con:
        facts = con.sql("SELECT * FROM facts ORDER BY region_code, year, period, county_code, indicator").df()
        wide = con.sql("SELECT * FROM county_year_wide ORDER BY region_code, county_code, year, period").df()
    parts = list(catalog.measure("four_forms_sum").inputs)
    wide["four_forms_parts_sum"] = wide[parts].sum(axis=1, min_count=len(parts))
    share = catalog.measure("new_onset_share")
    computed = 100 * wide[share.numerator] / wide[share.denominator].where(wide[share.denominator] > 0)
    wide["reported_share_gap_pp"] = (wide["reported_new_onset_share"] - computed).abs().round(6)
    return {"facts": facts.reset_index(drop=True), "county_year_wide": wide.reset_index(drop=True)}


def condition_level(condition: object) -> str:
    """The level a row condition selects (level == "county"), whether GX hands it back as a dict or an object;
    '' for a rule on every row."""
    if isinstance(condition, dict):
        return str(condition.get("parameter") or "")
    return str(getattr(condition, "parameter", "") or "")


def suite_parameters(paths: Paths, params: dict[str, Any], catalog: Catalog) -> dict[str, Any]:
    return {
        "known_county_codes": reporting_codes(read_divisions(paths.divisions)),
        "indicator_codes": catalog.codes,
        "first_year": first_year_setting(params) or EARLIEST_YEAR,
        "last_year": int(params["ingest"]["last_year"]),
        "reported_share_tolerance_pp": float(params["validate"]["reported_share_tolerance_pp"]),
    }


# ---------------------------------------------------------------- running GX


def run_suites(
    suites: list[dict[str, Any]],
    frames: dict[str, pd.DataFrame],
    parameters: dict[str, Any],
    gx_root: Path,
    docs_dir: Path | None,
) -> list[dict[str, Any]]:
    """Validate each suite's target frame; return one record per expectation result."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    # jsonschema compiles ~40 IRI grammars at import when rfc3987_syntax is installed (jupyter's
    # jsonschema[format-nongpl] brings it); GX imports jsonschema and never checks an IRI: ~1 s saved
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    shutil.rmtree(gx_root, ignore_errors=True)
    context = gx.get_context(mode="file", project_root_dir=str(gx_root))
    # metric progress bars flood the DVC log with carriage-return lines
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    site_names: list[str] = []
    if docs_dir is not None:
        context.add_data_docs_site(site_name="reviewers", site_config={
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
        site_names = ["reviewers"]
    source = context.data_sources.add_pandas("warehouse")
    records: list[dict[str, Any]] = []
    for spec in suites:
        target = spec["meta"]["target"]
        frame = frames[target]
        suite = context.suites.add(gx.ExpectationSuite(**{k: spec[k] for k in ("name", "expectations", "meta")}))
        asset = source.add_dataframe_asset(spec["name"])
        batch = asset.add_batch_definition_whole_dataframe(f"{spec['name']}_batch")
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=spec["name"], data=batch, suite=suite)
        )
        # no docs action per suite: the site is built once, after every suite ran
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=f"{spec['name']}_checkpoint", validation_definitions=[definition], actions=[],
            result_format={"result_format": "COMPLETE"},
        ))
        result = checkpoint.run(batch_parameters={"dataframe": frame}, expectation_parameters=parameters)
        for run in result.run_results.values():
            for r in run.results:
                cfg = r.expectation_config
                records.append({
                    "suite": spec["name"],
                    "target": target,
                    "type": cfg.type,
                    "kwargs": {k: v for k, v in cfg.kwargs.items() if k != "batch_id"},
                    "severity": str(getattr(cfg.severity, "value", cfg.severity)),
                    "rule": (cfg.meta or {}).get("rule_zh", cfg.type),
                    "setting": (cfg.meta or {}).get("setting_zh", ""),
                    # the level a plausible range is for (a row condition on the wide view's `level`); '' for all
                    "level": condition_level(cfg.kwargs.get("row_condition")),
                    # derived columns name their input indicators in the suite, for citing cells
                    "derived": (cfg.meta or {}).get("derived", {}),
                    "success": bool(r.success),
                    "unexpected_index_list": list(r.result.get("unexpected_index_list") or []),
                    "exception": (r.exception_info or {}).get("exception_message")
                    if (r.exception_info or {}).get("raised_exception") else None,
                })
    if site_names:
        context.build_data_docs(site_names=site_names)
    return records


# ---------------------------------------------------------------- describing failures



def describe_failures(
    records: list[dict[str, Any]], frames: dict[str, pd.DataFrame], catalog: Catalog, limit: int = 20
) -> list[Finding]:
    """Turn failed expectations into findings that name file, row, cell, county and year."""
    facts = frames["facts"]
    where = {
        (r.county_code, int(r.year), r.period, r.indicator): f"{r.source_file} 第 {r.source_row} 行 {r.source_cell}「{r.source_column}」"
        for r in facts.itertuples()
    }
    names = {i.code: i.name_zh for i in catalog.indicators} | validation_page.COLUMNS
    wide = frames["county_year_wide"]
    county_names = dict(zip(wide["county_code"], wide["county_name"], strict=False))
    findings: list[Finding] = []
    for rec in records:
        if rec["success"]:
            continue
        frame = frames[rec["target"]]
        cols = expectation_columns(rec["kwargs"])
        if rec["exception"]:
            findings.append(Finding(rec["suite"], rec["severity"], rec["rule"], None, None, None,
                                    f"检查无法执行：{rec['exception']}", []))
            continue
        for idx in rec["unexpected_index_list"][:limit]:
            row = frame.loc[idx]
            code, year, period = row.get("county_code"), row.get("year"), row.get("period")
            year = None if pd.isna(year) else int(year)
            period = period if isinstance(period, str) else FULL_YEAR
            if rec["target"] == "facts":
                sources = [f"{row['source_file']} 第 {row['source_row']} 行 {row['source_cell']}「{row['source_column']}」"]
                shown = [c for c in cols if c not in {"county_code", "year", "period"}] or cols
                found = "，".join(f"{names.get(row['indicator'], row['indicator'])} {c} = {shown_value(row[c])}" for c in shown)
            else:
                found = "，".join(f"{names.get(c, c)} = {shown_value(row[c])}" for c in cols if c not in KEY_COLUMNS)
                found = found or "，".join(f"{c} = {shown_value(row[c])}" for c in cols)
                inputs = [i for c in cols for i in rec["derived"].get(c, [c])]
                sources = [where[(code, year, period, c)] for c in inputs if (code, year, period, c) in where]
            # a breached range says where it is set, as the page's 设置 note does
            rule = rec["rule"] + (f"（设置：{rec['setting']}）" if rec.get("setting") else "")
            findings.append(Finding(rec["suite"], rec["severity"], rule, code,
                                    county_names.get(code), year, found, sources, period))
        if len(rec["unexpected_index_list"]) > limit:
            findings.append(Finding(rec["suite"], rec["severity"], rec["rule"], None, None, None,
                                    f"另有 {len(rec['unexpected_index_list']) - limit} 行同类问题未列出", []))
    return findings


# ---------------------------------------------------------------- stage


def promote(staging: Path, warehouse: Path) -> None:
    """Copy a checked staging database over the warehouse in one rename (tests build warehouses with it)."""
    publish({warehouse: lambda p: shutil.copyfile(staging, p)})


def validate(root: Path) -> tuple[bool, list[Finding], dict[str, Any]]:
    paths = Paths(root)
    params = load_params(root)
    catalog = load_catalog(paths.catalog)
    frames = validation_frames(paths.staging_warehouse, catalog)
    reports = paths.validation_reports
    reports.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(reports.parent, reports, paths.warehouse.parent)
    docs_tmp = reports.parent / ".data_docs.tmp"
    shutil.rmtree(docs_tmp, ignore_errors=True)
    records, cross = checked(root, params, catalog, frames, docs_tmp)
    findings = describe_failures(records, frames, catalog)
    divisions = read_divisions(paths.divisions)
    names = dict(zip(divisions["code"], divisions["name"], strict=True))
    for f in cross:
        f.county_name = f.county_name or names.get(f.county_code)
    gaps = [f for f in cross if f.suite == "region_gaps"]
    findings += cross
    critical_failed = [r for r in records if not r["success"] and r["severity"] == "critical"]
    critical_failed += [f for f in cross if f.severity == "critical"]
    summary = {
        "warehouse": "data/staging/warehouse.duckdb",
        "passed": not critical_failed,
        "expectations": len(records),
        "failed_critical": len(critical_failed),
        "failed_warning": sum(1 for r in records if not r["success"] and r["severity"] != "critical")
        + sum(1 for f in cross if f.severity != "critical"),
        "rows": {name: len(f) for name, f in frames.items()},
        "findings": [asdict(f) | {"text": str(f)} for f in findings],
        "region_gaps": [{"region": f.county_code, "year": f.year, "text": f.found} for f in gaps],
        "data_docs": "reports/data_docs/index.html",
    }
    text = json.dumps(summary, ensure_ascii=False, indent=2) + "\n"
    levels = set(frames["county_year_wide"]["level"].dropna().astype(str)) if "level" in frames["county_year_wide"] \
        else set()
    html = validation_page.page(records, findings, summary, catalog,
                                any(is_synthetic(r) for r in params["ingest"]["regions"]), levels)
    # the report and the warehouse it describes are written beside their targets first, then renamed together:
    # a run killed before the renames leaves both as they were, never a report of data the warehouse lacks
    outputs = {reports / "summary.json": lambda p: p.write_text(text, encoding="utf-8"),
               reports / "index.html": lambda p: p.write_text(html, encoding="utf-8")}
    if not critical_failed:
        outputs[paths.warehouse] = lambda p: shutil.copyfile(paths.staging_warehouse, p)  # as promote() does
    publish(outputs)
    if docs_tmp.is_dir():  # a Great Expectations run happened: its Data Docs replace the last ones
        replace_dir(docs_tmp, reports.parent / "data_docs")
    return not critical_failed, findings, summary


def checked(root: Path, params: dict[str, Any], catalog: Catalog, frames: dict[str, pd.DataFrame], docs: Path
            ) -> tuple[list[dict[str, Any]], list[Finding]]:
    """Every expectation's result and every series finding, region by region (pipeline/stages/validation_parts):
    computed for the regions whose rows changed, read back from the stage cache for the others."""
    paths = Paths(root)
    suites = load_suites(paths.expectations)
    parameters = suite_parameters(paths, params, catalog)
    divisions = read_divisions(paths.divisions)
    evaluated = list((params.get("evaluation") or {}).get("weights") or {})
    settings = {"validate": params["validate"], "years": [params["ingest"]["first_year"], params["ingest"]["last_year"]],
                "evaluated": evaluated, "suites": suites, "parameters": parameters}
    cache = StageCache(root, "validate", digest(code_digest("pipeline.stages.validate").encode(),
                                                settings_digest(settings),
                                                files_digest(reference_files("validate", root)).encode()))

    def run(together: dict[str, pd.DataFrame], docs_dir: Path | None) -> list[dict[str, Any]]:
        return run_suites(suites, together, parameters, root / "build" / "gx", docs_dir)

    setting = executor_setting(params)  # a bad setting stops here, before anything is computed or written

    def series(facts: dict[str, pd.DataFrame]) -> dict[str, tuple[list[Finding], list[Finding]]]:
        return compute_parts(setting, "validate", facts, SeriesChecks(divisions, catalog, evaluated,
                                                                      params["validate"]))

    if frames["facts"].empty and frames["county_year_wide"].empty:
        records = run(frames, docs)
        print(cache.summary("地区"))
        return records, []
    found = checked_regions(frames, cache, run, series, docs,
                            force=not (paths.validation_reports.parent / "data_docs" / "index.html").is_file())
    print(cache.summary("地区"))
    records = merge_records({r: v["records"] for r, v in found.items()}, frames)
    cross = [f for r in sorted(found) for f in found[r]["gaps"]] + [f for r in sorted(found) for f in found[r]["series"]]
    return records, cross


class SeriesChecks:
    """A task: one region's region gaps and series findings from its facts (picklable for a Dask worker)."""

    def __init__(self, divisions: pd.DataFrame, catalog: Catalog, evaluated: list[str], settings: dict) -> None:
        self.divisions, self.catalog, self.evaluated, self.settings = divisions, catalog, evaluated, settings

    def __call__(self, region: str, facts: pd.DataFrame) -> tuple[list[Finding], list[Finding]]:
        return (region_gaps(facts, self.divisions, self.catalog, self.evaluated),
                series_findings(facts, self.divisions, self.catalog, self.settings))


KEPT = "仓库 data/warehouse.duckdb 保持上次通过校验的版本"


def validate_and_report(root: Path) -> None:
    ok, findings, summary = validate(root)
    criticals = [f for f in findings if f.severity == "critical"]
    warnings = [f for f in findings if f.severity != "critical" and f.suite != "region_gaps"]
    if summary["region_gaps"]:
        print(f"全地区缺报（不阻断，但影响评价；请先补齐再出报告）：{len(summary['region_gaps'])} 项", file=sys.stderr)
        for gap in summary["region_gaps"]:
            print(f"  ! {gap['region']} {gap['text']}", file=sys.stderr)
    listing("校验提示（不阻断）", [str(f) for f in warnings], "reports/validation/index.html", stream=sys.stderr)
    if not ok:
        print(f"校验失败：{summary['failed_critical']} 条必须满足的规则未通过，{KEPT}。", file=sys.stderr)
        for f in criticals:
            print(f"  ✗ {f}", file=sys.stderr)
        print("详见 reports/validation/index.html（或 summary.json）", file=sys.stderr)
        sys.exit(1)
    print(f"校验通过：{summary['expectations']} 条规则，{summary['rows']['facts']} 个数值；已更新 data/warehouse.duckdb")


def main() -> None:
    parser = argparse.ArgumentParser(description="Validate the staging warehouse with Great Expectations.")
    parser.add_argument("--write-suites", action="store_true", help="regenerate expectations/indicator_ranges.json from the catalog")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks instead of messages")
    args = parser.parse_args()
    root = project_root()
    if args.write_suites:
        print(write_range_suite(Paths(root)).relative_to(root))
        return
    run_stage("校验", lambda: validate_and_report(root), KEPT, debug=args.debug)


if __name__ == "__main__":
    main()
