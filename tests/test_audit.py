"""Winsorisation, PCA weights, distance-to-best and the region audit's statistics, each worked by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from pipeline.audit import cronbach_alpha, indicator_ranks, pc1_share, strengths_and_weaknesses
from pipeline.stages.evaluate.normalisation import normalise
from pipeline.stages.evaluate.settings import EvalConfig
from pipeline.stages.evaluate.treatment import treat, winsorise
from pipeline.stages.evaluate.weighting import pca_weights


def g1_g2(v):
    """Sample skewness G1 and excess kurtosis G2 from their textbook formulas (Joanes and Gill 1998)."""
    n = len(v)
    m = sum(v) / n
    m2 = sum((x - m) ** 2 for x in v) / n
    m3 = sum((x - m) ** 3 for x in v) / n
    m4 = sum((x - m) ** 4 for x in v) / n
    g1, g2 = m3 / m2 ** 1.5, m4 / m2 ** 2 - 3
    return math.sqrt(n * (n - 1)) / (n - 2) * g1, (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * g2 + 6)


def test_winsorisation_follows_coinr_rule():
    # COINr's own example: 1..10 with two outliers, 30 and 100
    x = [*range(1, 11), 30.0, 100.0]
    skew, kurt = g1_g2(x)
    assert skew > 2 and kurt > 3.5  # flagged: both limits passed
    after = [*range(1, 11), 30.0, 30.0]  # 100 takes the next value inward
    skew2, kurt2 = g1_g2(after)
    assert abs(skew2) <= 2  # ... and the limits are met, so it stops after one point
    treated, changed = winsorise(np.array(x, dtype=float))
    assert treated.tolist() == after and changed == [11]
    # negative skew: the lowest values move up instead
    treated, changed = winsorise(-np.array(x, dtype=float))
    assert treated.tolist() == [-v for v in after] and changed == [11]
    # no outlier: unchanged, nothing logged
    treated, changed = winsorise(np.arange(1.0, 13.0))
    assert treated.tolist() == list(np.arange(1.0, 13.0)) and changed == []


def test_winsorisation_stops_at_the_maximum_number_of_points():
    # two equal extremes: winsorising them together would exceed max_points=1, so nothing is changed
    x = np.array([*range(1, 11), 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 400.0])
    _, changed = winsorise(x, max_points=1)
    assert changed == [21]


def test_treatment_logs_each_value_and_can_be_off():
    x = np.column_stack([[*range(1, 11), 30.0, 100.0], np.arange(1.0, 13.0)])
    cfg = EvalConfig(weights={"a": 1, "b": 1}, winsorise=True)
    out, log = treat(x, cfg)
    assert log == [(11, 0, 100.0, 30.0)] and out[11, 0] == 30.0 and (out[:, 1] == x[:, 1]).all()
    out, log = treat(x, EvalConfig(weights={"a": 1, "b": 1}, winsorise=False))
    assert log == [] and (out == x).all()


def test_pca_weights_follow_the_handbook_procedure():
    # block A: three copies of one series (one factor, eigenvalue 3); block B: two copies of a series
    # uncorrelated with A (eigenvalue 2); the rest 0. Both factors kept (eigenvalue > 1); squared loadings
    # scaled within a factor: 1/3 each in A, 1/2 each in B; factor shares 3/5 and 2/5:
    # A: 1/3 x 3/5 = 1/5, B: 1/2 x 2/5 = 1/5. (Weights from PC1's loadings alone would be 1/3, 1/3, 1/3, 0, 0.)
    a = np.array([1, 2, 3, 4, 5, 6], dtype=float)
    b = np.array([1, -1, 0, 0, -1, 1], dtype=float)  # sum 0 and orthogonal to a - mean(a)
    x = np.column_stack([a, 2 * a, a + 5, b, 3 * b])
    assert pca_weights(x) == pytest.approx([0.2] * 5)
    # one block of two and an uncorrelated third: eigenvalues 2, 1, 0; only the first passes Kaiser's > 1
    assert pca_weights(np.column_stack([a, a, b])) == pytest.approx([0.5, 0.5, 0.0])
    # an indicator without spread gets nothing
    assert pca_weights(np.column_stack([a, a, np.ones(6)])) == pytest.approx([0.5, 0.5, 0.0])


def test_distance_to_the_best_county():
    x = np.array([[50.0, 20.0], [80.0, 40.0], [100.0, 10.0]])
    n = normalise(x, "distance", reverse=np.array([False, True]))
    # higher is better: 100 x / 100; lower is better: 100 x 10 / x
    assert n[:, 0].tolist() == pytest.approx([50.0, 80.0, 100.0])
    assert n[:, 1].tolist() == pytest.approx([50.0, 25.0, 100.0])
    # a best of 0 on a lower-is-better share: that county 100, every other 0
    zero = normalise(np.array([[0.0], [5.0]]), "distance", reverse=np.array([True]))
    assert zero[:, 0].tolist() == [100.0, 0.0]


def test_cronbach_alpha_and_first_component_share_by_hand():
    scores = np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 5.0]])
    # variances (n - 1): 1 and 7/3; of the row sums 3, 5, 8: 19/3; alpha = 2 (1 - (10/3) / (19/3)) = 18/19
    assert cronbach_alpha(scores) == pytest.approx(18 / 19)
    # r = cov / (sd sd) = 1.5 / sqrt(7/3); two indicators: largest eigenvalue 1 + r, share (1 + r) / 2
    r = 1.5 / math.sqrt(7 / 3)
    assert pc1_share(scores) == pytest.approx((1 + r) / 2)
    assert math.isnan(cronbach_alpha(scores[:, :1]))  # one indicator: nothing to be consistent with


def test_strengths_and_weaknesses_by_rank_in_the_region():
    scores = pd.DataFrame({"a": [90.0, 50.0, 70.0], "b": [10.0, 60.0, 70.0], "c": [50.0, 55.0, 70.0]},
                          index=["X", "Y", "Z"])
    ranks = indicator_ranks(scores)
    assert ranks.loc["X"].tolist() == [1, 3, 3] and ranks.loc["Y"].tolist() == [3, 2, 2]
    delivered = pd.DataFrame(True, index=scores.index, columns=scores.columns)
    delivered.loc["Y", "a"] = False  # imputed: not a weakness of its own
    strong, weak = strengths_and_weaknesses(ranks, delivered)
    # X: best on a (1), worst on b and c (3); Y: delivered b and c only, both 2nd: no relative strength;
    # Z: best on b and c (1), worst on a (2)
    assert strong == ["a", "", "b,c"] and weak == ["b,c", "", "a"]


def test_a_county_first_on_every_indicator_has_them_all_as_strengths():
    """Scores a: 90 / 50 / 70, b: 80 / 60 / 70: X ranks 1st on both (its strengths are a and b, not "—"),
    Y 3rd on both (its weaknesses are a and b), Z 2nd on both (no relative strength or weakness)."""
    scores = pd.DataFrame({"a": [90.0, 50.0, 70.0], "b": [80.0, 60.0, 70.0]}, index=["X", "Y", "Z"])
    ranks = indicator_ranks(scores)
    delivered = pd.DataFrame(True, index=scores.index, columns=scores.columns)
    strong, weak = strengths_and_weaknesses(ranks, delivered)
    assert strong == ["a,b", "", ""] and weak == ["", "a,b", ""]
