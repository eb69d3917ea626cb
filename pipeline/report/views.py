"""Notebook sections: each returns the parts a cell shows (Markdown, figures, tables).

The notebooks call one function per section and pass the result to `show`,
so a notebook cell holds no logic and every section can be tested here.
Sections select mart rows and phrase them with the words of the report's
language (data/reference/phrases.yaml); judgements (rising, better, stable,
holds) are the stages' columns, never decided here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from pipeline.periods import label as period_label
from pipeline.report import charts
from pipeline.report.data import (
    ReportData,
    counties_of,
    county_rows,
    evaluation_rows,
    is_synthetic,
    load_report_data,
    measure_series,
    national_latest,
    partial_rows,
    region_rows,
    region_series,
)
from pipeline.report.fmt import (
    is_false,
    missing,
    number,
    percent_text,
    rate_text,
    signed_change,
    size_text,
    value_text,
)

GRADE_COLORS = ["#2e7d32", "#1f4e79", "#f79646", "#c00000", "#7f7f7f", "#7f7f7f"]


@dataclass
class Section:
    parts: list[object] = field(default_factory=list)  # str (Markdown), Figure or DataFrame

    def add(self, *parts: object) -> Section:
        self.parts += [p for p in parts if p is not None]
        return self


def find_root(start: Path | None = None) -> Path:
    """The project root: the nearest folder upwards holding params.yaml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "params.yaml").is_file():
            return folder
    raise FileNotFoundError("params.yaml not found above the current folder")


def open_report(root: Path | None = None, language: str | None = None) -> ReportData:
    """Load the marts and set the chart and table style: the first call of every notebook."""
    charts.use_report_style()
    pd.set_option("display.max_colwidth", None)  # source cells must be read in full
    return load_report_data(root or find_root(), language)


def figure_png(fig: Figure) -> bytes:
    """PNG bytes of a figure; same figure, same bytes (no timestamp in the metadata)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def show(section: Section) -> None:
    """Display a section: Markdown for text, PNG for figures, HTML tables for frames."""
    from IPython.display import Image, Markdown, display

    for part in section.parts:
        if isinstance(part, str):
            display(Markdown(part))
        elif isinstance(part, Figure):
            display(Image(data=figure_png(part), format="png"))
        else:
            display(part)


# ---------------------------------------------------------------- shared phrasing


def synthetic(data: ReportData, region: str) -> str | None:
    return f"⚠ {data.words('synthetic_note')}" if is_synthetic(region) else None


def heading(data: ReportData, key: str, **values) -> str:
    return data.words(f"notebook.headings.{key}", **values)


def provenance(data: ReportData, region: str, first: int, last: int) -> list[str]:
    files = data.county[(data.county["region_code"] == region) & data.county["year"].between(first, last)
                        & data.county["source_file"].notna()]["source_file"]
    return sorted(set(files))


def gaps_text(data: ReportData, series: pd.DataFrame, label: str) -> str | None:
    """Years without a value and why (not delivered, blank cell...); None when there is none."""
    w = data.words
    gaps = series[series["value"].isna()]
    if gaps.empty:
        return None
    parts = w.sep.join(w("notebook.gap_item", year=int(r.year), status=w(f"status.{r.status}"))
                       for r in gaps.itertuples())
    return w("notebook.gaps", label=label, parts=parts)


def yes_no(data: ReportData, flag: float) -> str:
    w = data.words
    return w("none_mark") if missing(flag) else (w("word_yes") if flag == 1 else w("word_no"))


def rank_cell(rank: float, n: float, data: ReportData) -> str:
    return data.words("none_mark") if missing(rank) else f"{int(rank)}/{int(n)}"


def trend_text(data: ReportData, series: pd.DataFrame, label: str) -> str:
    """The latest year with a value, its trend against the first years, last year and the region (mart columns)."""
    w, cat = data.words, data.catalog
    known = series[series["value"].notna()]
    if known.empty or known.iloc[-1]["trend_status"] == "insufficient":
        return w("notebook.trend.insufficient", name=label) + w("sentence_end")
    r = known.iloc[-1]
    m = r["measure"]
    unit = w("units.change." + str(r["yoy_unit"]))
    text = w(f"notebook.trend.{r['trend_status']}", name=label, year=int(r["year"]),
             value=value_text(cat, m, r["value"]), span=w("year_range", first=int(r["trend_baseline_from"]),
                                                           last=int(r["trend_baseline_to"])),
             baseline=value_text(cat, m, r["trend_baseline"]), change=size_text(cat, r["trend_change"]), unit=unit)
    status = r["change_status"]
    if status in ("up", "down"):
        text += w("notebook.trend.yoy", verb=w(f"verbs.{status}"), change=size_text(cat, r["yoy_change"]), unit=unit)
    elif status == "flat":
        text += w("notebook.trend.yoy_flat")
    else:
        text += w("notebook.trend.yoy_none")
    if not missing(r["region_gap"]):
        region = value_text(cat, m, r["region_value"])
        if r["region_gap"] == 0:
            text += w("notebook.trend.region_level", region=region)
        else:
            text += w("notebook.trend.region", region=region, gap=size_text(cat, r["region_gap"]), unit=unit,
                      relation=w("notebook.higher" if r["region_gap"] > 0 else "notebook.lower"))
    return text + w("sentence_end")


def forms(data: ReportData) -> tuple[list[str], list[str], list[str]]:
    """The four forms' person-time indicators, their share measures and their names, from the catalog."""
    total = data.catalog.measure("four_forms_sum")
    shares = [d.code for d in data.catalog.derived if d.formula_type == "ratio" and d.denominator == total.code]
    return list(total.inputs), shares, [data.catalog.name(c, data.lang) for c in total.inputs]


