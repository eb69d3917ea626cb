"""Checks of the validation stage that look across rows, files and years, where a column rule cannot.

- completeness: places registered in a region but absent from a delivered
  region-year. Up to `validate.missing_counties` of them (a count, or a share
  of the region's places such as "10%") are warned one by one; more stop the
  run, said once for the region-year with the files it holds: a year folder
  with one county's file is a delivery of that county, not of the region.
- dropped columns: an indicator the region's previous delivery of the same
  period carried and this file has no column for.
- jumps: a value far from the county's own previous year (`validate.jumps`:
  a count multiplied or divided by `count_ratio`, a score or share moving by
  `points`), stop or warn.
- review: a finer listing (`validate.jumps.review`): a value off its own
  series (away from both neighbouring years, or from the one it has) by more
  than `count_ratio` or `points` and by more than `typical_moves` times the
  county's usual year-on-year move of that indicator: a typed 32 for 22 in a
  series that moves by one or two a year.
Two plausible cells swapped within a row stay out of reach: nothing in the
data tells them apart.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.catalog import Catalog
from pipeline.divisions import units_of, whole_region
from pipeline.errors import ConfigError
from pipeline.periods import FULL_YEAR
from pipeline.periods import message_label as period_label


@dataclass
class Finding:
    suite: str
    severity: str
    rule: str
    county_code: str | None
    county_name: str | None
    year: int | None
    found: str
    sources: list[str]
    period: str = FULL_YEAR

    def __str__(self) -> str:
        where = "；".join(self.sources) if self.sources else "（无来源单元格）"
        when = period_label(self.year, self.period) if self.year is not None else ""
        who = f"{self.county_code} {self.county_name or ''} {when}".strip() if self.county_code else ""
        return f"{where}｜{who}｜规则：{self.rule}｜实际：{self.found}"


def shown_value(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "空"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value)}"
    return f"{value}"


def cell_of(row: Any) -> str:
    return f"{row.source_file} 第 {int(row.source_row)} 行 {row.source_cell}「{row.source_column}」"


# ---------------------------------------------------------------- completeness


def allowed_missing(setting: Any, registered: int) -> int:
    """How many of a region's `registered` places may be missing before the run stops."""
    if setting == "warn":
        return registered
    if setting == "stop":
        return 0
    text = str(setting).strip()
    try:
        if text.endswith("%"):
            return math.floor(float(text[:-1]) / 100 * registered + 1e-9)
        count = int(text)
    except ValueError:
        count = -1
    if count < 0:
        raise ConfigError("params.yaml", "validate.missing_counties", f"「{setting}」不是个数（如 1）、比例（如 10%）、warn 或 stop")
    return count


def completeness_findings(facts: pd.DataFrame, divisions: pd.DataFrame, setting: Any) -> list[Finding]:
    findings: list[Finding] = []
    for (region, year, period), rows in facts.groupby(["region_code", "year", "period"]):
        registered = units_of(divisions, region).set_index("code")["name"]
        absent = sorted(set(registered.index) - set(rows["county_code"]))
        files = sorted(set(rows["source_file"]))
        if not absent:
            continue
        allowed = allowed_missing(setting, len(registered))
        if len(absent) > allowed:
            findings.append(too_many_missing(region, int(year), period, absent, registered, files, allowed, setting))
            continue
        for code in absent:
            findings.append(Finding("completeness", "warning", "已登记的县区应出现在当期的报送中", code, registered[code],
                                    int(year), f"{period_label(int(year), period)}报送中没有 {code} {registered[code]} 的数据行",
                                    files, period))
    return findings


def too_many_missing(region: str, year: int, period: str, absent: list[str], registered: pd.Series, files: list[str],
                     allowed: int, setting: Any) -> Finding:
    names = "、".join(f"{registered[c]}" for c in absent[:12]) + ("等" if len(absent) > 12 else "")
    delivered = len(registered) - len(absent)
    if len(files) > 1 or (files and files[0].count("/") > 3):  # data/raw/<region>/<year>/<file>: a year folder
        folder = files[0].rsplit("/", 1)[0]
        held = f"文件夹 {folder}/ 中只有 {len(files)} 个文件，共 {delivered} 个县区的数据"
    else:
        held = f"{files[0] if files else '报送文件'} 中只有 {delivered} 个县区的数据"
    rule = f"缺报的县区不超过 {allowed} 个（params.yaml validate.missing_counties: {setting}）"
    return Finding("completeness", "critical", rule, region, None, year,
                   f"{held}，本地区登记了 {len(registered)} 个，缺 {len(absent)} 个：{names}。"
                   f"如果这些县区尚未报送，请报齐后再导入；如果本期确实只有这些县区，请调整 validate.missing_counties",
                   files, period)


