"""Annual evaluation write-up (年度政治生态建设评价报告) for a county or a region.

Sections 成效 / 问题和难点 / 思考与建议 are assembled from phrase templates
(data/reference/phrases.yaml) chosen by rules on the marts: increase, decrease
or flat, comparison with the region, ranks, grades and warnings. Every number
in the text is a cited figure: it carries a note number pointing to an
appendix row that names the indicator, county, year and the source file and
cell, or, for a derived figure, its formula and inputs. Missing data are said
plainly, never filled in.

Outputs: Markdown and .docx (python-docx), written next to the notebooks by
the notebooks stage; the notebooks show the same text.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from pipeline.report.trends import ReportData, is_synthetic, scores_against_region

SCORES = ["econ_social_score", "integrity_satisfaction", "conduct_satisfaction", "personnel_appraisal",
          "safety_satisfaction", "committee_appraisal"]
ENFORCEMENT = ["cases_filed", "persons_sanctioned", "four_forms_sum"]
SCORE_BAND = 1.0  # points: smaller year-on-year moves of a survey score are not called a change


def load_phrases(root: Path, lang: str = "zh") -> dict:
    with open(root / "data" / "reference" / "phrases.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)[lang]


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


class Citer:
    """Formats numbers for the text and keeps the appendix of their sources."""

    def __init__(self, data: ReportData):
        self.data = data
        self.figures: list[Cited] = []

    def cite(self, text: str, *, label: str, scope: str, code: str, year: int, measure: str, field: str,
             value: float, source: str) -> str:
        for f in self.figures:  # the same figure cited twice keeps one note
            if (f.scope, f.code, f.year, f.measure, f.field, f.text) == (scope, code, year, measure, field, text):
                return f"{text}[^{f.n}]"
        n = len(self.figures) + 1
        self.figures.append(Cited(n, text, label, scope, code, year, measure, field, float(value), source))
        return f"{text}[^{n}]"


def note_number(cited: str) -> int:
    """The note number carried by a cited figure's text (`12.5%[^3]` -> 3)."""
    return int(re.search(r"\[\^(\d+)\]", cited).group(1))


def fmt_number(value: float, kind: str, decimals: int | None = None) -> str:
    """Numbers as Chinese reports print them: thousands separators, one decimal for shares."""
    if kind in ("share", "pp", "pct"):
        return f"{value:.1f}"
    if kind == "score":
        return f"{value:.1f}"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.{decimals or 1}f}"


# ---------------------------------------------------------------- county facts


