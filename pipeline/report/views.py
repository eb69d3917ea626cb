"""Notebook sections: each returns the parts a cell shows (Markdown, figures, tables).

The notebooks call one function per section and pass the result to `show`,
so a notebook cell holds no logic and every section can be tested here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from pipeline.report import charts
from pipeline.report.trends import (
    ENFORCEMENT_MEASURES,
    FORM_LABELS,
    FORM_SHARES,
    FORMS,
    SYNTHETIC_NOTE_EN,
    SYNTHETIC_NOTE_ZH,
    ReportData,
    county_evaluation,
    county_warnings,
    describe_share_trend,
    enforcement_table,
    figures_table,
    fmt_count,
    fmt_pct,
    four_forms_by_year,
    four_forms_comparison,
    grade_sentence,
    is_synthetic,
    load_report_data,
    measure_series,
    missing_years_text,
    national_four_forms,
    pyramid_text,
    ranking_table,
    region_matrix,
    region_series,
    scores_against_region,
)


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


def open_report(root: Path | None = None) -> ReportData:
    """Load the marts and set the chart and table style: the first call of every notebook."""
    charts.use_report_style()
    pd.set_option("display.max_colwidth", None)  # source cells must be read in full
    return load_report_data(root or find_root())


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


def _synthetic(region: str, lang: str) -> str | None:
    if not is_synthetic(region):
        return None
    return f"⚠ {SYNTHETIC_NOTE_ZH}" if lang == "zh" else f"⚠ {SYNTHETIC_NOTE_EN}"


def provenance(data: ReportData, region: str, first: int, last: int) -> list[str]:
    files = data.county[(data.county["region_code"] == region) & data.county["year"].between(first, last)
                        & data.county["source_file"].notna()]["source_file"]
    return sorted(set(files))


# ---------------------------------------------------------------- county


def county_header(data: ReportData, region: str, county: str, year: int, first: int, lang: str = "zh") -> Section:
    files = provenance(data, region, first, year)
    synthetic = _synthetic(region, lang)
    if lang == "en":
        text = (f"# {data.name(county)} ({county}), {data.name(region)}: political-ecology monitoring, {year}\n\n"
                f"Years {first}–{year}. Data: {len(files)} yearly deliveries of {data.name(region)} "
                f"(`{files[0]}` … `{files[-1]}`), validated and loaded by the workbench pipeline; "
                "national benchmark from the CCDI annual bulletins (sources under each chart).")
    else:
        text = (f"# {data.name(county)}（{county}）政治生态监测分析 · {year} 年度\n\n"
                f"所属地区：{data.name(region)}（{region}）；分析年度：{first}–{year} 年。\n\n"
                f"数据来源：{data.name(region)}各县区年度报送表 {len(files)} 个（`{files[0]}` … `{files[-1]}`），"
                "经工作台导入、校验后计算；全国对比数据取自中央纪委国家监委年度通报（来源注于图下）。")
    if synthetic:
        text = f"**{synthetic}**\n\n" + text
    return Section().add(text)


def new_onset_section(data: ReportData, region: str, county: str, year: int, first: int,
                      lang: str = "zh") -> Section:
    label = "新发生案件占比" if lang == "zh" else "New-onset share"
    s = measure_series(data, county, "new_onset_share", first, year)
    r = region_series(data, region, "new_onset_share", first, year)
    trend = describe_share_trend(s, r, label, lang=lang)
    gaps = missing_years_text(s, label, lang)
    chart = charts.share_trend_chart(
        s, r, title=f"{label}：{data.name(county)}" if lang == "zh" else f"{label}: {data.name(county)}",
        county_label=data.name(county), region_label=f"{data.name(region)}（全市）" if lang == "zh" else data.name(region),
        y_label=f"{label}（%）" if lang == "zh" else f"{label} (%)", x_label="年度" if lang == "zh" else "Year",
        notes=[gaps, "新发生案件占比 = 新发生案件数 ÷ 立案数" if lang == "zh" else "share = new-onset cases / cases filed",
               _synthetic(region, lang)],
    )
    table = pd.DataFrame({
        "年度" if lang == "zh" else "Year": s["year"],
        label: [fmt_pct(v) for v in s["value"]],
        "同比（个百分点）" if lang == "zh" else "YoY (pp)": ["—" if pd.isna(v) else f"{v:+.1f}" for v in s["yoy_change"]],
        "全市" if lang == "zh" else "Region": [fmt_pct(v) for v in r["value"]],
        "全市排名" if lang == "zh" else "Rank": ["—" if pd.isna(k) else f"{int(k)}/{int(n)}"
                                            for k, n in zip(s["rank_in_region"], s["counties_ranked"], strict=True)],
    }).set_index("年度" if lang == "zh" else "Year").T
    heading = "## 一、新发生案件占比" if lang == "zh" else "## 1. New-onset share"
    return Section().add(heading, f"**{trend.text}**", chart, gaps, table)


def four_forms_section(data: ReportData, region: str, county: str, year: int, first: int,
                       lang: str = "zh") -> Section:
    ff = four_forms_by_year(data, county, first, year)
    name = data.name(county)
    gaps = missing_years_text(measure_series(data, county, "four_forms_sum", first, year),
                              "四种形态" if lang == "zh" else "Four forms", lang)
    by_year = charts.four_forms_chart(ff, title=f"运用“四种形态”分布：{name}" if lang == "zh" else f"Four forms: {name}",
                                      lang=lang, notes=[gaps, _synthetic(region, lang)])
    comparison, source = four_forms_comparison(data, county, region, year, lang)
    compare = charts.four_forms_comparison_chart(
        comparison, title=f"{year} 年四种形态占比：本县、全市与全国" if lang == "zh" else f"Four-forms shares, {year}",
        lang=lang, notes=[source, _synthetic(region, lang)])
    labels = FORM_LABELS[lang]
    table = pd.DataFrame({"年度" if lang == "zh" else "Year": ff["year"]})
    for form, share, label in zip(FORMS, FORM_SHARES, labels, strict=True):
        table[f"{label}（人次）" if lang == "zh" else f"{label} (persons)"] = [fmt_count(v) for v in ff[form]]
        table[f"{label}占比" if lang == "zh" else f"{label} share"] = [fmt_pct(v) for v in ff[share]]
    table["金字塔" if lang == "zh" else "Pyramid"] = ["—" if pd.isna(v) else ("是" if v == 1 else "否") if lang == "zh"
                                                   else ("yes" if v == 1 else "no") for v in ff["pyramid_holds"]]
    heading = "## 二、运用监督执纪“四种形态”" if lang == "zh" else "## 2. The four forms"
    return Section().add(heading, f"**{pyramid_text(ff, year, lang)}**", by_year, compare,
                         table.set_index(table.columns[0]))


def enforcement_section(data: ReportData, region: str, county: str, year: int, first: int,
                        lang: str = "zh") -> Section:
    table = enforcement_table(data, county, first, year)
    names = {m: data.catalog.measure(m).name_zh if lang == "zh" else data.catalog.measure(m).name_en
             for m in ENFORCEMENT_MEASURES}
    gaps = [missing_years_text(table[table["measure"] == m], names[m], lang) for m in ENFORCEMENT_MEASURES]
    chart = charts.indicator_panels(table, names, title="审查调查与监督指标" if lang == "zh" else "Enforcement indicators",
                                    lang=lang, notes=[*gaps, _synthetic(region, lang)])
    latest = table[table["year"] == year]
    ranks = pd.DataFrame({
        "指标" if lang == "zh" else "Measure": [names[m] for m in latest["measure"]],
        f"{year} 年" if lang == "zh" else str(year): [fmt_count(v) for v in latest["value"]],
        "每千名党员" if lang == "zh" else "Per 1,000 members": ["—" if pd.isna(v) else f"{v:.2f}" for v in latest["rate_per_members"]],
        "同比" if lang == "zh" else "YoY": ["—" if pd.isna(v) else f"{v:+.1f}%" for v in latest["yoy_change"]],
        "全市排名（数值由高到低）" if lang == "zh" else "Rank (high to low)": [
            "—" if pd.isna(k) else f"{int(k)}/{int(n)}" for k, n in zip(latest["rank_in_region"], latest["counties_ranked"], strict=True)],
    })
    heading = "## 三、审查调查、信访与问责" if lang == "zh" else "## 3. Cases, petitions and accountability"
    return Section().add(heading, chart, *[g for g in gaps if g], ranks.set_index(ranks.columns[0]))


COMPACT_MEASURES = ["new_onset_share", "cases_filed", "new_onset_cases", "persons_sanctioned", "four_forms_sum",
                    "form1_share", "petitions", "accountability_persons", "eight_rules_cases", "party_members"]


def figures_section(data: ReportData, region: str, county: str, year: int, lang: str = "zh") -> Section:
    heading = "## 四、本报告数据一览" if lang == "zh" else "## 4. Figures in this report"
    note = ("每个数值都注明来源文件和单元格；派生指标注明计算公式及所用单元格。" if lang == "zh"
            else "Every figure names its source file and cell; derived figures name their formula and inputs.")
    table = figures_table(data, county, year, COMPACT_MEASURES, lang)
    return Section().add(heading, note, table.set_index(table.columns[0]), _synthetic(region, lang))


# ---------------------------------------------------------------- region


def region_header(data: ReportData, region: str, year: int, first: int, lang: str = "zh") -> Section:
    counties = data.divisions[(data.divisions["parent_code"] == region) & (data.divisions["level"] == "county")]
    files = provenance(data, region, first, year)
    text = (f"# {data.name(region)}（{region}）各县区政治生态监测分析 · {year} 年度\n\n"
            f"县区 {len(counties)} 个；分析年度：{first}–{year} 年；数据来源：各县区年度报送表 {len(files)} 个，"
            "经工作台导入、校验后计算；全国对比数据取自中央纪委国家监委年度通报。")
    synthetic = _synthetic(region, lang)
    return Section().add(f"**{synthetic}**\n\n{text}" if synthetic else text)


def region_new_onset_section(data: ReportData, region: str, year: int, first: int, lang: str = "zh") -> Section:
    matrix = region_matrix(data, region, "new_onset_share", first, year)
    r = region_series(data, region, "new_onset_share", first, year)
    gaps = int(matrix.isna().sum().sum())
    gap_text = f"共有 {gaps} 个县区·年度没有数值，图中留空。" if gaps else None
    multiples = charts.small_multiples_chart(matrix, r, title="各县区新发生案件占比（%）",
                                             region_label=f"{data.name(region)}全市", notes=[gap_text, _synthetic(region, lang)])
    heat = charts.heatmap_chart(matrix, title="新发生案件占比（%）：县区 × 年度", value_label="%",
                                notes=[gap_text, _synthetic(region, lang)])
    counties = data.divisions[(data.divisions["parent_code"] == region) & (data.divisions["level"] == "county")]
    trends = []
    for code, name in counties["name"].sort_index().items():
        s = measure_series(data, code, "new_onset_share", first, year)
        trends.append(describe_share_trend(s, r, f"{name}（{code}）", lang=lang).text)
    return Section().add("## 一、新发生案件占比", multiples, heat, "\n".join(f"- {t}" for t in trends))


def region_four_forms_section(data: ReportData, region: str, year: int, lang: str = "zh") -> Section:
    rows = data.county[(data.county["region_code"] == region) & (data.county["year"] == year)
                       & data.county["measure"].isin(FORM_SHARES)]
    table = rows.assign(who=rows["county_name"] + "（" + rows["county_code"] + "）").pivot(
        index="who", columns="measure", values="value").reset_index()
    reg = data.region[(data.region["region_code"] == region) & (data.region["year"] == year)].set_index("measure")["value"]
    table = pd.concat([table, pd.DataFrame([{"who": f"全市（{data.name(region)}）", **{m: reg.get(m) for m in FORM_SHARES}}])])
    nat = national_four_forms(data.national)
    full = nat[nat["form2_share"].notna() & (nat["year"] <= year)]
    source = None
    if not full.empty:
        n = full.iloc[-1]
        table = pd.concat([table, pd.DataFrame([{"who": f"全国（{int(n['year'])}）", **{m: n[m] for m in FORM_SHARES}}])])
        source = f"全国数据来源：{n['source']}"
    chart = charts.four_forms_comparison_chart(table.reset_index(drop=True), title=f"{year} 年各县区四种形态占比与全国对比",
                                               lang=lang, notes=[source, _synthetic(region, lang)])
    pyramid = data.county[(data.county["region_code"] == region) & (data.county["year"] == year)
                          & (data.county["measure"] == "pyramid_holds") & (data.county["value"] == 0)]
    text = ("未呈金字塔分布的县区：" + "、".join(pyramid["county_name"] + "（" + pyramid["county_code"] + "）") + "。"
            if len(pyramid) else f"{year} 年各县区四种形态均呈金字塔分布。")
    return Section().add("## 二、运用监督执纪“四种形态”", chart, text)


def region_ranking_section(data: ReportData, region: str, year: int, lang: str = "zh") -> Section:
    measures = ["new_onset_share", "cases_filed", "persons_sanctioned", "form1_share", "petitions",
                "accountability_persons", "eight_rules_cases"]
    note = "排名按数值由高到低（1 = 最高）；新发生案件占比越高越需关注。"
    return Section().add(f"## 三、{year} 年各县区排名", note, ranking_table(data, region, year, measures),
                         _synthetic(region, lang))


# ---------------------------------------------------------------- evaluation and warnings

GRADE_COLORS = {"好": "#2e7d32", "较好": "#1f4e79", "一般": "#f79646", "差": "#c00000"}


def _grade_labels(data: ReportData) -> list[str]:
    return [c[2:] for c in data.evaluation.columns if c.startswith("p_")] or list(GRADE_COLORS)


def _score_names(data: ReportData) -> dict[str, str]:
    return {i.code: i.name_zh for i in data.catalog.indicators}


def county_evaluation_section(data: ReportData, region: str, county: str, year: int, lang: str = "zh") -> Section:
    heading = "## 五、综合评价与预警"
    if data.evaluation.empty:
        return Section().add(heading, "综合评价尚未计算（evaluate 阶段未运行）。")
    ev = county_evaluation(data, county, year)
    sentence = grade_sentence(ev, _grade_labels(data), _score_names(data))
    section = Section().add(heading, f"**{sentence}**")
    table = scores_against_region(data, county, region, year)
    if not table.empty and table["county"].notna().any():
        section.add(charts.scores_chart(table, title=f"{year} 年评价得分：{data.name(county)}与全市平均",
                                        county_label=data.name(county), region_label=f"{data.name(region)}平均",
                                        notes=[_synthetic(region, lang)]))
        shown = pd.DataFrame({"评价指标": table["name_zh"], "本县": [f"{v:.1f}" for v in table["county"]],
                              "全市平均": [f"{v:.1f}" for v in table["region_mean"]],
                              "差距": [f"{v:+.1f}" for v in table["gap"]],
                              "标准化值": [f"{v:.1f}" for v in table["normalised"]],
                              "插补": ["是" if v else "" for v in table["imputed"]]})
        section.add(shown.set_index("评价指标"))
    warned = county_warnings(data, county, [year, year - 1])
    if warned.empty:
        section.add(f"{year - 1}–{year} 年未触发预警规则。")
    else:
        section.add(f"**预警：{year - 1}–{year} 年触发 {len(warned)} 条**", warned.set_index("年度"))
    return section


def region_evaluation_section(data: ReportData, region: str, year: int, lang: str = "zh") -> Section:
    heading = "## 四、综合评价等次及其稳健性"
    if data.evaluation.empty:
        return Section().add(heading, "综合评价尚未计算（evaluate 阶段未运行）。")
    labels = _grade_labels(data)
    ev = data.evaluation[(data.evaluation["region_code"] == region) & (data.evaluation["year"] == year)]
    graded = ev[ev["index"].notna()]
    chart = charts.rank_interval_chart(graded, title=f"{year} 年综合评价排名及其不确定性", grade_colors=GRADE_COLORS,
                                       notes=["圆点：名义排名（颜色为等次）；横线：模拟中 90% 的排名落在此区间",
                                              _synthetic(region, lang)])
    table = pd.DataFrame({
        "县区": ev["county_name"] + "（" + ev["county_code"] + "）",
        "指数": [("—" if pd.isna(v) else f"{v:.1f}") for v in ev["index"]],
        "排名": [("—" if pd.isna(v) else f"{int(v)}") for v in ev["rank"]],
        "等次": ev["grade"],
        "排名区间（5%–95%）": [("—" if pd.isna(a) else f"{a:.0f}–{b:.0f}") for a, b in zip(ev["rank_p05"], ev["rank_p95"], strict=True)],
        **{f"P({g})": [("—" if pd.isna(v) else f"{v:.0%}") for v in ev[f"p_{g}"]] for g in labels},
        "等次稳定": [("—" if pd.isna(v) else ("是" if v else "否")) for v in ev["stable"]],
    })
    unstable = ev[ev["stable"] == False]  # noqa: E712
    verdict = ("等次不稳定的县区：" + "、".join(f"{r.county_name}（{r.county_code}，{r.grade}，最可能等次“{r.modal_grade}”"
                                                 f"概率 {r.modal_probability:.0%}）" for r in unstable.itertuples()) + "。"
               if len(unstable) else "各县区等次在方法和权重变化下均稳定。")
    w = data.evaluation_weights
    w = w[(w["region_code"] == region) & (w["year"] == year)]
    names = _score_names(data)
    weights = pd.DataFrame({"评价指标": [names.get(c, c) for c in w["indicator"]],
                            "名义权重": [f"{v:.3f}" for v in w["nominal_weight"]],
                            "有效权重（对指数方差的贡献）": [f"{v:.3f}" for v in w["effective_weight"]]})
    coh = data.evaluation_coherence
    coh = coh[(coh["region_code"] == region) & (coh["year"] == year)] if not coh.empty else coh
    flags = []
    if not coh.empty:
        for r in coh[coh.get("collinear", False) == True].itertuples():  # noqa: E712
            flags.append(f"{names.get(r.indicator)} 与 {names.get(r.other)} 高度相关（r = {r.r:.2f}），信息重复。")
        for r in coh[coh.get("negative_with_index", False) == True].itertuples():  # noqa: E712
            flags.append(f"{names.get(r.indicator)} 与综合指数负相关（r = {r.r:.2f}），与其他指标方向不一致。")
        shifts = coh[coh["other"] == "index"]
        worst = shifts.sort_values("rank_shift_if_dropped", ascending=False).head(1)
        for r in worst.itertuples():
            flags.append(f"去掉 {names.get(r.indicator)} 时排名变化最大（平均 {r.rank_shift_if_dropped:.1f} 位）。")
    section = Section().add(heading, f"**{verdict}**", chart, table.set_index("县区"),
                            "名义权重与有效权重：", weights.set_index("评价指标"))
    if flags:
        section.add("指标一致性检查：\n\n" + "\n".join(f"- {f}" for f in flags))
    return section


def region_warnings_section(data: ReportData, region: str, year: int, lang: str = "zh") -> Section:
    heading = f"## 五、{year} 年预警"
    w = data.warnings[(data.warnings["region_code"] == region) & (data.warnings["year"] == year)] \
        if not data.warnings.empty else data.warnings
    if w.empty:
        return Section().add(heading, f"{year} 年各县区均未触发预警规则。")
    table = pd.DataFrame({"县区": w["county_name"] + "（" + w["county_code"] + "）", "预警规则": w["rule"],
                          "级别": w["severity"], "依据": w["evidence"], "来源": w["source"]})
    return Section().add(heading, f"共 {len(w)} 条预警，涉及 {w['county_code'].nunique()} 个县区。",
                         table.set_index("县区"), _synthetic(region, lang))


def writeup_section(data: ReportData, region: str, county: str | None, year: int, first: int,
                    lang: str = "zh") -> Section:
    """The annual write-up (成效 / 问题和难点 / 思考与建议) with its source notes."""
    from pipeline.report.writeup import county_report, notebook_markdown, region_report

    root = find_root()
    report = (county_report(data, root, region, county, year, first, lang) if county
              else region_report(data, root, region, year, first, lang))
    heading = "## 附：年度评价报告（草稿，另存为 writeup.docx / writeup.md）"
    return Section().add(heading, notebook_markdown(report).replace("# ", "### ", 1))
