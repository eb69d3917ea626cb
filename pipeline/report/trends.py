"""Tables and judgements for the county and region notebooks (no plotting here).

Everything a reviewer reads as a number or a sentence is computed in this
module, from the marts written by the measures stage, so tests can check it.
Missing values stay missing: a year a county did not report is a gap in the
tables and is said in words, never filled with zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.catalog import Catalog, load_catalog
from pipeline.config import Paths

FORMS = ["form1_persons", "form2_persons", "form3_persons", "form4_persons"]
FORM_SHARES = ["form1_share", "form2_share", "form3_share", "form4_share"]
FORM_LABELS = {"zh": ["第一种形态", "第二种形态", "第三种形态", "第四种形态"],
               "en": ["First form", "Second form", "Third form", "Fourth form"]}
# Indicators shown over time in the county notebook, absolute and per 1,000 members.
ENFORCEMENT_MEASURES = ["cases_filed", "persons_sanctioned", "petitions", "accountability_persons",
                        "eight_rules_cases"]
STATUS_ZH = {"not_delivered": "未报送", "blank": "空白", "column_absent": "未列此项",
             "not_computable": "无法计算"}
SYNTHETIC_PREFIX = "99"  # GB/T 2260 assigns no province code 99: the demo regions live there
SYNTHETIC_NOTE_ZH = "合成演示数据（虚构，非真实统计）"
SYNTHETIC_NOTE_EN = "synthetic demo data (invented, not real statistics)"


@dataclass
class ReportData:
    county: pd.DataFrame
    region: pd.DataFrame
    national: pd.DataFrame
    divisions: pd.DataFrame
    catalog: Catalog
    # evaluation and warning marts; empty frames when those stages have not run
    evaluation: pd.DataFrame = field(default_factory=pd.DataFrame)
    evaluation_indicators: pd.DataFrame = field(default_factory=pd.DataFrame)
    evaluation_weights: pd.DataFrame = field(default_factory=pd.DataFrame)
    evaluation_coherence: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: pd.DataFrame = field(default_factory=pd.DataFrame)

    def name(self, code: str) -> str:
        return str(self.divisions.loc[code, "name"])


def load_report_data(root: Path) -> ReportData:
    paths = Paths(root)
    county = pd.read_parquet(paths.marts / "county_year_measures.parquet")
    region = pd.read_parquet(paths.marts / "region_year_measures.parquet")
    national = pd.read_csv(paths.reference / "ccdi_national.csv")
    divisions = pd.read_csv(paths.divisions, dtype=str, keep_default_na=False).set_index("code")
    optional = {name: pd.read_parquet(paths.marts / f"{name}.parquet")
                for name in ("evaluation", "evaluation_indicators", "evaluation_weights", "evaluation_coherence",
                             "warnings")
                if (paths.marts / f"{name}.parquet").is_file()}
    return ReportData(county, region, national, divisions, load_catalog(paths.catalog), **optional)


def is_synthetic(region_code: str) -> bool:
    return str(region_code).startswith(SYNTHETIC_PREFIX)


# ---------------------------------------------------------------- formatting


def fmt_pct(x: float | None) -> str:
    return "—" if x is None or pd.isna(x) else f"{x:.1f}%"


def fmt_pp(x: float | None, lang: str = "zh") -> str:
    if x is None or pd.isna(x):
        return "—"
    return f"{abs(x):.1f} 个百分点" if lang == "zh" else f"{abs(x):.1f} pp"


def fmt_count(x: float | None) -> str:
    if x is None or pd.isna(x):
        return "—"
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"


# ---------------------------------------------------------------- series


def measure_series(data: ReportData, county_code: str, measure: str, first: int, last: int) -> pd.DataFrame:
    """One county's measure by year, every year from first to last (missing years as NaN)."""
    rows = data.county[(data.county["county_code"] == county_code) & (data.county["measure"] == measure)
                       & data.county["year"].between(first, last)]
    cols = ["year", "value", "yoy_change", "status", "rank_in_region", "counties_ranked",
            "rate_per_members", "source_file", "source_cell"]
    frame = pd.DataFrame({"year": range(first, last + 1)}).merge(rows[cols], on="year", how="left",
                                                                  validate="one_to_one")
    frame["status"] = frame["status"].fillna("not_delivered")
    return frame


