"""reports/index.html: one self-contained page for reviewers (no scripts, no CDN).

Every region and county of the report year with its headline figures, its
grade with the probability of that grade, its rank interval, its warnings
(coloured by the highest severity: red high, amber medium, green low or none),
and links to its notebook, its Word write-up and the region's Excel workbook. Every word comes
from the phrase tables; every mark (a red change, a pyramid that does not
hold) is a finding (data/marts/findings.parquet), not a threshold of this page, and every count
(grades, warned places, unstable grades) is the findings stage's.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.report.data import ReportData, is_synthetic, load_report_data
from pipeline.report.notebooks.jobs import output
from pipeline.report.notice import warned_findings
from pipeline.report.phrasing import evidence, finding, findings_of
from pipeline.report.view_parts import change_cell, findings_where, printed_cell

STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:2rem;color:#222;max-width:80rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid #1f4e79}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}th,td{border:1px solid #ccc;padding:.35rem .6rem;text-align:right}
th{background:#ddebf7}td.name,th.name{text-align:left}td.place,td.nowrap{white-space:nowrap}.warn{color:#c00000;font-weight:600}
.sev-high{background:#f8d0d0;color:#9c0006;font-weight:600}.sev-medium{background:#fff0c2;color:#7a5300}
.sev-low,.sev-none{background:#daf0da;color:#1e5e1e}
.banner{background:#fff3cd;border:1px solid #e0c060;padding:.6rem 1rem;margin:1rem 0}.muted{color:#666;font-size:.9rem}
"""


def _cell(text: str, cls: str = "") -> str:
    return f'<td class="{cls}">{text}</td>' if cls else f"<td>{text}</td>"


def _warn(text: str, flag: bool) -> str:
    return f'<span class="warn">{text}</span>' if flag else text


@dataclass(frozen=True)
class Links:
    """Where a page sits: `base` leads from it to reports/notebooks/, `up` to reports/."""
    base: str
    up: str
    years: tuple[int, ...] = ()

    def year_page(self, year: int, latest: int) -> str:
        return f"{self.up}index.html" if year == latest else f"{self.base}{YEAR_PAGE.format(year=year)}"


YEAR_PAGE = "index-{year}.html"  # one page per report year kept, in reports/notebooks/


def county_row(data: ReportData, job, year: int, warned: dict, links: Links, made: dict | None = None) -> str:
    """One place: its headline figures (mart), and what the findings say of them, its grade and its warnings.
    `made` keeps a place-year's cells for the next page that lists it (the latest year is on two pages, its
    own and reports/index.html, which differ only in where their links lead)."""
    made = {} if made is None else made
    key = (job.county, year)
    if key not in made:
        made[key] = row_made(data, job.county, year, warned)
    cells, noticed = made[key]
    return "<tr>" + "".join([*cells, _cell(_pages(data, job, year, links, noticed), "name")]) + "</tr>"


def row_made(data: ReportData, code: str, year: int, warned: dict) -> tuple[list[str], bool]:
    """A place-year's cells before its links, and whether it has a notice (the one link that depends on it)."""
    return _row_cells(data, code, year, warned), bool(warned_findings(data, code, year))


