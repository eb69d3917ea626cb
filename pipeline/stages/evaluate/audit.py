"""The evaluation's audit (COINr's audit step): each indicator's coverage and shape, the index's internal
consistency, and how the indicators hang together and with the index.

Cronbach's alpha, the first principal component's share and the
correlations are statistics of the region-year's graded counties; below
`MinimumUnits.statistics` of them they are not computed (NaN) and
`statistics_skipped` says so, instead of printing a number that means nothing.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from pipeline.audit import cronbach_alpha, pc1_share
from pipeline.stages.evaluate.aggregation import aggregate
from pipeline.stages.evaluate.grading import rank_desc
from pipeline.stages.evaluate.normalisation import normalise
from pipeline.stages.evaluate.settings import EvalConfig
from pipeline.stages.evaluate.treatment import moments, winsorisation_skipped
from pipeline.stages.evaluate.weighting import fixed_weights

AUDIT_COLUMNS = ["region_code", "year", "indicator", "counties", "counties_with_value", "coverage", "skewness", "kurtosis", "beyond_limits",
                 "skew_limit", "kurtosis_limit", "winsorised", "counties_graded", "cronbach_alpha", "pc1_share",
                 "statistics_minimum", "statistics_skipped", "winsorisation_minimum", "winsorisation_skipped"]


def audit_rows(raw: pd.DataFrame, n: np.ndarray, treated: list, cfg: EvalConfig) -> pd.DataFrame:
    """The region-year's audit, one row per indicator: coverage, shape (skewness, kurtosis, beyond COINr's
    limits or not), values winsorised; and, repeated on each row, the index's internal consistency
    (Cronbach's alpha, first principal component's share) over the graded counties' normalised scores,
    with whether winsorisation and those statistics were skipped for too few graded counties."""
    shapes = [moments(raw[c].to_numpy()) for c in cfg.indicators]
    changed = pd.Series([i for _, i, _, _ in treated], dtype=object).value_counts()
    enough = len(n) >= cfg.minimum_units.statistics
    return pd.DataFrame({
        "indicator": cfg.indicators,
        "counties": len(raw),
        "counties_with_value": [int(raw[c].notna().sum()) for c in cfg.indicators],  # what reports print (k/n)
        "coverage": [float(raw[c].notna().mean()) if len(raw) else np.nan for c in cfg.indicators],
        "skewness": [s if enough else np.nan for s, _ in shapes],
        "kurtosis": [k if enough else np.nan for _, k in shapes],
        # COINr's check fails when |skewness| >= its limit and kurtosis >= its limit
        "beyond_limits": [bool(enough and abs(s) >= cfg.skew_limit and k >= cfg.kurtosis_limit) for s, k in shapes],
        "skew_limit": cfg.skew_limit,
        "kurtosis_limit": cfg.kurtosis_limit,
        "winsorised": [int(changed.get(c, 0)) for c in cfg.indicators],
        "counties_graded": len(n),
        "cronbach_alpha": cronbach_alpha(n) if enough and len(n) else np.nan,
        "pc1_share": pc1_share(n) if enough and len(n) else np.nan,
        "statistics_minimum": cfg.minimum_units.statistics,
        "statistics_skipped": not enough,
        "winsorisation_minimum": cfg.minimum_units.winsorisation,
        "winsorisation_skipped": bool(winsorisation_skipped(len(n), cfg)),
    })


def coherence(filled: pd.DataFrame, index: pd.Series, cfg: EvalConfig, collinearity_r: float,
              weights: np.ndarray | None = None, negative_r: float = 0.0) -> pd.DataFrame:
    """Indicator-by-indicator correlations and each indicator's correlation with the index,
    plus the mean absolute rank shift when the indicator is dropped and the weights renormalised.

    An indicator runs against the index only when its correlation is below -`negative_r`: r = -0.004,
    printed 0.00, has no direction, and a note calling it negative would not be true."""
    ok = filled.notna().all(axis=1) & index.notna()
    x = filled[ok]
    # nothing to correlate (or too few counties for a correlation to mean anything), nothing left when one is dropped
    if len(x) < max(3, cfg.minimum_units.statistics) or len(cfg.indicators) < 2:
        return pd.DataFrame()
    corr = x.corr()
    base_rank = rank_desc(index[ok].to_numpy())
    rows = []
    for i, a in enumerate(cfg.indicators):
        keep = [c for c in cfg.indicators if c != a]
        used = dict(zip(cfg.indicators, fixed_weights(cfg, cfg.weighting) if weights is None else weights, strict=True))
        kept = {c: used[c] for c in keep}
        if sum(kept.values()) <= 0:  # the dropped indicator carried all the weight: the rest count equally
            kept = dict.fromkeys(keep, 1.0)
        sub = replace(cfg, weights=kept, weighting="manual")
        n = normalise(x[keep].to_numpy(), sub.normalisation, sub.goalpost_array(), sub.reverse_mask)
        dropped = rank_desc(aggregate(n, fixed_weights(sub, "manual"), sub.aggregation))
        # oriented: a lower-is-better indicator that agrees with the index correlates positively, not negatively
        sign = -1.0 if a in cfg.reversed else 1.0
        r_index = float(np.corrcoef(sign * x[a], index[ok])[0, 1]) if x[a].std() > 0 else np.nan
        for b in cfg.indicators[i + 1:]:
            r = float(corr.loc[a, b])
            rows.append({"indicator": a, "other": b, "r": r, "collinear": bool(abs(r) > collinearity_r)})
        rows.append({"indicator": a, "other": "index", "r": r_index,
                     "negative_with_index": bool(r_index < -negative_r) if not np.isnan(r_index) else False,
                     "rank_shift_if_dropped": float(np.mean(np.abs(dropped - base_rank)))})
    return most_moving(pd.DataFrame(rows))


def most_moving(coherence: pd.DataFrame) -> pd.DataFrame:
    """Mark the indicator(s) whose removal moves the ranks most, as reports print the shift (one decimal,
    四舍五入): every indicator tied at the top is marked, and none when dropping any moves no rank."""
    from pipeline.numbers import round_half_up

    out = coherence.assign(moves_ranks_most=False)
    if out.empty or "rank_shift_if_dropped" not in out:
        return out
    shown = out["rank_shift_if_dropped"].map(lambda v: np.nan if pd.isna(v) else round_half_up(float(v), 1))
    top = shown.max()
    if pd.notna(top) and top > 0:
        out["moves_ranks_most"] = (shown == top) & (out["other"] == "index")
    return out



def audit_mart(audits: list[pd.DataFrame], alpha_min: float) -> pd.DataFrame:
    """The audit rows of every region-year, with the judgement on alpha made here (reports only phrase it)."""
    audit = pd.concat(audits, ignore_index=True)
    audit["alpha_min"] = alpha_min
    audit["alpha_adequate"] = pd.array([None if pd.isna(a) else bool(a >= alpha_min) for a in audit["cronbach_alpha"]],
                                       dtype="boolean")
    return audit[[*AUDIT_COLUMNS, "alpha_min", "alpha_adequate"]]

