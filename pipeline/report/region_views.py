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
    county_rows,
    evaluation_rows,
    national_latest,
    region_series,
)
from pipeline.report.fmt import missing, number, percent_text, published_source
from pipeline.report.phrasing import Phraser, evidence, finding
from pipeline.report.scoring_views import region_scoring_section
from pipeline.report.sentences import sentence
from pipeline.report.view_parts import (
    Section,
    forms,
    heading,
    measure_finding,
    printed_shares,
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
    gap_text = w("notebook.region_gaps") if matrix.isna().to_numpy().any() else None
    multiples = charts.small_multiples_chart(matrix, r, title=w("notebook.new_onset.multiples_title", name=label),
                                             region_label=w("notebook.region_label", region=data.name(region)),
                                             words=w, notes=[gap_text, synthetic(data, region)])
    heat = charts.heatmap_chart(matrix, title=w("notebook.new_onset.heat_title", name=label), value_label="%",
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
    rows = [{"who": data.label(c), **{m: county_rows(data, c, year)["value"].get(m) for m in shares},
             **{f"{m}_text": t for m, t in printed_shares(data, c, year).items()}} for c in counties_of(data, region)]
    theirs = region_values(data, region, year)
    rows.append({"who": w("notebook.who.region", name=data.name(region), **data.level_words(region, region)), **{m: theirs.get(m) for m in shares},
                 **{f"{m}_text": t for m, t in printed_shares(data, region, year).items()}})
    nat = national_latest(data, region, year, shares)
    source = None
    if not nat.empty:
        rows.append({"who": w("notebook.who.nation", year=int(nat["year"].iloc[0])),
                     **{m: nat.loc[m, "value"] for m in shares}, **{f"{m}_text": nat.loc[m, "text"] for m in shares}})
        source = w("notebook.national_source", source=published_source(w, nat["source"].iloc[0]))
    chart = charts.four_forms_comparison_chart(pd.DataFrame(rows), shares, labels, words=w,
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


def region_values(data: ReportData, region: str, year: int) -> dict[str, float]:
    rows = data.region[(data.region["region_code"] == region) & (data.region["year"] == year)]
    return dict(zip(rows["measure"], rows["value"], strict=True))


def region_ranking_section(data: ReportData, region: str, year: int) -> Section:
    """Each place's rank on each measure (within places of one level); '—' where a place has none."""
    w, cat = data.words, data.catalog
    measures = data.sections["ranking"]
    rows = data.county[(data.county["region_code"] == region) & (data.county["year"] == year)
                       & data.county["measure"].isin(measures)]
    table = (rows.assign(county=[data.label(c) for c in rows["county_code"]])
             .pivot(index="county", columns="measure", values="rank_in_region")[measures]
             .sort_values(measures[0]))
    table = table.map(lambda v: w("none_mark") if missing(v) else str(int(v)))
    table.columns = [cat.name(m, data.lang) for m in measures]
    table.index.name = w.raw("notebook.columns.county")
    return Section().add(heading(data, "region_ranking", year=year), w("notebook.ranking_note"), table,
                         synthetic(data, region))


def region_evaluation_section(data: ReportData, region: str, year: int) -> Section:
    w, cat = data.words, data.catalog
    p = Phraser(data)
    section = Section().add(heading(data, "region_evaluation"))
    distribution = finding(data, region, year, "grade_distribution")
    if distribution is None:
        return section.state(p, finding(data, region, year, "not_graded"), bold=True)
    section.state(p, distribution, bold=True).state(p, finding(data, region, year, "units_unstable"), bold=True)
    ev = evaluation_rows(data, year, region=region)
    graded = ev[ev["index"].notna()]
    labels = [c[2:] for c in data.evaluation.columns if c.startswith("p_")]
    grades = w.raw("grades")
    chart = charts.rank_interval_chart(graded.assign(label=[data.label(c) for c in graded["county_code"]]),
                                       title=w("notebook.evaluation.rank_title", year=year),
                                       grade_colors=dict(zip(labels, GRADE_COLORS, strict=False)),
                                       words=w, notes=[w("notebook.evaluation.rank_note"), synthetic(data, region)])
    cols = w.raw("notebook.columns")
    table = pd.DataFrame({
        cols["county"]: [data.label(c) for c in ev["county_code"]],
        cols["index"]: [number(v, 1) for v in ev["index"]],
        cols["rank"]: [w("none_mark") if missing(v) else str(int(v)) for v in ev["rank"]],
        cols["grade"]: [grades.get(g, g) if isinstance(g, str) else w("none_mark") for g in ev["grade"]],
        cols["rank_interval"]: [w("none_mark") if missing(a) else f"{number(a, 0)}–{number(b, 0)}"
                                for a, b in zip(ev["rank_p05"], ev["rank_p95"], strict=True)],
        **{f"P({grades.get(g, g)})": [percent_text(v) for v in ev[f"p_{g}"]] for g in labels},
        cols["grade_probability"]: [percent_text(v) for v in ev["grade_probability"]],
        cols["stable"]: [w("none_mark") if missing(v) else (w("word_yes") if v else w("word_no")) for v in ev["stable"]],
    })
    weights = data.evaluation_weights
    weights = weights[(weights["region_code"] == region) & (weights["year"] == year)]
    wt = pd.DataFrame({cols["indicator"]: [cat.name(c, data.lang) for c in weights["indicator"]],
                       cols["nominal_weight"]: [number(v, 3) for v in weights["nominal_weight"]],
                       cols["effective_weight"]: [number(v, 3) for v in weights["effective_weight"]]})
    section.add(chart, table.set_index(cols["county"]), w("notebook.evaluation.weights_intro"),
                wt.set_index(cols["indicator"]))
    flags = coherence_flags(data, region, year)
    if flags:
        section.add(w("notebook.evaluation.coherence_intro") + "\n\n" + "\n".join(f"- {f}" for f in flags))
    section.add(*grade_matrix(data, region, year))
    section.state(p, finding(data, region, year, "grade_changes"))
    section.extend(region_scoring_section(data, region, year))
    return section.add(*audit_parts(data, region, year))


def grade_matrix(data: ReportData, region: str, year: int) -> list[object]:
    """County x year grades (each year graded with the same method); blank where a year was not graded."""
    w = data.words
    ev = data.evaluation
    rows = ev[(ev["region_code"] == region) & (ev["year"] <= year)]
    if rows.empty:
        return []
    grades = w.raw("grades")
    matrix = (rows.assign(shown=[grades.get(g, g) if not missing(i) else "" for g, i in
                                 zip(rows["grade"], rows["index"], strict=True)])
              .pivot(index="county_code", columns="year", values="shown").fillna("").sort_index())
    matrix.columns = [str(int(c)) for c in matrix.columns]
    matrix.index = pd.Index([data.label(c) for c in matrix.index], name=w.raw("notebook.columns.county"))
    return [w("notebook.evaluation.matrix_heading"), w("notebook.evaluation.matrix_note"), matrix]


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
    most = coh[coh["moves_ranks_most"] == True]  # noqa: E712 - the evaluate stage marked them (ties all)
    if len(most):
        flags.append(w("notebook.evaluation.shift", a=w.listed([cat.name(c, data.lang) for c in most["indicator"]]),
                       shift=number(most["rank_shift_if_dropped"].iloc[0], 1)))
    return flags


def region_warnings_section(data: ReportData, region: str, year: int) -> Section:
    w = data.words
    rows = data.warnings[(data.warnings["region_code"] == region) & (data.warnings["year"] == year)] \
        if not data.warnings.empty else data.warnings
    section = Section().add(heading(data, "region_warnings", year=year))
    warned = finding(data, region, year, "units_warned")
    if warned is None:
        return section.add(w("notebook.region_no_warnings", year=year))
    table = warnings_table(data, rows, True)
    return section.state(Phraser(data), warned, bold=True).add(table.set_index(table.columns[0]),
                                                               synthetic(data, region))

