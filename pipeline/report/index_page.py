"""reports/index.html: one self-contained page for reviewers (no scripts, no CDN).

Every region and county of the report year with its headline figures and
links to its HTML notebook and to the validation Data Docs.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from pipeline.config import write_atomic
from pipeline.report.trends import SYNTHETIC_NOTE_ZH, fmt_pct, is_synthetic, load_report_data

STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:2rem;color:#222;max-width:72rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid #1f4e79}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}th,td{border:1px solid #ccc;padding:.35rem .6rem;text-align:right}
th{background:#ddebf7}td.name,th.name{text-align:left}.warn{color:#c00000;font-weight:600}
.banner{background:#fff3cd;border:1px solid #e0c060;padding:.6rem 1rem;margin:1rem 0}.muted{color:#666;font-size:.9rem}
"""


def _cell(text: str, cls: str = "") -> str:
    return f'<td class="{cls}">{text}</td>' if cls else f"<td>{text}</td>"


def county_rows(data, region: str, year: int, jobs) -> list[str]:
    rows = []
    county = data.county[(data.county["region_code"] == region) & (data.county["year"] == year)]
    by = county.set_index(["county_code", "measure"])
    for job in (j for j in jobs if j.region == region and j.county):
        code = job.county

        def get(m: str, col: str = "value", code=code):
            return by.loc[(code, m), col] if (code, m) in by.index else None

        share, change = get("new_onset_share"), get("new_onset_share", "yoy_change")
        pyramid = get("pyramid_holds")
        link = (job.relative_dir() / "county.html").as_posix()
        pyr = "—" if pyramid is None or pd.isna(pyramid) else ("是" if pyramid == 1 else '<span class="warn">否</span>')
        chg = "—" if change is None or pd.isna(change) else f"{change:+.1f}"
        up = change is not None and not pd.isna(change) and change >= 2
        rows.append("<tr>" + "".join([
            _cell(html.escape(f"{data.name(code)}"), "name"), _cell(code),
            _cell(fmt_pct(share)), _cell(f'<span class="warn">{chg}</span>' if up else chg),
            _cell(fmt_pct(get("form1_share"))), _cell(pyr),
            _cell(f'<a href="notebooks/{html.escape(link)}">分析报告</a>', "name"),
        ]) + "</tr>")
    return rows


def render_index(root: Path, params: dict, jobs) -> str:
    data = load_report_data(root)
    year = int(params["report"]["year"])
    regions = list(dict.fromkeys(j.region for j in jobs))
    parts = [f"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>政治生态监测分析 {year} 年度</title>",
             f"<style>{STYLE}</style></head><body>", f"<h1>政治生态监测分析 · {year} 年度 · 报告索引</h1>"]
    if any(is_synthetic(r) for r in regions):
        parts.append(f'<div class="banner">⚠ 本页及所链接报告使用{SYNTHETIC_NOTE_ZH}，地区、县区与数值均为虚构。</div>')
    parts.append('<p class="muted">数据校验结果：<a href="data_docs/index.html">Great Expectations 数据文档</a>'
                 ' · <a href="validation/summary.json">校验摘要（JSON）</a>。全国对比数据来源：中央纪委国家监委年度通报（各图下注明）。</p>')
    for region in regions:
        region_job = next(j for j in jobs if j.region == region and not j.county)
        link = (region_job.relative_dir() / "region.html").as_posix()
        parts.append(f"<h2>{html.escape(data.name(region))}（{region}）</h2>")
        parts.append(f'<p><a href="notebooks/{html.escape(link)}">全市各县区分析</a></p>')
        parts.append("<table><thead><tr><th class=\"name\">县区</th><th>区划代码</th>"
                     f"<th>新发生案件占比（{year}）</th><th>同比（个百分点）</th><th>第一种形态占比</th>"
                     "<th>四种形态呈金字塔</th><th class=\"name\">报告</th></tr></thead><tbody>")
        parts += county_rows(data, region, year, jobs)
        parts.append("</tbody></table>")
    parts.append('<p class="muted">同比上升 2 个百分点及以上、四种形态未呈金字塔的以红色标出。'
                 "所有数值可在各县区报告末尾的数据一览中追溯到报送文件的单元格。</p></body></html>")
    return "\n".join(parts) + "\n"


def write_index(root: Path, params: dict, jobs) -> Path:
    target = root / "reports" / "index.html"
    text = render_index(root, params, jobs)
    write_atomic(target, lambda p: p.write_text(text, encoding="utf-8"))
    return target
