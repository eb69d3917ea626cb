"""Notebooks stage: execute the county and region notebooks with papermill.

For the report year, every county of the configured regions gets
reports/notebooks/<region>/<year>/<county>/county.{ipynb,html} and every
region reports/notebooks/<region>/<year>/region.{ipynb,html}; then
reports/index.html lists them all for reviewers. Paths use division codes only.

Counties run in parallel (a process pool, `report.workers` in params.yaml; 0
means one per core), each on a real kernel. Executed notebooks are made
deterministic: no papermill metadata or timings, cell ids numbered. Outputs
are built in a scratch folder and moved into place only when every notebook
succeeded; a failed notebook is kept under build/failed_notebooks/ and the
stage fails after the others finish, naming the county, the cell and the error.

Run: python -m pipeline.report.notebooks
"""

from __future__ import annotations

import os
import re
import shutil
import sys
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
KERNEL_START_TIMEOUT = 300  # seconds


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


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip what changes from run to run: papermill metadata, timings, random cell ids."""
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    return nb


def to_html(nb: nbformat.NotebookNode) -> str:
    """Reviewer copy: outputs only, no code, no prompts."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    # outputs are images, Markdown and tables: the template's scripts only fetch
    # MathJax, require.js and mermaid from a CDN, which offline readers lack
    return SCRIPT_TAG.sub("", body)


def run_job(job: Job, root: str, scratch: str) -> Outcome:
    """Execute one notebook into the scratch folder (runs in a worker process)."""
    import papermill as pm

    start = time.perf_counter()
    source = Path(root) / NOTEBOOKS_DIR / f"{job.kind}.ipynb"
    target_dir = Path(scratch) / job.relative_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    executed = target_dir / f"{job.kind}.ipynb"
    try:
        # a loaded two-core machine can take over a minute to start a kernel (papermill waits 60 s by default)
        pm.execute_notebook(str(source), str(executed), parameters=job.parameters, kernel_name="python3",
                            progress_bar=False, cwd=root, record_timing=False, log_output=False,
                            start_timeout=KERNEL_START_TIMEOUT)
    except pm.PapermillExecutionError as exc:
        failed = Path(root) / "build" / "failed_notebooks" / job.relative_dir()
        failed.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(executed, failed / f"{job.kind}.ipynb")
        message = f"第 {exc.cell_index + 1} 个单元格（执行序号 {exc.exec_count}）出错：{exc.ename}: {exc.evalue}"
        return Outcome(job, time.perf_counter() - start, message, str((failed / f"{job.kind}.ipynb").relative_to(root)))
    except Exception as exc:  # a kernel that dies or will not start
        return Outcome(job, time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
    nb = normalise(nbformat.read(executed, as_version=4))
    nbformat.write(nb, executed)
    (target_dir / f"{job.kind}.html").write_text(to_html(nb), encoding="utf-8")
    write_writeup(job, Path(root), target_dir)
    return Outcome(job, time.perf_counter() - start)


def write_writeup(job: Job, root: Path, target_dir: Path) -> None:
    """The annual write-up as Markdown and .docx beside the executed notebook; for a region, its Excel workbook too."""
    from pipeline.report.data import load_report_data
    from pipeline.report.writeup import county_report, region_report, write_report

    data = load_report_data(root, job.language)
    if job.county:
        report = county_report(data, job.region, job.county, job.year, job.first_year)
    else:
        from pipeline.report.workbook import write_workbook

        report = region_report(data, job.region, job.year, job.first_year)
        write_workbook(data, job.region, job.year, job.first_year, target_dir / "workbook.xlsx")
    write_report(report, target_dir)


def _quiet_kernels(log: str) -> None:
    """Worker initializer: kernels inherit stderr; send their start-up chatter to a log file."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)


def default_workers(setting: int | None) -> int:
    return int(setting) if setting else (os.cpu_count() or 1)


def run_all(root: Path, jobs: list[Job], workers: int, scratch: Path) -> list[Outcome]:
    """Run every job, printing progress as each finishes; never stops early on a failure."""
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    outcomes: list[Outcome] = []
    env_root = str(root)
    # kernels inherit the environment: they import the same `pipeline` as this process
    code_root = str(Path(__file__).resolve().parents[2])
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (code_root, os.environ.get("PYTHONPATH")) if p)
    log = root / "build" / "notebook_kernels.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    progress = Progress(len(jobs))
    with ProcessPoolExecutor(max_workers=workers, initializer=_quiet_kernels, initargs=(str(log),)) as pool:
        futures = [pool.submit(run_job, job, env_root, str(scratch)) for job in jobs]
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
        if self.bar is not None:
            self.bar.set_postfix_str(f"{outcome.job.label} {state}", refresh=False)
            self.bar.update(1)
            return
        print(f"[{self.done}/{self.total}] {outcome.job.label} {state}（{outcome.seconds:.1f} 秒；"
              f"预计还需 {self.remaining():.0f} 秒）", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def main() -> None:
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
    jobs = plan_jobs(root, params)
    workers = default_workers(params["report"].get("workers"))
    target = root / OUTPUT_DIR
    scratch = target.with_name(f".{target.name}.partial")
    print(f"执行 {len(jobs)} 个笔记本（{workers} 个并行进程）……", flush=True)
    started = time.perf_counter()
    outcomes = run_all(root, jobs, workers, scratch)
    failures = [o for o in outcomes if o.error]
    if failures:
        shutil.rmtree(scratch, ignore_errors=True)
        print(f"笔记本执行失败：{len(failures)} 个，未发布任何报告。", file=sys.stderr)
        for o in sorted(failures, key=lambda o: o.job.label):
            where = f"；已保留执行结果 {o.failed_copy}" if o.failed_copy else ""
            print(f"  ✗ {o.job.label}：{o.error}{where}", file=sys.stderr)
        sys.exit(1)
    replace_dir(scratch, target)
    from pipeline.report.index_page import write_index

    index = write_index(root, params, jobs)
    print(f"完成：{len(jobs)} 个笔记本，用时 {time.perf_counter() - started:.1f} 秒 -> {OUTPUT_DIR}/，索引 {index.relative_to(root)}")


if __name__ == "__main__":
    main()
