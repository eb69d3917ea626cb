"""Sobol' indices on functions whose indices are known analytically, and the design the evaluation draws.

For independent inputs X ~ U(0, 1): Var X = 1/12.
- Y = X1 + 2 X2: V1 = 1/12, V2 = 4/12, no interaction: S1 = ST = 1/5 and 4/5.
- Y = X1 X2: Var Y = E[X1^2] E[X2^2] - (E X1 E X2)^2 = 1/9 - 1/16 = 7/144; V1 = Var(X1 / 2) = 3/144,
  V12 = 7/144 - 6/144 = 1/144: S1 = 3/7 each, ST = 4/7 each.
- Y = 3 L + X, L = 0 or 1 with equal chances: Var(3 L) = 9/4, Var X = 1/12: S_L = 27/28, S_X = 1/28.
- Y = U1 + U2 + U3 + X with (U1, U2, U3) one group: V_group = 3/12, V_X = 1/12: S_group = 3/4.
"""

import numpy as np
import pytest

from pipeline.sensitivity import Factor, drivers, saltelli_design, sobol_indices


def test_linear_model_first_and_total_order():
    d = saltelli_design([Factor("x1"), Factor("x2"), Factor("idle")], 1024, 11)
    x1, x2 = d.columns("x1")[:, 0], d.columns("x2")[:, 0]
    s1, st = sobol_indices(d, x1 + 2 * x2)
    assert s1 == pytest.approx([1 / 5, 4 / 5, 0.0], abs=0.02)
    assert st == pytest.approx([1 / 5, 4 / 5, 0.0], abs=0.02)
    assert d.rows == 1024 * (3 + 2)


def test_product_model_has_an_interaction():
    d = saltelli_design([Factor("x1"), Factor("x2")], 2048, 5)
    x1, x2 = d.columns("x1")[:, 0], d.columns("x2")[:, 0]
    s1, st = sobol_indices(d, x1 * x2)
    assert s1 == pytest.approx([3 / 7, 3 / 7], abs=0.03)
    assert st == pytest.approx([4 / 7, 4 / 7], abs=0.03)


def test_a_choice_factor_and_a_group_factor():
    d = saltelli_design([Factor("method", alternatives=("a", "b")), Factor("x")], 1024, 3)
    pick = d.choice("method")
    assert np.bincount(pick).tolist() == [1024 * 2, 1024 * 2]  # equal chances, balanced by the sequence
    s1, st = sobol_indices(d, 3 * pick + d.columns("x")[:, 0])
    assert s1 == pytest.approx([27 / 28, 1 / 28], abs=0.01)
    g = saltelli_design([Factor("weights", width=3), Factor("x")], 1024, 3)
    assert g.rows == 1024 * (2 + 2) and g.columns("weights").shape == (g.rows, 3)
    s1, _ = sobol_indices(g, g.columns("weights").sum(axis=1) + g.columns("x")[:, 0])
    assert s1 == pytest.approx([3 / 4, 1 / 4], abs=0.02)


def test_several_outputs_at_once_and_a_constant_output():
    d = saltelli_design([Factor("x1"), Factor("x2")], 512, 1)
    x1, x2 = d.columns("x1")[:, 0], d.columns("x2")[:, 0]
    y = np.stack([x1, x2, np.full(d.rows, 7.0)], axis=1)
    s1, st = sobol_indices(d, y)
    assert s1.shape == (2, 3)
    assert s1[:, 0] == pytest.approx([1, 0], abs=0.02) and s1[:, 1] == pytest.approx([0, 1], abs=0.02)
    assert (s1[:, 2] == 0).all() and (st[:, 2] == 0).all()  # nothing to explain: zeros, not NaN


def test_a_base_that_is_not_a_power_of_two_is_refused():
    with pytest.raises(Warning):  # SALib's warning is raised: the sequence would lose its balance
        saltelli_design([Factor("x1"), Factor("x2")], 1000, 1)


def test_drivers_are_the_largest_total_order_and_those_close_to_it():
    names = ["weights", "weighting", "normalisation"]
    assert drivers(np.array([0.2, 0.6, 0.1]), names) == ["weighting"]
    assert drivers(np.array([0.5, 0.6, 0.1]), names) == ["weighting", "weights"]  # 0.5 >= 0.8 x 0.6
    assert drivers(np.zeros(3), names) == []
