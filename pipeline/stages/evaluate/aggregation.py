"""Aggregation: normalised scores into one index per county, and how the index splits into its parts.

`contributions` is the 失分分析 a county asks for: the points each indicator
brought into the index and the points it lost against full marks (100 on
the normalised scale: the goalposts' top, or the region's best under
min-max), each set summing to the index and to 100 minus the index.
"""

from __future__ import annotations

import numpy as np


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


def contributions(n: np.ndarray, weights: np.ndarray, aggregation: str) -> tuple[np.ndarray, np.ndarray]:
    """Points each indicator contributed to each county's index, and points it lost against 100.

    arithmetic: w_i n_i and w_i (100 - n_i), exactly. geometric: the index is
    exp(sum w_i ln v_i) with v = 1 + 0.99 n, so ln(index) splits into w_i ln v_i
    and the index is shared in those proportions (and 100 - index in
    proportion to w_i (ln 100 - ln v_i)). TOPSIS is a distance, not a sum of
    parts: NaN. Rows: counties; columns: indicators.
    """
    n, w = np.asarray(n, dtype=float), np.asarray(weights, dtype=float)
    if aggregation == "arithmetic":
        return n * w, (100 - n) * w
    if aggregation != "geometric":
        return np.full(n.shape, np.nan), np.full(n.shape, np.nan)
    logs = np.log(positive_range(n)) * w
    gaps = (np.log(100.0) - np.log(positive_range(n))) * w
    index = np.exp(logs.sum(axis=1, keepdims=True))

    def share(parts: np.ndarray) -> np.ndarray:
        total = parts.sum(axis=1, keepdims=True)
        return np.divide(parts, total, out=np.tile(w, (len(n), 1)), where=np.abs(total) > 1e-12)

    return index * share(logs), (100 - index) * share(gaps)


def effective_weights(n: np.ndarray, index: np.ndarray, min_units: int = 3) -> np.ndarray:
    """How much each indicator actually moves the index: r_i^2 / sum_j r_j^2, r_i the Pearson correlation
    of its normalised scores with the index.

    r_i^2 is the linear first-order sensitivity index of the index on the
    indicator (Paruolo, Saisana and Saltelli 2013 compare it with the nominal
    weights the same way); unlike a covariance share it cannot be negative.
    An indicator without spread gets 0. NaN below `min_units` counties (a
    correlation over two or three points is close to +-1 whatever the data)
    or when the index does not vary.
    """
    n, index = np.asarray(n, dtype=float), np.asarray(index, dtype=float)
    k = n.shape[1] if n.ndim == 2 else 0
    if len(index) < max(3, min_units) or np.std(index) <= 0:
        return np.full(k, np.nan)
    spread = n.std(axis=0) > 0
    r = np.zeros(k)
    for i in np.flatnonzero(spread):
        r[i] = np.corrcoef(n[:, i], index)[0, 1]
    total = (r ** 2).sum()
    return r ** 2 / total if total > 0 else np.full(k, np.nan)