def _row_cells(data: ReportData, code: str, year: int, warned: dict) -> list[str]:
    """A place's cells before its links: name, code, new-onset share and its change, the four forms, grade,
    rank, warnings and main problems."""
    w = data.words
    figures = data.figures(code, year).text

    def get(m: str, col: str = "value"):
        return figures.loc[m, col] if m in figures.index else None

    trend, shape, g, stability = row_findings(data, code, year)
    pyr = w("none_mark") if shape is None or shape["verdict"] == "total_only" else _warn(
        w("word_yes") if shape["verdict"] == "holds" else w("word_no"), shape["polarity"] == "problem")
    change = change_cell(data, get("new_onset_share", "yoy"), get("new_onset_share", "yoy_unit"))
    grade, rank, warnings, severity = w("none_mark"), w("none_mark"), w("none_mark"), ""
    if g is not None:
        ev, st = evidence(g), (evidence(stability) if stability is not None else None)
        unstable = stability is not None and stability["verdict"] == "unstable"
        label = w.raw("grades").get(ev["grade"], ev["grade"])
        if any(v["verdict"] == "lowered" for v in findings_where(data, code, year, ("veto",))):
            label += w("writeup.county_table.capped")  # the grade a veto lowered, as the region table marks it
        grade = _warn(w("index.grade_cell", grade=label, p=st["probability_text"] if st else w("none_mark"))
                      + (w("chart.unstable") if unstable else ""), unstable)
        rank = (w("index.rank_cell", rank=ev["rank"], low=st["rank_p05_text"], high=st["rank_p95_text"], n=ev["of"])
                if st else f"{ev['rank']}/{ev['of']}")
    if warned is not None:  # the warnings stage ran: a place without a warning has none
        mine = warned.get(code)
        warnings, severity = ((w("index.warnings_cell", n=mine["count"], severity=w("severity." + mine["severity"])),
                               f"sev-{mine['severity']}") if mine else ("0", "sev-none"))
    return [_cell(html.escape(data.name(code)), "name place"), _cell(code),
            _cell(printed_cell(data, get("new_onset_share"))),
            _cell(_warn(change, worse_on_the_year(trend)), "nowrap"),
            _cell(printed_cell(data, get("form1_share"))), _cell(pyr), _cell(grade), _cell(rank),
            _cell(warnings, severity), _cell(html.escape(main_problems(data, code, year)), "name")]


def _pages(data: ReportData, job, year: int, links: Links, noticed: bool) -> str:
    """A place's reports: page, write-up, notice (when it has one), and its reports of the other years kept."""
    w = data.words
    folder = html.escape(job.relative_dir().as_posix())
    pages = (f'<a href="{links.base}{folder}/{output("county", "page")}">{w("index.notebook")}</a> · '
             f'<a href="{links.base}{folder}/{output("county", "writeup")}">{w("index.writeup")}</a>')
    if noticed:  # the same cells the notice is written from
        pages += f' · <a href="{links.base}{folder}/{output("county", "notice")}">{w("index.notice")}</a>'
    others = [y for y in links.years if y != year]
    if others:  # the same place's reports of the other years kept, newest first
        pages += "<br>" + " ".join(
            f'<a class="muted" href="{links.base}{html.escape(replace(job, year=y).relative_dir().as_posix())}/'
            f'{output("county", "page")}">{y}</a>' for y in sorted(others, reverse=True))
    return pages


def worse_on_the_year(trend) -> bool:
    """Red for the change on the year when the finding's comparison with last year is worse beyond the flat
    band (略有上升 or 明显上升): the colour says what the cell shows, not the verdict of the whole trend (a
    share that fell 1.8 points but stays above its baseline is a problem, and its fall is not red)."""
    if trend is None:
        return False
    comps = evidence(trend).get("comparisons", [])
    return any(c["basis"] == "previous_year" and c["side"] == "worse" and c.get("size", "marked") != "level"
               for c in comps)


def main_problems(data: ReportData, code: str, year: int) -> str:
    """The place's main problems, as its write-up heads them, by the findings' priority: what matters most."""
    from pipeline.report.phrasing import Phraser
    from pipeline.report.sentences import problem_heading, trend_opening

    if findings_of(data, code, year).empty:
        return data.words("none_mark")
    placed = data.outline(code, year)
    p = Phraser(data)
    # a trend problem by its measure's name (the column is short), another by its heading
    names = [opening[1] if (opening := trend_opening(p, r)) else problem_heading(p, r)
             for r in placed.get("problems", [])]
    return data.words.sep.join(dict.fromkeys(names)) or data.words("index.no_problem")


def row_findings(data: ReportData, code: str, year: int) -> list:
    """The findings a place's row states: the new-onset verdict, the four forms, the grade and its stability."""
    return [finding(data, code, year, "trend", "new_onset_share"), finding(data, code, year, "four_forms_shape"),
            finding(data, code, year, "grade"), finding(data, code, year, "grade_stability")]


def warned_places(data: ReportData, region: str, year: int) -> dict | None:
    """Each warned place's warnings count and highest severity, from the region's finding; None when the
    warnings stage has not run."""
    if "county_code" not in data.warnings.columns:
        return None
    f = finding(data, region, year, "units_warned")
    return {} if f is None else evidence(f)["by_place"]


