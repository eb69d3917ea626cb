"""Annual evaluation write-up (年度政治生态建设评价报告) for a county or a region.

Sections 成效 / 问题和难点 / 思考与建议, and 数据说明 for what can be stated
but not judged, are assembled from phrase templates (data/reference/
phrases.yaml) chosen by columns the stages wrote: `change_status` and
`judgement` (pipeline.judgement), `region_gap_judgement`, `rise_streak`,
`coverage_changed`, the evaluation's `grade_probability` and
`not_graded_reason`, and the warnings' evidence. Nothing here decides whether
a figure rose, is better, or is stable; it selects and phrases:

- an achievement needs a comparison that came out better (a fall of a
  higher-is-worse share, a pyramid that holds, a score that rose beyond the
  flat band, a grade in the top two); a problem needs one that came out worse;
- a first year, a missing previous year or a change within the flat band is
  stated under 数据说明, never counted either way;
- missing data are said as missing, with the reason from the mart.

Every number in the text is a cited figure: it carries a note pointing to an
appendix row with the indicator, the place, the year and the source cell, or
for a derived figure its formula and the notes it is computed from.

Outputs: Markdown and .docx (python-docx), written next to the notebooks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from pipeline.periods import label as period_label
from pipeline.report.data import ReportData, evaluation_rows, is_synthetic, partial_rows
from pipeline.report.fmt import (
    Words,
    is_false,
    missing,
    number,
    percent_text,
    size_text,
    value_text,
)
from pipeline.report.views import drivers_text, method_text, varied_text

SECTION_KEYS = ("achievements", "problems", "suggestions", "notes")


# ---------------------------------------------------------------- figures and citations


@dataclass
class Cited:
    """One number printed in the report and where it comes from."""

    n: int
    text: str
    label: str
    scope: str  # county, region or evaluation
    code: str  # county or region code
    year: int
    measure: str
    field: str  # column of the mart the value is read from
    value: float
    source: str


@dataclass
class Report:
    title: str
    preamble: list[str]
    sections: dict[str, list[str]]  # section key -> paragraphs
    figures: list[Cited] = field(default_factory=list)
    table: pd.DataFrame | None = None
    headings: dict[str, str] = field(default_factory=dict)
    words: Words | None = None


class Citer:
    """Keeps the appendix: each cited figure gets a note number, the same figure keeps its number."""

    def __init__(self) -> None:
        self.figures: list[Cited] = []

    def cite(self, text: str, *, label: str, scope: str, code: str, year: int, measure: str, field: str,
             value: float, source: str) -> str:
        for f in self.figures:
            if (f.scope, f.code, f.year, f.measure, f.field, f.text) == (scope, code, year, measure, field, text):
                return f"{text}[^{f.n}]"
        n = len(self.figures) + 1
        self.figures.append(Cited(n, text, label, scope, code, year, measure, field, float(value), source))
        return f"{text}[^{n}]"


def note_ref(n: int) -> str:
    """A reference to note n inside another note's source, renumbered with the notes (see renumbered)."""
    return f"⟦{n}⟧"


def renumbered(report: Report) -> Report:
    """The report with its notes numbered in the order a reader meets them.

    Figures are cited as sentences are built, which is not always the order in
    which the sections print them; a reader (and GB/T 9704) expects note 1
    first. Notes referred to only by other notes' sources come after those met
    in the text, in their first order.
    """
    marker = re.compile(r"\[\^(\d+)\]")
    texts = [*report.preamble, *(p for k in _shown_sections(report) for p in report.sections[k] if p)]
    if report.table is not None:
        texts += [str(v) for v in report.table.to_numpy().ravel()]
    order: list[int] = []
    for text in texts:
        order += [int(m) for m in dict.fromkeys(marker.findall(text)) if int(m) not in order]
    order += [f.n for f in report.figures if f.n not in order]
    new = {old: i + 1 for i, old in enumerate(order)}

    def text_of(t: str) -> str:
        return marker.sub(lambda m: f"[^{new[int(m[1])]}]", t)

    figures = sorted((replace(f, n=new[f.n], source=re.sub(r"⟦(\d+)⟧", lambda m: str(new[int(m[1])]), f.source))
                      for f in report.figures), key=lambda f: f.n)
    table = report.table.map(lambda v: text_of(v) if isinstance(v, str) else v) if report.table is not None else None
    return replace(report, preamble=[text_of(p) for p in report.preamble], figures=figures, table=table,
                   sections={k: [text_of(p) for p in v] for k, v in report.sections.items()})


