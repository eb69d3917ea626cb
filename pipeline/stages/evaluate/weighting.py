"""Weighting: the weights a region-year is aggregated with (COINr's weighting step).

Fixed weights (manual, equal, AHP) come from params; entropy, CRITIC and PCA
weights from how the region-year's graded counties differ, and only when
there are enough of them (`MinimumUnits.data_weights`): below that they
fall back to equal weights and `weighting_used` says so.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from pipeline.errors import ConfigError
from pipeline.numbers import fixed
from pipeline.stages.evaluate.normalisation import normalise
from pipeline.stages.evaluate.settings import (
    AHP_MAX_CR,
    DATA_WEIGHTINGS,
    RANDOM_INDEX,
    RANDOM_INDEX_NAMES,
    EvalConfig,
)


def ahp_weights(matrix, indicators: list[str], random_index: str = "saaty") -> tuple[np.ndarray, float]:
    """Weights and consistency ratio of a pairwise-comparison matrix (AHP, pymcdm).

    Row i, column j says how much more indicator i matters than j on Saaty's
    1-9 scale (1 to 9 or their reciprocals, nothing between: 3/2 or 2.5 is a
    judgement the scale does not offer), rows and columns in the order of
    `evaluation.weights`; the matrix must be square and reciprocal
    (a_ji = 1 / a_ij). Weights are the principal eigenvector (pymcdm);
    CR = (lambda_max - n) / (n - 1) / RI with the random index table chosen by
    `evaluation.ahp.random_index` (`RANDOM_INDEX`: Saaty's, as Chinese practice
    and its textbooks use, by default). A CR of 0.1 or more is refused: the
    comparisons contradict each other too much to weigh anything.
    """
    from pymcdm.weights.subjective import AHP

    key, n = "evaluation.ahp.matrix", len(indicators)
    table = random_index_table(random_index)
    a = _read_matrix(matrix, n, indicators, key)
    if n > len(table):
        raise ConfigError("params.yaml", "evaluation.ahp.random_index",
                          f"{RANDOM_INDEX_NAMES[random_index]}的随机一致性指标只列到 {len(table)} 阶，"
                          f"这里有 {n} 个指标；请减少指标，或改用 tummala_ling（列到 {len(AHP.RI_M)} 阶）")
    model = AHP(matrix=a)
    lambda_max = float(np.linalg.eigvals(a).real.max())
    cr = 0.0 if n < 3 else (lambda_max - n) / (n - 1) / table[n - 1]
    if cr >= AHP_MAX_CR:
        raise ConfigError("params.yaml", key, f"两两比较矩阵的一致性比率 CR = {fixed(cr, 3)}"
                                              f"（随机一致性指标取{RANDOM_INDEX_NAMES[random_index]}，"
                                              f"{n} 阶 RI = {table[n - 1]}），应小于 {AHP_MAX_CR}；"
                                              "请调整相互矛盾的比较后再运行")
    return np.asarray(model(), dtype=float), cr


def random_index_table(name: str) -> tuple[float, ...]:
    """RI by order n (index n - 1) for a table named in `evaluation.ahp.random_index`."""
    from pymcdm.weights.subjective import AHP

    if name not in RANDOM_INDEX_NAMES:
        raise ConfigError("params.yaml", "evaluation.ahp.random_index",
                          f"应为 {' 或 '.join(RANDOM_INDEX_NAMES)}，收到 {name!r}")
    return RANDOM_INDEX if name == "saaty" else tuple(float(v) for v in AHP.RI_M)


# Saaty's 1-9 scale: the whole numbers 1 to 9 and their reciprocals
SAATY_SCALE = tuple(Fraction(1, k) for k in range(9, 1, -1)) + tuple(Fraction(k) for k in range(1, 10))


def _read_matrix(matrix, n: int, indicators: list[str], key: str) -> np.ndarray:
    """The matrix as floats, refused (naming the cell) when not n x n, off the scale or not reciprocal."""
    order = "、".join(indicators)
    try:  # YAML reads 1/3 as text
        cells = [[Fraction(str(v)) for v in row] for row in matrix]
        a = np.array([[float(v) for v in row] for row in cells], dtype=float)
    except (TypeError, ValueError, ZeroDivisionError):
        cells, a = [], np.empty((0, 0))
    if a.shape != (n, n):
        raise ConfigError("params.yaml", key, f"层次分析法需要 {n}×{n} 的两两比较矩阵（行列顺序同 evaluation.weights："
                                              f"{order}），收到的形状是 {'×'.join(map(str, a.shape)) or '空'}")
    if not np.isfinite(a).all() or (a <= 0).any():
        raise ConfigError("params.yaml", key, "两两比较矩阵的元素应为正数（1-9 标度及其倒数）")
    off = [(i, j) for i in range(n) for j in range(n) if cells[i][j] not in SAATY_SCALE]
    if off:
        i, j = off[0]
        raise ConfigError("params.yaml", key, f"第 {i + 1} 行第 {j + 1} 列是 {matrix[i][j]}，不在 1-9 标度上："
                                              "比较只能取 1 到 9 的整数或其倒数（1/2 到 1/9）；"
                                              "介于两级之间的判断请取较近的一级")
    bad = [(i, j) for i in range(n) for j in range(n) if abs(a[i, j] * a[j, i] - 1) > 1e-6]
    if bad:
        i, j = bad[0]
        raise ConfigError("params.yaml", key, f"两两比较矩阵不互反：第 {i + 1} 行第 {j + 1} 列是 {_plain(a[i, j])}，"
                                              f"第 {j + 1} 行第 {i + 1} 列应为其倒数，实为 {_plain(a[j, i])}")
    return a


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


def weighting_used(units: int, cfg: EvalConfig, method: str | None = None) -> str:
    """The weighting a region-year of `units` graded counties actually gets: a data weighting below the
    minimum number of counties becomes equal weights."""
    method = method or cfg.weighting
    return "equal" if method in DATA_WEIGHTINGS and units < cfg.minimum_units.data_weights else method


def method_weights(x: np.ndarray, cfg: EvalConfig, method: str | None = None) -> np.ndarray:
    """The weights a region-year is aggregated with under a weighting method (x: its gradable counties)."""
    method = weighting_used(len(x), cfg, method)
    if method == "pca":
        return pca_weights(np.where(cfg.reverse_mask, -x, x))
    if method in DATA_WEIGHTINGS:
        y = standardised(x, cfg.reverse_mask)
        return entropy_weights(y) if method == "entropy" else critic_weights(y)
    return fixed_weights(cfg, method)
