"""Every pipeline stage declared once: what it reads, which params, what it writes.

dvc.yaml is generated from these specs (`python -m pipeline.specs
--write`; tests/test_dvc_deps.py fails when it is out of date): each stage's
code deps are the modules its command imports, followed through their import
statements (and, for the notebooks stage, the notebooks' code cells), so a
module is never listed by hand; its data deps, params and outputs are the
spec's. The stage caches and the notebooks' reuse keys take the reference
files they digest from the same spec (`reference_files`), so a file added to
a stage's inputs reaches DVC and the caches at once. The audit test runs each
data stage and fails on a file it opens that its spec does not name, or a
file its spec names that it never opens.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from pipeline.digests import PACKAGE, imported_modules, module_closure, module_path
from pipeline.marts import REPORTS_READ

ROOT = PACKAGE.parent
LAUNCHER = "bin/stage.py"  # any python3 runs it; it hands over to the project's interpreter


@dataclass(frozen=True)
class Output:
    path: str
    metric: bool = False  # a `dvc metrics show` file


@dataclass(frozen=True)
class StageSpec:
    name: str
    module: str  # run as `python -m <module>`
    reads: tuple[str, ...]  # data, reference files and folders (code is found from the imports)
    params: tuple[str, ...]
    outs: tuple[Output, ...]
    code: tuple[str, ...] = ()  # code read as files, not imported: SQL, notebooks
    note: str = ""  # the comment above the stage in dvc.yaml

    @property
    def command(self) -> str:
        return f"python3 {LAUNCHER} -m {self.module}"


MARTS = "data/marts"
REFERENCE = "data/reference"


def marts(*names: str) -> tuple[str, ...]:
    return tuple(f"{MARTS}/{n}.parquet" for n in names)


def outs(*paths: str, metrics: tuple[str, ...] = ()) -> tuple[Output, ...]:
    return tuple(Output(p) for p in paths) + tuple(Output(p, metric=True) for p in metrics)


EVALUATION_MARTS = ("evaluation", "evaluation_indicators", "evaluation_weights", "evaluation_coherence",
                    "evaluation_sensitivity", "evaluation_treatment", "evaluation_audit",
                    "evaluation_contributions", "evaluation_adjustments")
MEASURE_MARTS = ("county_year_measures", "region_year_measures", "national_benchmark")

SPECS: tuple[StageSpec, ...] = (
    StageSpec("ingest", "pipeline.stages.ingest",
              reads=("data/raw", f"{REFERENCE}/indicators.yaml", f"{REFERENCE}/divisions.csv",
                     "data/register/code_changes.csv"),
              params=("ingest",), outs=outs("data/staging/warehouse.duckdb")),
    StageSpec("validate", "pipeline.stages.validate",
              reads=("data/staging/warehouse.duckdb", "expectations", f"{REFERENCE}/indicators.yaml",
                     f"{REFERENCE}/divisions.csv"),
              params=("ingest.first_year", "ingest.last_year", "validate", "evaluation.weights"),
              outs=outs("data/warehouse.duckdb", "reports/validation/summary.json", "reports/validation/index.html",
                        "reports/data_docs"),
              note="persist: DVC must not delete the last good warehouse before this stage runs; the stage\n"
                   "replaces it (with its report) only when every critical expectation passes."),
    StageSpec("measures", "pipeline.stages.measures",
              reads=("data/warehouse.duckdb", f"{REFERENCE}/indicators.yaml", f"{REFERENCE}/ccdi_national.csv"),
              params=("ingest.regions", "ingest.first_year", "ingest.last_year", "measures", "judgement"),
              outs=outs(*marts(*MEASURE_MARTS), "plots/new_onset_share.csv",
                        metrics=("metrics/new_onset_share.json",)),
              code=("pipeline/stages/sql/measures.sql",)),
    StageSpec("evaluate", "pipeline.stages.evaluate",
              reads=(*marts("county_year_measures"), f"{REFERENCE}/indicators.yaml"),
              params=("ingest.regions", "report.year", "evaluation"),
              outs=outs(*marts(*EVALUATION_MARTS), "plots/evaluation_index.csv", metrics=("metrics/evaluation.json",))),
    StageSpec("early_warning", "pipeline.stages.early_warning",
              reads=(*marts("county_year_measures"), f"{REFERENCE}/indicators.yaml"),
              params=("ingest.regions", "report.year", "warnings"),
              outs=outs(*marts("warnings"), metrics=("metrics/warnings.json",))),
    StageSpec("findings", "pipeline.stages.findings",
              reads=(*marts(*MEASURE_MARTS, "evaluation", "evaluation_contributions", "evaluation_adjustments",
                            "evaluation_audit", "warnings"),
                     f"{REFERENCE}/divisions.csv", f"{REFERENCE}/indicators.yaml", f"{REFERENCE}/findings.yaml",
                     f"{REFERENCE}/phrases.yaml", "data/issued"),
              params=("ingest.regions", "ingest.first_year", "ingest.last_year", "report.year", "report.sections",
                      "evaluation.grades.labels", "findings"),
              outs=outs(*marts("findings"), metrics=("metrics/findings.json",)),
              note="judges: every statement a report may make, once, as data (pipeline/findings)"),
    StageSpec("presentation", "pipeline.stages.presentation",
              reads=(*marts(*MEASURE_MARTS, "evaluation", "evaluation_weights", "evaluation_coherence",
                            "evaluation_audit", "evaluation_treatment", "evaluation_indicators", "warnings", "findings"),
                     f"{REFERENCE}/indicators.yaml", f"{REFERENCE}/divisions.csv"),
              params=("report.sections.ranking", "report.notice.severities"), outs=outs(*marts("presentation")),
              note="lays out: the region report's tables selected, ordered and printed once (pipeline/stages/presentation.py)"),
    StageSpec("notebooks", "pipeline.report.notebooks",
              reads=(*marts(*REPORTS_READ),
                     f"{REFERENCE}/divisions.csv", f"{REFERENCE}/indicators.yaml", f"{REFERENCE}/phrases.yaml",
                     "uv.lock"),
              params=("ingest.regions", "report"),
              outs=outs("reports/notebooks", "reports/index.html"),
              code=("notebooks/county.ipynb", "notebooks/region.ipynb", "pipeline/report/formats"),
              note="renders: executes the notebooks, then every registered format (pipeline/report/formats);\n"
                   "the package versions (uv.lock) are part of each notebook's reuse key"),
    StageSpec("plots_template", "pipeline.report.plots_template",
              reads=("uv.lock",), params=(), outs=outs("build/dvc_plots_template.html"),
              note="the page template of `dvc plots show`, with the chart library inlined (offline);\n"
                   ".dvc/config points plots.html_template at it"),
)


def spec(name: str) -> StageSpec:
    return next(s for s in SPECS if s.name == name)


def reference_files(name: str, root: Path) -> list[Path]:
    """The reference files a stage reads (the catalog, divisions, rules, phrases, the package lock), for its
    cache salt or reuse key: data it reads part by part (deliveries, warehouses, marts) are keyed per part."""
    return [root / r for r in spec(name).reads if r.startswith(("data/reference/", "data/register/")) or r == "uv.lock"]


PER_PART_PARAMS = ("ingest.regions",)  # which regions exist: each region's part is keyed by its own rows
# params a stage reads only for what it writes about all regions (the evaluation's metrics of the report year),
# never for a region's part: a sweep over report years reads every region's evaluation back
WHOLE_STAGE_PARAMS = {"evaluate": ("report.year",), "early_warning": ("report.year",)}


def settings(name: str, params: dict) -> dict[str, object]:
    """The params a stage's spec names (those that choose the parts left out), dotted key -> value, for a
    cache salt: the same list DVC watches."""
    chosen = {}
    for key in spec(name).params:
        if key in PER_PART_PARAMS or key in WHOLE_STAGE_PARAMS.get(name, ()):
            continue
        value: object = params
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        chosen[key] = value
    return chosen


def notebook_modules(path: Path) -> set[str]:
    """Project modules a notebook's code cells import."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"] if path.is_file() else []
    source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    return imported_modules(PACKAGE, source, "")


