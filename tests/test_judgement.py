"""Rounding half up and the judgements written into the marts, on hand-made series."""

import pandas as pd
import pytest
from conftest import REPO

from pipeline.catalog import load_catalog
from pipeline.judgement import JudgementConfig, year_on_year
from pipeline.numbers import fixed, printed_difference, round_half_up

CATALOG = load_catalog(REPO / "data/reference/indicators.yaml")
CFG = JudgementConfig(first_year=2019, flat_band={"count": 0.0, "share": 0.0, "score": 1.0})


def judged(measure, values, first=2019):
    frame = pd.DataFrame({"county_code": "990101", "measure": measure,
                          "year": range(first, first + len(values)),
                          "value": [float("nan") if v is None else v for v in values]})
    return year_on_year(frame, CATALOG, CFG, ["county_code"]).set_index("year")


def test_half_up_as_chinese_reports_round():
    assert fixed(100 * 5 / 16, 1) == "31.3"  # 31.25: Python's f"{:.1f}" gives 31.2
    assert round_half_up(2.675, 2) == 2.68 and round_half_up(-0.05, 1) == -0.1
    assert fixed(-0.04, 1) == "0.0" and fixed(1234.5, 0, thousands=True) == "1,235"
    # 30.04% -> 28.16% prints as 30.0% -> 28.2%: the change printed is 1.8, not 1.88 -> 1.9
    assert printed_difference(28.16, 30.04, 1) == pytest.approx(-1.8)
    from pipeline.report.fmt import percent_text

    assert percent_text(73 / 200) == "37%"  # 36.5%: f"{0.365:.0%}" gives 36%


def test_share_change_below_display_precision_is_flat():
    s = judged("new_onset_share", [30.00, 30.04])
    assert s.loc[2020, "yoy_change"] == 0.0 and s.loc[2020, "change_status"] == "flat"
    assert s.loc[2020, "judgement"] == "flat" and s.loc[2019, "change_status"] == "first_year"


def test_direction_gives_better_or_worse():
    s = judged("new_onset_share", [30.0, 28.0, 29.5])
    assert s["judgement"].tolist()[1:] == ["better", "worse"]
    assert judged("form1_share", [60.0, 65.0]).loc[2020, "judgement"] == "better"
    assert judged("cases_filed", [100.0, 120.0]).loc[2020, "judgement"] == "neutral"


def test_score_moves_within_the_flat_band_are_flat():
    s = judged("integrity_satisfaction", [85.0, 85.9, 87.0])
    assert s["change_status"].tolist() == ["first_year", "flat", "up"]
    assert s.loc[2021, "yoy_change"] == pytest.approx(1.1)


def test_streaks_count_consecutive_years_only():
    # rises in 2021, 2022 and 2024; 2023 falls: 2024 is a run of 1, not the third rise
    s = judged("accountability_persons", [10.0, 10.0, 12.0, 13.0, 11.0, 14.0])
    assert s["rise_streak"].tolist() == [0, 0, 1, 2, 0, 1]
    assert s.loc[2023, "fall_streak"] == 1 and s.loc[2024, "yoy_change"] == pytest.approx(27.3)


def test_a_gap_is_no_previous_and_breaks_the_run():
    s = judged("accountability_persons", [10.0, 12.0, None, 13.0, 15.0])
    assert s["change_status"].tolist() == ["first_year", "up", "missing", "no_previous", "up"]
    assert s["rise_streak"].tolist() == [0, 1, 0, 0, 1]


def test_count_from_zero_has_a_direction_but_no_percentage():
    s = judged("accountability_persons", [0.0, 3.0])
    assert s.loc[2020, "change_status"] == "up" and pd.isna(s.loc[2020, "yoy_change"])


def test_trend_against_the_mean_of_the_first_years():
    from pipeline.judgement import trend_against_baseline

    frame = pd.DataFrame({"county_code": "990101", "measure": "new_onset_share", "year": range(2015, 2021),
                          "value": [25.0, 27.0, 29.0, 31.0, 33.0, 35.5]})
    t = trend_against_baseline(frame, CATALOG, CFG, ["county_code"]).set_index("year")
    # four years and more: the mean of the first three, (25 + 27 + 29) / 3 = 27.0; 35.5 - 27.0 = 8.5
    assert t.loc[2020, "trend_baseline"] == 27.0 and t.loc[2020, "trend_change"] == pytest.approx(8.5)
    assert (t.loc[2020, "trend_baseline_from"], t.loc[2020, "trend_baseline_to"]) == (2015, 2017)
    # two and three years: the first year alone (27 - 25 = 2.0, 29 - 25 = 4.0); one year: no trend
    assert (t.loc[2016, "trend_baseline"], t.loc[2016, "trend_change"]) == (25.0, pytest.approx(2.0))
    assert (t.loc[2017, "trend_baseline_from"], t.loc[2017, "trend_baseline_to"]) == (2015, 2015)
    assert t["trend_status"].tolist() == ["insufficient"] + ["rising"] * 5
    flat = frame.assign(value=[30.0, 30.5, 29.5, 30.2, 30.4, 31.0])
    assert trend_against_baseline(flat, CATALOG, CFG, ["county_code"])["trend_status"].iloc[-1] == "flat"


def test_published_city_share_stays_above_its_baseline():
    """29.9 % (2015), 32.6 %, 32.4 % (2017): published as not yet contained, 2.5 points above 2015."""
    from pipeline.judgement import trend_against_baseline

    frame = pd.DataFrame({"county_code": "990101", "measure": "new_onset_share", "year": [2015, 2016, 2017],
                          "value": [29.9, 32.6, 32.4]})
    t = trend_against_baseline(frame, CATALOG, CFG, ["county_code"]).set_index("year")
    assert t.loc[2017, "trend_baseline"] == 29.9 and t.loc[2017, "trend_change"] == pytest.approx(2.5)
    assert t.loc[2017, "trend_status"] == "rising"


def test_county_against_region_by_direction():
    from pipeline.judgement import against_region

    county = pd.DataFrame({"region_code": "990100", "county_code": "990101", "year": 2020,
                           "measure": ["new_onset_share", "form1_share", "cases_filed"], "value": [33.54, 60.0, 100.0]})
    region = pd.DataFrame({"region_code": "990100", "year": 2020,
                           "measure": ["new_onset_share", "form1_share", "cases_filed"], "value": [27.94, 60.04, 900.0]})
    out = against_region(county, region, CATALOG).set_index("measure")
    assert out.loc["new_onset_share", "region_gap"] == pytest.approx(5.6)  # 33.5 - 27.9 as printed
    assert out.loc["new_onset_share", "region_gap_judgement"] == "worse"
    assert out.loc["form1_share", "region_gap_judgement"] == "level"  # 60.0 and 60.0 as printed
    assert pd.isna(out.loc["cases_filed", "region_gap"])
