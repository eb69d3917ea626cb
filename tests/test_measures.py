import json

import pandas as pd
import pytest
from conftest import HEADER, good_rows

from pipeline.catalog import load_catalog
from pipeline.config import Paths
from pipeline.stages.ingest import ingest
from pipeline.stages.measures import compute_measures, new_onset_metrics, new_onset_plot_rows
from pipeline.stages.validate import promote


@pytest.fixture
def marts(project):
    project.write_csv(2019)
    rows_2020 = good_rows(2020)[:1]  # 990102 did not report in 2020
    rows_2020[0][6] = 100  # first form below the second: pyramid inverted
    project.write_csv(2020, [HEADER, *rows_2020])
    ingest(project.root)
    paths = Paths(project.root)
    promote(paths.staging_warehouse, paths.warehouse)
    county, region = compute_measures(paths.warehouse, load_catalog(paths.catalog), ["990100"], 2019, 2020, 1000)
    return county.set_index(["county_code", "year", "measure"]), region.set_index(["year", "measure"])


def test_new_onset_share_and_year_on_year_in_percentage_points(marts):
    county, _ = marts
    assert county.loc[("990101", 2019, "new_onset_share"), "value"] == pytest.approx(30.0)
    row = county.loc[("990101", 2020, "new_onset_share")]
    assert row["value"] == pytest.approx(100 * 31 / 110)
    # stated from the printed figures: 28.2% (28.18...) - 30.0% = -1.8 pp, not -1.818...
    assert row["yoy_change"] == pytest.approx(-1.8)
    assert (row["yoy_unit"], row["kind"], row["change_status"], row["judgement"]) == ("pp", "share", "down", "better")
    first = county.loc[("990101", 2019, "new_onset_share")]
    assert first["change_status"] == "first_year" and pd.isna(first["yoy_change"])


def test_counts_change_in_percent_rates_per_thousand_members_and_ranks(marts):
    county, _ = marts
    row = county.loc[("990101", 2020, "cases_filed")]
    assert row["yoy_change"] == pytest.approx(10.0) and row["yoy_unit"] == "%"
    assert row["rate_per_members"] == pytest.approx(110 / 20000 * 1000)
    assert (row["source_file"], row["source_cell"]) == ("data/raw/990100/2020.csv", "D3")
    # cases filed has no direction: 1 = highest
    assert county.loc[("990102", 2019, "cases_filed"), "rank_in_region"] == 1
    assert county.loc[("990101", 2019, "cases_filed"), "rank_in_region"] == 2
    assert county.loc[("990101", 2019, "cases_filed"), "rank_order"] == "highest_first"
    # a higher new-onset share is worse: 1 = lowest (990102 25.0% before 990101 30.0%)
    assert county.loc[("990102", 2019, "new_onset_share"), "rank_in_region"] == 1
    assert county.loc[("990101", 2019, "new_onset_share"), "rank_in_region"] == 2
    assert county.loc[("990101", 2019, "new_onset_share"), "rank_order"] == "best_first"
    assert county.loc[("990101", 2019, "cases_filed"), "counties_ranked"] == 2
    score = county.loc[("990101", 2019, "integrity_satisfaction")]
    assert score["yoy_unit"] == "points" and pd.isna(score["rate_per_members"])


def test_four_forms_shares_and_pyramid(marts):
    county, region = marts
    assert county.loc[("990101", 2019, "four_forms_sum"), "value"] == 582
    assert county.loc[("990101", 2019, "form1_share"), "value"] == pytest.approx(100 * 400 / 582)
    assert county.loc[("990101", 2019, "pyramid_holds"), "value"] == 1.0
    assert county.loc[("990101", 2020, "pyramid_holds"), "value"] == 0.0
    assert region.loc[(2019, "form1_share"), "value"] == pytest.approx(100 * 1100 / (582 + 1005))


def test_missing_county_year_is_a_gap_not_a_zero(marts):
    county, region = marts
    gap = county.loc[("990102", 2020, "cases_filed")]
    assert pd.isna(gap["value"]) and gap["status"] == "not_delivered"
    assert county.loc[("990102", 2020, "new_onset_share"), "status"] == "not_delivered"
    assert county.loc[("990101", 2020, "cases_filed"), "counties_ranked"] == 1
    assert county.loc[("990101", 2019, "funds_recovered"), "status"] == "column_absent"
    # the region's 2020 figures come from the one county that reported, and say so
    r = region.loc[(2020, "new_onset_share")]
    assert r["value"] == pytest.approx(100 * 31 / 110)
    # every registered county of the region is in scope: 8 of 10 never delivered here
    assert (r["counties_reporting"], r["counties_in_scope"]) == (1, 10)
    assert list(r["reporting_counties"]) == ["990101"]
    assert (r["counties_reporting_previous"], r["coverage_changed"]) == (2, True)
    assert pd.isna(region.loc[(2019, "new_onset_share"), "coverage_changed"])  # first year: nothing to compare
    assert county.loc[("990102", 2020, "cases_filed"), "change_status"] == "missing"
    assert county.loc[("990181", 2019, "cases_filed"), "status"] == "not_delivered"


