"""Notebooks stage: execute the county and region notebooks with papermill.

For the report year, every county of the configured regions gets
reports/notebooks/<region>/<year>/<county>/county.{ipynb,html} and every
region reports/notebooks/<region>/<year>/region.{ipynb,html}; then
reports/index.html lists them all for reviewers. Paths use division codes only.

Reuse: each notebook's inputs (its region's rows of every mart, the national
benchmark, the notebook, the project's code, the reference files, the report
params and the package lock) are hashed into a key written beside its
outputs (`inputs.sha256`). A notebook whose key is unchanged is copied from the
last good reports instead of executed, so a corrected figure in one county
re-executes only its region; the log says "复用 N 个，执行 M 个".

Execution: a process pool (`report.workers` in params.yaml; 0 means one per
core); each worker keeps one warm kernel (pipeline/report/kernels.py) and one
HTML exporter for all its notebooks. A notebook that fails in a warm kernel is
retried once in a fresh one; a kernel that dies is replaced. Executed
notebooks are made deterministic: no papermill metadata or timings, cell ids
numbered. Outputs are built in a scratch folder and moved into place only when
every notebook succeeded; a failed notebook is kept under
build/failed_notebooks/ and the stage fails after the others finish, naming
the county, the cell and the error, with the last good reports left in place.
A worker whose stage process dies (kill -9) shuts its kernel down and exits.

Run: python -m pipeline.report.notebooks [--execute-all]
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat

from pipeline.config import Paths, load_params, project_root, replace_dir, safe_code
from pipeline.divisions import read_divisions, units_of

SCRIPT_TAG = re.compile(r"<script\b[^>]*>.*?</script>\s*", re.S | re.I)
NOTEBOOKS_DIR = "notebooks"
OUTPUT_DIR = Path("reports") / "notebooks"
KEY_FILE = "inputs.sha256"
# what every notebook imports, paid once per worker kernel
WARM_UP = "import pandas, duckdb, seaborn, matplotlib\nfrom pipeline.report import views\n"
# report params that change how a notebook is run, not what it shows
RUN_ONLY_PARAMS = ("workers",)


@dataclass(frozen=True)
class Job:
    kind: str  # county or region
    region: str
    county: str | None
    year: int
    first_year: int
    language: str

    @property
    def label(self) -> str:
        return f"{self.region}/{self.county}" if self.county else f"{self.region}（地区）"

    def relative_dir(self) -> Path:
        base = Path(safe_code(self.region)) / str(int(self.year))
        return base / safe_code(self.county) if self.county else base

    @property
    def parameters(self) -> dict[str, object]:
        params: dict[str, object] = {"region": self.region, "report_year": self.year,
                                     "first_year": self.first_year, "language": self.language}
        if self.county:
            params["county"] = self.county
        return params


@dataclass
class Outcome:
    job: Job
    seconds: float
    error: str | None = None
    failed_copy: str | None = None
    retried: bool = False


def plan_jobs(root: Path, params: dict) -> list[Job]:
    """One job per county of each configured region, and one per region."""
    report = params["report"]
    year, first, lang = int(report["year"]), int(report["first_year"]), str(report.get("language", "zh"))
    div = read_divisions(Paths(root).divisions)
    jobs: list[Job] = []
    for region in (safe_code(r) for r in params["ingest"]["regions"]):
        counties = units_of(div, region)["code"]
        jobs += [Job("county", region, c, year, first, lang) for c in counties]
        jobs.append(Job("region", region, None, year, first, lang))
    return jobs


# ---------------------------------------------------------------- what a notebook reads: its key


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


def _frame_digest(frame) -> str:
    """Content of a frame (columns, dtypes, values in row order); equal frames, equal digests."""
    import pandas as pd

    head = json.dumps([[str(c), str(t)] for c, t in frame.dtypes.items()]).encode()
    try:
        values = pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()
    except TypeError:  # a column holding unhashable objects
        values = frame.to_csv(index=False).encode("utf-8")
    return _digest(head, values)


def code_digest(root: Path, kind: str) -> str:
    """The notebook, every module of the project, the reference files and the package lock."""
    package = Path(__file__).resolve().parents[1]
    files = sorted(package.rglob("*.py")) + sorted(package.rglob("*.sql"))
    parts = [f.relative_to(package).as_posix().encode() + b"\0" + f.read_bytes() for f in files]
    paths = Paths(root)
    for extra in (root / NOTEBOOKS_DIR / f"{kind}.ipynb", paths.catalog, paths.divisions,
                  root / "data" / "reference" / "phrases.yaml", root / "uv.lock"):
        parts.append(extra.name.encode() + b"\0" + (extra.read_bytes() if extra.is_file() else b""))
    parts.append(sys.version.encode())
    return _digest(*parts)


def input_keys(root: Path, params: dict, jobs: list[Job]) -> dict[Job, str]:
    """Each job's key: the code and settings it runs with and its region's rows of every mart.

    Notebooks of a region read that region's rows only (every renderer selects
    by region or county code) and the national benchmark, which has no region.
    """
    from pipeline import marts

    report = {k: v for k, v in params["report"].items() if k not in RUN_ONLY_PARAMS}
    settings = json.dumps(report, sort_keys=True, ensure_ascii=False).encode()
    tables = {name: marts.read_mart(root, name) for name in marts.ALL if marts.mart_path(root, name).is_file()}
    shared, by_region = [], {}
    for name, frame in sorted(tables.items()):
        if "region_code" not in frame.columns:
            shared.append(f"{name}:{_frame_digest(frame)}".encode())
    for region in dict.fromkeys(j.region for j in jobs):
        slices = [f"{name}:{_frame_digest(frame[frame['region_code'] == region])}".encode()
                  for name, frame in sorted(tables.items()) if "region_code" in frame.columns]
        by_region[region] = _digest(*slices, *shared)
    code = {kind: code_digest(root, kind) for kind in {j.kind for j in jobs}}
    return {j: _digest(code[j.kind].encode(), settings, by_region[j.region].encode(),
                       json.dumps(j.parameters, sort_keys=True).encode()) for j in jobs}


def reusable(root: Path, job: Job, key: str) -> bool:
    """The last good outputs of `job` were made from the same inputs."""
    folder = root / OUTPUT_DIR / job.relative_dir()
    stamp = folder / KEY_FILE
    return stamp.is_file() and stamp.read_text(encoding="ascii").strip() == key \
        and (folder / f"{job.kind}.ipynb").is_file() and (folder / f"{job.kind}.html").is_file()


def copy_outputs(root: Path, job: Job, scratch: Path) -> None:
    """A reused job's files (not the county folders under a region's) into the scratch tree."""
    source = root / OUTPUT_DIR / job.relative_dir()
    target = scratch / job.relative_dir()
    target.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        if item.is_file():
            shutil.copy2(item, target / item.name)


# ---------------------------------------------------------------- executing


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip what changes from run to run: papermill metadata, timings, random cell ids, and the folder the
    kernel wrote the write-up to (a scratch folder of this run, not something the reader needs)."""
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("output_dir ="))
    return nb


