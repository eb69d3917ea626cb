"""The Excel workbook of one region and report year: the numbers analysts keep working with.

One sheet per part: what the data are (first, and "synthetic" for the demo),
the measures by county and year, the four forms, the evaluation with grade
probabilities and rank intervals, the warnings with their evidence, and every
delivered figure's source cell. Headers come from the catalog (name and
unit) in the report's language; header rows are frozen; number formats print
what the reports print (shares with one decimal as percentages, counts with
thousands separators). Values are stored unrounded, so a sum in Excel is the
sum of the figures, and Excel's display rounds half up as the reports do.
Only the marts are read.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd

from pipeline import marts
from pipeline.catalog import Catalog
from pipeline.periods import FULL_YEAR
from pipeline.periods import label as period_label
from pipeline.report.data import ReportData, counties_of, is_synthetic
from pipeline.report.evaluation_words import grade_cell
from pipeline.report.ooxml import fixed_zip_times
from pipeline.report.phrasing import Phraser, finding, findings_of
from pipeline.report.sentences import sentence
from pipeline.report.warning_words import (
    evidence_values,
    mart_rule,
    plain_threshold,
    rule_condition,
)

FORMATS = {"share": "0.0%", "score": "0.0"}  # counts: by their catalog decimals, below
HEADER_FILL = "DDE6F0"


def measure_format(catalog: Catalog, code: str) -> str:
    m = catalog.measure(code)
    if m.kind == "count":
        return "#,##0" if m.decimals == 0 else "#,##0." + "0" * m.decimals
    return FORMATS.get(m.kind, "General")


def cell_value(catalog: Catalog, code: str, value: float):
    """A mart value as the workbook stores it: shares as fractions (shown as %), flags as words elsewhere."""
    if value is None or pd.isna(value):
        return None
    return float(value) / 100 if catalog.measure(code).kind == "share" else float(value)


def header(catalog: Catalog, code: str, lang: str, units: dict, as_reported: str = "") -> str:
    """Name and unit from the catalog; a delivered figure named like a computed one says it is the reported one."""
    m = catalog.measure(code)
    name = m.name(lang)
    if as_reported and m.origin == "indicator" and any(d.name(lang) == name for d in catalog.derived):
        name += as_reported
    unit = "%" if m.kind == "share" else units.get(m.unit, m.unit).strip()
    return f"{name}（{unit}）" if unit and lang == "zh" else (f"{name} ({unit})" if unit else name)


def measures_sheet(data: ReportData, region: str, first: int, last: int) -> tuple[pd.DataFrame, list[str]]:
    """County x year (full years), one column per measure that is not a flag; and each column's number format."""
    w, cat = data.words, data.catalog
    cols = w.raw("workbook.columns")
    codes = [m.code for m in cat.measures if m.kind != "flag"]
    counties = counties_of(data, region)
    index = pd.MultiIndex.from_product([counties, range(first, last + 1)], names=["county_code", "year"])
    wide = pd.DataFrame([data.figures(c, y).value["value"].reindex(codes).to_numpy() for c, y in index],
                        index=index, columns=codes)
    units = w.raw("units.measure")
    frame = pd.DataFrame({
        cols["county"]: [data.name(c) for c, _ in wide.index],
        cols["code"]: [c for c, _ in wide.index],
        cols["year"]: [y for _, y in wide.index],
    })
    printed = printed_shares(data, region, range(first, last + 1))
    for code in codes:
        frame[header(cat, code, data.lang, units, w("workbook.as_reported"))] = [
            printed.get((c, int(y), code), cell_value(cat, code, v)) for (c, y), v in zip(wide.index, wide[code],
                                                                                         strict=True)]
    return frame, ["@", "@", "0"] + [measure_format(cat, c) for c in codes]


def printed_shares(data: ReportData, region: str, years: range) -> dict[tuple, float]:
    """(place, year, share) -> the four forms' shares as every report prints them (largest remainder, adding up
    to 100.0; the region's four-forms table of each year): a cell shows 4.4 % where every report prints 4.4 %,
    not the 4.3 % of the unrounded 4.347 %."""
    shares = data.catalog.shares_of("four_forms_sum")
    out = {}
    for year in years:
        table = data.table(region, year, "four_forms")
        for place, row in table.reindex(columns=shares).iterrows():  # the places' rows; the nation's has a key
            out.update({(str(place), year, share): float(text.rstrip("%")) / 100   # of its own, never looked up
                        for share, text in row.items() if isinstance(text, str)})
    return out