# ---------------------------------------------------------------- dropped columns


def dropped_column_findings(facts: pd.DataFrame, catalog: Catalog) -> list[Finding]:
    """An indicator the previous delivery of the same period had, missing as a column from this one's file."""
    findings = []
    present = facts.groupby(["region_code", "period", "year", "source_file"])["indicator"].agg(set)
    filled = facts.dropna(subset=["value"]).groupby(["region_code", "period", "year"])["indicator"].agg(set)
    for (region, period), by_year in present.groupby(level=[0, 1]):
        years = sorted({int(y) for y in by_year.index.get_level_values(2)})
        for before, year in zip(years, years[1:], strict=False):
            expected = filled.get((region, period, before), set())
            for (*_, source), columns in by_year.xs(year, level=2).items():
                lost = [i for i in catalog.indicators if i.code in expected and i.code not in columns]
                if lost:
                    shown = "「" + "」「".join(i.name_zh for i in lost) + "」"
                    findings.append(Finding(
                        "dropped_columns", "warning", "上一期报送的指标，本期的文件中也应有这一列", region, None, year,
                        f"{source} 中没有{shown}列（{period_label(before, period)}报送了）：这个文件所报各县区的这些指标在 "
                        f"{period_label(year, period)}均为缺数。如果是漏了这一列，请补上后重新报送", [source], period))
    return findings


# ---------------------------------------------------------------- jumps


def jump_findings(facts: pd.DataFrame, catalog: Catalog, jumps: dict[str, Any]) -> list[Finding]:
    severity = "critical" if jumps["action"] == "stop" else "warning"
    ratio, points = float(jumps["count_ratio"]), float(jumps["points"])
    findings = []
    # compared within one period only: nine months against nine months, never against a full year
    f = facts.dropna(subset=["value"]).sort_values(["county_code", "indicator", "period", "year"])
    prev = f.groupby(["county_code", "indicator", "period"]).shift(1)
    for r, p in zip(f.itertuples(), prev.itertuples(), strict=True):
        if pd.isna(p.year) or int(p.year) != r.year - 1:
            continue
        ind = catalog[r.indicator]
        if ind.kind == "count":
            far = p.value >= 10 and (r.value >= ratio * p.value or r.value * ratio <= p.value)
        else:
            far = abs(r.value - p.value) >= points
        if far:
            findings.append(Finding(
                "jumps", severity, f"{ind.name_zh}与本县区上一年相差悬殊（计数相差 {ratio:g} 倍以上，"
                f"得分或占比相差 {points:g} 以上），请核对是否录错", r.county_code, None, int(r.year),
                f"{period_label(int(p.year), r.period)} {shown_value(p.value)}，{period_label(r.year, r.period)} "
                f"{shown_value(r.value)}", [cell_of(p), cell_of(r)], r.period))
    return findings


MOVE_FLOOR = {"count": 1.0, "share": 0.5, "score": 0.5}  # a series that never moves still moves by this much