def region_series(data: ReportData, region_code: str, measure: str, first: int, last: int) -> pd.DataFrame:
    rows = data.region[(data.region["region_code"] == region_code) & (data.region["measure"] == measure)
                       & data.region["year"].between(first, last)]
    frame = pd.DataFrame({"year": range(first, last + 1)})
    return frame.merge(rows[["year", "value", "counties_reporting", "counties_in_scope"]], on="year",
                       how="left", validate="one_to_one")


def missing_years(series: pd.DataFrame) -> list[tuple[int, str]]:
    """Years without a value and why (not delivered, blank cell, ...)."""
    gaps = series[series["value"].isna()]
    return [(int(r.year), str(r.status)) for r in gaps.itertuples()]


def missing_years_text(series: pd.DataFrame, label: str, lang: str = "zh") -> str | None:
    gaps = missing_years(series)
    if not gaps:
        return None
    if lang == "en":
        parts = ", ".join(f"{y} ({s.replace('_', ' ')})" for y, s in gaps)
        return f"{label}: no value for {parts}; shown as gaps, not as zero."
    parts = "、".join(f"{y} 年（{STATUS_ZH.get(s, s)}）" for y, s in gaps)
    return f"{label}：{parts}没有数值，图表中留空，不按零处理。"


# ---------------------------------------------------------------- judgements


@dataclass
class Trend:
    direction: str  # rising, falling, flat or insufficient
    latest_year: int | None
    latest: float | None
    baseline: float | None
    baseline_years: tuple[int, ...]
    change: float | None
    yoy: float | None
    region_latest: float | None
    text: str


def describe_share_trend(series: pd.DataFrame, region: pd.DataFrame, label: str, *,
                         baseline_years: int = 3, flat_band_pp: float = 1.0, lang: str = "zh") -> Trend:
    """Rising, falling or flat: the latest share against the mean of the first reported years.

    The baseline is the mean of the first `baseline_years` years with a value,
    so one unusual early year does not decide the verdict; a change within
    `flat_band_pp` percentage points is called flat.
    """
    known = series.dropna(subset=["value"])
    if len(known) < baseline_years + 1:
        text = (f"{label}有数值的年份不足 {baseline_years + 1} 个，无法判断趋势。" if lang == "zh"
                else f"{label}: fewer than {baseline_years + 1} years with a value; no trend judged.")
        return Trend("insufficient", None, None, None, (), None, None, None, text)
    base = known.head(baseline_years)
    latest = known.iloc[-1]
    baseline = float(base["value"].mean())
    change = float(latest["value"]) - baseline
    direction = "flat" if abs(change) < flat_band_pp else ("rising" if change > 0 else "falling")
    year = int(latest["year"])
    region_row = region[region["year"] == year]["value"]
    region_latest = None if region_row.empty or pd.isna(region_row.iloc[0]) else float(region_row.iloc[0])
    yoy = None if pd.isna(latest["yoy_change"]) else float(latest["yoy_change"])
    years = tuple(int(y) for y in base["year"])
    span = f"{years[0]}–{years[-1]}"
    if lang == "en":
        verdict = {"rising": "rising", "falling": "falling", "flat": "flat"}[direction]
        text = (f"{label} was {fmt_pct(latest['value'])} in {year}, {fmt_pp(change, 'en')} "
                f"{'above' if change >= 0 else 'below'} its {span} average ({fmt_pct(baseline)}): {verdict}.")
        if region_latest is not None:
            diff = float(latest["value"]) - region_latest
            text += f" Region: {fmt_pct(region_latest)}; the county is {fmt_pp(diff, 'en')} {'higher' if diff >= 0 else 'lower'}."
        return Trend(direction, year, float(latest["value"]), baseline, years, change, yoy, region_latest, text)
    verdict = {"rising": "呈上升态势", "falling": "呈下降态势", "flat": "基本持平"}[direction]
    moved = "上升" if change > 0 else "下降"
    text = f"{label} {year} 年为 {fmt_pct(latest['value'])}，"
    if direction == "flat":
        text += f"与 {span} 年平均水平（{fmt_pct(baseline)}）相比变化不足 {flat_band_pp:g} 个百分点，{verdict}"
    else:
        text += f"比 {span} 年平均水平（{fmt_pct(baseline)}）{moved} {fmt_pp(change)}，{verdict}"
    if yoy is not None:
        text += f"；同比{'上升' if yoy > 0 else '下降' if yoy < 0 else '持平'}" + (f" {fmt_pp(yoy)}" if yoy else "")
    if region_latest is not None:
        diff = float(latest["value"]) - region_latest
        rel = "高" if diff > 0 else "低" if diff < 0 else "持平于"
        text += f"；全市为 {fmt_pct(region_latest)}，本县{rel}{' ' + fmt_pp(diff) if diff else ''}"
    return Trend(direction, year, float(latest["value"]), baseline, years, change, yoy, region_latest, text + "。")


