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
