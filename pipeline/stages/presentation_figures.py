"""The figures tables of the presentation stage: every measure of a place-year as a report prints it.

A county notebook, the write-up's key figures, the index page and the
workbook each printed a place's figures from the county and region marts
themselves: the place's rows picked out by year and measure, the value
rounded, the change signed, the rank written k/n, the source cell found. Here
each place-year (and each partial period a place delivered) gets one table,
`figures` (`figures:<period>` for a partial period), a row per measure in the
mart's order, with the cells below; a renderer reads it by key and turns the
codes into words. Only cells with something in them are written (the
reader fills the rest as none), so a region of sparse data stays small.

Columns: `value` (the figure, printed with the catalog's decimals, half up;
'%' after a share), `approximate` (1 where the figure was delivered as an
approximation), `status` (ok, blank, column_absent, not_delivered...), `yoy`
(the change on the same period a year before, signed, without its unit) and
`yoy_unit` (pp, %, points), `rate` (per 1,000 members), `rank` (k/n in the
region), `source_file`, `source_row` and `source_cell` (where a delivered figure
was read), `computed` (1 where the
figure is computed from others, no cell of its own), `input_file` and
`input_cells` (of a derived figure: the delivered cells it is computed from,
cells joined by ','), `shown` (the delivered total a report shows instead
when a derived total has no value: the catalog's reported_as). `periods`: a
place-year's partial periods, in order.
"""

from __future__ import annotations

import pandas as pd

from pipeline import marts
from pipeline.catalog import Catalog
from pipeline.numbers import fixed, measure_text
from pipeline.periods import FULL_YEAR
from pipeline.periods import sort_key as period_sort_key
from pipeline.stages.presentation_cells import cell, missing, number, records

FIGURE_COLUMNS = ("value", "approximate", "status", "yoy", "yoy_unit", "rate", "rank", "source_file", "source_row",
                  "source_cell", "computed",
                  "input_file", "input_cells", "shown")
_READ = ("measure", "value", "status", "yoy_change", "yoy_unit", "rate_per_members", "rank_in_region",
         "counties_ranked", "approximate", "source_file", "source_row", "source_cell")


def _text(x: object) -> str | None:
    return None if missing(x) or not str(x) else str(x)


def signed(change: object, decimals: int) -> str | None:
    """A change as a table prints it, rounded half up: +2.1, -3.5, 0.0 (no sign on a zero)."""
    if missing(change):
        return None
    text = fixed(float(change), decimals)
    return ("+" if float(text) > 0 else "") + text


def rank_text(rank: object, of: object) -> str | None:
    """A rank as printed: k/n (k alone where the number ranked is not known)."""
    if missing(rank):
        return None
    return f"{int(rank)}/{int(of)}" if not missing(of) else str(int(rank))


def table_name(period: str) -> str:
    return "figures" if period == FULL_YEAR else f"figures:{period}"


def _inputs(catalog: Catalog, measure: str, rows: dict[str, dict]) -> tuple[str | None, str | None]:
    """The first source file and the cells of the delivered inputs of a derived measure (None: none known)."""
    delivered = [rows[c] for c in catalog.raw_inputs(measure) if c in rows and _text(rows[c]["source_file"])]
    if not delivered:
        return None, None
    return sorted({str(r["source_file"]) for r in delivered})[0], ",".join(str(r["source_cell"]) for r in delivered)


def _measure_cells(catalog: Catalog, r: dict, rows: dict[str, dict]) -> list[tuple[str, object, str | None]]:
    """The cells of one measure's row: (column, value, text)."""
    m = catalog.measure(r["measure"])
    value, rank = r["value"], r["rank_in_region"]
    own = _text(r["source_file"])
    derived = (None, None) if own or r["status"] != "ok" else _inputs(catalog, m.code, rows)
    shown = catalog.shown_as(m.code, lambda c: c in rows and not missing(rows[c]["value"]))
    approximate = r["approximate"]
    return [("value", value, measure_text(None if missing(value) else float(value), m.decimals, m.kind == "share")),
            ("approximate", 1.0 if not missing(approximate) and bool(approximate) else None, None),
            ("status", None, _text(r["status"])),
            ("yoy", r["yoy_change"], signed(r["yoy_change"], catalog.change_decimals)),
            ("yoy_unit", None, _text(r["yoy_unit"])),
            ("rate", r["rate_per_members"], number(r["rate_per_members"], catalog.rate_decimals)),
            ("rank", rank, rank_text(rank, r["counties_ranked"])),
            ("source_file", None, own), ("source_row", r["source_row"] if own else None, None),
            ("source_cell", None, _text(r["source_cell"]) if own else None),
            ("computed", None if own or r["status"] != "ok" else 1.0, None),
            ("input_file", None, derived[0]), ("input_cells", None, derived[1]),
            ("shown", None, shown if shown != m.code else None)]


