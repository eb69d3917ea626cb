"""Judgements the stages write into the marts: how a measure changed and whether that is better.

One place decides, for county and region figures alike:
  change_status  up / down / flat (a printed change within the flat band of
                 its kind, from params.yaml `judgement.flat_band`), first_year
                 (the first year in scope: nothing to compare with),
                 no_previous (last year has no value), missing (no value this
                 year), not_applicable (flags such as the pyramid);
  judgement      better / worse by the catalog's direction, neutral when the
                 measure has none, flat, or empty when there was no comparison;
  rise_streak, fall_streak  consecutive years of rises (falls) ending this
                 year; a flat year, a gap or a fall ends the run;
  trend_*        for shares and scores, the value against its baseline: the
                 first year on record, or the mean of the first years once
                 there are enough (rising / falling / flat / insufficient);
  region_gap     a county against its region, as printed, and whether that
                 is better or worse by the measure's direction.
Reports phrase these columns; they never decide them again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.catalog import Catalog
from pipeline.config import first_year_setting
from pipeline.errors import ConfigError
from pipeline.numbers import printed_difference, printed_percent_change

KINDS_WITH_BAND = ("count", "share", "score")


@dataclass(frozen=True)
class JudgementConfig:
    # the first year of the series (no year before it to compare with); None (ingest.first_year: auto): each
    # region's own first year, the frame's `first_year` column
    first_year: int | None
    # largest printed change still called level (基本持平), in the change's unit: % (count), pp (share), points
    # (score); keyed by kind, and by a catalog measure code where one measure needs its own band
    flat_band: dict[str, float]
    # the trend: the latest value against the mean of the first `baseline_years` years with a value
    baseline_years: int = 3
    trend_flat_band: float = 1.0

    @classmethod
    def from_params(cls, params: dict, catalog: Catalog | None = None) -> JudgementConfig:
        j = params["judgement"]
        trend = j["trend"]
        return cls(first_year_setting(params), check_bands(j.get("flat_band"), "judgement.flat_band", catalog),
                   int(trend["baseline_years"]), band_value(trend.get("flat_band"), "judgement.trend.flat_band"))

    def band(self, measure) -> float:
        """The band of one catalog measure: its own when set, else its kind's (0 for kinds without one)."""
        return float(self.flat_band.get(measure.code, self.flat_band.get(measure.kind, 0.0)))


def band_value(value: object, key: str) -> float:
    """One band or size setting: a number not below 0, else a ConfigError naming the key (params.yaml)."""
    if value is None:
        raise ConfigError("params.yaml", key, "缺少设置", list(KINDS_WITH_BAND))
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError("params.yaml", key, f"「{value}」无效：应为不小于 0 的数")
    return float(value)


def check_bands(spec: object, key: str, catalog: Catalog | None) -> dict[str, float]:
    """A map of bands by kind (count, share, score) or measure code: every kind present, none negative.

    A band is what a commission reads as no move at all; a missing or negative one, or one naming a measure the
    catalog does not have, stops the stage naming the key (params.yaml), before anything is written.
    """
    if not isinstance(spec, dict):
        raise ConfigError("params.yaml", key, "缺少设置：应按指标类型（count、share、score）给出区间", list(KINDS_WITH_BAND))
    for name in spec:
        if name not in KINDS_WITH_BAND and catalog is not None and name not in catalog:
            raise ConfigError("params.yaml", f"{key}.{name}", f"「{name}」既不是指标类型，也不是指标目录中的指标代码",
                              list(KINDS_WITH_BAND))
    names = [*KINDS_WITH_BAND, *(n for n in spec if n not in KINDS_WITH_BAND)]  # every kind must be set
    return {str(name): band_value(spec.get(name), f"{key}.{name}") for name in names}


def printed_change(kind: str, current: float, previous: float, decimals: int, change_decimals: int) -> float | None:
    """The year-on-year change a report prints: % for counts, points for shares and scores."""
    if kind == "count":
        return printed_percent_change(current, previous, decimals, change_decimals)
    return printed_difference(current, previous, decimals)


def classify(kind: str, value: float, previous: float, change: float | None, band: float) -> str:
    if kind == "count" and change is None:  # from a zero base: no percentage, the direction still counts
        return "flat" if value == previous else ("up" if value > previous else "down")
    if abs(change) <= band + 1e-9:
        return "flat"
    return "up" if change > 0 else "down"


JUDGED = {("up", "higher_is_better"): "better", ("down", "higher_is_better"): "worse",
          ("up", "higher_is_worse"): "worse", ("down", "higher_is_worse"): "better"}


