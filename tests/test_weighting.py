"""Weighting methods of the composite index, each against values worked out by hand from its definition."""

import math

import numpy as np
import pytest
from test_evaluate import CATALOG, mart, params

from pipeline.errors import ConfigError
from pipeline.stages.evaluate.stage import evaluate_all
from pipeline.stages.evaluate.weighting import (
    ahp_weights,
    critic_weights,
    entropy_weights,
    standardised,
)


def test_entropy_weights_by_hand():
    # standardised values: a = 0, 1/2, 1 and b = 0, 0, 1
    # a: p = 0, 1/3, 2/3, so -sum p ln p = (1/3) ln 3 + (2/3)(ln 3 - ln 2) = ln 3 - (2/3) ln 2,
    #    e_a = 1 - (2/3) ln 2 / ln 3 and d_a = 1 - e_a = (2/3) ln 2 / ln 3 (= 0.42062)
    # b: p = 0, 0, 1, so e_b = 0 and d_b = 1
    d_a = (2 / 3) * math.log(2) / math.log(3)
    y = np.array([[0.0, 0.0], [0.5, 0.0], [1.0, 1.0]])
    assert entropy_weights(y) == pytest.approx([d_a / (d_a + 1), 1 / (d_a + 1)])
    assert entropy_weights(y)[0] == pytest.approx(0.29608, abs=1e-5)
    # counties that do not differ on an indicator: no information, no weight
    flat = np.array([[0.5, 0.0], [0.5, 0.5], [0.5, 1.0]])
    assert entropy_weights(flat)[0] == pytest.approx(0.0)


def test_standardising_reverses_a_lower_is_better_indicator():
    x = np.array([[10.0, 30.0], [20.0, 20.0], [30.0, 10.0]])
    y = standardised(x, np.array([False, True]))
    assert y.tolist() == [[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]]


def test_critic_weights_by_hand():
    # a = 0, 1/2, 1: mean 1/2, sample sd = sqrt((1/4 + 0 + 1/4) / 2) = 1/2
    # b = 0, 1, 1/4: mean 5/12, sample sd = sqrt(((5/12)^2 + (7/12)^2 + (1/6)^2) / 2)
    # r = cov / (sd_a sd_b), cov = ((-1/2)(-5/12) + 0 + (1/2)(-1/6)) / 2 = 1/16
    sd_a = 0.5
    sd_b = math.sqrt(((5 / 12) ** 2 + (7 / 12) ** 2 + (1 / 6) ** 2) / 2)
    r = (1 / 16) / (sd_a * sd_b)
    c_a, c_b = sd_a * (1 - r), sd_b * (1 - r)  # C_j = sd_j * sum_k (1 - r_jk), the diagonal adding 0
    y = np.array([[0.0, 0.0], [0.5, 1.0], [1.0, 0.25]])
    assert critic_weights(y) == pytest.approx([c_a / (c_a + c_b), c_b / (c_a + c_b)])
    # an indicator without spread gets nothing; the others share the weight between them
    flat = np.column_stack([y, [0.5, 0.5, 0.5]])
    assert critic_weights(flat) == pytest.approx([c_a / (c_a + c_b), c_b / (c_a + c_b), 0.0])


def test_ahp_consistent_matrix_gives_its_ratios_and_cr_zero():
    # a = 2 b = 4 c, so every comparison agrees: weights 4/7, 2/7, 1/7 and lambda_max = n (CR 0)
    w, cr = ahp_weights([[1, 2, 4], ["1/2", 1, 2], ["1/4", "1/2", 1]], ["a", "b", "c"])
    assert w == pytest.approx([4 / 7, 2 / 7, 1 / 7])
    assert cr == pytest.approx(0.0, abs=1e-9)