class CountyFacts:
    def __init__(self, data: ReportData, county: str, year: int, first_year: int, citer: Citer, ph: dict):
        self.data, self.county, self.year, self.first = data, county, year, first_year
        self.citer, self.ph = citer, ph
        rows = data.county[data.county["county_code"] == county]
        self.rows = rows.set_index(["measure", "year"])

    def row(self, measure: str, year: int | None = None) -> pd.Series | None:
        key = (measure, year or self.year)
        return self.rows.loc[key] if key in self.rows.index else None

    def source(self, measure: str, year: int) -> str:
        r = self.row(measure, year)
        if r is not None and isinstance(r["source_file"], str):
            return f"{r['source_file']} 第 {int(r['source_row'])} 行 {r['source_cell']}"
        spec = self.data.catalog.measure(measure)
        return f"派生：{getattr(spec, 'formula', measure)}（{self.county} {year} 年报送数据）"

    def value(self, measure: str, year: int, kind: str) -> str:
        r = self.row(measure, year)
        name = r["name_zh"]
        text = fmt_number(r["value"], kind) + ("%" if kind == "share" else "")
        return self.citer.cite(text, label=f"{name}（{year}）", scope="county", code=self.county, year=year,
                               measure=measure, field="value", value=r["value"], source=self.source(measure, year))

    def change_sentence(self, measure: str) -> tuple[str, str]:
        """The sentence for one measure this year, and its direction: up, down, flat, first, no_prev, missing."""
        ph = self.ph
        r = self.row(measure)
        spec = self.data.catalog.measure(measure)
        name, unit, kind = spec.name_zh, ("" if spec.unit in ("%", "分") else spec.unit), spec.kind
        if r is None or pd.isna(r["value"]):
            return ph["missing"].format(year=self.year, name=name), "missing"
        prev_row = self.row(measure, self.year - 1)
        if self.year == self.first:
            cur = self.value(measure, self.year, kind)
            return ph["first_year"].format(name=name, cur=cur, unit=unit, year=self.year), "first"
        if prev_row is None or pd.isna(prev_row["value"]):
            cur = self.value(measure, self.year, kind)
            return ph["no_previous"].format(name=name, cur=cur, unit=unit, prev_year=self.year - 1), "no_prev"
        if abs(r["value"] - prev_row["value"]) < 1e-9:
            cur = self.value(measure, self.year, kind)
            key = {"share": "share_flat", "score": "score_flat"}.get(kind, "count_flat")
            return ph[key].format(name=name, cur=cur, unit=unit), "flat"
        # cite in reading order: last year's figure, then this year's
        prev = self.value(measure, self.year - 1, kind)
        cur = self.value(measure, self.year, kind)
        change = float(r["yoy_change"])
        direction = "up" if change > 0 else "down"
        verb = ph[direction] if kind != "score" else ph["raise" if change > 0 else "fall"]
        a, b = note_number(cur), note_number(prev)
        src = (f"派生：（注 {a} − 注 {b}）÷ 注 {b} × 100" if kind == "count" else f"派生：注 {a} − 注 {b}")
        if kind == "count":
            pct = self.citer.cite(f"{abs(change):.1f}%", label=f"{name}同比变化（{self.year}）", scope="county",
                                  code=self.county, year=self.year, measure=measure, field="yoy_change",
                                  value=abs(change), source=src)
            return ph["count_change"].format(name=name, prev=prev, cur=cur, unit=unit, verb=verb, pct=pct), direction
        if kind == "share":
            pp = self.citer.cite(f"{abs(change):.1f}", label=f"{name}变化（{self.year}，个百分点）", scope="county",
                                 code=self.county, year=self.year, measure=measure, field="yoy_change",
                                 value=abs(change), source=src)
            return ph["share_change"].format(name=name, prev=prev, cur=cur, verb=verb, pp=pp), direction
        return ph["score_change"].format(name=name, prev=prev, cur=cur, verb=verb), direction

    def region_compare(self, measure: str) -> tuple[str, float | None]:
        r = self.row(measure)
        reg = self.data.region[(self.data.region["region_code"] == r["region_code"]) & (self.data.region["year"] == self.year)
                               & (self.data.region["measure"] == measure)]
        if r is None or pd.isna(r["value"]) or reg.empty or pd.isna(reg["value"].iloc[0]):
            return "", None
        rv = float(reg["value"].iloc[0])
        diff = float(r["value"]) - rv
        if round(abs(diff), 1) == 0:
            return "，" + self.ph["same_as"], 0.0
        region_text = self.citer.cite(f"{rv:.1f}%", label=f"全市{r['name_zh']}（{self.year}）", scope="region",
                                      code=r["region_code"], year=self.year, measure=measure, field="value", value=rv,
                                      source="派生：全市各县区新发生案件数之和 ÷ 立案数之和 × 100")
        pp = self.citer.cite(f"{abs(diff):.1f}", label=f"与全市之差（{self.year}，个百分点）", scope="county",
                             code=self.county, year=self.year, measure=measure, field="region_gap", value=abs(diff),
                             source="派生：本县值 − 全市值")
        relation = self.ph["higher"] if diff > 0 else self.ph["lower"]
        return self.ph["region_compare_share"].format(relation=relation, region_value=region_text, pp=pp), diff

    def rank_text(self, measure: str) -> str:
        r = self.row(measure)
        if r is None or pd.isna(r["rank_in_region"]):
            return ""
        rank = self.citer.cite(str(int(r["rank_in_region"])), label=f"{r['name_zh']}全市排名（{self.year}）",
                               scope="county", code=self.county, year=self.year, measure=measure,
                               field="rank_in_region", value=r["rank_in_region"], source="派生：全市各县区按数值由高到低排序")
        n = self.citer.cite(str(int(r["counties_ranked"])), label=f"参与排名县区数（{self.year}）", scope="county",
                            code=self.county, year=self.year, measure=measure, field="counties_ranked",
                            value=r["counties_ranked"], source="派生：当年有数值的县区数")
        return self.ph["rank"].format(rank=rank, n=n)


def _join(parts: list[str], lang: str) -> str:
    parts = [p for p in parts if p]
    return ("；" if lang == "zh" else "; ").join(parts) + ("。" if lang == "zh" else ".")


# ---------------------------------------------------------------- county report


