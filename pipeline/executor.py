"""Where a stage computes its regions: on this machine (local, the default) or as tasks on a Dask cluster.

Every region-year is independent, and the stages that run through the shared
per-region map (pipeline/stage_runner.py) compute the regions whose rows
changed in one loop. With `executor.kind: dask` that loop is handed to Dask
distributed, a well-kept engine of the PyData stack: each region is one task
carrying its own rows (so a worker needs the project's code and packages, not
the project's files), the scheduler places the tasks, re-runs a task whose
worker was lost and retries a task that failed (`executor.retries`), and the
stage gathers every result before it writes anything: the outputs stay the
last good ones until every region has succeeded, and the results are put
together in region order, so `local` and `dask` write the same bytes.

Locally, a stage with enough regions to compute spreads them over the
machine's cores (`executor.processes`, pipeline/local_pool.py): DVC runs
the stages one after another, so this is where a many-core machine counts.

Settings: params.yaml `executor` (kind, address, retries, processes), or the
environment, which wins: POLIECO_EXECUTOR=local|dask,
POLIECO_DASK_SCHEDULER=tcp://host:8786 and POLIECO_PROCESSES=auto|N. The executor is not a DVC param:
where a stage computes does not change what it writes. POLIECO_TASK_TIMES=<file>
appends each task's seconds and the process that ran it (the benchmark's
per-task times).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pipeline.errors import ConfigError
from pipeline.local_pool import pooled

T = TypeVar("T")
In = TypeVar("In")
KINDS = ("local", "dask")
# `processes: auto` uses every core only from this many parts on: below it a stage's few regions take about
# as long as starting the pool (about a second), so the demo's two regions stay in the stage's own process
AUTO_MIN_PARTS = 4
CONNECT_TIMEOUT_S = 10
# what gathering raises when the scheduler goes away mid-run: distributed cancels every future
# (FutureCancelledError, "scheduler-connection-lost", a concurrent.futures.CancelledError) or the comm fails
SCHEDULER_LOST = (CancelledError, OSError, TimeoutError)


@dataclass(frozen=True)
class ExecutorSetting:
    kind: str = "local"
    address: str = ""
    retries: int = 2
    processes: int = 0  # local: worker processes (0: auto, one per core from AUTO_MIN_PARTS parts; 1: none)


def executor_setting(params: dict) -> ExecutorSetting:
    """The executor params.yaml and the environment choose; a kind not known, a dask run without a scheduler
    address or a retry count that is not a whole number stops before the stage computes anything."""
    raw = params.get("executor") or {}
    source = "环境变量 POLIECO_EXECUTOR" if os.environ.get("POLIECO_EXECUTOR") else "params.yaml"
    kind = str(os.environ.get("POLIECO_EXECUTOR") or raw.get("kind") or "local").strip()
    if kind not in KINDS:
        raise ConfigError(source, "executor.kind", f"「{kind}」不是可用的执行方式（local：本机计算；dask：Dask 集群）",
                          list(KINDS))
    address = str(os.environ.get("POLIECO_DASK_SCHEDULER") or raw.get("address") or "").strip()
    if kind == "dask" and not address:
        raise ConfigError("params.yaml", "executor.address",
                          "执行方式为 dask 时须给出 Dask 调度器地址（如 tcp://10.0.0.5:8786），"
                          "或设环境变量 POLIECO_DASK_SCHEDULER")
    retries = raw.get("retries", 2)
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ConfigError("params.yaml", "executor.retries", f"「{retries}」应为 0 或正整数（一个地区的任务失败后重试的次数）")
    return ExecutorSetting(kind, address, retries, local_processes(raw))


def local_processes(raw: dict) -> int:
    """executor.processes (or POLIECO_PROCESSES, which wins): `auto` -> 0, else a whole number from 1."""
    env = os.environ.get("POLIECO_PROCESSES")
    value = env.strip() if env else raw.get("processes", "auto")
    if value == "auto":
        return 0
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError("环境变量 POLIECO_PROCESSES" if env else "params.yaml", "executor.processes",
                          f"「{value}」应为 auto（按本机核数）或正整数（本机同时计算的进程数，1 表示只用本进程）")
    return value


def pool_size(setting: ExecutorSetting, parts: int) -> int:
    """How many processes compute `parts` parts here: 1 (the stage's own) unless more pay."""
    if setting.processes == 0:
        return min(os.cpu_count() or 1, parts) if parts >= AUTO_MIN_PARTS else 1
    return min(setting.processes, parts)


def scheduler_unreachable(address: str, err: BaseException) -> ConfigError:
    return ConfigError("params.yaml 或环境变量 POLIECO_DASK_SCHEDULER", "executor.address",
                       f"无法连接 Dask 调度器 {address}（{type(err).__name__}: {err}）。请确认调度器已启动、地址和端口"
                       f"正确、本机能访问它；或把 executor.kind 改回 local 在本机计算")


class Timed:
    """A task that also says how long it ran where it ran (for benchmarks/executor_bench.py)."""

    def __init__(self, task: Callable) -> None:
        self.task = task

    def __call__(self, part: str, value: object) -> tuple[object, float, str]:
        import socket
        import time

        start = time.perf_counter()
        result = self.task(part, value)
        return result, time.perf_counter() - start, f"{socket.gethostname()}:{os.getpid()}"


def record_times(stage: str, timed: dict[str, tuple[object, float, str]]) -> dict[str, object]:
    """Strip the timings off the results, appending them to POLIECO_TASK_TIMES (JSON lines) when it is set."""
    log = os.environ.get("POLIECO_TASK_TIMES")
    if log:
        import json

        with open(log, "a", encoding="utf-8") as fh:
            for part, (_, seconds, where) in timed.items():
                fh.write(json.dumps({"stage": stage, "part": part, "seconds": round(seconds, 4), "where": where}) + "\n")
    return {part: result for part, (result, _, _) in timed.items()}


def compute_parts(setting: ExecutorSetting, stage: str, inputs: dict[str, In],
                  task: Callable[[str, In], T]) -> dict[str, T]:
    """part -> task(part, inputs[part]) for every part, here or on the cluster (each task carries only its own
    part's inputs); on the cluster all are gathered before returning: a part that still fails after its
    retries raises here, before the stage writes anything."""
    if os.environ.get("POLIECO_TASK_TIMES"):
        return record_times(stage, _compute(setting, stage, inputs, Timed(task)))  # type: ignore[return-value]
    return _compute(setting, stage, inputs, task)


def connect(setting: ExecutorSetting):  # noqa: ANN201 - distributed.Client, imported only for a dask run
    """A client of the setting's scheduler, or the message naming the setting when it cannot be reached."""
    from distributed import Client

    try:
        return Client(setting.address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError) as err:
        raise scheduler_unreachable(setting.address, err) from None


def lost_scheduler(setting: ExecutorSetting, err: BaseException) -> ConfigError:
    """The scheduler went away mid-run: said in Chinese, naming the setting (the stage has written nothing)."""
    return ConfigError("params.yaml 或环境变量 POLIECO_DASK_SCHEDULER", "executor.address",
                       f"计算途中与 Dask 调度器 {setting.address} 的连接中断（{err}）。请检查调度器后重新运行")


def sees_probe(path: str, token: str) -> bool:
    """Run on a worker: whether it reads the token the stage just wrote at `path`."""
    try:
        return Path(path).read_text(encoding="ascii") == token
    except OSError:
        return False


def require_shared_path(client, root: Path) -> None:  # noqa: ANN001 - a distributed.Client
    """Stop, naming the setting, unless every worker reads and writes the project folder at the path this
    machine does: the notebooks' reports are written by the workers into it (a shared file system). A probe
    file with a fresh token is written under build/ and read back on every worker, then removed."""
    token = uuid.uuid4().hex
    probe = root / "build" / f".shared-path-probe-{token}"  # hex: nothing the user typed becomes a path part
    probe.parent.mkdir(parents=True, exist_ok=True)
    probe.write_text(token, encoding="ascii")
    try:
        seen = client.run(sees_probe, str(probe), token)
    finally:
        probe.unlink(missing_ok=True)
    blind = sorted(worker for worker, ok in seen.items() if not ok)
    if blind:
        raise ConfigError("params.yaml 或环境变量 POLIECO_EXECUTOR", "executor.kind",
                          f"Dask 工作进程 {'、'.join(blind)}（共 {len(seen)} 个中的 {len(blind)} 个）在 {root} 看不到本项目的"
                          "文件夹。生成报告时各工作进程要在同一路径读写项目文件夹（数据集市和报告）：请把项目放在各机器都"
                          "挂载在同一路径的共享文件系统上（如 NFS），在该路径启动工作进程后重新运行；或把 executor.kind "
                          "改为 local 在本机生成")


def _compute(setting: ExecutorSetting, stage: str, inputs: dict[str, In], task: Callable[[str, In], T]) -> dict[str, T]:
    parts = list(inputs)
    if setting.kind == "local" or not parts:
        processes = pool_size(setting, len(parts))
        if processes > 1:
            print(f"  在本机 {processes} 个进程上计算 {len(parts)} 个地区", flush=True)
            return pooled(task, inputs, processes, task.task if isinstance(task, Timed) else task)
        return {part: task(part, inputs[part]) for part in parts}
    client = connect(setting)
    run = uuid.uuid4().hex[:8]  # a key the cluster has never held: a result of an earlier run is never taken
    with client:
        print(f"  在 Dask 集群（{setting.address}，{len(client.scheduler_info()['workers'])} 个工作进程）上计算 "
              f"{len(parts)} 个地区", flush=True)
        futures = client.map(task, parts, [inputs[p] for p in parts], key=[f"{stage}-{p}-{run}" for p in parts],
                             retries=setting.retries, pure=False)
        try:
            results = gathered(client, futures, dict(zip((f.key for f in futures), parts, strict=True)))
        except SCHEDULER_LOST as err:  # the scheduler went away mid-run: nothing was written
            raise lost_scheduler(setting, err) from None
    return {part: results[part] for part in parts}


def finished(client, futures: list) -> Iterator[tuple]:  # noqa: ANN001 - a distributed.Client
    """Each (future, result) as soon as its task is done, whichever that is, the future released at once: a
    worker holds only the results of its tasks in flight, not those finished while the stage waited on an
    earlier one (a national run gives a worker hundreds of regions). A task that failed after its retries
    raises here."""
    from distributed import as_completed

    for future in as_completed(futures, loop=client.loop):
        result = future.result()
        future.release()
        yield future, result


def gathered(client, futures: list, part_of: dict) -> dict:  # noqa: ANN001 - a distributed.Client
    """Every part's result, fetched as its task finishes; the caller puts them in part order."""
    return {part_of[future.key]: result for future, result in finished(client, futures)}
