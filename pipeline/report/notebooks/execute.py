"""Executing the notebooks: a process pool, one warm kernel per worker, deterministic outputs.

A notebook that fails in a warm kernel is retried once in a fresh one; a
kernel that dies is replaced. Executed notebooks are made deterministic (no
papermill metadata or timings, cell ids numbered); the kernel only
executes; the worker then calls every registered format on the executed
notebook (pipeline/report/formats: the page, the write-up, the notice, the
workbook).
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat

from pipeline.console import verbose
from pipeline.executor import ExecutorSetting
from pipeline.report.formats import produce_all
from pipeline.report.formats.job import JobOutput
from pipeline.report.notebooks.jobs import NOTEBOOKS_DIR, Job, output

PRINT_EVERY = 10.0  # seconds between two progress lines in a log

# what every notebook imports, paid once per worker kernel
WARM_UP = "import pandas, seaborn, matplotlib\nfrom pipeline.report import views\n"  # no duckdb: renderers read marts


@dataclass
class Outcome:
    job: Job
    seconds: float
    error: str | None = None
    failed_copy: str | None = None
    retried: bool = False


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip what changes from run to run: papermill metadata, timings, random cell ids."""
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    return nb


_WORKER: dict[str, object] = {}  # per worker process: its warm kernel


def _kernel(root: Path):
    """This worker's warm kernel, started on first use and shut down when the worker exits."""
    from multiprocessing.util import Finalize

    from pipeline.report.notebooks.kernels import WarmKernel

    kernel = _WORKER.get("kernel")
    if kernel is None:
        kernel = WarmKernel(root, WARM_UP)
        kernel.start()
        _WORKER["kernel"] = kernel
        Finalize(kernel, kernel.shutdown, exitpriority=10)
    return kernel


def _failure_message(exc: Exception) -> str:
    import papermill as pm

    if isinstance(exc, pm.PapermillExecutionError):
        return f"第 {exc.cell_index + 1} 个单元格（执行序号 {exc.exec_count}）出错：{exc.ename}: {exc.evalue}"
    from nbclient.exceptions import DeadKernelError

    if isinstance(exc, DeadKernelError):
        return f"内核意外退出（{exc}）"
    return f"{type(exc).__name__}: {exc}"


def run_job(job: Job, root: str, scratch: str, key: str, cold: bool = False) -> Outcome:
    """Execute one notebook into the scratch folder (runs in a worker process).

    A failure in the warm kernel is retried once in a fresh kernel (a namespace
    left dirty, a kernel that died); only a second failure is reported.
    """
    from pipeline.report.notebooks.kernels import execute_cold

    start = time.perf_counter()
    source = Path(root) / NOTEBOOKS_DIR / output(job.kind, "notebook")
    target_dir = Path(scratch) / job.relative_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    executed = target_dir / output(job.kind, "notebook")
    retried = False
    try:
        parameters = job.parameters
        if cold:
            execute_cold(source, executed, parameters, Path(root))
        else:
            kernel = _kernel(Path(root))
            try:
                kernel.execute(source, executed, parameters)
            except Exception:  # noqa: BLE001 - any failure: once more in a fresh kernel
                retried = True
                kernel.restart()
                kernel.execute(source, executed, parameters)
    except Exception as exc:  # noqa: BLE001 - reported with the county, never raised in the pool
        where = None
        if executed.is_file():
            failed = Path(root) / "build" / "failed_notebooks" / job.relative_dir()
            failed.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(executed, failed / output(job.kind, "notebook"))
            where = str((failed / output(job.kind, "notebook")).relative_to(root))
        return Outcome(job, time.perf_counter() - start, _failure_message(exc), where, retried)
    nb = normalise(nbformat.read(executed, as_version=4))
    nbformat.write(nb, executed)
    produce_all(JobOutput(job, Path(root), target_dir, nb))  # every other file of the job: one format each
    (target_dir / output(job.kind, "key")).write_text(key + "\n", encoding="ascii")
    return Outcome(job, time.perf_counter() - start, retried=retried)


