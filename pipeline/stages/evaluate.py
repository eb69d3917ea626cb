"""Evaluate stage: composite index, grades (好/较好/一般/差), their uncertainty, coherence.

Method, following the JRC/OECD composite-indicator handbook:
  1. indicators and weights from params.yaml (`evaluation.weights`, renormalised), or
     weights by `evaluation.weighting`: equal, entropy, CRITIC, PCA (per region-year) or AHP;
     any catalog measure with a direction may enter, lower-is-better ones reversed;
  2. missing data: a county-year is graded only with at least `min_indicators`
     indicators; each missing one is imputed (region-year mean or median, or the
     county's own previous year) and flagged with how;
  3. outliers: an indicator past COINr's skewness and kurtosis limits is
     winsorised within the region-year, each value changed logged;
     normalisation within region and year: min-max (0-100), z-score (as a
     T-score, 50 + 10z), rank or percentile rank (0-100), distance to the best,
     or goalposts (fixed bounds, so years stay comparable);
  4. aggregation: weighted arithmetic mean, weighted geometric mean on values
     moved into [1, 100] (a geometric mean needs strictly positive values), or
     TOPSIS closeness to the best county of the region-year (x 100);
  5. ranks within the region, grades by quantile of the ranking or by cut-offs;
  6. uncertainty and sensitivity: the scenarios of a Saltelli design over every
     assumption listed in `evaluation.uncertainty` (weights, weighting,
     normalisation, aggregation, imputation, winsorisation) give each county its
     median rank, 5-95% rank interval, the probability of each grade and the
     Sobol' indices saying which assumption moves its rank and grade; a county
     whose assigned grade comes out in fewer than `stable_probability` of the
     scenarios is flagged as not stable;
  7. coherence: correlations between indicators, collinear pairs, indicators
     that correlate negatively with the index, rank shift when one is dropped.

Writes data/marts/evaluation*.parquet, metrics/evaluation.json, plots/evaluation_index.csv.
Run: python -m pipeline.stages.evaluate
"""

from __future__ import annotations

import json
import sys
import warnings
from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np
import pandas as pd

from pipeline.audit import cronbach_alpha, indicator_ranks, pc1_share, strengths_and_weaknesses
from pipeline.catalog import Catalog, load_catalog
from pipeline.config import Paths, load_params, project_root, publish, remove_stale_temps
from pipeline.errors import ConfigError
from pipeline.marts import mart_path, scoped_county_measures
from pipeline.numbers import fixed, round_half_up
from pipeline.sensitivity import Factor, drivers, saltelli_design, sobol_indices

NORMALISATIONS = ("minmax", "zscore", "goalposts", "rank", "percentile", "distance")
AGGREGATIONS = ("arithmetic", "geometric", "topsis")
# manual: the weights as written; equal; entropy (熵权法), critic and pca: from the region-year's data;
# ahp (层次分析法): the principal eigenvector of a pairwise-comparison matrix in params
WEIGHTINGS = ("manual", "equal", "entropy", "critic", "pca", "ahp")
DATA_WEIGHTINGS = ("entropy", "critic", "pca")  # computed per region-year: need at least two counties
AHP_MAX_CR = 0.1
IMPUTATIONS = ("region_mean", "region_median", "previous_year")
# the assumptions the uncertainty analysis can vary, in the order they are reported
FACTORS = ("weights", "weighting", "normalisation", "aggregation", "imputation", "winsorisation")
NOT_GRADED = "未评定"


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

    @property
    def indicators(self) -> list[str]:
        return list(self.weights)

    @property
    def nominal_weights(self) -> np.ndarray:
        """The weights of the configured method when they do not depend on the data (manual, equal, ahp)."""
        return fixed_weights(self, self.weighting)

    @property
    def reverse_mask(self) -> np.ndarray:
        return np.array([c in self.reversed for c in self.indicators], dtype=bool)

    def goalpost_array(self) -> np.ndarray:
        return np.array([self.goalposts.get(c, (np.nan, np.nan)) for c in self.indicators], dtype=float)

    @classmethod
    def from_params(cls, ev: dict, catalog: Catalog) -> EvalConfig:
        """The evaluation settings, checked against the catalog before anything is computed.

        A weight key the catalog does not define, or a measure without a
        direction (more cases filed is not better or worse in itself), is
        refused with the accepted codes: a misspelt key must not silently
        leave every county ungraded.
        """
        eligible = [m.code for m in catalog.measures if m.direction != "neutral" and m.kind != "flag"]
        catalog.check_codes(list(ev["weights"]), what="评价指标", key="evaluation.weights", allowed=eligible)
        unc = ev.get("uncertainty") or {}
        weighting = str(ev.get("weighting", "manual"))
        weightings = {weighting, *map(str, unc.get("weightings") or [])}
        bad = sorted(weightings - set(WEIGHTINGS))
        if bad:
            key = "evaluation.weighting" if weighting in bad else "evaluation.uncertainty.weightings"
            raise ConfigError("params.yaml", key, f"赋权方法「{'、'.join(bad)}」无效", list(WEIGHTINGS))
        weights = {k: float(v) for k, v in ev["weights"].items()}
        if any(not np.isfinite(v) or v < 0 for v in weights.values()) or sum(weights.values()) <= 0:
            raise ConfigError("params.yaml", "evaluation.weights",
                              "权重应为非负数且不能全为 0（equal、entropy、critic、pca、ahp 方法下只列出指标，数值不用）")
        imputation = str(ev.get("imputation", "region_mean"))
        bad = sorted({imputation, *map(str, unc.get("imputations") or [])} - set(IMPUTATIONS))
        if bad:
            key = "evaluation.imputation" if imputation in bad else "evaluation.uncertainty.imputations"
            raise ConfigError("params.yaml", key, f"插补方法「{'、'.join(bad)}」无效", list(IMPUTATIONS))
        ahp_vector = ahp_cr = None
        if "ahp" in weightings:
            vector, ahp_cr = ahp_weights((ev.get("ahp") or {}).get("matrix"), list(weights))
            ahp_vector = tuple(float(v) for v in vector)
        methods = {ev["normalisation"], *unc.get("normalisations", [])}
        bad = sorted(methods - set(NORMALISATIONS))
        if bad:
            raise ConfigError("params.yaml", "evaluation.normalisation", f"标准化方法「{'、'.join(bad)}」无效",
                              list(NORMALISATIONS))
        bad = sorted({ev["aggregation"], *unc.get("aggregations", [])} - set(AGGREGATIONS))
        if bad:
            raise ConfigError("params.yaml", "evaluation.aggregation", f"汇总方法「{'、'.join(bad)}」无效",
                              list(AGGREGATIONS))
        overrides = ev.get("goalposts") or {}
        catalog.check_codes(list(overrides), what="目标值（goalposts）指标", key="evaluation.goalposts",
                            allowed=eligible)
        goalposts = {}
        for code in ev["weights"]:
            posts = overrides.get(code) or catalog.measure(code).goalposts
            if posts is not None:
                goalposts[code] = (float(posts[0]), float(posts[1]))
            elif "goalposts" in methods:
                raise ConfigError("params.yaml", "evaluation.goalposts",
                                  f"{catalog.name(code)}（{code}）没有目标值，无法用 goalposts 标准化；"
                                  f"请在 evaluation.goalposts 中写 {code}: [下限, 上限]，或不使用 goalposts")
        treatment = ev.get("treatment") or {}
        winsorise = treatment.get("winsorise", False)
        if not isinstance(winsorise, bool):
            raise ConfigError("params.yaml", "evaluation.treatment.winsorise", f"应为 true 或 false，收到 {winsorise!r}")
        cfg = cls(
            weights=weights,
            weighting=weighting,
            ahp_vector=ahp_vector,
            ahp_cr=ahp_cr,
            imputation=imputation,
            winsorise=winsorise,
            skew_limit=float(treatment.get("skew", 2.0)),
            kurtosis_limit=float(treatment.get("kurtosis", 3.5)),
            winsor_max_points=int(treatment.get("max_points", 5)),
            normalisation=ev["normalisation"],
            goalposts=goalposts,
            reversed=frozenset(c for c in ev["weights"] if catalog.measure(c).direction == "higher_is_worse"),
            aggregation=ev["aggregation"],
            min_indicators=int(ev["min_indicators"]),
            labels=tuple(ev["grades"]["labels"]),
            grade_method=ev["grades"]["method"],
            quantile=tuple(float(q) for q in ev["grades"]["quantile"]),
            absolute=tuple(float(a) for a in ev["grades"]["absolute"]),
        )
        if len(cfg.labels) != len(cfg.quantile) + 1 or len(cfg.labels) != len(cfg.absolute) + 1:
            raise ConfigError("params.yaml", "evaluation.grades", "等次名称应比分界点多一个")
        return cfg


