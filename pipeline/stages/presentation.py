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
stability), `rank_intervals` (the graded places by rank, as the chart draws them), `weights` (nominal and effective), `grade_matrix` (each place's
grade in every year graded up to this one), `coherence` (collinear pairs,
indicators running against the index, the indicator whose removal moves
ranks most), `audit` (each indicator's coverage, shape, correlation with the
index and rank shift), `audit_notes` (the audit's notes in print order: coverage,
consistency, outliers, values winsorised) and `profile` (each graded place's strengths and
weaknesses), `warnings` (the year's warnings); of each county: `indicators`
(its evaluation indicators against the region's mean), `history` (its
evaluation in every year up to this) and `county_warnings` (its warnings of
this year and the last); of every place and period, `figures` (each measure as printed:
pipeline/stages/presentation_figures.py), of the region `sources` (the files a year's figures were read
from) and `reportable` (the full years some place delivered: the years its reports are written for) and
`outline` (the findings each report
states, section by section: pipeline/stages/presentation_outline.py).

Writes data/marts/presentation.parquet. Run: python -m pipeline.stages.presentation
"""

from __future__ import annotations

import json

import pandas as pd

from pipeline import marts
from pipeline.catalog import Catalog, load_catalog
from pipeline.config import (
    Paths,
    load_params,
    notice_settings,
    project_root,
    publish,
    remove_stale_temps,
)
from pipeline.divisions import read_divisions, units_of
from pipeline.errors import run_stage
from pipeline.numbers import measure_text
from pipeline.periods import FULL_YEAR
from pipeline.stage_runner import map_regions, region_slices
from pipeline.stages.presentation_cells import cell, missing, number, percent, records, whole
from pipeline.stages.presentation_figures import figure_cells, reportable_cells, source_cells
from pipeline.stages.presentation_outline import outline_cells, period_report_cells
from pipeline.stages.presentation_warnings import county_warning_cells, warning_cells

COLUMNS = ["region_code", "place_code", "year", "table", "row", "key", "column", "value", "text", "cites"]
REGION_TABLES = ("ranking", "evaluation", "weights", "grade_matrix", "coherence", "audit", "profile", "warnings")
COUNTY_TABLES = ("indicators", "history", "county_warnings")


def ranking_cells(county: pd.DataFrame, measures: list[str]) -> list[dict]:
    """Ranks of one region-year's places on `measures`, places ordered by the first (unranked last, then by
    code); a place without a rank on a measure is printed '—'."""
    rows = county[county["measure"].isin(measures)]
    ranks: dict[str, dict[str, object]] = {}
    for code, measure, rank in zip(rows["county_code"].tolist(), rows["measure"].tolist(),
                                   rows["rank_in_region"].tolist(), strict=True):
        ranks.setdefault(str(code), {}).setdefault(str(measure), rank)  # the first row of a place and measure

    def first_measure(code: str) -> tuple[bool, float]:
        rank = ranks[code].get(measures[0])
        return (True, 0.0) if missing(rank) else (False, float(rank))

    order = sorted(sorted(ranks), key=first_measure)  # stable: places of equal rank stay in code order
    return [cell("ranking", i, code, m, ranks[code].get(m), whole(ranks[code].get(m)), marts.COUNTY)
            for i, code in enumerate(order) for m in measures]


def evaluation_cells(ev: pd.DataFrame) -> list[dict]:
    """The evaluation table of one region-year, in the mart's order (by rank)."""
    grades = [c[2:] for c in ev.columns if c.startswith("p_")]
    used = ["county_code", "index", "rank", "grade", "rank_p05", "rank_p95", *(f"p_{g}" for g in grades),
            "grade_probability", "stable"]
    out = []
    for i, r in enumerate(records(ev, used)):
        code = str(r["county_code"])
        low, high = r["rank_p05"], r["rank_p95"]
        cells = [("index", r["index"], number(r["index"], 1)), ("rank", r["rank"], whole(r["rank"])),
                 ("grade", None, r["grade"] if isinstance(r["grade"], str) else None),
                 ("rank_interval", None, None if missing(low) else f"{number(low, 0)}–{number(high, 0)}"),
                 *((f"p_{g}", r[f"p_{g}"], percent(r[f"p_{g}"])) for g in grades),
                 ("grade_probability", r["grade_probability"], percent(r["grade_probability"])),
                 ("stable", None, None if missing(r["stable"]) else ("yes" if r["stable"] else "no"))]
        out += [cell("evaluation", i, code, col, value, text, marts.EVALUATION) for col, value, text in cells]
    return out


