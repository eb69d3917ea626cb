"""The ingest stage: every region's folder read, checked and written to the staging warehouse."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.catalog import load_catalog
from pipeline.config import (
    EARLIEST_YEAR,
    Paths,
    first_year_setting,
    load_params,
    project_root,
    safe_code,
)
from pipeline.console import listing, verbose
from pipeline.digests import code_digest, digest, files_digest, settings_digest
from pipeline.divisions import read_code_changes
from pipeline.errors import DataError, Problem, run_stage, visible
from pipeline.executor import executor_setting
from pipeline.periods import FULL_YEAR
from pipeline.periods import message_label as period_label
from pipeline.specs import reference_files
from pipeline.stage_cache import StageCache
from pipeline.stages.ingest.folder import (
    counties_in_two_files,
    list_deliveries,
    periods_in_folder,
    resent_files,
    same_period_twice,
)
from pipeline.stages.ingest.parsing import DeliveredFile, Parsed, parse_files
from pipeline.stages.ingest.places import load_divisions
from pipeline.stages.ingest.table import DEBUG, Context, Delivery
from pipeline.stages.ingest.warehouse import write_warehouse

KEPT = "上次的仓库 data/staging/warehouse.duckdb 保持不变"


def ingest(root: Path) -> tuple[list[Delivery], Path]:
    """Read every delivery and write the staging warehouse; raise DataError on bad input."""
    paths = Paths(root)
    every = load_params(root)
    params = every["ingest"]
    first, last = first_year_setting(every) or EARLIEST_YEAR, int(params["last_year"])
    regions = [safe_code(r) for r in params["regions"]]
    setting = executor_setting(every)  # a bad setting stops here, before anything is read or written
    ctx = Context(load_catalog(paths.catalog), load_divisions(paths), first, last,
                  read_code_changes(paths.code_changes))
    cache = delivery_cache(root, params)
    listed = {region: list_deliveries(paths, region, first, last) for region in regions}
    parsed = parse_files([DeliveredFile(path, path.relative_to(root).as_posix(), region, year, period)
                          for region in regions for year, period, files in listed[region][0] for path in files],
                         ctx, cache, setting)
    problems: list[Problem] = []
    deliveries: list[Delivery] = []
    for region in regions:
        years, listing_problems = listed[region]
        problems += listing_problems
        claimed: dict[tuple[int, str], str] = {}  # (year, period) -> the file or folder that holds it
        for _, _, files in years:
            year_deliveries, year_problems = read_year(paths, region, files, parsed, claimed)
            problems += year_problems
            deliveries += year_deliveries
        problems += resent_files([d for d in deliveries if d.region_code == region])
    if problems:
        raise DataError("导入", problems)
    write_warehouse(paths.staging_warehouse, deliveries, ctx)
    cache.prune(len(cache.reused) + len(cache.computed))
    print(cache.summary("报送文件"))
    return deliveries, paths.staging_warehouse


def delivery_cache(root: Path, params: dict) -> StageCache:
    """Parsed deliveries keyed by the reader's code, the ingest params and the reference files it checks
    against; each file adds its own bytes and where it lies (its path is cited in every fact)."""
    salt = digest(code_digest("pipeline.stages.ingest").encode(), settings_digest({k: v for k, v in params.items() if k != "regions"}),
                  files_digest(reference_files("ingest", root)).encode())
    return StageCache(root, "ingest", salt)


def read_year(paths: Paths, region: str, files: list[Path], parsed: dict[str, Parsed],
              claimed: dict[tuple[int, str], str]) -> tuple[list[Delivery], list[Problem]]:
    """One year's (or period's) file, or the per-county files of its folder, as one delivery: the files'
    parsed results (pipeline/stages/ingest/parsing.py) and the checks across them."""
    deliveries, problems = [], []
    for path in files:
        result = parsed[path.relative_to(paths.root).as_posix()]
        if isinstance(result, Delivery):
            deliveries.append(result)
        else:
            problems += result
    in_folder = len(files) > 1 or (files and files[0].parent != paths.region_dir(region))
    listed = (files[0].parent if in_folder else files[0]).relative_to(paths.root).as_posix() if files else ""
    if in_folder:
        problems += periods_in_folder(deliveries, listed)
    problems += counties_in_two_files(deliveries)
    problems += same_period_twice(deliveries, listed, claimed)
    return deliveries, problems


def load_and_report(root: Path) -> None:
    deliveries, target = ingest(root)
    facts = sum(len(d.facts) for d in deliveries)
    print(f"导入完成：{len(deliveries)} 个文件，{sum(d.data_rows for d in deliveries)} 个县区·年度，{facts} 个数值 -> {target.relative_to(root)}")
    if verbose():  # how each file was read: encoding, header row, rows
        for d in deliveries:
            when = "" if d.period == FULL_YEAR else f"，{period_label(d.year, d.period)}"
            print(f"  {d.source_file}: {d.fmt}{'/' + d.encoding if d.encoding else ''}，表头在第 {d.header_row} 行，"
                  f"{d.data_rows} 行数据{when}")
    listing("  导入提示（已按说明处理，不阻断）", [visible(note) for d in deliveries for note in d.notes], mark="    ")


def main() -> None:
    parser = argparse.ArgumentParser(description="Load the delivered tables into the staging warehouse.")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks instead of messages")
    DEBUG.on = parser.parse_args().debug
    run_stage("导入", lambda: load_and_report(project_root()), KEPT, debug=DEBUG.on)