def note_number(cited: str) -> int:
    """The note number carried by a cited figure's text (`12.5%[^3]` -> 3)."""
    return int(re.search(r"\[\^(\d+)\]", cited).group(1))


# ---------------------------------------------------------------- facts of one place


class Facts:
    """The mart rows of one county or one region, and the sentences about them."""

    def __init__(self, data: ReportData, scope: str, code: str, year: int, citer: Citer):
        self.data, self.scope, self.code, self.year, self.citer = data, scope, code, year, citer
        self.w, self.catalog = data.words, data.catalog
        mart = data.county if scope == "county" else data.region
        key = "county_code" if scope == "county" else "region_code"
        self.rows = mart[mart[key] == code].set_index(["measure", "year"])
        self.place = data.name(code)

    def row(self, measure: str, year: int | None = None) -> pd.Series | None:
        key = (measure, year or self.year)
        return self.rows.loc[key] if key in self.rows.index else None

    def has(self, measure: str, year: int | None = None) -> bool:
        r = self.row(measure, year)
        return r is not None and not missing(r["value"])

    def name(self, measure: str) -> str:
        return self.catalog.name(measure, self.w.lang)

    def unit(self, measure: str) -> str:
        return self.w.raw("units.measure")[self.catalog.measure(measure).unit]

    # -- citing

    def source(self, measure: str, year: int) -> str:
        r = self.row(measure, year)
        if self.scope == "region":
            return self.w("writeup.source.region", rule=self.catalog.region_rule_text(measure, self.w.lang),
                          n=int(r["counties_reporting"]))
        if isinstance(r["source_file"], str):
            return self.w("writeup.source.cell", file=r["source_file"], row=int(r["source_row"]),
                          cell=r["source_cell"])
        return self.w("writeup.source.derived", formula=self.catalog.formula_text(measure, self.w.lang),
                      county=self.place, year=year)

    def cite(self, measure: str, field: str, value: float, text: str, label_key: str, source: str,
             year: int | None = None, **label_values) -> str:
        year = year or self.year
        name = self.name(measure) if measure in self.catalog else ""
        label = self.w(f"writeup.cite.{label_key}", name=name, year=year, **label_values)
        return self.citer.cite(text, label=label, scope=self.scope, code=self.code, year=year, measure=measure,
                               field=field, value=value, source=source)

    def value(self, measure: str, year: int | None = None) -> str:
        year = year or self.year
        r = self.row(measure, year)
        label = "value" if self.scope == "county" else "region_value"
        return self.cite(measure, "value", r["value"], value_text(self.catalog, measure, r["value"]), label,
                         self.source(measure, year), year)

    def count(self, measure: str, field: str, value: int, label_key: str, source_key: str,
              label_values: dict | None = None, **source) -> str:
        return self.cite(measure, field, value, str(int(value)), label_key,
                         self.w(f"writeup.source.{source_key}", **source), **(label_values or {}))

    # -- sentences

    def change_sentence(self, measure: str) -> tuple[str, str]:
        """The sentence for a measure this year, and its change status from the mart."""
        w, r = self.w, self.row(measure)
        status = "missing" if r is None else str(r["change_status"])
        name, unit = self.name(measure), self.unit(measure)
        if status == "missing":
            return w("writeup.change.missing", year=w("year", year=self.year), name=name), status
        if status == "first_year":
            return w("writeup.change.first_year", name=name, cur=self.value(measure), unit=unit,
                     year=self.year), status
        if status == "no_previous":
            return w("writeup.change.no_previous", name=name, cur=self.value(measure), unit=unit,
                     prev_year=self.year - 1), status
        prev_row = self.row(measure, self.year - 1)
        kind = self.catalog.measure(measure).kind
        same = value_text(self.catalog, measure, prev_row["value"]) == value_text(self.catalog, measure, r["value"])
        if status == "flat" and same:
            return w("writeup.change.flat_same", name=name, cur=self.value(measure), unit=unit), status
        prev = self.value(measure, self.year - 1)  # cited in reading order: last year, then this year
        cur = self.value(measure)
        if status == "flat":
            band = number(r["flat_band"], self.catalog.change_decimals)
            return w("writeup.change.flat_band", name=name, prev=prev, cur=cur, unit=unit, band=band,
                     band_unit=w("units.change." + r["yoy_unit"])), status
        if kind == "count" and missing(r["yoy_change"]):
            return w("writeup.change.count_up_from_zero", name=name, prev=prev, cur=cur, unit=unit), status
        a, b = note_number(cur), note_number(prev)
        if kind == "count":
            size = self.cite(measure, "yoy_change", abs(r["yoy_change"]), size_text(self.catalog, r["yoy_change"])
                             + "%", "change", w("writeup.source.change_count", a=note_ref(a), b=note_ref(b)))
            return w(f"writeup.change.count_{status}", name=name, prev=prev, cur=cur, unit=unit, pct=size), status
        size = self.cite(measure, "yoy_change", abs(r["yoy_change"]), size_text(self.catalog, r["yoy_change"]),
                         "change", w("writeup.source.change_level", a=note_ref(a), b=note_ref(b)))
        return w(f"writeup.change.{kind}_{status}", name=name, prev=prev, cur=cur, size=size), status

    def region_compare(self, measure: str) -> str:
        """', higher than the region (27.9%) by 5.6 pp', from the mart's region_gap; '' without a region figure."""
        r = self.row(measure)
        if r is None or missing(r["region_gap"]):
            return ""
        region = Facts(self.data, "region", r["region_code"], self.year, self.citer)
        region_text = region.value(measure)
        if r["region_gap"] == 0:
            return self.w("writeup.region_level", region_value=region_text)
        gap = self.cite(measure, "region_gap", abs(r["region_gap"]), size_text(self.catalog, r["region_gap"]),
                        "gap", self.w("writeup.source.gap"))
        relation = self.w("writeup.higher") if r["region_gap"] > 0 else self.w("writeup.lower")
        key = "region_compare_score" if self.catalog.measure(measure).kind == "score" else "region_compare"
        return self.w(f"writeup.{key}", relation=relation, region_value=region_text, gap=gap)

    def rank_text(self, measure: str) -> str:
        r = self.row(measure)
        if r is None or missing(r["rank_in_region"]):
            return ""
        order = self.w(f"writeup.rank_order.{r['rank_order']}")
        rank = self.count(measure, "rank_in_region", r["rank_in_region"], "rank", "rank", order=order)
        n = self.count(measure, "counties_ranked", r["counties_ranked"], "ranked", "ranked")
        return self.w("writeup.rank", rank=rank, n=n, order=order)

    def shares_of_forms(self) -> dict[str, str]:
        """The four forms' shares this year, cited: {s1: ..., s4: ...}."""
        shares = [m.code for m in self.catalog.derived
                  if m.formula_type == "ratio" and m.denominator == "four_forms_sum"]
        return {f"s{i}": self.value(code) for i, code in enumerate(shares, start=1)}


