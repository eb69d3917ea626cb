"""Reading `evaluation` from params.yaml into the stage's settings, refusing what it cannot use.

Every refusal names the params key and what is accepted, before anything is
computed or written: a misspelt weight key must not silently leave every
county ungraded, nor a veto on an unknown grade silently never apply.
"""

from __future__ import annotations

import numpy as np

from pipeline.catalog import Catalog
from pipeline.errors import ConfigError
from pipeline.stages.evaluate.settings import (
    AGGREGATIONS,
    IMPUTATIONS,
    NORMALISATIONS,
    WEIGHTINGS,
    Deduction,
    EvalConfig,
    MinimumUnits,
    UncertaintyConfig,
    Veto,
)
from pipeline.stages.evaluate.weighting import ahp_weights

KEY = "evaluation"


def one_of(chosen: str, listed: list, allowed: tuple[str, ...], key: str, alt_key: str, what: str) -> None:
    """Refuse a method not offered, naming the key it was written under."""
    bad = sorted({chosen, *map(str, listed)} - set(allowed))
    if bad:
        raise ConfigError("params.yaml", f"{KEY}.{key}" if chosen in bad else f"{KEY}.uncertainty.{alt_key}",
                          f"{what}「{'、'.join(bad)}」无效", list(allowed))


def read_weights(ev: dict) -> dict[str, float]:
    weights = {k: float(v) for k, v in ev["weights"].items()}
    if any(not np.isfinite(v) or v < 0 for v in weights.values()) or sum(weights.values()) <= 0:
        raise ConfigError("params.yaml", f"{KEY}.weights",
                          "权重应为非负数且不能全为 0（equal、entropy、critic、pca、ahp 方法下只列出指标，数值不用）")
    return weights


def read_goalposts(ev: dict, catalog: Catalog, eligible: list[str], methods: set[str]) -> dict:
    overrides = ev.get("goalposts") or {}
    catalog.check_codes(list(overrides), what="目标值（goalposts）指标", key=f"{KEY}.goalposts", allowed=eligible)
    goalposts = {}
    for code in ev["weights"]:
        posts = overrides.get(code) or catalog.measure(code).goalposts
        if posts is not None:
            goalposts[code] = (float(posts[0]), float(posts[1]))
        elif "goalposts" in methods:
            raise ConfigError("params.yaml", f"{KEY}.goalposts",
                              f"{catalog.name(code)}（{code}）没有目标值，无法用 goalposts 标准化；"
                              f"请在 {KEY}.goalposts 中写 {code}: [下限, 上限]，或不使用 goalposts")
    return goalposts


def read_minimum_units(ev: dict) -> MinimumUnits:
    """`evaluation.minimum_units`: whole numbers of at least 2 (a spread needs two counties)."""
    given = ev.get("minimum_units") or {}
    unknown = sorted(set(given) - {"winsorisation", "statistics", "data_weights"})
    if unknown:
        raise ConfigError("params.yaml", f"{KEY}.minimum_units.{unknown[0]}", "不是可设置的最少县区数",
                          ["winsorisation", "statistics", "data_weights"])
    values = {}
    for name, default in (("winsorisation", 10), ("statistics", 10), ("data_weights", 8)):
        v = given.get(name, default)
        if isinstance(v, bool) or not isinstance(v, int) or v < 2:
            raise ConfigError("params.yaml", f"{KEY}.minimum_units.{name}",
                              f"最少县区数应为不小于 2 的整数，收到 {v!r}")
        values[name] = v
    return MinimumUnits(**values)


def number(rule: dict, field: str, key: str, *, minimum: float | None = 0.0) -> float:
    v = rule.get(field)
    if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v) or (minimum is not None and v < minimum):
        need = "非负数" if minimum is not None else "数值"
        raise ConfigError("params.yaml", f"{key}.{field}", f"应为{need}，收到 {v!r}")
    return float(v)


def read_adjustments(ev: dict, catalog: Catalog, labels: tuple[str, ...]) -> tuple[tuple[Deduction, ...], tuple[Veto, ...]]:
    """`evaluation.adjustments`: deductions {measure, points, cap} and vetoes {measure, above | rise_above,
    max_grade}; a measure must be in the catalog and a grade among the labels."""
    adj = ev.get("adjustments") or {}
    measures = [m.code for m in catalog.measures if m.kind != "flag"]
    out_d, out_v = [], []
    for i, rule in enumerate(adj.get("deductions") or []):
        key = f"{KEY}.adjustments.deductions[{i}]"
        rule = rule if isinstance(rule, dict) else {}
        catalog.check_codes([str(rule.get("measure"))], what="扣分指标", key=f"{key}.measure", allowed=measures)
        out_d.append(Deduction(str(rule["measure"]), number(rule, "points", key), number(rule, "cap", key)))
    for i, rule in enumerate(adj.get("vetoes") or []):
        key = f"{KEY}.adjustments.vetoes[{i}]"
        rule = rule if isinstance(rule, dict) else {}
        catalog.check_codes([str(rule.get("measure"))], what="否决（等次封顶）指标", key=f"{key}.measure",
                            allowed=measures)
        conditions = [c for c in ("above", "rise_above") if c in rule]
        if len(conditions) != 1:
            raise ConfigError("params.yaml", key, "应写且只写一个条件：above（本年数值高于）或 rise_above（比上年上升超过）",
                              ["above", "rise_above"])
        if rule.get("max_grade") not in labels:
            raise ConfigError("params.yaml", f"{key}.max_grade", f"等次「{rule.get('max_grade')}」不在等次名称中",
                              list(labels))
        out_v.append(Veto(str(rule["measure"]), conditions[0], number(rule, conditions[0], key, minimum=None),
                          str(rule["max_grade"])))
    return tuple(out_d), tuple(out_v)