def rank_interval_cells(ev: pd.DataFrame) -> list[dict]:
    """The graded places of one region-year by rank (ties in the mart's order): rank, its 5-95% interval,
    grade and stability, as the rank-interval chart draws them."""
    graded = ev[ev["index"].notna()].sort_values("rank", kind="mergesort")
    out = []
    for i, r in enumerate(records(graded, ["county_code", "rank", "rank_p05", "rank_p95", "grade", "stable"])):
        stable = None if missing(r["stable"]) else float(bool(r["stable"]))
        out += [cell("rank_intervals", i, str(r["county_code"]), col, value, text, marts.EVALUATION)
                for col, value, text in (("rank", r["rank"], whole(r["rank"])), ("rank_p05", r["rank_p05"], None),
                                         ("rank_p95", r["rank_p95"], None), ("grade", None, r["grade"]),
                                         ("stable", stable, None))]
    return out


def weights_cells(weights: pd.DataFrame) -> list[dict]:
    return [cell("weights", i, str(r["indicator"]), col, r[col], number(r[col], 3), marts.EVALUATION_WEIGHTS)
            for i, r in enumerate(records(weights, ["indicator", "nominal_weight", "effective_weight"]))
            for col in ("nominal_weight", "effective_weight")]


def grade_matrix_cells(graded: pd.DataFrame, year: int) -> list[dict]:
    """Each place's grade in every year up to `year` (places by code, years in order); '' where a year's
    evaluation gave the place no index (not graded)."""
    rows = graded[graded["year"] <= year].sort_values(["county_code", "year"], kind="mergesort")
    out: list[dict] = []
    row = {}
    for r in records(rows, ["county_code", "year", "grade", "index"]):
        code = str(r["county_code"])
        shown = r["grade"] if isinstance(r["grade"], str) and not missing(r["index"]) else ""
        out.append(cell("grade_matrix", row.setdefault(code, len(row)), code, str(int(r["year"])), None, shown,
                         marts.EVALUATION))
    return out


def coherence_cells(coh: pd.DataFrame) -> list[dict]:
    """The notes on the index's coherence, in the order they are printed: collinear pairs, indicators that
    run against the index, then the one(s) whose removal moves ranks most (ties all, with their shift)."""
    out = []
    kinds = (("collinear", coh["collinear"] == True), ("negative", coh["negative_with_index"] == True),  # noqa: E712
             ("moves_ranks_most", coh["moves_ranks_most"] == True))  # noqa: E712 - nullable booleans
    for kind, chosen in kinds:
        for r in records(coh[chosen.fillna(False).astype(bool)], ["indicator", "other", "r", "rank_shift_if_dropped"]):
            row = len({c["row"] for c in out})
            key = str(r["indicator"])
            out.append(cell("coherence", row, key, "kind", None, kind, marts.EVALUATION_COHERENCE))
            out.append(cell("coherence", row, key, "other", None, str(r["other"]), marts.EVALUATION_COHERENCE))
            value, text = ((r["rank_shift_if_dropped"], number(r["rank_shift_if_dropped"], 1))
                           if kind == "moves_ranks_most" else (r["r"], number(r["r"], 2)))
            out.append(cell("coherence", row, key, "size", value, text, marts.EVALUATION_COHERENCE))
    return out