_WORKER: dict[str, object] = {}  # per worker process: its warm kernel and its HTML exporter


def _exporter():
    exporter = _WORKER.get("exporter")
    if exporter is None:
        from nbconvert import HTMLExporter

        exporter = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                                exclude_output_prompt=True)
        _WORKER["exporter"] = exporter
    return exporter


def to_html(nb: nbformat.NotebookNode) -> str:
    """Reviewer copy: outputs only, no code, no prompts."""
    body, _ = _exporter().from_notebook_node(nb)
    # outputs are images, Markdown and tables: the template's scripts only fetch
    # MathJax, require.js and mermaid from a CDN, which offline readers lack
    return SCRIPT_TAG.sub("", body)


def _kernel(root: Path):
    """This worker's warm kernel, started on first use and shut down when the worker exits."""
    from multiprocessing.util import Finalize

    from pipeline.report.kernels import WarmKernel

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
    from pipeline.report.kernels import execute_cold

    start = time.perf_counter()
    source = Path(root) / NOTEBOOKS_DIR / f"{job.kind}.ipynb"
    target_dir = Path(scratch) / job.relative_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    executed = target_dir / f"{job.kind}.ipynb"
    retried = False
    try:
        # the notebook writes its write-up (built once, in the kernel) beside itself
        parameters = {**job.parameters, "output_dir": Path(os.path.relpath(target_dir, root)).as_posix()}
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
            shutil.copyfile(executed, failed / f"{job.kind}.ipynb")
            where = str((failed / f"{job.kind}.ipynb").relative_to(root))
        return Outcome(job, time.perf_counter() - start, _failure_message(exc), where, retried)
    nb = normalise(nbformat.read(executed, as_version=4))
    nbformat.write(nb, executed)
    (target_dir / f"{job.kind}.html").write_text(to_html(nb), encoding="utf-8")
    write_workbook_of(job, Path(root), target_dir)
    (target_dir / KEY_FILE).write_text(key + "\n", encoding="ascii")
    return Outcome(job, time.perf_counter() - start, retried=retried)


