"""End to end on a 2-county fixture: real kernels run the notebooks through the stage's own runner."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

import pytest
from conftest import HEADER, REPO, built_once, csv_bytes, good_rows, narrow_project, run_cmd

pytestmark = pytest.mark.slow
YEARS = range(2017, 2021)


def _run(module: str, root: Path, *args: str, check: bool = True, **env: str):
    return run_cmd([sys.executable, "-m", module, *args], root, check, PYTHONPATH=str(REPO), **env)


def _hashes(root: Path) -> dict[str, str]:
    files = sorted((root / "reports" / "notebooks").rglob("*")) + [root / "reports" / "index.html"]
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}


def build_two_counties(root: Path) -> None:
    """Two counties of 990100, 2017-2020, through every stage and the notebooks."""
    shutil.copytree(REPO / "data" / "reference", root / "data" / "reference")
    shutil.copytree(REPO / "notebooks", root / "notebooks")
    # good_rows carry one survey score: the evaluation weighs it alone, so the index shows grades, rank
    # intervals and warnings
    narrow_project(root, ["990101", "990102"], 2017, 2020, **{
        "workers: 0": "workers: 2", "min_indicators: 5": "min_indicators: 1",
        ("    econ_social_score: 1\n    integrity_satisfaction: 1\n    conduct_satisfaction: 1\n"
         "    personnel_appraisal: 1\n    safety_satisfaction: 1\n    committee_appraisal: 1\n"):
            "    integrity_satisfaction: 1\n"})
    raw = root / "data/raw/990100"
    raw.mkdir(parents=True)
    for year in YEARS:
        rows = good_rows(year)
        if year == 2019:
            rows = rows[:1]  # 990102 missed 2019
        (raw / f"{year}.csv").write_bytes(csv_bytes([HEADER, *rows], "gbk"))
    _run("pipeline.stages.ingest", root)
    # the real validate stage: the index links its Data Docs and summary, and the browser test follows every link
    shutil.copytree(REPO / "expectations", root / "expectations")
    _run("pipeline.stages.validate", root)
    for stage in ("measures", "evaluate", "early_warning", "findings", "presentation"):
        _run(f"pipeline.stages.{stage}", root)
    _run("pipeline.report.notebooks", root)


@pytest.fixture(scope="module")
def two_counties_built(tmp_path_factory) -> Path:
    """The two-county project as built, shared with tests/test_index_browser.py: read, never changed."""
    return built_once(tmp_path_factory, "two-counties", build_two_counties)


@pytest.fixture(scope="module")
def two_counties(two_counties_built, tmp_path_factory) -> Path:
    """This module's own copy of the two-county project: its tests re-run stages and edit files."""
    root = tmp_path_factory.mktemp("nb") / "proj"
    shutil.copytree(two_counties_built, root, symlinks=True)
    return root


def test_every_county_and_the_region_get_a_notebook_and_html(two_counties):
    base = two_counties / "reports/notebooks/990100/2020"
    for rel in ["990101/county.ipynb", "990101/county.html", "990102/county.ipynb", "990102/county.html",
                "region.ipynb", "region.html"]:
        assert (base / rel).is_file(), rel
    html = (base / "990102/county.html").read_text(encoding="utf-8")
    assert "城西区（990102）政治生态监测分析 · 2020 年度" in html
    assert "合成演示数据（虚构，非真实统计）" in html
    assert "2019 年（未报送）没有数值，图表中留空，不按零处理" in html
    assert "data/raw/990100/2020.csv D4" in html  # the figures table names its source cell
    assert "data:image/png;base64," in html and "<script" not in html
    # each chart is described by its title, in the page's language: the district by its name, not "本县"
    assert 'alt="2020 年四种形态占比：城西区、全市与全国"' in html and "No description" not in html
    assert "views.show(" not in html  # code hidden from reviewers