def join(words: Words, parts: list[str]) -> str:
    parts = [p for p in parts if p]
    return words("clause_sep").join(parts) + words("sentence_end")


# ---------------------------------------------------------------- county report


@dataclass
class Draft:
    """Paragraphs by section, and the keys of the problems found (suggestions answer them)."""

    achievements: list[str] = field(default_factory=list)
    problems: list[tuple[str, str, dict]] = field(default_factory=list)  # (key, paragraph, suggestion values)
    notes: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def county_report(data: ReportData, region: str, county: str, year: int, first_year: int) -> Report:
    w = data.words
    citer = Citer()
    f = Facts(data, "county", county, year, citer)
    d = Draft()

    work_sentences(f, d)
    new_onset_paragraphs(f, d)
    four_forms_paragraphs(f, d)
    score_paragraphs(f, d)
    warning_paragraphs(f, d)
    evaluation_paragraphs(f, d)
    partial_period_note(data, d, county, year)
    if d.missing:
        names = w.sep.join(dict.fromkeys(d.missing))
        d.problems.append(("missing", w("writeup.problems.missing", names=names, year=year) + w("sentence_end"),
                           {"names": names}))

    suggestions = [w(f"writeup.suggestions.{key}", **values) for key, _, values in d.problems
                   if w.has(f"writeup.suggestions.{key}")]
    title = w("writeup.title_county", county=data.name(county), year=year)
    sections = {
        "achievements": d.achievements or [w("writeup.none_achieved")],
        "problems": [p for _, p, _ in d.problems] or [w("writeup.none_found")],
        "suggestions": list(dict.fromkeys(suggestions)) or [w("writeup.suggestion_none")],
        "notes": d.notes,
    }
    return renumbered(Report(title, preamble(data, region, first_year, year), sections, citer.figures,
                             key_figures(data, county, region, year), w.raw("writeup.sections"), w))