def _on_parent_exit(action) -> None:
    """Call `action` (which must end the process) once this process's parent is gone, checked twice a second."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        action()

    if parent > 1:
        threading.Thread(target=watch, daemon=True, name="parent-watchdog").start()


def _init_worker(log: str) -> None:
    """Worker initializer: kernels inherit stderr (their start-up chatter goes to a log file);
    the worker, and with it its kernel, ends when the stage process is gone (kill -9)."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)

    def end() -> None:
        try:
            kernel = _WORKER.get("kernel")
            if kernel is not None:
                kernel.shutdown()
        finally:
            os._exit(1)

    _on_parent_exit(end)


def default_workers(setting: int | None) -> int:
    return int(setting) if setting else (os.cpu_count() or 1)


def run_all(root: Path, jobs: list[Job], workers: int, scratch: Path, keys: dict[Job, str] | None = None,
            cold: bool = False, setting: ExecutorSetting | None = None) -> list[Outcome]:
    """Run every job, printing progress as each finishes; never stops early on a failure. On a Dask cluster
    (`setting`) the jobs are its tasks (pipeline/report/notebooks/cluster.py), else this machine's pool's."""
    scratch.mkdir(parents=True, exist_ok=True)
    outcomes: list[Outcome] = []
    if not jobs:
        return outcomes
    keys = keys or {j: "" for j in jobs}
    if setting is not None and setting.kind == "dask":
        from pipeline.report.notebooks.cluster import run_on_cluster

        progress = Progress(len(jobs))
        outcomes = run_on_cluster(setting, root, jobs, scratch, keys, cold, run_job, progress.step)
        progress.close()
        return outcomes
    # kernels inherit the environment: they import the same `pipeline` as this process
    code_root = str(Path(__file__).resolve().parents[3])
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (code_root, os.environ.get("PYTHONPATH")) if p)
    log = root / "build" / "notebook_kernels.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    progress = Progress(len(jobs))
    with ProcessPoolExecutor(max_workers=max(1, min(workers, len(jobs))), initializer=_init_worker,
                             initargs=(str(log),)) as pool:
        futures = [pool.submit(run_job, job, str(root), str(scratch), keys[job], cold) for job in jobs]
        for future in as_completed(futures):
            outcome = future.result()
            outcomes.append(outcome)
            progress.step(outcome)
    progress.close()
    return outcomes


class Progress:
    """A tqdm bar on a terminal; in a log (CI, DVC's captured output) one plain line per notebook.

    Both say how many are done of how many, and the time left at the pace so far.
    """

    def __init__(self, total: int, stream=None):
        self.total, self.done, self.started = total, 0, time.perf_counter()
        self.printed_at = self.started  # the last progress line printed to a log
        self.stream = stream or sys.stdout
        self.bar = None
        if self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="个", desc="笔记本", file=self.stream, dynamic_ncols=True)

    def remaining(self) -> float:
        elapsed = time.perf_counter() - self.started
        return elapsed / self.done * (self.total - self.done) if self.done else float("nan")

    def step(self, outcome: Outcome) -> None:
        self.done += 1
        state = "完成" if outcome.error is None else "失败"
        if outcome.retried:
            state += "（新内核重试）"
        if self.bar is not None:
            self.bar.set_postfix_str(f"{outcome.job.label} {state}", refresh=False)
            self.bar.update(1)
            return
        # a log gets the first and the last notebook, each failure and a line every PRINT_EVERY seconds (every
        # notebook with V=1): a province's 300 notebooks print a few dozen lines with the time left, not 300
        now = time.perf_counter()
        if not (verbose() or self.done in (1, self.total) or outcome.error is not None
                or now - self.printed_at >= PRINT_EVERY):
            return
        self.printed_at = now
        print(f"[{self.done}/{self.total}] {outcome.job.label} {state}（{outcome.seconds:.1f} 秒；"
              f"预计还需 {self.remaining():.0f} 秒）", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