def audit_cells(audit: pd.DataFrame, coh: pd.DataFrame) -> list[dict]:
    """Each indicator's coverage (places with a value of those evaluated), shape, correlation with the index and
    the mean rank shift were it dropped, in the audit mart's order; '—' where the coherence was not computed."""
    with_index = (coh[coh["other"] == "index"].set_index("indicator") if not coh.empty
                  else pd.DataFrame(columns=["r", "rank_shift_if_dropped"]))
    out = []
    for i, r in enumerate(records(audit, ["indicator", "coverage", "counties_with_value", "counties", "skewness",
                                          "kurtosis"])):
        code = str(r["indicator"])
        cor = with_index["r"].get(code)
        shift = with_index["rank_shift_if_dropped"].get(code)
        cells = [("coverage", r["coverage"], f"{int(r['counties_with_value'])}/{int(r['counties'])}", marts.EVALUATION_AUDIT),
                 ("skewness", r["skewness"], number(r["skewness"], 2), marts.EVALUATION_AUDIT),
                 ("kurtosis", r["kurtosis"], number(r["kurtosis"], 2), marts.EVALUATION_AUDIT),
                 ("r_index", cor, number(cor, 2), marts.EVALUATION_COHERENCE),
                 ("rank_shift_if_dropped", shift, number(shift, 1), marts.EVALUATION_COHERENCE)]
        out += [cell("audit", i, code, col, value, text, cites) for col, value, text, cites in cells]
    return out


def _flag(row: dict, name: str) -> bool:
    return name in row and not missing(row[name]) and bool(row[name])


def audit_note_rows(audit: pd.DataFrame, treated: pd.DataFrame, catalog: Catalog) -> list[tuple[str, dict]]:
    """The audit's notes in the order they are printed, each (note, printed fields named as the phrases'
    placeholders, codes for indicator and county): the coverage (full, or
    each indicator some places lack), the consistency (statistics skipped, no alpha, alpha adequate or low),
    the first component's share, winsorisation skipped, the outliers (each beyond the limits, or none; not
    said when no statistics were computed) and each value winsorised."""
    rows = records(audit, list(audit.columns))
    first = rows[0]
    n = whole(first["counties"])
    gaps = [("coverage_gap", {"indicator": r["indicator"], "k": whole(r["counties_with_value"]), "n": n})
            for r in rows if float(r["coverage"]) < 1]
    notes = gaps or [("coverage_full", {"n": n})]
    if _flag(first, "statistics_skipped"):
        notes.append(("statistics_skipped", {"n": whole(first["counties_graded"]),
                                             "min": whole(first["statistics_minimum"])}))
    elif missing(first["cronbach_alpha"]):
        notes.append(("alpha_none", {}))
    else:
        notes.append(("alpha_ok" if _flag(first, "alpha_adequate") else "alpha_low",
                      {"alpha": number(first["cronbach_alpha"], 2), "min": number(first["alpha_min"], 1)}))
    if not missing(first["pc1_share"]):
        notes.append(("pc1", {"share": percent(first["pc1_share"])}))
    if _flag(first, "winsorisation_skipped"):
        notes.append(("winsorisation_skipped", {"min": whole(first["winsorisation_minimum"])}))
    if not _flag(first, "statistics_skipped"):  # no shape computed, none to report
        outliers = [("outlier", {"indicator": r["indicator"], "skew": number(r["skewness"], 2),
                                 "kurt": number(r["kurtosis"], 2)}) for r in rows if _flag(r, "beyond_limits")]
        notes += outliers or [("outliers_none", {"skew": number(first["skew_limit"], 1),
                                                 "kurt": number(first["kurtosis_limit"], 1)})]
    for r in records(treated, ["county_code", "indicator", "before", "after"]) if not treated.empty else []:
        m = catalog.measure(str(r["indicator"]))
        notes.append(("winsorised", {"county": r["county_code"], "indicator": r["indicator"],
                                     "before": measure_text(r["before"], m.decimals, m.kind == "share") or "—",
                                     "after": measure_text(r["after"], m.decimals, m.kind == "share") or "—"}))
    return notes