def partial_period_note(data: ReportData, d: Draft, county: str, year: int) -> None:
    """Say that partial-period figures exist and were kept apart: a reader must not miss them, nor mix them in."""
    mine = partial_rows(data, county, year, year)  # in period order
    if mine.empty:
        return
    periods = list(dict.fromkeys(mine["period"]))
    w = data.words
    d.notes.append(w("writeup.notes.partial", periods=w.sep.join(period_label(year, p, w.lang) for p in periods))
                   + w("sentence_end"))


def preamble(data: ReportData, region: str, first_year: int, year: int) -> list[str]:
    w = data.words
    return ([w("writeup.synthetic")] if is_synthetic(region) else []) + [
        w("writeup.generated", first_year=first_year, year=year)]


def shown_measure(f: Facts, measure: str) -> str:
    """The measure a sentence shows: a derived total that cannot be computed gives way to the reported one."""
    spec = f.catalog.measure(measure)
    fallback = getattr(spec, "reported_as", None)
    if not f.has(measure) and fallback and f.has(fallback):
        return fallback
    return measure


def work_sentences(f: Facts, d: Draft) -> None:
    """The work done (neutral counts), each with its comparison with last year."""
    sentences = []
    for m in f.data.sections["work"]:
        text, status = f.change_sentence(shown_measure(f, m))
        if status == "missing":
            d.missing.append(missing_name(f, m))
        else:
            sentences.append(text)
    if sentences:
        d.achievements.append(f.w("writeup.achievements.enforcement") + join(f.w, sentences))


def missing_name(f: Facts, measure: str) -> str:
    """What is missing, with the reason the mart gives (未报送, 空白, 未列此项...)."""
    r = f.row(measure)
    status = "not_delivered" if r is None else str(r["status"])
    return f.w("writeup.missing_item", name=f.name(measure), reason=f.w(f"status.{status}"))


def new_onset_paragraphs(f: Facts, d: Draft) -> None:
    """腐败增量: an achievement only when the share fell, a problem when it rose or is above the region."""
    w, m = f.w, "new_onset_share"
    text, status = f.change_sentence(m)
    r = f.row(m)
    if status == "missing":
        d.missing.append(missing_name(f, m))
        return
    compare = f.region_compare(m)
    if r["judgement"] == "better":
        d.achievements.append(w("writeup.achievements.new_onset") + text + compare + w("sentence_end"))
    elif r["judgement"] == "worse":
        d.problems.append(("new_onset_up", w("writeup.problems.new_onset_up") + text + compare + f.rank_text(m)
                           + w("sentence_end"), {"cur": f.value(m)}))
    else:  # first year, no previous year, or flat: stated, not judged
        d.notes.append(w("writeup.notes.statement", sentence=text + compare) + w("sentence_end"))
    if r["judgement"] != "worse" and r["region_gap_judgement"] == "worse":
        d.problems.append(("new_onset_above", w("writeup.problems.new_onset_above") + f.value(m) + compare
                           + w("sentence_end"), {}))


def four_forms_paragraphs(f: Facts, d: Draft) -> None:
    """The pyramid: holds (achievement), does not hold (problem), or cannot be judged (missing, with why)."""
    w = f.w
    r = f.row("pyramid_holds")
    if r is not None and not missing(r["value"]):
        key = "achievements" if r["value"] == 1 else "problems"
        text = w(f"writeup.{key}.pyramid", **f.shares_of_forms()) + w("sentence_end")
        if r["value"] == 1:
            d.achievements.append(text)
        else:
            d.problems.append(("pyramid", text, {}))
        return
    total = f.catalog.measure("four_forms_sum").reported_as
    if f.has(total):
        d.missing.append(w("writeup.problems.forms_parts_missing", total=f.value(total)))
    else:
        d.missing.append(missing_name(f, "four_forms_sum"))