def county_report(data: ReportData, root: Path, region: str, county: str, year: int, first_year: int,
                  lang: str = "zh") -> Report:
    ph = load_phrases(root, lang)
    citer = Citer(data)
    f = CountyFacts(data, county, year, first_year, citer, ph)
    achievements: list[str] = []
    problems: list[tuple[str, str]] = []  # (problem key, paragraph)
    missing: list[str] = []

    # enforcement work: reported as work done, whatever the direction
    sentences = []
    for m in ENFORCEMENT:
        text, direction = f.change_sentence(m)
        (missing if direction == "missing" else sentences).append(text if direction != "missing" else data.catalog.measure(m).name_zh)
    if sentences:
        achievements.append(ph["enforcement_intro"] + _join(sentences, lang))

    # new-onset share
    text, direction = f.change_sentence("new_onset_share")
    compare, diff = f.region_compare("new_onset_share") if direction != "missing" else ("", None)
    if direction == "missing":
        missing.append(data.catalog.measure("new_onset_share").name_zh)
    elif direction == "up":
        problems.append(("new_onset_bad", ph["new_onset_bad"] + text + compare + f.rank_text("new_onset_share") + "。"))
    else:
        achievements.append(ph["new_onset_good"] + text + compare + "。")
        if diff is not None and diff > 0:
            problems.append(("new_onset_above", ph["new_onset_above"] + f.value("new_onset_share", year, "share")
                             + compare + "。"))

    # four forms
    pyr = f.row("pyramid_holds")
    if pyr is not None and pd.notna(pyr["value"]):
        share = f.value("form1_share", year, "share")
        if pyr["value"] == 1:
            achievements.append(ph["pyramid_good"].format(share=share) + "。")
        else:
            problems.append(("pyramid_bad", ph["pyramid_bad"].format(share=share, share2=f.value("form2_share", year, "share")) + "。"))
    else:
        missing.append("四种形态")

    # scores
    # scores move by a point or two from sampling alone: only a change of SCORE_BAND or more is reported
    ups, downs = [], []
    for m in SCORES:
        r = f.row(m)
        if r is None or pd.isna(r["value"]):
            missing.append(data.catalog.measure(m).name_zh)
            continue
        if pd.isna(r["yoy_change"]) or abs(r["yoy_change"]) < SCORE_BAND:
            continue
        text, direction = f.change_sentence(m)
        (ups if direction == "up" else downs).append((m, text))
    if ups:
        achievements.append(ph["score_good"] + _join([t for _, t in ups], lang))
    if downs:
        problems.append(("score_bad:" + ",".join(m for m, _ in downs), ph["score_bad"] + _join([t for _, t in downs], lang)))

    # warnings not already covered above
    if not data.warnings.empty:
        w = data.warnings[(data.warnings["county_code"] == county) & (data.warnings["year"] == year)]
        for r in w.itertuples():
            if r.measure == "petitions":
                text, _ = f.change_sentence("petitions")
                problems.append(("petitions_jump", ph["petitions_jump"] + text + "。"))
            elif r.measure == "accountability_persons":
                cur = f.value("accountability_persons", year, "count")
                years = sum(1 for y in range(year, first_year, -1)
                            if (row := f.row("accountability_persons", y)) is not None and pd.notna(row["yoy_change"])
                            and row["yoy_change"] > 0)
                problems.append(("accountability_run", ph["accountability_run"].format(years=years, year=year, cur=cur) + "。"))

    # grade
    ev = None
    if not data.evaluation.empty:
        rows = data.evaluation[(data.evaluation["county_code"] == county) & (data.evaluation["year"] == year)]
        ev = rows.iloc[0] if len(rows) and pd.notna(rows.iloc[0]["index"]) else None
    if ev is not None:
        def cite_ev(field_name: str, text: str, label: str, source: str) -> str:
            return citer.cite(text, label=label, scope="evaluation", code=county, year=year, measure="evaluation",
                              field=field_name, value=float(ev[field_name]), source=source)
        line = ph["grade_line"].format(
            index=cite_ev("index", f"{ev['index']:.1f}", f"综合评价指数（{year}）", "派生：六项评价得分标准化后加权汇总（params.yaml evaluation）"),
            rank=cite_ev("rank", str(int(ev["rank"])), f"综合评价排名（{year}）", "派生：全市各县区按综合评价指数排序"),
            n=cite_ev("counties_graded", str(int(ev["counties_graded"])), f"参评县区数（{year}）", "派生：当年参评县区数"),
            grade=ev["grade"])
        stable = ev.get("stable")
        unstable = stable is not None and not pd.isna(stable) and not bool(stable)
        if unstable:
            prob = cite_ev("modal_probability", f"{100 * ev['modal_probability']:.0f}%", f"最可能等次的概率（{year}）",
                           "派生：蒙特卡洛模拟（权重、标准化、汇总方法）中最可能等次出现的比例")
            line += ph["grade_unstable"].format(prob=prob)
        labels = list(data.evaluation.filter(like="p_").columns.str[2:]) or ["好", "较好", "一般", "差"]
        if ev["grade"] in labels[:2]:
            achievements.append(line + "。")
        else:
            problems.append(("low_grade", ph["low_grade"] + line + "。"))
        if unstable:
            problems.append(("grade_unstable", ""))

    if missing:
        problems.append(("missing", ph["missing_intro"] + "、".join(dict.fromkeys(missing)) + f"（{year}年）未报送或无法计算，相关内容不作评价。"))

    suggestions = []
    for key, _ in problems:
        base = key.split(":")[0]
        template = ph["suggestions"].get(base)
        if not template:
            continue
        if ":" in key:
            name = "、".join(data.catalog.measure(m).name_zh for m in key.split(":")[1].split(","))
        else:
            name = missing[0] if missing else ""
        cur = f.value("new_onset_share", year, "share") if base == "new_onset_bad" else ""
        pct = ""
        if base == "petitions_jump":
            r = f.row("petitions")
            pct = citer.cite(f"{r['yoy_change']:.1f}%", label=f"信访举报件次同比变化（{year}）", scope="county", code=county,
                             year=year, measure="petitions", field="yoy_change", value=r["yoy_change"],
                             source="派生：（本年值 − 上年值）÷ 上年值 × 100")
        suggestions.append(template.format(cur=cur, name=name, pct=pct, grade=ev["grade"] if ev is not None else ""))
    problem_texts = [p for _, p in problems if p]

    name = data.name(county)
    title = ph["title_county"].format(county=name, year=year)
    preamble = ([ph["synthetic"]] if is_synthetic(region) else []) + [ph["generated"].format(first_year=first_year, year=year)]
    sections = {
        "achievements": achievements or [ph["none_found"]],
        "problems": problem_texts or [ph["none_found"]],
        "suggestions": list(dict.fromkeys(suggestions)) or [ph["suggestion_none"]],
    }
    table = key_figures(data, county, region, year)
    return Report(title, preamble, sections, citer.figures, table, ph["sections"])