def test_executed_notebooks_are_normalised(two_counties):
    nb = json.loads((two_counties / "reports/notebooks/990100/2020/990101/county.ipynb").read_text(encoding="utf-8"))
    assert "papermill" not in nb["metadata"]
    assert [c["id"] for c in nb["cells"]] == [f"cell-{i}" for i in range(len(nb["cells"]))]
    assert all("execution" not in c["metadata"] for c in nb["cells"])
    injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert 'county = "990101"' in "".join(injected[0]["source"])
    errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []


def test_rerun_reuses_every_notebook_and_forced_re_execution_is_byte_identical(two_counties):
    before = _hashes(two_counties)
    # per notebook: ipynb, html, writeup.md, writeup.docx, inputs.sha256; the region's workbook.xlsx; the index
    # and the report year's own page (index-2020.html)
    assert len(before) == 3 * 5 + 1 + 1 + 1
    again = _run("pipeline.report.notebooks", two_counties)
    assert "复用 3 个（输入未变），执行 0 个" in again.stdout and "复用 3 个，执行 0 个笔记本" in again.stdout
    assert _hashes(two_counties) == before
    forced = _run("pipeline.report.notebooks", two_counties, "--execute-all")
    assert "复用 0 个，执行 3 个笔记本" in forced.stdout
    assert _hashes(two_counties) == before


def test_warm_and_cold_kernels_give_byte_identical_notebooks_and_html(two_counties, tmp_path, monkeypatch):
    """One warm kernel runs both counties and the region in turn; each notebook in a fresh kernel is the reference."""
    from pipeline.config import load_params
    from pipeline.report.notebooks import input_keys, plan_jobs, run_all

    monkeypatch.chdir(two_counties)
    params = load_params(two_counties)
    jobs = plan_jobs(two_counties, params)
    keys = input_keys(two_counties, params, jobs)
    warm = run_all(two_counties, jobs, 1, tmp_path / "warm", keys)
    cold = run_all(two_counties, jobs, 2, tmp_path / "cold", keys, cold=True)
    assert not [o.error for o in warm + cold if o.error]
    compared = 0
    for path in sorted((tmp_path / "cold").rglob("*")):
        if path.is_file():
            rel = path.relative_to(tmp_path / "cold")
            assert (tmp_path / "warm" / rel).read_bytes() == path.read_bytes(), rel
            # and the stage's own outputs (two warm workers) are the same bytes again
            assert (two_counties / "reports/notebooks" / rel).read_bytes() == path.read_bytes(), rel
            compared += 1
    assert compared == 16  # 3 notebooks x (ipynb, html, md, docx, key) and the workbook


def _with_cell(root: Path, source: str) -> None:
    nb_path = root / "notebooks/county.ipynb"
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    nb["cells"].insert(3, {"cell_type": "code", "id": "added", "metadata": {}, "outputs": [], "execution_count": None,
                           "source": source})
    nb_path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


def test_a_kernel_that_dies_is_replaced_and_the_notebook_retried(two_counties, tmp_path):
    root = tmp_path / "proj"
    shutil.copytree(two_counties, root)
    # the kernel running 990102 exits the first time only (a marker file remembers)
    _with_cell(root, "import os, pathlib\nmarker = pathlib.Path('build/kernel-died-once')\n"
                     "if county == '990102' and not marker.exists():\n    marker.touch()\n    os._exit(1)")
    proc = _run("pipeline.report.notebooks", root)
    assert (root / "build/kernel-died-once").is_file()
    assert "990100/990102（2020年） 完成（新内核重试）" in proc.stdout
    assert "在新内核中重试后成功：990100/990102（2020年）" in proc.stdout
    # the county notebook changed: both counties run again, the region page (its own notebook) is reused
    assert "3 个笔记本：复用 1 个（输入未变），执行 2 个" in proc.stdout
    nb = json.loads((root / "reports/notebooks/990100/2020/990102/county.ipynb").read_text(encoding="utf-8"))
    assert not [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]


