"""One region-year, start to finish: impute, treat, weigh, normalise, aggregate, adjust, rank, grade.

Every function here works on one region-year's table (counties x measures)
and calls the step modules in COINr's order; the stage loops over
region-years, the uncertainty analysis repeats `prepare` under other choices.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.audit import indicator_ranks, strengths_and_weaknesses
from pipeline.stages.evaluate.adjustments import deductions, veto_caps
from pipeline.stages.evaluate.aggregation import aggregate, contributions, effective_weights
from pipeline.stages.evaluate.audit import audit_rows
from pipeline.stages.evaluate.grading import assign_grades, cap_grades, rank_desc
from pipeline.stages.evaluate.imputation import impute
from pipeline.stages.evaluate.normalisation import normalise
from pipeline.stages.evaluate.settings import EvalConfig
from pipeline.stages.evaluate.treatment import treat
from pipeline.stages.evaluate.weighting import method_weights, weighting_used


def prepare(raw: pd.DataFrame, cfg: EvalConfig, previous: pd.DataFrame | None = None) -> dict:
    """Impute (and, when configured and the region is large enough, winsorise) one region-year.

    Returns the filled table (non-gradable rows NaN), the imputed flags and how,
    the gradable mask, the treated values of the gradable counties and the
    winsorisation log as (county, indicator, before, after).
    """
    previous = previous[cfg.indicators] if previous is not None else None
    filled, imputed, gradable, how = impute(raw[cfg.indicators], cfg.min_indicators, cfg.imputation, previous)
    x = filled[gradable].to_numpy()
    treated, log = treat(x, cfg) if not np.isnan(x).any() else (x, [])
    codes = filled.index[gradable.to_numpy()]
    return {"filled": filled, "imputed": imputed, "gradable": gradable, "how": how, "x": treated,
            "treated": [(codes[i], cfg.indicators[j], before, after) for i, j, before, after in log]}


def adjust(block: pd.DataFrame, previous: pd.DataFrame | None, cfg: EvalConfig, graded: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Deductions off the index and vetoes' grade caps for the graded counties (others untouched).

    Returns the points deducted per county, each county's cap ("" for none) and the log rows.
    """
    values = block.loc[graded, [c for c in cfg.adjustment_measures if c in block]]
    points, caps = np.zeros(len(block)), np.array([""] * len(block), dtype=object)
    if not (cfg.deductions or cfg.vetoes) or not graded.any():
        return points, caps, []
    points[graded], log = deductions(values, cfg)
    caps[graded], vetoed = veto_caps(values, previous, cfg)
    return points, caps, log + vetoed


def evaluate_block(block: pd.DataFrame, cfg: EvalConfig, previous: pd.DataFrame | None = None) -> dict:
    """Index, rank and grade for the counties (rows) of one region-year.

    `block`: the indicators (cfg.indicators) and any measure a deduction or
    veto reads; `previous`: the same counties' values of the year before (for
    previous-year imputation and vetoes on a rise).
    """
    block = block.astype(float)
    raw = block[cfg.indicators]
    prep = prepare(raw, cfg, previous)
    gradable, x = prep["gradable"].to_numpy(), prep["x"]
    used_weighting = weighting_used(len(x), cfg)
    w = method_weights(x, cfg)
    n = normalise(x, cfg.normalisation, cfg.goalpost_array(), cfg.reverse_mask)
    before = np.full(len(raw), np.nan)
    before[gradable] = aggregate(n, w, cfg.aggregation) if len(x) else []
    deducted, caps, log = adjust(block, previous, cfg, gradable & ~np.isnan(before))
    index = before - deducted
    ranks = rank_desc(index)
    uncapped = assign_grades(index, ranks, cfg)[0]
    grades = cap_grades(uncapped, caps, cfg.labels) if cfg.vetoes else uncapped
    result = result_frame(raw, prep, cfg, index, ranks, grades)
    result = result.assign(index_before_adjustment=before, points_deducted=np.where(gradable, deducted, np.nan),
                           grade_before_veto=uncapped, grade_cap=caps, weighting_used=used_weighting)
    normalised = pd.DataFrame(np.nan, index=raw.index, columns=cfg.indicators)
    normalised.loc[gradable] = n
    # unit profile: the county's rank on each indicator (oriented scores, 1 = best), its best and worst delivered
    ranks_by_indicator = indicator_ranks(normalised.where(pd.Series(index, index=raw.index).notna(), axis=0))
    result["strengths"], result["weaknesses"] = strengths_and_weaknesses(ranks_by_indicator, raw.notna())
    used = prep["filled"].copy()
    used.loc[gradable] = x
    effective = effective_weights(n, before[gradable], cfg.minimum_units.statistics) if len(x) else np.nan
    weights = pd.DataFrame({"indicator": cfg.indicators, "weighting": cfg.weighting,
                            "weighting_used": used_weighting, "nominal_weight": w, "effective_weight": effective})
    return {"result": result, "normalised": normalised, "imputed": prep["imputed"], "weights": weights,
            "filled": used, "weight_vector": w, "imputed_by": prep["how"], "treated": prep["treated"],
            "indicator_ranks": ranks_by_indicator, "audit": audit_rows(raw, n, prep["treated"], cfg),
            "prepared": prep, "contributions": contribution_frame(raw.index[gradable], n, w, cfg),
            "adjustments": log, "caps": caps, "deducted": deducted}


def result_frame(raw: pd.DataFrame, prep: dict, cfg: EvalConfig, index: np.ndarray, ranks: np.ndarray,
                 grades: np.ndarray) -> pd.DataFrame:
    """The region-year's rows of the evaluation mart: index, rank, grade and what was imputed, and how."""
    flags = prep["imputed"][cfg.indicators].to_numpy(dtype=bool)
    how = prep["how"][cfg.indicators].to_numpy(dtype=object)
    names = np.array(cfg.indicators, dtype=object)
    return pd.DataFrame({
        "county_code": raw.index, "index": index, "rank": ranks, "counties_graded": int(prep["gradable"].sum()),
        "grade": grades, "indicators_available": raw.notna().sum(axis=1).to_numpy(),
        "imputed": [",".join(names[row]) for row in flags],
        # how each of them was filled, in the same order
        "imputed_by": [",".join(h[row]) for h, row in zip(how, flags, strict=True)],
    })


def contribution_frame(codes: pd.Index, n: np.ndarray, w: np.ndarray, cfg: EvalConfig) -> pd.DataFrame:
    """失分分析, long: per graded county and indicator, the normalised score, the weight, the points it
    brought into the index and the points lost against 100, with the loss's rank within the county (1 = largest)."""
    points, lost = contributions(n, w, cfg.aggregation) if len(codes) else (np.empty((0, len(w))),) * 2
    frame = pd.DataFrame({"county_code": np.repeat(np.asarray(codes), len(cfg.indicators)),
                          "indicator": cfg.indicators * len(codes), "normalised": n.ravel() if len(codes) else [],
                          "weight": np.tile(w, len(codes)), "points": points.ravel(), "points_lost": lost.ravel()})
    frame["loss_rank"] = frame.groupby("county_code")["points_lost"].rank(method="first", ascending=False)
    return frame
