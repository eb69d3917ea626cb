"""The sections of the county notebook: trend, four forms, enforcement, evaluation, figures.

Each section's sentences phrase the place's findings (the same the write-up
states); its charts and tables show the mart rows they rest on.
"""

from __future__ import annotations

import pandas as pd

from pipeline.periods import FULL_YEAR
from pipeline.periods import label as period_label
from pipeline.report import charts
from pipeline.report.data import (
    ReportData,
    county_rows,
    measure_series,
    partial_rows,
    region_series,
)
from pipeline.report.evaluation_words import imputed_text, method_text, uncertainty_sentence
from pipeline.report.fmt import (
    number,
    rate_text,
    signed_change,
    value_text,
)
from pipeline.report.phrasing import Phraser, finding
from pipeline.report.scoring_views import scoring_section
from pipeline.report.view_parts import (
    Section,
    approx_text,
    findings_where,
    forms,
    four_forms_rows,
    gaps_text,
    heading,
    measure_finding,
    printed_shares,
    rank_cell,
    require_place,
    shown_measure,
    synthetic,
    warnings_table,
    yes_no,
)


def provenance(data: ReportData, region: str, first: int, last: int) -> list[str]:
    files = data.county[(data.county["region_code"] == region) & data.county["year"].between(first, last)
                        & data.county["source_file"].notna()]["source_file"]
    return sorted(set(files))


def county_header(data: ReportData, region: str, county: str, year: int, first: int) -> Section:
    require_place(data, region, county)
    files = provenance(data, region, first, year)
    text = data.words("notebook.county_header", county=data.name(county), code=county, region=data.name(region),
                      region_code=region, year=year, first=first,
                      first_file=files[0] if files else "—", last_file=files[-1] if files else "—")
    mark = synthetic(data, region)
    return Section().add(f"**{mark}**\n\n{text}" if mark else text)


def new_onset_section(data: ReportData, region: str, county: str, year: int, first: int) -> Section:
    w, cat, m = data.words, data.catalog, "new_onset_share"
    label = cat.name(m, data.lang)
    s = measure_series(data, county, m, first, year)
    f = measure_finding(data, county, year, m)
    # the region line and column only where the findings compare the place with its region
    with_region = f is not None and "region" in str(f["basis"]).split(",")
    r = region_series(data, region, m, first, year)
    gaps = gaps_text(data, s, label)
    chart = charts.share_trend_chart(
        s, r if with_region else r.assign(value=float("nan")),
        title=w("notebook.new_onset.chart_title", name=label, county=data.name(county)),
        county_label=data.name(county), region_label=w("notebook.region_label", region=data.name(region)),
        y_label=w("notebook.pct_axis", name=label), words=w,
        notes=[gaps, w("notebook.formula", name=label, formula=cat.formula_text(m, data.lang)),
               synthetic(data, region)])
    cols = w.raw("notebook.columns")
    table = pd.DataFrame({
        cols["year"]: s["year"],
        label: [approx_text(data, m, v, a) for v, a in zip(s["value"], s["approximate"], strict=True)],
        cols["yoy"]: [signed_change(cat, v, u, w) for v, u in zip(s["yoy_change"], s["yoy_unit"], strict=True)],
        **({cols["region"]: [value_text(cat, m, v) for v in r["value"]]} if with_region else {}),
        cols["rank_best"]: [rank_cell(k, n, data) for k, n in zip(s["rank_in_region"], s["counties_ranked"],
                                                                  strict=True)],
    }).set_index(cols["year"]).T
    return (Section().add(heading(data, "county_new_onset")).state(Phraser(data), f, bold=True)
            .add(chart, gaps, table))


