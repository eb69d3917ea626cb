"""What the evaluation is configured to do: the methods offered, and one region-year's settings as data.

Plain frozen dataclasses, read from params.yaml by `params.py`; every other
module of the stage receives them and reads nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pipeline.sensitivity import Factor

NORMALISATIONS = ("minmax", "zscore", "goalposts", "rank", "percentile", "distance")
AGGREGATIONS = ("arithmetic", "geometric", "topsis")
# manual: the weights as written; equal; entropy (熵权法), critic and pca: from the region-year's data;
# ahp (层次分析法): the principal eigenvector of a pairwise-comparison matrix in params
WEIGHTINGS = ("manual", "equal", "entropy", "critic", "pca", "ahp")
DATA_WEIGHTINGS = ("entropy", "critic", "pca")  # computed per region-year from how its counties differ
AHP_MAX_CR = 0.1
# AHP's random consistency index by order n (n = 1, 2, ...): Saaty's table (Saaty 1980, The Analytic Hierarchy
# Process, table 1.7; 0.90 for n = 4, 1.12 for 5, 1.24 for 6), the one Chinese practice and its textbooks use,
# is the default; `tummala_ling` takes pymcdm's table (Tummala and Ling 1998, from larger simulations)
RANDOM_INDEX = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)
RANDOM_INDEX_NAMES = {"saaty": "Saaty 表", "tummala_ling": "Tummala-Ling 表"}
IMPUTATIONS = ("region_mean", "region_median", "previous_year")
# the assumptions the uncertainty analysis can vary, in the order they are reported
FACTORS = ("weights", "weighting", "normalisation", "aggregation", "imputation", "winsorisation")
NOT_GRADED = "未评定"


@dataclass(frozen=True)
class MinimumUnits:
    """Graded counties a region-year needs before a statistic of their spread means something.

    Skewness and kurtosis (and so winsorisation), Cronbach's alpha and the
    first principal component, and weights drawn from the data (entropy,
    CRITIC, PCA) are all estimates over the region's counties; on five of
    them they swing with one county's value. Below the minimum the step is
    skipped (data weights fall back to equal weights) and the marts say so.
    The defaults are what the formulas need at all (kurtosis takes four
    values, a correlation three, a difference two); params.yaml sets the
    minimums an analyst should trust.
    """

    winsorisation: int = 4
    statistics: int = 3
    data_weights: int = 2


@dataclass(frozen=True)
class Deduction:
    """Points taken off the index after aggregation: `points` per unit of a measure, at most `cap`."""

    measure: str
    points: float
    cap: float


@dataclass(frozen=True)
class Veto:
    """A condition that caps the grade: a county meeting it is graded `max_grade` at best.

    `above`: the measure's value this year is above the threshold;
    `rise_above`: it rose by more than the threshold since the year before
    (percentage points for a share).
    """

    measure: str
    condition: str  # "above" or "rise_above"
    threshold: float
    max_grade: str


@dataclass(frozen=True)
class EvalConfig:
    weights: dict[str, float]
    normalisation: str = "goalposts"
    # [low, high] per indicator, on the indicator's own scale (used by the goalposts normalisation)
    goalposts: dict[str, tuple[float, float]] = field(default_factory=dict)
    # indicators where a higher value is worse: their normalised value is reversed (100 - n)
    reversed: frozenset[str] = frozenset()
    aggregation: str = "arithmetic"
    # how weights are set (WEIGHTINGS); `weights` holds the numbers written in params (manual), `ahp_vector`
    # the AHP eigenvector when a matrix is given, `ahp_cr` its consistency ratio
    weighting: str = "manual"
    ahp_vector: tuple[float, ...] | None = None
    ahp_cr: float | None = None
    imputation: str = "region_mean"  # IMPUTATIONS
    # outlier treatment (COINr's rule): winsorise an indicator whose |skewness| and kurtosis both exceed the limits
    winsorise: bool = False
    skew_limit: float = 2.0
    kurtosis_limit: float = 3.5
    winsor_max_points: int = 5
    min_indicators: int = 5
    labels: tuple[str, ...] = ()  # from params.yaml evaluation.grades.labels
    grade_method: str = "quantile"
    quantile: tuple[float, ...] = (0.2, 0.6, 0.9)
    absolute: tuple[float, ...] = (85.0, 75.0, 65.0)
    minimum_units: MinimumUnits = MinimumUnits()
    deductions: tuple[Deduction, ...] = ()
    vetoes: tuple[Veto, ...] = ()

    @property
    def indicators(self) -> list[str]:
        return list(self.weights)

    @property
    def adjustment_measures(self) -> list[str]:
        """The measures deductions and vetoes read (besides the indicators), in params order."""
        return list(dict.fromkeys([d.measure for d in self.deductions] + [v.measure for v in self.vetoes]))

    @property
    def reverse_mask(self) -> np.ndarray:
        return np.array([c in self.reversed for c in self.indicators], dtype=bool)

    def goalpost_array(self) -> np.ndarray:
        return np.array([self.goalposts.get(c, (np.nan, np.nan)) for c in self.indicators], dtype=float)


@dataclass(frozen=True)
class UncertaintyConfig:
    """What the uncertainty analysis varies (each list: the alternatives of one assumption) and how much.

    Each list always holds the evaluation's own choice: the grade a county is
    given must be one of the outcomes the analysis can produce. `added` names
    the assumptions whose own choice the analyst's list left out and params
    reading put back, so the reports can say so.
    """

    base: int = 512  # N of the Saltelli design (a power of 2)
    seed: int = 0
    weight_spread: float = 0.25
    weightings: tuple[str, ...] = ()
    normalisations: tuple[str, ...] = ()
    aggregations: tuple[str, ...] = ()
    imputations: tuple[str, ...] = ()
    winsorisation: tuple[bool, ...] = ()
    stable_probability: float = 0.7
    # above this share of pairs of counties with overlapping 90 % rank intervals, the grades separate little
    overlap_share: float = 0.5
    added: tuple[str, ...] = ()

    @property
    def alternatives(self) -> dict[str, tuple]:
        """Each choice assumption (FACTORS after the weight noise) and its alternatives."""
        return dict(zip(FACTORS[1:], (self.weightings, self.normalisations, self.aggregations, self.imputations,
                                      self.winsorisation), strict=True))

    def factors(self, indicators: int) -> list[Factor]:
        """The assumptions that vary, in FACTORS order: a list with one alternative fixes its choice."""
        out = [Factor("weights", width=indicators)] if self.weight_spread > 0 else []
        return out + [Factor(name, alternatives=alts) for name, alts in self.alternatives.items() if len(alts) > 1]