def test_two_report_years_built_one_after_the_other_are_both_kept_and_linked(two_counties, tmp_path):
    """report.year 2020 was built; building 2019 adds it, reuses 2020, and the index opens on 2020 linking both."""
    root = tmp_path / "proj"
    shutil.copytree(two_counties, root)
    params = root / "params.yaml"
    before = _hashes(root)
    # a year without a full-year delivery stops before any kernel starts, and removes nothing
    params.write_text(params.read_text(encoding="utf-8").replace("  year: 2020", "  year: 2016"), encoding="utf-8")
    refused = _run("pipeline.report.notebooks", root, check=False)
    assert refused.returncode == 1 and "2016 年没有任何地区的全年报送数据" in refused.stderr
    assert "地区 990100：2016 年没有全年报送数据" in refused.stderr
    assert "有全年数据的年度：2017、2018、2019、2020" in refused.stderr
    assert _hashes(root) == before
    params.write_text(params.read_text(encoding="utf-8").replace("  year: 2016", "  year: 2019"), encoding="utf-8")
    proc = _run("pipeline.report.notebooks", root)
    assert "报告年度：2019、2020" in proc.stdout and "复用 3 个，执行 3 个笔记本" in proc.stdout
    for year in (2019, 2020):
        assert (root / f"reports/notebooks/990100/{year}/990101/writeup.docx").is_file()
        assert (root / f"reports/notebooks/990100/{year}/region.html").is_file()
    # the 2020 reports are the same bytes as before: kept, not rebuilt
    for rel, digest in before.items():
        if "/2020/" in rel:
            assert hashlib.sha256((root / rel).read_bytes()).hexdigest() == digest, rel
    main = (root / "reports/index.html").read_text(encoding="utf-8")
    assert "2020 年度" in main and '<a href="notebooks/index-2019.html">2019</a>' in main
    assert 'href="notebooks/990100/2019/990101/county.html">2019</a>' in main  # the county's other year
    page_2019 = (root / "reports/notebooks/index-2019.html").read_text(encoding="utf-8")
    assert "2019 年度" in page_2019 and '<a href="../index.html">2020</a>' in page_2019
    assert 'href="990100/2019/990101/county.html"' in page_2019 and 'href="../data_docs/index.html"' in page_2019


def test_index_lists_counties_with_links(two_counties):
    index = (two_counties / "reports/index.html").read_text(encoding="utf-8")
    assert 'href="notebooks/990100/2020/990101/county.html"' in index
    assert 'href="notebooks/990100/2020/region.html"' in index
    assert 'href="data_docs/index.html"' in index
    assert "城关区" in index and "城西区" in index and "合成演示数据" in index
    assert "<script" not in index and "http" not in index.replace("http-equiv", "")


def test_index_rows_are_kept_under_the_jobs_keys_and_a_changed_key_remakes_its_row_only(two_counties, monkeypatch):
    """The index's place rows are read back under each job's input key (the digest of all a row is made from):
    pages from kept rows are the bytes of pages made afresh, and a key that changes (its region's marts did)
    remakes that place's rows alone."""
    from pipeline.config import load_params
    from pipeline.report import index_page
    from pipeline.report.notebooks.jobs import plan_jobs, report_years
    from pipeline.report.notebooks.reuse import input_keys

    root = two_counties
    monkeypatch.setenv("POLIECO_ROOT", str(root))
    params = load_params(root)
    jobs = plan_jobs(root, params, report_years(root, params))
    keys = input_keys(root, params, jobs)
    fresh = index_page.index_pages(root, jobs)  # no keys: every row made
    assert index_page.index_pages(root, jobs, keys=keys) == fresh  # made and kept, or as the stage kept them
    made, real = [], index_page._row_cells
    monkeypatch.setattr(index_page, "_row_cells",
                        lambda data, code, year, warned: made.append(code) or real(data, code, year, warned))
    assert index_page.index_pages(root, jobs, keys=keys) == fresh and made == []  # every row read back
    changed = {j: (f"{k}-corrected" if j.county == "990102" else k) for j, k in keys.items()}
    assert index_page.index_pages(root, jobs, keys=changed) == fresh
    assert made and set(made) == {"990102"} and len(made) == sum(j.county == "990102" for j in jobs)


