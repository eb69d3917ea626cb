"""End to end: the real `dvc repro` on a tmp copy of the repository."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import duckdb
import pytest
from conftest import REPO, run_cmd

pytestmark = pytest.mark.slow


def run(args: list[str], cwd: Path, check: bool = True):
    return run_cmd(args, cwd, check)


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory) -> Path:
    """The repository's files as a fresh clone would have them, in a new Git repo."""
    dest = tmp_path_factory.mktemp("e2e") / "repo"
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    for rel in listed:
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    run(["git", "init", "-q"], dest)
    run(["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", "add", "-A"], dest)
    run(["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-qm", "copy"], dest)
    first = run(["dvc", "repro"], dest)
    for stage in ("ingest", "validate", "measures", "evaluate", "early_warning", "findings", "presentation",
                  "notebooks"):
        assert f"Running stage '{stage}'" in first.stdout, stage
    return dest


def test_repro_builds_warehouse_marts_metrics_and_docs(repo_copy):
    for rel in ["data/warehouse.duckdb", "data/marts/county_year_measures.parquet",
                "data/marts/region_year_measures.parquet", "metrics/new_onset_share.json",
                "plots/new_onset_share.csv", "reports/data_docs/index.html", "reports/validation/summary.json"]:
        assert (repo_copy / rel).is_file(), rel
    with duckdb.connect(str(repo_copy / "data/warehouse.duckdb"), read_only=True) as con:
        counties, years = con.execute("SELECT count(DISTINCT county_code), count(DISTINCT year) FROM facts").fetchall()[0]
        encodings = {r[0] for r in con.sql("SELECT DISTINCT coalesce(encoding, format) FROM deliveries").fetchall()}
    assert (counties, years) == (18, 10)
    assert encodings == {"gb18030", "utf-8", "utf-8-sig", "xlsx"}


def test_second_repro_does_nothing(repo_copy):
    again = run(["dvc", "repro"], repo_copy)
    assert "Running stage" not in again.stdout
    assert "Data and pipelines are up to date." in again.stdout


def test_metrics_and_plots_show(repo_copy, tmp_path):
    metrics = run(["dvc", "metrics", "show", "--json"], repo_copy).stdout
    assert '"990100"' in metrics and '"2017"' in metrics
    run(["dvc", "plots", "show", "-o", str(tmp_path / "plots")], repo_copy)
    html = (tmp_path / "plots" / "index.html").read_text(encoding="utf-8")
    # the spec is embedded as JSON with non-ASCII escaped
    for label in ["新发生案件占比", "城关区（990201）", "城关区（990101）", "县区"]:
        assert json.dumps(label)[1:-1] in html, label
    # offline: the chart library is in the page (the plots_template stage), nothing is loaded from elsewhere
    assert not re.search(r"<script[^>]+src=", html) and "cdn.jsdelivr" not in html
    assert "vegaEmbed('#new_onset_share_by_county'" in html
    chromium = shutil.which("chromium")
    if chromium:  # rendered with the network switched off: the chart is drawn from the inlined library
        with tempfile.TemporaryDirectory() as profile:
            dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                  "--disable-background-networking", f"--user-data-dir={profile}",
                                  "--proxy-server=127.0.0.1:9", "--virtual-time-budget=8000", "--dump-dom",
                                  (tmp_path / "plots" / "index.html").as_uri()],
                                 capture_output=True, text=True, timeout=120).stdout
        drawn = re.search(r'<div id="new_onset_share_by_county"[^>]*>.{0,400}?<svg', dom, re.S)
        assert drawn, "the plot was not drawn offline"