# ---------------------------------------------------------------- four forms


def four_forms_by_year(data: ReportData, county_code: str, first: int, last: int) -> pd.DataFrame:
    """Person-times and shares of the four forms per year, and whether the pyramid holds."""
    frame = pd.DataFrame({"year": range(first, last + 1)})
    for m in [*FORMS, "four_forms_sum", *FORM_SHARES, "pyramid_holds"]:
        s = measure_series(data, county_code, m, first, last)[["year", "value"]].rename(columns={"value": m})
        frame = frame.merge(s, on="year", how="left", validate="one_to_one")
    return frame


def national_four_forms(national: pd.DataFrame) -> pd.DataFrame:
    """National four-forms shares (%) by year, from the CCDI bulletins, with their sources.

    Shares are computed from the published person-times where all four forms
    were published; for years with only the first-form share, that share alone.
    """
    nat = national[national["scope"] == "national"]
    rows = []
    for year, g in nat.groupby("year"):
        by = g.set_index("indicator")
        if all(f in by.index for f in FORMS):
            persons = [float(by.loc[f, "value"]) for f in FORMS]
            total = sum(persons)
            shares = [100 * p / total for p in persons]
            sources = "；".join(dict.fromkeys(by.loc[FORMS, "source"]))
        elif "form1_share" in by.index:
            shares = [float(by.loc["form1_share", "value"]), None, None, None]
            sources = str(by.loc["form1_share", "source"])
        else:
            continue
        rows.append({"year": int(year), **dict(zip(FORM_SHARES, shares, strict=True)), "source": sources})
    return pd.DataFrame(rows)


def four_forms_comparison(data: ReportData, county_code: str, region_code: str, year: int,
                          lang: str = "zh") -> tuple[pd.DataFrame, str]:
    """Shares of the four forms: the county, its region and the nation (nearest published year ≤ year)."""
    labels = {"zh": ("本县", "全市", "全国"), "en": ("County", "Region", "Nation")}[lang]
    county = data.county[(data.county["county_code"] == county_code) & (data.county["year"] == year)]
    region = data.region[(data.region["region_code"] == region_code) & (data.region["year"] == year)]
    rows = [
        {"who": f"{labels[0]}（{data.name(county_code)}）" if lang == "zh" else f"{labels[0]} ({data.name(county_code)})",
         "year": year, **{m: _value(county, m) for m in FORM_SHARES}},
        {"who": f"{labels[1]}（{data.name(region_code)}）" if lang == "zh" else f"{labels[1]} ({data.name(region_code)})",
         "year": year, **{m: _value(region, m) for m in FORM_SHARES}},
    ]
    nat = national_four_forms(data.national)
    full = nat[nat["form2_share"].notna() & (nat["year"] <= year)]
    source = ""
    if not full.empty:
        n = full.iloc[-1]
        rows.append({"who": f"{labels[2]}（{int(n['year'])}）" if lang == "zh" else f"{labels[2]} ({int(n['year'])})",
                     "year": int(n["year"]), **{m: n[m] for m in FORM_SHARES}})
        source = f"全国数据来源：{n['source']}" if lang == "zh" else f"National figures: {n['source']}"
    return pd.DataFrame(rows), source


def _value(frame: pd.DataFrame, measure: str) -> float | None:
    v = frame.loc[frame["measure"] == measure, "value"]
    return None if v.empty or pd.isna(v.iloc[0]) else float(v.iloc[0])


def pyramid_text(ff: pd.DataFrame, year: int, lang: str = "zh") -> str:
    row = ff[ff["year"] == year]
    inverted = [int(r.year) for r in ff.itertuples() if r.pyramid_holds == 0]
    if row.empty or pd.isna(row["pyramid_holds"].iloc[0]):
        head = f"{year} 年四种形态数据不全，无法判断分布。" if lang == "zh" else f"{year}: four-forms figures incomplete."
    elif row["pyramid_holds"].iloc[0] == 1:
        head = (f"{year} 年四种形态呈金字塔分布（第一种形态占 {fmt_pct(row['form1_share'].iloc[0])}）。" if lang == "zh"
                else f"{year}: the four forms form a pyramid (first form {fmt_pct(row['form1_share'].iloc[0])}).")
    else:
        head = (f"{year} 年四种形态未呈金字塔分布（第一种形态占 {fmt_pct(row['form1_share'].iloc[0])}），需关注。" if lang == "zh"
                else f"{year}: the pyramid does not hold (first form {fmt_pct(row['form1_share'].iloc[0])}).")
    if inverted:
        years = "、".join(str(y) for y in inverted) if lang == "zh" else ", ".join(str(y) for y in inverted)
        head += f"未呈金字塔的年份：{years}。" if lang == "zh" else f" Years without a pyramid: {years}."
    return head