def test_ahp_contradictory_matrix_is_refused_with_its_cr():
    # a > b (9), b > c (9), c > a (9): a circulant matrix whose rows each sum to 1 + 9 + 1/9, so
    # lambda_max = 91/9, CI = (91/9 - 3) / 2 = 32/9 and CR = CI / RI(3) = (32/9) / 0.58 = 6.130 (Saaty's table)
    matrix = [[1, 9, "1/9"], ["1/9", 1, 9], [9, "1/9", 1]]
    with pytest.raises(ConfigError) as err:
        ahp_weights(matrix, ["a", "b", "c"])
    text = str(err.value)
    assert "evaluation.ahp.matrix" in text and f"CR = {(32 / 9) / 0.58:.3f}" in text and "应小于 0.1" in text


@pytest.mark.parametrize(("matrix", "says"), [
    ([[1, 2], ["1/2", 1]], "3×3"),  # two rows for three indicators
    ([[1, 2, 4], [2, 1, 2], ["1/4", "1/2", 1]], "第 1 行第 2 列是 2，第 2 行第 1 列应为其倒数，实为 2"),
    ([[1, 2, 4], ["1/2", 1, 0], ["1/4", "1/2", 1]], "正数"),
    (None, "3×3"),
])
def test_ahp_matrix_that_is_not_square_reciprocal_or_positive_is_refused(matrix, says):
    with pytest.raises(ConfigError) as err:
        ahp_weights(matrix, ["a", "b", "c"])
    assert "evaluation.ahp.matrix" in str(err.value) and says in str(err.value)


# a 4x4 matrix on Saaty's scale whose lambda_max = 4.26992: CI = 0.089972, so CR = CI / 0.90 = 0.09997 with
# Saaty's random index (accepted, under 0.1) and CI / 0.8921 = 0.10085 with Tummala and Ling's (refused)
NEAR_LIMIT = [[1, 8, 8, 6], ["1/8", 1, 4, 3], ["1/8", "1/4", 1, "1/2"], ["1/6", "1/3", 2, 1]]


def test_ahp_near_the_limit_is_accepted_with_saatys_random_index_by_default():
    _, cr = ahp_weights(NEAR_LIMIT, ["a", "b", "c", "d"])
    assert round(cr, 5) == 0.09997


def test_ahp_near_the_limit_is_refused_with_the_tummala_ling_table():
    with pytest.raises(ConfigError) as err:
        ahp_weights(NEAR_LIMIT, ["a", "b", "c", "d"], "tummala_ling")
    text = str(err.value)
    assert "CR = 0.101" in text and "RI = 0.8921" in text and "evaluation.ahp.matrix" in text


def test_params_choose_the_random_index_table():
    # three indicators, a > b (3), a > c (3), b < c (1/2): lambda_max = 3.05362, CI = 0.02681, so CR = 0.0462
    # against Saaty's RI(3) = 0.58 and 0.0462 against pymcdm's 0.5799: both accept; the stage's ahp_cr says which
    ev = params(integrity_satisfaction=1, conduct_satisfaction=1, safety_satisfaction=1)
    ev["weighting"] = "ahp"
    ev["ahp"] = {"matrix": [[1, 3, 3], ["1/3", 1, "1/2"], ["1/3", 2, 1]]}
    scores = {c: {**v, "safety_satisfaction": v["conduct_satisfaction"]} for c, v in SCORES.items()}
    cr = evaluate_all(mart(scores), ev, CATALOG)["evaluation"]["ahp_cr"].iloc[0]
    lam = float(np.linalg.eigvals(np.array([[1, 3, 3], [1 / 3, 1, 1 / 2], [1 / 3, 2, 1]])).real.max())
    assert cr == pytest.approx((lam - 3) / 2 / 0.58)
    ev["ahp"]["random_index"] = "tummala_ling"
    cr = evaluate_all(mart(scores), ev, CATALOG)["evaluation"]["ahp_cr"].iloc[0]
    assert cr == pytest.approx((lam - 3) / 2 / 0.5799)
    ev["ahp"]["random_index"] = "delphi"
    with pytest.raises(ConfigError, match="evaluation.ahp.random_index"):
        evaluate_all(mart(scores), ev, CATALOG)