def key_figures(data: ReportData, county: str, region: str, year: int) -> pd.DataFrame:
    if data.evaluation_indicators.empty:
        return pd.DataFrame()
    t = scores_against_region(data, county, region, year)
    return pd.DataFrame({"指标": t["name_zh"], "本县": [f"{v:.1f}" for v in t["county"]],
                         "全市平均": [f"{v:.1f}" for v in t["region_mean"]]})


# ---------------------------------------------------------------- region report


def region_report(data: ReportData, root: Path, region: str, year: int, first_year: int, lang: str = "zh") -> Report:
    ph = load_phrases(root, lang)
    citer = Citer(data)
    reg = data.region[(data.region["region_code"] == region)].set_index(["measure", "year"])

    def value(measure: str, y: int, kind: str) -> str | None:
        if (measure, y) not in reg.index or pd.isna(reg.loc[(measure, y), "value"]):
            return None
        r = reg.loc[(measure, y)]
        text = fmt_number(r["value"], kind) + ("%" if kind == "share" else "")
        spec = data.catalog.measure(measure)
        if r["kind"] == "share":
            method = f"全市{spec.formula}，分子分母均为各县区之和"
        else:
            method = "各县区之和" if r["method"] == "sum_of_counties" else "各县区平均"
        return citer.cite(text, label=f"全市{r['name_zh']}（{y}）", scope="region", code=region, year=y, measure=measure,
                          field="value", value=r["value"], source=f"派生：{method}（{int(r['counties_reporting'])} 个县区报送）")

    achievements, problems, suggestions = [], [], []
    n_reporting = int(reg.loc[("cases_filed", year), "counties_reporting"]) if ("cases_filed", year) in reg.index else 0
    n_text = citer.cite(str(n_reporting), label=f"报送县区数（{year}）", scope="region", code=region, year=year,
                        measure="cases_filed", field="counties_reporting", value=n_reporting, source="派生：当年有立案数的县区数")
    parts = []
    for m, kind in [("cases_filed", "count"), ("persons_sanctioned", "count"), ("four_forms_sum", "count"),
                    ("new_onset_share", "share"), ("form1_share", "share")]:
        if (m, year) not in reg.index or pd.isna(reg.loc[(m, year), "value"]):
            continue
        name = data.catalog.measure(m).name_zh
        unit = "" if kind == "share" else data.catalog.measure(m).unit
        has_prev = year > first_year and (m, year - 1) in reg.index and pd.notna(reg.loc[(m, year - 1), "value"])
        change = reg.loc[(m, year), "value"] - reg.loc[(m, year - 1), "value"] if has_prev else None
        if not change:  # first year, no previous value, or unchanged
            cur = value(m, year, kind)
            tail = "，与上年持平" if change == 0 else ""
            parts.append(f"{name}为{cur}{unit}{tail}" if lang == "zh" else f"{name}: {cur}")
            continue
        prev, cur = value(m, year - 1, kind), value(m, year, kind)  # cited in reading order
        verb = ph["up"] if change > 0 else ph["down"]
        parts.append(f"{name}由{prev}{unit}{verb}到{cur}{unit}" if lang == "zh" else f"{name}: {prev} -> {cur}")
    achievements.append(ph["region_overview"].format(n=n_text, year=year) + _join(parts, lang))

    latest = data.county[(data.county["region_code"] == region) & (data.county["year"] == year)]
    rising = latest[(latest["measure"] == "new_onset_share") & (latest["yoy_change"] > 0)]
    if len(rising):
        count = citer.cite(str(len(rising)), label=f"新发生案件占比上升的县区数（{year}）", scope="region", code=region,
                           year=year, measure="new_onset_share", field="counties_rising", value=len(rising),
                           source="派生：同比变化大于 0 的县区计数")
        problems.append(ph["region_counties_rising"].format(count=count) + "、".join(rising["county_name"]) + "。")
        suggestions.append(ph["suggestions"]["counties_rising"])
    if not data.warnings.empty:
        w = data.warnings[(data.warnings["region_code"] == region) & (data.warnings["year"] == year)]
        if len(w):
            problems.append(ph["region_counties_warned"].format(
                count=citer.cite(str(w["county_code"].nunique()), label=f"触发预警县区数（{year}）", scope="region",
                                 code=region, year=year, measure="warnings", field="counties_warned",
                                 value=w["county_code"].nunique(), source="派生：预警表中的县区计数"),
                warnings=citer.cite(str(len(w)), label=f"预警条数（{year}）", scope="region", code=region, year=year,
                                    measure="warnings", field="warnings", value=len(w), source="派生：预警表条数"))
                + "、".join(f"{r.county_name}（{r.rule}）" for r in w.itertuples()) + "。")
    if not data.evaluation.empty:
        ev = data.evaluation[(data.evaluation["region_code"] == region) & (data.evaluation["year"] == year)]
        dist = "，".join(
            f"{g} " + citer.cite(str(int((ev["grade"] == g).sum())), label=f"等次为{g}的县区数（{year}）", scope="region",
                                 code=region, year=year, measure="evaluation", field=f"grade_count:{g}",
                                 value=int((ev["grade"] == g).sum()), source="派生：综合评价等次计数")
            + " 个" for g in dict.fromkeys(ev["grade"]))
        achievements.append(ph["region_grades"].format(dist=dist))
        unstable = ev[ev["stable"] == False]  # noqa: E712
        if len(unstable):
            suggestions.append(ph["suggestions"]["grade_unstable"])
    title = ph["title_region"].format(region=data.name(region), year=year)
    preamble = ([ph["synthetic"]] if is_synthetic(region) else []) + [ph["generated"].format(first_year=first_year, year=year)]
    sections = {"achievements": achievements, "problems": problems or [ph["none_found"]],
                "suggestions": suggestions or [ph["suggestion_none"]]}
    return Report(title, preamble, sections, citer.figures, None, ph["sections"])


