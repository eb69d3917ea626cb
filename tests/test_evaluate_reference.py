"""The evaluation against the reference's published algorithms and against hand-worked cases.

Winsorisation follows COINr's `winsorise()` (R/treat.R): while the indicator
fails `check_SkewKurt` (|skewness| >= 2 and kurtosis >= 3.5, Excel's SKEW and
KURT) and fewer than `winmax` distinct points are treated, the values at the
extreme take the next value inward. The skewness and kurtosis quoted round by
round below come from scipy (bias-corrected), an implementation independent
of the stage's. Also: the assigned method among the scenarios, 失分分析
adding up to the index, deductions and vetoes changing a grade, small regions,
and bad settings refused before anything is computed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO
from scipy.stats import kurtosis, skew

from pipeline.catalog import load_catalog
from pipeline.errors import ConfigError
from pipeline.stages.evaluate.aggregation import contributions
from pipeline.stages.evaluate.region_year import evaluate_block
from pipeline.stages.evaluate.settings import EvalConfig
from pipeline.stages.evaluate.stage import evaluate_all
from pipeline.stages.evaluate.treatment import winsorise

CATALOG = load_catalog(REPO / "data/reference/indicators.yaml")
LABELS = ("好", "较好", "一般", "差")

# 1..30 and a tail 40, 80, 160, 320
TAIL = np.array([*range(1, 31), 40, 80, 160, 320], dtype=float)


def excel_moments(x) -> tuple[float, float]:
    return float(skew(x, bias=False)), float(kurtosis(x, bias=False))


def test_the_tail_needs_three_rounds_by_the_reference_rule():
    # round by round, the values COINr's check sees (scipy): each fails until the third round is done
    x = TAIL.copy()
    seen = []
    for top in (320, 160, 80):
        seen.append(excel_moments(x))
        x[x == top] = {320: 160, 160: 80, 80: 40}[top]
    seen.append(excel_moments(x))
    assert [round(s, 3) for s, _ in seen] == [4.241, 3.104, 2.015, 0.429]
    assert [round(k, 3) for _, k in seen] == [19.484, 9.535, 3.881, -0.614]


def test_winsorisation_goes_on_for_three_rounds_and_counts_distinct_points():
    # round 1: 320 -> 160; round 2: the two 160s -> 80; round 3: the three 80s -> 40; then it passes.
    # Distinct points treated: 3 (positions 31, 32, 33), under the maximum of 5. Counting a point again each
    # round (1 + 2 + 3 = 6 > 5) would stop after two rounds with skewness 2.015 and kurtosis 3.881 still
    # beyond both limits.
    treated, changed = winsorise(TAIL, 2.0, 3.5, 5)
    assert changed == [31, 32, 33]
    assert treated[30:].tolist() == [40.0, 40.0, 40.0, 40.0]
    assert treated[:31].tolist() == TAIL[:31].tolist()  # nothing else moves
    s, k = excel_moments(treated)
    assert abs(s) < 2.0


def test_winsorisation_stops_at_the_maximum_of_distinct_points():
    # max_points 2: round 1 treats one point, round 2 a second (the first moves again, counted once); stop
    treated, changed = winsorise(TAIL, 2.0, 3.5, 2)
    assert changed == [32, 33]
    assert treated[30:].tolist() == [40.0, 80.0, 80.0, 80.0]


def test_winsorisation_of_the_low_tail_mirrors_the_high_one():
    # negative skewness: the lowest values move up, the same positions, the same count
    treated, changed = winsorise(-TAIL, 2.0, 3.5, 5)
    assert changed == [31, 32, 33]
    assert treated[30:].tolist() == [-40.0, -40.0, -40.0, -40.0]


def test_values_tied_at_the_extreme_move_together():
    # 1..30 and 200 twice: skewness 3.576, kurtosis 12.139 (scipy) fail the check; the two tied values are one
    # extreme and both take 30 in the first round, so the count (2) may pass a maximum of 1, as in COINr
    x = np.array([*range(1, 31), 200, 200], dtype=float)
    s, k = excel_moments(x)
    assert (round(s, 3), round(k, 3)) == (3.576, 12.139)
    treated, changed = winsorise(x, 2.0, 3.5, 1)
    assert changed == [30, 31] and treated[30:].tolist() == [30.0, 30.0]


def test_an_indicator_that_passes_is_not_touched():
    x = np.array([*range(1, 31)], dtype=float)
    treated, changed = winsorise(x, 2.0, 3.5, 5)
    assert changed == [] and treated.tolist() == x.tolist()


# -- 失分分析

RAW = pd.DataFrame({"a": [60.0, 90.0, 100.0], "b": [90.0, 70.0, 75.0]}, index=["X", "Y", "Z"])


def block_cfg(agg: str) -> EvalConfig:
    return EvalConfig(weights={"a": 2, "b": 1}, normalisation="goalposts", aggregation=agg, min_indicators=2,
                      goalposts={"a": (50.0, 100.0), "b": (50.0, 100.0)}, labels=LABELS)


def test_points_and_points_lost_by_hand():
    # goalposts [50, 100]: X scores a = 20, b = 80; weights 2/3 and 1/3
    # points: 2/3 x 20 = 13.333 and 1/3 x 80 = 26.667, adding up to the index 40;
    # lost: 2/3 x 80 = 53.333 and 1/3 x 20 = 6.667, adding up to 100 - 40 = 60
    out = evaluate_block(RAW, block_cfg("arithmetic"))
    c = out["contributions"].set_index(["county_code", "indicator"])
    assert c.loc[("X", "a"), "points"] == pytest.approx(40 / 3)
    assert c.loc[("X", "b"), "points"] == pytest.approx(80 / 3)
    assert c.loc[("X", "a"), "points_lost"] == pytest.approx(160 / 3)
    assert c.loc[("X", "b"), "points_lost"] == pytest.approx(20 / 3)
    assert c.loc[("X", "a"), "loss_rank"] == 1 and c.loc[("X", "b"), "loss_rank"] == 2
    assert out["result"].set_index("county_code").loc["X", "index"] == pytest.approx(40.0)


@pytest.mark.parametrize("agg", ["arithmetic", "geometric"])
def test_points_add_up_to_the_index_and_losses_to_the_rest(agg):
    out = evaluate_block(RAW, block_cfg(agg))
    index = out["result"].set_index("county_code")["index"]
    c = out["contributions"].groupby("county_code")[["points", "points_lost"]].sum()
    assert c["points"].to_dict() == pytest.approx(index.to_dict())
    assert (c["points_lost"] + index).tolist() == pytest.approx([100.0] * 3)


def test_topsis_is_not_split_into_parts():
    points, lost = contributions(np.array([[20.0, 80.0]]), np.array([0.5, 0.5]), "topsis")
    assert np.isnan(points).all() and np.isnan(lost).all()


# -- the stage on a region

def params(**over) -> dict:
    ev = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))["evaluation"]
    ev["weights"] = {"integrity_satisfaction": 1, "conduct_satisfaction": 1}
    ev["min_indicators"] = 2
    ev["normalisation"] = "goalposts"
    ev["aggregation"] = "arithmetic"
    ev["uncertainty"]["draws"] = 64
    ev["adjustments"] = {"deductions": [], "vetoes": []}
    ev.update(over)
    return ev


def mart(values: dict[str, dict[str, float]], years=(2024,)) -> pd.DataFrame:
    return pd.DataFrame([{"region_code": "990100", "county_code": c, "county_name": c, "year": y, "measure": m,
                          "value": v[y] if isinstance(v, dict) else v}
                         for y in years for c, row in values.items() for m, v in row.items()])


FIVE = {"990101": {"integrity_satisfaction": 95.0, "conduct_satisfaction": 95.0},
        "990102": {"integrity_satisfaction": 90.0, "conduct_satisfaction": 90.0},
        "990103": {"integrity_satisfaction": 80.0, "conduct_satisfaction": 80.0},
        "990104": {"integrity_satisfaction": 70.0, "conduct_satisfaction": 70.0},
        "990105": {"integrity_satisfaction": 60.0, "conduct_satisfaction": 60.0}}


def test_a_deduction_takes_points_off_and_changes_the_grade():
    # goalposts [50, 100] on both: indices 90, 80, 60, 40, 20; quantile grades 0.2/0.6/0.9 of five:
    # 好, 较好, 较好, 一般, 差. 990101 has 3 accountability cases at 4 points each, capped at 10: 90 - 10 = 80,
    # tied with 990102 at 80 -> both rank 1 (competition ranks), both 好
    values = {c: {**v, "accountability_persons": 0.0} for c, v in FIVE.items()}
    values["990101"]["accountability_persons"] = 3.0
    ev = params(adjustments={"deductions": [{"measure": "accountability_persons", "points": 4, "cap": 10}]})
    out = evaluate_all(mart(values), ev, CATALOG)
    r = out["evaluation"].set_index("county_code")
    assert r.loc["990101", "index_before_adjustment"] == pytest.approx(90.0)
    assert r.loc["990101", "points_deducted"] == pytest.approx(10.0)
    assert r.loc["990101", "index"] == pytest.approx(80.0)
    assert r["rank"].to_dict() == {"990101": 1, "990102": 1, "990103": 3, "990104": 4, "990105": 5}
    assert r.loc["990102", "grade"] == "好"  # moved up from 较好: the deduction changed its grade
    adj = out["evaluation_adjustments"]
    assert adj[adj["kind"] == "deduction"][["county_code", "value", "points"]].values.tolist() == [["990101", 3.0, 10.0]]


def test_a_veto_caps_the_grade_of_a_county_whose_share_rose():
    # 990101 is best (好) but its new-onset share rose from 20% to 26% (6 points > 3): at best 较好.
    # 990102's rose by 2 points: no cap. The others' shares fell.
    years = (2023, 2024)
    values = {c: {k: {2023: x, 2024: x} for k, x in v.items()} for c, v in FIVE.items()}
    for code, (a, b) in {"990101": (20.0, 26.0), "990102": (20.0, 22.0), "990103": (30.0, 25.0),
                         "990104": (30.0, 25.0), "990105": (30.0, 25.0)}.items():
        values[code]["new_onset_share"] = {2023: a, 2024: b}
    ev = params(adjustments={"vetoes": [{"measure": "new_onset_share", "rise_above": 3, "max_grade": "较好"}]})
    out = evaluate_all(mart(values, years), ev, CATALOG)
    r = out["evaluation"].query("year == 2024").set_index("county_code")
    assert r.loc["990101", "grade_before_veto"] == "好" and r.loc["990101", "grade"] == "较好"
    assert r.loc["990101", "rank"] == 1  # the rank stays: a veto caps the grade, not the index
    assert r.loc["990102", "grade"] == "较好"  # its own grade, not moved up into the freed place
    adj = out["evaluation_adjustments"].query("year == 2024")
    assert adj[adj["kind"] == "veto"]["county_code"].tolist() == ["990101"]
    # 2023 has no year before: the rise cannot be judged, and that is logged, not treated as no rise
    first = out["evaluation_adjustments"].query("year == 2023")
    assert set(first["kind"]) == {"veto_unknown"} and len(first) == 5
    # the grade probability is of the capped grade: 好 never comes out for 990101 in the scenarios
    assert r.loc["990101", "p_好"] == 0.0 and r.loc["990101", "grade_probability"] > 0


def test_the_assigned_method_is_always_among_the_scenarios():
    # ahp is the method used, the analyst's list leaves it out: it is added, and said so
    values = {c: {**v, "personnel_appraisal": v["integrity_satisfaction"] - 5.0} for c, v in FIVE.items()}
    ev = params(weights={"integrity_satisfaction": 1, "conduct_satisfaction": 1, "personnel_appraisal": 1},
                min_indicators=3, weighting="ahp",
                ahp={"matrix": [[1, 3, 3], ["1/3", 1, 1], ["1/3", 1, 1]]})
    ev["uncertainty"].update(weightings=["manual", "equal", "entropy"])
    out = evaluate_all(mart(values), ev, CATALOG)["evaluation"]
    assert set(out["uncertainty_added"]) == {"weighting"}
    # every county's assigned grade comes out in some scenario
    assert (out["grade_probability"] > 0).all()


def test_a_five_county_region_skips_what_five_counties_cannot_support():
    # one outlier among five would be winsorised by the skewness rule; with the defaults (10 for statistics and
    # winsorisation, 8 for data weights) nothing is winsorised, alpha and the correlations are not computed and
    # entropy weights become equal weights
    values = {c: dict(v) for c, v in FIVE.items()}
    values["990105"]["integrity_satisfaction"] = 10.0
    ev = params(weighting="entropy", minimum_units={"winsorisation": 10, "statistics": 10, "data_weights": 8})
    ev["treatment"] = {"winsorise": True, "skew": 0.5, "kurtosis": 0.5, "max_points": 5}
    out = evaluate_all(mart(values), ev, CATALOG)
    assert out["evaluation_treatment"].empty
    audit = out["evaluation_audit"]
    assert audit["statistics_skipped"].all() and audit["cronbach_alpha"].isna().all()
    assert audit["winsorisation_skipped"].all() and audit["skewness"].isna().all()
    assert out["evaluation_coherence"].empty
    assert set(out["evaluation_weights"]["weighting_used"]) == {"equal"}
    # the same region with the minimums lowered to 4 is winsorised and its statistics computed
    ev["minimum_units"] = {"winsorisation": 4, "statistics": 4, "data_weights": 4}
    out = evaluate_all(mart(values), ev, CATALOG)
    assert not out["evaluation_treatment"].empty and out["evaluation_audit"]["cronbach_alpha"].notna().all()
    assert set(out["evaluation_weights"]["weighting_used"]) == {"entropy"}


def test_effective_weights_are_shares_and_never_negative():
    values = {c: dict(v) for c, v in FIVE.items()}
    values["990103"]["conduct_satisfaction"] = 99.0  # against the others: negatively related to the index
    ev = params(minimum_units={"statistics": 3})
    w = evaluate_all(mart(values), ev, CATALOG)["evaluation_weights"]["effective_weight"]
    assert (w >= 0).all() and w.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(("over", "key"), [
    ({"adjustments": {"deductions": [{"measure": "bribes", "points": 1, "cap": 5}]}},
     "evaluation.adjustments.deductions[0].measure"),
    ({"adjustments": {"deductions": [{"measure": "accountability_persons", "points": 1, "cap": -5}]}},
     "evaluation.adjustments.deductions[0].cap"),
    ({"adjustments": {"vetoes": [{"measure": "new_onset_share", "rise_above": 3, "max_grade": "优秀"}]}},
     "evaluation.adjustments.vetoes[0].max_grade"),
    ({"adjustments": {"vetoes": [{"measure": "new_onset_share", "max_grade": "较好"}]}},
     "evaluation.adjustments.vetoes[0]"),
    ({"minimum_units": {"statistics": 1}}, "evaluation.minimum_units.statistics"),
    ({"minimum_units": {"units": 5}}, "evaluation.minimum_units.units"),
])
def test_bad_adjustments_and_minimums_are_refused_naming_the_key(over, key):
    with pytest.raises(ConfigError) as err:
        evaluate_all(mart(FIVE), params(**over), CATALOG)
    assert f"params.yaml 中的 {key}" in str(err.value)