def score_paragraphs(f: Facts, d: Draft) -> None:
    """Survey scores: better or worse beyond the flat band; within it, not mentioned as a change."""
    ups, downs = [], []
    for m in (x.code for x in f.catalog.in_group("evaluation")):
        r = f.row(m)
        if r is None or missing(r["value"]):
            d.missing.append(missing_name(f, m))
            continue
        if r["judgement"] in ("better", "worse"):
            text, _ = f.change_sentence(m)
            (ups if r["judgement"] == "better" else downs).append((m, text))
    if ups:
        d.achievements.append(f.w("writeup.achievements.scores") + join(f.w, [t for _, t in ups]))
    if downs:
        names = f.w.sep.join(f.name(m) for m, _ in downs)
        d.problems.append(("scores", f.w("writeup.problems.scores") + join(f.w, [t for _, t in downs]),
                           {"names": names}))


def warning_paragraphs(f: Facts, d: Draft) -> None:
    """Warnings on measures the sections above do not already judge, phrased from their evidence."""
    if f.data.warnings.empty:
        return
    judged = {"new_onset_share", "pyramid_holds", *(m.code for m in f.catalog.in_group("evaluation"))}
    w = f.w
    rows = f.data.warnings[(f.data.warnings["county_code"] == f.code) & (f.data.warnings["year"] == f.year)]
    for r in rows.itertuples():
        if r.measure in judged:
            continue
        label = r.label_en if w.lang == "en" else r.label_zh
        name, unit = f.name(r.measure), f.unit(r.measure)
        if r.rule_type == "change":
            sentence, _ = f.change_sentence(r.measure)
            change_unit = w("units.change." + str(r.change_unit))
            text = w("writeup.problems.warning_change", label=label, sentence=sentence, op=r.op,
                     threshold=number(r.threshold, f.catalog.change_decimals), unit=change_unit)
        elif r.rule_type == "run":
            series = w.sep.join(w("writeup.problems.run_item", year=y, value=f.value(r.measure, int(y)), unit=unit)
                                for y in r.evidence_years)
            streak = f.count(r.measure, "rise_streak", f.row(r.measure)["rise_streak"], "value", "count_rows")
            text = w("writeup.problems.warning_run", label=label, name=name, n=streak, series=series)
        else:
            text = w("writeup.problems.warning_level", label=label, name=name, year=f.year,
                     cur=f.value(r.measure), unit=unit, op=r.op,
                     threshold=number(r.threshold, f.catalog.measure(r.measure).decimals))
        d.problems.append(("warning", text + w("sentence_end"), {"label": label}))


EVALUATION_CITES = {"index": ("index", "index"), "rank": ("eval_rank", "eval_rank"),
                    "counties_graded": ("graded", "graded"), "grade_probability": ("grade_probability", "grade_probability"),
                    "stable_threshold": ("stable_threshold", "stable_threshold"),
                    "indicators_total": ("indicators_total", "indicators_total"),
                    "indicators_available": ("indicators_available", "indicators_available"),
                    "min_indicators": ("min_indicators", "min_indicators")}


def cite_evaluation(f: Facts, ev: pd.Series, field_name: str, text: str) -> str:
    """A figure of the evaluation mart, cited to the county-year row it comes from."""
    label_key, source_key = EVALUATION_CITES[field_name]
    return f.citer.cite(text, label=f.w(f"writeup.cite.{label_key}", year=int(ev["year"])), scope="evaluation",
                        code=str(ev["county_code"]), year=int(ev["year"]), measure="evaluation", field=field_name,
                        value=float(ev[field_name]), source=f.w(f"writeup.source.{source_key}"))


