"""The executor: a stage's regions on this machine or as tasks on a Dask cluster, with the same bytes either way.

The settings are checked on their own (fast); the cluster tests start a real
LocalCluster of two worker processes (no mock of Dask): the demo's per-region
stages on it write the marts a local run writes, byte for byte; a worker
killed in the middle of a task is replaced and the task run again; an
unreachable scheduler stops with a message in Chinese naming the setting.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, run_cmd

from pipeline.errors import ConfigError
from pipeline.executor import ExecutorSetting, compute_parts, executor_setting


def test_local_is_the_default_and_the_environment_overrides_params(monkeypatch):
    monkeypatch.delenv("POLIECO_EXECUTOR", raising=False)
    monkeypatch.delenv("POLIECO_DASK_SCHEDULER", raising=False)
    assert executor_setting({}) == ExecutorSetting("local", "", 2)
    assert executor_setting({"executor": {"kind": "dask", "address": "tcp://a:8786", "retries": 0}}) == \
        ExecutorSetting("dask", "tcp://a:8786", 0)
    monkeypatch.setenv("POLIECO_EXECUTOR", "dask")
    monkeypatch.setenv("POLIECO_DASK_SCHEDULER", "tcp://b:8786")
    assert executor_setting({"executor": {"kind": "local"}}) == ExecutorSetting("dask", "tcp://b:8786", 2)


@pytest.mark.parametrize(("executor", "key", "says"), [
    ({"kind": "ray"}, "executor.kind", "「ray」不是可用的执行方式"),
    ({"kind": "dask"}, "executor.address", "须给出 Dask 调度器地址"),
    ({"kind": "local", "retries": -1}, "executor.retries", "应为 0 或正整数"),
])
def test_a_bad_executor_setting_is_refused_naming_it(monkeypatch, executor, key, says):
    monkeypatch.delenv("POLIECO_EXECUTOR", raising=False)
    monkeypatch.delenv("POLIECO_DASK_SCHEDULER", raising=False)
    with pytest.raises(ConfigError) as err:
        executor_setting({"executor": executor})
    assert err.value.key == key and says in str(err.value) and "本阶段未写入任何结果" in str(err.value)


def test_local_computes_every_part_in_order():
    assert compute_parts(ExecutorSetting(), "测试", {"b": 2, "a": 1}, lambda part, x: f"{part}{x * 10}") == \
        {"b": "b20", "a": "a10"}


def die_once(part: str, marker: str) -> str:
    """Kill this worker process the first time any worker runs the part; the second run returns."""
    flag = Path(marker)
    if not flag.exists():
        flag.write_text(str(os.getpid()), encoding="ascii")
        os._exit(1)
    return f"{part}:done"


@pytest.mark.slow
def test_a_worker_killed_mid_task_is_replaced_and_the_task_run_again(cluster, tmp_path):
    setting = ExecutorSetting("dask", cluster.scheduler_address, 0)  # no retry for failures: a lost worker's are
    got = compute_parts(setting, "测试", {"990100": str(tmp_path / "killed"), "990200": str(tmp_path / "k2")},
                        die_once)
    assert got == {"990100": "990100:done", "990200": "990200:done"}
    assert (tmp_path / "killed").is_file() and (tmp_path / "k2").is_file()  # each worker that ran first died


@pytest.mark.slow
def test_an_unreachable_scheduler_stops_in_chinese_naming_the_setting(monkeypatch):
    import socket

    import pipeline.executor as executor

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(executor, "CONNECT_TIMEOUT_S", 2)
    with pytest.raises(ConfigError) as err:
        compute_parts(ExecutorSetting("dask", f"tcp://127.0.0.1:{port}", 2), "测试", {"990100": 1}, lambda p, x: x)
    assert err.value.key == "executor.address" and "无法连接 Dask 调度器" in str(err.value)


def slow_task(part: str, seconds: float) -> str:
    import time

    time.sleep(seconds)
    return part


@pytest.mark.slow
def test_a_scheduler_lost_mid_run_stops_in_chinese_naming_the_setting():
    """The cluster is shut down two seconds into a five-second task: the stage gets the message (and so
    writes nothing: every stage gathers all its results before it writes), not Dask's CancelledError."""
    import threading

    distributed = pytest.importorskip("distributed")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
    local = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                     dashboard_address=None)
    threading.Timer(2.0, local.close).start()
    with pytest.raises(ConfigError) as err:
        compute_parts(ExecutorSetting("dask", local.scheduler_address, 0), "测试", {"990100": 5.0, "990200": 5.0},
                      slow_task)
    assert err.value.key == "executor.address" and "计算途中与 Dask 调度器" in str(err.value)
    assert "连接中断" in str(err.value) and "本阶段未写入任何结果" in str(err.value)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """The demo's data stages up to the presentation, run locally once, in this process (the stages' own
    entry points, as build_marts runs them; validation's promotion without the Great Expectations run, which
    tests/test_validate.py covers)."""
    from pipeline.config import Paths
    from pipeline.stages import early_warning, evaluate, findings, ingest, measures, presentation
    from pipeline.stages.validate import promote

    root = tmp_path_factory.mktemp("executor") / "proj"
    shutil.copytree(REPO / "data" / "reference", root / "data" / "reference")
    shutil.copytree(REPO / "data" / "raw", root / "data" / "raw")
    shutil.copytree(REPO / "expectations", root / "expectations")
    shutil.copy(REPO / "params.yaml", root / "params.yaml")
    saved = os.environ.get("POLIECO_ROOT")
    os.environ["POLIECO_ROOT"] = str(root)
    try:
        ingest.ingest(root)
        paths = Paths(root)
        promote(paths.staging_warehouse, paths.warehouse)
        for stage in (measures, evaluate, early_warning, findings, presentation):
            stage.main()
    finally:
        os.environ.pop("POLIECO_ROOT") if saved is None else os.environ.update(POLIECO_ROOT=saved)
    return root


