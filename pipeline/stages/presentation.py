"""Presentation stage: the region report's tables, each selected, ordered and printed once, as cells.

Renderers used to pick every table out of the marts themselves (the region's
rows, the year, the order, the rounding), so the notebook, the workbook and a
future format could each print the same table differently. Here each table of
a region and year is computed once: one row per cell with the row's key (a
place or an indicator code), the column, the value, its printed text (rounded
half up; figures, codes and '—' only, so one table serves every language) and
the mart it cites. A renderer reads one region-year's table by name
(`ReportData.table`), turns codes into words and lays it out: it filters,
orders and rounds nothing.

Tables: `ranking` (each place's rank on the report's ranking measures),
`evaluation` (index, rank, grade, rank interval, grade probabilities,
stability), `weights` (nominal and effective), `grade_matrix` (each place's
grade in every year graded up to this one), `coherence` (collinear pairs,
indicators running against the index, the indicator whose removal moves
ranks most), `audit` (each indicator's coverage, shape, correlation with the
index and rank shift) and `profile` (each graded place's strengths and
weaknesses); of each county: `indicators` (its evaluation indicators against
the region's mean) and `history` (its evaluation in every year up to this).

Writes data/marts/presentation.parquet. Run: python -m pipeline.stages.presentation
"""

from __future__ import annotations

import pandas as pd

from pipeline import marts
from pipeline.catalog import Catalog, load_catalog
from pipeline.config import Paths, load_params, project_root, publish, remove_stale_temps
from pipeline.errors import run_stage
from pipeline.numbers import fixed
from pipeline.periods import FULL_YEAR

COLUMNS = ["region_code", "place_code", "year", "table", "row", "key", "column", "value", "text", "cites"]
REGION_TABLES = ("ranking", "evaluation", "weights", "grade_matrix", "coherence", "audit", "profile")
COUNTY_TABLES = ("indicators", "history")


def _missing(x: object) -> bool:
    return x is None or bool(pd.isna(x))


def number(x: object, decimals: int) -> str | None:
    """A figure as printed (thousands separated, rounded half up); None (printed '—') when there is none."""
    return None if _missing(x) else fixed(float(x), decimals, thousands=True)


def percent(probability: object) -> str | None:
    """A probability as a whole percentage, rounded half up (0.365 -> 37%)."""
    return None if _missing(probability) else fixed(100 * float(probability), 0) + "%"


def whole(x: object) -> str | None:
    return None if _missing(x) else str(int(x))


def _cell(table: str, row: int, key: str, column: str, value: object, text: str | None, cites: str,
          place: str = "") -> dict:
    """One cell; `place` is the county a county table is of ('' : the region's table)."""
    return {"place_code": place, "table": table, "row": row, "key": key, "column": column,
            "value": None if _missing(value) or isinstance(value, str) else float(value), "text": text,
            "cites": cites}


def ranking_cells(county: pd.DataFrame, measures: list[str]) -> list[dict]:
    """Ranks of one region-year's places on `measures`, places ordered by the first (unranked last, then by
    code); a place without a rank on a measure is printed '—'."""
    rows = county[county["measure"].isin(measures)]
    ranks = rows.pivot_table(index="county_code", columns="measure", values="rank_in_region", aggfunc="first",
                             dropna=False).reindex(columns=measures)
    ranks = ranks.reindex(sorted(set(rows["county_code"])))
    order = ranks.sort_values(measures[0], kind="mergesort", na_position="last").index
    return [_cell("ranking", i, code, m, ranks.loc[code, m], whole(ranks.loc[code, m]), marts.COUNTY)
            for i, code in enumerate(order) for m in measures]


def evaluation_cells(ev: pd.DataFrame) -> list[dict]:
    """The evaluation table of one region-year, in the mart's order (by rank)."""
    grades = [c[2:] for c in ev.columns if c.startswith("p_")]
    out = []
    for i, r in enumerate(ev.to_dict("records")):
        code = str(r["county_code"])
        low, high = r["rank_p05"], r["rank_p95"]
        cells = [("index", r["index"], number(r["index"], 1)), ("rank", r["rank"], whole(r["rank"])),
                 ("grade", None, r["grade"] if isinstance(r["grade"], str) else None),
                 ("rank_interval", None, None if _missing(low) else f"{number(low, 0)}–{number(high, 0)}"),
                 *((f"p_{g}", r[f"p_{g}"], percent(r[f"p_{g}"])) for g in grades),
                 ("grade_probability", r["grade_probability"], percent(r["grade_probability"])),
                 ("stable", None, None if _missing(r["stable"]) else ("yes" if r["stable"] else "no"))]
        out += [_cell("evaluation", i, code, col, value, text, marts.EVALUATION) for col, value, text in cells]
    return out


def weights_cells(weights: pd.DataFrame) -> list[dict]:
    return [_cell("weights", i, str(r["indicator"]), col, r[col], number(r[col], 3), marts.EVALUATION_WEIGHTS)
            for i, r in enumerate(weights.to_dict("records")) for col in ("nominal_weight", "effective_weight")]