def pyramid_text(data: ReportData, rows: pd.DataFrame, year: int, inverted: list[int]) -> str:
    """Whether the pyramid holds this year, or why it cannot be judged, and the years it did not hold."""
    w = data.words
    r = rows.loc["pyramid_holds"] if "pyramid_holds" in rows.index else None
    if r is None or r["status"] == "not_delivered":
        head = w("notebook.pyramid.not_delivered", year=year)
    elif missing(r["value"]):
        names = w.sep.join(data.catalog.name(c, data.lang) for c in str(r["missing_inputs"]).split(","))
        head = w("notebook.pyramid.cannot", year=year, names=names)
    else:
        share = value_text(data.catalog, "form1_share", rows.loc["form1_share", "value"])
        head = w("notebook.pyramid.holds" if r["value"] == 1 else "notebook.pyramid.not_holds", year=year, share=share)
    if inverted:
        head += w("notebook.pyramid.inverted_years", years=w.sep.join(map(str, inverted)))
    return head


def warning_evidence(data: ReportData, r) -> str:
    """A warning's evidence in words, from the structured columns of the warnings mart."""
    w, cat = data.words, data.catalog
    name, unit = cat.name(r.measure, data.lang), w.raw("units.measure")[cat.measure(r.measure).unit]
    years, values = list(r.evidence_years), list(r.evidence_values)
    if r.rule_type == "change":
        return w("notebook.warning.change", name=name, y0=years[0], v0=value_text(cat, r.measure, values[0]),
                 y1=years[-1], v1=value_text(cat, r.measure, values[-1]), unit=unit,
                 verb=w("verbs.up" if r.change > 0 else "verbs.down"), size=size_text(cat, r.change),
                 change_unit=w("units.change." + str(r.change_unit)), op=r.op,
                 threshold=number(r.threshold, cat.change_decimals))
    if r.rule_type == "run":
        items = w.sep.join(w("notebook.warning.run_item", year=y, value=value_text(cat, r.measure, v), unit=unit)
                           for y, v in zip(years, values, strict=True))
        return w("notebook.warning.run", name=name, n=len(years) - 1, items=items)
    if cat.measure(r.measure).kind == "flag":
        return w("notebook.warning.flag", name=name, year=years[-1], value=yes_no(data, r.value))
    value = value_text(cat, r.measure, r.value)
    return w("notebook.warning.level", name=name, year=years[-1], value=value, unit=unit, op=r.op,
             threshold=number(r.threshold, cat.measure(r.measure).decimals))


def warnings_table(data: ReportData, rows: pd.DataFrame, with_county: bool) -> pd.DataFrame:
    w = data.words
    cols = w.raw("notebook.columns")
    table = pd.DataFrame({
        cols["year"]: rows["year"].tolist(),
        cols["rule"]: [r.label_en if data.lang == "en" else r.label_zh for r in rows.itertuples()],
        cols["severity"]: [w(f"severity.{s}") for s in rows["severity"]],
        cols["evidence"]: [warning_evidence(data, r) for r in rows.itertuples()],
        cols["source"]: [source_of_warning(data, r) for r in rows.itertuples()],
    })
    if with_county:
        table.insert(0, cols["county"], [data.label(c) for c in rows["county_code"]])
    return table


def source_of_warning(data: ReportData, r) -> str:
    if isinstance(r.source_file, str):
        return f"{r.source_file} {r.source_cell}"
    return data.words("notebook.derived_from_delivery")


# ---------------------------------------------------------------- county


def county_header(data: ReportData, region: str, county: str, year: int, first: int) -> Section:
    files = provenance(data, region, first, year)
    text = data.words("notebook.county_header", county=data.name(county), code=county, region=data.name(region),
                      region_code=region, year=year, first=first, n=len(files),
                      first_file=files[0] if files else "—", last_file=files[-1] if files else "—")
    mark = synthetic(data, region)
    return Section().add(f"**{mark}**\n\n{text}" if mark else text)


def new_onset_section(data: ReportData, region: str, county: str, year: int, first: int) -> Section:
    w, cat, m = data.words, data.catalog, "new_onset_share"
    label = cat.name(m, data.lang)
    s = measure_series(data, county, m, first, year)
    r = region_series(data, region, m, first, year)
    gaps = gaps_text(data, s, label)
    chart = charts.share_trend_chart(
        s, r, title=w("notebook.new_onset.chart_title", name=label, county=data.name(county)),
        county_label=data.name(county), region_label=w("notebook.region_label", region=data.name(region)),
        y_label=w("notebook.pct_axis", name=label), words=w,
        notes=[gaps, w("notebook.formula", name=label, formula=cat.formula_text(m, data.lang)),
               synthetic(data, region)])
    cols = w.raw("notebook.columns")
    table = pd.DataFrame({
        cols["year"]: s["year"],
        label: [value_text(cat, m, v) for v in s["value"]],
        cols["yoy"]: [signed_change(cat, v, u, w) for v, u in zip(s["yoy_change"], s["yoy_unit"], strict=True)],
        cols["region"]: [value_text(cat, m, v) for v in r["value"]],
        cols["rank_best"]: [rank_cell(k, n, data) for k, n in zip(s["rank_in_region"], s["counties_ranked"],
                                                                  strict=True)],
    }).set_index(cols["year"]).T
    return Section().add(heading(data, "county_new_onset"), f"**{trend_text(data, s, label)}**", chart, gaps, table)