REGIONAL_STAGES = {"measures": "pipeline.stages.measures", "evaluate": "pipeline.stages.evaluate", "early_warning": "pipeline.stages.early_warning",
                   "findings": "pipeline.stages.findings", "presentation": "pipeline.stages.presentation"}


def marts_digest(root: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((root / "data/marts").glob("*.parquet"))}


@pytest.mark.slow
def test_the_demos_regional_stages_on_two_dask_workers_write_the_local_bytes(cluster, demo):
    local = marts_digest(demo)
    for name, module in REGIONAL_STAGES.items():
        proc = run_cmd([sys.executable, "-m", module], demo, POLIECO_EXECUTOR="dask",
                       POLIECO_DASK_SCHEDULER=cluster.scheduler_address, POLIECO_STAGE_CACHE="off",
                       PYTHONPATH=str(REPO))
        assert "在 Dask 集群" in proc.stdout and "2 个地区" in proc.stdout, (name, proc.stdout)
    assert marts_digest(demo) == local


def warehouse_tables(db: Path) -> dict[str, pd.DataFrame]:
    import duckdb

    # in key order: the wide view is a pivot, whose row order DuckDB does not fix (the stages order it themselves)
    keys = {"facts": "region_code, year, period, county_code, indicator",
            "county_year_wide": "region_code, county_code, year, period"}
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.sql(f"SELECT * FROM {t} ORDER BY {order}").df()  # noqa: S608 - fixed names
                for t, order in keys.items()}


@pytest.mark.slow
def test_ingest_and_validate_on_two_dask_workers_give_the_local_warehouse_and_report(cluster, demo):
    """Each region's files parsed on a worker from the bytes its task carries, each region's series checks a
    task: the same warehouse rows, and the same validation page and summary, as a local run."""
    dask = {"POLIECO_EXECUTOR": "dask", "POLIECO_DASK_SCHEDULER": cluster.scheduler_address,
            "POLIECO_STAGE_CACHE": "off", "PYTHONPATH": str(REPO)}
    staging = demo / "data" / "staging" / "warehouse.duckdb"
    local_rows = warehouse_tables(staging)
    reports = demo / "reports" / "validation"
    run_cmd([sys.executable, "-m", "pipeline.stages.validate"], demo, POLIECO_STAGE_CACHE="off",
            PYTHONPATH=str(REPO))
    local_report = {p.name: p.read_bytes() for p in sorted(reports.iterdir())}
    proc = run_cmd([sys.executable, "-m", "pipeline.stages.ingest"], demo, **dask)
    assert "在 Dask 集群" in proc.stdout and "2 个地区" in proc.stdout, proc.stdout
    on_cluster = warehouse_tables(staging)
    for table, rows in local_rows.items():
        pd.testing.assert_frame_equal(on_cluster[table], rows, obj=table)
    proc = run_cmd([sys.executable, "-m", "pipeline.stages.validate"], demo, **dask)
    assert "在 Dask 集群" in proc.stdout and "2 个地区" in proc.stdout, proc.stdout
    assert {p.name: p.read_bytes() for p in sorted(reports.iterdir())} == local_report


@pytest.mark.slow
def test_a_sweeps_scenarios_on_the_cluster_give_the_local_table(cluster, demo, monkeypatch):
    from pipeline.sweep import parse_settings, run_scenarios

    monkeypatch.setenv("POLIECO_ROOT", str(demo))
    scenarios = parse_settings(["evaluation.weighting=equal,entropy"])
    monkeypatch.setenv("POLIECO_EXECUTOR", "local")
    local = run_scenarios(demo, scenarios, [2024])
    monkeypatch.setenv("POLIECO_EXECUTOR", "dask")
    monkeypatch.setenv("POLIECO_DASK_SCHEDULER", cluster.scheduler_address)
    on_cluster = run_scenarios(demo, scenarios, [2024])
    assert len(local) == 3 * 18  # params.yaml's own, equal and entropy: the demo's 18 counties each
    pd.testing.assert_frame_equal(on_cluster, local)
