"""One test per rule type on series judged by the real judgement code, and rule validation."""

import pandas as pd
import pytest
from conftest import REPO

from pipeline.catalog import load_catalog
from pipeline.errors import ConfigError
from pipeline.judgement import JudgementConfig, year_on_year
from pipeline.stages.early_warning import apply_rules

CATALOG = load_catalog(REPO / "data/reference/indicators.yaml")
CFG = JudgementConfig(first_year=2019, flat_band={"count": 0.0, "share": 0.0, "score": 1.0})


def measures(measure, values, county="990101", start=2019):
    rows = [{"region_code": "990100", "county_code": county, "county_name": "城关区", "year": start + i,
             "measure": measure, "value": float("nan") if v is None else v, "source_file": "data/raw/990100/x.csv",
             "source_row": i + 3, "source_cell": f"D{i + 3}"} for i, v in enumerate(values)]
    return year_on_year(pd.DataFrame(rows), CATALOG, CFG, ["region_code", "county_code"])


def rule(**kw):
    return {"id": "r", "label": {"zh": "规则", "en": "rule"}, "severity": "medium", **kw}


def test_change_rule_for_a_share_in_percentage_points():
    m = measures("new_onset_share", [30.0, 31.5, 33.6, 33.0])
    out = apply_rules(m, [rule(measure="new_onset_share", type="change", op=">=", threshold=2, severity="high")],
                      CATALOG)
    assert out["year"].tolist() == [2021]
    row = out.iloc[0]
    assert (row["rule"], row["severity"], row["value"], row["previous_value"]) == ("r", "high", 33.6, 31.5)
    assert row["change"] == pytest.approx(2.1) and row["change_unit"] == "pp"
    assert list(row["evidence_years"]) == [2020, 2021] and list(row["evidence_values"]) == [31.5, 33.6]
    assert (row["source_file"], row["source_row"], row["source_cell"]) == ("data/raw/990100/x.csv", 5, "D5")
    assert (row["op"], row["threshold"], row["label_zh"]) == (">=", 2.0, "规则")


def test_change_rule_for_counts_in_percent():
    m = measures("petitions", [500.0, 560.0, 700.0])
    out = apply_rules(m, [rule(measure="petitions", type="change", op=">=", threshold=20)], CATALOG)
    assert out["year"].tolist() == [2021]  # +12% in 2020 stays quiet, +25% in 2021 warns
    assert out.iloc[0]["change"] == 25.0 and out.iloc[0]["change_unit"] == "%"


def test_change_rule_for_a_falling_score():
    m = measures("integrity_satisfaction", [85.0, 84.0, 80.5])
    out = apply_rules(m, [rule(measure="integrity_satisfaction", type="change", op="<=", threshold=-3)], CATALOG)
    assert out["year"].tolist() == [2021] and out.iloc[0]["change"] == pytest.approx(-3.5)


def test_level_rule_for_an_inverted_pyramid():
    m = measures("pyramid_holds", [1.0, 0.0, None, 0.0])
    out = apply_rules(m, [rule(measure="pyramid_holds", type="level", op="==", threshold=0)], CATALOG)
    assert out["year"].tolist() == [2020, 2022]  # a missing year is not a warning


def test_run_rule_needs_consecutive_rises():
    m = measures("accountability_persons", [10.0, 12.0, 11.0, 13.0, 15.0, None, 20.0, 22.0])
    out = apply_rules(m, [rule(measure="accountability_persons", type="run", years=2)], CATALOG)
    # 2020 rose alone; 2022 and 2023 rose; the gap in 2024 breaks the run, so 2026 is a run of 1
    assert out["year"].tolist() == [2023]
    row = out.iloc[0]
    assert list(row["evidence_years"]) == [2021, 2022, 2023] and list(row["evidence_values"]) == [11.0, 13.0, 15.0]
    assert list(row["evidence_changes"])[1:] == [18.2, 15.4]


@pytest.mark.parametrize(("bad", "says"), [
    (rule(measure="petitions", type="trend"), "warnings.rules[0]（r）.type"),
    (rule(measure="petitions", type="change", op="~", threshold=1), ".op"),
    (rule(measure="petitions", type="run"), ".years"),
    (rule(measure="no_such_measure", type="level", op=">", threshold=1), "no_such_measure"),
    (rule(measure="petitions", type="level", op=">", threshold=1, severity="严重"), ".severity"),
    ({"id": "x", "measure": "petitions", "type": "level", "severity": "low"}, "缺少 label"),
])
def test_bad_rules_are_refused(bad, says):
    with pytest.raises(ConfigError) as err:
        apply_rules(measures("petitions", [1.0, 2.0]), [bad], CATALOG)
    assert says in str(err.value) and "params.yaml" in str(err.value)


def test_each_regions_warnings_computed_alone_make_the_whole_mart():
    """On the executor each region's rows are a task of their own: the rows those tasks return, put together,
    are the mart a run over every region writes, in its order (region, year, place, the rules' order).
    990101 +2.5 pp in 2020; 990201 petitions +30 % in 2020 and +2.5 pp in 2021."""
    from pipeline.stage_runner import in_memory
    from pipeline.stages.early_warning import tripped, warnings_frame

    whole = pd.concat([
        measures("new_onset_share", [30.0, 32.5, 32.0]),
        measures("new_onset_share", [30.0, 30.5, 33.0], county="990201").assign(region_code="990200"),
        measures("petitions", [100.0, 130.0, 140.0], county="990201").assign(region_code="990200"),
    ], ignore_index=True)
    rules = [rule(id="onset", measure="new_onset_share", type="change", op=">=", threshold=2),
             rule(id="petitions", measure="petitions", type="change", op=">=", threshold=20)]
    parts = in_memory({"county": whole}, ["990200", "990100"], lambda region, own: tripped(own["county"], rules))
    assembled = warnings_frame([row for r in sorted(parts) for row in parts[r]], rules)
    expected = apply_rules(whole, rules, CATALOG)
    assert list(zip(expected["region_code"], expected["year"], expected["rule"], strict=True)) == [
        ("990100", 2020, "onset"), ("990200", 2020, "petitions"), ("990200", 2021, "onset")]
    pd.testing.assert_frame_equal(assembled, expected)