def review_findings(facts: pd.DataFrame, catalog: Catalog, jumps: dict[str, Any], coarse: list[Finding]
                    ) -> list[Finding]:
    """Values off their county's own series at the finer `jumps.review` thresholds, with the cells compared.

    A value the coarse jump check (`coarse`, its findings) already flagged is not listed again.
    """
    review = jumps.get("review")
    if not review:
        return []
    ratio, points, moves = float(review["count_ratio"]), float(review["points"]), float(review["typical_moves"])
    flagged = {(f.county_code, f.year, f.sources[-1]) for f in coarse}
    findings = []
    f = facts.dropna(subset=["value"]).sort_values(["county_code", "indicator", "period", "year"])
    for (_, code, period), series in f.groupby(["indicator", "county_code", "period"]):
        rows = list(series.itertuples())
        if len(rows) < 4 or any(b.year != a.year + 1 for a, b in zip(rows, rows[1:], strict=False)):
            continue
        ind = catalog[rows[0].indicator]
        for k, r in enumerate(rows):
            neighbours = rows[max(k - 1, 0):k] + rows[k + 1:k + 2]
            others = [x.value for x in rows if x is not r]
            usual = statistics.median(abs(b - a) for a, b in zip(others, others[1:], strict=False))
            expected = statistics.fmean(n.value for n in neighbours)
            off = abs(r.value - expected)
            big = (expected >= 10 and (r.value >= ratio * expected or r.value * ratio <= expected)) \
                if ind.kind == "count" else off >= points
            same_side = all((r.value - n.value) * (r.value - expected) > 0 for n in neighbours)
            if big and same_side and off > moves * max(usual, MOVE_FLOOR[ind.kind]) and (code, r.year, cell_of(r)) not in flagged:
                findings.append(Finding(
                    "review", "warning", f"{ind.name_zh}偏离本县区历年数值（与相邻年度相差超过常见年度变动的 {moves:g} 倍），"
                    "请核对是否录错", code, None, int(r.year),
                    "，".join(f"{period_label(int(x.year), period)} {shown_value(x.value)}" for x in sorted(
                        [*neighbours, r], key=lambda x: x.year)) + f"（该县区其他年度逐年变动的中位数为 {shown_value(round(usual, 1))}）",
                    [cell_of(x) for x in sorted([*neighbours, r], key=lambda x: x.year)], period))
    return findings


# ---------------------------------------------------------------- region gaps


def gap_consequence(catalog: Catalog, indicator: str, evaluated: list[str], year: int) -> str:
    """What a region-year without `indicator` cannot have: grades and derived measures ("" for neither)."""
    said = []
    if any(indicator in catalog.raw_inputs(m) for m in evaluated if m in catalog):
        said.append(f"{year}年不能评定等次（综合评价的指标缺数）")
    derived = [d.name_zh for d in catalog.derived if indicator in catalog.raw_inputs(d.code)]
    if derived:
        more = "等" if len(derived) > 3 else ""
        said.append(f"不能计算{'、'.join(derived[:3])}{more}")
    return "；".join(said)


def region_gaps(facts: pd.DataFrame, divisions: pd.DataFrame, catalog: Catalog, evaluated: list[str]) -> list[Finding]:
    """Indicators no place of a region delivered for a full year, said once for the region, up front.

    Expected are the indicators the region delivers in another year and that
    something needs (the composite index, a derived measure): a column it never
    fills is not a gap (a composite index without it is refused by the
    evaluation, which says so). A gap of the whole region is the commission's
    to close (the survey was not run, the column left off the form), not each
    county's.
    """
    full = facts[facts["period"] == FULL_YEAR]
    names = dict(zip(divisions["code"], divisions["name"], strict=True))
    findings = []
    for region, rows in full.groupby("region_code"):
        ever = set(rows.dropna(subset=["value"])["indicator"])
        for year, year_rows in rows.groupby("year"):
            delivered = set(year_rows.dropna(subset=["value"])["indicator"])
            files = sorted(set(year_rows["source_file"]))
            for ind in catalog.indicators:
                if ind.code not in ever or ind.code in delivered:
                    continue
                lost = gap_consequence(catalog, ind.code, evaluated, int(year))
                if lost:
                    findings.append(Finding(
                        "region_gaps", "warning", "地区内至少有一个单位报送评价所需的指标", region, names.get(region),
                        int(year), f"{int(year)}年{whole_region(names.get(region, ''))}均未报送{ind.name_zh}：{lost}",
                        files))
    return findings


def series_findings(facts: pd.DataFrame, divisions: pd.DataFrame, catalog: Catalog,
                    params: dict[str, Any]) -> list[Finding]:
    """Every check across rows, in the order the analyst reads them."""
    jumps = jump_findings(facts, catalog, params["jumps"])
    return (completeness_findings(facts, divisions, params["missing_counties"])
            + dropped_column_findings(facts, catalog)
            + jumps + review_findings(facts, catalog, params["jumps"], jumps))