def region_overview(data: ReportData, jobs, regions: list[str], year: int, links: Links) -> list[str]:
    """One row per region linking to its section: places, grades, warnings, unstable grades (a province has ~16)."""
    w = data.words
    head = w.raw("index.overview_columns")
    rows = [f"<h2>{html.escape(w('index.overview'))}</h2>", "<table><thead><tr>" + "".join(
        f'<th class="name">{html.escape(h)}</th>' if i in (0, len(head) - 1) else f"<th>{html.escape(h)}</th>"
        for i, h in enumerate(head)) + "</tr></thead><tbody>"]
    grades = w.raw("grades")
    for region in regions:
        coverage = finding(data, region, year, "coverage")
        in_scope = evidence(coverage)["in_scope"] if coverage is not None else w("none_mark")
        dist = finding(data, region, year, "grade_distribution")
        dist_text = (" · ".join(w("index.overview_grades", grade=grades.get(g, g), n=n)
                                for g, n in evidence(dist)["counts"]) if dist is not None else w("none_mark"))
        unstable_f = finding(data, region, year, "units_unstable")
        unstable = evidence(unstable_f)["count"] if unstable_f is not None else 0
        warned_f = finding(data, region, year, "units_warned")
        warned, high = w("none_mark"), 0
        if "county_code" in data.warnings.columns:
            high = evidence(warned_f)["high_places"] if warned_f is not None else 0
            warned = w("index.overview_warned", n=evidence(warned_f)["places"] if warned_f is not None else 0,
                       high=high)
        folder = html.escape(next(j for j in jobs if j.region == region and not j.county).relative_dir().as_posix())
        rows.append("<tr>" + "".join([
            _cell(f'<a href="#r{region}">{html.escape(data.name(region))}</a>', "name"), _cell(region),
            _cell(str(in_scope)), _cell(dist_text), _cell(warned, "sev-high" if high else ""),
            _cell(_warn(str(unstable), unstable > 0)),
            _cell(f'<a href="{links.base}{folder}/{output("region", "page")}">{w("index.notebook")}</a>', "name"),
        ]) + "</tr>")
    rows.append("</tbody></table>")
    return rows


def year_nav(data: ReportData, year: int, links: Links) -> str:
    """Every report year kept, newest first; the one shown is not a link."""
    latest = max(links.years)
    items = [html.escape(str(y)) if y == year else f'<a href="{links.year_page(y, latest)}">{y}</a>'
             for y in sorted(links.years, reverse=True)]
    return f'<p class="years">{html.escape(data.words("index.years"))}' + " · ".join(items) + "</p>"


def render_index(root: Path, year: int, jobs, links: Links, periods: list[tuple] = (), made: dict | None = None) -> str:
    """The page of one report year: `jobs` are that year's; `links` places the page and lists every year; `made`:
    the places' cells already made for another page (county_row)."""
    data = load_report_data(root)
    w = data.words
    jobs = [j for j in jobs if j.year == year]
    regions = list(dict.fromkeys(j.region for j in jobs))
    title = w("index.title", year=year)
    parts = [f"<!DOCTYPE html><html lang=\"{'zh-CN' if w.lang == 'zh' else 'en'}\"><head><meta charset=\"utf-8\">"
             f"<title>{html.escape(title)}</title>", f"<style>{STYLE}</style></head><body>",
             f'<h1 id="top">{html.escape(title)}</h1>']
    if any(is_synthetic(r) for r in regions):
        parts.append(f'<div class="banner">⚠ {html.escape(w("index.synthetic", note=w("synthetic_note")))}</div>')
    if len(links.years) > 1:
        parts.append(year_nav(data, year, links))
    parts.append(f'<p class="muted">{w("index.validation", up=links.up)}</p>')
    if len(regions) > 1:  # a province: the overview first, each region's section one click away
        parts += region_overview(data, jobs, regions, year, links)
    head = w.raw("index.columns")
    for region in regions:
        region_job = next(j for j in jobs if j.region == region and not j.county)
        folder = region_job.relative_dir().as_posix()
        back = f' <a class="muted" href="#top">{html.escape(w("index.back_to_top"))}</a>' if len(regions) > 1 else ""
        parts.append(f'<h2 id="r{region}">{html.escape(data.label(region))}{back}</h2>')
        region_links = [(output("region", role), w(f"index.{label}")) for role, label in
                 (("page", "region_notebook"), ("writeup", "region_writeup"), ("workbook", "region_workbook"))]
        parts.append("<p>" + " · ".join(f'<a href="{links.base}{html.escape(folder)}/{name}">{text}</a>'
                                          for name, text in region_links) + "</p>")
        parts.append("<table><thead><tr>" + "".join(
            f'<th class="name">{html.escape(h)}</th>' if i in (0, len(head) - 1) else f"<th>{html.escape(h)}</th>"
            for i, h in enumerate(x.format(year=year) for x in head)) + "</tr></thead><tbody>")
        warned = warned_places(data, region, year)
        parts += [county_row(data, j, year, warned, links, made) for j in jobs if j.region == region and j.county]
        parts.append("</tbody></table>")
    parts += period_section(root, data, year, links, periods)
    parts.append(f'<p class="muted">{html.escape(w("index.footer"))}</p></body></html>')
    return "\n".join(parts) + "\n"


