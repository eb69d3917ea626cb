"""Ranks and grades within a region-year, and the cap a veto puts on a grade."""

from __future__ import annotations

import numpy as np

from pipeline.stages.evaluate.settings import NOT_GRADED, EvalConfig


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



def cap_grades(grades: np.ndarray, caps: np.ndarray, labels: tuple[str, ...]) -> np.ndarray:
    """Grades no better than each county's cap (a label, or "" for none): 好 under a cap of 较好 becomes 较好.

    grades (..., counties), caps (counties,). A county not graded stays so.
    """
    order = {label: i for i, label in enumerate(labels)}
    limit = np.array([order.get(c, -1) for c in caps])
    level = np.vectorize(lambda g: order.get(g, -1), otypes=[int])(grades)
    worse = (level >= 0) & (limit >= 0) & (level < limit)
    capped = np.where(worse, np.array(labels, dtype=object)[np.clip(limit, 0, None)], grades)
    return capped.astype(object)
