"""Measures stage: derived measures from the checked warehouse -> small Parquet marts.

Reads data/warehouse.duckdb read-only and writes
  data/marts/county_year_measures.parquet  every county x year x measure in scope,
      with status (ok / blank / column_absent / not_delivered / not_computable,
      and the inputs missing when not computable), source cell, year-on-year
      change from the printed figures (% for counts, pp for shares, points for
      scores) with its judgement and streaks (pipeline.judgement), rate per
      `rate_per` party members and rank in region (1 = best by the catalog's
      direction, 1 = highest for neutral measures);
  data/marts/region_year_measures.parquet  region figures by each measure's region
      rule in the catalog, with the counties they cover and whether that set
      changed from the year before;
  data/marts/national_benchmark.parquet    national four-forms shares (CCDI bulletins, with sources);
  metrics/new_onset_share.json             region new-onset share by year (dvc metrics);
  plots/new_onset_share.csv                county new-onset share by year (dvc plots).

Run: python -m pipeline.stages.measures
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pandas as pd

from pipeline import marts
from pipeline.catalog import Catalog, DerivedMeasure, load_catalog
from pipeline.config import (
    Paths,
    first_year_setting,
    load_params,
    project_root,
    publish,
    remove_stale_temps,
    safe_code,
)
from pipeline.console import listing
from pipeline.digests import code_digest, digest, files_digest, frame_digest, settings_digest
from pipeline.errors import run_stage
from pipeline.executor import ExecutorSetting, compute_parts, executor_setting
from pipeline.judgement import JudgementConfig, against_region, trend_against_baseline, year_on_year
from pipeline.marts import mart_path, write_mart
from pipeline.numbers import fixed, largest_remainder, round_half_up
from pipeline.periods import FULL_YEAR, parse_period
from pipeline.periods import label as period_label
from pipeline.periods import sort_key as period_sort_key
from pipeline.specs import reference_files
from pipeline.stage_cache import StageCache

SQL_FILE = Path(__file__).with_name("sql") / "measures.sql"
COUNTY_COLUMNS = ["region_code", "county_code", "county_name", "year", "period", "measure", "kind", "direction", "value",
                  "status", "missing_inputs", "previous_value", "yoy_change", "yoy_unit", "change_status",
                  "judgement", "flat_band", "rise_streak", "fall_streak", "trend_baseline", "trend_baseline_from",
                  "trend_baseline_to", "trend_change", "trend_status", "region_value", "region_gap",
                  "region_gap_judgement", "rate_per_members", "rank_in_region", "counties_ranked", "rank_order",
                  "approximate", "source_file", "source_row", "source_cell"]
REGION_COLUMNS = ["region_code", "year", "period", "measure", "kind", "direction", "value", "method", "counties_reporting",
                  "counties_in_scope", "reporting_counties", "counties_reporting_previous", "coverage_changed",
                  "previous_value", "yoy_change", "yoy_unit", "change_status", "judgement", "flat_band",
                  "rise_streak", "fall_streak", "trend_baseline", "trend_baseline_from", "trend_baseline_to",
                  "trend_change", "trend_status"]
# a cell written with 万/千/亿 (`3.1万`) was rounded by whoever wrote it: its value is approximate
APPROXIMATE_TEXT = re.compile(r"\d\s*[千万亿]")


def measure_catalog(catalog: Catalog) -> pd.DataFrame:
    rows = [(m.code, m.kind, m.direction, m.origin) for m in catalog.measures]
    frame = pd.DataFrame(rows, columns=["code", "kind", "direction", "origin"])
    frame["position"] = range(len(frame))
    return frame


def region_first_years(con: duckdb.DuckDBPyConnection, regions: list[str], first: int | None) -> dict[str, int]:
    """Each region's first year: params.yaml ingest.first_year, or (auto) the year of its first delivery, of
    any period: a city that starts delivering in 2022 has no empty 2015-2021 in its tables."""
    if first is not None:
        return dict.fromkeys(regions, first)
    rows = con.execute("SELECT region_code, min(year) FROM deliveries WHERE list_contains(?, region_code) "
                       "GROUP BY region_code", [regions]).fetchall()
    return {str(r): int(y) for r, y in rows}


def scope_frame(con: duckdb.DuckDBPyConnection, regions: list[str], firsts: dict[str, int], last: int) -> pd.DataFrame:
    """Every county of the regions for every full year from its region's first year, and for every partial
    period its region delivered.

    A full year not delivered is still in scope (the reports show the gap); a
    half-year or 1-9月 is in scope only where the region reported one.
    """
    counties = con.execute(
        "SELECT parent_code AS region_code, code AS county_code FROM divisions "
        "WHERE list_contains(?, parent_code) ORDER BY code",  # the places under each region, any level
        [regions],
    ).df()
    years = pd.DataFrame([(r, y, FULL_YEAR) for r, f in firsts.items() for y in range(f, last + 1)],
                         columns=["region_code", "year", "period"])
    full = counties.merge(years, on="region_code")
    partial = con.execute(
        "SELECT DISTINCT region_code, year, period FROM deliveries WHERE period <> ? AND year BETWEEN ? AND ?",
        [FULL_YEAR, min(firsts.values(), default=last), last]).df()
    return pd.concat([full, counties.merge(partial, on="region_code")], ignore_index=True)


def sql_statements(text: str) -> list[str]:
    body = "\n".join(line for line in text.splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


# ---------------------------------------------------------------- SQL from the catalog
# Every name placed in these statements is a catalog code, checked against
# CODE_PATTERN when the catalog is loaded; no delivered text reaches them.


def county_expression(catalog: Catalog, code: str) -> str:
    """SQL for one measure of a county-year over the wide view, derived inputs expanded in place."""
    m = catalog.measure(code)
    if not isinstance(m, DerivedMeasure):
        return code
    x = {c: county_expression(catalog, c) for c in m.inputs}
    if m.formula_type == "ratio":
        return f"(100.0 * {x[m.numerator]} / NULLIF({x[m.denominator]}, 0))"
    if m.formula_type == "sum":
        return "(" + " + ".join(x[c] for c in m.inputs) + ")"
    known = " AND ".join(f"{x[c]} IS NOT NULL" for c in m.inputs)
    holds = " AND ".join(f"{x[a]} > {x[b]}" for a, b in m.pairs)
    return f"(CASE WHEN {known} THEN CASE WHEN {holds} THEN 1.0 ELSE 0.0 END END)"


def missing_inputs_expression(catalog: Catalog, code: str) -> str:
    """SQL listing the delivered inputs of a derived measure that have no value (why it is not computable)."""
    parts = [f"CASE WHEN {c} IS NULL THEN '{c}' END" for c in catalog.raw_inputs(code)]
    return f"concat_ws(',', {', '.join(parts)})"


def derived_sql(catalog: Catalog) -> str:
    """County-year derived measures, long: one row per county, year and derived measure."""
    selects = [f"SELECT county_code, year, period, '{d.code}' AS measure, {county_expression(catalog, d.code)} AS value, "
               f"{missing_inputs_expression(catalog, d.code)} AS missing_inputs FROM county_year_wide"
               for d in catalog.derived]
    return "\nUNION ALL\n".join(selects)


def region_sql(catalog: Catalog) -> str:
    """Region-year figure of every measure by its region rule, over the counties in scope.

    Each measure's figure and count of counties use the same filter, so a
    ratio's numerator and denominator come from the same counties. Sums and
    means add the counties in code order: a parallel aggregate adds them in
    whatever order its threads meet them, and floating-point addition is not
    associative, so a rerun on the same data would differ in the last bit
    (and every report reading the mart would be rebuilt).
    """
    order = "ORDER BY s.county_code"
    selects = []
    for m in catalog.measures:
        if isinstance(m, DerivedMeasure):
            x = {c: county_expression(catalog, c) for c in m.inputs}
            mask = " AND ".join(f"{x[c]} IS NOT NULL" for c in m.inputs)
        else:
            x, mask = {}, f"{m.code} IS NOT NULL"
        if m.region_rule == "ratio_of_sums":
            value = (f"100.0 * sum({x[m.numerator]} {order}) FILTER (WHERE {mask}) "
                     f"/ NULLIF(sum({x[m.denominator]} {order}) FILTER (WHERE {mask}), 0)")
        elif m.region_rule == "recompute":
            holds = " AND ".join(f"sum({x[a]} {order}) FILTER (WHERE {mask}) > sum({x[b]} {order}) FILTER (WHERE {mask})"
                                 for a, b in m.pairs)
            value = f"CASE WHEN count(*) FILTER (WHERE {mask}) > 0 THEN CASE WHEN {holds} THEN 1.0 ELSE 0.0 END END"
        elif m.region_rule == "sum":
            value = f"sum({county_expression(catalog, m.code)} {order}) FILTER (WHERE {mask})"
        elif m.region_rule == "mean":
            value = f"avg({m.code} {order}) FILTER (WHERE {mask})"
        else:  # not_aggregable
            value = "CAST(NULL AS DOUBLE)"
        selects.append(
            f"SELECT s.region_code, s.year, s.period, '{m.code}' AS measure, '{m.region_rule}' AS method, {value} AS value, "
            f"count(*) FILTER (WHERE {mask}) AS counties_reporting, count(*) AS counties_in_scope, "
            f"list(s.county_code ORDER BY s.county_code) FILTER (WHERE {mask}) AS reporting_counties "
            "FROM scope s LEFT JOIN county_year_wide w ON w.county_code = s.county_code AND w.year = s.year "
            "AND w.period = s.period GROUP BY s.region_code, s.year, s.period")
    return "\nUNION ALL\n".join(selects)


def compute_measures(warehouse: Path, catalog: Catalog, regions: list[str], first: int | None, last: int,
                     rate_per: int, judgement: JudgementConfig | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`first`: the first year of every region, or None for each region's own (ingest.first_year: auto)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return measures_on(con, catalog, regions, first, last, rate_per, judgement)


def measures_on(con: duckdb.DuckDBPyConnection, catalog: Catalog, regions: list[str], first: int | None, last: int,
                rate_per: int, judgement: JudgementConfig | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The measures of `regions` from the warehouse tables `con` holds (the warehouse itself, or one region's
    rows of them in memory: pipeline/executor.py)."""
    judgement = judgement or JudgementConfig(first, {"count": 0.0, "share": 0.0, "score": 0.0})
    con.register("measure_catalog", measure_catalog(catalog))
    firsts = region_first_years(con, regions, first)
    con.register("scope", scope_frame(con, regions, firsts, last))
    con.execute(f"CREATE TEMP TABLE derived_long AS {derived_sql(catalog)}")
    for statement in sql_statements(SQL_FILE.read_text(encoding="utf-8")):
        if "$rate_per" in statement:
            con.execute(statement, {"rate_per": rate_per})
        else:
            con.execute(statement)
    county = con.sql("SELECT * FROM county_ranked").df()
    region = con.sql(f"SELECT * FROM ({region_sql(catalog)})").df()
    # the year with nothing before it to compare with: the region's own first year
    county["first_year"], region["first_year"] = (f["region_code"].map(firsts) for f in (county, region))
    region = shape_region(region, catalog, judgement)
    county = shape_county(county, region, catalog, judgement)
    return county, region.assign(approximate=region_approximate(region, county))