def test_failing_county_fails_the_stage_after_the_others_and_is_kept(two_counties, tmp_path, monkeypatch):
    root = tmp_path / "proj"
    shutil.copytree(two_counties, root, ignore=shutil.ignore_patterns("reports"))
    _with_cell(root, "if county == '990102':\n    raise ValueError('测试用的错误')")
    monkeypatch.setenv("POLIECO_VERBOSE", "1")  # every notebook's line (a log otherwise gets one every 10 s)
    proc = _run("pipeline.report.notebooks", root, check=False)
    assert proc.returncode == 1
    assert "990100/990101（2020年） 完成" in proc.stdout and "990100/990102（2020年） 失败（新内核重试）" in proc.stdout
    assert "✗ 990100/990102（2020年）：第 5 个单元格" in proc.stderr and "ValueError: 测试用的错误" in proc.stderr
    assert "在新内核中重试后仍失败" in proc.stderr and "上次的报告保持不变" in proc.stderr
    kept = root / "build/failed_notebooks/990100/2020/990102/county.ipynb"
    assert kept.is_file() and "测试用的错误" in kept.read_text(encoding="utf-8")
    assert not (root / "reports/notebooks").exists() and not (root / "reports/index.html").exists()


# "stage": kill -9 of the stage process; "dvc": SIGTERM to the process that started it (dvc does not pass it on)
@pytest.mark.parametrize("killed", ["stage", "dvc"])
def test_killing_the_stage_leaves_the_last_reports_and_no_worker_or_kernel(two_counties, tmp_path, killed):
    """Killed while kernels run: the workers notice, shut their kernels down and exit; no report is touched."""
    import os
    import signal
    import subprocess
    import time

    import psutil

    root = (tmp_path / "proj").resolve()
    shutil.copytree(two_counties, root)
    before = _hashes(root)
    stage = [sys.executable, "-m", "pipeline.report.notebooks", "--execute-all"]
    if killed == "dvc":  # a parent that waits for the stage, as dvc does
        stage = [sys.executable, "-c", "import subprocess, sys; subprocess.run(sys.argv[1:])", *stage]

    def left_behind() -> list[psutil.Process]:
        found = []
        for p in psutil.process_iter(["cmdline", "cwd"]):
            if p.info["cwd"] == str(root) and p.pid != proc.pid:
                found.append(p)
        return found

    env = os.environ | {"PYTHONPATH": str(REPO), "GX_ANALYTICS_ENABLED": "false"}
    proc = subprocess.Popen(stage, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not any("ipykernel" in " ".join(p.info["cmdline"] or []) for p in left_behind()):
        assert time.monotonic() < deadline and proc.poll() is None, "no kernel started"
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL if killed == "stage" else signal.SIGTERM)
    proc.wait()
    deadline = time.monotonic() + 30
    while left_behind() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert [" ".join(p.cmdline()) for p in left_behind()] == []
    assert _hashes(root) == before  # the last good reports, untouched
    # the next run builds again from a clean scratch folder
    assert "复用 3 个" in _run("pipeline.report.notebooks", root).stdout


def test_english_reports_have_no_chinese_but_place_names_and_quoted_sources(two_counties, tmp_path):
    import re

    import pandas as pd
    from docx import Document

    root = tmp_path / "proj"
    shutil.copytree(two_counties, root, ignore=shutil.ignore_patterns("reports", "build"))
    params = root / "params.yaml"
    params.write_text(params.read_text(encoding="utf-8").replace("language: zh", "language: en"), encoding="utf-8")
    _run("pipeline.report.notebooks", root)
    names = sorted(pd.read_csv(root / "data/reference/divisions.csv", dtype=str)["name"], key=len, reverse=True)
    sources = pd.read_csv(root / "data/reference/ccdi_national.csv")["source"].tolist()
    checked = 0
    for path in sorted((root / "reports").rglob("*")):
        if path.suffix == ".docx":
            text = "\n".join(p.text for p in Document(str(path)).paragraphs)
            text += "\n".join(c.text for t in Document(str(path)).tables for r in t.rows for c in r.cells)
        elif path.suffix in (".html", ".md", ".ipynb"):
            text = path.read_text(encoding="utf-8")
            text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)
        else:
            continue
        for quoted in [*sources, *names]:
            text = text.replace(quoted, "")
        text = text.replace(json.dumps(sources[0])[1:-1], "")
        found = re.findall(r".{0,30}[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef].{0,30}", text)
        assert not found, (path.relative_to(root), found[:5])
        checked += 1
    assert checked >= 13  # 2 counties and the region: ipynb, html, md, docx; and the index


