"""The data stages on this machine (`local`) against a two-worker Dask LocalCluster (`dask`): a script, not a test.

At each growth layout (benchmarks/growth_bench.py: 25 x factor regions) the
data stages run from nothing (POLIECO_STAGE_CACHE=off), each as its own
process as DVC runs it, once with the local executor and once with
POLIECO_EXECUTOR=dask against a LocalCluster of two single-threaded worker
processes on this machine; the marts of the two runs must be the same bytes.
Every per-region task's seconds are recorded (POLIECO_TASK_TIMES), and the
stages' wall time on W workers is projected from them:

    projected(W) = serial + max(longest task, sum of task seconds / W)

from the dask run: the task seconds as the workers measured them (one
thread each: Dask's nanny sets the BLAS and OpenMP threads to one, where a
local run's numpy may use every core), and `serial` what the stage did
besides its tasks (imports, reading and shipping the rows, assembling and
writing the marts; the whole of a stage not on the executor): its wall less
max(longest task, task seconds / 2). Writes build/benchmarks/executor.json and
docs/benchmarks/executor.png (the chart docs/performance.md shows; `--chart` redraws it from the JSON).

Run after `make setup`:  .venv/bin/python benchmarks/executor_bench.py [--factors 1,4]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))
from growth_bench import layout  # noqa: E402
from province_bench import DATA_STAGES, run_stage  # noqa: E402

WORKERS = (2, 16, 64)


def marts_digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((folder / "data/marts").glob("*.parquet"))}


def run_all(folder: Path, extra: dict[str, str]) -> tuple[dict[str, dict], list[dict]]:
    """Every data stage from nothing with `extra` in the environment: per stage wall and peak; the task times."""
    with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as fh:
        log = Path(fh.name)
    saved = {k: os.environ.get(k) for k in (*extra, "POLIECO_TASK_TIMES")}
    os.environ.update({**extra, "POLIECO_TASK_TIMES": str(log)})
    try:
        stages = {}
        for module in DATA_STAGES:
            seconds, peak = run_stage(module, folder, cache="off")
            stages[module.rsplit(".", 1)[-1]] = {"seconds": round(seconds, 1), "peak_mb": round(peak)}
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    tasks = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]
    log.unlink()
    return stages, tasks


def projection(dask_stages: dict[str, dict], dask_tasks: list[dict], workers: int = 2) -> dict:
    """Each stage's wall on W workers by the model in the module's docstring, from the dask run alone; their sum."""
    out: dict[str, dict[str, float]] = {}
    for stage, measured in dask_stages.items():
        mine = [t["seconds"] for t in dask_tasks if t["stage"] == stage]
        work = sum(mine)
        # what the stage did besides its tasks: its wall less the tasks' share on the measured workers
        serial = max(measured["seconds"] - (max(max(mine), work / workers) if mine else 0.0), 0.0)
        out[stage] = {str(w): round(serial + (max(max(mine), work / w) if mine else 0.0), 1) for w in WORKERS}
    out["all"] = {str(w): round(sum(v[str(w)] for v in out.values()), 1) for w in WORKERS}
    return out


def task_seconds(tasks: list[dict]) -> dict[str, float]:
    stages: dict[str, float] = {}
    for t in tasks:
        stages[t["stage"]] = stages.get(t["stage"], 0.0) + t["seconds"]
    return {k: round(v, 1) for k, v in stages.items()}


def peak_kb() -> int:
    """This process's peak resident set (VmHWM, kB), run on each worker."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def two_workers():
    """A LocalCluster of two single-threaded worker processes on loopback, the workers finding the project's
    modules on PYTHONPATH."""
    from distributed import LocalCluster

    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
                        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})  # its HTTP routes on a free port, not 8787


def on_two_workers(folder: Path) -> tuple[dict[str, dict], list[dict], float, list[int]]:
    """The data stages with POLIECO_EXECUTOR=dask on two workers: per stage wall and peak, the tasks, the
    wall of the whole, each worker process's peak resident memory (VmHWM) over the run."""
    from distributed import Client

    with two_workers() as cluster:
        start = time.perf_counter()
        stages, tasks = run_all(folder, {"POLIECO_EXECUTOR": "dask", "POLIECO_DASK_SCHEDULER": cluster.scheduler_address})
        wall = time.perf_counter() - start
        with Client(cluster) as client:
            workers_mb = sorted(round(kb / 1024) for kb in client.run(peak_kb).values())
    return stages, tasks, wall, workers_mb


def measure_dask(factor: int) -> dict:
    """The data stages on the two-worker LocalCluster alone (after a change to how the cluster is used):
    per stage wall and peak, each worker's peak, the projection."""
    stages, tasks, _, workers_mb = on_two_workers(layout(factor))
    return {"factor": factor, "dask_2_workers": stages, "dask_total_s": round(sum(s["seconds"] for s in stages.values()), 1),
            "worker_peak_mb": workers_mb, "tasks": len(tasks), "projected_s": projection(stages, tasks)}


