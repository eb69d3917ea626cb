"""The evaluate stage's entry point: every region-year of the county mart through the steps, into marts.

Writes data/marts/evaluation*.parquet, metrics/evaluation.json, plots/evaluation_index.csv.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

import numpy as np
import pandas as pd

from pipeline.catalog import Catalog, load_catalog
from pipeline.config import Paths, load_params, project_root, publish, remove_stale_temps
from pipeline.console import listing
from pipeline.errors import ConfigError, run_stage
from pipeline.marts import mart_path, scoped_county_measures, write_mart
from pipeline.numbers import fixed, round_half_up
from pipeline.stage_runner import CachedMap, in_memory
from pipeline.stages.evaluate.audit import audit_mart, coherence
from pipeline.stages.evaluate.params import eval_config, uncertainty_config
from pipeline.stages.evaluate.region_year import evaluate_block
from pipeline.stages.evaluate.settings import NOT_GRADED, EvalConfig, UncertaintyConfig
from pipeline.stages.evaluate.tables import (
    ADJUSTMENT_MART_COLUMNS,
    COHERENCE_COLUMNS,
    CONTRIBUTION_COLUMNS,
    SENSITIVITY_COLUMNS,
    TREATMENT_COLUMNS,
    UNCERTAINTY_COLUMNS,
    empty,
    indicator_table,
    score_table,
)
from pipeline.stages.evaluate.uncertainty import rank_overlap, simulate


def region_year(region: str, year: int, block: pd.DataFrame, previous: pd.DataFrame | None, cfg: EvalConfig,
                unc: UncertaintyConfig, collinearity_r: float, negative_r: float = 0.0) -> dict:
    """Everything the marts hold for one region-year, each piece tagged with the region and year."""
    tag = {"region_code": region, "year": year}
    raw = block[cfg.indicators]
    out = evaluate_block(block, cfg, previous)
    # an indicator no county of the region-year delivered cannot be imputed: say which, so a county that
    # has enough indicators of its own is not told it has too few
    absent = ",".join(c for c in cfg.indicators if raw[c].isna().all())
    sims, indices = simulate(raw, cfg, unc, previous, out["prepared"], out["deducted"], out["caps"])
    res = out["result"].assign(**tag, indicators_absent_in_region=absent,
                               rank_overlap=rank_overlap(sims) if not sims.empty else np.nan)
    c = coherence(out["filled"], pd.Series(res["index"].to_numpy(), index=raw.index), cfg, collinearity_r,
                  out["weight_vector"], negative_r)
    return {
        "result": res,
        "wide": (region, year, raw, out["normalised"], out["imputed"], out["imputed_by"], out["indicator_ranks"]),
        "audit": out["audit"].assign(**tag),
        "weights": out["weights"].assign(**tag),
        "uncertainty": sims.assign(**tag) if not sims.empty else None,
        "sensitivity": indices.assign(**tag) if not indices.empty else None,
        "treatment": [{**tag, "county_code": code, "indicator": i, "before": b, "after": a}
                      for code, i, b, a in out["treated"]],
        "coherence": c.assign(**tag) if not c.empty else None,
        "contributions": out["contributions"].assign(**tag),
        "adjustments": [{**tag, **row} for row in out["adjustments"]],
    }


def judged(result: pd.DataFrame, cfg: EvalConfig, unc: UncertaintyConfig) -> pd.DataFrame:
    """The judgements the evaluation makes on its own results: each grade's probability, whether it is
    stable or provisional, why a county is not graded, and the method, so every report can say how."""
    result = result.copy()
    # stability is judged on the grade the county was given, not on the most likely simulated one
    result["grade_probability"] = [row.get(f"p_{g}", np.nan) if g in cfg.labels else np.nan
                                   for g, (_, row) in zip(result["grade"], result.iterrows(), strict=True)]
    threshold = unc.stable_probability
    result["stable"] = pd.array([None if pd.isna(p) else bool(p >= threshold) for p in result["grade_probability"]],
                                dtype="boolean")
    # a grade that comes out in fewer scenarios than the threshold is provisional (暂定), not a verdict
    result["provisional"] = result["stable"] == False  # noqa: E712
    result["stable_threshold"] = threshold
    result["not_graded_reason"] = [
        None if pd.notna(i) else "no_indicators" if n == 0 else "too_few_indicators" if n < cfg.min_indicators
        else "indicator_absent_in_region"
        for i, n in zip(result["index"], result["indicators_available"], strict=True)]
    result["min_indicators"] = cfg.min_indicators
    result["indicators_total"] = len(cfg.indicators)
    result = result.assign(weighting=cfg.weighting, normalisation=cfg.normalisation, aggregation=cfg.aggregation,
                           imputation=cfg.imputation, winsorise=cfg.winsorise,
                           ahp_cr=cfg.ahp_cr if cfg.weighting == "ahp" else np.nan,
                           uncertainty_added=",".join(unc.added), data_weights_minimum=cfg.minimum_units.data_weights,
                           rank_overlap_limit=unc.overlap_share)
    cols = ["region_code", "county_code", "county_name", "year"]
    ordered = result[cols + [c for c in result.columns if c not in cols]]
    return ordered.sort_values(["region_code", "year", "rank", "county_code"]).reset_index(drop=True)


SCORE_KEYS = ["region_code", "county_code", "county_name", "year"]


def evaluate_all(county: pd.DataFrame, ev: dict, catalog: Catalog,
                 regions_map: Callable[..., dict] = in_memory) -> dict[str, pd.DataFrame]:
    """Every region-year of the mart; regions without any score get rows that say why they are not graded.

    A region's years are computed together (each year reads the year before) and only from the region's
    own rows, through `regions_map` (pipeline/stage_runner.py: `in_memory`, or the stage's `CachedMap`, which
    reads back a region whose rows are unchanged).
    """
    cfg = eval_config(ev, catalog)
    unc = uncertainty_config(ev.get("uncertainty") or {}, cfg)
    scores = score_table(county, [*cfg.indicators, *cfg.adjustment_measures])
    regions = sorted(set(scores.index.get_level_values("region_code")))

    def compute(region: str, own: dict[str, pd.DataFrame]) -> list[dict]:
        block = own["scores"].set_index(SCORE_KEYS)
        block.columns.name = scores.columns.name
        return region_parts(block, cfg, unc, ev)

    by_region = regions_map({"scores": scores.reset_index()}, regions, compute)
    parts = [part for region in regions for part in by_region[region]]
    return assemble(parts, cfg, unc, float(ev["coherence"].get("alpha_min", 0.7)))


def region_parts(scores: pd.DataFrame, cfg: EvalConfig, unc: UncertaintyConfig, ev: dict) -> list[dict]:
    """One region's years, oldest first, each with the year before as its previous block."""
    blocks = {key: block.droplevel(["region_code", "county_name", "year"])
              for key, block in scores.groupby(level=["region_code", "year"], sort=True)}
    parts = []
    for (region, year), block in scores.groupby(level=["region_code", "year"], sort=True):
        part = region_year(region, year, blocks[(region, year)], blocks.get((region, year - 1)), cfg, unc,
                           float(ev["coherence"]["collinearity_r"]), float(ev["coherence"].get("negative_r", 0.0)))
        part["result"]["county_name"] = list(block.index.get_level_values("county_name"))
        parts.append(part)
    return parts