def test_bad_gbk_delivery_stops_at_validation_and_keeps_the_warehouse(repo_copy):
    path = repo_copy / "data/raw/990100/2016.csv"
    original = path.read_bytes()
    lines = original.decode("gbk").split("\r\n")
    header = lines[1].split(",")
    filed, onset = header.index("立案数（件）"), header.index("新发生案件数（件）")
    row_no = next(i for i, line in enumerate(lines) if line.startswith("990103,"))
    cells = lines[row_no].split(",")
    old_onset = float(cells[onset])
    cells[onset] = str(int(cells[filed]) + 7)
    lines[row_no] = ",".join(cells)
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    marts_before = (repo_copy / "data/marts/county_year_measures.parquet").read_bytes()
    try:
        proc = run(["dvc", "repro"], repo_copy, check=False)
    finally:
        path.write_bytes(original)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "Running stage 'validate'" in out and "Running stage 'measures'" not in out
    assert f"data/raw/990100/2016.csv 第 {row_no + 1} 行" in out
    assert "990103 河口区 2016 年" in out
    assert "立案数（件）" in out and "新发生案件数（件）" in out
    assert f"实际：立案数 = {cells[filed]}，新发生案件数 = {cells[onset]}" in out
    with duckdb.connect(str(repo_copy / "data/warehouse.duckdb"), read_only=True) as con:
        kept = con.execute("SELECT value FROM facts WHERE county_code = '990103' AND year = 2016 "
                           "AND indicator = 'new_onset_cases'").fetchall()[0][0]
    assert kept == old_onset
    assert (repo_copy / "data/marts/county_year_measures.parquet").read_bytes() == marts_before


def test_demo_counties_built_to_trip_warnings_do(repo_copy):
    import pandas as pd

    w = pd.read_parquet(repo_copy / "data/marts/warnings.parquet")
    got = set(zip(w["county_code"], w["year"], w["rule"], strict=True))
    expected = {
        ("990121", 2024, "new_onset_share_rising"), ("990201", 2023, "new_onset_share_rising"),
        ("990103", 2024, "petitions_jump"), ("990224", 2023, "petitions_jump"),
        ("990202", 2024, "integrity_satisfaction_falling"),
        ("990222", 2023, "accountability_rising"), ("990222", 2024, "accountability_rising"),
        ("990223", 2023, "pyramid_inverted"), ("990223", 2024, "pyramid_inverted"),
        *{("990124", y, "pyramid_inverted") for y in range(2021, 2025)},
    }
    assert expected <= got
    inverted = {c for c, _, r in got if r == "pyramid_inverted"}
    assert inverted == {"990124", "990223"}
    assert {c for c, y, r in got if r == "petitions_jump"} == {"990103", "990224"}


def test_demo_evaluation_grades_metrics_and_unstable_counties(repo_copy):
    import pandas as pd

    ev = pd.read_parquet(repo_copy / "data/marts/evaluation.parquet")
    latest = ev[ev["year"] == 2024]
    counts = latest.groupby("region_code")["grade"].value_counts().unstack(fill_value=0)
    # 青山县 ranks first but its new-onset share rose 3.2 points (30.3% -> 33.5%), more than the 3 of the demo's
    # veto: graded 较好 at best, and its 好 is not handed to another county
    assert counts.loc["990100", ["好", "较好", "一般", "差"]].tolist() == [1, 5, 3, 1]
    qingshan = latest.set_index("county_code").loc["990121"]
    assert (qingshan["rank"], qingshan["grade_before_veto"], qingshan["grade"]) == (1, "好", "较好")
    county = (repo_copy / "reports/notebooks/990100/2024/990121/writeup.md").read_text(encoding="utf-8")
    assert "按规定等次最高为“较好”，由“好”调整为“较好”" in county and "失分分析：与满分相比" in county
    region = (repo_copy / "reports/notebooks/990100/2024/writeup.md").read_text(encoding="utf-8")
    provisional = latest[(latest["region_code"] == "990100") & latest["provisional"]]
    assert f"{len(provisional)}个县区的等次为暂定" in region
    assert "| 青山县 | 67.8 | 1 | 1—3 | 较好（封顶） | 100% | 好 | 下降 |" in region
    assert counts.loc["990200", ["好", "较好", "一般"]].tolist() == [2, 3, 3]
    probs = latest[["p_好", "p_较好", "p_一般", "p_差"]].sum(axis=1)
    assert probs.round(9).eq(1).all()
    assert (latest["stable"] == (latest["grade_probability"] >= 0.7)).all()
    assert (latest["grade_probability"] == [r[f"p_{r['grade']}"] for _, r in latest.iterrows()]).all()
    assert (~latest["stable"]).sum() >= 1  # some grades are not robust on the demo data
    metrics = json.loads(run(["dvc", "metrics", "show", "--json"], repo_copy).stdout)
    flat = json.dumps(metrics, ensure_ascii=False)
    assert '"grade_counts"' in flat and '"好": 2' in flat  # dvc decodes the escapes


