"""End to end on a 2-county fixture: real kernels run the notebooks through the stage's own runner."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

import pytest
from conftest import HEADER, REPO, csv_bytes, good_rows, narrow_project, run_cmd

pytestmark = pytest.mark.slow
YEARS = range(2017, 2021)


def _run(module: str, root: Path, check: bool = True):
    return run_cmd([sys.executable, "-m", module], root, check, PYTHONPATH=str(REPO))


def _hashes(root: Path) -> dict[str, str]:
    files = sorted((root / "reports" / "notebooks").rglob("*")) + [root / "reports" / "index.html"]
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}


@pytest.fixture(scope="module")
def two_counties(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("nb") / "proj"
    shutil.copytree(REPO / "data" / "reference", root / "data" / "reference")
    shutil.copytree(REPO / "notebooks", root / "notebooks")
    narrow_project(root, ["990101", "990102"], 2017, 2020, **{"workers: 0": "workers: 2"})
    raw = root / "data/raw/990100"
    raw.mkdir(parents=True)
    for year in YEARS:
        rows = good_rows(year)
        if year == 2019:
            rows = rows[:1]  # 990102 missed 2019
        (raw / f"{year}.csv").write_bytes(csv_bytes([HEADER, *rows], "gbk"))
    _run("pipeline.stages.ingest", root)
    from pipeline.config import Paths
    from pipeline.stages.validate import promote

    promote(Paths(root).staging_warehouse, Paths(root).warehouse)
    _run("pipeline.stages.measures", root)
    _run("pipeline.report.notebooks", root)
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


def test_rerun_is_byte_identical(two_counties):
    before = _hashes(two_counties)
    _run("pipeline.report.notebooks", two_counties)
    assert _hashes(two_counties) == before and len(before) == 13  # ipynb, html, writeup.md, writeup.docx


def test_index_lists_counties_with_links(two_counties):
    index = (two_counties / "reports/index.html").read_text(encoding="utf-8")
    assert 'href="notebooks/990100/2020/990101/county.html"' in index
    assert 'href="notebooks/990100/2020/region.html"' in index
    assert 'href="data_docs/index.html"' in index
    assert "城关区" in index and "城西区" in index and "合成演示数据" in index
    assert "<script" not in index and "http" not in index.replace("http-equiv", "")


def test_failing_county_fails_the_stage_after_the_others_and_is_kept(two_counties, tmp_path):
    root = tmp_path / "proj"
    shutil.copytree(two_counties, root, ignore=shutil.ignore_patterns("reports"))
    nb_path = root / "notebooks/county.ipynb"
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    nb["cells"].insert(3, {"cell_type": "code", "id": "boom", "metadata": {}, "outputs": [], "execution_count": None,
                           "source": "if county == '990102':\n    raise ValueError('测试用的错误')"})
    nb_path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    proc = _run("pipeline.report.notebooks", root, check=False)
    assert proc.returncode == 1
    assert "990100/990101 完成" in proc.stdout and "990100/990102 失败" in proc.stdout
    assert "✗ 990100/990102：第 5 个单元格" in proc.stderr and "ValueError: 测试用的错误" in proc.stderr
    kept = root / "build/failed_notebooks/990100/2020/990102/county.ipynb"
    assert kept.is_file() and "测试用的错误" in kept.read_text(encoding="utf-8")
    assert not (root / "reports/notebooks").exists() and not (root / "reports/index.html").exists()


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