# the warehouse tables the measures read: each region's own rows of these, all of divisions (the places and
# their names, a few thousand rows for the whole country)
REGION_TABLES = ("facts", "deliveries", "county_year_wide")


def region_tables(warehouse: Path, regions: list[str]) -> dict[str, dict[str, object]]:
    """region -> the warehouse rows its measures are computed from, as Arrow tables (their SQL types kept, so
    a region computed in memory on a worker gives the bytes the warehouse gives)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        divisions = con.sql("SELECT * FROM divisions").to_arrow_table()
        return {r: {"divisions": divisions, **{t: con.sql(f"SELECT * FROM {t} WHERE region_code = ?",
                                                          params=[r]).to_arrow_table() for t in REGION_TABLES}}
                for r in regions}


def region_measures(region: str, tables: dict[str, object], catalog: Catalog, first: int | None, last: int,
                    rate_per: int, judgement: JudgementConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One region's measures from its own rows, in an in-memory database (a task on the executor)."""
    with duckdb.connect() as con:
        for name, table in tables.items():
            con.register(name, table)
        return measures_on(con, catalog, [region], first, last, rate_per, judgement)


def region_digests(warehouse: Path, regions: list[str]) -> tuple[str, dict[str, str]]:
    """The digest of the warehouse tables every region reads (divisions, indicators) and of each region's
    own rows (its facts, and its deliveries, which say which partial periods it reported)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        shared = digest(*(frame_digest(con.sql(f"SELECT * FROM {table} ORDER BY ALL").df()).encode()
                          for table in ("divisions", "indicators")))
        facts = con.sql("SELECT * FROM facts ORDER BY region_code, county_code, year, period, indicator").df()
        deliveries = con.sql("SELECT * FROM deliveries ORDER BY ALL").df()
    own = {region: digest(frame_digest(facts[facts["region_code"] == region]).encode(),
                          frame_digest(deliveries[deliveries["region_code"] == region]).encode())
           for region in regions}
    return shared, own


def measures_by_region(warehouse: Path, catalog: Catalog, regions: list[str], first: int | None, last: int,
                       rate_per: int, judgement: JudgementConfig, cache: StageCache,
                       setting: ExecutorSetting) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The regions whose rows changed computed on the executor (`setting`): here in one pass over the
    warehouse, or on a Dask cluster a task each, from its own rows (the workers need no file); the others
    read back from the stage cache.

    Every figure of a region (ranks, region rules, changes, gaps to the region) is computed from the
    region's own counties, so a region's rows do not depend on which other regions are computed with it.
    """
    shared, own = region_digests(warehouse, regions)

    def compute(missing: list[str]) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
        if setting.kind == "local":  # one pass: the province layout takes 7.5 s so, 12 s region by region
            county, region = compute_measures(warehouse, catalog, missing, first, last, rate_per, judgement)
            return {r: (county[county["region_code"] == r].reset_index(drop=True),
                        region[region["region_code"] == r].reset_index(drop=True)) for r in missing}
        return compute_parts(setting, "measures", region_tables(warehouse, missing),
                             lambda r, tables: region_measures(r, tables, catalog, first, last, rate_per, judgement))

    found = cache.parts({r: cache.key(r, digest(shared.encode(), own[r].encode())) for r in regions}, compute)
    order = sorted(found)  # the marts' order: by region code first
    return (pd.concat([found[r][0] for r in order], ignore_index=True),
            pd.concat([found[r][1] for r in order], ignore_index=True))