def test_region_notebook_shows_grades_and_warnings(repo_copy):
    html = (repo_copy / "reports/notebooks/990100/2024/region.html").read_text(encoding="utf-8")
    assert "综合评价等次及其稳健性" in html and "排名区间（5%–95%）" in html
    assert "2024 年预警" in html and "信访举报激增" in html
    county = (repo_copy / "reports/notebooks/990100/2024/990121/county.html").read_text(encoding="utf-8")
    assert "综合评价指数" in county and "新发生案件占比上升" in county


def test_demo_writeups_are_complete_and_traceable(repo_copy):
    from docx import Document
    from test_writeup import check_traceable

    from pipeline.report.data import load_report_data
    from pipeline.report.writeup import county_report, region_report

    data = load_report_data(repo_copy)
    base = repo_copy / "reports/notebooks"
    for county in ["990101", "990121", "990124", "990202", "990225"]:
        region = county[:4] + "00"
        folder = base / region / "2024" / county
        md = (folder / "writeup.md").read_text(encoding="utf-8")
        assert md.splitlines()[2].startswith("> 【合成演示数据】")
        doc = Document(str(folder / "writeup.docx"))
        # the sections in order, numbered without a gap; 上年问题整改情况 only where a 2023 report was issued
        # (data/issued/990100/2023.json ships with the demo; 990200 has no issued report)
        headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
        numbered = [h.split("、", 1) for h in headings if re.match(r"^[一二三四五六七]、", h)]
        titles = [t for _, t in numbered]
        order = ["成效", "上年问题整改情况", "问题和难点", "其他需关注的情况", "思考与建议", "数据说明"]
        assert titles == [t for t in order if t in titles] and {"成效", "问题和难点", "数据说明"} <= set(titles)
        assert [n for n, _ in numbered] == ["一", "二", "三", "四", "五", "六"][:len(titles)]
        assert ("上年问题整改情况" in titles) == (region == "990100"), county
        # the sources: an attachment after the signature, with its own title
        titles_all = [p.text for p in doc.paragraphs if p.style.name == "Title"]
        assert titles_all[-1] == "文中数字的来源" and headings[-1].endswith("、数据说明")
        check_traceable(county_report(data, region, county, 2024, 2015), data, years=range(2015, 2025), root=repo_copy)
    for region in ["990100", "990200"]:
        assert (base / region / "2024" / "writeup.docx").is_file()
        check_traceable(region_report(data, region, 2024, 2015), data, years=range(2015, 2025), root=repo_copy)
    html = (base / "990100/2024/990121/county.html").read_text(encoding="utf-8")
    assert "年度评价报告" in html and "思考与建议" in html


def _report_hashes(root: Path) -> dict[str, str]:
    import hashlib

    # the notebooks, write-ups and index; validation outputs describe the last validation run instead
    files = sorted((root / "reports" / "notebooks").rglob("*")) + [root / "reports" / "index.html"]
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}


def test_the_demo_notice_states_the_rule_what_it_did_to_the_grade_and_last_years_report(repo_copy):
    """青山县 2024 (data/raw/990100): 131 new-onset cases of 391 filed = 33.5 %, 96 of 317 in 2023 = 30.3 %,
    up 3.2 points: the rule of 2 points trips (high), the veto of 3 points caps 好 at 较好, and the issued 2023
    report (data/issued/990100/2023.json) had already named the share."""
    from docx import Document

    doc = Document(str(repo_copy / "reports/notebooks/990100/2024/990121/notice.docx"))
    texts = [re.sub(r"\[\d+\]", "", p.text) for p in doc.paragraphs]
    item = next(t for t in texts if t.startswith("新发生案件占比上升（高级别预警）"))
    assert "你单位2024年立案391件，其中新发生案件131件，新发生案件占比为33.5%，较上年（30.3%）上升3.2个百分点。" in item
    assert "比上年上升超过3个百分点的，等次最高为“较好”，你单位2024年度综合评价等次由“好”调整为“较好”。" in item
    assert item.endswith("该问题在2023年度评价报告中已经指出，本年度有所加重。")
    assert "【合成演示数据】" in doc.sections[0].header.paragraphs[0].text  # on every page, outside the text


