"""The sections of the region notebook: its places' trends, the four forms, ranks, grades, warnings.

The sentences phrase the region's findings and its places' (the grade counts,
who changed grade since the last grading, who is not stable, who was warned
are findings, counted once by the findings stage); tables and charts show
the mart rows.
"""

from __future__ import annotations

import pandas as pd

from pipeline.report import charts
from pipeline.report.audit_views import audit_parts
from pipeline.report.data import (
    ReportData,
    counties_of,
)
from pipeline.report.phrasing import Phraser, evidence, finding
from pipeline.report.scoring_views import region_scoring_section
from pipeline.report.sentences import sentence
from pipeline.report.view_parts import (
    Section,
    forms,
    four_forms_rows,
    heading,
    measure_finding,
    require_place,
    synthetic,
    warnings_table,
)

GRADE_COLORS = ["#2e7d32", "#1f4e79", "#f79646", "#c00000", "#7f7f7f", "#7f7f7f"]


def region_header(data: ReportData, region: str, year: int, first: int) -> Section:
    require_place(data, region)
    coverage = finding(data, region, year, "coverage")
    in_scope = evidence(coverage)["in_scope"] if coverage is not None else data.words("none_mark")
    text = data.words("notebook.region_header", region=data.name(region), code=region, year=year, first=first,
                      counties=in_scope)
    mark = synthetic(data, region)
    return Section().add(f"**{mark}**\n\n{text}" if mark else text)