def four_forms_frame(data: ReportData, county: str, first: int, last: int) -> pd.DataFrame:
    """Person-times, shares and the pyramid flag of the four forms, one row per year (selected, not computed)."""
    parts, shares, _ = forms(data)
    frame = pd.DataFrame({"year": range(first, last + 1)})
    for m in [*parts, "four_forms_sum", *shares, "pyramid_holds"]:
        s = measure_series(data, county, m, first, last)[["year", "value"]].rename(columns={"value": m})
        frame = frame.merge(s, on="year", how="left", validate="one_to_one")
    return frame


def four_forms_section(data: ReportData, region: str, county: str, year: int, first: int) -> Section:
    w, cat = data.words, data.catalog
    parts, shares, labels = forms(data)
    ff = four_forms_frame(data, county, first, year)
    name = data.name(county)
    gaps = gaps_text(data, measure_series(data, county, "four_forms_sum", first, year),
                     cat.name("four_forms_sum", data.lang))
    by_year = charts.four_forms_chart(ff, parts, shares, labels, title=w("notebook.four_forms.chart_title", county=name),
                                      words=w, notes=[gaps, synthetic(data, region)])
    comparison, source = four_forms_comparison(data, county, region, year, shares)
    compare = charts.four_forms_comparison_chart(comparison, shares, labels, words=w,
                                                 title=w("notebook.four_forms.compare_title", year=year),
                                                 notes=[source, synthetic(data, region)])
    cols = w.raw("notebook.columns")
    table = pd.DataFrame({cols["year"]: ff["year"]})
    for part, share, label in zip(parts, shares, labels, strict=True):
        table[w("notebook.four_forms.persons_column", label=label)] = [number(v, 0) for v in ff[part]]
        table[w("notebook.four_forms.share_column", label=cat.name(share, data.lang))] = [
            value_text(cat, share, v) for v in ff[share]]
    table[cols["pyramid"]] = [yes_no(data, v) for v in ff["pyramid_holds"]]
    inverted = [int(r.year) for r in ff.itertuples() if r.pyramid_holds == 0]
    text = pyramid_text(data, county_rows(data, county, year), year, inverted)
    return Section().add(heading(data, "county_four_forms"), f"**{text}**", by_year, compare,
                         table.set_index(cols["year"]))


def four_forms_comparison(data: ReportData, county: str, region: str, year: int,
                          shares: list[str]) -> tuple[pd.DataFrame, str | None]:
    """Shares of the four forms: the county, its region and the nation (latest published year ≤ year)."""
    w = data.words
    mine, theirs = county_rows(data, county, year), region_rows(data, region, year)
    rows = [{"who": w("notebook.who.county", name=data.name(county)), **{m: mine["value"].get(m) for m in shares}},
            {"who": w("notebook.who.region", name=data.name(region)), **{m: theirs["value"].get(m) for m in shares}}]
    nat = national_latest(data, year, shares)
    source = None
    if not nat.empty:
        rows.append({"who": w("notebook.who.nation", year=int(nat["year"].iloc[0])),
                     **{m: nat.loc[m, "value"] for m in shares}})
        source = w("notebook.national_source", source=nat["source"].iloc[0])
    return pd.DataFrame(rows), source


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
        w("year", year=year): [value_text(cat, m, v) for m, v in zip(latest["measure"], latest["value"], strict=True)],
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
    inputs = [c for c in data.catalog.raw_inputs(measure) if c in rows.index and isinstance(rows.loc[c, "source_file"], str)]
    cells = [rows.loc[c, "source_cell"] for c in inputs]
    files = sorted({rows.loc[c, "source_file"] for c in inputs})
    formula = data.catalog.formula_text(measure, data.lang)
    if not (files and cells):
        return formula
    return w("notebook.formula_cells", formula=formula, file=files[0], cells=w.sep.join(cells))


def figures_section(data: ReportData, region: str, county: str, year: int) -> Section:
    w, cat = data.words, data.catalog
    measures = data.sections["figures"]
    rows = county_rows(data, county, year)
    cols = w.raw("notebook.columns")
    units = w.raw("units.measure")

    def cell(m: str, col: str):
        return rows.loc[m, col] if m in rows.index else None

    table = pd.DataFrame({
        cols["measure"]: [cat.name(m, data.lang) for m in measures],
        cols["value"]: [value_text(cat, m, cell(m, "value")) for m in measures],
        cols["unit"]: [units[cat.measure(m).unit].strip() or w("none_mark") for m in measures],
        cols["yoy"]: [signed_change(cat, cell(m, "yoy_change"), cell(m, "yoy_unit"), w) for m in measures],
        cols["per_1000"]: [rate_text(cat, cell(m, "rate_per_members")) for m in measures],
        cols["rank"]: [rank_cell(cell(m, "rank_in_region"), cell(m, "counties_ranked"), data) for m in measures],
        cols["source"]: [source_text(data, rows, m) for m in measures],
    })
    section = Section().add(heading(data, "county_figures"), w("notebook.figures_note"),
                            table.set_index(cols["measure"]))
    partial = partial_rows(data, county, year - 1, year)
    if not partial.empty:
        section.add(w("notebook.partial_heading"), w("notebook.partial_note"), partial_table(data, partial, measures))
    return section.add(synthetic(data, region))