def four_forms_sheet(data: ReportData, region: str, first: int, last: int) -> tuple[pd.DataFrame, list[str]]:
    w, cat = data.words, data.catalog
    cols = w.raw("workbook.columns")
    codes = [m.code for m in cat.measures if m.group == "four_forms" and m.kind != "flag"]
    frame, formats = measures_sheet(data, region, first, last)
    keep = [cols["county"], cols["code"], cols["year"]] + [
        header(cat, c, data.lang, w.raw("units.measure"), w("workbook.as_reported")) for c in codes]
    fmt = dict(zip(frame.columns, formats, strict=True))
    out = frame[keep].copy()
    holds = [data.figures(c, int(y)).value["value"].get("pyramid_holds", float("nan"))
             for c, y in zip(out[cols["code"]], out[cols["year"]], strict=True)]
    out[cols["pyramid"]] = [None if pd.isna(h) else w("word_yes") if h == 1 else w("word_no") for h in holds]
    return out, [fmt[c] for c in keep] + ["@"]


def evaluation_sheet(data: ReportData) -> tuple[pd.DataFrame, list[str]]:
    """Every graded year up to the report year (a later year is not part of this year's report), in the
    mart's order (the evaluate stage's: by year, then rank, the places not graded last)."""
    w = data.words
    cols = w.raw("workbook.columns")
    ev = data.evaluation
    if ev.empty:
        return pd.DataFrame({cols["note"]: [w("finding.not_graded.no_evaluation")]}), ["@"]
    labels = w.raw("grades")
    grade_cols = [c for c in ev.columns if c.startswith("p_")]
    p = Phraser(data)
    reasons = []
    for code, y, reason in zip(ev["county_code"], ev["year"], ev["not_graded_reason"], strict=True):
        f = finding(data, code, int(y), "not_graded") if isinstance(reason, str) else None
        reasons.append(sentence(p, f) if f is not None else None)
    frame = pd.DataFrame({
        cols["county"]: [data.name(c) for c in ev["county_code"]],
        cols["code"]: ev["county_code"].to_numpy(),
        cols["year"]: ev["year"].to_numpy(),
        cols["index"]: ev["index"].to_numpy(),
        cols["rank"]: ev["rank"].to_numpy(),
        cols["graded"]: ev["counties_graded"].to_numpy(),
        cols["grade"]: [None if not isinstance(g, str) else grade_cell(p, {
            "grade": g, "grade_before_veto": before if isinstance(before, str) and before != g else None,
            "provisional": provisional is True}) for g, before, provisional in
            zip(ev["grade"], ev["grade_before_veto"], ev["provisional"].astype(object), strict=True)],
        cols["grade_probability"]: ev["grade_probability"].to_numpy(),
        cols["stable"]: [None if pd.isna(s) else w("word_yes") if s else w("word_no") for s in ev["stable"]],
        cols["rank_p05"]: ev["rank_p05"].to_numpy(),
        cols["rank_p95"]: ev["rank_p95"].to_numpy(),
        **{w("workbook.probability_of", grade=labels.get(c[2:], c[2:])): ev[c].to_numpy() for c in grade_cols},
        cols["not_graded"]: reasons,
    })
    formats = ["@", "@", "0", "0.0", "0", "0", "@", "0%", "@", "0", "0"] + ["0%"] * len(grade_cols) + ["@"]
    return frame, formats


def losses_sheet(data: ReportData) -> tuple[pd.DataFrame, list[str]]:
    """失分分析: per graded county, year (up to the report year) and indicator, the points in the index and
    the points lost against 100, largest loss first within a county-year (the mart's order, the stage's)."""
    w, cat = data.words, data.catalog
    cols = w.raw("workbook.columns")
    c = data.evaluation_contributions
    if c.empty:
        return pd.DataFrame({cols["note"]: [w("finding.not_graded.no_evaluation")]}), ["@"]
    frame = pd.DataFrame({
        cols["county"]: [data.name(x) for x in c["county_code"]],
        cols["code"]: c["county_code"].to_numpy(),
        cols["year"]: c["year"].to_numpy(),
        cols["measure"]: [cat.name(x, data.lang) for x in c["indicator"]],
        cols["normalised"]: c["normalised"].to_numpy(),
        cols["weight"]: c["weight"].to_numpy(),
        cols["points"]: c["points"].to_numpy(),
        cols["points_lost"]: c["points_lost"].to_numpy(),
        cols["loss_rank"]: c["loss_rank"].to_numpy(),
    })
    return frame, ["@", "@", "0", "@", "0.0", "0.000", "0.0", "0.0", "0"]


