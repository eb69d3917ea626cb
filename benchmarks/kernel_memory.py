"""Peak memory of one county notebook's work at 1x, 4x and 16x a province (a script, not a test).

A kernel runs the county notebook's code cells. Here they run in a fresh Python
process per measurement (the same code, without Jupyter's own ~60 MB), whose
peak RSS (VmHWM) is the notebook's: once as the stage runs it, reading only
the county's region from each mart, and once reading every mart whole, as
kernels did before (marts.read_mart without a region). The layouts are
growth_bench.py's (25 x factor regions); their marts are brought up to date
first (the data stages, cache on).

Then a warm Jupyter kernel, as a worker of the notebooks stage keeps one,
executes three county notebooks of different regions and its own peak (VmHWM
of the kernel process) is read.

Run after `make setup`:  .venv/bin/python benchmarks/kernel_memory.py [--factors 1,4,16]
Writes build/benchmarks/kernel_memory.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))
from growth_bench import layout  # noqa: E402
from province_bench import DATA_STAGES, env_for, notebook_sample, run_stage  # noqa: E402

from pipeline.report.notebooks.kernels import KERNEL_ENV  # noqa: E402  (the stage's kernels' environment)

TARGET_MB = 300
RUN = r"""
import json, sys
from pathlib import Path
cells, params = json.loads(sys.argv[1]), json.loads(sys.argv[2])
import matplotlib
matplotlib.use("Agg")
from IPython import display as _display
_display.display = lambda *a, **k: None  # nothing to show: the work and its memory are what is measured
namespace = dict(params)
for source in cells:
    exec(compile(source, "cell", "exec"), namespace)
# VmHWM, not ru_maxrss: Linux keeps across exec the peak of the forked copy of the parent in ru_maxrss
print("PEAK_KB", open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
"""


def notebook_cells(whole: bool) -> list[str]:
    nb = json.loads((ROOT / "notebooks" / "county.ipynb").read_text(encoding="utf-8"))
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"][1:]  # the parameters: ours
    return [c.replace("region=region,", "region=None,") if whole else c for c in cells]


def peak_mb(folder: Path, job, whole: bool) -> float:
    proc = subprocess.run([sys.executable, "-c", RUN, json.dumps(notebook_cells(whole)), json.dumps(job.parameters)],
                          cwd=folder, env={**env_for(folder), **KERNEL_ENV}, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    return int(proc.stdout.strip().splitlines()[-1].split()[-1]) / 1024


def kernel_peak_mb(folder: Path, jobs) -> float:
    """Peak RSS (VmHWM) of one warm Jupyter kernel, as a notebooks-stage worker runs it, after `jobs`."""
    import os
    import tempfile

    from pipeline.report.notebooks import WARM_UP
    from pipeline.report.notebooks.kernels import WarmKernel

    os.environ.update({"PYTHONPATH": str(ROOT), "POLIECO_ROOT": str(folder)})
    kernel = WarmKernel(folder, WARM_UP)
    kernel.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for job in jobs:
                kernel.execute(folder / "notebooks" / "county.ipynb", Path(tmp) / "out.ipynb", job.parameters)
        status = Path(f"/proc/{kernel.km.provisioner.pid}/status").read_text()
        return int(status.split("VmHWM:")[1].split()[0]) / 1024
    finally:
        kernel.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", default="1,4,16")
    parser.add_argument("--marts-current", action="store_true",
                        help="the layouts' marts are already this checkout's (e.g. executor_bench.py just wrote them "
                             "with the cache off, which keeps no parts: refreshing them would recompute everything)")
    args = parser.parse_args()
    points = []
    for factor in (int(f) for f in args.factors.split(",")):
        folder = layout(factor)
        for module in [] if args.marts_current else DATA_STAGES:  # the marts as this checkout writes them
            run_stage(module, folder, cache="on")
        _, picked = notebook_sample(folder, 3)
        region, whole = peak_mb(folder, picked[0], False), peak_mb(folder, picked[0], True)
        kernel = kernel_peak_mb(folder, picked)
        marts = sum(p.stat().st_size for p in (folder / "data" / "marts").glob("*.parquet")) / 2**20
        points.append({"factor": factor, "marts_mb_on_disk": round(marts, 1), "region_only_mb": round(region),
                       "whole_marts_mb": round(whole), "warm_kernel_mb": round(kernel)})
        print(f"  x{factor}: marts {marts:.1f} MB on disk; notebook peak {region:.0f} MB reading its region, "
              f"{whole:.0f} MB reading every mart whole; a warm kernel after {len(picked)} county notebooks "
              f"{kernel:.0f} MB", flush=True)
    out = ROOT / "build" / "benchmarks" / "kernel_memory.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"target_mb": TARGET_MB, "points": points}, indent=2) + "\n", encoding="utf-8")
    print(f"target: ≤ {TARGET_MB} MB at 16x and flat from 1x -> {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