def four_forms_frame(data: ReportData, county: str, first: int, last: int) -> pd.DataFrame:
    """Person-times, shares as the findings printed them, and the pyramid flag, one row per year."""
    parts, shares, _ = forms(data)
    frame = pd.DataFrame({"year": range(first, last + 1)})
    for m in [*parts, "four_forms_sum", "pyramid_holds"]:
        s = measure_series(data, county, m, first, last)[["year", "value"]].rename(columns={"value": m})
        frame = frame.merge(s, on="year", how="left", validate="one_to_one")
    for m in shares:
        s = measure_series(data, county, m, first, last)[["year", "value"]].rename(columns={"value": m})
        frame = frame.merge(s, on="year", how="left", validate="one_to_one")
        printed = [printed_shares(data, county, y).get(m) for y in frame["year"]]
        frame[f"{m}_text"] = [t or value_text(data.catalog, m, v) for t, v in zip(printed, frame[m], strict=True)]
    return frame


def four_forms_section(data: ReportData, region: str, county: str, year: int, first: int) -> Section:
    w, cat = data.words, data.catalog
    parts, shares, labels = forms(data)
    ff = four_forms_frame(data, county, first, year)
    p = Phraser(data)
    name = data.name(county)
    gaps = gaps_text(data, measure_series(data, county, "four_forms_sum", first, year),
                     cat.name("four_forms_sum", data.lang))
    by_year = charts.four_forms_chart(ff, parts, shares, labels, title=w("notebook.four_forms.chart_title", county=name),
                                      words=w, notes=[gaps, synthetic(data, region)])
    comparison, source = four_forms_rows(data, county, region, year)
    compare = charts.four_forms_comparison_chart(comparison, shares, labels, words=w,
                                                 title=w("notebook.four_forms.compare_title", year=year),
                                                 notes=[source, synthetic(data, region)])
    cols = w.raw("notebook.columns")
    table = pd.DataFrame({cols["year"]: ff["year"]})
    for part, share, label in zip(parts, shares, labels, strict=True):
        table[w("notebook.four_forms.persons_column", label=label)] = [number(v, 0) for v in ff[part]]
        table[w("notebook.four_forms.share_column", label=cat.name(share, data.lang))] = ff[f"{share}_text"]
    table[cols["pyramid"]] = [yes_no(data, v) for v in ff["pyramid_holds"]]
    section = Section().add(heading(data, "county_four_forms"))
    shape = finding(data, county, year, "four_forms_shape")
    section.state(p, shape if shape is not None else measure_finding(data, county, year, "four_forms_sum"), bold=True)
    for f in findings_where(data, county, year, ("form4_above_form3",)):
        section.state(p, f)
    inverted = [y for y in range(first, year) if (x := finding(data, county, y, "four_forms_shape")) is not None
                and x["verdict"] == "not_holds"]
    if inverted:
        section.add(w("notebook.pyramid.inverted_years", years=w.sep.join(map(str, inverted))))
    for f in findings_where(data, county, year, ("four_forms_shape", "form4_above_form3"), period=None):
        if f["period"] != FULL_YEAR:
            section.state(p, f)
    return section.add(by_year, compare, table.set_index(cols["year"]))


def enforcement_section(data: ReportData, region: str, county: str, year: int, first: int) -> Section:
    w, cat = data.words, data.catalog
    measures = data.sections["enforcement"]
    table = pd.concat([measure_series(data, county, m, first, year).assign(measure=m) for m in measures],
                      ignore_index=True)
    names = {m: cat.name(m, data.lang) for m in measures}
    gaps = [gaps_text(data, table[table["measure"] == m], names[m]) for m in measures]
    chart = charts.indicator_panels(table, names, title=w("notebook.enforcement.chart_title"), words=w,
                                    notes=[*gaps, synthetic(data, region)])
    latest = table[table["year"] == year]
    cols = w.raw("notebook.columns")
    ranks = pd.DataFrame({
        cols["measure"]: [names[m] for m in latest["measure"]],
        w("year", year=year): [approx_text(data, m, v, a) for m, v, a in
                               zip(latest["measure"], latest["value"], latest["approximate"], strict=True)],
        cols["per_1000"]: [rate_text(cat, v) for v in latest["rate_per_members"]],
        cols["yoy"]: [signed_change(cat, v, u, w) for v, u in zip(latest["yoy_change"], latest["yoy_unit"],
                                                                  strict=True)],
        cols["rank_highest"]: [rank_cell(k, n, data) for k, n in zip(latest["rank_in_region"],
                                                                      latest["counties_ranked"], strict=True)],
    })
    return Section().add(heading(data, "county_enforcement"), chart, *[g for g in gaps if g],
                         ranks.set_index(cols["measure"]))