@dataclass(frozen=True)
class UncertaintyConfig:
    """What the uncertainty analysis varies (each list: the alternatives of one assumption) and how much."""

    base: int = 512  # N of the Saltelli design (a power of 2)
    seed: int = 0
    weight_spread: float = 0.25
    weightings: tuple[str, ...] = ()
    normalisations: tuple[str, ...] = ()
    aggregations: tuple[str, ...] = ()
    imputations: tuple[str, ...] = ()
    winsorisation: tuple[bool, ...] = ()
    stable_probability: float = 0.7

    @classmethod
    def from_params(cls, unc: dict, cfg: EvalConfig) -> UncertaintyConfig:
        """Each list defaults to the evaluation's own choice (not varied); a bad value names its key."""
        base = int(unc.get("draws", 512))
        if base < 2 or base & (base - 1):
            raise ConfigError("params.yaml", "evaluation.uncertainty.draws",
                              f"Sobol' 抽样的基本样本量应为 2 的幂（如 256、512、1024），收到 {base}")
        spread = float(unc.get("weight_spread", 0.0))
        if not 0 <= spread < 1:
            raise ConfigError("params.yaml", "evaluation.uncertainty.weight_spread", f"应在 0 与 1 之间（不含 1），收到 {spread}")
        winsor = tuple(unc.get("winsorisation") or [cfg.winsorise])
        if any(not isinstance(v, bool) for v in winsor):
            raise ConfigError("params.yaml", "evaluation.uncertainty.winsorisation", "应为 [true]、[false] 或 [true, false]")

        def listed(key: str, own: str) -> tuple[str, ...]:
            return tuple(dict.fromkeys(map(str, unc.get(key) or [own])))

        return cls(base=base, seed=int(unc.get("seed", 0)), weight_spread=spread,
                   weightings=listed("weightings", cfg.weighting),
                   normalisations=listed("normalisations", cfg.normalisation),
                   aggregations=listed("aggregations", cfg.aggregation),
                   imputations=listed("imputations", cfg.imputation),
                   winsorisation=tuple(dict.fromkeys(winsor)),
                   stable_probability=float(unc.get("stable_probability", 0.7)))

    @property
    def alternatives(self) -> dict[str, tuple]:
        """Each choice assumption (FACTORS after the weight noise) and its alternatives."""
        return dict(zip(FACTORS[1:], (self.weightings, self.normalisations, self.aggregations, self.imputations,
                                      self.winsorisation), strict=True))

    def factors(self, indicators: int) -> list[Factor]:
        """The assumptions that vary, in FACTORS order: a list with one alternative fixes its choice."""
        out = [Factor("weights", width=indicators)] if self.weight_spread > 0 else []
        return out + [Factor(name, alternatives=alts) for name, alts in self.alternatives.items() if len(alts) > 1]


# ---------------------------------------------------------------- building blocks


def normalise(x: np.ndarray, method: str, goalposts=(50.0, 100.0), reverse: np.ndarray | None = None) -> np.ndarray:
    """Normalise columns of x (counties x indicators) so that 100 is best.

    min-max and z-score use the counties of one region-year; a column with no
    spread gets 50 (min-max) or 50 (z-score), as no county is ahead on it.
    z-scores use the population standard deviation and are shown as T-scores.
    goalposts are one (low, high) pair or one per column. A column where a
    higher value is worse (`reverse`) is mirrored: 100 - n, so its best county
    gets the top score under every method (min-max, T-score and goalposts are
    all symmetric around 50 that way).
    """
    x = np.asarray(x, dtype=float)
    if method in ("percentile", "distance") and reverse is not None and np.any(reverse):
        # "ahead of" means lower on such a column: count on the negated values, no mirroring (ties stay fair)
        return _normalise(np.where(np.asarray(reverse, dtype=bool), -x, x), method, goalposts)
    n = _normalise(x, method, goalposts)
    if reverse is not None and np.any(reverse):
        n = np.where(np.asarray(reverse, dtype=bool), 100 - n, n)
    return n


def _normalise(x: np.ndarray, method: str, goalposts) -> np.ndarray:
    if method == "minmax":
        lo, hi = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
        span = np.where(hi > lo, hi - lo, np.nan)
        return np.where(np.isnan(span), 50.0, 100 * (x - lo) / np.where(np.isnan(span), 1, span))
    if method == "zscore":
        mean, sd = np.nanmean(x, axis=0), np.nanstd(x, axis=0)
        return np.where(sd > 0, 50 + 10 * (x - mean) / np.where(sd > 0, sd, 1), 50.0)
    if method in ("rank", "percentile"):
        # rank: 100 (r - 1) / (n - 1) with r the ascending rank, ties averaged (the best county 100);
        # percentile: 100 x the share of the other counties it is ahead of (ties ahead of no one)
        frame = pd.DataFrame(x)
        count = frame.notna().sum().to_numpy()
        r = frame.rank(method="average" if method == "rank" else "min").to_numpy()
        scaled = 100 * (r - 1) / np.where(count > 1, count - 1, 1)
        spread = np.nanmax(x, axis=0) > np.nanmin(x, axis=0) if len(x) else np.zeros(x.shape[1], dtype=bool)
        return np.where(np.isnan(x), np.nan, np.where(spread, scaled, 50.0))
    if method == "distance":
        # distance to the best county as a fraction of it (JRC/COINr "fraction of max"): 100 x / max; a
        # lower-is-better column arrives negated and scores 100 min / x, so a county twice the best has 50
        if np.any((np.nanmax(x, axis=0) > 0) & (np.nanmin(x, axis=0) < 0)):
            raise ValueError("distance normalisation needs values of one sign per indicator")
        negated = np.nanmax(x, axis=0) <= 0
        u = np.abs(x)
        top = np.where(negated, np.nanmin(u, axis=0), np.nanmax(u, axis=0))
        higher = np.divide(u, top, out=np.ones_like(u), where=top > 0)
        lower = np.divide(top, u, out=np.ones_like(u), where=u > 0)
        return np.where(np.isnan(x), np.nan, 100 * np.where(negated, lower, higher))
    if method == "goalposts":
        posts = np.asarray(goalposts, dtype=float)
        lo, hi = (posts[:, 0], posts[:, 1]) if posts.ndim == 2 else (posts[0], posts[1])
        return np.clip(100 * (x - lo) / (hi - lo), 0, 100)
    raise ValueError(f"unknown normalisation {method!r}")