def gathered(parts: list[dict], key: str) -> list:
    return [p[key] for p in parts if p[key] is not None]


def assemble(parts: list[dict], cfg: EvalConfig, unc: UncertaintyConfig, alpha_min: float) -> dict[str, pd.DataFrame]:
    """The region-years' pieces as the evaluation marts."""
    probability_columns = [f"p_{label}" for label in cfg.labels]
    mc = gathered(parts, "uncertainty")
    uncertainty = (pd.concat(mc, ignore_index=True) if mc else
                   pd.DataFrame(columns=["region_code", "year", "county_code", *UNCERTAINTY_COLUMNS, *probability_columns]))
    result = pd.concat(gathered(parts, "result"), ignore_index=True).merge(
        uncertainty, on=["region_code", "year", "county_code"], how="left", validate="one_to_one")
    coh, sens = gathered(parts, "coherence"), gathered(parts, "sensitivity")
    # 失分分析 in the order every output lists it: each county-year's indicators by points lost, largest first
    contributions = pd.concat(gathered(parts, "contributions"), ignore_index=True).sort_values(
        ["region_code", "year", "county_code", "loss_rank"], kind="mergesort", ignore_index=True)
    adjustments = [row for p in parts for row in p["adjustments"]]
    return {
        # by rank within each region-year, the places not graded last (by code): as the tables list them
        "evaluation": judged(result, cfg, unc).sort_values(["region_code", "year", "rank", "county_code"],
                                                           na_position="last", kind="mergesort", ignore_index=True),
        "evaluation_indicators": indicator_table(gathered(parts, "wide"), cfg.indicators),
        "evaluation_weights": pd.concat(gathered(parts, "weights"), ignore_index=True),
        "evaluation_coherence": pd.concat(coh, ignore_index=True)[COHERENCE_COLUMNS] if coh else empty(COHERENCE_COLUMNS),
        "evaluation_sensitivity": (pd.concat(sens, ignore_index=True)[SENSITIVITY_COLUMNS] if sens else
                                   empty(SENSITIVITY_COLUMNS, ("first_order", "total_order"))),
        "evaluation_treatment": pd.DataFrame([r for p in parts for r in p["treatment"]], columns=TREATMENT_COLUMNS),
        "evaluation_audit": audit_mart(gathered(parts, "audit"), alpha_min),
        "evaluation_contributions": contributions[CONTRIBUTION_COLUMNS],
        "evaluation_adjustments": (pd.DataFrame(adjustments)[ADJUSTMENT_MART_COLUMNS] if adjustments else
                                   empty(ADJUSTMENT_MART_COLUMNS, ("year", "value", "previous", "threshold",
                                                                   "points_each", "cap", "points"))),
    }