def not_graded_note(f: Facts, ev: pd.Series) -> str:
    """Why there is no grade, every number cited (no scores at all, or fewer than required)."""
    w = f.w
    if ev["not_graded_reason"] == "no_indicators":
        n = cite_evaluation(f, ev, "indicators_total", str(int(ev["indicators_total"])))
        return w("writeup.notes.no_grade_no_indicators", year=f.year, n=n) + w("sentence_end")
    if ev["not_graded_reason"] == "indicator_absent_in_region":
        names = w.sep.join(f.catalog.name(c, w.lang) for c in str(ev["indicators_absent_in_region"]).split(","))
        return w("writeup.notes.no_grade_absent_in_region", year=f.year, names=names) + w("sentence_end")
    available = cite_evaluation(f, ev, "indicators_available", str(int(ev["indicators_available"])))
    least = cite_evaluation(f, ev, "min_indicators", str(int(ev["min_indicators"])))
    return w("writeup.notes.no_grade_too_few", year=f.year, available=available, min=least) + w("sentence_end")


def evaluation_paragraphs(f: Facts, d: Draft) -> None:
    """The grade: an achievement in the top two grades, a problem below; not robust, or not graded, and why."""
    w, data, year = f.w, f.data, f.year
    rows = evaluation_rows(data, year, county=f.code)
    if rows.empty:
        d.notes.append(w("writeup.notes.no_evaluation") + w("sentence_end"))
        return
    ev = rows.iloc[0]
    if missing(ev["index"]):
        d.notes.append(not_graded_note(f, ev))
        return
    values = dict(index=cite_evaluation(f, ev, "index", number(ev["index"], 1)),
                  rank=cite_evaluation(f, ev, "rank", str(int(ev["rank"]))),
                  n=cite_evaluation(f, ev, "counties_graded", str(int(ev["counties_graded"]))),
                  grade=grade_label(w, ev["grade"]))
    labels = grade_labels(data)
    method = method_text(data, ev, with_cr=False)
    if method:
        d.notes.append(method)
    if ev["grade"] in labels[:2]:
        d.achievements.append(w("writeup.achievements.grade", **values) + w("sentence_end"))
    else:
        d.problems.append(("grade_low", w("writeup.problems.grade_low", **values) + w("sentence_end"),
                           {"grade": values["grade"]}))
    if is_false(ev["stable"]):
        prob = cite_evaluation(f, ev, "grade_probability", percent_text(ev["grade_probability"]))
        threshold = cite_evaluation(f, ev, "stable_threshold", percent_text(ev["stable_threshold"]))
        # what was varied and the assumption the grade hangs on (sensitivity mart; its indices carry no note)
        driver = drivers_text(data, ev, with_indices=False)
        d.problems.append(("grade_unstable", w("writeup.problems.grade_unstable", grade=values["grade"], prob=prob,
                                               threshold=threshold, factors=varied_text(data, ev))
                           + w("sentence_end") + driver, {}))


def grade_labels(data: ReportData) -> list[str]:
    return [c[2:] for c in data.evaluation.columns if c.startswith("p_")]


def grade_label(w: Words, grade: str) -> str:
    return w.raw("grades").get(grade, grade) if w.has("grades") else grade


def key_figures(data: ReportData, county: str, region: str, year: int) -> pd.DataFrame:
    """The evaluation scores of the county against the region mean, as the mart has them ('—' when missing)."""
    ind = data.evaluation_indicators
    if ind.empty:
        return pd.DataFrame()
    rows = ind[(ind["county_code"] == county) & (ind["year"] == year)]
    w = data.words
    cols = w.raw("writeup.figures_columns")
    return pd.DataFrame({cols[0]: [data.catalog.name(c, w.lang) for c in rows["indicator"]],
                         cols[1]: [value_text(data.catalog, c, v) for c, v in zip(rows["indicator"], rows["raw"],
                                                                                  strict=True)],
                         cols[2]: [value_text(data.catalog, c, v) for c, v in zip(rows["indicator"],
                                                                                  rows["region_mean"], strict=True)]})


# ---------------------------------------------------------------- region report