def audit_note_cells(audit: pd.DataFrame, treated: pd.DataFrame, catalog: Catalog) -> list[dict]:
    """The audit's notes as cells: a row per note, its kind in column `note` (cells of the evaluation_treatment
    mart for a winsorised value, of the audit mart otherwise)."""
    out = []
    for i, (note, fields) in enumerate(audit_note_rows(audit, treated, catalog)):
        cites = marts.EVALUATION_TREATMENT if note == "winsorised" else marts.EVALUATION_AUDIT
        key = str(fields.get("county") or fields.get("indicator") or note)
        out += [cell("audit_notes", i, key, col, None, None if text is None else str(text), cites)
                for col, text in {"note": note, **fields}.items()]
    return out


def profile_cells(ev: pd.DataFrame) -> list[dict]:
    """Each graded place's strengths and weaknesses (indicator codes, comma-separated; None: none), in the
    evaluation mart's order."""
    if "strengths" not in ev.columns:
        return []
    graded = ev[ev["index"].notna()]
    return [cell("profile", i, str(r["county_code"]), col, None, str(r[col]) if isinstance(r[col], str) and r[col]
                  else None, marts.EVALUATION)
            for i, r in enumerate(records(graded, ["county_code", "strengths", "weaknesses"]))
            for col in ("strengths", "weaknesses")]


def indicator_cells(ind: pd.DataFrame, catalog: Catalog) -> list[dict]:
    """One county-year's evaluation indicators (the evaluation_indicators mart's order): its value and the
    region's mean as printed, the normalised score, whether it was imputed; none when it delivered none."""
    if ind["raw"].isna().all():
        return []
    out = []
    for i, r in enumerate(records(ind, ["indicator", "county_code", "raw", "region_mean", "normalised", "imputed"])):
        code, place = str(r["indicator"]), str(r["county_code"])
        m = catalog.measure(code)
        cells = [("raw", r["raw"], measure_text(r["raw"], m.decimals, m.kind == "share")),
                 ("region_mean", r["region_mean"], measure_text(r["region_mean"], m.decimals, m.kind == "share")),
                 ("normalised", r["normalised"], number(r["normalised"], 1)),
                 ("imputed", None, "yes" if not missing(r["imputed"]) and bool(r["imputed"]) else None)]
        out += [cell("indicators", i, code, col, value, text, marts.EVALUATION_INDICATORS, place)
                for col, value, text in cells]
    return out


HISTORY = ["county_code", "year", "index", "rank", "counties_graded", "rank_p05", "rank_p95", "grade",
           "grade_probability"]


def history_rows(ev: pd.DataFrame) -> list[tuple[int, bool, str, list[tuple]]]:
    """(year, graded, place, printed cells) of each row of one county's evaluation, oldest first: printed once
    and sliced for every report year (a history of ten years is shown in ten reports)."""
    out = []
    for r in records(ev.sort_values("year", kind="mergesort"), HISTORY):
        low, high = r["rank_p05"], r["rank_p95"]
        cells = [("index", r["index"], number(r["index"], 1)), ("rank", r["rank"], whole(r["rank"])),
                 ("counties_graded", r["counties_graded"], whole(r["counties_graded"])),
                 ("rank_interval", None, None if missing(low) else f"{number(low, 0)}–{number(high, 0)}"),
                 ("grade", None, r["grade"] if isinstance(r["grade"], str) else None),
                 ("grade_probability", r["grade_probability"], percent(r["grade_probability"]))]
        out.append((int(r["year"]), not missing(r["index"]), str(r["county_code"]), cells))
    return out


