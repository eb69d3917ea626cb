"""The sections of the county notebook: trend, four forms, enforcement, evaluation, figures.

Each section's sentences phrase the place's findings (the same the write-up
states); its charts and tables show the mart rows they rest on.
"""

from __future__ import annotations

import pandas as pd

from pipeline.periods import FULL_YEAR
from pipeline.periods import label as period_label
from pipeline.report import charts
from pipeline.report.data import Figures, ReportData
from pipeline.report.evaluation_words import imputed_text, method_text, uncertainty_sentence
from pipeline.report.phrasing import Phraser, finding
from pipeline.report.scoring_views import scoring_section
from pipeline.report.view_parts import (
    Section,
    change_cell,
    findings_where,
    forms,
    four_forms_rows,
    gaps_text,
    heading,
    measure_finding,
    printed_cell,
    printed_shares,
    printed_value,
    require_place,
    synthetic,
    warnings_table,
    yes_no,
)


def county_header(data: ReportData, region: str, county: str, year: int, first: int) -> Section:
    require_place(data, region, county)
    files = data.sources(region, first, year)
    text = data.words("notebook.county_header", county=data.name(county), code=county, region=data.name(region),
                      region_code=region, year=year, first=first,
                      first_file=files[0] if files else "—", last_file=files[-1] if files else "—")
    mark = synthetic(data, region)
    return Section().add(f"**{mark}**\n\n{text}" if mark else text)


def new_onset_section(data: ReportData, region: str, county: str, year: int, first: int) -> Section:
    w, cat, m = data.words, data.catalog, "new_onset_share"
    label = cat.name(m, data.lang)
    s = data.series(county, m, first, year)
    f = measure_finding(data, county, year, m)
    # the region line and column only where the findings compare the place with its region
    with_region = f is not None and "region" in str(f["basis"]).split(",")
    r = data.series(region, m, first, year)
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
        label: [printed_value(data, t, a) for t, a in zip(s["text"], s["approximate"], strict=True)],
        cols["yoy"]: [change_cell(data, c, u) for c, u in zip(s["yoy"], s["yoy_unit"], strict=True)],
        **({cols["region"]: [printed_cell(data, t) for t in r["text"]]} if with_region else {}),
        cols["rank_best"]: [printed_cell(data, k) for k in s["rank"]],
    }).set_index(cols["year"]).T
    return (Section().add(heading(data, "county_new_onset")).state(Phraser(data), f, bold=True)
            .add(chart, gaps, table))


def four_forms_frame(data: ReportData, county: str, first: int, last: int) -> pd.DataFrame:
    """Person-times, shares as the findings printed them, and the pyramid flag, one row per year."""
    parts, shares, _ = forms(data)
    frame = pd.DataFrame({"year": range(first, last + 1)})
    for m in [*parts, "four_forms_sum", "pyramid_holds", *shares]:
        s = data.series(county, m, first, last)
        frame[m] = s["value"].to_numpy()
        frame[f"{m}_text"] = [printed_cell(data, t) for t in s["text"]]
    for m in shares:
        printed = [printed_shares(data, county, y).get(m) for y in frame["year"]]
        frame[f"{m}_text"] = [p or t for p, t in zip(printed, frame[f"{m}_text"], strict=True)]
    return frame


def four_forms_section(data: ReportData, region: str, county: str, year: int, first: int) -> Section:
    w, cat = data.words, data.catalog
    parts, shares, labels = forms(data)
    ff = four_forms_frame(data, county, first, year)
    p = Phraser(data)
    name = data.name(county)
    gaps = gaps_text(data, data.series(county, "four_forms_sum", first, year),
                     cat.name("four_forms_sum", data.lang))
    by_year = charts.four_forms_chart(ff, parts, shares, labels, title=w("notebook.four_forms.chart_title", county=name),
                                      words=w, notes=[gaps, synthetic(data, region)])
    comparison, source = four_forms_rows(data, county, region, year)
    compare = charts.four_forms_comparison_chart(comparison, shares, labels, words=w,
                                                 title=w("notebook.four_forms.compare_title", year=year, county=name),
                                                 notes=[source, synthetic(data, region)])
    cols = w.raw("notebook.columns")
    table = pd.DataFrame({cols["year"]: ff["year"]})
    for part, share in zip(parts, shares, strict=True):
        table[w("notebook.four_forms.persons_column", label=cat.name(part, data.lang))] = list(ff[f"{part}_text"])
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
    series = {m: data.series(county, m, first, year) for m in measures}
    names = {m: cat.name(m, data.lang) for m in measures}
    gaps = [gaps_text(data, series[m], names[m]) for m in measures]
    chart = charts.indicator_panels(series, names, title=w("notebook.enforcement.chart_title"), words=w,
                                    notes=[*gaps, synthetic(data, region)])
    printed = figure_columns(data, data.figures(county, year), measures)
    cols = w.raw("notebook.columns")
    ranks = pd.DataFrame({cols["measure"]: [names[m] for m in measures],
                          w("year", year=year): printed[cols["value"]], cols["per_1000"]: printed["rate"],
                          cols["yoy"]: printed[cols["yoy"]], cols["rank_highest"]: printed["rank"]})
    return Section().add(heading(data, "county_enforcement"), chart, *[g for g in gaps if g],
                         ranks.set_index(cols["measure"]))


