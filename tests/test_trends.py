import pandas as pd
import pytest
from conftest import REPO

from pipeline.report.trends import (
    describe_share_trend,
    fmt_count,
    fmt_pct,
    missing_years,
    missing_years_text,
    national_four_forms,
    pyramid_text,
)


def series(values, first=2015):
    years = list(range(first, first + len(values)))
    yoy = [None] + [None if (a is None or b is None) else b - a for a, b in zip(values, values[1:], strict=False)]
    status = ["ok" if v is not None else "not_delivered" for v in values]
    return pd.DataFrame({"year": years, "value": [float("nan") if v is None else v for v in values],
                         "yoy_change": [float("nan") if v is None else v for v in yoy], "status": status})


REGION = pd.DataFrame({"year": range(2015, 2021), "value": [30.0, 30.0, 30.0, 30.0, 30.0, 28.0]})


def test_rising_share_against_own_first_years_and_region():
    t = describe_share_trend(series([25.0, 27.0, 29.0, 31.0, 33.0, 35.5]), REGION, "新发生案件占比")
    assert (t.direction, t.baseline, t.baseline_years) == ("rising", 27.0, (2015, 2016, 2017))
    assert t.change == pytest.approx(8.5)
    assert t.text == ("新发生案件占比 2020 年为 35.5%，比 2015–2017 年平均水平（27.0%）上升 8.5 个百分点，呈上升态势；"
                      "同比上升 2.5 个百分点；全市为 28.0%，本县高 7.5 个百分点。")


def test_falling_share():
    t = describe_share_trend(series([38.0, 36.0, 34.0, 30.0, 29.0, 26.0]), REGION, "新发生案件占比")
    assert t.direction == "falling"
    assert "比 2015–2017 年平均水平（36.0%）下降 10.0 个百分点，呈下降态势；同比下降 3.0 个百分点；全市为 28.0%，本县低 2.0 个百分点。" in t.text


def test_flat_share_within_the_band():
    t = describe_share_trend(series([30.0, 30.5, 29.5, 30.2, 30.4, 30.6]), REGION, "新发生案件占比")
    assert t.direction == "flat"
    assert "与 2015–2017 年平均水平（30.0%）相比变化不足 1 个百分点，基本持平" in t.text


def test_missing_year_is_skipped_for_baseline_and_named():
    s = series([None, 25.0, 27.0, 29.0, 31.0, None])
    t = describe_share_trend(s, REGION, "新发生案件占比")
    assert t.baseline_years == (2016, 2017, 2018) and t.latest_year == 2019
    assert missing_years(s) == [(2015, "not_delivered"), (2020, "not_delivered")]
    assert missing_years_text(s, "新发生案件占比") == (
        "新发生案件占比：2015 年（未报送）、2020 年（未报送）没有数值，图表中留空，不按零处理。")
    assert missing_years_text(series([30.0, 31.0]), "x") is None


def test_too_few_years_gives_no_verdict():
    t = describe_share_trend(series([30.0, 31.0, 32.0]), REGION, "新发生案件占比")
    assert t.direction == "insufficient" and "无法判断趋势" in t.text


def test_english_judgement():
    t = describe_share_trend(series([25.0, 27.0, 29.0, 31.0, 33.0, 35.5]), REGION, "New-onset share", lang="en")
    assert t.text == ("New-onset share was 35.5% in 2020, 8.5 pp above its 2015–2017 average (27.0%): rising. "
                      "Region: 28.0%; the county is 7.5 pp higher.")


def test_national_four_forms_shares_from_published_person_times():
    nat = national_four_forms(pd.read_csv(REPO / "data/reference/ccdi_national.csv")).set_index("year")
    assert nat.loc[2020, "form1_share"] == pytest.approx(100 * 133.0 / (133.0 + 48.5 + 7.1 + 6.8))
    assert nat.loc[2021, "form4_share"] == pytest.approx(100 * 7.4 / (148.7 + 49.4 + 7.0 + 7.4))
    assert nat.loc[2019, "form1_share"] == 67.4 and pd.isna(nat.loc[2019, "form2_share"])
    assert "CCDI annual bulletin 2020" in nat.loc[2020, "source"]
    assert 2022 not in nat.index  # nothing published for 2022 in the reference file


def test_pyramid_text_names_inverted_years():
    ff = pd.DataFrame({"year": [2019, 2020], "pyramid_holds": [1.0, 0.0], "form1_share": [68.0, 31.0]})
    assert pyramid_text(ff, 2020) == ("2020 年四种形态未呈金字塔分布（第一种形态占 31.0%），需关注。"
                                      "未呈金字塔的年份：2020。")


def test_number_formats():
    assert (fmt_pct(32.64), fmt_pct(None), fmt_count(1234.0), fmt_count(12.5)) == ("32.6%", "—", "1,234", "12.5")