# ---------------------------------------------------------------- tables


def enforcement_table(data: ReportData, county_code: str, first: int, last: int,
                      measures: list[str] | None = None) -> pd.DataFrame:
    """Long table: measure x year with value, rate per 1,000 members, YoY and rank in region."""
    frames = []
    for m in measures or ENFORCEMENT_MEASURES:
        s = measure_series(data, county_code, m, first, last)
        s.insert(0, "measure", m)
        frames.append(s)
    return pd.concat(frames, ignore_index=True)


def figures_table(data: ReportData, county_code: str, year: int, measures: list[str], lang: str = "zh") -> pd.DataFrame:
    """The compact table of figures shown: value, YoY, rate, rank and the source cell."""
    rows = data.county[(data.county["county_code"] == county_code) & (data.county["year"] == year)
                       & data.county["measure"].isin(measures)].set_index("measure").reindex(measures)
    out = pd.DataFrame({
        "指标" if lang == "zh" else "Measure": rows["name_zh"],
        "数值" if lang == "zh" else "Value": [_fmt_value(v, k) for v, k in zip(rows["value"], rows["kind"], strict=True)],
        "单位" if lang == "zh" else "Unit": rows["unit"],
        "同比" if lang == "zh" else "YoY": [_fmt_yoy(c, u) for c, u in zip(rows["yoy_change"], rows["yoy_unit"], strict=True)],
        "每千名党员" if lang == "zh" else "Per 1,000 members": [("—" if pd.isna(r) else f"{r:.2f}") for r in rows["rate_per_members"]],
        "全市排名" if lang == "zh" else "Rank in region": [("—" if pd.isna(k) else f"{int(k)}/{int(n)}") for k, n in
                                                          zip(rows["rank_in_region"], rows["counties_ranked"], strict=True)],
        "来源" if lang == "zh" else "Source": [source_text(data, county_code, year, m) for m in measures],
    })
    return out.reset_index(drop=True)


def source_text(data: ReportData, county_code: str, year: int, measure: str) -> str:
    """Where a figure comes from: its cell, or for a derived measure its formula and input cells."""
    rows = data.county[(data.county["county_code"] == county_code) & (data.county["year"] == year)]
    by = rows.set_index("measure")
    if measure not in by.index:
        return "未报送"
    row = by.loc[measure]
    if isinstance(row["source_file"], str) and row["source_file"]:
        return f"{row['source_file']} {row['source_cell']}"
    if row["status"] != "ok":
        return STATUS_ZH.get(row["status"], row["status"])
    derived = data.catalog.measure(measure)
    inputs = _raw_inputs(data.catalog, measure)
    delivered = [c for c in inputs if c in by.index and isinstance(by.loc[c, "source_file"], str)]
    cells = [by.loc[c, "source_cell"] for c in delivered]
    files = sorted({by.loc[c, "source_file"] for c in delivered})
    where = f"（{files[0]} {'、'.join(cells)}）" if files and cells else ""
    return f"{derived.formula}{where}"


def _fmt_value(v: float, kind: str) -> str:
    if pd.isna(v):
        return "—"
    return fmt_pct(v) if kind == "share" else fmt_count(v)


def _fmt_yoy(change: float, unit: str) -> str:
    if pd.isna(change):
        return "—"
    sign = "+" if change > 0 else ""
    return {"%": f"{sign}{change:.1f}%", "pp": f"{sign}{change:.1f} pp", "points": f"{sign}{change:.1f} 分"}.get(unit, f"{change:.1f}")


def _raw_inputs(catalog: Catalog, measure: str) -> list[str]:
    """Delivered indicators a measure is computed from, following derived inputs down."""
    spec = catalog.measure(measure)
    if not hasattr(spec, "inputs"):
        return [measure]
    out: list[str] = []
    for code in spec.inputs:
        out += [c for c in _raw_inputs(catalog, code) if c not in out]
    return out


