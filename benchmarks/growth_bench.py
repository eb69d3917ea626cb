"""How the data stages grow with the number of counties: 1x, 4x and 16x a province (a script, not a test).

Each point is a layout of `python -m pipeline.demo --scale national` with
25 x factor regions of 5-9 counties (1x ~ 175 counties, the province; 16x ~
2,800, the country's size), written once into build/growth/x<factor>/ (the
generator refuses a folder it did not make). At each point the six data
stages run from nothing (POLIECO_STAGE_CACHE=off), each as its own process as
DVC runs it: wall seconds and peak RSS. Then one warm kernel executes a
sample of county notebooks (the floor per notebook) and the notebooks of the
whole layout are projected on N cores as floor x notebooks / N.

Writes build/benchmarks/growth.json and docs/benchmarks/growth.png (the README's chart).
Run after `make setup`:  .venv/bin/python benchmarks/growth_bench.py [--factors 1,4,16] [--sample 6]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))
from province_bench import DATA_STAGES, naive_and_floor, notebook_sample, run_stage  # noqa: E402

REGIONS_PER_FACTOR = 25
CORES = (2, 16, 64)
TARGETS = {"growth_16x_vs_1x": 18.0, "peak_rss_mb": 4096}


def layout(factor: int) -> Path:
    """The layout of `factor` x 25 regions, generated on first use (seeded: the same bytes every time)."""
    folder = ROOT / "build" / "growth" / f"x{factor}"
    if not (folder / "params.yaml").is_file():
        subprocess.run([sys.executable, "-m", "pipeline.demo", "--scale", "national", "--out", str(folder),
                        "--regions", str(REGIONS_PER_FACTOR * factor)], cwd=ROOT, check=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL)
    # the rules, phrases and catalog are the checkout's (as province_bench.prepare refreshes them): a layout
    # generated before a rule was added would otherwise be judged and phrased by the old files
    for rel in ("data/reference/phrases.yaml", "data/reference/indicators.yaml", "data/reference/findings.yaml"):
        shutil.copy2(ROOT / rel, folder / rel)
    return folder


def counties_of(folder: Path) -> int:
    text = (folder / "data/reference/divisions.csv").read_text(encoding="utf-8")
    return sum(1 for line in text.splitlines() if ",county," in line)


def measure(factor: int, sample: int) -> dict:
    folder = layout(factor)
    stages = {}
    for module in DATA_STAGES:
        seconds, peak = run_stage(module, folder, cache="off")
        stages[module.rsplit(".", 1)[1]] = {"seconds": round(seconds, 1), "peak_rss_mb": round(peak, 1)}
        print(f"  x{factor} {module.rsplit('.', 1)[1]:<14}{seconds:8.1f} s  peak {peak:6.0f} MB", flush=True)
    point = {"factor": factor, "regions": REGIONS_PER_FACTOR * factor, "counties": counties_of(folder),
             "data_stages": stages, "data_stages_s": round(sum(s["seconds"] for s in stages.values()), 1),
             "peak_rss_mb": max(s["peak_rss_mb"] for s in stages.values())}
    if sample:
        point.update(notebook_floor(folder, sample))
    return point


def notebook_floor(folder: Path, sample: int) -> dict:
    """Seconds per county notebook in one warm kernel (a sample), and the whole layout's notebooks on N cores."""
    jobs, picked = notebook_sample(folder, sample)
    _, floor = naive_and_floor(folder, picked)
    return {"notebooks": len(jobs), "floor_per_notebook_s": round(floor, 2),
            "notebooks_projected_s": {str(n): round(floor * len(jobs) / n, 1) for n in CORES}}


def chart(points: list[dict], target: Path) -> None:
    """Seconds of the data stages against counties, with the linear line through the 1x point."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    import seaborn as sns

    frame = pd.DataFrame([{"counties": p["counties"], "seconds": p["data_stages"][s]["seconds"], "stage": s}
                          for p in points for s in p["data_stages"]])
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    sns.lineplot(frame, x="counties", y="seconds", hue="stage", marker="o", ax=ax)
    total = pd.DataFrame([{"counties": p["counties"], "seconds": p["data_stages_s"]} for p in points])
    ax.plot(total["counties"], total["seconds"], "k-o", label="all data stages")
    first = points[0]
    ax.plot(total["counties"], [first["data_stages_s"] * c / first["counties"] for c in total["counties"]], "k:",
            label="linear from 1x")
    ax.set(xscale="log", yscale="log", xlabel="counties (synthetic layouts)", ylabel="seconds, from nothing (2 cores)",
           title="Data stages vs layout size")
    ax.set_xticks(list(total["counties"]), [str(c) for c in total["counties"]])
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.legend(fontsize=7)
    fig.tight_layout()
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, metadata={"Software": None})
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", default="1,4,16")
    parser.add_argument("--chart-only", action="store_true", help="redraw the chart from growth.json")
    parser.add_argument("--floor-only", action="store_true",
                        help="time the notebook sample again at each factor (its data stages already run), "
                             "keeping the data stages' figures: after a change to the rendering code")
    parser.add_argument("--sample", type=int, default=6, help="county notebooks timed in one warm kernel per point")
    args = parser.parse_args()
    factors = [int(f) for f in args.factors.split(",")]
    out = ROOT / "build" / "benchmarks" / "growth.json"
    points = {p["factor"]: p for p in json.loads(out.read_text(encoding="utf-8"))["points"]} if out.is_file() else {}
    for factor in [] if args.chart_only else factors:
        if args.floor_only:
            points[factor].update(notebook_floor(layout(factor), args.sample))
            print(f"  x{factor} floor {points[factor]['floor_per_notebook_s']} s per notebook", flush=True)
        else:
            points[factor] = measure(factor, args.sample)
        ordered = [points[f] for f in sorted(points)]
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"machine_cores": os.cpu_count(), "targets": TARGETS, "points": ordered},
                                  ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    ordered = [points[f] for f in sorted(points)]
    print(f"{'factor':>6} {'regions':>7} {'counties':>8} {'data s':>8} {'x 1x':>6} {'peak MB':>8} {'floor s':>7} "
          f"{'notebooks':>9} " + " ".join(f"{f'{n} cores':>9}" for n in CORES))
    base = ordered[0]
    for p in ordered:
        projected = p.get("notebooks_projected_s", {})
        print(f"{p['factor']:>6} {p['regions']:>7} {p['counties']:>8} {p['data_stages_s']:>8} "
              f"{p['data_stages_s'] / base['data_stages_s']:>6.1f} {p['peak_rss_mb']:>8.0f} "
              f"{p.get('floor_per_notebook_s', float('nan')):>7} {p.get('notebooks', 0):>9} "
              + " ".join(f"{projected.get(str(n), float('nan')):>9}" for n in CORES))
    if len(ordered) > 1:
        chart(ordered, ROOT / "docs" / "benchmarks" / "growth.png")
    print(f"-> {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