def ahp_weights(matrix, indicators: list[str]) -> tuple[np.ndarray, float]:
    """Weights and consistency ratio of a pairwise-comparison matrix (AHP, pymcdm).

    Row i, column j says how much more indicator i matters than j on Saaty's
    1-9 scale, rows and columns in the order of `evaluation.weights`; the
    matrix must be square, positive and reciprocal (a_ji = 1 / a_ij). Weights
    are the principal eigenvector; CR = (lambda_max - n) / (n - 1) / RI, with
    pymcdm's random indices (Tummala and Ling). A CR of 0.1 or more is refused:
    the comparisons contradict each other too much to weigh anything.
    """
    from pymcdm.weights.subjective import AHP

    key, n = "evaluation.ahp.matrix", len(indicators)
    order = "、".join(indicators)
    try:  # YAML reads 1/3 as text
        a = np.array([[float(Fraction(str(v))) for v in row] for row in matrix], dtype=float)
    except (TypeError, ValueError, ZeroDivisionError):
        a = np.empty((0, 0))
    if a.shape != (n, n):
        raise ConfigError("params.yaml", key, f"层次分析法需要 {n}×{n} 的两两比较矩阵（行列顺序同 evaluation.weights："
                                              f"{order}），收到的形状是 {'×'.join(map(str, a.shape)) or '空'}")
    if not np.isfinite(a).all() or (a <= 0).any():
        raise ConfigError("params.yaml", key, "两两比较矩阵的元素应为正数（1-9 标度及其倒数）")
    bad = [(i, j) for i in range(n) for j in range(n) if abs(a[i, j] * a[j, i] - 1) > 1e-6]
    if bad:
        i, j = bad[0]
        raise ConfigError("params.yaml", key, f"两两比较矩阵不互反：第 {i + 1} 行第 {j + 1} 列是 {_plain(a[i, j])}，"
                                              f"第 {j + 1} 行第 {i + 1} 列应为其倒数，实为 {_plain(a[j, i])}")
    model = AHP(matrix=a)
    cr = float(model.get_cr())
    if cr >= AHP_MAX_CR:
        raise ConfigError("params.yaml", key, f"两两比较矩阵的一致性比率 CR = {fixed(cr, 3)}，"
                                              f"应小于 {AHP_MAX_CR}；请调整相互矛盾的比较后再运行")
    return np.asarray(model(), dtype=float), cr


def _plain(x: float) -> str:
    return f"1/{fixed(1 / x, 0)}" if x < 1 and abs(1 / x - round(1 / x)) < 1e-9 else fixed(x, 3).rstrip("0").rstrip(".")


def standardised(x: np.ndarray, reverse: np.ndarray) -> np.ndarray:
    """Min-max to [0, 1] within the region-year, lower-is-better reversed; a column without spread is 0.5."""
    return normalise(x, "minmax", reverse=reverse) / 100


def entropy_weights(y: np.ndarray) -> np.ndarray:
    """The entropy method (熵权法) on standardised values y (counties x indicators, in [0, 1]).

    p_ij = y_ij / sum_i y_ij; e_j = -sum_i p_ij ln p_ij / ln n (0 ln 0 = 0);
    w_j = (1 - e_j) / sum_k (1 - e_k). An indicator on which the counties do
    not differ carries no information and gets weight 0; if none differs, the
    weights are equal. (pymcdm's version sets a column's entropy to 0 whenever
    it holds a 0, which every min-max standardised column does: not used here.)
    """
    m = y.shape[0]
    totals = y.sum(axis=0)
    p = np.divide(y, totals, out=np.full_like(y, 1 / m), where=totals > 0)
    plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0.0)
    e = -plogp.sum(axis=0) / np.log(m)
    d = np.clip(1 - e, 0, None)
    return d / d.sum() if d.sum() > 1e-12 else np.full(y.shape[1], 1 / y.shape[1])


def critic_weights(y: np.ndarray) -> np.ndarray:
    """CRITIC (Diakoulaki et al. 1995, pymcdm): C_j = sigma_j * sum_k (1 - r_jk), w_j = C_j / sum C.

    sigma_j is the sample standard deviation of the standardised values and r
    the Pearson correlation; an indicator without spread gets weight 0 (its
    correlations are undefined), and one varying alone gets all the weight.
    """
    from pymcdm.weights import critic_weights as pymcdm_critic

    varying = y.std(axis=0) > 0
    w = np.zeros(y.shape[1])
    if varying.sum() >= 2:
        w[varying] = pymcdm_critic(y[:, varying])
    elif varying.sum() == 1:
        w[varying] = 1.0
    else:
        w[:] = 1 / y.shape[1]
    return w


def pca_weights(x: np.ndarray) -> np.ndarray:
    """Weights from principal components (the OECD/JRC handbook's procedure, without rotation).

    On the correlation matrix of the indicators (lower-is-better ones reversed):
    keep the components with eigenvalue above 1 (Kaiser; at least the first);
    square each kept component's loadings and scale them to sum to 1; each
    indicator goes with the component where its squared loading is largest and
    takes that scaled squared loading times the component's share of the kept
    variance; the weights are then scaled to sum to 1. An indicator without
    spread gets 0; if fewer than two vary, the varying one (or all) share equally.
    """
    k = x.shape[1]
    varying = np.nanstd(x, axis=0) > 0
    w = np.zeros(k)
    if varying.sum() < 2:
        w[varying if varying.any() else slice(None)] = 1.0
        return w / w.sum()
    r = np.corrcoef(x[:, varying], rowvar=False)
    values, vectors = np.linalg.eigh(r)
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    kept = max(1, int((values > 1 + 1e-9).sum()))
    loadings = vectors[:, :kept] * np.sqrt(np.clip(values[:kept], 0, None))
    squared = loadings ** 2 / (loadings ** 2).sum(axis=0)
    share = values[:kept] / values[:kept].sum()
    best = squared.argmax(axis=1)
    w[varying] = squared[np.arange(len(best)), best] * share[best]
    return w / w.sum()


