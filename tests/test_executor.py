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
from conftest import LOOPBACK_HTTP, REPO, run_cmd

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


def tenfold_where(part: str, x: int) -> tuple[str, int, int]:
    return part, x * 10, os.getpid()


def test_processes_setting_auto_or_a_whole_number_the_environment_winning(monkeypatch):
    monkeypatch.delenv("POLIECO_EXECUTOR", raising=False)
    monkeypatch.delenv("POLIECO_PROCESSES", raising=False)
    assert executor_setting({}).processes == 0  # auto
    assert executor_setting({"executor": {"processes": 3}}).processes == 3
    monkeypatch.setenv("POLIECO_PROCESSES", "1")
    assert executor_setting({"executor": {"processes": 3}}).processes == 1
    for bad, source in (("0", "环境变量 POLIECO_PROCESSES"), ("two", "环境变量 POLIECO_PROCESSES")):
        monkeypatch.setenv("POLIECO_PROCESSES", bad)
        with pytest.raises(ConfigError) as err:
            executor_setting({})
        assert err.value.key == "executor.processes" and err.value.source == source and f"「{bad}」" in str(err.value)
    monkeypatch.delenv("POLIECO_PROCESSES")
    with pytest.raises(ConfigError) as err:
        executor_setting({"executor": {"processes": 2.5}})
    assert err.value.source == "params.yaml" and "应为 auto" in str(err.value)


def test_auto_uses_every_core_only_from_four_parts(monkeypatch):
    from pipeline.executor import pool_size

    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    auto = ExecutorSetting()
    assert [pool_size(auto, n) for n in (1, 2, 3, 4, 5, 16)] == [1, 1, 1, 4, 5, 8]
    assert [pool_size(ExecutorSetting(processes=3), n) for n in (1, 2, 16)] == [1, 2, 3]
    assert pool_size(ExecutorSetting(processes=1), 16) == 1


def test_local_processes_compute_every_part_elsewhere_and_return_them_in_order(monkeypatch, tmp_path):
    import json

    monkeypatch.setenv("POLIECO_TASK_TIMES", str(tmp_path / "times.jsonl"))  # the benchmarks' per-task log
    inputs = {"b": 2, "a": 1, "d": 40, "c": 3}
    got = compute_parts(ExecutorSetting(processes=2), "测试", inputs, tenfold_where)
    assert list(got) == ["b", "a", "d", "c"]
    assert {part: value for part, (_, value, _) in got.items()} == {"b": 20, "a": 10, "d": 400, "c": 30}
    assert os.getpid() not in {pid for _, _, pid in got.values()}  # computed in worker processes
    logged = [json.loads(line) for line in (tmp_path / "times.jsonl").read_text().splitlines()]
    assert sorted(r["part"] for r in logged) == ["a", "b", "c", "d"]
    assert {int(r["where"].rsplit(":", 1)[1]) for r in logged} == {pid for _, _, pid in got.values()}


def test_parts_are_sized_without_pickling_for_the_largest_first_order():
    from pipeline.local_pool import rough_size

    frame = pd.DataFrame({"value": [0.5] * 1000, "year": pd.Series([2024] * 1000, dtype="int32")})  # 8 + 4 bytes a row
    assert rough_size(frame) == 12_000
    assert rough_size({"facts": frame, "national": frame.iloc[:10]}) == 12_120
    assert rough_size([b"abc", ("de", frame.iloc[:1])]) == 3 + 2 + 12
    assert rough_size(7) == 0  # anything else: no size, its place in the order kept


def test_a_closure_over_the_stages_settings_runs_in_the_workers():
    factor = 7  # a task closing over a local, as the stages' tasks do: pickled by value (cloudpickle)
    got = compute_parts(ExecutorSetting(processes=2), "测试", {"x": 1, "y": 2}, lambda part, v: f"{part}{v * factor}")
    assert got == {"x": "x7", "y": "y14"}


def refuse(part: str, kind: str) -> str:
    from pipeline.errors import DataError, Problem

    if kind == "config":
        raise ConfigError("params.yaml", "findings.rules", f"地区 {part} 的规则不可用", ["a", "b"])
    if kind == "data":
        raise DataError("导入", [Problem("raw/990100.csv", "立案数不是数字", row=7, column=4, header="立案数")])
    return part


@pytest.mark.parametrize("kind", ["config", "data"])
def test_a_parts_own_error_reaches_the_stage_whole_from_a_worker(kind):
    from pipeline.errors import DataError

    with pytest.raises((ConfigError, DataError)) as err:
        compute_parts(ExecutorSetting(processes=2), "测试", {"990100": kind, "990200": "fine"}, refuse)
    if kind == "config":
        assert err.value.key == "findings.rules" and err.value.accepted == ["a", "b"]
        assert str(err.value) == ("配置错误：params.yaml 中的 findings.rules：地区 990100 的规则不可用。可用的代码：a、b。"
                                  "请修改后重新运行；本阶段未写入任何结果。")
    else:
        assert err.value.stage_zh == "导入" and "第 7 行" in err.value.report() and "立案数不是数字" in str(err.value)


def exit_at(part: str, fatal: str) -> str:
    if part == fatal:
        os._exit(9)
    return part


def test_a_worker_that_dies_stops_the_stage_naming_the_setting():
    with pytest.raises(ConfigError) as err:
        compute_parts(ExecutorSetting(processes=2), "测试", {"a": "b", "b": "b"}, exit_at)
    assert err.value.key == "executor.processes" and "设为 1" in str(err.value)


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
                                     dashboard_address=None, scheduler_kwargs=LOOPBACK_HTTP)
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
def test_the_demos_regional_stages_on_local_processes_write_the_serial_bytes(demo):
    local = marts_digest(demo)
    for name, module in REGIONAL_STAGES.items():
        proc = run_cmd([sys.executable, "-m", module], demo, POLIECO_PROCESSES="2", POLIECO_STAGE_CACHE="off",
                       PYTHONPATH=str(REPO))
        if name != "measures":  # measures computes in the stage's process, in one pass over the warehouse
            assert "在本机 2 个进程上计算 2 个地区" in proc.stdout, (name, proc.stdout)
    assert marts_digest(demo) == local


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
