"""Write-up sentences on crafted data, traceability of every number, and the .docx."""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import HEADER, REPO, good_rows

from pipeline.config import Paths
from pipeline.report.trends import load_report_data
from pipeline.report.writeup import (
    Citer,
    CountyFacts,
    county_report,
    load_phrases,
    region_report,
    to_docx,
)
from pipeline.stages.evaluate import evaluate_all
from pipeline.stages.ingest import ingest
from pipeline.stages.measures import compute_measures
from pipeline.stages.validate import promote


def build(project, keep_counties=None):
    """Ingest, promote and compute the marts of a crafted project; return its ReportData."""
    if keep_counties is not None:
        path = project.root / "data/reference/divisions.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if not line.startswith("9901") or line.split(",")[0] in keep_counties
                or line.startswith("990100,")]
        path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    ingest(project.root)
    paths = Paths(project.root)
    promote(paths.staging_warehouse, paths.warehouse)
    county, region = compute_measures(paths.warehouse, load_catalog(paths), ["990100"], 2019, 2020, 1000)
    paths.marts.mkdir(parents=True, exist_ok=True)
    county.to_parquet(paths.marts / "county_year_measures.parquet", index=False)
    region.to_parquet(paths.marts / "region_year_measures.parquet", index=False)
    return load_report_data(project.root)


def load_catalog(paths):
    from pipeline.catalog import load_catalog as load

    return load(paths.catalog)


@pytest.fixture
def crafted(project):
    project.write_csv(2019)
    rows = good_rows(2020)[:1]  # 990102 did not report in 2020
    project.write_csv(2020, [HEADER, *rows])
    return project, build(project, keep_counties={"990101", "990102"})


def facts(data, project, county, year, first=2019):
    return CountyFacts(data, county, year, first, Citer(data), load_phrases(project.root))


def test_rising_count(crafted):
    project, data = crafted
    text, direction = facts(data, project, "990101", 2020).change_sentence("cases_filed")
    assert direction == "up"
    assert text == "立案数由100[^1]件上升到110[^2]件，同比上升10.0%[^3]"


def test_falling_share_in_percentage_points(crafted):
    project, data = crafted
    text, direction = facts(data, project, "990101", 2020).change_sentence("new_onset_share")
    assert direction == "down"
    assert text == "新发生案件占比由30.0%[^1]下降到28.2%[^2]，下降1.8[^3]个百分点"


def test_flat_count(crafted):
    project, data = crafted
    f = facts(data, project, "990101", 2020)
    text, direction = f.change_sentence("persons_sanctioned")
    assert (text, direction) == ("党纪政务处分人数为95[^1]人，与上年持平", "flat")


def test_missing_year_is_said_plainly(crafted):
    project, data = crafted
    text, direction = facts(data, project, "990102", 2020).change_sentence("cases_filed")
    assert (text, direction) == ("2020年未报送立案数数据，本项不作评价", "missing")
    report = county_report(data, project.root, "990100", "990102", 2020, 2019)
    assert any("数据缺报：立案数、党纪政务处分人数" in p for p in report.sections["problems"])
    assert any("建议督促按时、完整报送年度指标" in p for p in report.sections["suggestions"])


def test_first_year_has_no_comparison(crafted):
    project, data = crafted
    text, direction = facts(data, project, "990101", 2019).change_sentence("cases_filed")
    assert (text, direction) == ("立案数为100[^1]件（2019年为首个统计年度，无上年数据可比）", "first")


def test_region_with_one_county(project):
    project.write_csv(2019, [HEADER, good_rows(2019)[0]])
    project.write_csv(2020, [HEADER, good_rows(2020)[0]])
    data = build(project, keep_counties={"990101"})
    report = region_report(data, project.root, "990100", 2020, 2019)
    first = report.sections["achievements"][0]
    assert first.startswith("全市1[^1]个县区报送了2020年度数据，立案数由100[^2]件上升到110[^3]件；")
    assert "新发生案件占比由30.0%[^6]下降到28.2%[^7]" in first
    assert report.sections["problems"] == ["对照各项监测指标和预警规则，本年度未发现突出问题。"]