def test_the_demo_workbook_prints_each_figure_as_the_reports_do(repo_copy):
    """永宁市 2024 (data/raw/990100): forms 1,059 / 340 / 67 / 54 of 1,520 person-times = 69.671 / 22.368 /
    4.408 / 3.553 %. Rounded each on its own they add to 100.1; by largest remainder (tenths 696.71, 223.68,
    44.08, 35.53: floors add to 998, the two largest remainders .71 and .68 get one each) 69.7 / 22.4 / 4.4 /
    3.5, as the write-up prints them; the workbook stores 0.035 (shown 3.5 %), not 0.03553 (shown 3.6 %)."""
    from openpyxl import load_workbook

    wb = load_workbook(repo_copy / "reports/notebooks/990100/2024/workbook.xlsx")
    forms = wb["四种形态"]
    head = [c.value for c in forms[1]]
    row = next(dict(zip(head, r, strict=True)) for r in forms.iter_rows(min_row=2, values_only=True)
               if r[1] == "990181" and r[2] == 2024)
    shares = [row[f"第{n}种形态占比（%）"] for n in "一二三四"]
    assert shares == pytest.approx([0.697, 0.224, 0.044, 0.035]) and sum(shares) == pytest.approx(1.0)
    writeup = (repo_copy / "reports/notebooks/990100/2024/990181/writeup.md").read_text(encoding="utf-8")
    assert re.search(r"分别占69\.7%(\[\^\d+\])?、22\.4%(\[\^\d+\])?、4\.4%(\[\^\d+\])?、3\.5%", writeup)
    evaluation = wb["综合评价"]
    ehead = [c.value for c in evaluation[1]]
    grades = {(r[1], r[2]): r[ehead.index("等次")] for r in evaluation.iter_rows(min_row=2, values_only=True)}
    assert grades[("990121", 2024)] == "较好（封顶）"  # 好 capped by the veto (a rise of 3.2 > 3 points)
    warnings = wb["预警"]
    whead = [c.value for c in warnings[1]]
    found = [dict(zip(whead, r, strict=True)) for r in warnings.iter_rows(min_row=2, values_only=True)]
    high = next(w for w in found if w["区划代码"] == "990121" and w["年度"] == 2024)
    assert high["预警条件"] == "新发生案件占比较上年上升2个百分点及以上"
    assert high["依据"] == "2023年30.3%、2024年33.5%"  # 96/317 and 131/391


@pytest.mark.parametrize(("edited", "stages"), [
    ("data/reference/phrases.yaml", {"findings", "notebooks"}),
    ("pipeline/report/writeup.py", {"notebooks"}),
    ("pipeline/numbers.py", {"measures", "evaluate", "findings", "presentation", "notebooks"}),
    ("pipeline/catalog.py", {"ingest", "validate", "measures", "evaluate", "early_warning", "findings", "presentation",
                             "notebooks"}),
])
def test_dvc_status_names_the_stages_an_edit_touches(repo_copy, edited, stages):
    path = repo_copy / edited
    original = path.read_bytes()
    before = json.loads(run(["dvc", "status", "--json"], repo_copy).stdout)
    try:
        path.write_bytes(original + b"\n# edited\n")
        during = json.loads(run(["dvc", "status", "--json"], repo_copy).stdout)
    finally:
        path.write_bytes(original)
    # each stage that reads the file is named, with the file as its changed dep
    named = {stage for stage, changes in during.items() if edited in json.dumps(changes)}
    assert named == stages, during
    assert json.loads(run(["dvc", "status", "--json"], repo_copy).stdout) == before


