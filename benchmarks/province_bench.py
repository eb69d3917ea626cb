"""Benchmark the whole pipeline at province scale (a script, not a test).

Writes (once, seeded) a synthetic province of ~180 counties in 16 regions,
2015-2024, with `python -m pipeline.demo --scale province` into
build/province/ (a DVC project of its own, with a copy of the code), then
measures on this machine, in one run:

  data      each data stage as its own process, the way DVC runs it (ingest,
            validate, measures, evaluate, early_warning, findings, presentation): wall seconds,
            peak RSS;
  full      `dvc repro` from nothing (outputs and dvc.lock removed): wall
            seconds and the peak of the summed RSS of the whole process tree;
  notebooks the notebooks stage re-executing every notebook (--execute-all),
            against the naive serial papermill loop (a fresh kernel per
            notebook, sampled on --sample notebooks and scaled to all) and the
            floor (one warm kernel executing the same notebooks, nothing else:
            no pool, HTML or write-up; per notebook, over the sample);
  noop      `dvc repro` with nothing changed: median of three, after a first that rehashes the reports;
  corrected one county's figure corrected in its delivery, then `dvc repro`:
            wall seconds and the stage's own "复用 N 个，执行 M 个";
            the delivery is restored afterwards (and the reports rebuilt);
  stable    measures and evaluate run twice: their marts byte-identical.

Prints a table with the targets and ratios; writes build/benchmarks/province.json.
Run after `make setup`:  .venv/bin/python benchmarks/province_bench.py [--skip full,notebooks]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA_STAGES = ["pipeline.stages.ingest", "pipeline.stages.validate", "pipeline.stages.measures",
               "pipeline.stages.evaluate", "pipeline.stages.early_warning", "pipeline.stages.findings",
               "pipeline.stages.presentation"]
# issue 23's targets (2 cores, province layout); data_stages_s is the stages computed from nothing, cache off
TARGETS = {"full_s": 240, "data_stages_s": 20, "corrected_s": 20, "noop_s": 3, "notebooks_vs_floor": 1.2,
           "naive_vs_stage": 4, "peak_rss_mb": 2048}
REUSE = re.compile(r"复用 (\d+) 个，执行 (\d+) 个")


# a small parent per stage: its RUSAGE_CHILDREN peak is that stage's own (kernels and workers included)
MEASURE = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
           "print('PEAK_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
           "sys.exit(r.returncode)")


def env_for(project: Path) -> dict[str, str]:
    venv_bin = str(Path(sys.executable).parent)
    return {**os.environ, "POLIECO_ROOT": str(project), "GX_ANALYTICS_ENABLED": "false", "DVC_NO_ANALYTICS": "1",
            "PYTHONPATH": str(ROOT), "PATH": f"{venv_bin}{os.pathsep}{os.environ['PATH']}"}


def run_stage(module: str, project: Path, cache: str = "off") -> tuple[float, float]:
    """Wall seconds and peak RSS (MB, the largest process of the stage's tree) of one stage run.

    cache "off": the stage computes every part (its cost from nothing); "on": it reuses what it can."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", MEASURE, sys.executable, "-m", module], cwd=project,
                          env={**env_for(project), "POLIECO_STAGE_CACHE": cache}, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{module} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    peak_kb = int(proc.stderr.strip().splitlines()[-1].split()[-1])
    return seconds, peak_kb / 1024


def timed_tree(args: list[str], project: Path) -> tuple[float, float, str]:
    """Wall seconds, peak summed RSS (MB) of the process and all its descendants, and stdout."""
    import psutil

    proc = subprocess.Popen(args, cwd=project, env=env_for(project), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    peak = [0.0]

    def sample() -> None:
        try:
            parent = psutil.Process(proc.pid)
            while proc.poll() is None:
                total = 0
                for p in [parent, *parent.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
                peak[0] = max(peak[0], total / 2**20)
                time.sleep(0.2)
        except psutil.Error:
            pass

    start = time.perf_counter()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    seconds = time.perf_counter() - start
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{out[-3000:]}")
    return seconds, peak[0], out


def dvc(project: Path, *args: str) -> tuple[float, float, str]:
    return timed_tree([str(Path(sys.executable).parent / "dvc"), *args], project)


def prepare(project: Path) -> None:
    """The province project, once: deliveries, a copy of the code, DVC without Git."""
    if not (project / "params.yaml").is_file():
        subprocess.run([sys.executable, "-m", "pipeline.demo", "--scale", "province", "--out", str(project)],
                       cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    # the stages' deps name the code by path: the project carries its own copy, refreshed each run
    shutil.rmtree(project / "pipeline", ignore_errors=True)
    shutil.copytree(ROOT / "pipeline", project / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    for rel in ("dvc.yaml", "bin/stage.py", "notebooks/county.ipynb", "notebooks/region.ipynb",
                "data/reference/phrases.yaml", "data/reference/indicators.yaml", "data/reference/findings.yaml",
                "data/register/code_changes.csv", "data/issued/README.md"):  # the findings stage reads data/issued
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, project / rel)
    # the params too (as pipeline.demo writes them): the repo's, with the province's regions
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["ingest"]["regions"] = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))["ingest"]["regions"]
    (project / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), encoding="utf-8")
    if "no_scm" not in (project / ".dvc/config").read_text(encoding="utf-8"):
        subprocess.run([str(Path(sys.executable).parent / "dvc"), "config", "core.no_scm", "true"], cwd=project,
                       check=True, env=env_for(project))


