"""Benchmark the data stages at province scale (a script, not a test).

Writes (once, seeded) a synthetic province of ~180 counties in 16 regions,
2015-2024, with `python -m pipeline.demo --scale province` into
build/province/, then times each stage there as its own process, the way DVC
runs it: ingest, validate, measures, evaluate, early_warning (and, with
--notebooks, the notebooks stage). For each it reports wall seconds and the
peak resident memory of the stage's process tree. Results print as a table
and go to build/benchmarks/province.json with the machine's core count, so
runs on one machine can be compared as ratios.

Run after `make setup`:  .venv/bin/python benchmarks/province_bench.py [--notebooks] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA_STAGES = ["pipeline.stages.ingest", "pipeline.stages.validate", "pipeline.stages.measures",
               "pipeline.stages.evaluate", "pipeline.stages.early_warning"]


# a small parent per stage: its RUSAGE_CHILDREN peak is that stage's own (kernels and workers included)
MEASURE = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
           "print('PEAK_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
           "sys.exit(r.returncode)")


def run_stage(module: str, project: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB, the largest process of the stage's tree) of one stage run."""
    env = {**os.environ, "POLIECO_ROOT": str(project), "GX_ANALYTICS_ENABLED": "false", "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", MEASURE, sys.executable, "-m", module], cwd=project, env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{module} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    peak_kb = int(proc.stderr.strip().splitlines()[-1].split()[-1])
    return seconds, peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "province")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each data stage (median reported)")
    parser.add_argument("--notebooks", action="store_true", help="also time the notebooks stage (minutes)")
    args = parser.parse_args()
    project = args.out.resolve()
    if not (project / "params.yaml").is_file():
        subprocess.run([sys.executable, "-m", "pipeline.demo", "--scale", "province", "--out", str(project)],
                       cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    counties = sum(1 for line in (project / "data/reference/divisions.csv").read_text(encoding="utf-8").splitlines()
                   if ",county," in line)
    stages = DATA_STAGES + (["pipeline.report.notebooks"] if args.notebooks else [])
    results = {}
    for module in stages:
        runs = [run_stage(module, project) for _ in range(args.repeat if module in DATA_STAGES else 1)]
        seconds = [r[0] for r in runs]
        results[module.rsplit(".", 1)[1]] = {"median_s": round(statistics.median(seconds), 2),
                                            "min_s": round(min(seconds), 2), "max_s": round(max(seconds), 2),
                                            "peak_rss_mb": round(max(r[1] for r in runs), 1), "runs": len(runs)}
    data_total = sum(results[m.rsplit(".", 1)[1]]["median_s"] for m in DATA_STAGES)
    report = {"machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
              "layout": {"counties": counties, "years": "2015-2024", "project": str(project)},
              "stages": results, "data_stages_total_s": round(data_total, 2), "target_data_stages_s": 20}
    target = ROOT / "build" / "benchmarks" / "province.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"province layout: {counties} counties, {os.cpu_count()} cores")
    print(f"{'stage':<15}{'median s':>10}{'min':>8}{'max':>8}{'peak MB':>10}")
    for name, r in results.items():
        print(f"{name:<15}{r['median_s']:>10.2f}{r['min_s']:>8.2f}{r['max_s']:>8.2f}{r['peak_rss_mb']:>10.1f}")
    print(f"data stages together: {data_total:.1f} s (target 20 s: ratio {data_total / 20:.2f})")
    print(f"-> {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