def _mart_hashes(root: Path) -> dict[str, str]:
    import hashlib

    files = sorted((root / "data" / "marts").glob("*.parquet")) + sorted((root / "metrics").glob("*.json"))
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_forced_repro_gives_byte_identical_marts_and_reports(repo_copy):
    before, marts_before = _report_hashes(repo_copy), _mart_hashes(repo_copy)
    forced = run(["dvc", "repro", "-f"], repo_copy)
    # 18 counties x 5 files (ipynb, html, md, docx, inputs key), one warning notice (青山县, the one high
    # warning of 2024), 2 regions x 6 (and the workbook), the index and the report year's own page
    assert len(before) == 18 * 5 + 1 + 2 * 6 + 2 and _report_hashes(repo_copy) == before
    # every stage ran again and summed in the same order: the marts are the same bytes
    assert len(marts_before) == 19 and _mart_hashes(repo_copy) == marts_before
    # unchanged marts: every notebook's inputs are the same, so none is executed again
    assert "20 个笔记本：复用 20 个（输入未变），执行 0 个" in forced.stdout


def test_a_corrected_county_re_executes_only_its_region(repo_copy):
    """One county re-sends its 2024 table with one figure corrected: only its region's notebooks run again."""
    delivery = repo_copy / "data/raw/990200/2024.csv"
    original = delivery.read_bytes()
    text = original.decode("utf-8")
    corrected = text.replace("\n990201,城关区,2024,97,", "\n990201,城关区,2024,98,", 1)  # 立案 97 -> 98
    assert corrected != text
    before = _report_hashes(repo_copy)
    try:
        delivery.write_bytes(corrected.encode("utf-8"))
        proc = run(["dvc", "repro"], repo_copy)
        # 990100: 10 counties and the region page reused; 990200: 8 counties and the region page executed
        assert "20 个笔记本：复用 11 个（输入未变），执行 9 个" in proc.stdout
        after = _report_hashes(repo_copy)
        changed = {k for k in before if after.get(k) != before[k]}
        assert not [k for k in changed if "/990100/" in k]
        assert "reports/notebooks/990200/2024/990201/inputs.sha256" in changed
        assert "reports/notebooks/990200/2024/990201/county.ipynb" in changed
        import pandas as pd

        mart = pd.read_parquet(repo_copy / "data/marts/county_year_measures.parquet")
        row = mart[(mart["county_code"] == "990201") & (mart["year"] == 2024) & (mart["measure"] == "cases_filed")]
        assert row["value"].tolist() == [98.0]
    finally:
        delivery.write_bytes(original)
        restored = run(["dvc", "repro"], repo_copy)
    assert _report_hashes(repo_copy) == before  # the original delivery gives the original reports back
    # ... without executing a notebook again: the 9 made from the original inputs are kept by their key
    assert "20 个笔记本：复用 20 个（输入未变），执行 0 个" in restored.stdout
    assert "其中 9 个取自此前用相同输入生成的结果" in restored.stdout