def measure(factor: int) -> dict:
    folder = layout(factor)
    local, local_tasks = run_all(folder, {"POLIECO_EXECUTOR": "local"})
    local_marts = marts_digest(folder)
    dask_stages, dask_tasks, dask_wall, workers_mb = on_two_workers(folder)
    same = marts_digest(folder) == local_marts
    local_total = sum(s["seconds"] for s in local.values())
    dask_total = sum(s["seconds"] for s in dask_stages.values())
    on_executor = sorted({t["stage"] for t in dask_tasks})
    return {"factor": factor, "regions": 25 * factor, "local": local, "dask_2_workers": dask_stages,
            "local_total_s": round(local_total, 1), "dask_total_s": round(dask_total, 1),
            "dask_wall_s": round(dask_wall, 1), "speedup": round(local_total / dask_total, 2),
            "stages_on_executor": on_executor,
            "speedup_on_executor_stages": round(sum(local[s]["seconds"] for s in on_executor)
                                                / sum(dask_stages[s]["seconds"] for s in on_executor), 2),
            "tasks": len(dask_tasks), "task_seconds_local": round(sum(t["seconds"] for t in local_tasks), 1),
            "task_seconds_dask": round(sum(t["seconds"] for t in dask_tasks), 1),
            "longest_task_s": max((t["seconds"] for t in dask_tasks), default=0.0),
            "worker_peak_mb": workers_mb, "marts_identical": same,
            "task_seconds_by_stage": {"local": task_seconds(local_tasks), "dask": task_seconds(dask_tasks)},
            "projected_s": projection(dask_stages, dask_tasks)}


SWEEP = ["-S", "evaluation.weighting=entropy,critic", "--years", "2015-2024", "--name", "bench"]


def timed_sweep(folder: Path, extra: dict[str, str]) -> tuple[float, list[dict], bytes]:
    """`make sweep` of three weightings over ten years on the layout's marts (no kernel): wall seconds, the
    task times and the comparison page's bytes."""
    import subprocess

    with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as fh:
        log = Path(fh.name)
    env = {**os.environ, **extra, "POLIECO_TASK_TIMES": str(log), "POLIECO_ROOT": str(folder)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipeline.sweep", *SWEEP], cwd=folder, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    tasks = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]
    log.unlink()
    return seconds, tasks, (folder / "reports/sweeps/bench/comparison.html").read_bytes()


def measure_sweep(factor: int, local: bool = True) -> dict:
    """The sweep local (unless `local` is False: at 16x each run takes about 20 minutes here) and on a
    two-worker LocalCluster (the layout's marts must exist: run --factors first), projected to 16 and 64
    workers by the same model as the stages."""
    folder = layout(factor)
    local_s, _, local_page = timed_sweep(folder, {"POLIECO_EXECUTOR": "local"}) if local else (None, [], None)
    with two_workers() as cluster:
        dask_s, dask_tasks, dask_page = timed_sweep(folder, {"POLIECO_EXECUTOR": "dask",
                                                             "POLIECO_DASK_SCHEDULER": cluster.scheduler_address})
    return {"factor": factor, "regions": 25 * factor, "scenarios": "3 weightings: params.yaml's own (manual), entropy, CRITIC",
            "years": "2015-2024", "local_s": local_s and round(local_s, 1), "dask_2_workers_s": round(dask_s, 1),
            "tasks": len(dask_tasks), "task_seconds_dask": round(sum(t["seconds"] for t in dask_tasks), 1),
            "longest_task_s": max((t["seconds"] for t in dask_tasks), default=0.0),
            "page_identical": None if local_page is None else local_page == dask_page,
            "projected_s": projection({"sweep": {"seconds": dask_s}}, dask_tasks)["sweep"]}


def chart(points: list[dict], target: Path) -> None:
    """Per layout, the data stages' seconds from nothing: local, two Dask workers measured, and 16 / 64
    workers projected (the model of the module's docstring)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    import seaborn as sns

    rows = []
    for p in points:
        label = f"{p['factor']}x ({p['regions']} regions)"
        rows += [{"layout": label, "run": "local", "seconds": p["local_total_s"]},
                 {"layout": label, "run": "dask, 2 workers", "seconds": p["dask_total_s"]},
                 *({"layout": label, "run": f"dask, {w} workers (projected)", "seconds": p["projected_s"]["all"][str(w)]}
                   for w in WORKERS[1:])]
    fig, ax = plt.subplots(figsize=(7, 3.8), dpi=110)
    sns.barplot(pd.DataFrame(rows), x="layout", y="seconds", hue="run", ax=ax,
                palette=["#4c72b0", "#dd8452", "#c9a27e", "#a5836a"])
    for bars in ax.containers:
        ax.bar_label(bars, fmt="%.0f", fontsize=7)
    ax.set(xlabel="", ylabel="seconds, data stages from nothing",
           title="Data stages: local vs a Dask cluster (this 2-core machine; projection from task times)")
    ax.title.set_fontsize(9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, metadata={"Software": None})
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", default="1", help="growth layouts to measure, e.g. 1,4,16")
    parser.add_argument("--chart", action="store_true", help="only draw the chart from the last measurement")
    parser.add_argument("--sweep", type=int, metavar="FACTOR",
                        help="only the evaluation sweep (3 weightings: params.yaml's own, entropy, CRITIC; x 10 years) at this layout, local and dask")
    parser.add_argument("--sweep-dask-only", action="store_true", help="the sweep on the cluster only")
    parser.add_argument("--dask-only", type=int, metavar="FACTOR",
                        help="only the data stages on the cluster at this layout (build/benchmarks/executor_dask.json)")
    args = parser.parse_args()
    out = ROOT / "build" / "benchmarks" / "executor.json"
    if args.dask_only:
        result = measure_dask(args.dask_only)
        out.with_name("executor_dask.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(json.dumps(result, indent=2))
        return
    if args.sweep:
        result = measure_sweep(args.sweep, local=not args.sweep_dask_only)
        target = out.with_name("executor_sweep.json")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    if args.chart:
        chart(json.loads(out.read_text(encoding="utf-8")), ROOT / "docs" / "benchmarks" / "executor.png")
        return
    fresh = {p["factor"]: p for p in (measure(int(f)) for f in args.factors.split(","))}
    kept = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else []  # the layouts not measured now
    points = sorted([p for p in kept if p["factor"] not in fresh] + list(fresh.values()), key=lambda p: p["factor"])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(points, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    chart(points, ROOT / "docs" / "benchmarks" / "executor.png")
    print(json.dumps(points, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
