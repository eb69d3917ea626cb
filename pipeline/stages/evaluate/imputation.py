"""Missing data: a county is graded only with enough indicators; each missing one is filled and flagged."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd


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

