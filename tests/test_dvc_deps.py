"""dvc.yaml declares every module a stage imports and every file it opens, so `dvc repro` never serves stale output.

dvc.yaml is generated from pipeline/specs.py (tests/test_specs.py checks it is current). Here the result is
checked independently: the modules by following `import` statements from each stage's command (and, for the
notebooks stage, from the notebooks' code cells); the files by running the data stages with an audit hook
that records every file opened under the project root, both ways (nothing opened that the spec does not
name, nothing named that is never opened).
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO

DVC = yaml.safe_load((REPO / "dvc.yaml").read_text(encoding="utf-8"))["stages"]


def module_file(name: str) -> Path | None:
    base = REPO / Path(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imports_of(source: str, package: str) -> set[str]:
    """Project modules a piece of code imports (anywhere in it, functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("pipeline")}
        elif isinstance(node, ast.ImportFrom) and node.module:
            module = node.module if node.level == 0 else ".".join([*package.split(".")[: -node.level + 1 or None],
                                                                     node.module])
            if not module.startswith("pipeline"):
                continue
            found.add(module)
            found |= {f"{module}.{a.name}" for a in node.names if module_file(f"{module}.{a.name}")}
    return {m for m in found if module_file(m)}


def closure(start: set[str]) -> set[str]:
    """Every project module reached from `start`, with the packages they live in."""
    seen: set[str] = set()
    todo = list(start)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # packages' __init__ run first
        todo += list(imports_of(module_file(name).read_text(encoding="utf-8"), name))
    return seen


def notebook_imports(path: Path) -> set[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    return imports_of(code, "notebook")


def stage_modules(stage: str) -> set[str]:
    spec = DVC[stage]
    start = {spec["cmd"].split("-m", 1)[1].split()[0]}
    for dep in spec["deps"]:
        if dep.endswith(".ipynb"):
            start |= notebook_imports(REPO / dep)
    return closure(start)


def undeclared(deps: list[str], files: set[Path]) -> list[str]:
    """Files not covered by a dep (a dep may be a file or a folder)."""
    declared = [REPO / d for d in deps]
    return sorted(str(f.relative_to(REPO)) for f in files
                  if not any(f == d or d in f.parents for d in declared))


@pytest.mark.parametrize("stage", sorted(DVC))
def test_every_module_a_stage_imports_is_a_dep(stage):
    files = {module_file(m) for m in stage_modules(stage)}
    assert undeclared(DVC[stage]["deps"], files) == []


def test_stages_never_import_rendering_code():
    for stage in ("ingest", "validate", "measures", "evaluate", "early_warning", "findings", "presentation"):
        assert not [m for m in stage_modules(stage) if m.startswith("pipeline.report")], stage


def test_the_check_catches_a_removed_dep():
    """Negative control: drop one module from the notebooks stage's deps and the check must name it."""
    files = {module_file(m) for m in stage_modules("notebooks")}
    deps = [d for d in DVC["notebooks"]["deps"] if d != "pipeline/report/writeup.py"]
    assert undeclared(deps, files) == ["pipeline/report/writeup.py"]


def test_notebooks_stage_reads_the_marts_the_reports_read_and_the_phrases():
    """The notebooks read the findings, the presentation and the marts the workbook exports
    (marts.REPORTS_READ), never a measures mart: each is a dep, and a measures mart is not (a change to it
    reaches the reports through the presentation, which is)."""
    from pipeline import marts

    deps = DVC["notebooks"]["deps"]
    for name in marts.REPORTS_READ:
        assert f"data/marts/{name}.parquet" in deps, name
    for name in (marts.COUNTY, marts.REGION, marts.NATIONAL):
        assert f"data/marts/{name}.parquet" not in deps, name
    assert "data/reference/phrases.yaml" in deps


AUDIT = r"""
import os, sys, runpy
root = os.path.realpath(sys.argv[1])
opened = set()
def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.path.realpath(os.fsdecode(args[0]))
        if path.startswith(root + os.sep) and "__pycache__" not in path:
            opened.add(path)
sys.addaudithook(hook)
import duckdb  # DuckDB opens its files in C++, unseen by the hook: its connections are recorded here
_connect = duckdb.connect
def connect(database=":memory:", *args, **kwargs):
    hook("open", (str(database),))
    return _connect(database, *args, **kwargs)
duckdb.connect = connect
sys.argv = [sys.argv[2]]
try:
    runpy.run_module(sys.argv[0], run_name="__main__")
finally:
    with open(os.path.join(os.environ["AUDIT_OUT"]), "w") as fh:
        fh.write("\n".join(sorted(opened)))
"""


@pytest.mark.slow
def test_files_each_stage_opens_are_declared(tmp_path):
    """Run the computing stages on a copy of the demo and compare what they open with deps and outs."""
    root = tmp_path / "proj"
    for rel in ("data/raw", "data/reference", "expectations"):
        shutil.copytree(REPO / rel, root / rel)
    shutil.copy(REPO / "params.yaml", root / "params.yaml")
    hook = tmp_path / "audit.py"
    hook.write_text(AUDIT, encoding="utf-8")
    seen = {}
    for stage in ("ingest", "validate", "measures", "evaluate", "early_warning", "findings", "presentation"):
        out = tmp_path / f"{stage}.txt"
        env = {"POLIECO_ROOT": str(root), "AUDIT_OUT": str(out), "PYTHONPATH": str(REPO),
               "GX_ANALYTICS_ENABLED": "false", "PATH": str(Path(sys.executable).parent)}
        proc = subprocess.run([sys.executable, str(hook), str(root), DVC[stage]["cmd"].split("-m", 1)[1].split()[0]],
                              cwd=root, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr[-2000:]
        opened = {Path(p) for p in out.read_text(encoding="utf-8").splitlines() if p}
        spec = DVC[stage]
        outs = [next(iter(o)) if isinstance(o, dict) else o for o in [*spec.get("outs", []), *spec.get("metrics", [])]]
        allowed = [root / d for d in [*spec["deps"], *outs, "params.yaml", "build", "data/staging"]]
        # an output is built beside itself under a dotted temporary name, then renamed over it
        scratch = [str(root / Path(o).parent / f".{Path(o).name}") for o in outs]
        stray = sorted(str(p.relative_to(root)) for p in opened
                       if not any(p == a or a in p.parents for a in allowed)
                       and not any(str(p).startswith(s) for s in scratch))
        assert stray == [], f"{stage} opens files its spec (pipeline/specs.py) does not name: {stray}"
        # and the other way: every input the spec names is read (a folder: something in it)
        unread = [r for r in spec["deps"] if not r.startswith(("pipeline/", "bin/", "notebooks/"))
                  and (root / r).exists() and not any(p == root / r or root / r in p.parents for p in opened)]
        assert unread == [], f"{stage}'s spec (pipeline/specs.py) names inputs it never reads: {unread}"
        seen[stage] = {str(p.relative_to(root)) for p in opened}
    # the hook sees what matters: reference files, and marts read through pipeline.marts
    assert {"data/reference/ccdi_national.csv", "data/reference/indicators.yaml"} <= seen["measures"]
    assert "data/marts/county_year_measures.parquet" in seen["evaluate"]
    assert "data/reference/divisions.csv" in seen["ingest"]
    assert {"data/reference/findings.yaml", "data/marts/evaluation.parquet"} <= seen["findings"]
    assert "data/marts/evaluation_coherence.parquet" in seen["presentation"]
