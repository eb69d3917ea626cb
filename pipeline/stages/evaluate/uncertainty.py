"""Uncertainty and sensitivity (COINr's sensitivity step): ranks and grades under every scenario of a
Saltelli design over the assumptions listed in `evaluation.uncertainty`, and Sobol' indices of what moves them.

The evaluation's own choices are always among the alternatives (params
reading adds them), and the same deductions and veto caps apply in every
scenario, so the grade a county is given is one the analysis can produce.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from pipeline.sensitivity import drivers, saltelli_design, sobol_indices
from pipeline.stages.evaluate.aggregation import aggregate
from pipeline.stages.evaluate.grading import assign_grades, cap_grades, rank_desc
from pipeline.stages.evaluate.normalisation import normalise
from pipeline.stages.evaluate.region_year import prepare
from pipeline.stages.evaluate.settings import EvalConfig, UncertaintyConfig
from pipeline.stages.evaluate.weighting import method_weights

CHOICE_FIELDS = {"weighting": "weighting", "normalisation": "normalisation", "aggregation": "aggregation",
                 "imputation": "imputation", "winsorisation": "winsorise"}


def design_picks(unc: UncertaintyConfig, indicators: int):
    """The Saltelli design (None when nothing varies), each assumption's pick per scenario, the weight noise."""
    factors = unc.factors(indicators)
    names = [f.name for f in factors]
    if not factors:
        return None, {k: np.zeros(1, dtype=int) for k in unc.alternatives}, np.ones((1, indicators))
    design = saltelli_design(factors, unc.base, unc.seed)
    picks = {k: design.choice(k) if k in names else np.zeros(design.rows, dtype=int) for k in unc.alternatives}
    noise = (1 - unc.weight_spread + 2 * unc.weight_spread * design.columns("weights")
             if "weights" in names else np.ones((design.rows, indicators)))
    return design, picks, noise


def scenario_indices(raw: pd.DataFrame, cfg: EvalConfig, unc: UncertaintyConfig, previous, base: dict,
                     ok: np.ndarray, picks: dict, noise: np.ndarray) -> np.ndarray:
    """The index of each county (columns) under each scenario (rows), before deductions.

    Imputation and treatment, weights and normalisation are computed once per
    distinct choice and reused across the scenarios that share it."""
    alternatives = unc.alternatives
    gradable = base["gradable"].to_numpy()
    index = np.empty((len(noise), int(ok.sum())))
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
    return index


def simulate(raw: pd.DataFrame, cfg: EvalConfig, unc: UncertaintyConfig, previous: pd.DataFrame | None = None,
             prepared: dict | None = None, deducted: np.ndarray | None = None,
             caps: np.ndarray | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ranks and grades of one region-year under every scenario, and what drives them.

    Each scenario takes one alternative of each listed assumption and, with a
    weight spread, multiplies the weights of its weighting method by
    U(1 - spread, 1 + spread) per indicator (renormalised). Returns per county
    the median rank, 5-95 % rank interval, grade probabilities and the factors
    its rank and grade depend on most, and the long table of first- and
    total-order indices (county x factor x rank/grade). `prepared`: the block
    as `prepare` left it under the evaluation's own choices; `deducted` and
    `caps`: the points off and grade caps per county (rows of `raw`).
    """
    raw = raw[cfg.indicators].astype(float)
    base = prepared or prepare(raw, cfg, previous)
    gradable = base["gradable"].to_numpy()  # the same under every imputation: it counts delivered values
    ok = gradable & base["filled"].notna().all(axis=1).to_numpy()
    if not ok.any():
        return pd.DataFrame(), pd.DataFrame()
    design, picks, noise = design_picks(unc, len(cfg.indicators))
    index = scenario_indices(raw, cfg, unc, previous, base, ok, picks, noise)
    if deducted is not None:
        index = index - deducted[ok]
    ranks = rank_desc(index)
    grades = assign_grades(index, ranks, cfg)
    if caps is not None and (caps[ok] != "").any():
        grades = cap_grades(grades, caps[ok], cfg.labels)
    frame = summary(raw.index[ok], ranks, grades, cfg, len(noise), [f.name for f in unc.factors(len(cfg.indicators))])
    if design is None:
        frame["rank_drivers"] = frame["grade_drivers"] = ""
        return frame, pd.DataFrame()
    return frame, sobol_frame(frame, design, ranks, grades, cfg)


def summary(codes: pd.Index, ranks: np.ndarray, grades: np.ndarray, cfg: EvalConfig, rows: int,
            names: list[str]) -> pd.DataFrame:
    """Per county: median rank, 5-95 % interval, the most likely grade and every grade's probability."""
    probs = np.stack([(grades == label).mean(axis=0) for label in cfg.labels], axis=1)  # counties x grades
    modal = probs.argmax(axis=1)  # a tie goes to the better grade (argmax takes the first)
    p05, p95 = np.percentile(ranks, [5, 95], axis=0)
    frame = pd.DataFrame({"county_code": codes, "median_rank": np.median(ranks, axis=0), "rank_p05": p05,
                          "rank_p95": p95, "modal_grade": [cfg.labels[k] for k in modal],
                          "modal_probability": probs[np.arange(len(codes)), modal],
                          "scenarios": rows, "factors_varied": ",".join(names)})
    for g, label in enumerate(cfg.labels):
        frame[f"p_{label}"] = probs[:, g]
    return frame


def sobol_frame(frame: pd.DataFrame, design, ranks: np.ndarray, grades: np.ndarray, cfg: EvalConfig) -> pd.DataFrame:
    """First- and total-order Sobol' indices of each county's rank and grade level; the drivers named on `frame`."""
    names = [f.name for f in design.factors]
    level = np.select([grades == label for label in cfg.labels], list(range(len(cfg.labels))), np.nan)
    codes = frame["county_code"].to_numpy()
    long = []
    for target, y in (("rank", ranks), ("grade", level)):
        s1, st = sobol_indices(design, y)
        frame[f"{target}_drivers"] = [",".join(drivers(st[:, c], names)) for c in range(len(codes))]
        long.append(pd.DataFrame({"county_code": np.repeat(codes, len(names)), "target": target,
                                  "factor": names * len(codes), "first_order": s1.T.ravel(),
                                  "total_order": st.T.ravel()}))
    return pd.concat(long, ignore_index=True)


def rank_overlap(frame: pd.DataFrame) -> float:
    """Share of pairs of graded counties whose 5-95 % rank intervals overlap: near 1, the index does not
    separate the counties beyond what the assumptions move (NaN with fewer than two)."""
    lo, hi = frame["rank_p05"].to_numpy(dtype=float), frame["rank_p95"].to_numpy(dtype=float)
    if len(lo) < 2:
        return float("nan")
    meets = (lo[:, None] <= hi[None, :]) & (lo[None, :] <= hi[:, None])
    pairs = np.triu_indices(len(lo), k=1)
    return float(meets[pairs].mean())
