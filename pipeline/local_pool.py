"""A stage's parts on this machine's cores: one process per core, each part a task, results in part order.

DVC runs the data stages one after another, one process each, so without
this a stage computed its regions in a loop on one core however many the
machine has. The pool is the standard library's ProcessPoolExecutor on the
`forkserver` start method: a stage process has usually started DuckDB's and
Arrow's thread pools before it computes, and `fork()` of a process with
threads can hand the child a lock another thread held; the fork server is a
clean process started for the pool that imports the task's module once
(pandas, the stage's code), so each worker it forks starts warm (where there
is no fork server, on Windows, the workers are spawned).

The task (often a closure over the stage's settings) is pickled once with
cloudpickle, as Dask does, and installed in each worker; each part carries only
its own inputs, submitted largest first so the last part to finish is a small
one. Results come back by part, so the stage writes the same bytes as the
serial loop (tests/test_executor.py). A part that raises raises here, with
its own exception (DataError and ConfigError cross processes whole).
"""

from __future__ import annotations

import multiprocessing
import pickle
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from pipeline.errors import ConfigError

T = TypeVar("T")
In = TypeVar("In")
_TASK: Callable | None = None


def _install(payload: bytes) -> None:
    global _TASK  # noqa: PLW0603 - one task per worker process, set once by the pool's initializer
    _TASK = pickle.loads(payload)  # noqa: S301 - bytes this process's parent pickled a moment ago


def _run(part: str, value: object) -> object:
    assert _TASK is not None
    return _TASK(part, value)


def rough_size(value: object) -> int:
    """A part's size for ordering the parts, largest first: a frame's bytes, a dict's or list's parts summed,
    bytes their length (without pickling: a copy of every part at once would raise the stage's peak)."""
    if hasattr(value, "memory_usage"):  # a pandas DataFrame
        return int(value.memory_usage(index=False).sum())
    if isinstance(value, dict):
        return sum(rough_size(v) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(rough_size(v) for v in value)
    return len(value) if isinstance(value, bytes | str) else 0


def task_module(task: Callable) -> str:
    """The importable module the task's code lives in (a stage run with `python -m` is `__main__` by its
    module name), for the fork server to import before it forks the workers."""
    name = getattr(task, "__module__", None) or type(task).__module__
    if name == "__main__":
        spec = getattr(sys.modules["__main__"], "__spec__", None)
        name = spec.name if spec is not None else ""
    return name


def pooled(task: Callable[[str, In], T], inputs: dict[str, In], processes: int, code: Callable | None = None
           ) -> dict[str, T]:
    """part -> task(part, inputs[part]) on `processes` worker processes, in the order of `inputs`; `code`: the
    stage's own task where `task` wraps it (its module is imported before the workers start)."""
    import cloudpickle

    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        module = task_module(code or task)
        context.set_forkserver_preload([module] if module else [])
    else:  # Windows: each worker a fresh interpreter that imports what the task needs
        context = multiprocessing.get_context("spawn")
    largest_first = sorted(inputs, key=lambda part: -rough_size(inputs[part]))  # stable: ties keep their order
    try:
        with ProcessPoolExecutor(max_workers=processes, mp_context=context, initializer=_install,
                                 initargs=(cloudpickle.dumps(task),)) as pool:
            futures = {part: pool.submit(_run, part, inputs[part]) for part in largest_first}
            try:
                results = {part: futures[part].result() for part in largest_first}
            except BaseException:  # a part failed (or Ctrl-C): the parts not started are not started
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    except BrokenProcessPool:
        raise ConfigError("params.yaml", "executor.processes",
                          f"本机的 {processes} 个计算进程中有进程意外退出（常见原因是内存不足）。可把 executor.processes "
                          "设为 1（只用本进程计算）后重新运行") from None
    return {part: results[part] for part in inputs}
