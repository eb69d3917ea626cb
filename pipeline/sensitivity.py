"""Variance-based sensitivity of the grades: which assumption moves a county's rank and grade.

The evaluation rests on choices an analyst could have made otherwise (the
weighting method, the normalisation, the aggregation, the imputation, whether
outliers are winsorised, the weights themselves). Each choice the analyst lists
in `evaluation.uncertainty` is a factor; a factor with alternatives is drawn as
a uniform number mapped to one of them, the weight noise is one factor made of
one multiplier per indicator (a SALib group). SALib draws Saltelli's design on
a scrambled Sobol' sequence (N x (factors + 2) scenarios) and its estimators
give, per output column (a county's rank, or its grade as 0, 1, 2, ...):

- the first-order index S1: the share of the output's variance the factor
  explains alone (Saltelli et al. 2010);
- the total-order index ST: its share including every interaction with the
  other factors (Jansen's estimator); the factor with the largest ST is the
  assumption the county's result depends on most.

Every row of the design is a draw from the same uniform input distribution,
so the same scenarios also give the rank intervals and grade probabilities.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@dataclass(frozen=True)
class Factor:
    """One assumption varied: `alternatives` for a choice, or `width` variables for a noise group."""

    name: str
    alternatives: tuple = ()
    width: int = 0  # > 0: a group of `width` continuous U(0, 1) variables (e.g. one per weight)

    @property
    def variables(self) -> int:
        return self.width or 1


@dataclass
class Design:
    """The scenarios of a Saltelli design: `u` (rows x variables, each in [0, 1)) and how to read them."""

    factors: list[Factor]
    base: int  # N, the base sample size
    u: np.ndarray

    @property
    def rows(self) -> int:
        return len(self.u)

    def columns(self, name: str) -> np.ndarray:
        """The U(0, 1) columns of a factor (rows x its variables)."""
        start = 0
        for f in self.factors:
            if f.name == name:
                return self.u[:, start:start + f.variables]
            start += f.variables
        raise KeyError(name)

    def choice(self, name: str) -> np.ndarray:
        """Index of the alternative each scenario takes for a choice factor (equal chances)."""
        f = next(f for f in self.factors if f.name == name)
        return np.minimum((self.columns(name)[:, 0] * len(f.alternatives)).astype(int), len(f.alternatives) - 1)


def saltelli_design(factors: list[Factor], base: int, seed: int) -> Design:
    """Saltelli's design (see `_design`); the same factors, base and seed always give the same design,
    so it is drawn once per process and shared by every region-year."""
    return _design(tuple(factors), base, seed)


@lru_cache(maxsize=16)
def _design(factors: tuple[Factor, ...], base: int, seed: int) -> Design:
    """Saltelli's design for first- and total-order indices (no second order), SALib's Sobol' sampler.

    `base` must be a power of 2 (the balance of the Sobol' sequence); the design
    has base x (len(factors) + 2) rows: per base point, A, then A with factor j
    taken from B for each j, then B.
    """
    from SALib.sample import sobol

    names = [f"{f.name}_{i}" for f in factors for i in range(f.variables)]
    groups = [f.name for f in factors for _ in range(f.variables)]
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names), "groups": groups}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a base that breaks the sequence's balance must not pass silently
        u = sobol.sample(problem, base, calc_second_order=False, scramble=True, seed=seed)
    return Design(factors=list(factors), base=base, u=np.minimum(u, np.nextafter(1.0, 0.0)))


def sobol_indices(design: Design, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First- and total-order indices of each factor for each output column.

    y: one row per scenario of the design (rows,) or (rows, outputs). Returns
    (S1, ST), each factors x outputs (or (factors,) for one output), with SALib's
    estimators; an output that never varies gets 0 for every factor (nothing to
    explain), not NaN.
    """
    from SALib.analyze.sobol import first_order, total_order

    y = np.asarray(y, dtype=float)
    single = y.ndim == 1
    y2 = y.reshape(len(y), -1)
    k = len(design.factors)
    blocks = y2.reshape(design.base, k + 2, y2.shape[1])
    a, b = blocks[:, 0], blocks[:, -1]
    s1 = np.zeros((k, y2.shape[1]))
    st = np.zeros((k, y2.shape[1]))
    varying = np.ptp(np.r_[a, b], axis=0) > 1e-12
    if varying.any():
        for j in range(k):
            ab = blocks[:, j + 1]
            s1[j, varying] = first_order(a[:, varying], ab[:, varying], b[:, varying])
            st[j, varying] = total_order(a[:, varying], ab[:, varying], b[:, varying])
    return (s1[:, 0], st[:, 0]) if single else (s1, st)


def drivers(total: np.ndarray, names: list[str], share: float = 0.8) -> list[str]:
    """The factors an output depends on most: the largest total-order index and any within `share` of it.

    Empty when nothing moves the output (every index 0).
    """
    total = np.asarray(total, dtype=float)
    if total.size == 0 or not np.isfinite(total).any() or np.nanmax(total) <= 1e-9:
        return []
    top = np.nanmax(total)
    order = np.argsort(-total, kind="stable")
    return [names[i] for i in order if total[i] >= share * top]