def period_section(root: Path, data: ReportData, year: int, links: Links, periods: list[tuple]) -> list[str]:
    """The period reports of the year (a region that delivered only part of it): the region's and its places'
    (`periods`: the stage's plan, pipeline.report.period_reports.period_plan)."""
    from pipeline.periods import label

    w = data.words
    plan = [entry for entry in periods if entry[1] == year]
    if not plan:
        return []
    out = [f"<h2>{html.escape(w('index.period_heading', year=year))}</h2><ul>"]
    for region, _, period, places in plan:  # the places write_period_reports wrote
        folder = f"{links.base}{region}/{year}-{period}"
        items = [f'<a href="{folder}/{output("region", "writeup")}">{html.escape(data.name(region))}</a>']
        items += [f'<a href="{folder}/{c}/{output("county", "writeup")}">{html.escape(data.name(c))}</a>' for c in places]
        out.append(f"<li>{html.escape(label(year, period, w.lang))}：" + " · ".join(items) + "</li>")
    return [*out, "</ul>"]


def index_pages(root: Path, jobs, periods: list[tuple] = (), keys: dict | None = None
                ) -> tuple[dict[str, str], str]:
    """The page of every year kept (file name in reports/notebooks -> HTML), each linking the others and
    listing the year's period reports (`periods`), and reports/index.html: the latest year's page. `keys`:
    each job's input key (the notebooks stage's), under which its place's cells are kept for the next run."""
    # a year delivered only in part by every region has no job: its page lists its period reports
    years = tuple(sorted({j.year for j in jobs} | {entry[1] for entry in periods}))
    made: dict = kept_rows(root, [j for j in jobs if j.county], keys) if keys else {}
    pages = {YEAR_PAGE.format(year=year): render_index(root, year, jobs, Links("", "../", years), periods, made)
             for year in years}
    return pages, render_index(root, years[-1], jobs, Links("notebooks/", "", years), periods, made)


def kept_rows(root: Path, jobs, keys: dict) -> dict:
    """(county, year) -> the place's cells and whether it has a notice, for every county job: read back from
    build/cache/index_rows under the job's input key, which digests all a row is made from (its region's rows
    of the marts the reports read, the rendering code, the words, the settings), or made and kept. A county
    corrected remakes its region's rows only: the province's index 2.2 s -> 0.7 s."""
    from pipeline.stage_cache import StageCache

    cache = StageCache(root, "index_rows", "index-rows-1")
    parts = {f"{j.county}/{j.year}": j for j in jobs}

    def compute(missing: list[str]) -> dict[str, tuple[list[str], bool]]:
        data = load_report_data(root)
        jobs_missing = [parts[part] for part in missing]
        warned = {(r, y): warned_places(data, r, y) for r, y in dict.fromkeys((j.region, j.year) for j in jobs_missing)}
        return {part: row_made(data, j.county, j.year, warned[j.region, j.year])
                for part, j in zip(missing, jobs_missing, strict=True)}

    found = cache.parts({part: cache.key(part, keys[job]) for part, job in parts.items()}, compute)
    return {(parts[part].county, parts[part].year): value for part, value in found.items()}