def fixed_weights(cfg: EvalConfig, method: str) -> np.ndarray:
    """Weights that do not depend on the data: manual (params, renormalised), equal, ahp (the eigenvector)."""
    if method == "equal":
        return np.full(len(cfg.indicators), 1 / len(cfg.indicators))
    if method == "ahp":
        if cfg.ahp_vector is None:
            raise ValueError("ahp weights need evaluation.ahp.matrix")
        return np.asarray(cfg.ahp_vector, dtype=float)
    w = np.array([float(v) for v in cfg.weights.values()])
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError("evaluation.weights must be non-negative and not all zero")
    return w / w.sum()


def method_weights(x: np.ndarray, cfg: EvalConfig, method: str | None = None) -> np.ndarray:
    """The weights a region-year is aggregated with under a weighting method (x: its gradable counties)."""
    method = method or cfg.weighting
    if method in DATA_WEIGHTINGS and len(x) >= 2:  # (one county: its rank is 1 whatever the weights)
        if method == "pca":
            return pca_weights(np.where(cfg.reverse_mask, -x, x))
        y = standardised(x, cfg.reverse_mask)
        return entropy_weights(y) if method == "entropy" else critic_weights(y)
    if method in DATA_WEIGHTINGS:
        return fixed_weights(cfg, "equal")
    return fixed_weights(cfg, method)