def findings_sheet(data: ReportData, region: str, year: int) -> tuple[pd.DataFrame, list[str]]:
    """Every statement of the report year about the region and its places, as the write-ups phrase them,
    with its polarity and its finding id (the key every output cites)."""
    w = data.words
    cols = w.raw("workbook.columns")
    p = Phraser(data)
    places = [region, *counties_of(data, region)]
    rows = [r for code in places for _, r in findings_of(data, code, year, None).iterrows()]
    frame = pd.DataFrame({
        cols["county"]: [data.name(r["place_code"]) for r in rows],
        cols["code"]: [r["place_code"] for r in rows],
        cols["period"]: [period_label(int(r["year"]), r["period"], data.lang) for r in rows],
        cols["polarity"]: [w(f"workbook.polarity.{r['polarity']}") for r in rows],
        cols["statement"]: [sentence(p, r) for r in rows],
        cols["finding_id"]: [r["finding_id"] for r in rows],
    })
    return frame, ["@"] * 6


def warnings_sheet(data: ReportData) -> tuple[pd.DataFrame, list[str]]:
    """Every warning of the region: the rule, its severity and condition in words, and the figures that
    tripped it printed as the reports print them (2023年30.3%；2024年33.5%); in the mart's order (the
    stage's: by year, place, then the rules' order in params.yaml)."""
    w, cat = data.words, data.catalog
    cols = w.raw("workbook.columns")
    wr = data.warnings
    if wr.empty:
        return pd.DataFrame({cols["note"]: [w("workbook.no_warnings")]}), ["@"]
    p = Phraser(data)
    conditions, evidence = [], []
    for _, r in wr.iterrows():
        rule = mart_rule(r)
        conditions.append(None if rule["threshold"] is None and rule["type"] != "run"
                          else rule_condition(p, rule, plain_threshold(rule)))
        values = warning_values(data, r)
        evidence.append(w.sep.join(
            w("finding.warning.run_item", year=int(y), unit=p.unit(r["measure"]), value=v)
            for y, v in zip(r["evidence_years"], values, strict=True)))
    frame = pd.DataFrame({
        cols["county"]: [data.name(c) for c in wr["county_code"]],
        cols["code"]: wr["county_code"].to_numpy(),
        cols["year"]: wr["year"].to_numpy(),
        cols["rule"]: wr["label_en" if data.lang == "en" else "label_zh"].to_numpy(),
        cols["severity"]: [w(f"severity.{s}") for s in wr["severity"]],
        cols["measure"]: [cat.name(m, data.lang) for m in wr["measure"]],
        cols["condition"]: conditions,
        cols["evidence"]: evidence,
        cols["source"]: [f"{f} {c}" if isinstance(f, str) else None
                         for f, c in zip(wr["source_file"], wr["source_cell"], strict=True)],
    })
    return frame, ["@", "@", "0", "@", "@", "@", "@", "@", "@"]


def warning_values(data: ReportData, r: pd.Series) -> list[str]:
    """A warning's evidence values as the presentation printed them for its year's table (a flag in words)."""
    w = data.words
    table = data.table(str(r["region_code"]), int(r["year"]), "warnings")
    key = marts.warning_key(r["county_code"], r["year"], r["rule"])
    return evidence_values(w, table.loc[key, "values"]) if key in table.index else []


def delivered_figures(data: ReportData, region: str, first: int,
                      last: int) -> list[tuple[str, int, str, str, pd.Series, pd.Series]]:
    """(county, year, period, measure, printed texts, figures) of every figure read from a cell: the region's
    places in register order, years from `first` to the report's, each year's full year before its partial
    periods, measures in the catalog's order."""
    out = []
    for code in counties_of(data, region):
        for year in range(first, last + 1):
            for period in [FULL_YEAR, *data.periods(code, year)]:
                f = data.figures(code, year, period)
                out += [(code, year, period, m, f.text.loc[m], f.value.loc[m]) for m in f.text.index
                        if f.text.loc[m, "source_file"] is not None]
    return out


