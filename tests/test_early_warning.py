"""One test per rule type on crafted measures, and rule validation."""

import pandas as pd
import pytest

from pipeline.stages.early_warning import apply_rules


def measures(measure, kind, unit, values, county="990101", name_zh="指标", start=2019):
    rows = []
    prev = None
    for i, v in enumerate(values):
        year = start + i
        if prev is None or v is None:
            change = None
        else:
            change = (100 * (v - prev) / prev) if unit == "%" else v - prev
        rows.append({"region_code": "990100", "county_code": county, "county_name": "城关区", "year": year,
                     "measure": measure, "name_zh": name_zh, "kind": kind, "value": v, "previous_value": prev,
                     "yoy_change": change, "yoy_unit": unit, "source_file": "data/raw/990100/x.csv",
                     "source_cell": f"D{i + 3}"})
        prev = v
    return pd.DataFrame(rows)


def test_change_rule_for_a_share_in_percentage_points():
    m = measures("new_onset_share", "share", "pp", [30.0, 31.5, 33.6, 33.0], name_zh="新发生案件占比")
    rule = {"name": "新发生案件占比上升", "measure": "new_onset_share", "type": "change", "op": ">=", "threshold": 2,
            "severity": "高"}
    out = apply_rules(m, [rule])
    assert out["year"].tolist() == [2021]
    row = out.iloc[0]
    assert (row["rule"], row["severity"], row["value"], row["previous_value"]) == ("新发生案件占比上升", "高", 33.6, 31.5)
    assert row["change"] == pytest.approx(2.1)
    assert row["evidence"] == ("新发生案件占比 2020 年 31.5%，2021 年 33.6%，同比上升 2.1 个百分点（规则：变化 >= 2）")
    assert row["source"] == "data/raw/990100/x.csv D5"


def test_change_rule_for_counts_in_percent():
    m = measures("petitions", "count", "%", [500.0, 560.0, 700.0], name_zh="信访举报件次")
    out = apply_rules(m, [{"name": "信访举报激增", "measure": "petitions", "type": "change", "op": ">=",
                           "threshold": 20, "severity": "中"}])
    assert out["year"].tolist() == [2021]  # +12% in 2020 stays quiet, +25% in 2021 warns
    assert "同比上升 25.0%" in out.iloc[0]["evidence"]


def test_change_rule_for_a_falling_score():
    m = measures("integrity_satisfaction", "score", "points", [85.0, 84.0, 80.5], name_zh="满意度")
    out = apply_rules(m, [{"name": "满意度下降", "measure": "integrity_satisfaction", "type": "change", "op": "<=",
                           "threshold": -3, "severity": "中"}])
    assert out["year"].tolist() == [2021] and "同比下降 3.5 分" in out.iloc[0]["evidence"]


def test_level_rule_for_an_inverted_pyramid():
    m = measures("pyramid_holds", "flag", None, [1.0, 0.0, None, 0.0])
    out = apply_rules(m, [{"name": "四种形态未呈金字塔", "measure": "pyramid_holds", "type": "level", "op": "==",
                           "threshold": 0, "severity": "中"}])
    assert out["year"].tolist() == [2020, 2022]  # a missing year is not a warning


def test_run_rule_needs_consecutive_rises():
    m = measures("accountability_persons", "count", "%", [10.0, 12.0, 11.0, 13.0, 15.0, None, 20.0],
                 name_zh="问责人数")
    out = apply_rules(m, [{"name": "问责连续上升", "measure": "accountability_persons", "type": "run", "years": 2,
                           "severity": "低"}])
    assert out["year"].tolist() == [2023]  # 2022 and 2023 rose; 2020 rose alone; a gap breaks the run
    assert out.iloc[0]["evidence"].startswith("问责人数连续 2 年上升：2022 年 13（上升 18.2%），2023 年 15（上升 15.4%）")


@pytest.mark.parametrize("rule", [
    {"name": "x", "measure": "petitions", "type": "trend", "severity": "中"},
    {"name": "x", "measure": "petitions", "type": "change", "op": "~", "threshold": 1, "severity": "中"},
    {"name": "x", "measure": "petitions", "type": "run", "severity": "中"},
    {"name": "x", "measure": "no_such_measure", "type": "level", "op": ">", "threshold": 1, "severity": "中"},
])
def test_bad_rules_are_refused(rule):
    with pytest.raises(ValueError, match="warning rule"):
        apply_rules(measures("petitions", "count", "%", [1.0, 2.0]), [rule])