def clean_outputs(project: Path) -> None:
    for rel in ("data/staging", "data/warehouse.duckdb", "data/marts", "reports", "metrics", "plots", "dvc.lock",
                "build/.notebooks.partial", "build/cache"):
        path = project / rel
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def notebook_sample(project: Path, n: int):
    from pipeline.config import load_params
    from pipeline.report.notebooks import plan_jobs

    jobs = plan_jobs(project, load_params(project))
    counties = [j for j in jobs if j.county]
    step = max(1, len(counties) // n)
    return jobs, counties[::step][:n]


def naive_and_floor(project: Path, sample) -> tuple[float, float]:
    """Seconds per notebook: a fresh papermill kernel each (naive); one warm kernel, cells only (floor)."""
    from pipeline.report.notebooks import WARM_UP
    from pipeline.report.notebooks.kernels import WarmKernel, execute_cold

    os.environ.update({"PYTHONPATH": str(ROOT), "POLIECO_ROOT": str(project)})
    source = project / "notebooks" / "county.ipynb"
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        for job in sample:
            execute_cold(source, Path(tmp) / "naive.ipynb", job.parameters, project)
        naive = (time.perf_counter() - start) / len(sample)
        kernel = WarmKernel(project, WARM_UP)
        kernel.start()
        try:
            kernel.execute(source, Path(tmp) / "warm.ipynb", sample[0].parameters)  # the first pays the caches
            start = time.perf_counter()
            for job in sample:
                kernel.execute(source, Path(tmp) / "warm.ipynb", job.parameters)
            floor = (time.perf_counter() - start) / len(sample)
        finally:
            kernel.shutdown()
    return naive, floor


def digest(paths: list[Path]) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def correct_one_county(project: Path) -> tuple[Path, bytes]:
    """Add 1 to the first count of the first county row of the last CSV delivery of the last region."""
    deliveries = sorted((project / "data" / "raw").glob("*/2024.csv"))
    target = deliveries[-1]
    original = target.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = original.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    lines = text.split("\n")
    row = next(i for i, line in enumerate(lines) if re.match(r"^\d{6},", line))
    cells = lines[row].split(",")
    col = next(i for i, c in enumerate(cells) if i >= 3 and re.fullmatch(r"\d+", c.strip()))
    cells[col] = str(int(cells[col]) + 1)
    lines[row] = ",".join(cells)
    data = "\n".join(lines).encode(encoding)
    if encoding == "utf-8-sig":
        data = data if data.startswith(b"\xef\xbb\xbf") else data
    target.write_bytes(data)
    return target, original


def stage_accounts(out: str) -> dict[str, str]:
    """Each stage's own line saying what it recomputed and what it reused (from `dvc repro`'s output)."""
    accounts, stage = {}, None
    for line in out.splitlines():
        named = re.search(r"Running stage '([^']+)'", line)
        if named:
            stage = named.group(1)
        elif stage and ("增量计算" in line or REUSE.search(line)):
            accounts[stage] = line.strip()
    return accounts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "province")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each data stage (median reported)")
    parser.add_argument("--sample", type=int, default=8, help="notebooks timed for the naive loop and the floor")
    parser.add_argument("--skip", default="", help="comma-separated: data,full,notebooks,noop,corrected,stable")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    project = args.out.resolve()
    prepare(project)
    counties = sum(1 for line in (project / "data/reference/divisions.csv").read_text(encoding="utf-8").splitlines()
                   if ",county," in line)
    cores = os.cpu_count() or 1
    report: dict = {"machine": {"cores": cores, "python": platform.python_version(), "platform": platform.platform()},
                    "layout": {"counties": counties, "years": "2015-2024", "project": str(project)},
                    "targets": TARGETS}
    if "full" not in skip:  # first: it also builds every output the later cases start from
        clean_outputs(project)
        seconds, peak, out = dvc(project, "repro")
        report["full"] = {"seconds": round(seconds, 1), "peak_tree_rss_mb": round(peak, 1),
                          "reuse": REUSE.findall(out)[-1] if REUSE.findall(out) else None}
    if "data" not in skip:
        stages = {}
        for module in DATA_STAGES:
            runs = [run_stage(module, project) for _ in range(args.repeat)]
            secs = [r[0] for r in runs]
            stages[module.rsplit(".", 1)[1]] = {"median_s": round(statistics.median(secs), 2),
                                               "min_s": round(min(secs), 2), "max_s": round(max(secs), 2),
                                               "peak_rss_mb": round(max(r[1] for r in runs), 1), "runs": len(runs)}
        report["data_stages"] = stages
        report["data_stages_total_s"] = round(sum(r["median_s"] for r in stages.values()), 2)
    if "stable" not in skip:
        marts = sorted((project / "data" / "marts").glob("*.parquet"))
        first = digest(marts)
        for module in ("pipeline.stages.measures", "pipeline.stages.evaluate", "pipeline.stages.early_warning",
                       "pipeline.stages.findings", "pipeline.stages.presentation"):
            run_stage(module, project)
        report["marts_byte_identical_on_rerun"] = digest(marts) == first
    if "notebooks" not in skip:
        jobs, sample = notebook_sample(project, args.sample)
        seconds, peak, out = timed_tree([sys.executable, "-m", "pipeline.report.notebooks", "--execute-all"], project)
        naive, floor = naive_and_floor(project, sample)
        ideal = floor * len(jobs) / cores
        report["notebooks"] = {
            "notebooks": len(jobs), "stage_s": round(seconds, 1), "peak_tree_rss_mb": round(peak, 1),
            "naive_per_notebook_s": round(naive, 2), "naive_all_s_estimated": round(naive * len(jobs), 1),
            "floor_per_notebook_s": round(floor, 2), "floor_ideal_s": round(ideal, 1), "sample": len(sample),
            "stage_vs_floor": round(seconds / ideal, 2), "naive_vs_stage": round(naive * len(jobs) / seconds, 2)}
    if "noop" not in skip:
        # the first after `--execute-all` rewrote the reports outside DVC pays DVC's rehash of them; the
        # next ones are what an analyst meets
        runs = [dvc(project, "repro") for _ in range(4)]
        steady = [r[0] for r in runs[1:]]
        report["noop"] = {"seconds": round(statistics.median(steady), 2), "min_s": round(min(steady), 2),
                          "max_s": round(max(steady), 2), "first_after_outside_write_s": round(runs[0][0], 2),
                          "up_to_date": all("up to date" in r[2] for r in runs[1:])}
    if "corrected" not in skip:
        target, original = correct_one_county(project)
        try:
            seconds, peak, out = dvc(project, "repro")
        finally:
            target.write_bytes(original)
        found = REUSE.findall(out)
        report["corrected"] = {"file": str(target.relative_to(project)), "seconds": round(seconds, 1),
                               "reused": int(found[-1][0]) if found else None,
                               "executed": int(found[-1][1]) if found else None,
                               "stages_run": re.findall(r"Running stage '([^']+)'", out),
                               "stage_logs": stage_accounts(out)}
        dvc(project, "repro")  # back to the original reports
    target = ROOT / "build" / "benchmarks" / "province.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print_table(report)
    print(f"-> {target.relative_to(ROOT)}")


