"""The staging warehouse: schema, the wide view, and writing it whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.catalog import Catalog
from pipeline.config import remove_stale_temps
from pipeline.stages.ingest.table import Context, Delivery

SCHEMA = """
CREATE TABLE divisions (code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, level VARCHAR NOT NULL,
                        parent_code VARCHAR, note VARCHAR);
CREATE TABLE indicators (code VARCHAR PRIMARY KEY, name_zh VARCHAR, name_en VARCHAR, unit VARCHAR,
                         kind VARCHAR, direction VARCHAR, range_min DOUBLE, range_max DOUBLE,
                         is_integer BOOLEAN, required BOOLEAN, "group" VARCHAR, position INTEGER);
CREATE TABLE deliveries (region_code VARCHAR, year INTEGER, period VARCHAR NOT NULL, source_file VARCHAR PRIMARY KEY,
                         format VARCHAR, encoding VARCHAR, sha256 VARCHAR, header_row INTEGER,
                         data_rows INTEGER);
CREATE TABLE facts (region_code VARCHAR NOT NULL, county_code VARCHAR NOT NULL, year INTEGER NOT NULL,
                    period VARCHAR NOT NULL, indicator VARCHAR NOT NULL, value DOUBLE, source_file VARCHAR NOT NULL,
                    source_row INTEGER NOT NULL, source_column VARCHAR NOT NULL, source_cell VARCHAR NOT NULL,
                    source_text VARCHAR, source_note VARCHAR);
"""


def wide_view_sql(catalog: Catalog) -> str:
    """county_year_wide: one row per reporting place (with its level), year and period, one column per indicator.

    Column names come from the catalog's validated snake_case codes, never from
    delivered files, so building the statement as text is safe.
    """
    cols = ",\n  ".join(
        f"max(f.value) FILTER (WHERE f.indicator = '{code}') AS {code}" for code in catalog.codes
    )
    return f"""
CREATE VIEW county_year_wide AS
SELECT f.region_code, f.county_code, d.name AS county_name, d.level, f.year, f.period,
  {cols}
FROM facts f JOIN divisions d ON d.code = f.county_code
GROUP BY f.region_code, f.county_code, d.name, d.level, f.year, f.period
"""


def write_warehouse(target: Path, deliveries: list[Delivery], ctx: Context) -> None:
    """Build the whole database in a temporary file, then move it over `target` in one step."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target.parent)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(tmp))
        con.execute(SCHEMA)
        div = ctx.divisions.reset_index()[["code", "name", "level", "parent_code", "note"]]
        div = div.replace({"": None})
        con.executemany("INSERT INTO divisions VALUES (?, ?, ?, ?, ?)", div.values.tolist())
        con.executemany(
            "INSERT INTO indicators VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[i.code, i.name_zh, i.name_en, i.unit, i.kind, i.direction, i.minimum, i.maximum,
              i.integer, i.required, i.group, n] for n, i in enumerate(ctx.catalog.indicators)],
        )
        con.executemany(
            "INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[d.region_code, d.year, d.period, d.source_file, d.fmt, d.encoding, d.sha256, d.header_row, d.data_rows]
             for d in deliveries],
        )
        facts = pd.DataFrame(
            [f for d in deliveries for f in d.facts],
            columns=["region_code", "county_code", "year", "period", "indicator", "value",
                     "source_file", "source_row", "source_column", "source_cell", "source_text", "source_note"],
        )
        con.register("facts_df", facts)
        con.execute("INSERT INTO facts SELECT * FROM facts_df ORDER BY region_code, year, period, county_code, indicator")
        con.unregister("facts_df")
        con.execute(wide_view_sql(ctx.catalog))
        con.execute("CHECKPOINT")
        con.close()
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
