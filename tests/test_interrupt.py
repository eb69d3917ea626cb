"""kill -9 in the middle of each computing stage: the last good outputs stay, whole; the next run recovers.

Runs the real `dvc repro -s <stage>` on a small project and kills its whole
process group shortly after DVC starts the stage. DVC must not have deleted
the outputs (they are `persist: true`), and the stage must not have replaced
any of them half-way (it writes temporaries and renames them at the end).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import HEADER, REPO, csv_bytes, good_rows, narrow_project, run_cmd

pytestmark = pytest.mark.slow

STAGES = ("ingest", "validate", "measures", "evaluate", "early_warning", "findings")
COMPUTING = ["evaluate", "early_warning", "findings"]  # dvc repro targets that bring every computing stage up to date
OUTPUTS = {
    "ingest": ["data/staging/warehouse.duckdb"],
    "validate": ["data/warehouse.duckdb", "reports/validation/summary.json", "reports/data_docs/index.html"],
    "measures": ["data/marts/county_year_measures.parquet", "data/marts/region_year_measures.parquet",
                 "data/marts/national_benchmark.parquet", "metrics/new_onset_share.json"],
    "evaluate": ["data/marts/evaluation.parquet", "data/marts/evaluation_indicators.parquet",
                 "metrics/evaluation.json"],
    "early_warning": ["data/marts/warnings.parquet", "metrics/warnings.json"],
    "findings": ["data/marts/findings.parquet", "metrics/findings.json"],
}


def digest(root: Path, rel: str) -> str:
    return hashlib.sha256((root / rel).read_bytes()).hexdigest()


def temporaries(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob(".*")
                  if p.name.endswith((".tmp", ".tmp.wal", ".partial")) and ".dvc" not in p.parts)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("kill") / "proj"
    listed = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    for rel in listed.splitlines():
        if rel.startswith(("data/raw/", "tests/", "benchmarks/")) or not (REPO / rel).is_file():
            continue
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, root / rel)
    narrow_project(root, ["990101", "990102"], 2019, 2020, **{"workers: 0": "workers: 2"})
    (root / "data/raw/990100").mkdir(parents=True)
    for year in (2019, 2020):
        (root / f"data/raw/990100/{year}.csv").write_bytes(csv_bytes([HEADER, *good_rows(year)]))
    git = ["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t"]
    run_cmd(["git", "init", "-q"], root)
    run_cmd([*git, "add", "-A"], root)
    run_cmd([*git, "commit", "-qm", "kill test"], root)
    run_cmd(["dvc", "repro", *COMPUTING], root)  # notebooks are not under test here
    return root


def kill_during(root: Path, stage: str, delay: float) -> str:
    """Start `dvc repro -s stage`, kill -9 its process group `delay` s after the stage starts; its output."""
    env = os.environ | {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                        "GX_ANALYTICS_ENABLED": "false", "DVC_NO_ANALYTICS": "1"}
    proc = subprocess.Popen(["dvc", "repro", "-s", stage], cwd=root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    seen = ""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        seen += line
        if "Running stage" in line or not line:
            break
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return seen


def test_kill_during_each_stage_keeps_the_last_good_outputs(project):
    """One changed delivery walks down the chain: each stage is killed once while it computes from new
    inputs, its outputs are checked, and the stage alone is run again before the next one is killed (so
    every stage is killed with every stage above it up to date, as a run from nothing would reach it, and
    recovered by the run that follows, without re-running the whole chain after each kill)."""
    raw = project / "data/raw/990100/2020.csv"
    rows = good_rows(2020)
    rows[0][3] = 123  # a changed delivery: every stage has other figures to compute
    raw.write_bytes(csv_bytes([HEADER, *rows]))
    for stage in STAGES:
        before = {rel: digest(project, rel) for rel in OUTPUTS[stage]}
        log = kill_during(project, stage, 0.3)
        assert f"Running stage '{stage}'" in log, (stage, log)
        after = {rel: digest(project, rel) for rel in OUTPUTS[stage] if (project / rel).is_file()}
        assert set(after) == set(OUTPUTS[stage]), f"{stage}: an output was deleted"
        assert after == before, f"{stage}: an output was replaced half-way"
        # the next run of the stage recovers, leaving no temporary file behind
        run_cmd(["dvc", "repro", "-s", stage], project)
        assert temporaries(project) == [], stage
    assert run_cmd(["dvc", "status", *COMPUTING, "--json"], project).stdout.strip() == "{}"