def source_text(data: ReportData, rows: pd.DataFrame, measure: str) -> str:
    """Where a figure comes from: its cell, or for a derived measure its formula and input cells."""
    w = data.words
    if measure not in rows.index:
        return w("status.not_delivered")
    row = rows.loc[measure]
    if isinstance(row["source_file"], str) and row["source_file"]:
        return f"{row['source_file']} {row['source_cell']}"
    if row["status"] != "ok":
        return w(f"status.{row['status']}")
    inputs = [c for c in data.catalog.raw_inputs(measure) if c in rows.index
              and isinstance(rows.loc[c, "source_file"], str)]
    cells = [rows.loc[c, "source_cell"] for c in inputs]
    files = sorted({rows.loc[c, "source_file"] for c in inputs})
    formula = data.catalog.formula_text(measure, data.lang)
    if not (files and cells):
        return formula
    return w("notebook.formula_cells", formula=formula, file=files[0], cells=w.sep.join(cells))


def figures_table(data: ReportData, rows: pd.DataFrame, measures: list[str]) -> pd.DataFrame:
    """Every figure with its unit, change, rate, rank and source; a derived total without its parts shows
    the delivered total (the catalog's reported_as), as every other output does."""
    w, cat = data.words, data.catalog
    cols = w.raw("notebook.columns")
    units = w.raw("units.measure")
    shown = [shown_measure(rows, cat, m) for m in measures]

    def cell(m: str, col: str):
        return rows.loc[m, col] if m in rows.index else None

    return pd.DataFrame({
        cols["measure"]: [cat.name(s, data.lang) + (w("workbook.as_reported") if s != m else "")
                          for m, s in zip(measures, shown, strict=True)],
        cols["value"]: [approx_text(data, m, cell(m, "value"), cell(m, "approximate")) for m in shown],
        cols["unit"]: [units[cat.measure(m).unit].strip() or w("none_mark") for m in shown],
        cols["yoy"]: [signed_change(cat, cell(m, "yoy_change"), cell(m, "yoy_unit"), w) for m in shown],
        cols["per_1000"]: [rate_text(cat, cell(m, "rate_per_members")) for m in shown],
        cols["rank"]: [rank_cell(cell(m, "rank_in_region"), cell(m, "counties_ranked"), data) for m in shown],
        cols["source"]: [source_text(data, rows, m) for m in shown],
    }).set_index(cols["measure"])


def figures_section(data: ReportData, region: str, county: str, year: int) -> Section:
    w = data.words
    measures = data.sections["figures"]
    section = Section().add(heading(data, "county_figures"), w("notebook.figures_note"),
                            figures_table(data, county_rows(data, county, year), measures))
    partial = partial_rows(data, county, year - 1, year)
    if not partial.empty:
        parts, shares, _ = forms(data)
        wanted = list(dict.fromkeys([*measures, *parts, *shares]))
        section.add(w("notebook.partial_heading"), w("notebook.partial_note"), partial_table(data, partial, wanted))
    return section.add(synthetic(data, region))


def partial_table(data: ReportData, rows: pd.DataFrame, measures: list[str]) -> pd.DataFrame:
    """Partial-period figures labelled with their period (2024年1-9月), each compared with the same period only;
    the four forms' person-times and all four shares wherever the first form's share is shown.

    Columns the period's table did not carry are left out rather than listed as gaps.
    """
    w, cat = data.words, data.catalog
    cols = w.raw("notebook.columns")
    units = w.raw("units.measure")
    frames = []
    for (year, period), g in rows.groupby(["year", "period"], sort=False):
        by_measure = g.set_index("measure")
        wanted = [shown_measure(by_measure, cat, m) for m in measures]
        present = [m for m in dict.fromkeys(wanted) if m in by_measure.index
                   and by_measure.loc[m, "status"] != "column_absent"]
        printed = printed_shares(data, str(g["county_code"].iloc[0]), int(year), period)
        frames.append(pd.DataFrame({
            cols["period"]: period_label(int(year), period, data.lang),
            cols["measure"]: [cat.name(m, data.lang) for m in present],
            cols["value"]: [printed.get(m) or approx_text(data, m, by_measure.loc[m, "value"],
                                                          by_measure.loc[m, "approximate"]) for m in present],
            cols["unit"]: [units[cat.measure(m).unit].strip() or w("none_mark") for m in present],
            cols["yoy_same_period"]: [signed_change(cat, by_measure.loc[m, "yoy_change"], by_measure.loc[m, "yoy_unit"],
                                                    w) for m in present],
            cols["source"]: [source_text(data, by_measure, m) for m in present],
        }))
    return pd.concat(frames).set_index([cols["period"], cols["measure"]])