def region_report(data: ReportData, region: str, year: int, first_year: int) -> Report:
    w = data.words
    citer = Citer()
    f = Facts(data, "region", region, year, citer)
    d = Draft()

    reporting = f.row("cases_filed")
    n = f.count("cases_filed", "counties_reporting", reporting["counties_reporting"], "reporting", "reporting")
    sentences = []
    for m in [*data.sections["work"], *data.sections["headline"]]:
        m = shown_measure(f, m)
        if not f.has(m):
            continue
        text, status = f.change_sentence(m)
        r = f.row(m)
        if r["judgement"] in ("better", "worse"):
            continue  # judged below
        sentences.append(text)
        coverage_note(f, d, m)
    d.achievements.append(w("writeup.region.overview", n=n, year=year) + w("colon") + join(w, sentences))
    for m in data.sections["headline"]:
        if not f.has(m):
            continue
        r = f.row(m)
        if r["judgement"] not in ("better", "worse"):
            continue
        text, _ = f.change_sentence(m)
        coverage_note(f, d, m)
        intro = w(f"writeup.headline.{m}.{r['judgement']}") if w.has(f"writeup.headline.{m}") else ""
        if r["judgement"] == "better":
            d.achievements.append(intro + text + w("sentence_end"))
        else:
            key = "new_onset_up" if m == "new_onset_share" else "headline_worse"
            d.problems.append((key, intro + text + w("sentence_end"), {"cur": f.value(m)}))

    latest = data.county[(data.county["region_code"] == region) & (data.county["year"] == year)]
    rising = latest[(latest["measure"] == "new_onset_share") & (latest["change_status"] == "up")]
    if len(rising):
        count = f.count("new_onset_share", "counties_rising", len(rising), "counties_rising", "count_rows")
        d.problems.append(("counties_rising", w("writeup.region.counties_rising", count=count)
                           + w.sep.join(rising["county_name"]) + w("sentence_end"), {}))
    if not data.warnings.empty:
        warned = data.warnings[(data.warnings["region_code"] == region) & (data.warnings["year"] == year)]
        if len(warned):
            counties = f.count("warnings", "counties_warned", warned["county_code"].nunique(), "counties_warned",
                               "count_rows")
            total = f.count("warnings", "warnings", len(warned), "warnings", "count_rows")
            items = w.sep.join(w("writeup.region.warned_item", county=r.county_name,
                                 rule=r.label_en if w.lang == "en" else r.label_zh) for r in warned.itertuples())
            d.problems.append(("region_warnings", w("writeup.region.counties_warned", count=counties, warnings=total)
                               + items + w("sentence_end"), {}))
    region_grades(f, d)
    suggestions = [w(f"writeup.suggestions.{key}", **values) for key, _, values in d.problems
                   if w.has(f"writeup.suggestions.{key}")]
    title = w("writeup.title_region", region=data.name(region), year=year)
    sections = {"achievements": d.achievements or [w("writeup.none_achieved")],
                "problems": [p for _, p, _ in d.problems] or [w("writeup.none_found")],
                "suggestions": list(dict.fromkeys(suggestions)) or [w("writeup.suggestion_none")],
                "notes": d.notes}
    return renumbered(Report(title, preamble(data, region, first_year, year), sections, citer.figures, None,
                             w.raw("writeup.sections"), w))


def coverage_note(f: Facts, d: Draft, measure: str) -> None:
    """Say so when this year's region figure and last year's come from different counties."""
    r = f.row(measure)
    if r is None or missing(r["coverage_changed"]) or not bool(r["coverage_changed"]):
        return
    n = f.count(measure, "counties_reporting", r["counties_reporting"], "reporting", "reporting")
    prev_row = f.row(measure, f.year - 1)
    prev_n = f.cite(measure, "counties_reporting", prev_row["counties_reporting"],
                    str(int(prev_row["counties_reporting"])), "reporting", f.w("writeup.source.reporting"),
                    f.year - 1)
    d.notes.append(f.w("writeup.notes.coverage", prev_year=f.year - 1, prev_n=prev_n, year=f.year, n=n,
                       name=f.name(measure)) + f.w("sentence_end"))


def region_grades(f: Facts, d: Draft) -> None:
    w, data, year = f.w, f.data, f.year
    ev = evaluation_rows(data, year, region=f.code)
    if ev.empty:
        d.notes.append(w("writeup.notes.no_evaluation") + w("sentence_end"))
        return
    graded = ev[ev["index"].notna()]
    if graded.empty:  # the county with the most indicators says why even it is not graded
        d.notes.append(not_graded_note(f, ev.sort_values("indicators_available", ascending=False).iloc[0]))
        return
    dist = w.sep.join(
        w("writeup.notes.grade_count", grade=grade_label(w, g),
          count=f.count("evaluation", f"grade_count:{g}", int((ev["grade"] == g).sum()), "grade_count", "count_rows",
                        {"grade": grade_label(w, g)}))
        for g in dict.fromkeys(graded["grade"]))
    d.notes.append(w("writeup.notes.grades", dist=dist) + w("sentence_end"))
    if (ev["stable"] == False).any():  # noqa: E712
        d.problems.append(("grade_unstable", "", {}))


