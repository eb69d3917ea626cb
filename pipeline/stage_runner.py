"""The per-region map a region-wise stage runs through: each region computed from its own rows, or read back.

Every data stage after ingest works region by region, and each kept its own
copy of the same steps: salt a cache with the stage's code, its params (the
spec's) and reference files, split the marts by region, key each region by
its rows, compute what is new, read back the rest, put the parts together in
region order. `map_regions` is those steps once, from the stage's spec
(pipeline/specs.py), so a stage states only what one region's computation is
(a function of that region's frames, callable on in-memory frames in a test).
Frames without regions (the nation's figures) go whole to every region and
into the salt: a change there recomputes every region.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pandas as pd

from pipeline.digests import code_digest, digest, files_digest, frame_digest, settings_digest
from pipeline.executor import compute_parts, executor_setting
from pipeline.specs import reference_files, settings, spec
from pipeline.stage_cache import StageCache

RegionFrames = dict[str, pd.DataFrame]
T = TypeVar("T")


def regional(frame: pd.DataFrame) -> bool:
    return "region_code" in frame.columns


def region_slices(frames: RegionFrames, regions: list[str]) -> dict[str, RegionFrames]:
    """Each region's rows of every regional frame (split once), the others whole."""
    split = {name: dict(iter(f.groupby("region_code", sort=False))) for name, f in frames.items() if regional(f)}
    return {r: {name: (split[name].get(r, f.iloc[0:0]) if name in split else f) for name, f in frames.items()}
            for r in regions}


def stage_salt(root: Path, stage: str, params: dict, frames: RegionFrames) -> str:
    """What every region's result depends on: the stage's code, its params, its reference files and the
    frames without regions."""
    shared = [f"{name}:{frame_digest(f)}".encode() for name, f in sorted(frames.items()) if not regional(f)]
    return digest(code_digest(spec(stage).module).encode(), settings_digest(settings(stage, params)),
                  files_digest(reference_files(stage, root)).encode(), *shared)


def region_results(root: Path, stage: str, params: dict, frames: RegionFrames, regions: list[str],
                   compute: Callable[[str, RegionFrames], T],
                   extra: Callable[[str], bytes] | None = None) -> tuple[dict[str, T], StageCache]:
    """region -> its result (any picklable value: a frame, a list of a region's year blocks), computed from its
    own rows or read back where they are unchanged; and the cache, whose `summary` the stage prints. `extra`:
    what else a region's part is computed from (the findings stage: the region's issued reports), as bytes for
    its key."""
    cache = StageCache(root, stage, stage_salt(root, stage, params, frames))
    slices = region_slices(frames, regions)
    keys = {r: cache.key(r, digest(*(f"{name}:{frame_digest(f)}".encode()
                                     for name, f in sorted(slices[r].items()) if regional(f)),
                                   extra(r) if extra else b""))
            for r in regions}
    setting = executor_setting(params)  # a bad setting stops here, before anything is computed or written
    return cache.parts(keys, lambda missing: compute_parts(setting, stage, {r: slices[r] for r in missing},
                                                           compute)), cache


def map_regions(root: Path, stage: str, params: dict, frames: RegionFrames, regions: list[str],
                compute: Callable[[str, RegionFrames], pd.DataFrame],
                extra: Callable[[str], bytes] | None = None) -> tuple[pd.DataFrame, StageCache]:
    """Every region's frame (region_results) concatenated in region-code order, so an incremental run writes
    what a run from nothing does; and the cache."""
    found, cache = region_results(root, stage, params, frames, regions, compute, extra)
    ordered = [found[r] for r in sorted(regions)]
    return (pd.concat(ordered, ignore_index=True) if ordered else pd.DataFrame()), cache


def in_memory(frames: RegionFrames, regions: list[str], compute: Callable[[str, RegionFrames], T]) -> dict[str, T]:
    """Every region computed from its own rows, nothing kept: a stage's per-region computation on in-memory
    frames (a test, a sweep that writes nothing)."""
    slices = region_slices(frames, regions)
    return {r: compute(r, slices[r]) for r in regions}


def executor_map(params: dict, stage: str) -> Callable[[RegionFrames, list[str], Callable[[str, RegionFrames], T]],
                                                       dict[str, T]]:
    """`in_memory` on the executor params.yaml chooses (pipeline/executor.py), nothing kept: an evaluation-only
    sweep's scenarios, each region a task on the cluster when it is Dask."""
    setting = executor_setting(params)

    def mapped(frames: RegionFrames, regions: list[str], compute: Callable[[str, RegionFrames], T]) -> dict[str, T]:
        return compute_parts(setting, stage, region_slices(frames, regions), compute)

    return mapped


class CachedMap:
    """A stage's per-region map through its cache (region_results), callable as `in_memory` is; the cache of
    the last call kept for the stage's summary."""

    def __init__(self, root: Path, stage: str, params: dict) -> None:
        self.root, self.stage, self.params = root, stage, params
        self.cache: StageCache | None = None

    def __call__(self, frames: RegionFrames, regions: list[str],
                 compute: Callable[[str, RegionFrames], T]) -> dict[str, T]:
        found, self.cache = region_results(self.root, self.stage, self.params, frames, regions, compute)
        return found

    def summary(self) -> str:
        return self.cache.summary("地区") if self.cache is not None else "  没有地区需要计算"