def moments(values: np.ndarray) -> tuple[float, float]:
    """Sample skewness G1 and excess kurtosis G2 (the bias-adjusted estimators of Excel's SKEW and KURT,
    which COINr's thresholds refer to, and pandas' skew and kurt); NaN when there are too few values
    (3 and 4) or no spread. Written out because it runs for every indicator of every region-year, where
    building a pandas Series each time cost about a second at province scale."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = len(v)
    d = v - v.mean() if n else v
    m2 = (d ** 2).mean() if n else 0.0
    if n < 3 or m2 <= 1e-14 * max(1.0, float((v ** 2).mean())):
        return float("nan"), float("nan")
    g1 = (d ** 3).mean() / m2 ** 1.5
    skew = float(np.sqrt(n * (n - 1)) / (n - 2) * g1)
    if n < 4:
        return skew, float("nan")
    g2 = (d ** 4).mean() / m2 ** 2 - 3
    return skew, float((n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * g2 + 6))


def winsorise(values: np.ndarray, skew_limit: float = 2.0, kurtosis_limit: float = 3.5,
              max_points: int = 5) -> tuple[np.ndarray, list[int]]:
    """COINr's winsorisation of one indicator: while |skewness| > skew_limit and kurtosis > kurtosis_limit,
    the highest values (lowest, when the skew is negative) take the next value inward.

    Stops at `max_points` treated values; returns the treated values and the
    positions changed. Values the limits do not flag are returned unchanged.
    """
    v = np.asarray(values, dtype=float).copy()
    changed: list[int] = []
    while len(changed) < max_points:
        skew, kurt = moments(v)
        if not (np.isfinite(skew) and np.isfinite(kurt)) or abs(skew) <= skew_limit or kurt <= kurtosis_limit:
            break
        side = np.nanmax(v) if skew > 0 else np.nanmin(v)
        at = np.flatnonzero(v == side)
        rest = v[~np.isnan(v) & (v != side)]
        if rest.size == 0 or len(changed) + len(at) > max_points:
            break
        v[at] = rest.max() if skew > 0 else rest.min()
        changed += [int(i) for i in at]
    return v, sorted(set(changed))


def treat(x: np.ndarray, cfg: EvalConfig) -> tuple[np.ndarray, list[tuple[int, int, float, float]]]:
    """Winsorise each indicator of a region-year (gradable counties, imputed) that COINr's limits flag.

    Returns the treated matrix and a log: (row, column, value before, value after) per changed value.
    """
    if not cfg.winsorise or len(x) < 4:
        return x, []
    out, log = x.copy(), []
    for j in range(x.shape[1]):
        col, rows = winsorise(x[:, j], cfg.skew_limit, cfg.kurtosis_limit, cfg.winsor_max_points)
        out[:, j] = col
        log += [(i, j, float(x[i, j]), float(col[i])) for i in rows]
    return out, log


def aggregate(n: np.ndarray, weights: np.ndarray, method: str) -> np.ndarray:
    """Weighted mean of normalised rows; weights (k,) or one row per draw (d, k) -> (d, counties)."""
    w = np.asarray(weights, dtype=float)
    if method == "arithmetic":
        return n @ w if w.ndim == 1 else w @ n.T
    if method == "geometric":
        logs = np.log(positive_range(n))
        return np.exp(logs @ w if w.ndim == 1 else w @ logs.T)
    if method == "topsis":
        return topsis(n, w)
    raise ValueError(f"unknown aggregation {method!r}")


def topsis(n: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """TOPSIS closeness x 100 of each county (rows of normalised scores n, higher better).

    Weighted scores v_ij = w_j n_ij; the ideal county takes the best v of each
    indicator, the anti-ideal the worst; closeness = D- / (D+ + D-) with D the
    Euclidean distances to them (Hwang and Yoon). Counties that do not differ
    at all sit at 50. Weights (k,) or one row per draw (d, k) -> (d, counties),
    as pymcdm's TOPSIS on min-max scores gives for one row (tests check it).
    """
    w = np.atleast_2d(np.asarray(weights, dtype=float))  # (d, k)
    v = w[:, None, :] * np.asarray(n, dtype=float)[None, :, :]  # (d, counties, k)
    best, worst = v.max(axis=1, keepdims=True), v.min(axis=1, keepdims=True)
    d_plus = np.sqrt(((v - best) ** 2).sum(axis=2))
    d_minus = np.sqrt(((v - worst) ** 2).sum(axis=2))
    total = d_plus + d_minus
    closeness = np.divide(d_minus, total, out=np.full_like(total, 0.5), where=total > 0)
    return 100 * (closeness if np.ndim(weights) == 2 else closeness[0])


def positive_range(n: np.ndarray) -> np.ndarray:
    """Move 0-100 values into [1, 100] (1 + 0.99 v) so a zero does not wipe out a geometric mean."""
    return np.clip(1 + 0.99 * n, 1, None)


def rank_desc(index: np.ndarray) -> np.ndarray:
    """Competition ranks, 1 = highest; NaN stays NaN. Works on (n,) or (d, n).

    A county's rank is 1 + the number of counties with a strictly higher index
    (ties share the better rank, as pandas' method="min"); counted for all draws
    at once by comparing every pair within a row.
    """
    a = np.atleast_2d(np.asarray(index, dtype=float))
    ahead = np.zeros(a.shape)
    for start in range(0, a.shape[0], 4096):  # bounded memory: d x n x n comparisons per chunk
        chunk = a[start:start + 4096]
        ahead[start:start + 4096] = (chunk[:, None, :] > chunk[:, :, None]).sum(axis=2)
    ranks = np.where(np.isnan(a), np.nan, ahead + 1)
    return ranks if np.ndim(index) == 2 else ranks[0]


def assign_grades(index: np.ndarray, ranks: np.ndarray, cfg: EvalConfig) -> np.ndarray:
    """Grade labels.

    quantile: a county's position is the share of the region's graded counties
    ranked ahead of it, (rank - 1) / n; it takes the first grade whose
    cumulative cut-off exceeds that share, so the best county is always in the
    top grade and, with cut-offs 0.2/0.6/0.9 and 10 counties, grades are 2/4/3/1.
    absolute: the first grade whose cut-off the index reaches.
    """
    index, ranks = np.atleast_2d(index), np.atleast_2d(ranks)
    if cfg.grade_method == "quantile":
        n = (~np.isnan(index)).sum(axis=1, keepdims=True)
        position = (ranks - 1) / np.where(n > 0, n, 1)
        meets = position[..., None] < np.asarray(cfg.quantile) - 1e-9
    elif cfg.grade_method == "absolute":
        meets = index[..., None] >= np.asarray(cfg.absolute)
    else:
        raise ValueError(f"unknown grade method {cfg.grade_method!r}")
    # the first cut-off met, or the last grade when none is
    k = np.where(meets.any(axis=-1), meets.argmax(axis=-1), meets.shape[-1])
    labels = np.array([*cfg.labels, NOT_GRADED], dtype=object)
    return np.where(np.isnan(index), NOT_GRADED, labels[k])


def impute(raw: pd.DataFrame, min_indicators: int, method: str = "region_mean",
           previous: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.DataFrame]:
    """Fill a gradable county's missing indicators; flag each filled cell and say how it was filled.

    region_mean / region_median: over the gradable counties that delivered the
    indicator that year; previous_year: the county's own value of the year
    before (`previous`, same counties and indicators), and where it has none,
    the region mean (the cell then says region_mean).
    """
    values = raw.to_numpy(dtype=float)
    gradable = pd.Series((~np.isnan(values)).sum(axis=1) >= min_indicators, index=raw.index)
    ok = gradable.to_numpy()
    with warnings.catch_warnings():  # an indicator no gradable county delivered stays NaN (cannot be imputed)
        warnings.simplefilter("ignore", RuntimeWarning)
        region = (np.nanmedian if method == "region_median" else np.nanmean)(values[ok], axis=0) if ok.any() \
            else np.full(values.shape[1], np.nan)
    missing = np.isnan(values) & ok[:, None]
    own = (previous.reindex(index=raw.index, columns=raw.columns).to_numpy(dtype=float)
           if method == "previous_year" and previous is not None else np.full(values.shape, np.nan))
    from_own = missing & ~np.isnan(own)
    out = np.where(from_own, own, np.where(missing, region[None, :], values))
    out[~ok] = np.nan
    region_word = "region_median" if method == "region_median" else "region_mean"
    how = pd.DataFrame(np.where(from_own, "previous_year", np.where(missing, region_word, "")),
                       index=raw.index, columns=raw.columns)
    filled = pd.DataFrame(out, index=raw.index, columns=raw.columns)
    imputed = pd.DataFrame(missing, index=raw.index, columns=raw.columns)
    return filled, imputed, gradable, how


def effective_weights(n: np.ndarray, weights: np.ndarray, aggregation: str) -> np.ndarray:
    """Share of the index's variance each indicator carries: cov(w_i x_i, I) / var(I).

    Nominal weights say what was intended; effective weights show what each
    indicator actually moves once its spread is taken into account (on logs
    for the geometric mean). They sum to 1; NaN when the index does not vary.
    """
    if aggregation == "topsis":  # not a sum of parts: no share of the variance to attribute
        return np.full(len(weights), np.nan)
    parts = np.log(positive_range(n)) * weights if aggregation == "geometric" else n * weights
    total = parts.sum(axis=1)
    var = total.var()
    if len(total) < 2 or var <= 0:
        return np.full(len(weights), np.nan)
    return np.array([np.cov(parts[:, i], total, bias=True)[0, 1] for i in range(len(weights))]) / var


# ---------------------------------------------------------------- one region-year


def prepare(raw: pd.DataFrame, cfg: EvalConfig, previous: pd.DataFrame | None = None) -> dict:
    """Impute (and, when configured, winsorise) one region-year: what every method then works on.

    Returns the filled table (non-gradable rows NaN), the imputed flags and how,
    the gradable mask, the treated values of the gradable counties and the
    winsorisation log as (county, indicator, before, after).
    """
    filled, imputed, gradable, how = impute(raw, cfg.min_indicators, cfg.imputation, previous)
    x = filled[gradable].to_numpy()
    treated, log = treat(x, cfg) if not np.isnan(x).any() else (x, [])
    codes = filled.index[gradable.to_numpy()]
    return {"filled": filled, "imputed": imputed, "gradable": gradable, "how": how, "x": treated,
            "treated": [(codes[i], cfg.indicators[j], before, after) for i, j, before, after in log]}


def evaluate_block(raw: pd.DataFrame, cfg: EvalConfig, previous: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Index, rank and grade for the counties (rows) of one region-year; columns = cfg.indicators.

    `previous`: the same counties' values of the year before (for previous-year imputation)."""
    raw = raw[cfg.indicators].astype(float)
    prep = prepare(raw, cfg, previous)
    filled, imputed, gradable, how, x = prep["filled"], prep["imputed"], prep["gradable"], prep["how"], prep["x"]
    w = method_weights(x, cfg)
    n = normalise(x, cfg.normalisation, cfg.goalpost_array(), cfg.reverse_mask)
    index = np.full(len(raw), np.nan)
    index[gradable.to_numpy()] = aggregate(n, w, cfg.aggregation) if len(x) else []
    ranks = rank_desc(index)
    grades = assign_grades(index, ranks, cfg)[0]
    result = pd.DataFrame({
        "county_code": raw.index, "index": index, "rank": ranks, "counties_graded": int(gradable.sum()),
        "grade": grades, "indicators_available": raw.notna().sum(axis=1).to_numpy(),
        "imputed": [",".join(c for c in cfg.indicators if imputed.loc[code, c]) for code in raw.index],
        # how each of them was filled, in the same order
        "imputed_by": [",".join(how.loc[code, c] for c in cfg.indicators if imputed.loc[code, c]) for code in raw.index],
    })
    normalised = pd.DataFrame(np.nan, index=raw.index, columns=cfg.indicators)
    normalised.loc[gradable] = n
    # unit profile: the county's rank on each indicator (oriented scores, 1 = best), its best and worst delivered
    ranks_by_indicator = indicator_ranks(normalised.where(pd.Series(index, index=raw.index).notna(), axis=0))
    result["strengths"], result["weaknesses"] = strengths_and_weaknesses(ranks_by_indicator, raw.notna())
    used = filled.copy()
    used.loc[gradable] = x
    weights = pd.DataFrame({"indicator": cfg.indicators, "weighting": cfg.weighting, "nominal_weight": w,
                            "effective_weight": effective_weights(n, w, cfg.aggregation) if len(x) else np.nan})
    return {"result": result, "normalised": normalised, "imputed": imputed, "weights": weights, "filled": used,
            "weight_vector": w, "imputed_by": how, "treated": prep["treated"], "indicator_ranks": ranks_by_indicator,
            "audit": audit_rows(raw, n, prep["treated"], cfg), "prepared": prep}


def audit_rows(raw: pd.DataFrame, n: np.ndarray, treated: list, cfg: EvalConfig) -> pd.DataFrame:
    """The region-year's audit, one row per indicator: coverage, shape (skewness, kurtosis, beyond COINr's
    limits or not), values winsorised; and, repeated on each row, the index's internal consistency
    (Cronbach's alpha, first principal component's share) over the graded counties' normalised scores."""
    shapes = [moments(raw[c].to_numpy()) for c in cfg.indicators]
    changed = pd.Series([i for _, i, _, _ in treated], dtype=object).value_counts()
    return pd.DataFrame({
        "indicator": cfg.indicators,
        "counties": len(raw),
        "coverage": [float(raw[c].notna().mean()) if len(raw) else np.nan for c in cfg.indicators],
        "skewness": [s for s, _ in shapes],
        "kurtosis": [k for _, k in shapes],
        "beyond_limits": [bool(abs(s) > cfg.skew_limit and k > cfg.kurtosis_limit) for s, k in shapes],
        "skew_limit": cfg.skew_limit,
        "kurtosis_limit": cfg.kurtosis_limit,
        "winsorised": [int(changed.get(c, 0)) for c in cfg.indicators],
        "counties_graded": len(n),
        "cronbach_alpha": cronbach_alpha(n) if len(n) else np.nan,
        "pc1_share": pc1_share(n) if len(n) else np.nan,
    })


CHOICE_FIELDS = {"weighting": "weighting", "normalisation": "normalisation", "aggregation": "aggregation",
                 "imputation": "imputation", "winsorisation": "winsorise"}


def simulate(raw: pd.DataFrame, cfg: EvalConfig, unc: UncertaintyConfig, previous: pd.DataFrame | None = None,
             prepared: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ranks and grades of one region-year under every scenario of a Saltelli design, and what drives them.

    Each scenario takes one alternative of each listed assumption and, with a
    weight spread, multiplies the weights of its weighting method by
    U(1 - spread, 1 + spread) per indicator (renormalised). Returns per county
    the median rank, 5-95 % rank interval, grade probabilities and the factors
    its rank and grade depend on most, and the long table of first- and
    total-order indices (county x factor x rank/grade). `prepared`: the block as `prepare` left it under
    the evaluation's own choices (evaluate_block has it), so it is not imputed and treated again.
    """
    raw = raw[cfg.indicators].astype(float)
    base = prepared or prepare(raw, cfg, previous)
    gradable = base["gradable"].to_numpy()  # the same under every imputation: it counts delivered values
    ok = gradable & base["filled"].notna().all(axis=1).to_numpy()
    codes = raw.index[ok]
    if len(codes) == 0:
        return pd.DataFrame(), pd.DataFrame()
    factors = unc.factors(len(cfg.indicators))
    alternatives = unc.alternatives
    names = [f.name for f in factors]
    if factors:
        design = saltelli_design(factors, unc.base, unc.seed)
        rows = design.rows
        picks = {k: design.choice(k) if k in names else np.zeros(rows, dtype=int) for k in alternatives}
        noise = (1 - unc.weight_spread + 2 * unc.weight_spread * design.columns("weights")
                 if "weights" in names else np.ones((rows, len(cfg.indicators))))
    else:
        design, rows = None, 1
        picks = {k: np.zeros(1, dtype=int) for k in alternatives}
        noise = np.ones((1, len(cfg.indicators)))
    index = np.empty((rows, len(codes)))
    data = {(cfg.imputation, cfg.winsorise): base["x"][ok[gradable]]}
    weights, normalised = {}, {}
    keys = np.stack([picks[k] for k in alternatives], axis=1)
    for combo in np.unique(keys, axis=0):
        choice = {k: alternatives[k][i] for k, i in zip(alternatives, combo, strict=True)}
        scenario = replace(cfg, **{CHOICE_FIELDS[k]: v for k, v in choice.items()})
        dkey = (choice["imputation"], choice["winsorisation"])
        if dkey not in data:
            data[dkey] = prepare(raw, scenario, previous)["x"][ok[gradable]]
        x = data[dkey]
        wkey = (*dkey, choice["weighting"])
        if wkey not in weights:
            weights[wkey] = method_weights(x, scenario)
        nkey = (*dkey, choice["normalisation"])
        if nkey not in normalised:
            normalised[nkey] = normalise(x, choice["normalisation"], cfg.goalpost_array(), cfg.reverse_mask)
        sel = (keys == combo).all(axis=1)
        w = weights[wkey] * noise[sel]
        w = w / np.where(w.sum(axis=1, keepdims=True) > 0, w.sum(axis=1, keepdims=True), 1)
        index[sel] = aggregate(normalised[nkey], w, choice["aggregation"])
    ranks = rank_desc(index)
    grades = assign_grades(index, ranks, cfg)
    level = np.select([grades == label for label in cfg.labels], list(range(len(cfg.labels))), np.nan)
    probs = np.stack([(grades == label).mean(axis=0) for label in cfg.labels], axis=1)  # counties x grades
    # the most likely grade; a tie goes to the better grade (argmax takes the first)
    modal = probs.argmax(axis=1)
    p05, p95 = np.percentile(ranks, [5, 95], axis=0)
    frame = pd.DataFrame({"county_code": codes, "median_rank": np.median(ranks, axis=0), "rank_p05": p05,
                          "rank_p95": p95, "modal_grade": [cfg.labels[k] for k in modal],
                          "modal_probability": probs[np.arange(len(codes)), modal],
                          "scenarios": rows, "factors_varied": ",".join(names)})
    for g, label in enumerate(cfg.labels):
        frame[f"p_{label}"] = probs[:, g]
    if design is None:
        frame["rank_drivers"] = frame["grade_drivers"] = ""
        return frame, pd.DataFrame()
    long = []
    for target, y in (("rank", ranks), ("grade", level)):
        s1, st = sobol_indices(design, y)
        frame[f"{target}_drivers"] = [",".join(drivers(st[:, c], names)) for c in range(len(codes))]
        long.append(pd.DataFrame({"county_code": np.repeat(codes, len(names)), "target": target,
                                  "factor": names * len(codes), "first_order": s1.T.ravel(),
                                  "total_order": st.T.ravel()}))
    return frame, pd.concat(long, ignore_index=True)


def coherence(filled: pd.DataFrame, index: pd.Series, cfg: EvalConfig, collinearity_r: float,
              weights: np.ndarray | None = None) -> pd.DataFrame:
    """Indicator-by-indicator correlations and each indicator's correlation with the index,
    plus the mean absolute rank shift when the indicator is dropped and the weights renormalised."""
    ok = filled.notna().all(axis=1) & index.notna()
    x = filled[ok]
    if len(x) < 3 or len(cfg.indicators) < 2:  # nothing to correlate, nothing left when one is dropped
        return pd.DataFrame()
    corr = x.corr()
    base_rank = rank_desc(index[ok].to_numpy())
    rows = []
    for i, a in enumerate(cfg.indicators):
        keep = [c for c in cfg.indicators if c != a]
        used = dict(zip(cfg.indicators, cfg.nominal_weights if weights is None else weights, strict=True))
        kept = {c: used[c] for c in keep}
        if sum(kept.values()) <= 0:  # the dropped indicator carried all the weight: the rest count equally
            kept = dict.fromkeys(keep, 1.0)
        sub = replace(cfg, weights=kept, weighting="manual")
        n = normalise(x[keep].to_numpy(), sub.normalisation, sub.goalpost_array(), sub.reverse_mask)
        dropped = rank_desc(aggregate(n, sub.nominal_weights, sub.aggregation))
        # oriented: a lower-is-better indicator that agrees with the index correlates positively, not negatively
        sign = -1.0 if a in cfg.reversed else 1.0
        r_index = float(np.corrcoef(sign * x[a], index[ok])[0, 1]) if x[a].std() > 0 else np.nan
        for b in cfg.indicators[i + 1:]:
            r = float(corr.loc[a, b])
            rows.append({"indicator": a, "other": b, "r": r, "collinear": bool(abs(r) > collinearity_r)})
        rows.append({"indicator": a, "other": "index", "r": r_index,
                     "negative_with_index": bool(r_index < 0) if not np.isnan(r_index) else False,
                     "rank_shift_if_dropped": float(np.mean(np.abs(dropped - base_rank)))})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- stage


def score_table(county: pd.DataFrame, indicators: list[str]) -> pd.DataFrame:
    """County-years (rows: every one in the mart, those without scores all-NaN) x evaluation indicators."""
    keys = ["region_code", "county_code", "county_name", "year"]
    everyone = pd.MultiIndex.from_frame(county[keys].drop_duplicates().sort_values(keys))
    rows = county[county["measure"].isin(indicators)]
    table = rows.set_index([*keys, "measure"])["value"].unstack("measure") if len(rows) else pd.DataFrame()
    return table.reindex(index=everyone, columns=indicators).astype(float)


def indicator_table(blocks: list[tuple], indicators: list[str]) -> pd.DataFrame:
    """One row per region, year, indicator and county: raw value, normalised score, imputed flag,
    the region's mean of the delivered values (imputed cells are not data) and how many counties delivered.

    Built once from all region-years (melting each block apart cost more than evaluating it);
    rows ordered by region-year, then indicator, then county, as the blocks were evaluated.
    """
    if not blocks:
        return pd.DataFrame(columns=["county_code", "indicator", "raw", "normalised", "imputed", "imputed_by",
                                     "rank_in_region", "region_code", "year", "region_mean", "counties_with_value"])
    keys = [(region, year) for region, year, *_ in blocks]

    def stacked(position: int) -> pd.DataFrame:
        frame = pd.concat([b[position] for b in blocks], keys=keys, names=["region_code", "year", "county_code"])
        return frame.reset_index()

    ids = ["region_code", "year", "county_code"]
    raw, norm, imp, how, ranks = stacked(2), stacked(3), stacked(4), stacked(5), stacked(6)
    block = raw.groupby(["region_code", "year"], sort=False).ngroup()
    long = raw.assign(_block=block).melt(id_vars=[*ids, "_block"], value_vars=indicators, var_name="indicator",
                                         value_name="raw")
    long["normalised"] = norm.melt(id_vars=ids, value_vars=indicators)["value"].to_numpy(dtype=float)
    long["imputed"] = imp.melt(id_vars=ids, value_vars=indicators)["value"].to_numpy(dtype=bool)
    long["imputed_by"] = how.melt(id_vars=ids, value_vars=indicators)["value"].replace("", None).to_numpy()
    long["rank_in_region"] = ranks.melt(id_vars=ids, value_vars=indicators)["value"].to_numpy(dtype=float)
    order = {code: i for i, code in enumerate(indicators)}
    long = long.assign(_ind=long["indicator"].map(order)).sort_values(["_block", "_ind"], kind="stable")
    group = long.groupby(["_block", "indicator"], sort=False)["raw"]
    long["region_mean"] = group.transform("mean")
    long["counties_with_value"] = group.transform("count")
    columns = ["county_code", "indicator", "raw", "normalised", "imputed", "imputed_by", "rank_in_region",
               "region_code", "year", "region_mean", "counties_with_value"]
    return long[columns].reset_index(drop=True)


UNCERTAINTY_COLUMNS = ["median_rank", "rank_p05", "rank_p95", "modal_grade", "modal_probability", "scenarios",
                       "factors_varied", "rank_drivers", "grade_drivers"]
SENSITIVITY_COLUMNS = ["region_code", "year", "county_code", "target", "factor", "first_order", "total_order"]
# one row per winsorised value: what the county delivered and what the evaluation used instead
TREATMENT_COLUMNS = ["region_code", "year", "county_code", "indicator", "before", "after"]
AUDIT_COLUMNS = ["region_code", "year", "indicator", "counties", "coverage", "skewness", "kurtosis", "beyond_limits",
                 "skew_limit", "kurtosis_limit", "winsorised", "counties_graded", "cronbach_alpha", "pc1_share"]
COHERENCE_COLUMNS = ["region_code", "year", "indicator", "other", "r", "collinear", "negative_with_index",
                     "rank_shift_if_dropped"]


def evaluate_all(county: pd.DataFrame, ev: dict, catalog: Catalog) -> dict[str, pd.DataFrame]:
    """Every region-year of the mart; regions without any score get rows that say why they are not graded."""
    cfg = EvalConfig.from_params(ev, catalog)
    unc = UncertaintyConfig.from_params(ev.get("uncertainty") or {}, cfg)
    scores = score_table(county, cfg.indicators)
    results, wide, weights, mc, coh, sens, treated, audits = [], [], [], [], [], [], [], []
    blocks = {key: block.droplevel(["region_code", "county_name", "year"])
              for key, block in scores.groupby(level=["region_code", "year"], sort=True)}
    for (region, year), block in scores.groupby(level=["region_code", "year"], sort=True):
        raw = blocks[(region, year)]
        names = block.index.get_level_values("county_name")
        if cfg.weighting in DATA_WEIGHTINGS:
            gradable = int((raw.notna().sum(axis=1) >= cfg.min_indicators).sum())
            if gradable == 1:
                raise ConfigError("params.yaml", "evaluation.weighting",
                                  f"{cfg.weighting} 赋权要比较县区之间的差异，{region} 的 {year} 年只有 1 个县区可评价；"
                                  f"请改用 manual、equal 或 ahp", list(WEIGHTINGS))
        out = evaluate_block(raw, cfg, blocks.get((region, year - 1)))
        # an indicator no county of the region-year delivered cannot be imputed: say which, so a county that
        # has enough indicators of its own is not told it has too few
        absent = ",".join(c for c in cfg.indicators if raw[c].isna().all())
        res = out["result"].assign(region_code=region, year=year, county_name=list(names),
                                   indicators_absent_in_region=absent)
        results.append(res)
        wide.append((region, year, raw, out["normalised"], out["imputed"], out["imputed_by"], out["indicator_ranks"]))
        audits.append(out["audit"].assign(region_code=region, year=year))
        weights.append(out["weights"].assign(region_code=region, year=year))
        sims, indices = simulate(raw, cfg, unc, blocks.get((region, year - 1)), out["prepared"])
        if not sims.empty:
            mc.append(sims.assign(region_code=region, year=year))
        if not indices.empty:
            sens.append(indices.assign(region_code=region, year=year))
        treated += [{"region_code": region, "year": year, "county_code": c, "indicator": i, "before": b, "after": a}
                    for c, i, b, a in out["treated"]]
        c = coherence(out["filled"], pd.Series(res["index"].to_numpy(), index=raw.index), cfg,
                      float(ev["coherence"]["collinearity_r"]), out["weight_vector"])
        if not c.empty:
            coh.append(c.assign(region_code=region, year=year))
    result = pd.concat(results, ignore_index=True)
    indicators = indicator_table(wide, cfg.indicators)
    probability_columns = [f"p_{label}" for label in cfg.labels]
    uncertainty = (pd.concat(mc, ignore_index=True) if mc else
                   pd.DataFrame(columns=["region_code", "year", "county_code", *UNCERTAINTY_COLUMNS, *probability_columns]))
    result = result.merge(uncertainty, on=["region_code", "year", "county_code"], how="left", validate="one_to_one")
    # stability is judged on the grade the county was given, not on the most likely simulated one
    result["grade_probability"] = [row.get(f"p_{g}", np.nan) if g in cfg.labels else np.nan
                                   for g, (_, row) in zip(result["grade"], result.iterrows(), strict=True)]
    threshold = unc.stable_probability
    result["stable"] = pd.array([None if pd.isna(p) else bool(p >= threshold) for p in result["grade_probability"]],
                                dtype="boolean")
    result["stable_threshold"] = threshold
    result["not_graded_reason"] = [
        None if pd.notna(i) else "no_indicators" if n == 0 else "too_few_indicators" if n < cfg.min_indicators
        else "indicator_absent_in_region"
        for i, n in zip(result["index"], result["indicators_available"], strict=True)]
    result["min_indicators"] = cfg.min_indicators
    result["indicators_total"] = len(cfg.indicators)
    # the method, so every report can say how the grade was reached
    result = result.assign(weighting=cfg.weighting, normalisation=cfg.normalisation, aggregation=cfg.aggregation,
                           imputation=cfg.imputation, winsorise=cfg.winsorise,
                           ahp_cr=cfg.ahp_cr if cfg.weighting == "ahp" else np.nan)
    cols = ["region_code", "county_code", "county_name", "year"]
    result = result[cols + [c for c in result.columns if c not in cols]].sort_values(["region_code", "year", "rank", "county_code"])
    coherence_mart = pd.concat(coh, ignore_index=True)[COHERENCE_COLUMNS] if coh else pd.DataFrame(
        {c: pd.Series(dtype="object") for c in COHERENCE_COLUMNS})
    sensitivity = (pd.concat(sens, ignore_index=True)[SENSITIVITY_COLUMNS] if sens else
                   pd.DataFrame({c: pd.Series(dtype="float64" if c.endswith("order") else "object")
                                 for c in SENSITIVITY_COLUMNS}))
    treatment = pd.DataFrame(treated, columns=TREATMENT_COLUMNS)
    return {
        "evaluation": result.reset_index(drop=True),
        "evaluation_indicators": indicators,
        "evaluation_weights": pd.concat(weights, ignore_index=True),
        "evaluation_coherence": coherence_mart,
        "evaluation_sensitivity": sensitivity,
        "evaluation_treatment": treatment,
        "evaluation_audit": audit_mart(audits, float(ev["coherence"].get("alpha_min", 0.7))),
    }


def audit_mart(audits: list[pd.DataFrame], alpha_min: float) -> pd.DataFrame:
    """The audit rows of every region-year, with the judgement on alpha made here (reports only phrase it)."""
    audit = pd.concat(audits, ignore_index=True)
    audit["alpha_min"] = alpha_min
    audit["alpha_adequate"] = pd.array([None if pd.isna(a) else bool(a >= alpha_min) for a in audit["cronbach_alpha"]],
                                       dtype="boolean")
    return audit[[*AUDIT_COLUMNS, "alpha_min", "alpha_adequate"]]


def metrics(result: pd.DataFrame, year: int, labels: list[str]) -> dict:
    latest = result[result["year"] == year]
    # with quantile grades the counts per grade are fixed by the cut-offs; the
    # per-county grades are what a sweep changes, so they are metrics too
    out: dict = {"year": year, "grade_counts": {}, "grade": {}, "index": {}, "unstable": {}}
    for region, g in latest.groupby("region_code"):
        out["grade_counts"][region] = {label: int((g["grade"] == label).sum()) for label in [*labels, NOT_GRADED]}
        out["grade"][region] = {r.county_code: r.grade for r in g.sort_values("county_code").itertuples()}
        out["index"][region] = {r.county_code: (None if pd.isna(r.index) else round_half_up(r.index, 2))
                                for r in g.sort_values("county_code").itertuples()}
        out["unstable"][region] = int((g["stable"] == False).sum())  # noqa: E712
    return out


def main() -> None:
    root = project_root()
    paths = Paths(root)
    params = load_params(root)
    remove_stale_temps(paths.marts, paths.metrics, paths.plots)
    try:
        marts = evaluate_all(scoped_county_measures(root, params), params["evaluation"], load_catalog(paths.catalog))
    except ConfigError as err:
        print(err, file=sys.stderr)
        sys.exit(1)
    year = int(params["report"]["year"])
    m = metrics(marts["evaluation"], year, list(params["evaluation"]["grades"]["labels"]))
    text = json.dumps({"evaluation": m}, indent=2) + "\n"  # ASCII: DVC reads dense UTF-8 as binary
    latest = marts["evaluation"][marts["evaluation"]["year"] == year]
    plot = pd.DataFrame({"county": latest["county_name"] + "（" + latest["county_code"] + "）",
                         "region": latest["region_code"], "index": [round_half_up(v, 2) for v in latest["index"]],
                         "rank_p05": latest.get("rank_p05"), "rank_p95": latest.get("rank_p95")})
    publish({
        **{mart_path(root, name): (lambda p, f=frame: f.to_parquet(p, index=False)) for name, frame in marts.items()},
        paths.metrics / "evaluation.json": lambda p: p.write_text(text, encoding="utf-8"),
        paths.plots / "evaluation_index.csv": lambda p: plot.to_csv(p, index=False, encoding="utf-8"),
    })
    for r in marts["evaluation_treatment"].itertuples():
        print(f"  极端值缩尾：{r.region_code} {r.year} 年 {r.county_code} {r.indicator} {r.before:g} → {r.after:g}")
    unstable = latest[latest["stable"] == False]  # noqa: E712
    print(f"综合评价完成：{len(marts['evaluation'])} 个县区·年度；{year} 年等次：{m['grade_counts']}")
    for r in unstable.itertuples():
        print(f"  等次不稳定：{r.county_code} {r.county_name} {r.grade}（该等次在模拟中出现的概率 "
              f"{fixed(100 * r.grade_probability, 0)}%）")
    for region, g in latest.groupby("region_code"):
        if (g["not_graded_reason"] == "no_indicators").all():
            print(f"  {region}：{year} 年没有任何评价指标数值，未评定等次（报告中说明原因）")


if __name__ == "__main__":
    main()