def partial_table(data: ReportData, rows: pd.DataFrame, measures: list[str]) -> pd.DataFrame:
    """Partial-period figures labelled with their period (2024年1-9月), each compared with the same period only.

    Columns the period's table did not carry are left out rather than listed as gaps.
    """
    w, cat = data.words, data.catalog
    cols = w.raw("notebook.columns")
    units = w.raw("units.measure")
    frames = []
    for (year, period), g in rows.groupby(["year", "period"], sort=False):
        by_measure = g.set_index("measure")
        shown = by_measure.reindex([m for m in measures if m in by_measure.index])
        shown = shown[shown["status"] != "column_absent"].reset_index()
        frames.append(pd.DataFrame({
            cols["period"]: period_label(int(year), period, data.lang),
            cols["measure"]: [cat.name(m, data.lang) for m in shown["measure"]],
            cols["value"]: [value_text(cat, m, v) for m, v in zip(shown["measure"], shown["value"], strict=True)],
            cols["unit"]: [units[cat.measure(m).unit].strip() or w("none_mark") for m in shown["measure"]],
            cols["yoy_same_period"]: [signed_change(cat, c, u, w)
                                      for c, u in zip(shown["yoy_change"], shown["yoy_unit"], strict=True)],
            cols["source"]: [source_text(data, by_measure, m) for m in shown["measure"]],
        }))
    return pd.concat(frames).set_index([cols["period"], cols["measure"]])


# ---------------------------------------------------------------- region


def region_header(data: ReportData, region: str, year: int, first: int) -> Section:
    files = provenance(data, region, first, year)
    text = data.words("notebook.region_header", region=data.name(region), code=region, year=year, first=first,
                      counties=len(counties_of(data, region)), n=len(files))
    mark = synthetic(data, region)
    return Section().add(f"**{mark}**\n\n{text}" if mark else text)


def region_matrix(data: ReportData, region: str, measure: str, first: int, last: int) -> pd.DataFrame:
    """County x year values of one measure (rows labelled name and code), for heatmaps."""
    rows = data.county[(data.county["region_code"] == region) & (data.county["measure"] == measure)
                       & data.county["year"].between(first, last)]
    return rows.assign(county=[data.label(c) for c in rows["county_code"]]).pivot(
        index="county", columns="year", values="value")


def region_new_onset_section(data: ReportData, region: str, year: int, first: int) -> Section:
    w, m = data.words, "new_onset_share"
    label = data.catalog.name(m, data.lang)
    matrix = region_matrix(data, region, m, first, year)
    r = region_series(data, region, m, first, year)
    gaps = int(matrix.isna().sum().sum())
    gap_text = w("notebook.region_gaps", n=gaps) if gaps else None
    multiples = charts.small_multiples_chart(matrix, r, title=w("notebook.new_onset.multiples_title", name=label),
                                             region_label=w("notebook.region_label", region=data.name(region)),
                                             words=w, notes=[gap_text, synthetic(data, region)])
    heat = charts.heatmap_chart(matrix, title=w("notebook.new_onset.heat_title", name=label), value_label="%",
                                words=w, notes=[gap_text, synthetic(data, region)])
    trends = [trend_text(data, measure_series(data, c, m, first, year), data.label(c)) for c in counties_of(data, region)]
    return Section().add(heading(data, "region_new_onset"), multiples, heat, "\n".join(f"- {t}" for t in trends))


def region_four_forms_section(data: ReportData, region: str, year: int) -> Section:
    w = data.words
    _, shares, labels = forms(data)
    counties = counties_of(data, region)
    table = pd.DataFrame([{"who": data.label(c), **{m: county_rows(data, c, year)["value"].get(m) for m in shares}}
                          for c in counties])
    theirs = region_rows(data, region, year)
    table = pd.concat([table, pd.DataFrame([{"who": w("notebook.who.region", name=data.name(region)),
                                             **{m: theirs["value"].get(m) for m in shares}}])])
    nat = national_latest(data, year, shares)
    source = None
    if not nat.empty:
        table = pd.concat([table, pd.DataFrame([{"who": w("notebook.who.nation", year=int(nat["year"].iloc[0])),
                                                 **{m: nat.loc[m, "value"] for m in shares}}])])
        source = w("notebook.national_source", source=nat["source"].iloc[0])
    chart = charts.four_forms_comparison_chart(table.reset_index(drop=True), shares, labels, words=w,
                                               title=w("notebook.four_forms.region_title", year=year),
                                               notes=[source, synthetic(data, region)])
    flags = data.county[(data.county["region_code"] == region) & (data.county["year"] == year)
                        & (data.county["measure"] == "pyramid_holds")]
    inverted = [data.label(c) for c, v in zip(flags["county_code"], flags["value"], strict=True) if v == 0]
    unknown = [data.label(c) for c, v in zip(flags["county_code"], flags["value"], strict=True) if missing(v)]
    holding = [c for c, v in zip(flags["county_code"], flags["value"], strict=True) if v == 1]
    lines = []
    if inverted:
        lines.append(w("notebook.pyramid.region_inverted", counties=w.sep.join(inverted)))
    if unknown:
        lines.append(w("notebook.pyramid.region_unknown", counties=w.sep.join(unknown)))
    if holding and not inverted and not unknown:
        lines.append(w("notebook.pyramid.region_all_hold", year=year))
    elif holding:
        lines.append(w("notebook.pyramid.region_holding", n=len(holding), total=len(flags)))
    return Section().add(heading(data, "region_four_forms"), chart, "\n\n".join(lines))


