"""Normalisation: each indicator of a region-year onto 0-100 with 100 best (COINr's Normalise step)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def normalise(x: np.ndarray, method: str, goalposts=(50.0, 100.0), reverse: np.ndarray | None = None) -> np.ndarray:
    """Normalise columns of x (counties x indicators) so that 100 is best.

    min-max and z-score use the counties of one region-year; a column with no
    spread gets 50, as no county is ahead on it. z-scores divide by the sample
    standard deviation (n - 1), as COINr's n_zscore and the JRC/OECD handbook
    do, and are shown as T-scores (50 + 10z). goalposts are one (low, high)
    pair or one per column. A column where a higher value is worse (`reverse`)
    is mirrored: 100 - n, so its best county gets the top score under every
    method (min-max, T-score and goalposts are all symmetric around 50 that way).
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
        return t_scores(x)
    if method in ("rank", "percentile"):
        return _ranked(x, method)
    if method == "distance":
        return _distance(x)
    if method == "goalposts":
        posts = np.asarray(goalposts, dtype=float)
        lo, hi = (posts[:, 0], posts[:, 1]) if posts.ndim == 2 else (posts[0], posts[1])
        return np.clip(100 * (x - lo) / (hi - lo), 0, 100)
    raise ValueError(f"unknown normalisation {method!r}")


def t_scores(x: np.ndarray) -> np.ndarray:
    """50 + 10 (x - mean) / s with s the sample standard deviation; 50 where a column has no spread
    (or one value only, where s is undefined)."""
    count = (~np.isnan(x)).sum(axis=0)
    mean = np.nanmean(x, axis=0) if len(x) else np.zeros(x.shape[1])
    sd = np.nanstd(x, axis=0, ddof=1) if len(x) > 1 else np.zeros(x.shape[1])
    sd = np.where((count > 1) & (sd > 0), sd, np.nan)
    return np.where(np.isnan(sd), np.where(np.isnan(x), np.nan, 50.0), 50 + 10 * (x - mean) / np.where(np.isnan(sd), 1, sd))


def _ranked(x: np.ndarray, method: str) -> np.ndarray:
    """rank: 100 (r - 1) / (n - 1) with r the ascending rank, ties averaged (the best county 100);
    percentile: 100 x the share of the other counties it is ahead of (ties ahead of no one)."""
    frame = pd.DataFrame(x)
    count = frame.notna().sum().to_numpy()
    r = frame.rank(method="average" if method == "rank" else "min").to_numpy()
    scaled = 100 * (r - 1) / np.where(count > 1, count - 1, 1)
    spread = np.nanmax(x, axis=0) > np.nanmin(x, axis=0) if len(x) else np.zeros(x.shape[1], dtype=bool)
    return np.where(np.isnan(x), np.nan, np.where(spread, scaled, 50.0))


def _distance(x: np.ndarray) -> np.ndarray:
    """Distance to the best county as a fraction of it (JRC/COINr "fraction of max"): 100 x / max; a
    lower-is-better column arrives negated and scores 100 min / x, so a county twice the best has 50."""
    if np.any((np.nanmax(x, axis=0) > 0) & (np.nanmin(x, axis=0) < 0)):
        raise ValueError("distance normalisation needs values of one sign per indicator")
    negated = np.nanmax(x, axis=0) <= 0
    u = np.abs(x)
    top = np.where(negated, np.nanmin(u, axis=0), np.nanmax(u, axis=0))
    higher = np.divide(u, top, out=np.ones_like(u), where=top > 0)
    lower = np.divide(top, u, out=np.ones_like(u), where=u > 0)
    return np.where(np.isnan(x), np.nan, 100 * np.where(negated, lower, higher))