def eval_config(ev: dict, catalog: Catalog) -> EvalConfig:
    """The evaluation settings, checked against the catalog before anything is computed.

    A weight key the catalog does not define, or a measure without a
    direction (more cases filed is not better or worse in itself), is
    refused with the accepted codes.
    """
    eligible = [m.code for m in catalog.measures if m.direction != "neutral" and m.kind != "flag"]
    catalog.check_codes(list(ev["weights"]), what="评价指标", key=f"{KEY}.weights", allowed=eligible)
    unc = ev.get("uncertainty") or {}
    weighting, imputation = str(ev.get("weighting", "manual")), str(ev.get("imputation", "region_mean"))
    one_of(weighting, unc.get("weightings") or [], WEIGHTINGS, "weighting", "weightings", "赋权方法")
    one_of(imputation, unc.get("imputations") or [], IMPUTATIONS, "imputation", "imputations", "插补方法")
    one_of(ev["normalisation"], unc.get("normalisations") or [], NORMALISATIONS, "normalisation", "normalisations",
           "标准化方法")
    one_of(ev["aggregation"], unc.get("aggregations") or [], AGGREGATIONS, "aggregation", "aggregations", "汇总方法")
    weights = read_weights(ev)
    ahp_vector = ahp_cr = None
    if "ahp" in {weighting, *map(str, unc.get("weightings") or [])}:
        ahp = ev.get("ahp") or {}
        vector, ahp_cr = ahp_weights(ahp.get("matrix"), list(weights), str(ahp.get("random_index", "saaty")))
        ahp_vector = tuple(float(v) for v in vector)
    treatment = ev.get("treatment") or {}
    winsorise = treatment.get("winsorise", False)
    if not isinstance(winsorise, bool):
        raise ConfigError("params.yaml", f"{KEY}.treatment.winsorise", f"应为 true 或 false，收到 {winsorise!r}")
    grades = ev["grades"]
    labels = tuple(grades["labels"])
    if len(labels) != len(grades["quantile"]) + 1 or len(labels) != len(grades["absolute"]) + 1:
        raise ConfigError("params.yaml", f"{KEY}.grades", "等次名称应比分界点多一个")
    deductions, vetoes = read_adjustments(ev, catalog, labels)
    return EvalConfig(
        weights=weights, weighting=weighting, ahp_vector=ahp_vector, ahp_cr=ahp_cr, imputation=imputation,
        winsorise=winsorise, skew_limit=float(treatment.get("skew", 2.0)),
        kurtosis_limit=float(treatment.get("kurtosis", 3.5)), winsor_max_points=int(treatment.get("max_points", 5)),
        normalisation=ev["normalisation"],
        goalposts=read_goalposts(ev, catalog, eligible, {ev["normalisation"], *unc.get("normalisations", [])}),
        reversed=frozenset(c for c in ev["weights"] if catalog.measure(c).direction == "higher_is_worse"),
        aggregation=ev["aggregation"], min_indicators=int(ev["min_indicators"]), labels=labels,
        grade_method=grades["method"], quantile=tuple(float(q) for q in grades["quantile"]),
        absolute=tuple(float(a) for a in grades["absolute"]), minimum_units=read_minimum_units(ev),
        deductions=deductions, vetoes=vetoes)


def uncertainty_config(unc: dict, cfg: EvalConfig) -> UncertaintyConfig:
    """Each list of alternatives, with the evaluation's own choice put first when the analyst's list left it
    out (and named in `added`); a list left out varies nothing. A bad value names its key."""
    base = int(unc.get("draws", 512))
    if base < 2 or base & (base - 1):
        raise ConfigError("params.yaml", f"{KEY}.uncertainty.draws",
                          f"Sobol' 抽样的基本样本量应为 2 的幂（如 256、512、1024），收到 {base}")
    spread = float(unc.get("weight_spread", 0.0))
    if not 0 <= spread < 1:
        raise ConfigError("params.yaml", f"{KEY}.uncertainty.weight_spread", f"应在 0 与 1 之间（不含 1），收到 {spread}")
    overlap = unc.get("overlap_share", 0.5)
    if isinstance(overlap, bool) or not isinstance(overlap, int | float) or not 0 <= overlap <= 1:
        raise ConfigError("params.yaml", f"{KEY}.uncertainty.overlap_share", f"应在 0 与 1 之间，收到 {overlap!r}")
    winsor = list(unc.get("winsorisation") or [cfg.winsorise])
    if any(not isinstance(v, bool) for v in winsor):
        raise ConfigError("params.yaml", f"{KEY}.uncertainty.winsorisation", "应为 [true]、[false] 或 [true, false]")
    added: list[str] = []

    def listed(given: list, factor: str, own) -> tuple:
        given = list(dict.fromkeys(given))
        if own not in given:
            added.append(factor)
            given = [own, *given]
        return tuple(given)

    def names(key: str, own: str) -> list[str]:
        return [str(v) for v in unc.get(key) or [own]]

    alternatives = {"weightings": listed(names("weightings", cfg.weighting), "weighting", cfg.weighting),
                    "normalisations": listed(names("normalisations", cfg.normalisation), "normalisation",
                                             cfg.normalisation),
                    "aggregations": listed(names("aggregations", cfg.aggregation), "aggregation", cfg.aggregation),
                    "imputations": listed(names("imputations", cfg.imputation), "imputation", cfg.imputation),
                    "winsorisation": listed(winsor, "winsorisation", cfg.winsorise)}
    return UncertaintyConfig(base=base, seed=int(unc.get("seed", 0)), weight_spread=spread,
                             stable_probability=float(unc.get("stable_probability", 0.7)), added=tuple(added),
                             overlap_share=float(overlap),
                             **alternatives)
