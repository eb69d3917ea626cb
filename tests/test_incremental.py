"""Incremental data stages: a corrected county recomputes its region only, and writes what a run from nothing writes.

The stages run for real (DuckDB warehouse, Great Expectations suites,
Parquet marts) on the demo's two regions, 2023-2024. The expected outputs are
not restated from the code: they are whatever the same stages write with the
cache switched off (POLIECO_STAGE_CACHE=off), compared byte for byte.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from pipeline.stages import (
    early_warning,
    evaluate,
    findings,
    ingest,
    measures,
    presentation,
    validate,
)

REPO = Path(__file__).resolve().parents[1]
STAGES = {"ingest": ingest, "validate": validate, "measures": measures, "evaluate": evaluate,
          "early_warning": early_warning, "findings": findings, "presentation": presentation}
OUTPUTS = ("data/marts/*.parquet", "metrics/*.json", "plots/*.csv", "reports/validation/summary.json",
           "reports/validation/index.html")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("incremental") / "proj"
    for rel in ("data/reference", "data/register", "expectations"):
        shutil.copytree(REPO / rel, root / rel)
    for delivery in (REPO / "data/raw").glob("*/202[3-4]*"):
        target = root / delivery.relative_to(REPO)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(delivery, target)
    params = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
    params["ingest"].update(first_year=2023, last_year=2024)
    (root / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return root


def run_all(root: Path, monkeypatch, capsys, cache: str = "on", only: tuple[str, ...] = tuple(STAGES)) -> dict[str, str]:
    """Each stage's console output, run in this process as DVC would run its command."""
    monkeypatch.setenv("POLIECO_ROOT", str(root))
    monkeypatch.setenv("POLIECO_STAGE_CACHE", cache)
    monkeypatch.setattr(sys, "argv", ["stage"])
    logs = {}
    for name in only:
        STAGES[name].main()
        logs[name] = capsys.readouterr().out
    return logs


def outputs(root: Path) -> dict[str, str]:
    files = sorted(p for pattern in OUTPUTS for p in root.glob(pattern))
    found = {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    for db in ("data/staging/warehouse.duckdb", "data/warehouse.duckdb"):  # the tables, not the file's pages
        with duckdb.connect(str(root / db), read_only=True) as con:
            for table in ("facts", "deliveries", "divisions"):
                rows = con.sql(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
                found[f"{db}:{table}"] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return found


def correct(root: Path) -> None:
    """城关区 (990201) filed 98 cases in 2024, not 97: the region 990200 resends its table."""
    path = root / "data/raw/990200/2024.csv"
    text = path.read_bytes().decode("utf-8")
    assert "990201,城关区,2024,97," in text
    path.write_bytes(text.replace("990201,城关区,2024,97,", "990201,城关区,2024,98,").encode("utf-8"))


def test_corrected_county_recomputes_its_region_and_matches_a_run_from_nothing(demo, monkeypatch, capsys):
    run_all(demo, monkeypatch, capsys)
    unchanged = run_all(demo, monkeypatch, capsys)
    for name in ("validate", "measures", "evaluate", "findings", "presentation"):
        assert "重新计算 0 个地区，复用 2 个地区" in unchanged[name], unchanged[name]
    assert "重新计算 0 个报送文件" in unchanged["ingest"]

    correct(demo)
    logs = run_all(demo, monkeypatch, capsys)
    assert "重新计算 1 个报送文件（data/raw/990200/2024.csv）" in logs["ingest"]
    for name in ("validate", "measures", "evaluate", "findings", "presentation"):
        assert "重新计算 1 个地区（990200），复用 1 个地区" in logs[name], logs[name]
    incremental = outputs(demo)
    with duckdb.connect(str(demo / "data/warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT value FROM facts WHERE county_code = '990201' AND year = 2024 "
                           "AND indicator = 'cases_filed'").fetchall() == [(98.0,)]

    shutil.rmtree(demo / "build" / "cache")
    logs = run_all(demo, monkeypatch, capsys, cache="off")
    assert "全部重新计算" in logs["evaluate"]
    assert not (demo / "build" / "cache").exists()
    assert outputs(demo) == incremental


def test_damaged_cache_entries_are_detected_by_their_digest_and_rebuilt(demo, monkeypatch, capsys):
    if not (demo / "data/warehouse.duckdb").is_file():  # run alone: the marts evaluate reads
        run_all(demo, monkeypatch, capsys)
    run_all(demo, monkeypatch, capsys, only=("evaluate",))
    before = outputs(demo)
    entries = sorted((demo / "build/cache/evaluate").glob("*.entry"))
    assert len(entries) == 2
    cut, edited = entries
    cut.write_bytes(cut.read_bytes()[: len(cut.read_bytes()) // 2])  # a run killed while writing
    data = bytearray(edited.read_bytes())
    data[-10] ^= 0x01  # one bit changed by hand
    edited.write_bytes(bytes(data))
    (demo / "build/cache/evaluate" / f".{cut.name}.4242.tmp").write_bytes(b"half")  # a temp file left behind

    log = run_all(demo, monkeypatch, capsys, only=("evaluate",))["evaluate"]
    assert log.count("已损坏") == 2
    assert "重新计算 2 个地区" in log
    assert outputs(demo) == before
    assert not list((demo / "build/cache/evaluate").glob(".*.tmp"))
    again = run_all(demo, monkeypatch, capsys, only=("evaluate",))["evaluate"]
    assert "已损坏" not in again and "重新计算 0 个地区，复用 2 个地区" in again