def test_region_share_is_recomputed_from_sums_not_averaged(marts):
    _, region = marts
    assert region.loc[(2019, "new_onset_share"), "value"] == pytest.approx(100 * 80 / 300)
    assert region.loc[(2019, "cases_filed"), "value"] == 300
    assert region.loc[(2019, "integrity_satisfaction"), "value"] == pytest.approx((85.5 + 90.0) / 2)


def test_metrics_and_plot_rows(marts):
    county, region = marts
    metrics = new_onset_metrics(region.reset_index())
    assert metrics == {"990100": {"2019": 26.67, "2020": 28.18}}
    json.dumps(metrics)
    plot = new_onset_plot_rows(county.reset_index())
    assert list(plot["county"].unique()) == ["城关区（990101）", "城西区（990102）"]
    assert len(plot) == 3  # the missing 2020 row is left out, not drawn as zero


def test_region_ratio_takes_numerator_and_denominator_from_the_same_counties(project):
    rows = good_rows(2019)
    rows[1][4] = ""  # 990102 filed 200 cases but left new-onset cases blank
    project.write_csv(2019, [HEADER, *rows])
    project.write_csv(2020)
    ingest(project.root)
    paths = Paths(project.root)
    promote(paths.staging_warehouse, paths.warehouse)
    county, region = compute_measures(paths.warehouse, load_catalog(paths.catalog), ["990100"], 2019, 2020, 1000)
    r = region.set_index(["year", "measure"]).loc[(2019, "new_onset_share")]
    # 990101 alone: 30 / 100, not (30 + nothing) / (100 + 200) = 10%
    assert r["value"] == pytest.approx(30.0) and r["counties_reporting"] == 1
    assert region.set_index(["year", "measure"]).loc[(2019, "cases_filed"), "value"] == 300
    missing = county.set_index(["county_code", "year", "measure"]).loc[("990102", 2019, "new_onset_share")]
    assert (missing["status"], missing["missing_inputs"]) == ("not_computable", "new_onset_cases")


def test_first_year_auto_starts_each_region_at_its_first_delivery(project):
    """ingest.first_year: auto. The city delivers 2019 and 2020 and nothing before: its rows are 2019 and 2020
    only (no empty 2015-2018), and 2019 is its first year (no change stated), with last_year 2020."""
    project.write_csv(2019)
    project.write_csv(2020)
    ingest(project.root)
    paths = Paths(project.root)
    promote(paths.staging_warehouse, paths.warehouse)
    county, region = compute_measures(paths.warehouse, load_catalog(paths.catalog), ["990100"], None, 2020, 1000)
    assert sorted(county["year"].unique()) == [2019, 2020] and sorted(region["year"].unique()) == [2019, 2020]
    first = county.set_index(["county_code", "year", "measure"]).loc[("990101", 2019, "new_onset_share")]
    assert first["change_status"] == "first_year"


def test_first_year_must_be_auto_or_a_year(project):
    from pipeline.config import first_year_setting

    assert first_year_setting({"ingest": {"first_year": "auto"}}) is None
    assert first_year_setting({"ingest": {"first_year": 2015}}) == 2015
    with pytest.raises(Exception, match=r"ingest\.first_year.*auto"):
        first_year_setting({"ingest": {"first_year": "2015年"}})


def test_a_region_computed_in_memory_from_its_own_rows_gives_the_warehouse_figures(project):
    """On a Dask cluster a worker has no warehouse: it gets the region's rows (Arrow tables, SQL types kept)
    and computes in memory. The figures, and their types, are the warehouse run's: 990101's new-onset share
    30.0 % in 2019 either way, the frames equal cell for cell (auto first year: the deliveries decide it)."""
    from pipeline.judgement import JudgementConfig
    from pipeline.stages.measures import region_measures, region_tables

    project.write_csv(2019)
    project.write_csv(2020)
    ingest(project.root)
    paths = Paths(project.root)
    promote(paths.staging_warehouse, paths.warehouse)
    catalog = load_catalog(paths.catalog)
    judgement = JudgementConfig(None, {"count": 0.0, "share": 0.0, "score": 0.0})
    whole = compute_measures(paths.warehouse, catalog, ["990100"], None, 2020, 1000, judgement)
    tables = region_tables(paths.warehouse, ["990100"])["990100"]
    alone = region_measures("990100", tables, catalog, None, 2020, 1000, judgement)
    for a, b in zip(alone, whole, strict=True):
        pd.testing.assert_frame_equal(a, b)
    share = alone[0].set_index(["county_code", "year", "measure"]).loc[("990101", 2019, "new_onset_share"), "value"]
    assert share == pytest.approx(30.0)
