"""Composite evaluation checked by hand on a 3-county fixture, and its uncertainty on the demo data."""

import math

import numpy as np
import pandas as pd
import pytest

from pipeline.stages.evaluate import (
    EvalConfig,
    assign_grades,
    evaluate_block,
    monte_carlo,
    normalise,
    rank_desc,
)

# Three counties, two indicators, weights 2:1 (so 2/3 and 1/3).
RAW = pd.DataFrame({"a": [60.0, 90.0, 100.0], "b": [90.0, 70.0, 75.0]}, index=["X", "Y", "Z"])
W = (2 / 3, 1 / 3)


def cfg(norm: str, agg: str, **kw) -> EvalConfig:
    return EvalConfig(weights={"a": 2, "b": 1}, normalisation=norm, aggregation=agg, min_indicators=2,
                      goalposts=(50.0, 100.0), **kw)


def geo(values):  # weighted geometric mean of 0-100 values moved into [1, 100]
    return math.exp(sum(w * math.log(1 + 0.99 * v) for w, v in zip(W, values, strict=True)))


def t_scores(col):
    mean = sum(col) / 3
    sd = math.sqrt(sum((c - mean) ** 2 for c in col) / 3)
    return [50 + 10 * (c - mean) / sd for c in col]


# minmax: a -> 0, 75, 100; b -> 100, 0, 25.  goalposts [50, 100]: a -> 20, 80, 100; b -> 80, 40, 50.
TA, TB = t_scores([60, 90, 100]), t_scores([90, 70, 75])
EXPECTED = {
    ("minmax", "arithmetic"): [2 / 3 * 0 + 1 / 3 * 100, 2 / 3 * 75 + 1 / 3 * 0, 2 / 3 * 100 + 1 / 3 * 25],
    ("minmax", "geometric"): [geo([0, 100]), geo([75, 0]), geo([100, 25])],
    ("goalposts", "arithmetic"): [2 / 3 * 20 + 1 / 3 * 80, 2 / 3 * 80 + 1 / 3 * 40, 2 / 3 * 100 + 1 / 3 * 50],
    ("goalposts", "geometric"): [geo([20, 80]), geo([80, 40]), geo([100, 50])],
    ("zscore", "arithmetic"): [2 / 3 * a + 1 / 3 * b for a, b in zip(TA, TB, strict=True)],
    ("zscore", "geometric"): [geo([a, b]) for a, b in zip(TA, TB, strict=True)],
}


@pytest.mark.parametrize(("norm", "agg"), sorted(EXPECTED))
def test_index_for_every_normalisation_and_aggregation(norm, agg):
    out = evaluate_block(RAW, cfg(norm, agg))["result"]
    assert out["index"].tolist() == pytest.approx(EXPECTED[(norm, agg)], abs=1e-9)
    expected_ranks = pd.Series(EXPECTED[(norm, agg)]).rank(ascending=False, method="min").tolist()
    assert out["rank"].tolist() == expected_ranks


def test_hand_numbers_written_out():
    # the same cases as plain numbers, for a reader checking by hand
    assert EXPECTED[("minmax", "arithmetic")] == pytest.approx([33.3333, 50.0, 75.0], abs=1e-4)
    assert EXPECTED[("goalposts", "arithmetic")] == pytest.approx([40.0, 66.6667, 83.3333], abs=1e-4)
    assert EXPECTED[("minmax", "geometric")][0] == pytest.approx(100 ** (1 / 3), abs=1e-9)  # 1^(2/3) * 100^(1/3)
    assert pytest.approx([36.2719, 53.9223, 59.8058], abs=1e-4) == TA


def test_z_scores_are_t_scores_and_flat_columns_sit_at_50():
    n = normalise(np.array([[1.0, 5.0], [3.0, 5.0]]), "zscore")
    assert n.tolist() == [[40.0, 50.0], [60.0, 50.0]]
    assert normalise(np.array([[7.0], [7.0]]), "minmax").tolist() == [[50.0], [50.0]]
    assert normalise(np.array([[40.0], [120.0]]), "goalposts", (50, 100)).tolist() == [[0.0], [100.0]]


def test_grades_by_quantile_and_by_cut_offs():
    index = np.array([90.0, 80.0, 70.0, 60.0, 50.0, np.nan])
    ranks = rank_desc(index)
    c = cfg("minmax", "arithmetic")
    # positions (rank - 1) / 5 = 0, .2, .4, .6, .8 against cut-offs .2 / .6 / .9
    assert assign_grades(index, ranks, c)[0].tolist() == ["好", "较好", "较好", "一般", "一般", "未评定"]
    ten = np.arange(100.0, 0.0, -10.0)
    assert list(assign_grades(ten, rank_desc(ten), c)[0]) == ["好"] * 2 + ["较好"] * 4 + ["一般"] * 3 + ["差"]
    c = cfg("minmax", "arithmetic", grade_method="absolute")
    assert assign_grades(index, ranks, c)[0].tolist() == ["好", "较好", "一般", "差", "差", "未评定"]


def test_missing_indicator_is_imputed_and_flagged_or_county_not_graded():
    raw = pd.DataFrame({"a": [60.0, 90.0, np.nan, 80.0], "b": [90.0, 70.0, 75.0, np.nan],
                        "c": [70.0, 80.0, np.nan, 85.0]}, index=["X", "Y", "Z", "V"])
    c = EvalConfig(weights={"a": 1, "b": 1, "c": 1}, min_indicators=2)
    out = evaluate_block(raw, c)
    res = out["result"].set_index("county_code")
    assert res.loc["Z", "grade"] == "未评定" and np.isnan(res.loc["Z", "index"])
    assert res.loc["V", "imputed"] == "b" and res.loc["X", "imputed"] == ""
    assert out["filled"].loc["V", "b"] == pytest.approx((90 + 70) / 2)  # mean of the graded counties
    assert res["counties_graded"].iloc[0] == 3


def test_effective_weights_sum_to_one():
    w = evaluate_block(RAW, cfg("minmax", "arithmetic"))["weights"]
    assert w["nominal_weight"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert w["effective_weight"].sum() == pytest.approx(1.0)


def test_monte_carlo_is_deterministic_and_gives_probabilities():
    filled = evaluate_block(RAW, cfg("minmax", "arithmetic"))["filled"]
    args = (cfg("minmax", "arithmetic"), 400, 7, 0.25, ["minmax", "zscore", "goalposts"], ["arithmetic", "geometric"])
    first, second = monte_carlo(filled, *args), monte_carlo(filled, *args)
    pd.testing.assert_frame_equal(first, second)
    probs = first[["p_好", "p_较好", "p_一般", "p_差"]].sum(axis=1)
    assert probs.tolist() == pytest.approx([1.0, 1.0, 1.0])
    z = first.set_index("county_code").loc["Z"]
    assert z["median_rank"] == 1 and z["modal_grade"] == "好"
    assert (first["rank_p05"] <= first["median_rank"]).all() and (first["median_rank"] <= first["rank_p95"]).all()
