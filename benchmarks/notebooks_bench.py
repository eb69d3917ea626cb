"""Benchmark the notebooks stage on one demo region (a script, not a test).

Times, on the same notebooks and marts:
  stage   pipeline.report.notebooks.run_all: process pool of `--workers`, normalise + HTML
  naive   a serial loop calling papermill once per notebook (no HTML)
  floor   a kernel that only imports what the notebooks import, run once (median of 3)
and prints stage/naive and stage/(floor x notebooks / workers).

Run after `make report`:  .venv/bin/python benchmarks/notebooks_bench.py [--region 990100] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402
import papermill as pm  # noqa: E402

from pipeline.config import load_params  # noqa: E402
from pipeline.report.notebooks import default_workers, plan_jobs, run_all  # noqa: E402

FLOOR_CELL = "import pandas, duckdb, seaborn, matplotlib\nfrom pipeline.report import views, charts, trends"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--region", default="990100")
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args()
    os.environ["PYTHONPATH"] = str(ROOT)
    params = load_params(ROOT)
    jobs = [j for j in plan_jobs(ROOT, params) if j.region == args.region]
    workers = default_workers(args.workers or params["report"].get("workers"))
    scratch = ROOT / "build" / "bench"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)

    t = time.perf_counter()
    outcomes = run_all(ROOT, jobs, workers, scratch / "stage")
    stage = time.perf_counter() - t
    assert not any(o.error for o in outcomes), [o.error for o in outcomes if o.error]

    t = time.perf_counter()
    for job in jobs:
        pm.execute_notebook(str(ROOT / "notebooks" / f"{job.kind}.ipynb"), str(scratch / "naive.ipynb"),
                            parameters=job.parameters, kernel_name="python3", progress_bar=False, cwd=str(ROOT))
    naive = time.perf_counter() - t

    floor_nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FLOOR_CELL)])
    floor_nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(floor_nb, scratch / "floor.ipynb")
    floors = []
    for _ in range(3):
        t = time.perf_counter()
        pm.execute_notebook(str(scratch / "floor.ipynb"), str(scratch / "floor_out.ipynb"), kernel_name="python3",
                            progress_bar=False, cwd=str(ROOT))
        floors.append(time.perf_counter() - t)
    floor = statistics.median(floors)
    ideal = floor * len(jobs) / workers
    print(f"region {args.region}: {len(jobs)} notebooks, {workers} workers, {os.cpu_count()} cores")
    print(f"stage  {stage:7.1f} s")
    print(f"naive  {naive:7.1f} s   (serial papermill loop)")
    print(f"floor  {floor:7.1f} s   per kernel that only imports (median of 3)")
    print(f"stage / naive                     = {stage / naive:.2f}")
    print(f"stage / (floor x notebooks / workers) = {stage / ideal:.2f}")


if __name__ == "__main__":
    main()