def write_workbook_of(job: Job, root: Path, target_dir: Path) -> None:
    """A region's Excel workbook beside its notebook (the write-ups are written by the notebooks themselves)."""
    if job.county:
        return
    from pipeline.report.data import load_report_data
    from pipeline.report.workbook import write_workbook

    data = load_report_data(root, job.language)
    write_workbook(data, job.region, job.year, job.first_year, target_dir / "workbook.xlsx")


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
            cold: bool = False) -> list[Outcome]:
    """Run every job, printing progress as each finishes; never stops early on a failure."""
    scratch.mkdir(parents=True, exist_ok=True)
    outcomes: list[Outcome] = []
    if not jobs:
        return outcomes
    keys = keys or {j: "" for j in jobs}
    # kernels inherit the environment: they import the same `pipeline` as this process
    code_root = str(Path(__file__).resolve().parents[2])
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
        print(f"[{self.done}/{self.total}] {outcome.job.label} {state}（{outcome.seconds:.1f} 秒；"
              f"预计还需 {self.remaining():.0f} 秒）", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _end_with_parent() -> None:
    """Stop at once, leaving the last good reports, when told to (SIGTERM) or when whoever started the stage
    (dvc) is gone: `kill` of dvc does not reach its stage. The workers notice and shut their kernels down."""
    import signal

    signal.signal(signal.SIGTERM, lambda *_: os._exit(143))
    _on_parent_exit(lambda: os._exit(143))


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="执行县区和地区笔记本（papermill），写出报告和索引")
    parser.add_argument("--execute-all", action="store_true",
                        help="不复用上次的结果，全部重新执行（输入未变时结果逐字节相同）")
    args = parser.parse_args(argv)
    _end_with_parent()
    root = project_root()
    params = load_params(root)
    from pipeline.catalog import load_catalog
    from pipeline.errors import ConfigError
    from pipeline.report.data import report_settings

    try:  # a section measure or a language the project does not define stops here, before any kernel starts
        report_settings(root, load_catalog(Paths(root).catalog))
    except ConfigError as err:
        print(err, file=sys.stderr)
        sys.exit(1)
    started = time.perf_counter()
    jobs = plan_jobs(root, params)
    keys = input_keys(root, params, jobs)
    reused = [] if args.execute_all else [j for j in jobs if reusable(root, j, keys[j])]
    to_run = [j for j in jobs if j not in set(reused)]
    workers = min(default_workers(params["report"].get("workers")), max(1, len(to_run)))
    target = root / OUTPUT_DIR
    scratch = root / "build" / f".{target.name}.partial"
    shutil.rmtree(scratch, ignore_errors=True)
    for job in reused:
        copy_outputs(root, job, scratch)
    print(f"{len(jobs)} 个笔记本：复用 {len(reused)} 个（输入未变），执行 {len(to_run)} 个"
          + (f"（{workers} 个并行进程）" if to_run else "") + "……", flush=True)
    outcomes = run_all(root, to_run, workers, scratch, keys)
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
    target.parent.mkdir(parents=True, exist_ok=True)
    replace_dir(scratch, target)
    from pipeline.report.index_page import write_index

    index = write_index(root, params, jobs)
    print(f"完成：复用 {len(reused)} 个，执行 {len(to_run)} 个笔记本，用时 {time.perf_counter() - started:.1f} 秒 "
          f"-> {OUTPUT_DIR}/，索引 {index.relative_to(root)}")


if __name__ == "__main__":
    main()