def history_from(rows: list[tuple[int, bool, str, list[tuple]]], year: int) -> list[dict]:
    """The history table of one report year: the rows up to it; none when the county was never graded."""
    shown = [r for r in rows if r[0] <= year]
    if not any(graded for _, graded, _, _ in shown):
        return []
    return [cell("history", i, str(y), col, value, text, marts.EVALUATION, place)
            for i, (y, _, place, cells) in enumerate(shown) for col, value, text in cells]


def history_cells(ev: pd.DataFrame, year: int) -> list[dict]:
    """One county's evaluation in every year up to `year`, oldest first; none when it was never graded."""
    return history_from(history_rows(ev), year)


FORM_SHARES = ("form1_share", "form2_share", "form3_share", "form4_share")


def _evidence(row: dict) -> dict:
    ev = row["evidence"]
    return ev if isinstance(ev, dict) else json.loads(ev)


def printed_shares(findings: pd.DataFrame) -> dict[str, dict[str, str]]:
    """place -> its four forms' shares as its four_forms_shape finding printed them (largest remainder: they
    add up to 100.0); a place whose finding has no shares (total only) or that has none is absent."""
    rows = findings[(findings["topic"] == "four_forms_shape") & (findings["verdict"] != "total_only")]
    out: dict[str, dict[str, str]] = {}
    for place, evidence in zip(rows["place_code"], rows["evidence"], strict=True):
        ev = evidence if isinstance(evidence, dict) else json.loads(evidence)
        out.setdefault(str(place), {code: ev["figures"][code]["text"] + "%" for code in ev["shares"]})
    return out


def nation_of(findings: pd.DataFrame, national: pd.DataFrame, region: str) -> pd.DataFrame:
    """The nation's four forms of the year the region's national finding compared with (the findings stage
    chose it: the table row and the sentence beside it cite one year), indexed by measure; empty when there
    was no comparison or a share lacks that year's figure."""
    found = findings[(findings["place_code"] == region) & (findings["topic"] == "national")]
    if found.empty or national.empty:
        return pd.DataFrame()
    year = int(_evidence(found.iloc[0].to_dict())["year"])
    nat = national[(national["year"] == year) & national["measure"].isin(FORM_SHARES)].set_index("measure")
    return nat if set(FORM_SHARES) <= set(nat.index) else pd.DataFrame()


def share_text(value: object) -> str | None:
    """A four-forms share as every report prints one (one decimal, half up, with %); None where there is none."""
    return measure_text(None if missing(value) else float(value), 1, True)


def four_forms_cells(places: list[str], values: dict[str, dict[str, float]], printed: dict[str, dict[str, str]],
                     nation: pd.DataFrame, owner: str = "") -> list[dict]:
    """The four forms' shares side by side: each of `places` (its figures from the measures marts, its printed
    shares from its finding), then the nation's row (key nation:<year>, with its published source)."""
    out = []
    for i, code in enumerate(places):
        texts, own = printed.get(code, {}), values.get(code, {})
        # as its finding printed them (adding up to 100.0); a share no finding printed, as the catalog prints it
        out += [cell("four_forms", i, code, m, own.get(m), texts.get(m) or share_text(own.get(m)), marts.FINDINGS,
                      owner) for m in FORM_SHARES]
    if not nation.empty:
        key, i = f"nation:{int(nation['year'].iloc[0])}", len(places)
        out += [cell("four_forms", i, key, m, nation.loc[m, "value"], f"{nation.loc[m, 'text']}%", marts.NATIONAL,
                      owner) for m in FORM_SHARES]
        out.append(cell("four_forms", i, key, "source", None, str(nation["source"].iloc[0]), marts.NATIONAL, owner))
    return out


def histories_of(frames: dict[str, pd.DataFrame]) -> dict[str, list]:
    """Each county's printed evaluation rows (history_rows), once per region."""
    ev = frames.get(marts.EVALUATION, pd.DataFrame())
    return {str(c): history_rows(mine) for c, mine in ev.groupby("county_code", sort=True)} if not ev.empty else {}


