"""The reviewer's validation page (reports/validation/index.html): every check and its result, in Chinese.

Great Expectations' own Data Docs load Bootstrap, Font Awesome, Vega and a
logo from the internet; on a commission's intranet they show unstyled with
empty tables, in English, with indicator codes. This page is the one the
reviewer index links: one self-contained file (inline style, no script, no
address outside the page), the region-wide gaps first, then each failed
check with the file, row and cell it came from, then every check that ran.
The Data Docs stay beside it for those who want them.
"""

from __future__ import annotations

from html import escape
from typing import Any

from pipeline.catalog import Catalog

SUITES = {"facts": "单元格", "county_year": "表内关系", "indicator_ranges": "取值范围",
          "completeness": "报送完整", "jumps": "与上年相比", "review": "偏离本县区历年数值",
          "dropped_columns": "往期有、本期缺的列", "region_gaps": "全地区缺报"}
# columns of the warehouse that are not catalog measures, as a reviewer reads them
COLUMNS = {"region_code": "地区代码", "indicator": "指标代码", "value": "数值", "source_file": "来源文件",
           "source_row": "来源行号", "source_cell": "来源单元格", "source_column": "来源列",
           "four_forms_parts_sum": "四类形态之和", "reported_share_gap_pp": "自报占比与计算值之差（百分点）",
           "level": "单位级别", "county_name": "县区名称"}
SEVERITY = {"critical": "必须满足", "warning": "提示"}
STYLE = ("body{font-family:'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif;margin:2em auto;"
         "max-width:1100px;color:#222;line-height:1.6}h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.6em;"
         "border-bottom:2px solid #dde5ee}table{border-collapse:collapse;width:100%;font-size:14px}"
         "th,td{border:1px solid #ccd;padding:4px 8px;vertical-align:top;text-align:left}th{background:#eef3f8}"
         ".ok{color:#1a7f37}.bad{color:#b42318;font-weight:bold}.warn{color:#9a6700}"
         ".banner{padding:.6em 1em;border-radius:4px}.banner.ok{background:#e6f4ea}.banner.bad{background:#fde2e1}"
         ".muted{color:#667}td:nth-child(1),.rules td:nth-child(4),.rules td:nth-child(5){white-space:nowrap}"
         ".findings td:nth-child(2),.findings td:nth-child(3){white-space:nowrap}")


def _rows(cells: list[list[str]]) -> str:
    return "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in cells)


def _table(head: list[str], cells: list[list[str]], css: str = "") -> str:
    return (f"<table class='{css}'><thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr></thead><tbody>"
            + _rows(cells) + "</tbody></table>")


def _finding_cells(findings: list[Any]) -> list[list[str]]:
    """A failure per row: where (file, row, cell), which place and year, the rule, what was found."""
    out = []
    for f in findings:
        where = "<br>".join(escape(s) for s in f.sources) or "—"
        who = escape(f"{f.county_code or ''} {f.county_name or ''}".strip()) or "—"
        out.append([where, who, escape(str(f.year) if f.year else "—"), escape(f.rule), escape(f.found)])
    return out


def expectation_columns(kwargs: dict[str, Any]) -> list[str]:
    """The columns an expectation checks, whatever its kind (one column, a pair, a list)."""
    if "column" in kwargs:
        return [kwargs["column"]]
    if "column_A" in kwargs:
        return [kwargs["column_A"], kwargs["column_B"]]
    return list(kwargs.get("column_list", []))


def _columns_zh(kwargs: dict, catalog: Catalog) -> str:
    cols = expectation_columns(kwargs)
    keys = {k.code: k.name_zh for k in catalog.keys.values()}
    return "、".join(catalog.name(c) if c in catalog else keys.get(c) or COLUMNS.get(c, c) for c in cols)


