"""Measures stage: derived measures from the checked warehouse -> small Parquet marts.

Reads data/warehouse.duckdb read-only and writes
  data/marts/county_year_measures.parquet  every county x year x measure in scope,
      with status (ok / blank / column_absent / not_delivered / not_computable),
      source cell, year-on-year change (% for counts, pp for shares, points for
      scores), rate per `rate_per` party members and rank in region;
  data/marts/region_year_measures.parquet  region totals and recomputed shares;
  metrics/new_onset_share.json             region new-onset share by year (dvc metrics);
  plots/new_onset_share.csv                county new-onset share by year (dvc plots).

Run: python -m pipeline.stages.measures
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.catalog import Catalog, load_catalog
from pipeline.config import Paths, load_params, project_root, safe_code, write_atomic

SQL_FILE = Path(__file__).with_name("sql") / "measures.sql"


def measure_catalog(catalog: Catalog) -> pd.DataFrame:
    rows = [(i.code, i.name_zh, i.unit, i.kind, i.direction, "indicator") for i in catalog.indicators]
    rows += [(d.code, d.name_zh, d.unit, d.kind, d.direction, "derived") for d in catalog.derived]
    frame = pd.DataFrame(rows, columns=["code", "name_zh", "unit", "kind", "direction", "origin"])
    frame["position"] = range(len(frame))
    return frame


def scope_frame(con: duckdb.DuckDBPyConnection, regions: list[str], first: int, last: int) -> pd.DataFrame:
    counties = con.execute(
        "SELECT parent_code AS region_code, code AS county_code FROM divisions "
        "WHERE level = 'county' AND list_contains(?, parent_code) ORDER BY code",
        [regions],
    ).df()
    years = pd.DataFrame({"year": range(first, last + 1)})
    return counties.merge(years, how="cross")


def sql_statements(text: str) -> list[str]:
    body = "\n".join(line for line in text.splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


def compute_measures(warehouse: Path, catalog: Catalog, regions: list[str], first: int, last: int,
                     rate_per: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.register("measure_catalog", measure_catalog(catalog))
        con.register("scope", scope_frame(con, regions, first, last))
        for statement in sql_statements(SQL_FILE.read_text(encoding="utf-8")):
            if "$rate_per" in statement:
                con.execute(statement, {"rate_per": rate_per})
            else:
                con.execute(statement)
        county = con.sql("SELECT * EXCLUDE (position) FROM county_year_measures "
                         "ORDER BY region_code, county_code, position, year").df()
        region = con.sql("SELECT * EXCLUDE (position) FROM region_year_measures "
                         "ORDER BY region_code, position, year").df()
    return county, region


def scoped_county_measures(root: Path, params: dict) -> pd.DataFrame:
    """The county measures mart, limited to the regions configured in params.yaml (ingest.regions)."""
    regions = [safe_code(r) for r in params["ingest"]["regions"]]
    county = pd.read_parquet(Paths(root).marts / "county_year_measures.parquet")
    return county[county["region_code"].isin(regions)]


def new_onset_metrics(region: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    rows = region[region["measure"] == "new_onset_share"]
    out: dict[str, dict[str, float | None]] = {}
    for r in rows.itertuples():
        out.setdefault(r.region_code, {})[str(r.year)] = None if pd.isna(r.value) else round(float(r.value), 2)
    return out


def new_onset_plot_rows(county: pd.DataFrame) -> pd.DataFrame:
    rows = county[(county["measure"] == "new_onset_share") & county["value"].notna()]
    return pd.DataFrame({
        "region": rows["region_code"],
        # names repeat across regions; the code keeps each line distinct
        "county": rows["county_name"] + "（" + rows["county_code"] + "）",
        "year": rows["year"],
        "new_onset_share": rows["value"].round(2),
    })


def main() -> None:
    root = project_root()
    paths = Paths(root)
    params = load_params(root)
    ingest, measures = params["ingest"], params["measures"]
    county, region = compute_measures(
        paths.warehouse, load_catalog(paths.catalog), [safe_code(r) for r in ingest["regions"]],
        int(ingest["first_year"]), int(ingest["last_year"]), int(measures["rate_per"]),
    )
    write_atomic(paths.marts / "county_year_measures.parquet", lambda p: county.to_parquet(p, index=False))
    write_atomic(paths.marts / "region_year_measures.parquet", lambda p: region.to_parquet(p, index=False))
    metrics = json.dumps({"new_onset_share": new_onset_metrics(region)}, ensure_ascii=False, indent=2) + "\n"
    write_atomic(paths.metrics / "new_onset_share.json", lambda p: p.write_text(metrics, encoding="utf-8"))
    plot = new_onset_plot_rows(county)
    write_atomic(paths.plots / "new_onset_share.csv", lambda p: plot.to_csv(p, index=False, encoding="utf-8"))
    missing = county[(county["status"] == "not_delivered")][["county_code", "year"]].drop_duplicates()
    print(f"指标计算完成：{county['county_code'].nunique()} 个县区，{len(county)} 行 -> data/marts/")
    for r in missing.itertuples():
        print(f"  提示：{r.county_code} {r.year} 年没有报送数据（图表中显示为空缺）")


if __name__ == "__main__":
    main()