def year_on_year(frame: pd.DataFrame, catalog: Catalog, cfg: JudgementConfig, keys: list[str]) -> pd.DataFrame:
    """Add previous_value, yoy_change, yoy_unit, change_status, judgement and streaks.

    `frame` is long: one row per `keys` x measure x year, every year in scope
    present (a year without a value has value NaN). Comparison is with the
    calendar year before only.
    """
    out = frame.sort_values([*keys, "measure", "year"]).reset_index(drop=True)
    group = out.groupby([*keys, "measure"], sort=False)
    prev_year = group["year"].shift(1)
    prev = group["value"].shift(1).where(prev_year == out["year"] - 1)
    changes, statuses, judged = [], [], []
    firsts = out["first_year"] if "first_year" in out.columns else pd.Series(cfg.first_year, index=out.index)
    for value, previous, year, code, first in zip(out["value"], prev, out["year"], out["measure"], firsts,
                                                  strict=True):
        m = catalog.measure(code)
        change = None
        if pd.isna(value):
            status = "missing"
        elif m.kind == "flag":
            status = "not_applicable"
        elif first is not None and not pd.isna(first) and year <= first:
            status = "first_year"
        elif pd.isna(previous):
            status = "no_previous"
        else:
            change = printed_change(m.kind, value, previous, m.decimals, catalog.change_decimals)
            status = classify(m.kind, value, previous, change, cfg.band(m))
        changes.append(np.nan if change is None else change)
        statuses.append(status)
        judged.append("flat" if status == "flat" else
                      ("neutral" if m.direction == "neutral" else JUDGED[(status, m.direction)])
                      if status in ("up", "down") else None)
    out["previous_value"] = prev
    out["yoy_change"] = changes
    out["yoy_unit"] = [catalog.measure(c).change_unit for c in out["measure"]]
    out["change_status"] = statuses
    out["judgement"] = judged
    out["flat_band"] = [cfg.band(catalog.measure(c)) for c in out["measure"]]
    out["rise_streak"] = _streak(out, keys, "up")
    out["fall_streak"] = _streak(out, keys, "down")
    return out


def _streak(frame: pd.DataFrame, keys: list[str], status: str) -> list[int]:
    """Consecutive years with `status` ending at each row (0 when this year is not one)."""
    runs, last_key, run = [], None, 0
    for key, s in zip(frame[[*keys, "measure"]].itertuples(index=False, name=None), frame["change_status"], strict=True):
        if key != last_key:
            run, last_key = 0, key
        run = run + 1 if s == status else 0
        runs.append(run)
    return runs


def trend_against_baseline(frame: pd.DataFrame, catalog: Catalog, cfg: JudgementConfig,
                           keys: list[str]) -> pd.DataFrame:
    """Add the trend of shares and scores: this year's value against its baseline.

    The baseline is the first year in range with a value, or, once there are
    `baseline_years` years and one more, the mean of the first `baseline_years`
    (so one unusual early year does not decide the verdict). A trend needs two
    years with a value: a commission judges 29.9 % (2015) -> 32.6 % -> 32.4 %
    (2017) against 2015 already ("not yet contained": 2.5 points above it,
    whatever the 2017 dip). The change is stated from the printed figures, and
    a change within `trend_flat_band` is flat.
    """
    out = frame.copy()
    base = []
    for _, g in out.groupby([*keys, "measure"], sort=False):
        m = catalog.measure(g["measure"].iloc[0])
        known: list[tuple[int, float]] = []
        for idx, year, value in zip(g.index, g["year"], g["value"], strict=True):
            if pd.notna(value):
                known.append((int(year), float(value)))
            row = (idx, np.nan, None, None, np.nan, None)
            if m.kind in ("share", "score") and pd.notna(value):
                row = (idx, np.nan, None, None, np.nan, "insufficient")
                if len(known) >= 2:
                    first = known[: cfg.baseline_years] if len(known) > cfg.baseline_years else known[:1]
                    mean = sum(v for _, v in first) / len(first)
                    diff = printed_difference(value, mean, m.decimals)
                    verdict = ("flat" if abs(diff) <= cfg.trend_flat_band + 1e-9 else
                               "rising" if diff > 0 else "falling")
                    row = (idx, mean, first[0][0], first[-1][0], diff, verdict)
            base.append(row)
    rows = pd.DataFrame(base, columns=["idx", "trend_baseline", "trend_baseline_from", "trend_baseline_to",
                                       "trend_change", "trend_status"]).set_index("idx")
    out[rows.columns] = rows.reindex(out.index)
    for col in ("trend_baseline_from", "trend_baseline_to"):
        out[col] = out[col].astype("Int64")
    return out


def against_region(county: pd.DataFrame, region: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Add region_value, region_gap (county - region, from the printed figures) and its judgement.

    Only shares and scores are compared: a county's count against a region
    total says nothing. The gap is judged by the measure's direction: a share
    above the region is worse when higher is worse.
    """
    keys = ["region_code", "year", "period", "measure"] if "period" in county else ["region_code", "year", "measure"]
    reg = region[[*keys, "value"]].rename(columns={"value": "region_value"})
    out = county.merge(reg, on=keys, how="left", validate="many_to_one")
    gaps, judged = [], []
    for code, value, rv in zip(out["measure"], out["value"], out["region_value"], strict=True):
        m = catalog.measure(code)
        if m.kind not in ("share", "score") or pd.isna(value) or pd.isna(rv):
            gaps.append(np.nan)
            judged.append(None)
            continue
        gap = printed_difference(value, rv, m.decimals)
        gaps.append(gap)
        side = "level" if gap == 0 else ("up" if gap > 0 else "down")
        judged.append("level" if side == "level" else
                      "neutral" if m.direction == "neutral" else JUDGED[(side, m.direction)])
    out["region_gap"] = gaps
    out["region_gap_judgement"] = judged
    return out