def region_ranking_section(data: ReportData, region: str, year: int) -> Section:
    w, cat = data.words, data.catalog
    measures = data.sections["ranking"]
    rows = data.county[(data.county["region_code"] == region) & (data.county["year"] == year)
                       & data.county["measure"].isin(measures)]
    table = (rows.assign(county=[data.label(c) for c in rows["county_code"]])
             .pivot(index="county", columns="measure", values="rank_in_region")[measures]
             .sort_values(measures[0]).astype("Int64"))
    table.columns = [cat.name(m, data.lang) for m in measures]
    return Section().add(heading(data, "region_ranking", year=year), w("notebook.ranking_note"), table,
                         synthetic(data, region))


# ---------------------------------------------------------------- evaluation and warnings


def grade_labels(data: ReportData) -> list[str]:
    return [c[2:] for c in data.evaluation.columns if c.startswith("p_")]


def grade_name(data: ReportData, grade: str) -> str:
    return data.words.raw("grades").get(grade, grade)


def not_graded_text(data: ReportData, ev: pd.Series | None, year: int) -> str:
    w = data.words
    if ev is None:
        return w("writeup.notes.no_evaluation") + w("sentence_end")
    if ev["not_graded_reason"] == "no_indicators":
        return w("writeup.notes.no_grade_no_indicators", year=year, n=int(ev["indicators_total"])) + w("sentence_end")
    if ev["not_graded_reason"] == "indicator_absent_in_region":
        names = w.sep.join(data.catalog.name(c, data.lang) for c in str(ev["indicators_absent_in_region"]).split(","))
        return w("writeup.notes.no_grade_absent_in_region", year=year, names=names) + w("sentence_end")
    return w("writeup.notes.no_grade_too_few", year=year, available=int(ev["indicators_available"]),
             min=int(ev["min_indicators"])) + w("sentence_end")


def grade_sentence(data: ReportData, ev: pd.Series) -> str:
    """Index, rank, grade, rank interval and the probability of the grade given (all from the mart)."""
    w = data.words
    labels = grade_labels(data)
    text = w("notebook.evaluation.grade", index=number(ev["index"], 1), rank=int(ev["rank"]),
             n=int(ev["counties_graded"]), grade=grade_name(data, ev["grade"]))
    if not missing(ev.get("median_rank")):
        probs = w.sep.join(f"{grade_name(data, g)} {percent_text(ev[f'p_{g}'])}" for g in labels if ev[f"p_{g}"] > 0)
        varied = varied_text(data, ev)
        if varied:
            text += w("notebook.evaluation.uncertainty", factors=varied,
                      n=int(ev["scenarios"]), median=number(ev["median_rank"], 0), low=number(ev["rank_p05"], 0),
                      high=number(ev["rank_p95"], 0), probs=probs)
            text += drivers_text(data, ev)
        else:
            text += w("notebook.evaluation.uncertainty_fixed")
        if is_false(ev["stable"]):
            text += w("notebook.evaluation.unstable", grade=grade_name(data, ev["grade"]),
                      prob=percent_text(ev["grade_probability"]), threshold=percent_text(ev["stable_threshold"]))
    if isinstance(ev.get("imputed"), str) and ev["imputed"]:
        codes = ev["imputed"].split(",")
        # marts written before imputation methods existed filled every cell with the region mean
        hows = ev["imputed_by"].split(",") if isinstance(ev.get("imputed_by"), str) else ["region_mean"] * len(codes)
        words = w.raw("notebook.evaluation.imputed_by")
        parts = [w("notebook.evaluation.imputed_part", how=words[how],
                   names=w.sep.join(data.catalog.name(c, data.lang) for c, h in zip(codes, hows, strict=True) if h == how))
                 for how in dict.fromkeys(hows)]
        text += w("notebook.evaluation.imputed", parts=w.raw("notebook.evaluation.imputed_sep").join(parts))
    return text


def varied_text(data: ReportData, ev: pd.Series) -> str:
    """The assumptions the uncertainty analysis varied for this county-year, as the report names them."""
    short = data.words.raw("notebook.evaluation.factor_short")
    return data.words.sep.join(short[f] for f in str(ev.get("factors_varied") or "").split(",") if f)


def drivers_text(data: ReportData, ev: pd.Series, with_indices: bool = True) -> str:
    """The assumption(s) a county's grade (or, when the grade never changes, its rank) depends on most,
    with their total-order Sobol' indices from the sensitivity mart (left out where every printed number
    must carry a note, as in the write-up); '' when no sensitivity was computed."""
    w = data.words
    sens = data.evaluation_sensitivity
    if sens.empty or missing(ev.get("scenarios")):
        return ""
    mine = sens[(sens["county_code"] == ev["county_code"]) & (sens["year"] == ev["year"])]
    names = w.raw("notebook.evaluation.factor")

    def listed(target: str) -> tuple[str, str]:
        codes = [c for c in str(ev[f"{target}_drivers"] or "").split(",") if c]
        totals = mine[mine["target"] == target].set_index("factor")["total_order"]
        return (w.sep.join(names[c] for c in codes),
                w.sep.join(number(min(max(totals[c], 0.0), 1.0), 2) for c in codes))

    plain = "" if with_indices else "_plain"
    if ev["grade_drivers"]:
        factors, values = listed("grade")
        return w(f"notebook.evaluation.driver_grade{plain}", factors=factors, values=values)
    if ev["rank_drivers"]:
        factors, values = listed("rank")
        return w(f"notebook.evaluation.driver_rank{plain}", grade=grade_name(data, ev["grade"]), factors=factors,
                 values=values)
    return w("notebook.evaluation.driver_none")