# ---------------------------------------------------------------- output


def _heading(report: Report, i: int, key: str) -> str:
    w = report.words
    return w("writeup.heading", number=w.raw("writeup.numbering")[i], title=report.headings[key])


def _shown_sections(report: Report) -> list[str]:
    return [k for k in SECTION_KEYS if report.sections.get(k)]


def appendix_frame(report: Report) -> pd.DataFrame:
    cols = report.words.raw("writeup.appendix_columns")
    return pd.DataFrame({cols[0]: [f.n for f in report.figures], cols[1]: [f.text for f in report.figures],
                         cols[2]: [f.label for f in report.figures], cols[3]: [f.source for f in report.figures]})


def to_markdown(report: Report) -> str:
    lines = [f"# {report.title}", ""]
    lines += [f"> {p}" if i == 0 and p.startswith(("【", "[")) else p for i, p in enumerate(report.preamble)]
    lines.append("")
    for i, key in enumerate(_shown_sections(report)):
        lines += [f"## {_heading(report, i, key)}", ""]
        lines += [f"{j}. {p}" for j, p in enumerate((p for p in report.sections[key] if p), start=1)]
        lines.append("")
    if report.table is not None and not report.table.empty:
        lines += [f"## {report.headings['figures']}", "", markdown_table(report.table), ""]
    lines += [f"## {report.headings['appendix']}", ""]
    lines += [f"[^{f.n}]: " + report.words("writeup.appendix_row", label=f.label, text=f.text, source=f.source)
              for f in report.figures]
    return "\n".join(lines) + "\n"


def markdown_table(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(map(str, r)) + " |" for r in frame.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def body_text(report: Report) -> str:
    """Title, preamble and the sections: the prose whose numbers must be traceable."""
    parts = [report.title, *report.preamble]
    for key in SECTION_KEYS:
        parts += report.sections.get(key, [])
    return "\n".join(parts)


def to_docx(report: Report) -> bytes:
    """The report as .docx in the official-document layout (GB/T 9704): see pipeline/report/official_docx.py."""
    from pipeline.report.official_docx import to_official_docx

    return to_official_docx(report, appendix=appendix_frame(report))


def is_clean(text: str) -> list[str]:
    """Placeholders that must never reach a reader."""
    bad = []
    for pattern in (r"(?<![A-Za-z])X(?![A-Za-z])", r"\bNone\b", r"\bnan\b", r"\{[^}]*\}", r"\bNaN\b", r"<NA>"):
        if re.search(pattern, text):
            bad.append(pattern)
    return bad


def notebook_markdown(report: Report) -> str:
    """Markdown for a notebook cell: note markers as superscripts (Jupyter has no footnotes)."""
    text = to_markdown(report)
    body, _, _ = text.partition(f"## {report.headings['appendix']}")
    body = re.sub(r"\[\^(\d+)\]", r"<sup>\1</sup>", body)
    cols = report.words.raw("writeup.appendix_columns")
    rows = [f"| {f.n} | {f.text} | {f.label} | {f.source} |" for f in report.figures]
    return (body + f"## {report.headings['appendix']}\n\n| {' | '.join(cols)} |\n|---|---|---|---|\n"
            + "\n".join(rows) + "\n")


def write_report(report: Report, folder: Path, stem: str = "writeup") -> list[Path]:
    """Markdown and .docx side by side; byte-stable for the same report."""
    from pipeline.config import write_atomic

    md, docx_bytes = to_markdown(report), to_docx(report)
    targets = [folder / f"{stem}.md", folder / f"{stem}.docx"]
    write_atomic(targets[0], lambda p: p.write_text(md, encoding="utf-8"))
    write_atomic(targets[1], lambda p: p.write_bytes(docx_bytes))
    return targets