def shape_county(county: pd.DataFrame, region: pd.DataFrame, catalog: Catalog,
                 judgement: JudgementConfig) -> pd.DataFrame:
    keys = ["region_code", "county_code", "period"]  # a period is compared with the same period only
    county = approximate_flags(county, catalog)
    county = year_on_year(county, catalog, judgement, keys)
    county = trend_against_baseline(county, catalog, judgement, keys)
    county = against_region(county, region, catalog)
    county["missing_inputs"] = county["missing_inputs"].replace("", None)
    county["period_order"] = county["period"].map(period_sort_key)
    county = county.sort_values(["region_code", "county_code", "position", "period_order", "year"])
    return county[COUNTY_COLUMNS].reset_index(drop=True)


def approximate_flags(county: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Mark values that are approximate: a delivered cell written in 万/千/亿, or a measure computed from one.

    Such a value is printed as approximate and a change computed from it says
    so (bulletins round to 万: shares recomputed from them can be ~0.2 points off).
    """
    delivered = county["source_text"].fillna("").map(lambda t: bool(APPROXIMATE_TEXT.search(str(t))))
    county = county.assign(approximate=delivered & county["value"].notna())
    keys = ["county_code", "year", "period"]
    approx = county[county["approximate"]][[*keys, "measure"]]
    if approx.empty:
        return county.drop(columns="source_text")
    inputs = {d.code: set(catalog.raw_inputs(d.code)) for d in catalog.derived}
    by_place = approx.groupby(keys)["measure"].agg(set)
    derived_hits = [(*k, code) for k, measures in by_place.items() for code, raw in inputs.items() if raw & measures]
    hits = pd.DataFrame(derived_hits, columns=[*keys, "measure"]).assign(_derived=True)
    county = county.merge(hits, on=[*keys, "measure"], how="left", validate="many_to_one")
    county["approximate"] = county["approximate"] | (county["_derived"].fillna(False).astype(bool)
                                                     & county["value"].notna())
    return county.drop(columns=["_derived", "source_text"])


def region_approximate(region: pd.DataFrame, county: pd.DataFrame) -> pd.Series:
    """A region figure is approximate when a county value it adds up is."""
    approx = county[county["approximate"]]
    keys = ["region_code", "year", "period", "measure"]
    hit = set(map(tuple, approx[keys].itertuples(index=False, name=None)))
    return pd.Series([tuple(k) in hit for k in region[keys].itertuples(index=False, name=None)], index=region.index,
                     dtype=bool)


def shape_region(region: pd.DataFrame, catalog: Catalog, judgement: JudgementConfig) -> pd.DataFrame:
    order = {m.code: i for i, m in enumerate(catalog.measures)}
    region["kind"] = [catalog.measure(c).kind for c in region["measure"]]
    region["direction"] = [catalog.measure(c).direction for c in region["measure"]]
    # DuckDB gives NULL, not an empty list, when no county passes the filter
    region["reporting_counties"] = [[] if x is None or x is pd.NA else list(x) for x in region["reporting_counties"]]
    region["period_order"] = region["period"].map(period_sort_key)
    region = region.sort_values(["region_code", "measure", "period_order", "year"]).reset_index(drop=True)
    region = year_on_year(region, catalog, judgement, ["region_code", "period"])
    region = trend_against_baseline(region, catalog, judgement, ["region_code", "period"])
    group = region.groupby(["region_code", "period", "measure"], sort=False)
    previous_set = group["reporting_counties"].shift(1)
    previous_n = group["counties_reporting"].shift(1)
    adjacent = group["year"].shift(1) == region["year"] - 1
    region["counties_reporting_previous"] = previous_n.where(adjacent).astype("Int64")
    region["coverage_changed"] = pd.array(
        [None if not adj or not isinstance(p, list) else list(p) != list(c)
         for adj, p, c in zip(adjacent, previous_set, region["reporting_counties"], strict=True)], dtype="boolean")
    region["position"] = region["measure"].map(order)
    return region.sort_values(["region_code", "position", "period_order", "year"])[REGION_COLUMNS].reset_index(drop=True)


def national_benchmark(national: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """National four-forms shares (%) by year and period, from the CCDI bulletins, with their sources.

    Each share is computed from the published person-times with the catalog's
    own formula (form ÷ sum of the four × 100) where all four forms were
    published; a year with only a published first-form share keeps that share
    as published. Each period stays its own row (a half-year bulletin is never
    mixed into a full year), written with the same period codes as the facts.
    """
    nat = national[national["scope"] == "national"].copy()
    nat["period"] = [parse_period(str(p)) or str(p) for p in nat["period"]]
    sums = catalog.measure("four_forms_sum")
    shares = [catalog.measure(c) for c in catalog.shares_of(sums.code)]
    rows = []
    for (year, period), g in nat.groupby(["year", "period"]):
        by = g.set_index("indicator")
        if all(c in by.index for c in sums.inputs):
            total = sum(float(by.loc[c, "value"]) for c in sums.inputs)
            source = "; ".join(dict.fromkeys(by.loc[list(sums.inputs), "source"]))
            rows += [(int(year), period, d.code, 100 * float(by.loc[d.numerator, "value"]) / total, source, "computed")
                     for d in shares]
        else:
            rows += [(int(year), period, d.code, float(by.loc[d.code, "value"]), str(by.loc[d.code, "source"]),
                      "published") for d in shares if d.code in by.index]
    out = pd.DataFrame(rows, columns=["year", "period", "measure", "value", "source", "method"])
    return out.assign(text=printed_national(out, shares, catalog))


def printed_national(frame: pd.DataFrame, shares: list, catalog: Catalog) -> list[str]:
    """Each national share as printed: computed ones by largest remainder within their year, so the four add
    up to 100.0 as the bulletins publish them; a published share as published."""
    text = [fixed(v, catalog.measure(m).decimals) for m, v in zip(frame["measure"], frame["value"], strict=True)]
    for _, g in frame[frame["method"] == "computed"].groupby(["year", "period"]):
        printed = largest_remainder(list(g["value"]), catalog.measure(shares[0].code).decimals)
        for i, t in zip(g.index, printed, strict=True):
            text[frame.index.get_loc(i)] = t
    return text


def new_onset_metrics(region: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    rows = region[(region["measure"] == "new_onset_share") & (region["period"] == FULL_YEAR)]
    out: dict[str, dict[str, float | None]] = {}
    for r in rows.itertuples():
        out.setdefault(r.region_code, {})[str(r.year)] = round_half_up(r.value, 2)
    return out


def new_onset_plot_rows(county: pd.DataFrame) -> pd.DataFrame:
    rows = county[(county["measure"] == "new_onset_share") & (county["period"] == FULL_YEAR) & county["value"].notna()]
    return pd.DataFrame({
        "region": rows["region_code"],
        # names repeat across regions; the code keeps each line distinct
        "county": rows["county_name"] + "（" + rows["county_code"] + "）",
        "year": rows["year"],
        "new_onset_share": [round_half_up(v, 2) for v in rows["value"]],
    })


def main() -> None:
    run_stage("指标计算", run, "上次的指标表 data/marts/ 保持不变")


def run() -> None:
    root = project_root()
    paths = Paths(root)
    params = load_params(root)
    remove_stale_temps(paths.marts, paths.metrics, paths.plots)
    ingest, measures = params["ingest"], params["measures"]
    judgement = JudgementConfig.from_params(params, load_catalog(paths.catalog))
    settings = {"measures": measures, "judgement": params.get("judgement"),
                "years": [ingest["first_year"], ingest["last_year"]]}
    cache = StageCache(root, "measures", digest(code_digest("pipeline.stages.measures").encode(),
                                                settings_digest(settings),
                                                files_digest([*reference_files("measures", root), SQL_FILE]).encode()))
    county, region = measures_by_region(
        paths.warehouse, load_catalog(paths.catalog), [safe_code(r) for r in ingest["regions"]],
        first_year_setting(params), int(ingest["last_year"]), int(measures["rate_per"]), judgement, cache,
        executor_setting(params))
    national = national_benchmark(pd.read_csv(paths.reference / "ccdi_national.csv"), load_catalog(paths.catalog))
    metrics = json.dumps({"new_onset_share": new_onset_metrics(region)}, ensure_ascii=False, indent=2) + "\n"
    plot = new_onset_plot_rows(county)
    publish({
        mart_path(root, marts.COUNTY): lambda p: write_mart(p, county),
        mart_path(root, marts.REGION): lambda p: write_mart(p, region),
        mart_path(root, marts.NATIONAL): lambda p: write_mart(p, national),
        paths.metrics / "new_onset_share.json": lambda p: p.write_text(metrics, encoding="utf-8"),
        paths.plots / "new_onset_share.csv": lambda p: plot.to_csv(p, index=False, encoding="utf-8"),
    })
    missing = county[(county["status"] == "not_delivered")][["county_code", "year", "period"]].drop_duplicates()
    print(f"指标计算完成：{county['county_code'].nunique()} 个县区，{len(county)} 行 -> data/marts/")
    listing("  未报送（图表和报告中写作空缺）", [f"{r.county_code} {period_label(r.year, r.period)}"
                                          for r in missing.itertuples()], "各县区报告的“数据说明”")
    print(cache.summary("地区"))


if __name__ == "__main__":
    main()