def method_text(data: ReportData, ev: pd.Series, with_cr: bool = True) -> str | None:
    """How the grades were reached (weighting, normalisation, aggregation, imputation, outliers), from the mart;
    the AHP consistency ratio left out where every printed number must carry a note (the write-up)."""
    if missing(ev.get("weighting")):
        return None
    w = data.words
    names = w.raw("notebook.evaluation.method_names")
    imputation = w.raw("notebook.evaluation.imputed_by").get(ev["imputation"], ev["imputation"])
    ahp = (w("notebook.evaluation.ahp_cr", cr=number(ev["ahp_cr"], 3))
           if with_cr and ev["weighting"] == "ahp" and not missing(ev.get("ahp_cr")) else "")
    return w("notebook.evaluation.method", weighting=names["weighting"].get(ev["weighting"], ev["weighting"]), ahp=ahp,
             normalisation=names["normalisation"].get(ev["normalisation"], ev["normalisation"]),
             aggregation=names["aggregation"].get(ev["aggregation"], ev["aggregation"]), imputation=imputation,
             winsor=names["winsor"]["true" if bool(ev["winsorise"]) else "false"])


def county_history(data: ReportData, county: str, year: int) -> list[object]:
    """The county's grade, index and rank (with the simulated 90% interval) in every year evaluated, and the
    years its grade changed."""
    w = data.words
    ev = data.evaluation
    rows = ev[(ev["county_code"] == county) & (ev["year"] <= year)].sort_values("year") if not ev.empty else ev
    if rows.empty or rows["index"].notna().sum() == 0:
        return []
    cols = w.raw("notebook.evaluation.history_columns")
    table = pd.DataFrame({
        cols[0]: rows["year"].astype(int).astype(str),
        cols[1]: [number(v, 1) for v in rows["index"]],
        cols[2]: [w("none_mark") if missing(r) else w("notebook.evaluation.history_rank", rank=int(r), n=int(n))
                  for r, n in zip(rows["rank"], rows["counties_graded"], strict=True)],
        cols[3]: [w("none_mark") if missing(a) else f"{number(a, 0)}–{number(b, 0)}"
                  for a, b in zip(rows["rank_p05"], rows["rank_p95"], strict=True)],
        cols[4]: [grade_name(data, g) for g in rows["grade"]],
        cols[5]: [percent_text(v) for v in rows["grade_probability"]],
    }).set_index(cols[0])
    graded = rows[rows["index"].notna()]
    changes = [w("notebook.evaluation.history_change_item", year=int(b.year), before=grade_name(data, a.grade),
                 after=grade_name(data, b.grade))
               for a, b in zip(graded.iloc[:-1].itertuples(), graded.iloc[1:].itertuples(), strict=True)
               if a.grade != b.grade]
    text = (w("notebook.evaluation.history_changes", items=w.sep.join(changes)) if changes else
            w("notebook.evaluation.history_same", first=int(graded["year"].min()), last=int(graded["year"].max()),
              grade=grade_name(data, graded["grade"].iloc[0])))
    return [w("notebook.evaluation.history_heading"), table, text]


def county_evaluation_section(data: ReportData, region: str, county: str, year: int) -> Section:
    w, cat = data.words, data.catalog
    section = Section().add(heading(data, "county_evaluation"))
    rows = evaluation_rows(data, year, county=county)
    ev = rows.iloc[0] if len(rows) else None
    if ev is None or missing(ev["index"]):
        section.add(f"**{not_graded_text(data, ev, year)}**")
    else:
        section.add(f"**{grade_sentence(data, ev)}**")
    ind = data.evaluation_indicators
    table = ind[(ind["county_code"] == county) & (ind["year"] == year)] if not ind.empty else ind
    if not table.empty and table["raw"].notna().any():
        named = table.assign(name=[cat.name(c, data.lang) for c in table["indicator"]],
                             county=table["raw"])
        section.add(charts.scores_chart(named, title=w("notebook.evaluation.scores_title", year=year,
                                                      county=data.name(county)),
                                        county_label=data.name(county),
                                        region_label=w("notebook.region_mean_label", region=data.name(region)),
                                        words=w, notes=[synthetic(data, region)]))
        cols = w.raw("notebook.columns")
        shown = pd.DataFrame({
            cols["indicator"]: named["name"],
            cols["county"]: [value_text(cat, c, v) for c, v in zip(table["indicator"], table["raw"], strict=True)],
            cols["region_mean"]: [value_text(cat, c, v) for c, v in zip(table["indicator"], table["region_mean"],
                                                                        strict=True)],
            cols["normalised"]: [number(v, 1) for v in table["normalised"]],
            cols["imputed"]: [w("word_yes") if v else "" for v in table["imputed"]],
        })
        section.add(shown.set_index(cols["indicator"]))
    if ev is not None:
        section.add(method_text(data, ev))
    section.add(*county_history(data, county, year))
    warned = data.warnings[(data.warnings["county_code"] == county) & data.warnings["year"].isin([year - 1, year])] \
        if not data.warnings.empty else data.warnings
    if warned.empty:
        section.add(w("notebook.no_warnings", first=year - 1, last=year))
    else:
        table = warnings_table(data, warned.sort_values(["year", "rule"], ascending=[False, True]), False)
        section.add(f"**{w('notebook.warnings_count', first=year - 1, last=year, n=len(warned))}**",
                    table.set_index(table.columns[0]))
    return section