def code_deps(s: StageSpec, root: Path = ROOT) -> list[str]:
    """The launcher, every project module the stage's command (and its notebooks) import, and its code files."""
    start = {s.module, f"{s.module}.__main__"}  # `python -m package` runs the package's __main__
    for extra in s.code:
        if extra.endswith(".ipynb"):
            start |= notebook_modules(root / extra)
    folders = [root / c for c in s.code if (root / c).is_dir()]  # a folder of modules loaded by name (formats)
    for folder in folders:  # listed whole, but what its modules import is followed like any other import
        start |= {".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
                  for p in folder.rglob("*.py")}
    start = {m for m in start if module_path(PACKAGE, m)}
    modules = sorted(p.relative_to(root).as_posix() for p in module_closure(PACKAGE, start)
                     if not any(f in p.parents for f in folders))
    return [LAUNCHER, *modules, *s.code]


HEADER = """\
# GENERATED from pipeline/specs.py by `python -m pipeline.specs --write`: edit the specs, not
# this file (tests/test_dvc_deps.py fails when the two differ).
#
# Pipeline: raw deliveries -> staging warehouse -> validated warehouse -> marts -> reports.
# Every output is `persist: true`: DVC must not delete the last good outputs before a
# stage runs; each stage writes to temporary files and renames them only when done, so
# a run killed half-way leaves the previous outputs, whole and consistent. Code deps are
# the modules each stage imports (followed through their imports), so a module is never
# listed by hand.
"""