def county_year_cells(frames: dict[str, pd.DataFrame], year: int, catalog: Catalog,
                      histories: dict[str, list] | None = None) -> list[dict]:
    """The county tables of one region-year: each place's indicators, evaluation history and warnings."""
    out: list[dict] = county_warning_cells(frames.get(marts.WARNINGS, pd.DataFrame()), year, catalog)
    ind = frames.get(marts.EVALUATION_INDICATORS, pd.DataFrame())
    ind = ind[ind["year"] == year] if not ind.empty else ind
    for _, mine in (ind.groupby("county_code", sort=True) if not ind.empty else ()):
        out += indicator_cells(mine, catalog)
    for rows in (histories if histories is not None else histories_of(frames)).values():
        out += history_from(rows, year)
    return out


def region_year_cells(frames: dict[str, pd.DataFrame], year: int, ranking: list[str], catalog: Catalog) -> list[dict]:
    """Every table of one region-year from that region's rows of each mart."""
    def of_year(name: str) -> pd.DataFrame:
        frame = frames.get(name, pd.DataFrame())  # a mart not built (evaluate not run): no table from it
        return frame[frame["year"] == year] if not frame.empty else frame

    county = of_year(marts.COUNTY)
    cells = ranking_cells(county, ranking) if not county.empty else []
    ev = of_year(marts.EVALUATION)
    if not ev.empty:
        cells += evaluation_cells(ev) + rank_interval_cells(ev)
        cells += grade_matrix_cells(frames[marts.EVALUATION], year)
    weights = of_year(marts.EVALUATION_WEIGHTS)
    if not weights.empty:
        cells += weights_cells(weights)
    coh = of_year(marts.EVALUATION_COHERENCE)
    if not coh.empty:
        cells += coherence_cells(coh)
    warned = of_year(marts.WARNINGS)
    if not warned.empty:
        cells += warning_cells(warned, "warnings", catalog)
    audit = of_year(marts.EVALUATION_AUDIT)
    if not audit.empty:
        cells += audit_cells(audit, coh)
        cells += audit_note_cells(audit, of_year(marts.EVALUATION_TREATMENT), catalog)
        cells += profile_cells(ev)
    return cells


def shares_by_place(frames: dict[str, pd.DataFrame], year: int) -> dict[str, dict[str, float]]:
    """place -> share -> value of the four forms' shares in the county and region marts (full year)."""
    out: dict[str, dict[str, float]] = {}
    for name, key in ((marts.COUNTY, "county_code"), (marts.REGION, "region_code")):
        rows = frames.get(name, pd.DataFrame())
        if rows.empty:
            continue
        rows = rows[(rows["year"] == year) & rows["measure"].isin(FORM_SHARES)]
        rows = rows[rows["period"] == FULL_YEAR] if "period" in rows.columns else rows
        for code, measure, value in zip(rows[key], rows["measure"], rows["value"], strict=True):
            out.setdefault(str(code), {})[str(measure)] = value
    return out


def four_forms_tables(frames: dict[str, pd.DataFrame], region: str, units: list[str], year: int) -> list[dict]:
    """The region's four forms beside its places' and the nation's, and each place's beside its region's."""
    findings = frames.get(marts.FINDINGS, pd.DataFrame())
    if findings.empty:
        return []
    findings = findings[(findings["year"] == year) & (findings["period"] == FULL_YEAR)]
    values = shares_by_place(frames, year)
    nation = nation_of(findings, frames.get(marts.NATIONAL, pd.DataFrame()), region)
    printed = printed_shares(findings)
    cells = four_forms_cells([*units, region], values, printed, nation)
    for unit in units:
        cells += four_forms_cells([unit, region], values, printed, nation, unit)
    return cells