def grade_matrix_cells(graded: pd.DataFrame, year: int) -> list[dict]:
    """Each place's grade in every year up to `year` (places by code, years in order); '' where a year's
    evaluation gave the place no index (not graded)."""
    rows = graded[graded["year"] <= year]
    out = []
    for i, (code, mine) in enumerate(rows.groupby("county_code", sort=True)):
        for r in mine.sort_values("year").to_dict("records"):
            shown = r["grade"] if isinstance(r["grade"], str) and not _missing(r["index"]) else ""
            out.append(_cell("grade_matrix", i, str(code), str(int(r["year"])), None, shown, marts.EVALUATION))
    return out


def coherence_cells(coh: pd.DataFrame) -> list[dict]:
    """The notes on the index's coherence, in the order they are printed: collinear pairs, indicators that
    run against the index, then the one(s) whose removal moves ranks most (ties all, with their shift)."""
    out = []
    kinds = (("collinear", coh["collinear"] == True), ("negative", coh["negative_with_index"] == True),  # noqa: E712
             ("moves_ranks_most", coh["moves_ranks_most"] == True))  # noqa: E712 - nullable booleans
    for kind, chosen in kinds:
        for r in coh[chosen.fillna(False).astype(bool)].to_dict("records"):
            row = len({c["row"] for c in out})
            key = str(r["indicator"])
            out.append(_cell("coherence", row, key, "kind", None, kind, marts.EVALUATION_COHERENCE))
            out.append(_cell("coherence", row, key, "other", None, str(r["other"]), marts.EVALUATION_COHERENCE))
            value, text = ((r["rank_shift_if_dropped"], number(r["rank_shift_if_dropped"], 1))
                           if kind == "moves_ranks_most" else (r["r"], number(r["r"], 2)))
            out.append(_cell("coherence", row, key, "size", value, text, marts.EVALUATION_COHERENCE))
    return out


def audit_cells(audit: pd.DataFrame, coh: pd.DataFrame) -> list[dict]:
    """Each indicator's coverage (places with a value of those evaluated), shape, correlation with the index and
    the mean rank shift were it dropped, in the audit mart's order; '—' where the coherence was not computed."""
    with_index = (coh[coh["other"] == "index"].set_index("indicator") if not coh.empty
                  else pd.DataFrame(columns=["r", "rank_shift_if_dropped"]))
    out = []
    for i, r in enumerate(audit.to_dict("records")):
        code = str(r["indicator"])
        cor = with_index["r"].get(code)
        shift = with_index["rank_shift_if_dropped"].get(code)
        cells = [("coverage", r["coverage"], f"{int(r['counties_with_value'])}/{int(r['counties'])}", marts.EVALUATION_AUDIT),
                 ("skewness", r["skewness"], number(r["skewness"], 2), marts.EVALUATION_AUDIT),
                 ("kurtosis", r["kurtosis"], number(r["kurtosis"], 2), marts.EVALUATION_AUDIT),
                 ("r_index", cor, number(cor, 2), marts.EVALUATION_COHERENCE),
                 ("rank_shift_if_dropped", shift, number(shift, 1), marts.EVALUATION_COHERENCE)]
        out += [_cell("audit", i, code, col, value, text, cites) for col, value, text, cites in cells]
    return out


def profile_cells(ev: pd.DataFrame) -> list[dict]:
    """Each graded place's strengths and weaknesses (indicator codes, comma-separated; None: none), in the
    evaluation mart's order."""
    if "strengths" not in ev.columns:
        return []
    graded = ev[ev["index"].notna()]
    return [_cell("profile", i, str(r["county_code"]), col, None, str(r[col]) if isinstance(r[col], str) and r[col]
                  else None, marts.EVALUATION)
            for i, r in enumerate(graded.to_dict("records")) for col in ("strengths", "weaknesses")]


def indicator_cells(ind: pd.DataFrame, catalog: Catalog) -> list[dict]:
    """One county-year's evaluation indicators (the evaluation_indicators mart's order): its value and the
    region's mean as printed, the normalised score, whether it was imputed; none when it delivered none."""
    if ind["raw"].isna().all():
        return []
    out = []
    for i, r in enumerate(ind.to_dict("records")):
        code, place = str(r["indicator"]), str(r["county_code"])
        cells = [("raw", r["raw"], catalog.printed(code, r["raw"])),
                 ("region_mean", r["region_mean"], catalog.printed(code, r["region_mean"])),
                 ("normalised", r["normalised"], number(r["normalised"], 1)),
                 ("imputed", None, "yes" if not _missing(r["imputed"]) and bool(r["imputed"]) else None)]
        out += [_cell("indicators", i, code, col, value, text, marts.EVALUATION_INDICATORS, place)
                for col, value, text in cells]
    return out