# ---------------------------------------------------------------- output


def appendix_frame(report: Report) -> pd.DataFrame:
    return pd.DataFrame({"注": [f.n for f in report.figures], "数值": [f.text for f in report.figures],
                         "指标": [f.label for f in report.figures], "来源": [f.source for f in report.figures]})


def to_markdown(report: Report) -> str:
    lines = [f"# {report.title}", ""]
    lines += [f"> {p}" if i == 0 and p.startswith(("【", "[")) else p for i, p in enumerate(report.preamble)]
    lines.append("")
    for i, key in enumerate(("achievements", "problems", "suggestions"), start=1):
        lines += [f"## {'一二三'[i - 1]}、{report.headings[key]}", ""]
        lines += [f"{j}. {p}" for j, p in enumerate(report.sections[key], start=1)]
        lines.append("")
    if report.table is not None and not report.table.empty:
        lines += [f"## {report.headings['figures']}", "", markdown_table(report.table), ""]
    lines += [f"## {report.headings['appendix']}", ""]
    lines += [f"[^{f.n}]: {f.label}：{f.text}。来源：{f.source}" for f in report.figures]
    return "\n".join(lines) + "\n"


def markdown_table(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(map(str, r)) + " |" for r in frame.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def body_text(report: Report) -> str:
    """Title, preamble and the three sections: the prose whose numbers must be traceable."""
    parts = [report.title, *report.preamble]
    for key in ("achievements", "problems", "suggestions"):
        parts += report.sections[key]
    return "\n".join(parts)


def to_docx(report: Report) -> bytes:
    """The report as .docx: headings, numbered paragraphs with note markers, figures table, appendix."""
    import re

    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    from pipeline.report.ooxml import fixed_zip_times

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")
    style.font.size = Pt(11)
    doc.core_properties.author = "政治生态评价工作台"
    doc.core_properties.title = report.title
    import datetime as dt

    fixed = dt.datetime(2025, 1, 1)
    doc.core_properties.created = fixed
    doc.core_properties.modified = fixed
    doc.core_properties.last_modified_by = "政治生态评价工作台"
    doc.core_properties.revision = 1
    doc.add_heading(report.title, level=0)
    for p in report.preamble:
        doc.add_paragraph(p)

    def add_cited(paragraph_text: str, prefix: str = "") -> None:
        para = doc.add_paragraph(prefix)
        for piece in re.split(r"(\[\^\d+\])", paragraph_text):
            m = re.fullmatch(r"\[\^(\d+)\]", piece)
            if m:
                run = para.add_run(f"[{m.group(1)}]")
                run.font.superscript = True
            elif piece:
                para.add_run(piece)

    for i, key in enumerate(("achievements", "problems", "suggestions"), start=1):
        doc.add_heading(f"{'一二三'[i - 1]}、{report.headings[key]}", level=1)
        for j, p in enumerate(report.sections[key], start=1):
            add_cited(p, f"{j}. ")
    if report.table is not None and not report.table.empty:
        doc.add_heading(report.headings["figures"], level=1)
        _table(doc, report.table)
    doc.add_heading(report.headings["appendix"], level=1)
    _table(doc, appendix_frame(report))
    buf = io.BytesIO()
    doc.save(buf)
    return fixed_zip_times(buf.getvalue())


def _table(doc, frame: pd.DataFrame) -> None:
    table = doc.add_table(rows=1, cols=len(frame.columns))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, frame.columns, strict=True):
        cell.text = str(name)
    for row in frame.itertuples(index=False):
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = str(value)


