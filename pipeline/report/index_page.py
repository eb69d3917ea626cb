"""reports/index.html: one self-contained page for reviewers (no scripts, no CDN).

Every region and county of the report year with its headline figures, its
grade with the probability of that grade, its rank interval, its warnings
(coloured by the highest severity: red high, amber medium, green low or none),
and links to its notebook, its Word write-up and the region's Excel workbook. Every word comes
from the phrase tables; every mark (a red change, a pyramid that does not
hold) is a column of the marts, not a threshold of this page.
"""

from __future__ import annotations

import html
from pathlib import Path

from pipeline.config import write_atomic
from pipeline.report.data import (
    ReportData,
    county_rows,
    evaluation_rows,
    is_synthetic,
    load_report_data,
)
from pipeline.report.fmt import is_false, missing, percent_text, signed_change, value_text

STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:2rem;color:#222;max-width:80rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid #1f4e79}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}th,td{border:1px solid #ccc;padding:.35rem .6rem;text-align:right}
th{background:#ddebf7}td.name,th.name{text-align:left}.warn{color:#c00000;font-weight:600}
.sev-high{background:#f8d0d0;color:#9c0006;font-weight:600}.sev-medium{background:#fff0c2;color:#7a5300}
.sev-low,.sev-none{background:#daf0da;color:#1e5e1e}
.banner{background:#fff3cd;border:1px solid #e0c060;padding:.6rem 1rem;margin:1rem 0}.muted{color:#666;font-size:.9rem}
"""
SEVERITY_ORDER = ("high", "medium", "low")


def _cell(text: str, cls: str = "") -> str:
    return f'<td class="{cls}">{text}</td>' if cls else f"<td>{text}</td>"


def _warn(text: str, flag: bool) -> str:
    return f'<span class="warn">{text}</span>' if flag else text


def county_row(data: ReportData, job, year: int) -> str:
    w, cat = data.words, data.catalog
    code = job.county
    rows = county_rows(data, code, year)

    def get(m: str, col: str = "value"):
        return rows.loc[m, col] if m in rows.index else None

    share = get("new_onset_share")
    pyramid = get("pyramid_holds")
    pyr = w("none_mark") if missing(pyramid) else _warn(w("word_yes") if pyramid == 1 else w("word_no"), pyramid == 0)
    change = signed_change(cat, get("new_onset_share", "yoy_change"), get("new_onset_share", "yoy_unit"), w)
    grade, rank, warnings, severity = w("none_mark"), w("none_mark"), w("none_mark"), ""
    ev = evaluation_rows(data, year, county=code)
    if len(ev) and not missing(ev["index"].iloc[0]):
        e = ev.iloc[0]
        label = w.raw("grades").get(e["grade"], e["grade"])
        unstable = is_false(e["stable"])
        grade = _warn(w("index.grade_cell", grade=label, p=percent_text(e["grade_probability"]))
                      + (w("chart.unstable") if unstable else ""), unstable)
        rank = w("index.rank_cell", rank=int(e["rank"]), low=int(e["rank_p05"]), high=int(e["rank_p95"]),
                 n=int(e["counties_graded"]))
    if "county_code" in data.warnings.columns:  # the warnings stage ran (an empty mart: no warning anywhere)
        mine = data.warnings[(data.warnings["county_code"] == code) & (data.warnings["year"] == year)]
        if len(mine):
            top = next(s for s in SEVERITY_ORDER if s in set(mine["severity"]))
            warnings, severity = w("index.warnings_cell", n=len(mine), severity=w("severity." + top)), f"sev-{top}"
        else:
            warnings, severity = "0", "sev-none"
    folder = html.escape(job.relative_dir().as_posix())
    links = (f'<a href="notebooks/{folder}/county.html">{w("index.notebook")}</a> · '
             f'<a href="notebooks/{folder}/writeup.docx">{w("index.writeup")}</a>')
    return "<tr>" + "".join([
        _cell(html.escape(data.name(code)), "name"), _cell(code),
        _cell(value_text(cat, "new_onset_share", share)),
        _cell(_warn(change, get("new_onset_share", "judgement") == "worse")),
        _cell(value_text(cat, "form1_share", get("form1_share"))), _cell(pyr), _cell(grade), _cell(rank),
        _cell(warnings, severity), _cell(links, "name"),
    ]) + "</tr>"


def region_overview(data: ReportData, jobs, regions: list[str], year: int) -> list[str]:
    """One row per region linking to its section: counties, grades, warnings, unstable grades (a province has ~16)."""
    w = data.words
    head = w.raw("index.overview_columns")
    rows = [f"<h2>{html.escape(w('index.overview'))}</h2>", "<table><thead><tr>" + "".join(
        f'<th class="name">{html.escape(h)}</th>' if i in (0, len(head) - 1) else f"<th>{html.escape(h)}</th>"
        for i, h in enumerate(head)) + "</tr></thead><tbody>"]
    grades = w.raw("grades")
    for region in regions:
        counties = [j.county for j in jobs if j.region == region and j.county]
        ev = evaluation_rows(data, year, region=region)
        graded = ev[ev["county_code"].isin(counties)] if len(ev) else ev
        labels = [c[2:] for c in data.evaluation.columns if c.startswith("p_")]  # the grades, best first
        dist = " · ".join(w("index.overview_grades", grade=grades.get(g, g), n=int((graded["grade"] == g).sum()))
                          for g in labels) if len(graded) else w("none_mark")
        unstable = int((graded["stable"] == False).sum()) if len(graded) else 0  # noqa: E712
        warned, high = w("none_mark"), 0
        if "county_code" in data.warnings.columns:
            mine = data.warnings[(data.warnings["region_code"] == region) & (data.warnings["year"] == year)]
            high = mine.loc[mine["severity"] == "high", "county_code"].nunique()
            warned = w("index.overview_warned", n=mine["county_code"].nunique(), high=high)
        folder = html.escape(next(j for j in jobs if j.region == region and not j.county).relative_dir().as_posix())
        rows.append("<tr>" + "".join([
            _cell(f'<a href="#r{region}">{html.escape(data.name(region))}</a>', "name"), _cell(region),
            _cell(str(len(counties))), _cell(dist), _cell(warned, "sev-high" if high else ""),
            _cell(_warn(str(unstable), unstable > 0)),
            _cell(f'<a href="notebooks/{folder}/region.html">{w("index.notebook")}</a>', "name"),
        ]) + "</tr>")
    rows.append("</tbody></table>")
    return rows


def render_index(root: Path, params: dict, jobs) -> str:
    data = load_report_data(root)
    w = data.words
    year = int(params["report"]["year"])
    regions = list(dict.fromkeys(j.region for j in jobs))
    title = w("index.title", year=year)
    parts = [f"<!DOCTYPE html><html lang=\"{'zh-CN' if w.lang == 'zh' else 'en'}\"><head><meta charset=\"utf-8\">"
             f"<title>{html.escape(title)}</title>", f"<style>{STYLE}</style></head><body>",
             f'<h1 id="top">{html.escape(title)}</h1>']
    if any(is_synthetic(r) for r in regions):
        parts.append(f'<div class="banner">⚠ {html.escape(w("index.synthetic", note=w("synthetic_note")))}</div>')
    parts.append(f'<p class="muted">{w("index.validation")}</p>')
    if len(regions) > 1:  # a province: the overview first, each region's section one click away
        parts += region_overview(data, jobs, regions, year)
    head = w.raw("index.columns")
    for region in regions:
        region_job = next(j for j in jobs if j.region == region and not j.county)
        folder = region_job.relative_dir().as_posix()
        back = f' <a class="muted" href="#top">{html.escape(w("index.back_to_top"))}</a>' if len(regions) > 1 else ""
        parts.append(f'<h2 id="r{region}">{html.escape(data.label(region))}{back}</h2>')
        parts.append(f'<p><a href="notebooks/{html.escape(folder)}/region.html">{w("index.region_notebook")}</a> · '
                     f'<a href="notebooks/{html.escape(folder)}/writeup.docx">{w("index.region_writeup")}</a> · '
                     f'<a href="notebooks/{html.escape(folder)}/workbook.xlsx">{w("index.region_workbook")}</a></p>')
        parts.append("<table><thead><tr>" + "".join(
            f'<th class="name">{html.escape(h)}</th>' if i in (0, len(head) - 1) else f"<th>{html.escape(h)}</th>"
            for i, h in enumerate(x.format(year=year) for x in head)) + "</tr></thead><tbody>")
        parts += [county_row(data, j, year) for j in jobs if j.region == region and j.county]
        parts.append("</tbody></table>")
    parts.append(f'<p class="muted">{html.escape(w("index.footer"))}</p></body></html>')
    return "\n".join(parts) + "\n"


def write_index(root: Path, params: dict, jobs) -> Path:
    target = root / "reports" / "index.html"
    text = render_index(root, params, jobs)
    write_atomic(target, lambda p: p.write_text(text, encoding="utf-8"))
    return target