PLOTS = """\
plots:
  - new_onset_share_by_county:
      template: county_lines
      x: year
      y:
        plots/new_onset_share.csv: new_onset_share
      title: 新发生案件占比（%），按县区 — 合成演示数据
      x_label: 年度
      y_label: 新发生案件占比（%）
  - evaluation_index_by_county:
      template: bar_horizontal_sorted
      x: index
      y:
        plots/evaluation_index.csv: county
      title: 综合评价指数（报告年度），按县区 — 合成演示数据
      x_label: 指数
      y_label: 县区
"""


def stage_yaml(s: StageSpec, root: Path = ROOT) -> list[str]:
    lines = [f"  # {line}" for line in s.note.splitlines()] if s.note else []
    lines += [f"  {s.name}:", f"    cmd: {s.command}", "    deps:"]
    lines += [f"      - {d}" for d in (*code_deps(s, root), *s.reads)]
    if s.params:
        lines += ["    params:", *(f"      - {p}" for p in s.params)]
    for key, chosen in (("outs", [o for o in s.outs if not o.metric]), ("metrics", [o for o in s.outs if o.metric])):
        if chosen:
            lines.append(f"    {key}:")
            for o in chosen:
                lines += [f"      - {o.path}:", "          cache: false", "          persist: true"]
    return lines


def dvc_yaml(root: Path = ROOT) -> str:
    body = [HEADER.rstrip("\n"), "stages:"]
    for i, s in enumerate(SPECS):
        body += ([""] if i else []) + stage_yaml(s, root)
    return "\n".join(body) + "\n\n" + PLOTS


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Write or check dvc.yaml from the stage specs.")
    parser.add_argument("--write", action="store_true", help="write dvc.yaml")
    args = parser.parse_args(argv)
    target = ROOT / "dvc.yaml"
    text = dvc_yaml()
    if args.write:
        target.write_text(text, encoding="utf-8")
        print(target.relative_to(ROOT))
    elif target.read_text(encoding="utf-8") != text:
        print("dvc.yaml 与 pipeline/specs.py 不一致：运行 python -m pipeline.specs --write", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
