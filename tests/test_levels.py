"""Levels of the places that report: a province comparing its cities runs the same pipeline.

Fixtures in tests/data/levels/ (synthetic). The expected ranges come from the
catalog by hand: 立案数 is plausible up to 20,000 for a county, and a
prefecture-level city's counts scale by 20 (400,000).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
import yaml
from conftest import HEADER, good_rows

from pipeline.catalog import load_catalog
from pipeline.config import Paths
from pipeline.stages.ingest import ingest
from pipeline.stages.measures import compute_measures
from pipeline.stages.validate import validate

FIXTURES = Path(__file__).resolve().parent / "data" / "levels"


@pytest.fixture
def province(project):
    """The demo province 990000 as the region; its cities 990100 and 990200 report in data/raw/990000/."""
    project.set_params(regions=["990000"], first_year=2019, last_year=2019)
    folder = project.root / "data/raw/990000"
    folder.mkdir(parents=True)
    return project, folder


def test_a_province_compares_its_cities_with_city_sized_counts(province):
    project, folder = province
    shutil.copyfile(FIXTURES / "cities_2019.csv", folder / "2019.csv")
    ingest(project.root)
    ok, findings, _ = validate(project.root)
    assert ok, [str(f) for f in findings]
    with duckdb.connect(str(project.root / "data/warehouse.duckdb"), read_only=True) as con:
        rows = con.sql("SELECT county_code, level, cases_filed FROM county_year_wide ORDER BY county_code").fetchall()
    assert rows == [("990100", "prefecture", 23500), ("990200", "prefecture", 18700)]
    paths = Paths(project.root)
    county, region = compute_measures(paths.warehouse, load_catalog(paths.catalog), ["990000"], 2019, 2019, 1000)
    assert sorted(set(county["county_code"])) == ["990100", "990200"]  # the cities are the units, no county
    assert region.set_index("measure").loc["cases_filed", "value"] == 23500 + 18700


def critical(project) -> str:
    ok, findings, _ = validate(project.root)
    assert not ok
    return "\n".join(str(f) for f in findings if f.severity == "critical")


def test_a_city_beyond_its_levels_range_stops_naming_the_level_and_the_setting(province):
    project, folder = province
    shutil.copyfile(FIXTURES / "cities_misplaced_digit_2019.csv", folder / "2019.csv")
    ingest(project.root)
    text = critical(project)
    assert "data/raw/990000/2019.csv 第 3 行 D3「立案数（件）」" in text
    assert "立案数应在地级单位的合理范围 0–400000件 之内" in text and "ranges.prefecture" in text
    assert "立案数 = 470000" in text


def test_the_same_count_at_a_county_stops_with_the_county_range(project):
    rows = good_rows(2019)
    rows[0][3] = 23500  # a city's count typed into a county's row
    project.write_csv(2019, [HEADER, *rows])
    ingest(project.root)
    text = critical(project)
    assert "990101 城关区 2019 年" in text and "立案数应在县级单位的合理范围 0–20000件 之内" in text
    assert "ranges.county" in text


def test_a_level_range_set_in_the_catalog_replaces_the_scaled_one(province):
    project, folder = province
    path = project.root / "data/reference/indicators.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec = next(i for i in raw["indicators"] if i["code"] == "cases_filed")
    spec["ranges"] = {"prefecture": [0, 20000]}
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    suite = project.root / "expectations/indicator_ranges.json"
    from pipeline.stages.validate import write_range_suite
    write_range_suite(Paths(project.root))
    assert "0–20000件" in suite.read_text(encoding="utf-8")
    shutil.copyfile(FIXTURES / "cities_2019.csv", folder / "2019.csv")
    ingest(project.root)
    text = critical(project)
    assert "990100" in text and "立案数应在地级单位的合理范围 0–20000件 之内" in text  # 23,500 now too many
    assert "990200" not in text  # 18,700 within


def test_hard_limits_hold_at_every_level(province):
    project, folder = province
    rows = (FIXTURES / "cities_2019.csv").read_text(encoding="utf-8").replace(",88.1,", ",188.1,")
    (folder / "2019.csv").write_text(rows, encoding="utf-8")
    ingest(project.root)
    text = critical(project)
    assert "党风廉政建设社会评价满意度：得分应在 0–100 之间（任何级别的单位都不允许）" in text


def test_catalog_refuses_a_range_outside_the_hard_limits(tmp_path):
    src = Path(__file__).resolve().parents[1] / "data/reference/indicators.yaml"
    raw = yaml.safe_load(src.read_text(encoding="utf-8"))
    spec = next(i for i in raw["indicators"] if i["kind"] == "share")
    spec["ranges"] = {"province": [0, 150]}
    bad = tmp_path / "indicators.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ValueError, match="hard limits"):
        load_catalog(bad)
