"""Deductions and vetoes after the weighted score, as published systems apply them (扣分项, 一票否决/等次封顶).

A deduction takes points off a county's index for an event count or a
measure (points per unit, capped); a veto caps the grade of a county that
meets a condition (e.g. its new-onset share rose by more than N points).
Both are rules in params (`evaluation.adjustments`), applied here to one
region-year, and logged one row per rule and county that it touched.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.stages.evaluate.settings import EvalConfig

# one row per rule and county it touched: kind deduction, veto (applied) or veto_unknown (the value, or last
# year's for a rise, is missing: not judged)
ADJUSTMENT_COLUMNS = ["county_code", "kind", "measure", "condition", "value", "previous", "threshold",
                      "points_each", "cap", "points", "max_grade"]


def deductions(values: pd.DataFrame, cfg: EvalConfig) -> tuple[np.ndarray, list[dict]]:
    """Points to take off each county's index (rows of `values`, columns: measures) and the log.

    A rule's points are min(cap, points_each x value) for a positive value;
    a county without the value is logged with points NaN (not delivered, so
    not deducted, and said as such), never silently treated as zero.
    """
    total = np.zeros(len(values))
    log: list[dict] = []
    for rule in cfg.deductions:
        v = values[rule.measure].to_numpy(dtype=float) if rule.measure in values else np.full(len(values), np.nan)
        points = np.minimum(rule.cap, rule.points * np.clip(v, 0, None))
        total += np.nan_to_num(points)
        log += [{"county_code": code, "kind": "deduction", "measure": rule.measure, "value": value,
                 "condition": None, "previous": np.nan, "threshold": np.nan, "points_each": rule.points, "cap": rule.cap,
                 "points": p, "max_grade": None}
                for code, value, p in zip(values.index, v, points, strict=True) if np.isnan(value) or p > 0]
    return total, log


def veto_caps(values: pd.DataFrame, previous: pd.DataFrame | None, cfg: EvalConfig) -> tuple[np.ndarray, list[dict]]:
    """The grade each county may reach at best ("" for no cap) and the log of the vetoes that hit.

    With several vetoes the strictest cap holds. `rise_above` compares with
    the same county's value the year before; without it the veto cannot be
    judged and is logged with the previous value missing, not applied.
    """
    order = {label: i for i, label in enumerate(cfg.labels)}
    caps = np.array([""] * len(values), dtype=object)
    log: list[dict] = []
    for rule in cfg.vetoes:
        v = values[rule.measure].to_numpy(dtype=float) if rule.measure in values else np.full(len(values), np.nan)
        before = (previous.reindex(values.index)[rule.measure].to_numpy(dtype=float)
                  if previous is not None and rule.measure in previous else np.full(len(values), np.nan))
        tested = v - before if rule.condition == "rise_above" else v
        for i, code in enumerate(values.index):
            if np.isnan(tested[i]):
                log.append(_veto_row(code, rule, v[i], before[i], hit=False))
                continue
            if tested[i] > rule.threshold:
                log.append(_veto_row(code, rule, v[i], before[i], hit=True))
                if caps[i] == "" or order[rule.max_grade] > order[caps[i]]:
                    caps[i] = rule.max_grade
    return caps, log


def _veto_row(code: str, rule, value: float, before: float, hit: bool) -> dict:
    return {"county_code": code, "kind": "veto" if hit else "veto_unknown", "measure": rule.measure,
            "value": value, "previous": before if rule.condition == "rise_above" else np.nan,
            "threshold": rule.threshold, "points_each": np.nan, "cap": np.nan, "points": np.nan,
            "max_grade": rule.max_grade, "condition": rule.condition}