def is_clean(text: str) -> list[str]:
    """Placeholders that must never reach a reader."""
    import re

    bad = []
    for pattern in (r"(?<![A-Za-z])X(?![A-Za-z])", r"\bNone\b", r"\bnan\b", r"\{[^}]*\}", r"\bNaN\b"):
        if re.search(pattern, text):
            bad.append(pattern)
    return bad



def notebook_markdown(report: Report) -> str:
    """Markdown for a notebook cell: note markers as superscripts (Jupyter has no footnotes)."""
    text = to_markdown(report)
    body, _, _ = text.partition(f"## {report.headings['appendix']}")
    body = re.sub(r"\[\^(\d+)\]", r"<sup>\1</sup>", body)
    rows = [f"| {f.n} | {f.text} | {f.label} | {f.source} |" for f in report.figures]
    return body + f"## {report.headings['appendix']}\n\n| 注 | 数值 | 指标 | 来源 |\n|---|---|---|---|\n" + "\n".join(rows) + "\n"


def write_report(report: Report, folder: Path, stem: str = "writeup") -> list[Path]:
    """Markdown and .docx side by side; byte-stable for the same report."""
    from pipeline.config import write_atomic

    md, docx_bytes = to_markdown(report), to_docx(report)
    targets = [folder / f"{stem}.md", folder / f"{stem}.docx"]
    write_atomic(targets[0], lambda p: p.write_text(md, encoding="utf-8"))
    write_atomic(targets[1], lambda p: p.write_bytes(docx_bytes))
    return targets