def region_evaluation_section(data: ReportData, region: str, year: int) -> Section:
    w, cat = data.words, data.catalog
    section = Section().add(heading(data, "region_evaluation"))
    ev = evaluation_rows(data, year, region=region)
    graded = ev[ev["index"].notna()] if not ev.empty else ev
    if graded.empty:
        return section.add(f"**{not_graded_text(data, ev.iloc[0] if len(ev) else None, year)}**")
    labels = grade_labels(data)
    colors = dict(zip(labels, GRADE_COLORS, strict=False))
    unstable = ev[ev["stable"] == False]  # noqa: E712
    verdict = (w("notebook.evaluation.unstable_counties", items=w.sep.join(
        w("notebook.evaluation.unstable_item", county=data.label(r.county_code), grade=grade_name(data, r.grade),
          prob=percent_text(r.grade_probability)) for r in unstable.itertuples()))
        if len(unstable) else w("notebook.evaluation.all_stable"))
    chart = charts.rank_interval_chart(graded.assign(label=[data.label(c) for c in graded["county_code"]]),
                                       title=w("notebook.evaluation.rank_title", year=year), grade_colors=colors,
                                       words=w, notes=[w("notebook.evaluation.rank_note"), synthetic(data, region)])
    cols = w.raw("notebook.columns")
    table = pd.DataFrame({
        cols["county"]: [data.label(c) for c in ev["county_code"]],
        cols["index"]: [number(v, 1) for v in ev["index"]],
        cols["rank"]: [w("none_mark") if missing(v) else str(int(v)) for v in ev["rank"]],
        cols["grade"]: [grade_name(data, g) for g in ev["grade"]],
        cols["rank_interval"]: [w("none_mark") if missing(a) else f"{number(a, 0)}–{number(b, 0)}"
                                for a, b in zip(ev["rank_p05"], ev["rank_p95"], strict=True)],
        **{f"P({grade_name(data, g)})": [percent_text(v) for v in ev[f"p_{g}"]] for g in labels},
        cols["grade_probability"]: [percent_text(v) for v in ev["grade_probability"]],
        cols["stable"]: [w("none_mark") if missing(v) else (w("word_yes") if v else w("word_no")) for v in ev["stable"]],
    })
    weights = data.evaluation_weights
    weights = weights[(weights["region_code"] == region) & (weights["year"] == year)]
    wt = pd.DataFrame({cols["indicator"]: [cat.name(c, data.lang) for c in weights["indicator"]],
                       cols["nominal_weight"]: [number(v, 3) for v in weights["nominal_weight"]],
                       cols["effective_weight"]: [number(v, 3) for v in weights["effective_weight"]]})
    section.add(f"**{verdict}**", chart, table.set_index(cols["county"]), w("notebook.evaluation.weights_intro"),
                wt.set_index(cols["indicator"]))
    flags = coherence_flags(data, region, year)
    if flags:
        section.add(w("notebook.evaluation.coherence_intro") + "\n\n" + "\n".join(f"- {f}" for f in flags))
    section.add(method_text(data, ev.iloc[0]))
    return section.add(*grade_matrix(data, region, year), *audit_parts(data, region, year))


def grade_matrix(data: ReportData, region: str, year: int) -> list[object]:
    """County x year grades (each year graded with the same method) and who changed grade in the report year."""
    w = data.words
    ev = data.evaluation
    rows = ev[(ev["region_code"] == region) & (ev["year"] <= year)]
    if rows.empty:
        return []
    matrix = (rows.assign(shown=[grade_name(data, g) if not missing(i) else "" for g, i in
                                 zip(rows["grade"], rows["index"], strict=True)])
              .pivot(index="county_code", columns="year", values="shown").fillna("").sort_index())
    matrix.columns = [str(int(c)) for c in matrix.columns]
    matrix.index = pd.Index([data.label(c) for c in matrix.index], name=w.raw("notebook.columns.county"))
    now = rows[(rows["year"] == year) & rows["index"].notna()].set_index("county_code")
    before = rows[(rows["year"] == year - 1) & rows["index"].notna()].set_index("county_code")
    if before.empty:
        text = w("notebook.evaluation.no_previous", year=year)
    else:
        moved = [w("notebook.evaluation.changed_item", county=data.label(c), before=grade_name(data, before.loc[c, "grade"]),
                   after=grade_name(data, now.loc[c, "grade"]))
                 for c in now.index if c in before.index and before.loc[c, "grade"] != now.loc[c, "grade"]]
        text = (w("notebook.evaluation.changed", year=year, items=w.sep.join(moved)) if moved
                else w("notebook.evaluation.unchanged", year=year))
    return [w("notebook.evaluation.matrix_heading"), w("notebook.evaluation.matrix_note"), matrix, text]