@pytest.mark.parametrize(("cell", "shown"), [("3/2", "3/2"), (2.5, "2.5"), (10, "10")])
def test_ahp_judgement_off_the_1_to_9_scale_is_a_configuration_error(cell, shown):
    # 3/2 and 2.5 lie between two grades of the scale, 10 beyond it; each is reciprocal, so only the scale refuses it
    inverse = {"3/2": "2/3", 2.5: 0.4, 10: "1/10"}[cell]
    matrix = [[1, cell, 1], [inverse, 1, 1], [1, 1, 1]]
    with pytest.raises(ConfigError) as err:
        ahp_weights(matrix, ["a", "b", "c"])
    text = str(err.value)
    assert "evaluation.ahp.matrix" in text and f"第 1 行第 2 列是 {shown}，不在 1-9 标度上" in text


SCORES = {"990101": {"integrity_satisfaction": 70.0, "conduct_satisfaction": 80.0},
          "990102": {"integrity_satisfaction": 80.0, "conduct_satisfaction": 80.0},
          "990103": {"integrity_satisfaction": 90.0, "conduct_satisfaction": 82.0}}


def test_stage_weights_each_region_year_by_the_chosen_method():
    ev = params(integrity_satisfaction=1, conduct_satisfaction=1)
    ev["weighting"] = "entropy"
    ev["minimum_units"] = {"data_weights": 3}  # three counties: allowed here, to check the method by hand
    weights = evaluate_all(mart(SCORES), ev, CATALOG)["evaluation_weights"].set_index("indicator")
    # standardised: integrity 0, 1/2, 1 (d = (2/3) ln 2 / ln 3, as above); conduct 0, 0, 1 (d = 1)
    d_a = (2 / 3) * math.log(2) / math.log(3)
    assert weights.loc["integrity_satisfaction", "nominal_weight"] == pytest.approx(d_a / (d_a + 1))
    assert set(weights["weighting"]) == {"entropy"}
    ev["weighting"] = "equal"
    ev["weights"] = {"integrity_satisfaction": 5, "conduct_satisfaction": 1}  # the numbers are not used
    weights = evaluate_all(mart(SCORES), ev, CATALOG)["evaluation_weights"]
    assert weights["nominal_weight"].tolist() == pytest.approx([0.5, 0.5])


def test_bad_weighting_settings_are_refused_before_anything_is_computed():
    ev = params(integrity_satisfaction=1, conduct_satisfaction=1)
    ev["weighting"] = "topsis"
    with pytest.raises(ConfigError) as err:
        evaluate_all(mart(SCORES), ev, CATALOG)
    assert "evaluation.weighting" in str(err.value) and "entropy" in str(err.value)
    ev["weighting"] = "manual"
    ev["weights"] = {"integrity_satisfaction": -1, "conduct_satisfaction": 1}
    with pytest.raises(ConfigError, match="evaluation.weights"):
        evaluate_all(mart(SCORES), ev, CATALOG)
    ev["weights"] = {"integrity_satisfaction": 0, "conduct_satisfaction": 0}
    with pytest.raises(ConfigError, match="evaluation.weights"):
        evaluate_all(mart(SCORES), ev, CATALOG)


def test_data_weights_fall_back_to_equal_below_the_minimum_of_counties():
    # entropy compares counties: with three graded counties and a minimum of eight it is not computed;
    # the region-year is weighted equally and the marts say which weighting was used
    ev = params(integrity_satisfaction=1, conduct_satisfaction=1)
    ev["weighting"] = "entropy"
    ev["minimum_units"] = {"data_weights": 8}
    out = evaluate_all(mart(SCORES), ev, CATALOG)
    weights = out["evaluation_weights"]
    assert weights["nominal_weight"].tolist() == pytest.approx([0.5, 0.5])
    assert set(weights["weighting"]) == {"entropy"} and set(weights["weighting_used"]) == {"equal"}
    assert set(out["evaluation"]["weighting_used"]) == {"equal"}
    # one county alone is never an error any more: equal weights, rank 1
    alone = evaluate_all(mart({"990101": SCORES["990101"]}), ev, CATALOG)["evaluation"]
    assert alone["rank"].tolist() == [1.0] and set(alone["weighting_used"]) == {"equal"}