def county_evaluation_section(data: ReportData, region: str, county: str, year: int) -> Section:
    w, cat = data.words, data.catalog
    p = Phraser(data)
    section = Section().add(heading(data, "county_evaluation"))
    grade = finding(data, county, year, "grade")
    section.state(p, grade if grade is not None else finding(data, county, year, "not_graded"), bold=True)
    stability = finding(data, county, year, "grade_stability")
    if stability is not None:
        section.state(p, stability).add(uncertainty_sentence(p, stability))
    if grade is not None:
        section.add(imputed_text(p, grade), method_text(p, grade))
    shown, values = data.table(county, year, "indicators"), data.table(county, year, "indicators", "value")
    if len(shown):
        names = [cat.name(c, data.lang) for c in shown.index]
        bars = pd.DataFrame({"name": names, "county": values["raw"].tolist(),
                             "region_mean": values["region_mean"].tolist(),
                             "imputed": [v == "yes" for v in shown["imputed"]]})
        section.add(charts.scores_chart(bars, title=w("notebook.evaluation.scores_title", year=year,
                                                     county=data.name(county)),
                                        county_label=data.name(county),
                                        region_label=w("notebook.region_mean_label", region=data.name(region)),
                                        words=w, notes=[synthetic(data, region)]))
        cols = w.raw("notebook.columns")
        none = w("none_mark")
        section.add(pd.DataFrame({
            cols["county"]: [v or none for v in shown["raw"]],
            cols["region_mean"]: [v or none for v in shown["region_mean"]],
            cols["normalised"]: [v or none for v in shown["normalised"]],
            cols["imputed"]: [w("word_yes") if v == "yes" else "" for v in shown["imputed"]],
        }, index=pd.Index(names, name=cols["indicator"])))
    section.extend(scoring_section(data, county, year))
    history = finding(data, county, year, "grade_history")
    section.add(*history_table(data, county, year)).state(p, history)
    for f in findings_where(data, county, year, ("warning",)):
        section.state(p, f)
    warned = data.listed_warnings(county, year, "county_warnings")
    if warned.empty:
        return section.add(w("notebook.no_warnings", first=year - 1, last=year))
    table = warnings_table(data, warned, False)
    return section.add(w("notebook.warnings_heading", first=year - 1, last=year), table.set_index(table.columns[0]))


def history_table(data: ReportData, county: str, year: int) -> list[object]:
    """The county's grade, index and rank (with the simulated 90% interval) in every year evaluated."""
    w = data.words
    rows = data.table(county, year, "history")
    if rows.empty:
        return []
    cols = w.raw("notebook.evaluation.history_columns")
    grades = w.raw("grades")
    none = w("none_mark")
    table = pd.DataFrame({
        cols[1]: [v or none for v in rows["index"]],
        cols[2]: [none if r is None else w("notebook.evaluation.history_rank", rank=r, n=n)
                  for r, n in zip(rows["rank"], rows["counties_graded"], strict=True)],
        cols[3]: [v or none for v in rows["rank_interval"]],
        cols[4]: [none if g is None else grades.get(g, g) for g in rows["grade"]],
        cols[5]: [v or none for v in rows["grade_probability"]],
    }, index=pd.Index(rows.index, name=cols[0]))
    return [w("notebook.evaluation.history_heading"), table]