def audit_parts(data: ReportData, region: str, year: int) -> list[object]:
    """The region-year's audit: coverage, internal consistency, outliers and winsorised values, each
    indicator's shape and link with the index, and each county's strengths and weaknesses (from the marts)."""
    w, cat = data.words, data.catalog
    audit = data.evaluation_audit
    audit = audit[(audit["region_code"] == region) & (audit["year"] == year)] if not audit.empty else audit
    if audit.empty:
        return []
    a = "notebook.audit."
    first = audit.iloc[0]
    n = int(first["counties"])
    gaps = [w(a + "coverage_item", name=cat.name(r.indicator, data.lang), k=int(round(r.coverage * n)), n=n)
            for r in audit.itertuples() if r.coverage < 1]
    lines = [w(a + "coverage_gaps", items=w.sep.join(gaps)) if gaps else w(a + "coverage_full", n=n)]
    if missing(first["cronbach_alpha"]):
        lines.append(w(a + "alpha_none"))
    else:
        key = "alpha_ok" if bool(first["alpha_adequate"]) else "alpha_low"
        lines.append(w(a + key, alpha=number(first["cronbach_alpha"], 2), min=number(first["alpha_min"], 1)))
    if not missing(first["pc1_share"]):
        lines.append(w(a + "pc1", share=percent_text(first["pc1_share"])))
    flagged = audit[audit["beyond_limits"] == True]  # noqa: E712
    lines.append(w(a + "outliers", items=w.sep.join(
        w(a + "outlier_item", name=cat.name(r.indicator, data.lang), skew=number(r.skewness, 2),
          kurt=number(r.kurtosis, 2)) for r in flagged.itertuples())) if len(flagged)
        else w(a + "outliers_none", skew=number(first["skew_limit"], 1), kurt=number(first["kurtosis_limit"], 1)))
    treated = data.evaluation_treatment
    treated = treated[(treated["region_code"] == region) & (treated["year"] == year)] if not treated.empty else treated
    if len(treated):
        lines.append(w(a + "winsorised", items=w.sep.join(
            w(a + "winsorised_item", county=data.label(r.county_code), name=cat.name(r.indicator, data.lang),
              before=value_text(cat, r.indicator, r.before), after=value_text(cat, r.indicator, r.after))
            for r in treated.itertuples())))
    coh = data.evaluation_coherence
    coh = (coh[(coh["region_code"] == region) & (coh["year"] == year) & (coh["other"] == "index")]
           .set_index("indicator") if not coh.empty else pd.DataFrame())
    cols = w.raw(a + "columns")
    table = pd.DataFrame({
        cols[0]: [cat.name(c, data.lang) for c in audit["indicator"]],
        cols[1]: [f"{int(round(v * n))}/{n}" for v in audit["coverage"]],
        cols[2]: [number(v, 2) for v in audit["skewness"]],
        cols[3]: [number(v, 2) for v in audit["kurtosis"]],
        cols[4]: [number(coh["r"].get(c), 2) if len(coh) else w("none_mark") for c in audit["indicator"]],
        cols[5]: [number(coh["rank_shift_if_dropped"].get(c), 1) if len(coh) else w("none_mark")
                  for c in audit["indicator"]],
    }).set_index(cols[0])
    ev = evaluation_rows(data, year, region=region)
    ev = ev[ev["index"].notna()]
    profile = []
    if "strengths" in ev.columns and len(ev):
        pc = w.raw(a + "profile_columns")

        def names(codes: object) -> str:
            return w.sep.join(cat.name(c, data.lang) for c in str(codes or "").split(",") if c) or w("none_mark")

        profile = [w(a + "profile_intro"), pd.DataFrame({
            pc[0]: [data.label(c) for c in ev["county_code"]], pc[1]: [names(v) for v in ev["strengths"]],
            pc[2]: [names(v) for v in ev["weaknesses"]]}).set_index(pc[0])]
    return [w(a + "heading", year=year), "\n".join(f"- {line}" for line in lines), table, *profile]


def coherence_flags(data: ReportData, region: str, year: int) -> list[str]:
    """Collinear pairs, indicators against the index, and the one whose removal moves ranks most (from the mart)."""
    w, cat = data.words, data.catalog
    coh = data.evaluation_coherence
    coh = coh[(coh["region_code"] == region) & (coh["year"] == year)] if not coh.empty else coh
    if coh.empty:
        return []
    flags = []
    for r in coh[coh["collinear"] == True].itertuples():  # noqa: E712
        flags.append(w("notebook.evaluation.collinear", a=cat.name(r.indicator, data.lang),
                       b=cat.name(r.other, data.lang), r=number(r.r, 2)))
    for r in coh[coh["negative_with_index"] == True].itertuples():  # noqa: E712
        flags.append(w("notebook.evaluation.negative", a=cat.name(r.indicator, data.lang), r=number(r.r, 2)))
    shifts = coh[coh["other"] == "index"].sort_values("rank_shift_if_dropped", ascending=False).head(1)
    for r in shifts.itertuples():
        flags.append(w("notebook.evaluation.shift", a=cat.name(r.indicator, data.lang),
                       shift=number(r.rank_shift_if_dropped, 1)))
    return flags


def region_warnings_section(data: ReportData, region: str, year: int) -> Section:
    w = data.words
    rows = data.warnings[(data.warnings["region_code"] == region) & (data.warnings["year"] == year)] \
        if not data.warnings.empty else data.warnings
    section = Section().add(heading(data, "region_warnings", year=year))
    if rows.empty:
        return section.add(w("notebook.region_no_warnings", year=year))
    table = warnings_table(data, rows, True)
    return section.add(w("notebook.region_warnings_count", n=len(rows), counties=rows["county_code"].nunique()),
                       table.set_index(table.columns[0]), synthetic(data, region))


def writeup_section(data: ReportData, region: str, county: str | None, year: int, first: int) -> Section:
    """The annual write-up (成效 / 问题和难点 / 思考与建议) with its source notes."""
    from pipeline.report.writeup import county_report, notebook_markdown, region_report

    report = (county_report(data, region, county, year, first) if county
              else region_report(data, region, year, first))
    return Section().add(heading(data, "writeup"), notebook_markdown(report).replace("# ", "### ", 1))