def place_figure_cells(rows: pd.DataFrame, catalog: Catalog, place: str, table: str, cites: str) -> list[dict]:
    """One place-period's figures (its mart rows, mart order): only the cells that hold something."""
    rows_read = records(rows.reindex(columns=list(_READ)), list(_READ))
    by_measure: dict[str, dict] = {}
    for r in rows_read:
        by_measure.setdefault(str(r["measure"]), r)
    cells = (cell(table, i, str(r["measure"]), column, value, text, cites, place)
             for i, r in enumerate(rows_read) for column, value, text in _measure_cells(catalog, r, by_measure))
    return [c for c in cells if c["value"] is not None or c["text"] is not None]


def figure_cells(frames: dict[str, pd.DataFrame], catalog: Catalog) -> list[dict]:
    """Every figures table of one region: each county's and the region's, each year and period its rows hold
    (the year goes with each cell). A partial period's table holds only the measures the place delivered in
    its table (a report lists no column the period's table did not have), and each county-year's `periods`
    table lists, in period order, the partial periods the county delivered something for. A region's partial
    periods get no figures table: their reports phrase findings."""
    out: list[dict] = []
    for name, key in ((marts.COUNTY, "county_code"), (marts.REGION, "region_code")):
        rows = frames.get(name, pd.DataFrame())
        if rows.empty:
            continue
        delivered: dict[tuple[str, int], list[str]] = {}
        for (place, year, period), mine in rows.groupby([key, "year", "period"], sort=True):
            if period != FULL_YEAR and name == marts.REGION:
                continue  # a region's partial period is phrased from findings; no table prints its figures
            if period != FULL_YEAR:
                mine = mine[~mine["status"].isin(["column_absent", "not_delivered"])]
                if mine.empty:
                    continue
                delivered.setdefault((str(place), int(year)), []).append(str(period))
            out += [{**c, "year": int(year)}
                    for c in place_figure_cells(mine, catalog, str(place), table_name(str(period)), name)]
        out += [{"place_code": place, "year": year, "table": "periods", "row": i, "key": period, "column": "period",
                 "value": None, "text": period, "cites": name}
                for (place, year), periods in delivered.items()
                for i, period in enumerate(sorted(periods, key=period_sort_key))]
    return out


def source_cells(county: pd.DataFrame, region: str) -> list[dict]:
    """Each full year's `sources` table of the region: the files its places' figures were read from, by name
    (a header names the first and the last delivery of the years it covers)."""
    rows = county[(county["period"] == FULL_YEAR) & county["source_file"].notna()] if not county.empty else county
    out = []
    for year, mine in (rows.groupby("year", sort=True) if not rows.empty else ()):
        files = sorted({str(f) for f in mine["source_file"] if str(f)})
        out += [{"place_code": region, "year": int(year), "table": "sources", "row": i, "key": f, "column": "file",
                 "value": None, "text": f, "cites": marts.COUNTY} for i, f in enumerate(files)]
    return out


def reportable_cells(regional: pd.DataFrame, region: str) -> list[dict]:
    """The region's `reportable` table, one per full year in which some place delivered figures: the years the
    notebooks stage writes the region's reports for (a year no place delivered gets none), the first of them
    the first year an automatic first_year shows."""
    if regional.empty:
        return []
    full = regional[(regional["period"] == FULL_YEAR) & (regional["counties_reporting"].fillna(0) > 0)]
    years = sorted({int(y) for y in full["year"]})
    return [{"place_code": region, "year": y, "table": "reportable", "row": 0, "key": str(y),
             "column": "counties_reporting", "value": None, "text": None, "cites": marts.REGION} for y in years]