def test_the_venv_dvc_runs_stages_with_the_project_interpreter_unactivated(repo_copy):
    """`.venv/bin/dvc repro` with no virtual environment on PATH (the README's second way) runs the stages.

    The stages start through bin/stage.py, which any python3 runs and which hands over to
    the project's .venv; calling `python` from PATH would find no duckdb (or no python).
    """
    import os

    venv = repo_copy / ".venv"
    venv.symlink_to(REPO / ".venv")  # the clone's own environment, as `make setup` builds it
    try:
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "POLIECO_ROOT")}
        env.update(PATH="/usr/local/bin:/usr/bin:/bin", GX_ANALYTICS_ENABLED="false", DVC_NO_ANALYTICS="1")
        proc = subprocess.run([str(venv / "bin" / "dvc"), "repro", "-f", "-s", "measures"], cwd=repo_copy, env=env,
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "Running stage 'measures'" in proc.stdout and "指标计算完成" in proc.stdout
    finally:
        venv.unlink()


def test_index_opens_with_a_region_overview_linking_each_section(repo_copy):
    """Two regions: an overview table first, one row per region, each linking to its section (no scripts)."""
    page = (repo_copy / "reports/index.html").read_text(encoding="utf-8")
    overview = page[page.index("各地区概览"):page.index('<h2 id="r990100">')]
    # quantile grades, cut-offs 0.2/0.6/0.9 on position (rank - 1) / n: 10 counties give 2/4/3/1, less the
    # 好 of 青山县 capped at 较好 by the demo's veto, and 8 counties give 2/3/3/0 (positions 0, .125 | .25, .375,
    # .5 | .625, .75, .875)
    assert re.search(r'<a href="#r990100">东川市</a></td><td>990100</td><td>10</td><td>好 1 · 较好 5 · 一般 3 · 差 1</td>',
                     overview)
    assert re.search(r'<a href="#r990200">西岭市</a></td><td>990200</td><td>8</td><td>好 2 · 较好 3 · 一般 3 · 差 0</td>',
                     overview)
    assert page.count('href="#top"') == 2 and '<h2 id="r990200">' in page and "<script" not in page
    # the capped grade is marked as the region table marks it
    assert "较好（封顶）（100%）" in page


# ---------------------------------------------------------------- findings: one judgement, every output


def _county_notebook_ids(data, region: str, county: str, year: int) -> tuple[set[str], set[str]]:
    """The findings the county notebook's own sections state, and those of its copy of the write-up."""
    from pipeline.report import views

    own = set()
    for section in (views.new_onset_section(data, region, county, year, 2015),
                    views.four_forms_section(data, region, county, year, 2015),
                    views.county_evaluation_section(data, region, county, year)):
        own |= set(section.finding_ids)
    return own, set(views.writeup_section(data, region, county, year, 2015).finding_ids)


def test_every_output_states_the_same_findings_of_a_place(repo_copy):
    """Notebook, write-up, workbook and index cite finding ids: for one place and year they are the place's
    findings, the same set in the notebook, the write-up and the workbook, and the index reads a subset."""
    from pipeline.report.data import load_report_data
    from pipeline.report.index_page import row_findings
    from pipeline.report.workbook import findings_sheet
    from pipeline.report.writeup import county_report, region_report

    data = load_report_data(repo_copy)
    f = data.findings
    sheets = {r: findings_sheet(data, r, 2024)[0] for r in ("990100", "990200")}
    for region, county in [("990100", "990101"), ("990100", "990124"), ("990200", "990225")]:
        mart = set(f.loc[(f["place_code"] == county) & (f["year"] == 2024), "finding_id"])
        doc = set(county_report(data, region, county, 2024, 2015).finding_ids)
        own, notebook_writeup = _county_notebook_ids(data, region, county, 2024)
        workbook = set(sheets[region].loc[sheets[region]["区划代码"] == county, "结论编号"])
        index = {x["finding_id"] for x in row_findings(data, county, 2024) if x is not None}
        assert mart and doc == mart == notebook_writeup == workbook, county
        assert own <= doc and index <= doc and own, county
    mart = set(f.loc[(f["place_code"] == "990100") & (f["year"] == 2024), "finding_id"])
    assert set(region_report(data, "990100", 2024, 2015).finding_ids) == mart
    assert set(sheets["990100"].loc[sheets["990100"]["区划代码"] == "990100", "结论编号"]) == mart


def test_a_sentence_reads_the_same_in_the_notebook_and_the_write_up(repo_copy):
    import re

    from pipeline.report.data import load_report_data
    from pipeline.report.phrasing import Phraser, finding
    from pipeline.report.sentences import sentence

    data = load_report_data(repo_copy)
    for county in ("990101", "990121", "990124"):
        f = finding(data, county, 2024, "trend", "new_onset_share")
        text = sentence(Phraser(data), f)
        folder = repo_copy / "reports/notebooks/990100/2024" / county
        md = re.sub(r"\[\^\d+\]", "", (folder / "writeup.md").read_text(encoding="utf-8"))
        html = re.sub(r"<sup>\d+</sup>", "", (folder / "county.html").read_text(encoding="utf-8"))
        assert text in md and text in html, county


def test_no_report_holds_a_measure_as_both_achievement_and_problem(repo_copy):
    """Over the whole demo: for every place, year and period, the measures its achievements are about and
    the measures its problems are about do not meet."""
    import json

    import pandas as pd

    f = pd.read_parquet(repo_copy / "data/marts/findings.parquet")

    def about(row) -> str:
        if row["topic"] == "warning":
            return json.loads(row["evidence"])["measure"]
        if row["topic"].startswith("units_"):  # a statement about the region's places, not the region's figure
            return f"units:{row['subject'] or row['topic']}"
        return {"four_forms_shape": "pyramid_holds"}.get(row["topic"], row["subject"] or row["topic"])

    f = f.assign(about=[about(r) for _, r in f.iterrows()])
    judged = f[f["polarity"].isin(["achievement", "problem"])]
    both = judged.groupby(["place_code", "year", "period", "about"])["polarity"].nunique()
    assert (both == 1).all(), both[both > 1].head()
    assert len(judged) > 500 and set(judged["polarity"]) == {"achievement", "problem"}


def test_no_output_prints_a_missing_value_marker(repo_copy):
    """<NA>, nan, NaN or None must never reach a reader: every write-up, notebook output, page, workbook
    and Word file of the demo, scanned as the reader sees it (HTML without its style sheet and tags)."""
    import re
    import zipfile

    marker = re.compile(r"<NA>|\bnan\b|\bNaN\b|\bNone\b")
    found = {}
    for path in [*sorted((repo_copy / "reports/notebooks").rglob("*")), repo_copy / "reports/index.html"]:
        texts = []
        if path.suffix == ".md":
            texts = [path.read_text(encoding="utf-8")]
        elif path.suffix == ".html":
            page = re.sub(r"<style\b.*?</style>", "", path.read_text(encoding="utf-8"), flags=re.S | re.I)
            texts = [re.sub(r"<[^>]+>", " ", page.replace("&lt;NA&gt;", "<NA>"))]
        elif path.suffix in (".docx", ".xlsx"):
            with zipfile.ZipFile(path) as z:
                texts = [z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")]
        elif path.suffix == ".ipynb":
            nb = json.loads(path.read_text(encoding="utf-8"))
            for out in (o for c in nb["cells"] for o in c.get("outputs", [])):
                texts += ["".join(v) for k, v in out.get("data", {}).items() if k.startswith("text")]
                texts.append("".join(out.get("text", "")))
        for text in texts:
            found.update({str(path.relative_to(repo_copy)): m.group(0) for m in marker.finditer(text)})
    assert found == {}
    assert len(list((repo_copy / "reports/notebooks").rglob("*.ipynb"))) == 20


def test_every_output_of_the_demo_passes_the_text_gate_and_a_planted_flaw_fails_it(repo_copy, tmp_path):
    """The text gate (pipeline/report/text_gate.py) over every notebook, page, write-up, workbook and notice
    of both demo regions, and the index; then the same folder with one "%%" planted in a write-up fails."""
    from pipeline.report.text_gate import check_region_year, document_flaws, text_of

    for region in ("990100", "990200"):
        assert [str(f) for f in check_region_year(repo_copy, region, 2024)] == [], region
    assert document_flaws("index.html", text_of(repo_copy / "reports/index.html")) == []
    planted = tmp_path / "reports/notebooks/990100/2024"
    shutil.copytree(repo_copy / "reports/notebooks/990100/2024", planted)
    shutil.copytree(repo_copy / "data/reference", tmp_path / "data/reference")
    md = planted / "990103/writeup.md"
    md.write_text(md.read_text(encoding="utf-8").replace("%", "%%", 1), encoding="utf-8")
    flaws = check_region_year(tmp_path, "990100", 2024)
    assert [(f.path, f.rule) for f in flaws] == [("990103/writeup.md", "%% 重复")]
