"""Validation region by region: Great Expectations and the series checks run on the regions whose rows changed.

Every expectation of the suites holds or fails row by row, and every series
check (completeness, dropped columns, jumps, the finer review, region gaps)
reads one region's rows, so a region's results depend on its own rows only.
The regions to check are validated together in one Great Expectations run
on the machine that runs the stage (its fixed cost, about 3 s, paid once: a
run over 100 regions takes 7 s, one region alone 3.7 s), while the series
checks, most of the stage's time (about 0.4 s a region), are one task per
region on the executor. The suites' results are split by region (each failing row's index, counted within its
region) and kept in the stage cache. The stage's results are then the
regions' results joined in region-code order, with each row index moved to
the row's place in the whole table: the same, whichever regions were checked
in this run. Great Expectations is not even imported when no region changed.

Data Docs show the rows validated by the Great Expectations run itself: after
an incremental run, those of the regions that changed (data_docs/scope.json
lists them); the validation page and summary.json always cover every region.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.digests import digest, frame_digest
from pipeline.stage_cache import StageCache
from pipeline.stages.series_checks import Finding

TARGETS = ("facts", "county_year_wide")
RunSuites = Callable[[dict[str, pd.DataFrame], Path | None], list[dict[str, Any]]]
# each region's facts -> its (region gaps, series findings): a map on the executor (pipeline/executor.py)
SeriesChecks = Callable[[dict[str, pd.DataFrame]], dict[str, tuple[list[Finding], list[Finding]]]]


def region_slices(frames: dict[str, pd.DataFrame]) -> dict[str, dict[str, pd.DataFrame]]:
    """Each region's rows of each frame, in region-code order (the frames are sorted by region first)."""
    regions = sorted(set().union(*(set(frames[t]["region_code"]) for t in TARGETS)))
    return {r: {t: frames[t][frames[t]["region_code"] == r].reset_index(drop=True) for t in TARGETS}
            for r in regions}


def split_records(records: list[dict[str, Any]], together: dict[str, pd.DataFrame], regions: list[str]
                  ) -> dict[str, list[dict[str, Any]]]:
    """One run's records as each region's: its failing rows, indexed within the region's own rows."""
    first_row = {t: {r: int(min(i)) for r, i in together[t].groupby("region_code", sort=False).indices.items()}
                 for t in TARGETS}
    out: dict[str, list[dict[str, Any]]] = {r: [] for r in regions}
    for rec in records:
        frame = together[rec["target"]]
        owners = frame["region_code"].to_numpy()
        for region in regions:
            mine = [int(i) - first_row[rec["target"]].get(region, 0) for i in rec["unexpected_index_list"]
                    if owners[i] == region]
            # a failure that names no row (none of the suites' kinds does) fails every region of the run
            holds = rec["success"] or (not mine and bool(rec["unexpected_index_list"]))
            out[region].append({**rec, "unexpected_index_list": mine,
                                "success": holds and rec["exception"] is None})
    return out


def merge_records(by_region: dict[str, list[dict[str, Any]]], frames: dict[str, pd.DataFrame]
                  ) -> list[dict[str, Any]]:
    """The regions' records as one run's: failing rows at their index in the whole table."""
    offsets = {t: {r: int(min(i)) for r, i in frames[t].groupby("region_code", sort=False).indices.items()}
               for t in TARGETS}
    regions = sorted(by_region)
    merged = []
    for k, base in enumerate(by_region[regions[0]]):
        mine = [(r, by_region[r][k]) for r in regions]
        rows = [offsets[base["target"]][r] + i for r, rec in mine for i in rec["unexpected_index_list"]]
        exception = next((rec["exception"] for _, rec in mine if rec["exception"]), None)
        merged.append({**base, "success": all(rec["success"] for _, rec in mine), "unexpected_index_list": rows,
                       "exception": exception})
    return merged


def checked_regions(frames: dict[str, pd.DataFrame], cache: StageCache, run_suites: RunSuites,
                    series_checks: SeriesChecks, docs: Path, force: bool) -> dict[str, dict[str, Any]]:
    """Each region's records, gaps and series findings; computed for the regions whose rows changed
    (all when `force`), with one Great Expectations run writing its Data Docs to `docs`."""
    slices = region_slices(frames)

    def compute(missing: list[str]) -> dict[str, dict[str, Any]]:
        together = {t: pd.concat([slices[r][t] for r in missing], ignore_index=True) for t in TARGETS}
        records = split_records(run_suites(together, docs), together, missing)
        docs.mkdir(parents=True, exist_ok=True)
        (docs / "scope.json").write_text(json.dumps({"regions_validated_in_this_run": missing}, indent=2) + "\n",
                                         encoding="utf-8")
        checks = series_checks({r: slices[r]["facts"] for r in missing})
        return {r: {"records": records[r], "gaps": checks[r][0], "series": checks[r][1]} for r in missing}

    keys = {r: cache.key(r, digest(*(frame_digest(s[t]).encode() for t in TARGETS))) for r, s in slices.items()}
    # force: no Data Docs to keep, so every region goes through one Great Expectations run
    return cache.parts(keys, compute, force=force)