@pytest.mark.parametrize(("key", "value", "named"), [
    ("weightings", ["manual", "delphi"], "evaluation.uncertainty.weightings"),
    ("imputations", ["region_mean", "knn"], "evaluation.uncertainty.imputations"),
    ("normalisations", ["minmax", "softmax"], "evaluation.uncertainty.normalisations"),
    ("aggregations", ["arithmetic", "harmonic"], "evaluation.uncertainty.aggregations"),
    ("draws", 1000, "evaluation.uncertainty.draws"),
    ("weight_spread", 1.5, "evaluation.uncertainty.weight_spread"),
    ("winsorisation", ["yes"], "evaluation.uncertainty.winsorisation"),
])
def test_bad_uncertainty_settings_name_their_key(key, value, named):
    ev = params(integrity_satisfaction=1, conduct_satisfaction=1)
    ev["uncertainty"][key] = value
    with pytest.raises(ConfigError) as err:
        evaluate_all(mart(SCORES), ev, CATALOG)
    assert named in str(err.value)


def test_ahp_listed_only_among_the_alternatives_still_needs_a_consistent_matrix():
    ev = params(integrity_satisfaction=1, conduct_satisfaction=1)
    ev["uncertainty"]["weightings"] = ["manual", "ahp"]
    ev["ahp"] = {"matrix": [[1, 2], [2, 1]]}
    with pytest.raises(ConfigError, match="evaluation.ahp.matrix"):
        evaluate_all(mart(SCORES), ev, CATALOG)


def test_topsis_closeness_by_hand_and_against_pymcdm():
    from pymcdm.methods import TOPSIS

    from pipeline.stages.evaluate.aggregation import aggregate

    # scores (already normalised, higher better) of three counties on two indicators, weights 0.6 / 0.4
    n = np.array([[100.0, 0.0], [0.0, 100.0], [50.0, 50.0]])
    w = np.array([0.6, 0.4])
    # weighted: (60, 0), (0, 40), (30, 20); ideal (60, 40), anti-ideal (0, 0)
    # X: D+ = 40, D- = 60 -> 0.6;  Y: D+ = 60, D- = 40 -> 0.4;  Z: D+ = D- = sqrt(30^2 + 20^2) -> 0.5
    assert aggregate(n, w, "topsis") == pytest.approx([60.0, 40.0, 50.0])
    assert aggregate(n, w, "topsis") == pytest.approx(100 * TOPSIS()(n, w, np.array([1, 1])))
    # one row per Monte Carlo draw gives the same as one call per draw
    draws = np.array([[0.6, 0.4], [0.2, 0.8]])
    both = aggregate(n, draws, "topsis")
    assert both[1] == pytest.approx(aggregate(n, draws[1], "topsis"))


def test_rank_and_percentile_rank_normalisations_by_hand():
    from pipeline.stages.evaluate.normalisation import normalise

    x = np.array([[10.0, 5.0], [20.0, 5.0], [20.0, 5.0], [40.0, 5.0]])
    # ascending ranks with ties averaged: 1, 2.5, 2.5, 4 -> 100 (r - 1) / 3; a column without spread: 50
    assert normalise(x, "rank")[:, 0] == pytest.approx([0.0, 50.0, 50.0, 100.0])
    assert normalise(x, "rank")[:, 1] == pytest.approx([50.0] * 4)
    # counties each is ahead of: 0, 1, 1, 3 of the other 3
    assert normalise(x, "percentile")[:, 0] == pytest.approx([0.0, 100 / 3, 100 / 3, 100.0])
    # lower is better: ahead of those with more: 3, 1, 1, 0
    reverse = np.array([True, False])
    assert normalise(x, "percentile", reverse=reverse)[:, 0] == pytest.approx([100.0, 100 / 3, 100 / 3, 0.0])
    assert normalise(x, "rank", reverse=reverse)[:, 0] == pytest.approx([100.0, 50.0, 50.0, 0.0])