def test_region_workbook_has_its_sheets_formats_and_traces_a_value_to_its_cell(two_counties):
    """The Excel workbook beside the region report, opened as an analyst would (openpyxl)."""
    import csv
    import io

    from openpyxl import load_workbook

    wb = load_workbook(two_counties / "reports/notebooks/990100/2020/workbook.xlsx")
    assert wb.sheetnames == ["说明", "评价结论", "指标", "四种形态", "综合评价", "失分分析", "预警", "来源"]
    assert "合成演示数据" in " ".join(str(c.value) for c in wb["说明"]["A"] if c.value)
    measures = wb["指标"]
    head = [c.value for c in measures[1]]
    assert head[:3] == ["县区", "区划代码", "年度"] and measures.freeze_panes == "D2"
    assert "立案数（件）" in head and "新发生案件占比（%）" in head and "新发生案件占比（报送值）（%）" in head
    rows = {(r[1], r[2]): dict(zip(head, r, strict=True)) for r in measures.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == 2 * 4  # two counties, 2017-2020
    # 990101 2020 (good_rows): 110 cases filed, 31 new-onset: 28.18...% stored as a fraction, shown 28.2%
    assert rows[("990101", 2020)]["新发生案件占比（%）"] == pytest.approx(31 / 110)
    col = head.index("新发生案件占比（%）") + 1
    assert measures.cell(2, col).number_format == "0.0%"
    assert measures.cell(2, head.index("立案数（件）") + 1).number_format == "#,##0"
    assert rows[("990102", 2019)]["立案数（件）"] is None  # 990102 missed 2019: blank, not zero
    # the same figure traced through the Sources sheet to the delivered file's cell
    sources = wb["来源"]
    shead = [c.value for c in sources[1]]
    found = [dict(zip(shead, r, strict=True)) for r in sources.iter_rows(min_row=2, values_only=True)]
    cell = next(f for f in found if f["区划代码"] == "990101" and f["统计期间"] == "2020年" and f["指标"] == "立案数")
    assert (cell["来源文件"], cell["单元格"]) == ("data/raw/990100/2020.csv", "D3")
    raw = list(csv.reader(io.StringIO((two_counties / cell["来源文件"]).read_bytes().decode("gbk"))))
    assert float(raw[int(cell["行"]) - 1][3]) == cell["数值"] == rows[("990101", 2020)]["立案数（件）"] == 110
    evaluation = wb["综合评价"]
    ehead = [c.value for c in evaluation[1]]
    assert {"等次", "所评等次的概率", "排名区间下限（P5）", "排名区间上限（P95）"} <= set(ehead)
    assert evaluation.cell(2, ehead.index("所评等次的概率") + 1).number_format == "0%"


def test_reports_start_at_each_regions_first_year_with_data_unless_set(tmp_path):
    import pandas as pd

    from pipeline.report.notebooks.jobs import plan_jobs

    (tmp_path / "data/marts").mkdir(parents=True)
    shutil.copytree(REPO / "data/reference", tmp_path / "data/reference")
    from pipeline import marts
    from pipeline.stages.presentation import COLUMNS
    from pipeline.stages.presentation_figures import reportable_cells

    regional = pd.DataFrame({"region_code": ["990100", "990100", "990100", "990200", "990200"],
                             "year": [2020, 2021, 2022, 2018, 2022], "period": ["full_year"] * 5,
                             "counties_reporting": [0, 4, 5, 3, 3]})
    cells = [{"region_code": r, **c} for r in ("990100", "990200")
             for c in reportable_cells(regional[regional["region_code"] == r], r)]
    marts.write_mart(tmp_path / "data/marts/presentation.parquet", pd.DataFrame(cells, columns=COLUMNS))
    params = {"ingest": {"regions": ["990100", "990200"]}, "report": {"year": 2022, "first_year": "auto"}}
    firsts = {(j.region, j.kind): j.first_year for j in plan_jobs(tmp_path, params)}
    # 2020 was delivered empty (no county reporting): the city's reports start in 2021
    assert firsts[("990100", "region")] == 2021 and firsts[("990200", "county")] == 2018
    params["report"]["first_year"] = 2015
    assert {j.first_year for j in plan_jobs(tmp_path, params)} == {2015}


def _papermill(root: Path, name: str, out: Path, **parameters):
    import os

    import papermill

    os.environ.setdefault("PYTHONPATH", str(REPO))
    return papermill.execute_notebook(str(root / "notebooks" / name), str(out), parameters=parameters,
                                      cwd=str(root / "notebooks"), kernel_name="python3", progress_bar=False)


def test_the_exploration_notebook_queries_facts_marts_and_findings_read_only(two_counties, tmp_path):
    before = (two_counties / "data/warehouse.duckdb").read_bytes()
    nb = _papermill(two_counties, "explore.ipynb", tmp_path / "explore.ipynb")
    text = "\n".join("".join(o.get("data", {}).get("text/plain", "")) for c in nb.cells if c.cell_type == "code"
                     for o in c.outputs)
    assert "findings" in text and "county_year_measures" in text and "data/raw/990100/2020.csv" in text
    assert "城关区" in text and "D3" in text  # a value with its source cell
    assert (two_counties / "data/warehouse.duckdb").read_bytes() == before
    from pipeline.explore import connect

    with connect(two_counties) as con, pytest.raises(Exception, match="read-only"):
        con.execute("DELETE FROM facts")


def test_a_template_run_on_data_without_its_county_says_which_places_exist(two_counties, tmp_path):
    from papermill.exceptions import PapermillExecutionError

    with pytest.raises(PapermillExecutionError) as err:
        _papermill(two_counties, "county.ipynb", tmp_path / "c.ipynb", region="990100", county="990199")
    assert "数据中没有 990100 / 990199" in str(err.value)
    assert "东川市（990100）：城关区（990101）、城西区（990102）" in str(err.value)


def test_a_report_year_builds_the_regions_that_have_it_and_says_which_it_skips(tmp_path):
    """Two regions, 2024 delivered in full by 990100 only (990200 sent a first quarter): 2024 builds 990100's
    reports and says why 990200 has none; 2023, delivered by both, builds both; no year builds a region's
    reports from another region's data."""
    import pandas as pd
    import yaml

    from pipeline import marts
    from pipeline.report.notebooks.jobs import plan_jobs
    from pipeline.report.notebooks.stage import check_report_year
    from pipeline.stages.presentation_figures import reportable_cells
    from pipeline.stages.presentation_outline import period_report_cells

    shutil.copytree(REPO / "data/reference", tmp_path / "data/reference")
    rows = [("990100", 2023, "full_year", 2), ("990100", 2024, "full_year", 2), ("990200", 2023, "full_year", 3),
            ("990200", 2024, "Q1", 3), ("990200", 2024, "full_year", 0)]
    region = pd.DataFrame(rows, columns=["region_code", "year", "period", "counties_reporting"])
    path = marts.mart_path(tmp_path, marts.REGION)
    path.parent.mkdir(parents=True)
    region.to_parquet(path)
    # the presentation stage plans the years reported and the period report from the region mart (a year
    # delivered in part only)
    planned = [{"region_code": r, **c} for r in ("990100", "990200")
               for c in (period_report_cells(r, region[region["region_code"] == r], pd.DataFrame(), [])
                         + reportable_cells(region[region["region_code"] == r], r))]
    pd.DataFrame(planned).to_parquet(marts.mart_path(tmp_path, marts.PRESENTATION))
    params = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
    params["ingest"]["regions"] = ["990100", "990200"]
    params["report"].update(year=2024, first_year=2023)
    skipped = check_report_year(tmp_path, params)
    # its first quarter gets a period report instead (pipeline/report/period_reports.py)
    assert skipped == ["地区 990200：2024 年只有部分期间的报送，生成2024年第一季度的期间报告（与上年同期比较）"
                       "reports/notebooks/990200/2024-Q1/，不生成年度报告；有全年数据的年度：2023"]
    built = {(j.region, j.year) for j in plan_jobs(tmp_path, params, [2023, 2024])}
    assert built == {("990100", 2023), ("990100", 2024), ("990200", 2023)}


def test_the_notebooks_stage_on_two_dask_workers_publishes_the_local_bytes_though_a_worker_is_killed(
        two_counties, cluster, tmp_path):
    """Every notebook a task; each worker keeps its warm kernel; a worker killed while it runs a notebook is
    replaced and the notebook run again: the published reports and index are the bytes of the local run (the
    fixture's own stage run)."""
    import os
    import signal
    import threading
    import time

    from distributed import Client

    root = tmp_path / "proj"
    shutil.copytree(two_counties, root)
    local = _hashes(root)
    killed: list[int] = []

    def kill_a_busy_worker(client: Client) -> None:  # the first worker seen running a notebook, 2 s into it
        for _ in range(600):
            busy = [w for w, tasks in client.processing().items() if any(str(t).startswith("notebook-") for t in tasks)]
            if busy:
                time.sleep(2)
                pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
            time.sleep(0.1)

    with Client(cluster.scheduler_address, set_as_default=False) as client:
        killer = threading.Thread(target=kill_a_busy_worker, args=(client,))
        killer.start()
        proc = _run("pipeline.report.notebooks", root, "--execute-all", POLIECO_EXECUTOR="dask",
                    POLIECO_DASK_SCHEDULER=cluster.scheduler_address)
        killer.join()
        client.wait_for_workers(2, timeout=60)  # the nanny has started a new worker for the next test
    assert killed, "no worker was seen running a notebook"
    assert "Dask 集群" in proc.stdout and "执行 3 个" in proc.stdout, proc.stdout
    assert _hashes(root) == local


def test_a_worker_that_does_not_see_the_project_stops_the_stage_before_any_kernel(two_counties, cluster, tmp_path):
    """A third worker in its own mount namespace, with an empty file system laid over the project's folder:
    the stage names the setting and what to do, and leaves the reports as they were."""
    import subprocess

    if subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode != 0:
        pytest.skip("this machine cannot start a process in its own mount namespace (unshare -rm)")
    root = tmp_path / "proj"
    shutil.copytree(two_counties, root)
    before = _hashes(root)
    worker = subprocess.Popen(
        ["unshare", "-rm", "sh", "-c", f'mount -t tmpfs none "{tmp_path}" && exec "$0" -m distributed.cli.dask_worker '
         f'{cluster.scheduler_address} --nthreads 1 --no-nanny --name blind', sys.executable],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        from distributed import Client

        with Client(cluster.scheduler_address, set_as_default=False) as client:
            client.wait_for_workers(3, timeout=60)
        proc = _run("pipeline.report.notebooks", root, "--execute-all", check=False, POLIECO_EXECUTOR="dask",
                    POLIECO_DASK_SCHEDULER=cluster.scheduler_address)
    finally:
        worker.terminate()
        worker.wait(30)
    assert proc.returncode == 1
    assert "executor.kind" in proc.stderr and "看不到本项目的文件夹" in proc.stderr and "共 3 个中的 1 个" in proc.stderr
    assert "共享文件系统" in proc.stderr, proc.stderr
    assert _hashes(root) == before and not (root / "build" / ".notebooks.partial").exists()