def print_table(report: dict) -> None:
    t = report["targets"]
    print(f"province layout: {report['layout']['counties']} counties, {report['machine']['cores']} cores")
    if "full" in report:
        f = report["full"]
        print(f"dvc repro from nothing   {f['seconds']:8.1f} s  (target {t['full_s']} s: ratio {f['seconds'] / t['full_s']:.2f});"
              f" peak tree RSS {f['peak_tree_rss_mb']:.0f} MB (target {t['peak_rss_mb']})")
    if "data_stages" in report:
        for name, r in report["data_stages"].items():
            print(f"  {name:<15}{r['median_s']:>8.2f} s  peak {r['peak_rss_mb']:.0f} MB")
        total = report["data_stages_total_s"]
        print(f"data stages together     {total:8.1f} s  (target {t['data_stages_s']} s: ratio {total / t['data_stages_s']:.2f})")
    if "marts_byte_identical_on_rerun" in report:
        print(f"marts byte-identical on rerun: {report['marts_byte_identical_on_rerun']}")
    if "notebooks" in report:
        n = report["notebooks"]
        print(f"notebooks stage          {n['stage_s']:8.1f} s  for {n['notebooks']} notebooks; floor {n['floor_per_notebook_s']} s"
              f" per notebook -> ideal {n['floor_ideal_s']} s; stage/ideal {n['stage_vs_floor']} (target <= {t['notebooks_vs_floor']})")
        print(f"naive serial papermill   {n['naive_all_s_estimated']:8.1f} s  (estimated, {n['naive_per_notebook_s']} s per"
              f" notebook); naive/stage {n['naive_vs_stage']} (target >= {t['naive_vs_stage']})")
    if "noop" in report:
        n = report['noop']
        print(f"no-op dvc repro          {n['seconds']:8.2f} s  (target {t['noop_s']} s; first after --execute-all {n.get('first_after_outside_write_s')} s)")
    if "corrected" in report:
        c = report["corrected"]
        print(f"one county corrected     {c['seconds']:8.1f} s  (target {t['corrected_s']} s: ratio"
              f" {c['seconds'] / t['corrected_s']:.2f}): reused {c['reused']}, executed {c['executed']} notebooks")
        for stage, line in c.get("stage_logs", {}).items():
            print(f"  {stage:<15}{line}")


if __name__ == "__main__":
    main()
