"""Outlier treatment: COINr's winsorisation of an indicator past the skewness and kurtosis limits.

Runs only where a region-year has enough graded counties
(`MinimumUnits.winsorisation`): skewness and kurtosis of five values swing
with any one of them, so a limit crossed there says nothing about outliers.
"""

from __future__ import annotations

import numpy as np

from pipeline.stages.evaluate.settings import EvalConfig


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


def passes(v: np.ndarray, skew_limit: float, kurtosis_limit: float) -> bool:
    """COINr's check_SkewKurt: an indicator passes when |skewness| < the limit or kurtosis < its limit.
    Too few values or no spread (no moments) pass: there is nothing to treat."""
    skew, kurt = moments(v)
    return not (np.isfinite(skew) and np.isfinite(kurt)) or abs(skew) < skew_limit or kurt < kurtosis_limit


def winsorise(values: np.ndarray, skew_limit: float = 2.0, kurtosis_limit: float = 3.5,
              max_points: int = 5) -> tuple[np.ndarray, list[int]]:
    """COINr's `winsorise()`: while the indicator fails the check and fewer than `max_points` distinct
    points have been treated, the values at the extreme take the next value inward.

    The extreme is the highest values when the skewness is zero or positive,
    else the lowest; values tied at it move together, so the last round may
    take the count past `max_points` (as COINr's does). A point moved in one
    round sits at the new extreme in the next and moves again, but counts
    once: the count is of distinct positions changed. Returns the treated
    values and those positions, ascending.
    """
    original = np.asarray(values, dtype=float)
    v = original.copy()
    high: set[int] = set()
    low: set[int] = set()
    while not passes(v, skew_limit, kurtosis_limit) and len(high) + len(low) < max_points:
        top = moments(v)[0] >= 0
        side = np.nanmax(v) if top else np.nanmin(v)
        at = np.flatnonzero(v == side)
        rest = v[~np.isnan(v) & (v != side)]
        if rest.size == 0:
            break
        v[at] = rest.max() if top else rest.min()
        (high if top else low).update(int(i) for i in at)
    return v, sorted(i for i in high | low if v[i] != original[i])


def winsorisation_skipped(units: int, cfg: EvalConfig) -> bool:
    """Winsorisation is configured but the region-year has too few graded counties for it (at least four
    for a kurtosis, and the configured minimum)."""
    return cfg.winsorise and units < max(4, cfg.minimum_units.winsorisation)


def treat(x: np.ndarray, cfg: EvalConfig) -> tuple[np.ndarray, list[tuple[int, int, float, float]]]:
    """Winsorise each indicator of a region-year (gradable counties, imputed) that COINr's check flags.

    Returns the treated matrix and a log: (row, column, value before, value
    after) per changed value. Nothing is treated when winsorisation is off or
    the region-year has fewer graded counties than the configured minimum.
    """
    if not cfg.winsorise or winsorisation_skipped(len(x), cfg):
        return x, []
    out, log = x.copy(), []
    for j in range(x.shape[1]):
        col, rows = winsorise(x[:, j], cfg.skew_limit, cfg.kurtosis_limit, cfg.winsor_max_points)
        out[:, j] = col
        log += [(i, j, float(x[i, j]), float(col[i])) for i in rows]
    return out, log
