"""Reuse keys: a notebook whose inputs are unchanged is copied from the last good reports, not executed.

Each job's key hashes the code it runs with (the notebook, the rendering
package pipeline/report and every project module it or the notebook imports,
found by following their import statements; the reference files; the package lock), the report settings, its
region's rows of every mart the reports read (marts.REPORTS_READ) and those marts without a region. A stage's code is
not among them: what a stage computes reaches the notebooks through the
marts, which are hashed, so a stage edited without changing a mart leaves
every notebook reusable. The key is written beside the outputs (inputs.sha256).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from pipeline.digests import digest as _digest
from pipeline.digests import frame_digest as _frame_digest
from pipeline.digests import frame_digests_by, imported_modules, module_closure
from pipeline.report.notebooks.jobs import KEY_FILE, NOTEBOOKS_DIR, OUTPUT_DIR, Job, output
from pipeline.specs import reference_files

# report params that change how a notebook is run, not what it shows; `year` picks which year is built
# (a job's own year is among its parameters), so changing it does not re-execute the other years kept
RUN_ONLY_PARAMS = ("workers", "year")


def rendering_package(package: Path) -> set[str]:
    """Every module of pipeline/report: the views, the words, and the runner that executes and exports notebooks."""
    return {".".join(p.relative_to(package.parent).with_suffix("").parts).removesuffix(".__init__")
            for p in (package / "report").rglob("*.py")}


def code_digest(root: Path, kind: str, package: Path | None = None) -> str:
    """The notebook, the project modules it runs (with the runner's), the reference files and the package lock."""
    package = package or Path(__file__).resolve().parents[2]
    notebook = root / NOTEBOOKS_DIR / f"{kind}.ipynb"
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"] if notebook.is_file() else []
    source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    files = sorted(module_closure(package, rendering_package(package) | imported_modules(package, source, "")))
    parts = [f.relative_to(package).as_posix().encode() + b"\0" + f.read_bytes() for f in files]
    for extra in (notebook, *reference_files("notebooks", root)):  # the stage's spec names them, as DVC reads them
        parts.append(extra.name.encode() + b"\0" + (extra.read_bytes() if extra.is_file() else b""))
    parts.append(sys.version.encode())
    return _digest(*parts)


def input_keys(root: Path, params: dict, jobs: list[Job]) -> dict[Job, str]:
    """Each job's key: the code and settings it runs with and its region's rows of every mart it reads.

    Notebooks of a region read that region's rows only (load_report_data reads
    by region); the national benchmark reaches them through the presentation.
    """
    from pipeline import marts

    report = {k: v for k, v in params["report"].items() if k not in RUN_ONLY_PARAMS}
    settings = json.dumps(report, sort_keys=True, ensure_ascii=False).encode()
    tables = {name: marts.read_mart(root, name) for name in marts.REPORTS_READ if marts.mart_path(root, name).is_file()}
    shared, by_region = [], {}
    for name, frame in sorted(tables.items()):
        if "region_code" not in frame.columns:
            shared.append(f"{name}:{_frame_digest(frame)}".encode())
    regions = list(dict.fromkeys(j.region for j in jobs))
    sliced = {name: frame_digests_by(frame, "region_code", regions) for name, frame in sorted(tables.items())
              if "region_code" in frame.columns}
    for region in regions:
        by_region[region] = _digest(*(f"{name}:{digests[region]}".encode() for name, digests in sliced.items()),
                                    *shared)
    code = {kind: code_digest(root, kind) for kind in {j.kind for j in jobs}}
    return {j: _digest(code[j.kind].encode(), settings, by_region[j.region].encode(),
                       json.dumps(j.parameters, sort_keys=True).encode()) for j in jobs}


def reusable(root: Path, job: Job, key: str) -> bool:
    """The last good outputs of `job` were made from the same inputs."""
    folder = root / OUTPUT_DIR / job.relative_dir()
    stamp = folder / KEY_FILE
    return stamp.is_file() and stamp.read_text(encoding="ascii").strip() == key \
        and (folder / output(job.kind, "notebook")).is_file() and (folder / output(job.kind, "page")).is_file()


def copy_outputs(root: Path, job: Job, scratch: Path) -> None:
    """A reused job's files (not the county folders under a region's) into the scratch tree.

    Hard-linked where the file system allows: a province reuses ~240 MB of
    reports on a one-county correction, and copying them cost seconds. Nothing
    writes into a published file (every output is written anew in the scratch
    tree and moved), so a link is as good as a copy; across file systems, a copy.
    """
    _link_files(root / OUTPUT_DIR / job.relative_dir(), scratch / job.relative_dir())


# ---------------------------------------------------------------- outputs kept by key (a reverted input)


def _cache_dir(root: Path) -> Path:
    return root / "build" / "cache" / "notebooks"


def _entry(root: Path, key: str) -> Path:
    return _cache_dir(root) / key  # the key is hex: nothing typed becomes a path part


def cached(root: Path, job: Job, key: str) -> bool:
    """Outputs of `job` made from these very inputs are kept in the cache (a correction reverted, a sweep's
    setting set back): they are reused as the published ones would be."""
    from pipeline.stage_cache import cache_enabled

    entry = _entry(root, key)
    stamp = entry / KEY_FILE
    return cache_enabled() and stamp.is_file() and stamp.read_text(encoding="ascii").strip() == key \
        and (entry / output(job.kind, "notebook")).is_file() and (entry / output(job.kind, "page")).is_file()


def _link_files(source: Path, target: Path) -> None:
    """The files (not the folders) of `source` into `target`, hard-linked where the file system allows."""
    target.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        if item.is_file():
            try:
                os.link(item, target / item.name)
            except OSError:
                shutil.copy2(item, target / item.name)


def copy_cached(root: Path, job: Job, key: str, scratch: Path) -> None:
    """A cached job's files into the scratch tree (hard links, as copy_outputs)."""
    entry = _entry(root, key)
    os.utime(entry)  # recently used: kept by keep_outputs' pruning
    _link_files(entry, scratch / job.relative_dir())


def keep_outputs(root: Path, done: dict[Job, str], scratch: Path, used: int) -> None:
    """Each executed job's files kept under its key (hard links to what is about to be published: nothing is
    written into a published file, so a link is as good as a copy); entries beyond KEEP_FACTOR x the jobs of
    this run removed, oldest first. Nothing kept with POLIECO_STAGE_CACHE=off."""
    from pipeline.stage_cache import KEEP_FACTOR, cache_enabled

    if not cache_enabled():
        return
    for job, key in done.items():
        entry = _entry(root, key)
        if entry.is_dir():
            continue
        staged = entry.with_name(f".{key}.{os.getpid()}.tmp")
        shutil.rmtree(staged, ignore_errors=True)
        _link_files(scratch / job.relative_dir(), staged)
        os.replace(staged, entry)
    folder = _cache_dir(root)
    entries = sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in entries[KEEP_FACTOR * max(used, 1):]:
        shutil.rmtree(stale, ignore_errors=True)
    for tmp in folder.glob(".*.tmp"):  # left by a run killed while keeping
        shutil.rmtree(tmp, ignore_errors=True)