def metrics(result: pd.DataFrame, year: int, labels: list[str]) -> dict:
    latest = result[result["year"] == year]
    # with quantile grades the counts per grade are fixed by the cut-offs; the
    # per-county grades are what a sweep changes, so they are metrics too
    out: dict = {"year": year, "grade_counts": {}, "grade": {}, "index": {}, "unstable": {}}
    for region, g in latest.groupby("region_code"):
        out["grade_counts"][region] = {label: int((g["grade"] == label).sum()) for label in [*labels, NOT_GRADED]}
        out["grade"][region] = {r.county_code: r.grade for r in g.sort_values("county_code").itertuples()}
        out["index"][region] = {r.county_code: (None if pd.isna(r.index) else round_half_up(r.index, 2))
                                for r in g.sort_values("county_code").itertuples()}
        out["unstable"][region] = int((g["stable"] == False).sum())  # noqa: E712
    return out


def report(marts: dict[str, pd.DataFrame], m: dict, year: int) -> None:
    """What the stage did, on the console: values winsorised, grades, provisional grades, deductions, vetoes."""
    ev = marts["evaluation"]
    latest = ev[ev["year"] == year]
    print(f"综合评价完成：{len(ev)} 个县区·年度；{year} 年等次：{m['grade_counts']}")
    listing("  极端值缩尾", [f"{r.region_code} {r.year} 年 {r.county_code} {r.indicator} {r.before:g} → {r.after:g}"
                          for r in marts["evaluation_treatment"].itertuples()], "各地区分析报告的“评价方法”部分")
    listing(f"  {year} 年等次暂定", [f"{r.county_code} {r.county_name} {r.grade}（该等次在模拟中出现的概率 "
                                  f"{fixed(100 * r.grade_probability, 0)}%）"
                                  for r in latest[latest["provisional"]].itertuples()], "reports/index.html")
    adj = marts["evaluation_adjustments"]
    for r in adj[(adj["year"] == year) & adj["kind"].isin(["deduction", "veto"])].itertuples():
        what = f"扣 {fixed(r.points, 1)} 分" if r.kind == "deduction" else f"等次最高为{r.max_grade}"
        print(f"  {r.county_code} {r.measure}：{what}")
    for region, g in latest.groupby("region_code"):
        if (g["not_graded_reason"] == "no_indicators").all():
            print(f"  {region}：{year} 年没有任何评价指标数值，未评定等次（报告中说明原因）")


def main() -> None:
    run_stage("综合评价", run, "上次的评价结果保持不变")


def run() -> None:
    root = project_root()
    paths = Paths(root)
    params = load_params(root)
    remove_stale_temps(paths.marts, paths.metrics, paths.plots)
    regions_map = CachedMap(root, "evaluate", params)
    try:
        marts = evaluate_all(scoped_county_measures(root, params), params["evaluation"], load_catalog(paths.catalog),
                             regions_map)
    except ConfigError as err:
        print(err, file=sys.stderr)
        sys.exit(1)
    year = int(params["report"]["year"])
    m = metrics(marts["evaluation"], year, list(params["evaluation"]["grades"]["labels"]))
    text = json.dumps({"evaluation": m}, indent=2) + "\n"  # ASCII: DVC reads dense UTF-8 as binary
    latest = marts["evaluation"][marts["evaluation"]["year"] == year]
    plot = pd.DataFrame({"county": latest["county_name"] + "（" + latest["county_code"] + "）",
                         "region": latest["region_code"], "index": [round_half_up(v, 2) for v in latest["index"]],
                         "rank_p05": latest.get("rank_p05"), "rank_p95": latest.get("rank_p95")})
    publish({
        **{mart_path(root, name): (lambda p, f=frame: write_mart(p, f)) for name, frame in marts.items()},
        paths.metrics / "evaluation.json": lambda p: p.write_text(text, encoding="utf-8"),
        paths.plots / "evaluation_index.csv": lambda p: plot.to_csv(p, index=False, encoding="utf-8"),
    })
    report(marts, m, year)
    print(regions_map.summary())