def region_matrix(data: ReportData, region: str, measure: str, first: int,
                  last: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """County x year values of one measure for heatmaps, and the same grid as printed ('' where none, no %): a
    row per place with figures in those years, labelled name and code and in the labels' order (as the reader
    scans a heatmap), a column per year."""
    series = {data.label(c): data.series(c, measure, first, last) for c in counties_of(data, region)}
    held = [(label, s) for label, s in sorted(series.items()) if any(s["listed"])]
    years = list(range(first, last + 1))

    def grid(values: dict) -> pd.DataFrame:
        return pd.DataFrame.from_dict(values, orient="index", columns=years).rename_axis("county")
    return (grid({label: s["value"].to_numpy() for label, s in held}),
            grid({label: [(t or "").rstrip("%") for t in s["text"]] for label, s in held}))


def region_new_onset_section(data: ReportData, region: str, year: int, first: int) -> Section:
    w, m = data.words, "new_onset_share"
    label = data.catalog.name(m, data.lang)
    matrix, printed = region_matrix(data, region, m, first, year)
    r = data.series(region, m, first, year)
    gap_text = w("notebook.region_gaps") if matrix.isna().to_numpy().any() else None
    multiples = charts.small_multiples_chart(matrix, r, title=w("notebook.new_onset.multiples_title", name=label),
                                             region_label=w("notebook.region_label", region=data.name(region)),
                                             words=w, notes=[gap_text, synthetic(data, region)])
    heat = charts.heatmap_chart(matrix, printed, title=w("notebook.new_onset.heat_title", name=label), value_label="%",
                                words=w, notes=[gap_text, synthetic(data, region)])
    p = Phraser(data)
    section = Section().add(heading(data, "region_new_onset")).state(p, measure_finding(data, region, year, m),
                                                                      bold=True)
    section.add(multiples, heat)
    lines = []
    for c in counties_of(data, region):
        f = measure_finding(data, c, year, m)
        if f is not None:
            section.finding_ids.append(f["finding_id"])
            lines.append(f"- {data.label(c)}：{sentence(p, f)}" if data.lang == "zh" else
                         f"- {data.label(c)}: {sentence(p, f)}")
    return section.add("\n".join(lines))


def region_four_forms_section(data: ReportData, region: str, year: int) -> Section:
    w = data.words
    _, shares, labels = forms(data)
    rows, source = four_forms_rows(data, region, region, year)
    chart = charts.four_forms_comparison_chart(rows, shares, labels, words=w,
                                               title=w("notebook.four_forms.region_title", year=year),
                                               notes=[source, synthetic(data, region)])
    p = Phraser(data)
    section = Section().add(heading(data, "region_four_forms")).state(p, finding(data, region, year,
                                                                                 "four_forms_shape"), bold=True)
    by_verdict: dict[str, list[str]] = {}
    for c in counties_of(data, region):
        f = finding(data, c, year, "four_forms_shape")
        if f is not None:
            section.finding_ids.append(f["finding_id"])
            by_verdict.setdefault(str(f["verdict"]), []).append(data.label(c))
    lines = [w(f"notebook.pyramid.region_{verdict}", counties=w.sep.join(names))
             for verdict, names in by_verdict.items()]
    return section.add(chart, "\n\n".join(lines))


def region_ranking_section(data: ReportData, region: str, year: int) -> Section:
    """Each place's rank on each measure (within places of one level); '—' where a place has none."""
    w, cat = data.words, data.catalog
    table = printed(data, data.table(region, year, "ranking"))
    table.columns = [cat.name(m, data.lang) for m in table.columns]
    return Section().add(heading(data, "region_ranking", year=year), w("notebook.ranking_note"), table,
                         synthetic(data, region))


def printed(data: ReportData, table: pd.DataFrame, *, place_rows: bool = True) -> pd.DataFrame:
    """A presentation table with its places labelled (name and code) and the none mark where nothing is
    printed; its columns are still codes."""
    w = data.words
    out = table.map(lambda v: w("none_mark") if v is None else v)
    if place_rows:
        out.index = pd.Index([data.label(c) for c in table.index], name=w.raw("notebook.columns.county"))
    return out


def region_evaluation_section(data: ReportData, region: str, year: int) -> Section:
    w, cat = data.words, data.catalog
    p = Phraser(data)
    section = Section().add(heading(data, "region_evaluation"))
    distribution = finding(data, region, year, "grade_distribution")
    if distribution is None:
        return section.state(p, finding(data, region, year, "not_graded"), bold=True)
    section.state(p, distribution, bold=True).state(p, finding(data, region, year, "units_unstable"), bold=True)
    ranked = data.table(region, year, "rank_intervals", "value")
    grades = w.raw("grades")
    chart = charts.rank_interval_chart(ranked.assign(label=[data.label(c) for c in ranked.index],
                                                     grade=data.table(region, year, "rank_intervals")["grade"]),
                                       title=w("notebook.evaluation.rank_title", year=year),
                                       grade_colors=dict(zip(grade_labels(data), GRADE_COLORS, strict=False)),
                                       words=w, notes=[w("notebook.evaluation.rank_note"), synthetic(data, region)])
    cols = w.raw("notebook.columns")
    table = printed(data, data.table(region, year, "evaluation"))
    table["grade"] = [grades.get(g, g) if g != w("none_mark") else g for g in table["grade"]]
    table["stable"] = [w(f"word_{v}") if v in ("yes", "no") else v for v in table["stable"]]
    table.columns = [f"P({grades.get(c[2:], c[2:])})" if c.startswith("p_") else cols[c] for c in table.columns]
    table.index.name = cols["county"]
    wt = printed(data, data.table(region, year, "weights"), place_rows=False)
    wt.index = pd.Index([cat.name(c, data.lang) for c in wt.index], name=cols["indicator"])
    wt.columns = [cols[c] for c in wt.columns]
    section.add(chart, table, w("notebook.evaluation.weights_intro"), wt)
    flags = coherence_flags(data, region, year)
    if flags:
        section.add(w("notebook.evaluation.coherence_intro") + "\n\n" + "\n".join(f"- {f}" for f in flags))
    section.add(*grade_matrix(data, region, year))
    section.state(p, finding(data, region, year, "grade_changes"))
    section.extend(region_scoring_section(data, region, year))
    return section.add(*audit_parts(data, region, year))


def grade_labels(data: ReportData) -> list[str]:
    return [c[2:] for c in data.evaluation.columns if c.startswith("p_")]


def grade_matrix(data: ReportData, region: str, year: int) -> list[object]:
    """Place x year grades (each year graded with the same method); blank where a year was not graded."""
    w = data.words
    matrix = data.table(region, year, "grade_matrix")
    if matrix.empty:
        return []
    grades = w.raw("grades")
    matrix = matrix.map(lambda g: "" if g is None else grades.get(g, g))
    matrix.index = pd.Index([data.label(c) for c in matrix.index], name=w.raw("notebook.columns.county"))
    return [w("notebook.evaluation.matrix_heading"), w("notebook.evaluation.matrix_note"), matrix]


def coherence_flags(data: ReportData, region: str, year: int) -> list[str]:
    """Collinear pairs, indicators against the index, and the one(s) whose removal moves ranks most, as the
    presentation stage listed them."""
    w, cat = data.words, data.catalog
    notes = data.table(region, year, "coherence")
    if notes.empty:
        return []
    name = {c: cat.name(c, data.lang) for c in set(notes.index) | set(notes["other"]) if c in cat}
    flags, most = [], []
    for code, note in notes.iterrows():  # the stage's order: collinear pairs, negatives, then the rank movers
        if note["kind"] == "collinear":
            flags.append(w("notebook.evaluation.collinear", a=name[code], b=name[note["other"]], r=note["size"]))
        elif note["kind"] == "negative":
            flags.append(w("notebook.evaluation.negative", a=name[code], r=note["size"]))
        else:  # moves_ranks_most: the one(s) whose removal moves ranks most, all with one shift
            most.append((name[code], note["size"]))
    if most:
        flags.append(w("notebook.evaluation.shift", a=w.listed([a for a, _ in most]), shift=most[0][1]))
    return flags


def region_warnings_section(data: ReportData, region: str, year: int) -> Section:
    w = data.words
    section = Section().add(heading(data, "region_warnings", year=year))
    warned = finding(data, region, year, "units_warned")
    if warned is None:
        return section.add(w("notebook.region_no_warnings", year=year))
    table = warnings_table(data, region, year, "warnings", True)
    return section.state(Phraser(data), warned, bold=True).add(table.set_index(table.columns[0]),
                                                               synthetic(data, region))