def check_cells(records: list[dict], catalog: Catalog) -> list[list[str]]:
    """Every expectation that ran: its group, rule, columns, strength and result."""
    cells = []
    for r in records:
        failed = len(r["unexpected_index_list"])
        result = ('<span class="ok">通过</span>' if r["success"] else
                  f'<span class="bad">未通过（{failed} 行）</span>' if r["severity"] == "critical" else
                  f'<span class="warn">未通过（{failed} 行，提示）</span>')
        if r["exception"]:
            result = '<span class="bad">无法执行</span>'
        cells.append([escape(SUITES.get(r["suite"], r["suite"])), escape(r["rule"]),
                      escape(_columns_zh(r["kwargs"], catalog)), SEVERITY.get(r["severity"], r["severity"]), result])
    return cells


def applicable(records: list[dict], levels: set[str] | None) -> tuple[list[dict], list[dict]]:
    """(the rules that apply to the places checked, the ranges of levels none of them is): a city of counties
    is not shown the plausible ranges of prefectures and provinces, which checked nothing."""
    if levels is None:
        return records, []
    keep = [r for r in records if not r.get("level") or r["level"] in levels]
    return keep, [r for r in records if r.get("level") and r["level"] not in levels]


def page(records: list[dict], findings: list[Any], summary: dict, catalog: Catalog, synthetic: bool,
         levels: set[str] | None = None) -> str:
    """The whole page as one string (same inputs, same bytes)."""
    gaps = [f for f in findings if f.suite == "region_gaps"]
    critical = [f for f in findings if f.severity == "critical"]
    warnings = [f for f in findings if f.severity != "critical" and f.suite != "region_gaps"]
    passed = summary["passed"]
    banner = (f'<p class="banner ok">校验通过：{summary["expectations"]} 条规则全部满足必须项，'
              f'{summary["rows"]["facts"]} 个数值已进入数据仓库。</p>' if passed else
              f'<p class="banner bad">校验未通过：{summary["failed_critical"]} 条必须满足的规则未通过，'
              "数据仓库保持上次通过校验的版本。请按下表修改报送文件后重新运行。</p>")
    head = ["位置（文件、行、单元格）", "单位", "年度", "规则", "实际"]
    parts = [f"<h1>数据校验结果</h1>{banner}"]
    if synthetic:
        parts.append('<p class="warn">含合成演示数据（虚构，非真实统计）。</p>')
    if gaps:
        parts.append("<h2>全地区缺报（影响评价，请先补齐）</h2><ul>"
                     + "".join(f"<li>{escape(f.county_name or f.county_code)}：{escape(f.found)}</li>" for f in gaps)
                     + "</ul>")
    if critical:
        parts.append(f"<h2>未通过的必须规则（{len(critical)} 处）</h2>" + _table(head, _finding_cells(critical), "findings"))
    if warnings:
        parts.append(f"<h2>提示（不阻断，{len(warnings)} 处）</h2>" + _table(head, _finding_cells(warnings), "findings"))
    shown, other_levels = applicable(records, levels)
    parts.append(f"<h2>适用的校验规则（{len(shown)} 条）</h2>"
                 + _table(["类别", "规则", "涉及指标", "要求", "结果"], check_cells(shown, catalog), "rules"))
    if other_levels:
        names = "、".join(dict.fromkeys(catalog.levels[r["level"]].name_zh for r in other_levels
                                        if r["level"] in catalog.levels))
        parts.append(f'<p class="muted">另有 {len(other_levels)} 条合理范围规则只适用于{names}单位，本次报送中没有这样的'
                     "单位，未列出。</p>")
    settings = list(dict.fromkeys(r["setting"] for r in shown if r.get("setting")))
    if settings:
        parts.append('<p class="muted">设置：合理范围来自 data/reference/indicators.yaml（各指标的 ranges）和 levels.'
                     "&lt;级别&gt;.scale；核实无误的数值超出合理范围时，在那里调整后重新运行。</p>")
    parts.append('<p class="muted">Great Expectations 生成的原始报告（英文，需联网加载样式）：'
                 '<a href="../data_docs/index.html">data_docs/index.html</a>；机器可读的摘要：'
                 '<a href="summary.json">summary.json</a>。</p>')
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>数据校验结果</title>'
            f"<style>{STYLE}</style></head><body>{''.join(parts)}</body></html>\n")