def history_cells(ev: pd.DataFrame, year: int) -> list[dict]:
    """One county's evaluation in every year up to `year`, oldest first; none when it was never graded."""
    rows = ev[ev["year"] <= year].sort_values("year")
    if rows.empty or rows["index"].isna().all():
        return []
    out = []
    for i, r in enumerate(rows.to_dict("records")):
        low, high = r["rank_p05"], r["rank_p95"]
        cells = [("index", r["index"], number(r["index"], 1)), ("rank", r["rank"], whole(r["rank"])),
                 ("counties_graded", r["counties_graded"], whole(r["counties_graded"])),
                 ("rank_interval", None, None if _missing(low) else f"{number(low, 0)}–{number(high, 0)}"),
                 ("grade", None, r["grade"] if isinstance(r["grade"], str) else None),
                 ("grade_probability", r["grade_probability"], percent(r["grade_probability"]))]
        out += [_cell("history", i, str(int(r["year"])), col, value, text, marts.EVALUATION, str(r["county_code"]))
                for col, value, text in cells]
    return out


def county_year_cells(frames: dict[str, pd.DataFrame], year: int, catalog: Catalog) -> list[dict]:
    """The county tables of one region-year: each place's indicators and its evaluation history."""
    out: list[dict] = []
    ind = frames.get(marts.EVALUATION_INDICATORS, pd.DataFrame())
    ind = ind[ind["year"] == year] if not ind.empty else ind
    for _, mine in (ind.groupby("county_code", sort=True) if not ind.empty else ()):
        out += indicator_cells(mine, catalog)
    ev = frames.get(marts.EVALUATION, pd.DataFrame())
    for _, mine in (ev.groupby("county_code", sort=True) if not ev.empty else ()):
        out += history_cells(mine, year)
    return out


def region_year_cells(frames: dict[str, pd.DataFrame], year: int, ranking: list[str]) -> list[dict]:
    """Every table of one region-year from that region's rows of each mart."""
    def of_year(name: str) -> pd.DataFrame:
        frame = frames.get(name, pd.DataFrame())  # a mart not built (evaluate not run): no table from it
        return frame[frame["year"] == year] if not frame.empty else frame

    county = of_year(marts.COUNTY)
    cells = ranking_cells(county, ranking) if not county.empty else []
    ev = of_year(marts.EVALUATION)
    if not ev.empty:
        cells += evaluation_cells(ev)
        cells += grade_matrix_cells(frames[marts.EVALUATION], year)
    weights = of_year(marts.EVALUATION_WEIGHTS)
    if not weights.empty:
        cells += weights_cells(weights)
    coh = of_year(marts.EVALUATION_COHERENCE)
    if not coh.empty:
        cells += coherence_cells(coh)
    audit = of_year(marts.EVALUATION_AUDIT)
    if not audit.empty:
        cells += audit_cells(audit, coh)
        cells += profile_cells(ev)
    return cells


READS = (marts.COUNTY, marts.EVALUATION, marts.EVALUATION_WEIGHTS, marts.EVALUATION_COHERENCE, marts.EVALUATION_AUDIT,
         marts.EVALUATION_INDICATORS)


def present(frames: dict[str, pd.DataFrame], ranking: list[str], catalog: Catalog) -> pd.DataFrame:
    """The presentation mart from the marts' frames (full-year rows of the county mart): every region and
    year the county mart holds, regions in code order."""
    county = frames[marts.COUNTY]
    county = county[county["period"] == FULL_YEAR] if "period" in county.columns else county
    by_region = {name: dict(iter(f.groupby("region_code", sort=False))) if not f.empty else {}
                 for name, f in frames.items()}
    parts = []
    for region, mine in county.groupby("region_code", sort=True):
        own = {name: by_region[name].get(region, frames[name].iloc[0:0]) for name in frames}
        own[marts.COUNTY] = mine
        for year in sorted(set(mine["year"].astype(int))):
            cells = region_year_cells(own, year, ranking) + county_year_cells(own, year, catalog)
            parts += [{"region_code": str(region), "year": year, **c, "place_code": c["place_code"] or str(region)}
                      for c in cells]
    out = pd.DataFrame(parts, columns=COLUMNS)
    return out.astype({"year": "int64", "row": "int64", "value": "float64"})


def main() -> None:
    run_stage("报告表格", run, "上次的报告表格保持不变")


def run() -> None:
    root = project_root()
    paths = Paths(root)
    params = load_params(root)
    remove_stale_temps(paths.marts)
    frames = {name: (marts.read_mart(root, name) if marts.mart_path(root, name).is_file() else pd.DataFrame())
              for name in READS}
    table = present(frames, list(params["report"]["sections"]["ranking"]), load_catalog(paths.catalog))
    publish({marts.mart_path(root, marts.PRESENTATION): lambda p: marts.write_mart(p, table)})
    print(f"报告表格完成：{table['region_code'].nunique()} 个地区，{len(table)} 个单元格")


if __name__ == "__main__":
    main()