def sources_sheet(data: ReportData, region: str, first: int, last: int) -> tuple[pd.DataFrame, list[str]]:
    """Every delivered figure of the region with the file and cell it was read from (partial periods included)."""
    w, cat = data.words, data.catalog
    cols = w.raw("workbook.columns")
    rows = delivered_figures(data, region, first, last)
    frame = pd.DataFrame({
        cols["county"]: [data.name(c) for c, *_ in rows],
        cols["code"]: [c for c, *_ in rows],
        cols["period"]: [period_label(y, q, data.lang) for _, y, q, *_ in rows],
        cols["measure"]: [cat.name(m, data.lang) for _, _, _, m, _, _ in rows],
        cols["value"]: [v["value"] for *_, v in rows],
        cols["unit"]: [cat.measure(m).unit for _, _, _, m, _, _ in rows],
        cols["file"]: [t["source_file"] for *_, t, _ in rows],
        cols["row"]: pd.array([v["source_row"] for *_, v in rows], dtype="Int64"),
        cols["cell"]: [t["source_cell"] for *_, t, _ in rows],
    })
    return frame, ["@", "@", "@", "@", "General", "@", "@", "0", "@"]


def about_rows(data: ReportData, region: str, year: int, first: int) -> list[list[str]]:
    w = data.words
    rows = [[w("workbook.title", region=data.name(region), code=region, year=year)], []]
    if is_synthetic(region):
        rows.append([f"⚠ {w('synthetic_note')}"])
    rows += [[line] for line in w.raw("workbook.about")]
    rows.append([w("workbook.years", first=first, last=year)])
    return rows


def to_xlsx(data: ReportData, region: str, year: int, first: int) -> bytes:
    """The workbook as bytes; the same marts give the same bytes (fixed timestamps). `data` is the region's,
    read up to the report year (load_report_data's region and through): every row of it belongs in the
    workbook from `first` on."""
    if data.scope != (region, year):
        raise ValueError(f"the workbook of {region} {year} needs the data read for that region and year, not {data.scope}")
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    w = data.words
    names = w.raw("workbook.sheets")
    wb = Workbook()
    about = wb.active
    about.title = names["about"]
    for r in about_rows(data, region, year, first):
        about.append(r)
    about["A1"].font = Font(bold=True, size=14)
    about.column_dimensions["A"].width = 100
    sheets = {
        "findings": findings_sheet(data, region, year),
        "measures": measures_sheet(data, region, first, year),
        "four_forms": four_forms_sheet(data, region, first, year),
        "evaluation": evaluation_sheet(data),
        "losses": losses_sheet(data),
        "warnings": warnings_sheet(data),
        "sources": sources_sheet(data, region, first, year),
    }
    for key, (frame, formats) in sheets.items():
        ws = wb.create_sheet(names[key])
        ws.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            ws.append([None if (not isinstance(v, str) and pd.isna(v)) else (v.item() if hasattr(v, "item") else v)
                       for v in row])
        for j, (name, fmt) in enumerate(zip(frame.columns, formats, strict=True), start=1):
            letter = get_column_letter(j)
            head = ws.cell(1, j)
            head.font = Font(bold=True)
            head.fill = PatternFill("solid", fgColor=HEADER_FILL)
            head.alignment = Alignment(wrap_text=True, vertical="center")
            width = max([len(str(name)) * 2, *(len(str(v)) for v in frame[name].head(200))], default=8)
            ws.column_dimensions[letter].width = min(max(width + 2, 8), 60)
            for i in range(2, len(frame) + 2):
                ws.cell(i, j).number_format = fmt
        ws.freeze_panes = "D2" if len(frame.columns) > 3 else "A2"
    for prop in ("created", "modified"):
        setattr(wb.properties, prop, dt.datetime(2025, 1, 1))
    wb.properties.creator = "polieco workbench"
    buf = io.BytesIO()
    wb.save(buf)
    return fixed_zip_times(buf.getvalue())


def write_workbook(data: ReportData, region: str, year: int, first: int, target: Path) -> Path:
    from pipeline.config import write_atomic

    blob = to_xlsx(data, region, year, first)
    write_atomic(target, lambda p: p.write_bytes(blob))
    return target