def test_report_numbers_all_trace_to_the_marts(crafted):
    project, data = crafted
    report = county_report(data, project.root, "990100", "990101", 2020, 2019)
    check_traceable(report, data, years=range(2019, 2021))


def check_traceable(report, data, years):
    """Every number of the prose is a cited figure or a year; every cited figure equals its mart value."""
    from pipeline.report.writeup import body_text, is_clean

    body = body_text(report)
    assert is_clean(body) == []
    cited = {f.n: f for f in report.figures}
    assert set(cited) == {int(n) for n in re.findall(r"\[\^(\d+)\]", body)}  # no note without its number
    for m in re.finditer(r"(\d[\d,]*(?:\.\d+)?%?)\[\^(\d+)\]", body):
        assert cited[int(m.group(2))].text == m.group(1)
    bare = re.sub(r"\d[\d,]*(?:\.\d+)?%?\[\^\d+\]", "", body)
    for number in re.findall(r"\d[\d,]*(?:\.\d+)?", bare):
        assert int(number) in years or number in {"2015", "2024"} or number in report.title, number
    county = data.county.set_index(["county_code", "year", "measure"])
    region = data.region.set_index(["region_code", "year", "measure"])
    for f in report.figures:
        if f.scope == "county" and f.field == "region_gap":
            mine = county.loc[(f.code, f.year, f.measure), "value"]
            theirs = region.loc[(county.loc[(f.code, f.year, f.measure), "region_code"], f.year, f.measure), "value"]
            assert f.value == pytest.approx(abs(mine - theirs))
        elif f.scope == "county":
            expected = county.loc[(f.code, f.year, f.measure), f.field]
            assert f.value == pytest.approx(abs(expected) if f.field == "yoy_change" else expected), f
        elif f.scope == "region" and f.field in ("value", "counties_reporting"):
            assert f.value == pytest.approx(region.loc[(f.code, f.year, f.measure), f.field]), f
        elif f.scope == "evaluation":
            ev = data.evaluation.set_index(["county_code", "year"])
            assert f.value == pytest.approx(ev.loc[(f.code, f.year), f.field]), f
        shown = float(f.text.rstrip("%").replace(",", ""))
        scale = 100 if f.field == "modal_probability" else 1
        assert shown == pytest.approx(f.value * scale, abs=0.051), f  # printed to one decimal


def test_docx_has_the_three_sections_and_the_appendix(crafted):
    from docx import Document

    project, data = crafted
    report = county_report(data, project.root, "990100", "990101", 2020, 2019)
    blob = to_docx(report)
    assert blob == to_docx(report)  # byte-stable
    path = project.root / "w.docx"
    path.write_bytes(blob)
    doc = Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings == ["城关区2020年度政治生态建设评价报告", "一、成效", "二、问题和难点", "三、思考与建议", "附录：数据来源"]
    assert doc.paragraphs[1].text.startswith("【合成演示数据】")
    appendix = doc.tables[-1]
    assert [c.text for c in appendix.rows[0].cells] == ["注", "数值", "指标", "来源"]
    assert len(appendix.rows) == len(report.figures) + 1
    assert any("data/raw/990100/2020.csv 第 3 行 D3" in c.text for row in appendix.rows for c in row.cells)
    superscripts = [r for p in doc.paragraphs for r in p.runs if r.font.superscript]
    assert superscripts and superscripts[0].text == "[1]"


def test_evaluation_and_warnings_appear_when_present(crafted):
    import pandas as pd
    import yaml

    from pipeline.stages.early_warning import apply_rules

    project, data = crafted
    params = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
    data.warnings = apply_rules(data.county, params["warnings"]["rules"])
    params["evaluation"]["min_indicators"] = 1
    params["evaluation"]["weights"] = {"integrity_satisfaction": 1}
    params["evaluation"]["uncertainty"]["draws"] = 50
    data.evaluation = evaluate_all(data.county, params["evaluation"])["evaluation"]
    report = county_report(data, project.root, "990100", "990101", 2020, 2019)
    text = "\n".join(report.sections["achievements"] + report.sections["problems"])
    assert "综合评价指数" in text and "等次为“" in text
    assert isinstance(data.evaluation, pd.DataFrame)
    check_traceable(report, data, years=range(2019, 2021))
    shutil.rmtree(project.root / "data" / "marts")
