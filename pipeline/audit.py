"""Statistical audit of the composite index of one region-year (the JRC audit's questions, per region).

Does the index hang together? Cronbach's alpha and the first principal
component's share of the variance say whether the indicators measure one
thing; coverage says how much of it was delivered rather than imputed; the
skewness and kurtosis say which indicators have outliers that could dominate a
min-max or z-score; and each county's best and worst indicators by rank in the
region say where its grade comes from (a unit profile).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd


def cronbach_alpha(scores: np.ndarray) -> float:
    """alpha = k / (k - 1) x (1 - sum of the indicators' variances / variance of their sum).

    scores: counties x indicators, all oriented so that higher is better (the
    normalised values). Sample variances (n - 1). NaN with fewer than two
    indicators or counties, or when the sum does not vary.
    """
    x = np.asarray(scores, dtype=float)
    n, k = x.shape
    if k < 2 or n < 2:
        return float("nan")
    total = x.sum(axis=1).var(ddof=1)
    if total <= 0:
        return float("nan")
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total))


def pc1_share(scores: np.ndarray) -> float:
    """Share of the indicators' total (standardised) variance on the first principal component:
    the largest eigenvalue of their correlation matrix over the number of indicators. Indicators
    without spread are left out; NaN with fewer than two varying indicators or three counties."""
    x = np.asarray(scores, dtype=float)
    x = x[:, x.std(axis=0) > 0] if len(x) else x
    if x.shape[1] < 2 or x.shape[0] < 3:
        return float("nan")
    values = np.linalg.eigvalsh(np.corrcoef(x, rowvar=False))
    return float(values[-1] / x.shape[1])


def indicator_ranks(scores: pd.DataFrame) -> pd.DataFrame:
    """Each county's rank on each indicator within the region-year, 1 = best (higher oriented score);
    ties share the better rank; NaN where the county has no score."""
    return scores.rank(ascending=False, method="min")


def strengths_and_weaknesses(ranks: pd.DataFrame, delivered: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Per county (rows of `ranks`): its best- and worst-ranked indicators among those it delivered.

    A county ranked the same on everything has no *relative* strength, except
    when that rank is the region's best (first on every indicator: all are its
    strengths, never "—") or its worst (all are its weaknesses); ties are all
    listed.
    """
    r = ranks.to_numpy(dtype=float)
    r = np.where(delivered.to_numpy(dtype=bool), r, np.nan)
    names = np.asarray(ranks.columns, dtype=object)
    with warnings.catch_warnings():  # an indicator nobody delivered: its column is all NaN, its best NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        best, worst = np.nanmin(r, axis=0), np.nanmax(r, axis=0)
    strong, weak = [], []
    for row in r:
        ok = ~np.isnan(row)
        if ok.sum() >= 1 and row[ok].min() == row[ok].max():
            everywhere_best = bool((row[ok] == best[ok]).all()) and not bool((best[ok] == worst[ok]).all())
            everywhere_worst = bool((row[ok] == worst[ok]).all()) and not everywhere_best
            strong.append(",".join(names[ok]) if everywhere_best and ok.sum() >= 2 else "")
            weak.append(",".join(names[ok]) if everywhere_worst and ok.sum() >= 2 else "")
            continue
        if ok.sum() < 2:
            strong.append("")
            weak.append("")
            continue
        strong.append(",".join(names[ok & (row == row[ok].min())]))
        weak.append(",".join(names[ok & (row == row[ok].max())]))
    return strong, weak