READS = (marts.COUNTY, marts.REGION, marts.NATIONAL, marts.EVALUATION, marts.EVALUATION_WEIGHTS,
         marts.EVALUATION_COHERENCE, marts.EVALUATION_AUDIT, marts.EVALUATION_TREATMENT, marts.EVALUATION_INDICATORS,
         marts.WARNINGS, marts.FINDINGS)


def present_region(region: str, own: dict[str, pd.DataFrame], ranking: list[str], catalog: Catalog,
                   units: list[str] | None = None, notice: tuple[str, ...] = ("high",)) -> pd.DataFrame:
    """One region's cells, every year its county rows hold (full years), from its own rows of each mart (marts
    without regions whole). `units`: its registered places in the order tables list them (the divisions
    register); without them, the places of its rows by code. `notice`: the severities a warning notice goes
    out for (params.yaml report.notice.severities)."""
    county = own[marts.COUNTY]
    parts = [{"region_code": region, **c} for c in (figure_cells(own, catalog) + source_cells(county, region)
                                                    + reportable_cells(own.get(marts.REGION, pd.DataFrame()), region))]
    county = county[county["period"] == FULL_YEAR] if "period" in county.columns else county
    own = {**own, marts.COUNTY: county}
    listed = units or sorted(set(county["county_code"].astype(str)))
    histories = histories_of(own)
    for year in sorted(set(county["year"].astype(int))):
        cells = (region_year_cells(own, year, ranking, catalog) + county_year_cells(own, year, catalog, histories)
                 + four_forms_tables(own, region, listed, year))
        parts += [{"region_code": region, "year": year, **c, "place_code": c["place_code"] or region} for c in cells]
    findings = own.get(marts.FINDINGS, pd.DataFrame())
    parts += [{"region_code": region, **c} for c in outline_cells(findings, notice)]
    parts += [{"region_code": region, **c}
              for c in period_report_cells(region, own.get(marts.REGION, pd.DataFrame()), findings, listed)]
    out = pd.DataFrame(parts, columns=COLUMNS)
    return out.astype({"year": "int64", "row": "int64", "value": "float64"})


def regions_of(frames: dict[str, pd.DataFrame]) -> list[str]:
    county = frames[marts.COUNTY]
    return sorted(set(county["region_code"].astype(str))) if not county.empty else []


def present(frames: dict[str, pd.DataFrame], ranking: list[str], catalog: Catalog,
            units: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """The presentation mart from in-memory marts: every region the county mart holds, in code order."""
    regions = regions_of(frames)
    slices = region_slices(frames, regions)
    parts = [present_region(r, slices[r], ranking, catalog, (units or {}).get(r)) for r in regions]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)


def main() -> None:
    run_stage("报告表格", run, "上次的报告表格保持不变")


def run() -> None:
    root = project_root()
    paths = Paths(root)
    params = load_params(root)
    remove_stale_temps(paths.marts)
    frames = {name: (marts.read_mart(root, name) if marts.mart_path(root, name).is_file() else pd.DataFrame())
              for name in READS}
    divisions = read_divisions(paths.divisions)
    units = {str(r): list(units_of(divisions, str(r))["code"].astype(str)) for r in set(divisions["parent_code"]) if r}
    ranking, catalog = list(params["report"]["sections"]["ranking"]), load_catalog(paths.catalog)
    notice = tuple(notice_settings(params["report"])["severities"])  # a bad setting stops here, named
    table, cache = map_regions(root, "presentation", params, frames, regions_of(frames),
                               lambda r, own: present_region(r, own, ranking, catalog, units.get(r), notice))
    table = table if len(table.columns) else pd.DataFrame(columns=COLUMNS)
    publish({marts.mart_path(root, marts.PRESENTATION): lambda p: marts.write_mart(p, table)})
    print(f"报告表格完成：{table['region_code'].nunique()} 个地区，{len(table)} 个单元格")
    print(cache.summary("地区"))


if __name__ == "__main__":
    main()