def source_text(data: ReportData, figures: Figures, measure: str) -> str:
    """Where a figure comes from: its cell, or for a computed one its formula and input cells."""
    w = data.words
    if measure not in figures.text.index:
        return w("status.not_delivered")
    text, value = figures.text.loc[measure], figures.value.loc[measure]
    if text["source_file"] is not None:
        return f"{text['source_file']} {text['source_cell']}"
    if value["computed"] != 1:
        return w(f"status.{text['status']}")
    formula = data.catalog.formula_text(measure, data.lang)
    if text["input_file"] is None:
        return formula
    return w("notebook.formula_cells", formula=formula, file=text["input_file"],
             cells=w.sep.join(text["input_cells"].split(",")))


def shown(figures: Figures, measure: str) -> str:
    """The measure a table shows for `measure`: the delivered total where a derived one has no value."""
    return (figures.text.loc[measure, "shown"] or measure) if measure in figures.text.index else measure


def figure_columns(data: ReportData, figures: Figures, measures: list[str]) -> dict[str, list[str]]:
    """The printed value, unit, change and source of each of `measures` (those it shows), by column."""
    w, cat = data.words, data.catalog
    cols = w.raw("notebook.columns")
    units = w.raw("units.measure")
    text, value = (rows := figures.of(measures)).text, rows.value
    return {cols["value"]: [printed_value(data, t, a == 1) for t, a in zip(text["value"], value["approximate"],
                                                                            strict=True)],
            cols["unit"]: [units[cat.measure(m).unit].strip() or w("none_mark") for m in measures],
            cols["yoy"]: [change_cell(data, c, u) for c, u in zip(text["yoy"], text["yoy_unit"], strict=True)],
            "rate": [printed_cell(data, t) for t in text["rate"]],
            "rank": [printed_cell(data, t) for t in text["rank"]],
            cols["source"]: [source_text(data, figures, m) for m in measures]}


def figures_table(data: ReportData, figures: Figures, measures: list[str]) -> pd.DataFrame:
    """Every figure with its unit, change, rate, rank and source; a derived total without its parts shows
    the delivered total (the catalog's reported_as), as every other output does."""
    w, cat = data.words, data.catalog
    cols = w.raw("notebook.columns")
    showing = [shown(figures, m) for m in measures]
    printed = figure_columns(data, figures, showing)
    return pd.DataFrame({
        cols["measure"]: [cat.name(s, data.lang) + (w("workbook.as_reported") if s != m else "")
                          for m, s in zip(measures, showing, strict=True)],
        cols["value"]: printed[cols["value"]], cols["unit"]: printed[cols["unit"]], cols["yoy"]: printed[cols["yoy"]],
        cols["per_1000"]: printed["rate"], cols["rank"]: printed["rank"], cols["source"]: printed[cols["source"]],
    }).set_index(cols["measure"])


def figures_section(data: ReportData, region: str, county: str, year: int) -> Section:
    w = data.words
    measures = data.sections["figures"]
    section = Section().add(heading(data, "county_figures"), w("notebook.figures_note"),
                            figures_table(data, data.figures(county, year), measures))
    periods = [(y, q) for y in (year - 1, year) for q in data.periods(county, y)]
    if periods:
        parts, shares, _ = forms(data)
        wanted = list(dict.fromkeys([*measures, *parts, *shares]))
        section.add(w("notebook.partial_heading"), w("notebook.partial_note"),
                    partial_table(data, county, periods, wanted))
    return section.add(synthetic(data, region))


def partial_table(data: ReportData, county: str, periods: list[tuple[int, str]], measures: list[str]) -> pd.DataFrame:
    """Partial-period figures labelled with their period (2024年1-9月), each compared with the same period only;
    the four forms' person-times and all four shares wherever the first form's share is shown.

    Columns the period's table did not carry are left out rather than listed as gaps (the period's figures
    table holds only what it carried).
    """
    w, cat = data.words, data.catalog
    cols = w.raw("notebook.columns")
    frames = []
    for year, period in periods:
        figures = data.figures(county, year, period)
        present = [m for m in dict.fromkeys(shown(figures, m) for m in measures) if m in figures.text.index]
        printed_share = printed_shares(data, county, year, period)
        printed = figure_columns(data, figures, present)
        frames.append(pd.DataFrame({
            cols["period"]: period_label(year, period, data.lang),
            cols["measure"]: [cat.name(m, data.lang) for m in present],
            cols["value"]: [printed_share.get(m) or v for m, v in zip(present, printed[cols["value"]], strict=True)],
            cols["unit"]: printed[cols["unit"]],
            cols["yoy_same_period"]: printed[cols["yoy"]],
            cols["source"]: printed[cols["source"]],
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
        bars = pd.DataFrame({"name": names, "county": values["raw"].tolist(), "county_text": shown["raw"].tolist(),
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
    if data.table(county, year, "county_warnings").empty:
        return section.add(w("notebook.no_warnings", first=year - 1, last=year))
    table = warnings_table(data, county, year, "county_warnings", False)
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
