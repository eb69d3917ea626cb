"""The notebooks stage's entry: plan the jobs, reuse what is unchanged, execute the rest, publish, index.

Outputs are built in a scratch folder and moved into place only when every
notebook succeeded; a failed notebook is kept under build/failed_notebooks/
and the stage fails after the others finish, naming the county, the cell and
the error, with the last good reports left in place.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

from pipeline.config import Paths, load_params, project_root, replace_dir, safe_code
from pipeline.executor import executor_setting
from pipeline.report.notebooks.cluster import check_cluster
from pipeline.report.notebooks.execute import _on_parent_exit, default_workers, run_all
from pipeline.report.notebooks.jobs import OUTPUT_DIR, plan_jobs, report_years, stale_years
from pipeline.report.notebooks.reuse import (
    cached,
    copy_cached,
    copy_outputs,
    input_keys,
    keep_outputs,
    reusable,
)


def _end_with_parent() -> None:
    """Stop at once, leaving the last good reports, when told to (SIGTERM) or when whoever started the stage
    (dvc) is gone: `kill` of dvc does not reach its stage. The workers notice and shut their kernels down."""
    import signal

    signal.signal(signal.SIGTERM, lambda *_: os._exit(143))
    _on_parent_exit(lambda: os._exit(143))


def check_report_year(root, params: dict) -> list[str]:
    """The regions the report year skips, each with why (said, not stopped); stops only when no configured
    region has a full-year delivery in that year, so nothing at all could be reported."""
    from pipeline.config import safe_code
    from pipeline.errors import ConfigError
    from pipeline.report.notebooks.jobs import reportable_years

    year = int(params["report"]["year"])
    regions = [safe_code(r) for r in params["ingest"]["regions"]]
    delivered = reportable_years(root, regions)
    skipped = []
    from pipeline.periods import label
    from pipeline.report.period_reports import period_plan

    partial = {r: p for r, _, p, _ in period_plan(root, regions, [year])}
    for region in regions:
        if year not in delivered[region]:
            shown = "、".join(map(str, sorted(delivered[region]))) or "无"
            if region in partial:
                when = label(year, partial[region])
                skipped.append(f"地区 {region}：{year} 年只有部分期间的报送，生成{when}的期间报告（与上年同期比较）"
                               f"reports/notebooks/{region}/{year}-{partial[region]}/，不生成年度报告；有全年数据的年度：{shown}")
                continue
            skipped.append(f"地区 {region}：{year} 年没有全年报送数据（也没有部分期间的报送），本次不生成该地区 {year} 年的报告；"
                           f"有全年数据的年度：{shown}")
    if len(skipped) == len(regions) and not partial:
        raise ConfigError("params.yaml", "report.year", f"{year} 年没有任何地区的全年报送数据，无法生成该年度的报告；"
                          + "；".join(skipped))
    return skipped


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="执行县区和地区笔记本（papermill），写出报告和索引")
    parser.add_argument("--execute-all", action="store_true",
                        help="不复用上次的结果，全部重新执行（输入未变时结果逐字节相同）")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks instead of messages")
    args = parser.parse_args(argv)
    from pipeline.errors import run_stage

    try:
        run_stage("生成报告", lambda: run(args.execute_all), "上次的报告保持不变", debug=args.debug)
    except SystemExit as stopped:
        # the stage has said why and written nothing: leave without tearing the interpreter down, where Arrow's
        # parquet threads now and then abort the process (SIGABRT, "terminate called without an active
        # exception", apache/arrow#34314): one suite run under load saw a config error's exit status 1 become -6
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(stopped.code if isinstance(stopped.code, int) else 0 if stopped.code is None else 1)


def require_presentation(root: Path) -> None:
    """The reports lay out the presentation stage's tables: without them no kernel starts (a KeyError in a
    notebook cell would not say which stage to run)."""
    from pipeline import marts
    from pipeline.errors import ConfigError

    tables = marts.mart_path(root, marts.PRESENTATION)
    if marts.mart_path(root, marts.FINDINGS).is_file() and not tables.is_file():
        raise ConfigError(tables.relative_to(root).as_posix(), "（报告表格）",
                          "不存在：请先运行 python -m pipeline.stages.presentation（或用 dvc repro 运行整条流水线）")


def reuse_into(root: Path, jobs: list, keys: dict, execute_all: bool, scratch: Path) -> tuple[list, list]:
    """The jobs whose outputs are reused, copied into the scratch tree: those published from the same inputs,
    then those an earlier run made from them (a correction reverted, a setting set back: build/cache/
    notebooks); and the latter alone. --execute-all reuses none."""
    if execute_all:
        return [], []
    published = [j for j in jobs if reusable(root, j, keys[j])]
    from_cache = [j for j in jobs if j not in set(published) and cached(root, j, keys[j])]
    for job in published:
        copy_outputs(root, job, scratch)
    for job in from_cache:
        copy_cached(root, job, keys[job], scratch)
    return published + from_cache, from_cache


def run(execute_all: bool) -> None:
    _end_with_parent()
    root = project_root()
    params = load_params(root)
    from pipeline.catalog import load_catalog
    from pipeline.errors import ConfigError
    from pipeline.report.data import report_settings

    try:  # a section measure, a language, a report year the data cannot give or a format registered wrong
        # stops before any kernel starts
        from pipeline.report.formats import registry

        registry()
        report_settings(root, load_catalog(Paths(root).catalog))
        require_presentation(root)
        skipped = check_report_year(root, params)
        setting = executor_setting(params)
        cluster = check_cluster(setting, root) if setting.kind == "dask" else 0  # every worker sees the project
    except ConfigError as err:
        print(err, file=sys.stderr)
        sys.exit(1)
    for line in skipped:
        print(f"提示：{line}", flush=True)
    started = time.perf_counter()
    years = report_years(root, params)
    jobs = plan_jobs(root, params, years)
    keys = input_keys(root, params, jobs)
    target = root / OUTPUT_DIR
    scratch = root / "build" / f".{target.name}.partial"
    shutil.rmtree(scratch, ignore_errors=True)
    reused, from_cache = reuse_into(root, jobs, keys, execute_all, scratch)
    # a region's notebook takes two to three times a county's: started first, it does not end the run alone
    to_run = sorted((j for j in jobs if j not in set(reused)), key=lambda j: j.county is not None)
    workers = cluster or min(default_workers(params["report"].get("workers")), max(1, len(to_run)))
    for folder in stale_years(root, params):  # years the loaded data no longer cover: kept as they were
        shutil.copytree(folder, scratch / folder.relative_to(target))
    print(f"报告年度：{'、'.join(map(str, years))}（{params['report']['year']} 年为本次设定，其余为已发布的年度）；"
          f"{len(jobs)} 个笔记本：复用 {len(reused)} 个（输入未变），执行 {len(to_run)} 个"
          + (f"（{f'Dask 集群 {setting.address} 的' if cluster else ''}{workers} 个并行进程）" if to_run else "")
          + "……", flush=True)
    if from_cache:
        print(f"其中 {len(from_cache)} 个取自此前用相同输入生成的结果（build/cache/notebooks）", flush=True)
    outcomes = run_all(root, to_run, workers, scratch, keys, setting=setting)
    failures = [o for o in outcomes if o.error]
    if failures:
        shutil.rmtree(scratch, ignore_errors=True)
        print(f"笔记本执行失败：{len(failures)} 个，未发布任何报告，上次的报告保持不变。", file=sys.stderr)
        for o in sorted(failures, key=lambda o: o.job.label):
            where = f"；已保留执行结果 {o.failed_copy}" if o.failed_copy else ""
            again = "（在新内核中重试后仍失败）" if o.retried else ""
            print(f"  ✗ {o.job.label}：{o.error}{again}{where}", file=sys.stderr)
        sys.exit(1)
    retried = [o.job.label for o in outcomes if o.retried]
    if retried:
        print(f"在新内核中重试后成功：{'、'.join(sorted(retried))}", flush=True)
    from pipeline.report.data import load_report_data
    from pipeline.report.period_reports import period_plan, write_period_reports

    plan = period_plan(root, [safe_code(r) for r in params["ingest"]["regions"]], years)
    if plan:  # a year delivered only in part: its latest period's reports, beside the annual ones
        write_period_reports(load_report_data(root), plan, scratch)
    from pipeline.report.index_page import index_pages

    keep_outputs(root, {j: keys[j] for j in to_run}, scratch, len(jobs))  # for a later run with these inputs
    pages, main_page = index_pages(root, jobs, plan, keys)
    for name, text in pages.items():  # each year's index, inside the tree that is moved into place
        (scratch / name).write_text(text, encoding="utf-8")
    index = root / "reports" / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = index.with_name(f".{index.name}.{os.getpid()}.tmp")
    staged.write_text(main_page, encoding="utf-8")
    try:  # the reports and the index over them published together: two renames, nothing built in between
        replace_dir(scratch, target)
        os.replace(staged, index)
    finally:
        staged.unlink(missing_ok=True)
    print(f"完成：复用 {len(reused)} 个，执行 {len(to_run)} 个笔记本，用时 {time.perf_counter() - started:.1f} 秒 "
          f"-> {OUTPUT_DIR}/，索引 {index.relative_to(root)}")