def region_matrix(data: ReportData, region_code: str, measure: str, first: int, last: int) -> pd.DataFrame:
    """County x year values of one measure (county labels as 名称（代码）), for heatmaps."""
    rows = data.county[(data.county["region_code"] == region_code) & (data.county["measure"] == measure)
                       & data.county["year"].between(first, last)]
    labels = rows["county_name"] + "（" + rows["county_code"] + "）"
    return rows.assign(county=labels).pivot(index="county", columns="year", values="value")


def ranking_table(data: ReportData, region_code: str, year: int, measures: list[str]) -> pd.DataFrame:
    """Counties of a region ranked on each measure in `year` (1 = highest value)."""
    rows = data.county[(data.county["region_code"] == region_code) & (data.county["year"] == year)
                       & data.county["measure"].isin(measures)]
    labels = rows["county_name"] + "（" + rows["county_code"] + "）"
    table = rows.assign(county=labels).pivot(index="county", columns="measure", values="rank_in_region")
    names = rows.drop_duplicates("measure").set_index("measure")["name_zh"]
    table = table[measures].sort_values(measures[0])
    return table.rename(columns=names).astype("Int64")


# ---------------------------------------------------------------- evaluation


def county_evaluation(data: ReportData, county_code: str, year: int) -> pd.Series | None:
    rows = data.evaluation[(data.evaluation["county_code"] == county_code) & (data.evaluation["year"] == year)] \
        if not data.evaluation.empty else pd.DataFrame()
    return None if rows.empty else rows.iloc[0]


def scores_against_region(data: ReportData, county_code: str, region_code: str, year: int) -> pd.DataFrame:
    """The county's evaluation scores, the region's mean, the gap and whether the cell was imputed."""
    ind = data.evaluation_indicators
    rows = ind[(ind["region_code"] == region_code) & (ind["year"] == year)]
    mine = rows[rows["county_code"] == county_code].set_index("indicator")
    mean = rows.groupby("indicator")["raw"].mean()
    order = list(dict.fromkeys(rows["indicator"]))
    return pd.DataFrame({
        "indicator": order,
        "name_zh": [data.catalog.measure(c).name_zh for c in order],
        "county": [mine.loc[c, "raw"] for c in order],
        "region_mean": [mean[c] for c in order],
        "gap": [mine.loc[c, "raw"] - mean[c] for c in order],
        "normalised": [mine.loc[c, "normalised"] for c in order],
        "imputed": [bool(mine.loc[c, "imputed"]) for c in order],
    })


def grade_sentence(ev: pd.Series | None, labels: list[str], names: dict[str, str] | None = None) -> str:
    """One sentence: index, rank, grade, rank interval and grade probability."""
    if ev is None or pd.isna(ev["index"]):
        return "本年度评价指标不足，未评定等次。"
    probs = "，".join(f"{g} {ev[f'p_{g}']:.0%}" for g in labels if f"p_{g}" in ev and ev[f"p_{g}"] > 0)
    text = (f"综合评价指数 {ev['index']:.1f}，全市第 {int(ev['rank'])} 名（共 {int(ev['counties_graded'])} 个），"
            f"等次为“{ev['grade']}”。")
    if "median_rank" in ev and pd.notna(ev.get("median_rank")):
        text += (f"在改变权重、标准化和汇总方法的模拟中，排名中位数 {ev['median_rank']:.0f}，"
                 f"90% 区间为第 {ev['rank_p05']:.0f}–{ev['rank_p95']:.0f} 名；各等次概率：{probs}。")
        if pd.notna(ev.get("stable")) and not bool(ev["stable"]):
            text += f"**等次不稳定**（最可能等次“{ev['modal_grade']}”的概率仅 {ev['modal_probability']:.0%}），据此问责前应复核。"
    if isinstance(ev.get("imputed"), str) and ev["imputed"]:
        filled = "、".join((names or {}).get(c, c) for c in ev["imputed"].split("、"))
        text += f"（缺项已按全市均值插补：{filled}）"
    return text


def county_warnings(data: ReportData, county_code: str, years: list[int]) -> pd.DataFrame:
    if data.warnings.empty:
        return pd.DataFrame(columns=["年度", "预警规则", "级别", "依据", "来源"])
    w = data.warnings[(data.warnings["county_code"] == county_code) & data.warnings["year"].isin(years)]
    return pd.DataFrame({"年度": w["year"], "预警规则": w["rule"], "级别": w["severity"], "依据": w["evidence"],
                         "来源": w["source"]}).sort_values(["年度", "预警规则"], ascending=[False, True]).reset_index(drop=True)
