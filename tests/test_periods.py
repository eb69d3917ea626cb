"""Reporting periods: half-years, quarters and 1-9月 read from where deliveries write them, never mixed with full years.

Fixtures are in tests/data/periods/ (plain CSV, synthetic figures). The
expected codes and changes are worked out by hand from those files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline.catalog import load_catalog
from pipeline.config import Paths
from pipeline.errors import DataError
from pipeline.periods import label, parse_period, parse_year_period
from pipeline.stages.ingest import ingest
from pipeline.stages.measures import compute_measures, national_benchmark
from pipeline.stages.validate import promote

FIXTURES = Path(__file__).resolve().parent / "data" / "periods"


@pytest.mark.parametrize(("typed", "code"), [
    ("全年", "full_year"), ("1-12月", "full_year"), ("上半年", "H1"), ("1-6月", "H1"), ("下半年", "H2"),
    ("第一季度", "Q1"), ("一季度", "Q1"), ("Q3", "Q3"), ("前三季度", "M1-9"), ("1-9月", "M1-9"),
    ("1—9月", "M1-9"), ("1至7月", "M1-7"), ("1月-7月", "M1-7"), ("h1", "H1"),
    ("13-14月", None), ("9-1月", None), ("三季度末", None),
])
def test_periods_as_commissions_write_them(typed, code):
    assert parse_period(typed) == code


@pytest.mark.parametrize(("typed", "expected"), [
    ("2021", (2021, None)), ("2021年度", (2021, None)), ("2021年1-9月", (2021, "M1-9")),
    ("2022年上半年", (2022, "H1")), ("2018-H1", (2018, "H1")), ("2018_Q2", (2018, "Q2")), ("2021x", None),
])
def test_a_year_with_its_period(typed, expected):
    assert parse_year_period(typed) == expected


def test_labels_say_the_period():
    assert [label(2021, c) for c in ("full_year", "M1-9", "H1", "Q1")] == [
        "2021年", "2021年1-9月", "2021年上半年", "2021年第一季度"]
    assert label(2021, "M1-9", "en") == "2021 (Jan–Sep)" and label(2021, "H1", "en") == "2021 H1"


def periods_stored(project) -> set[tuple[int, str]]:
    with duckdb.connect(str(project.root / "data/staging/warehouse.duckdb"), read_only=True) as con:
        facts = set(con.sql("SELECT DISTINCT year, period FROM facts").fetchall())
        deliveries = set(con.sql("SELECT DISTINCT year, period FROM deliveries").fetchall())
    assert facts == deliveries
    return facts


@pytest.mark.parametrize(("fixture", "name", "period"), [
    ("period_column.csv", "2019.csv", "M1-9"),        # a 统计期间 column: 1-9月
    ("period_in_year_cell.csv", "2019.csv", "M1-9"),  # the year cell: 2019年1-9月
    ("period_in_name.csv", "2019-H1.csv", "H1"),       # the file name
    ("period_in_title.csv", "2019.csv", "H1"),         # the title row: 东川市2019年上半年…
    ("full_2019.csv", "2019.csv", "full_year"),        # nothing said: a full year
])
def test_the_period_is_read_from_where_the_delivery_states_it(project, fixture, name, period):
    shutil.copyfile(FIXTURES / fixture, project.raw / name)
    ingest(project.root)
    assert periods_stored(project) == {(2019, period)}


@pytest.mark.parametrize(("fixture", "name", "message"), [
    ("period_conflicts_name.csv", "2019-H1.csv",
     "data/raw/990100/2019-H1.csv，第 3 行（城关区），第 C 列「年度」：这一行的期间是 2019年1-9月，文件名表明是 2019年上半年；一个文件只能有一个统计期间"),
    ("two_periods_in_one_file.csv", "2019.csv",
     "data/raw/990100/2019.csv，第 4 行（城西区），第 C 列「年度」：这一行的期间是 2019 年，第 3 行C列表明是 2019年1-9月"),
    ("unknown_period.csv", "2019.csv",
     "data/raw/990100/2019.csv，第 3 行（城关区），第 D 列「统计期间」：统计期间「三季度末」无法识别"),
])
def test_a_period_that_disagrees_or_cannot_be_read_stops_naming_the_cell(project, fixture, name, message):
    shutil.copyfile(FIXTURES / fixture, project.raw / name)
    with pytest.raises(DataError) as err:
        ingest(project.root)
    assert message in err.value.report()
    assert not (project.root / "data/staging/warehouse.duckdb").exists()


def test_two_files_for_the_same_period_are_refused_naming_both(project):
    shutil.copyfile(FIXTURES / "period_in_year_cell.csv", project.raw / "2019.csv")
    shutil.copyfile(FIXTURES / "period_column.csv", project.raw / "2019年1-9月.csv")
    with pytest.raises(DataError) as err:
        ingest(project.root)
    assert ("data/raw/990100/2019年1-9月.csv：与 data/raw/990100/2019.csv 都是 2019年1-9月的数据；同一期间只能交一个文件"
            in err.value.report())


@pytest.fixture
def period_marts(project):
    """Full years 2019 and 2020 beside 1-9月 of both years (cases filed, 990101 / 990102):
    full 2019 100 / 200, full 2020 110 / 200; 1-9月 2019 60 / 150, 1-9月 2020 90 / 150."""
    for fixture, name in [("full_2019.csv", "2019.csv"), ("full_2020.csv", "2020.csv"),
                          ("m1_9_2019.csv", "2019年1-9月.csv"), ("m1_9_2020.csv", "2020-M1-9.csv")]:
        shutil.copyfile(FIXTURES / fixture, project.raw / name)
    ingest(project.root)
    paths = Paths(project.root)
    promote(paths.staging_warehouse, paths.warehouse)
    county, region = compute_measures(paths.warehouse, load_catalog(paths.catalog), ["990100"], 2019, 2020, 1000)
    return county.set_index(["county_code", "year", "period", "measure"]), region.set_index(["year", "period", "measure"])


def test_year_on_year_compares_the_same_period_only(period_marts):
    county, region = period_marts
    full = county.loc[("990101", 2020, "full_year", "cases_filed")]
    assert (full["previous_value"], full["yoy_change"]) == (100, pytest.approx(10.0))  # 100 -> 110
    nine = county.loc[("990101", 2020, "M1-9", "cases_filed")]
    assert (nine["previous_value"], nine["yoy_change"]) == (60, pytest.approx(50.0))  # 60 -> 90, not 100 -> 90
    assert nine["source_file"] == "data/raw/990100/2020-M1-9.csv"
    # ranks and region figures within the period: 1-9月 2020 region total 90 + 150
    assert region.loc[(2020, "M1-9", "cases_filed"), "value"] == 240
    assert region.loc[(2020, "full_year", "cases_filed"), "value"] == 310
    assert region.loc[(2020, "M1-9", "cases_filed"), "yoy_change"] == pytest.approx(14.3)  # (240 - 210) / 210 = 14.29 %
    assert county.loc[("990101", 2020, "M1-9", "cases_filed"), "rank_in_region"] == 2


def test_only_delivered_partial_periods_are_in_scope(period_marts):
    county, _ = period_marts
    periods = set(county.index.get_level_values("period"))
    assert periods == {"full_year", "M1-9"}  # no Q1 or H1 rows: nobody delivered one
    nine = county.xs(("M1-9", "cases_filed"), level=("period", "measure"))["status"]
    assert nine.loc[["990101", "990102"]].eq("ok").all()
    assert nine.drop(["990101", "990102"]).eq("not_delivered").all()  # the region's other counties: a gap, said so


def test_the_evaluation_and_warnings_read_full_years_only(period_marts, project):
    from pipeline import marts
    from pipeline.config import load_params
    county, _ = period_marts
    path = marts.mart_path(project.root, marts.COUNTY)
    path.parent.mkdir(parents=True, exist_ok=True)
    county.reset_index().to_parquet(path, index=False)
    scoped = marts.scoped_county_measures(project.root, load_params(project.root))
    assert set(scoped["period"]) == {"full_year"} and len(scoped) == len(county.xs("full_year", level="period"))


def test_national_benchmark_keeps_each_period_apart():
    rows = []
    for period, forms in [("full_year", (300, 150, 40, 10)), ("上半年", (100, 50, 30, 20))]:
        rows += [("national", 2023, period, f"form{i + 1}_persons", v, "万人次", "test") for i, v in enumerate(forms)]
    nat = pd.DataFrame(rows, columns=["scope", "year", "period", "indicator", "value", "unit", "source"])
    bench = national_benchmark(nat, load_catalog(Path(__file__).resolve().parents[1] / "data/reference/indicators.yaml"))
    share = bench[bench["measure"] == "form1_share"].set_index("period")["value"]
    assert share.to_dict() == {"full_year": pytest.approx(60.0), "H1": pytest.approx(50.0)}  # 300/500, 100/200
