"""Shared fixtures: a small project in a tmp folder with crafted deliveries."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook

REPO = Path(__file__).resolve().parents[1]
# a test Dask scheduler's HTTP routes (health, metrics) on a free port, not the fixed 8787 (two clusters at once
# collided there: distributed warned and moved one)
LOOPBACK_HTTP = {"dashboard_address": "127.0.0.1:0"}

# The fast tier (`make test-fast`, marker `fast`): the catalog, ingest parsing, every evaluation step, every
# findings rule (on the stages run in-process on a two-county fixture), the golden judgements, phrasing on
# in-memory findings, the structure checks. Everything else (write-ups built from the marts, notebooks, DVC
# end to end, interruptions, sweeps, fuzzing) is in `make test` only. Tests marked `slow` never run here.
FAST_MODULES = {
    "test_catalog", "test_ingest", "test_deliveries", "test_periods", "test_template", "test_measures",
    "test_evaluate", "test_evaluate_reference", "test_weighting", "test_sensitivity", "test_early_warning",
    "test_judgement", "test_judgement_golden", "test_findings_rules", "test_findings", "test_text_gate",
    "test_table_fit", "test_charts", "test_index_colours", "test_progress", "test_romanise", "test_reuse_key",
    "test_structure", "test_specs", "test_architecture", "test_marts", "test_presentation", "test_executor",
    "test_page_format", "test_official_runs", "test_kernel_sockets",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.module.__name__ in FAST_MODULES and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.fast)

HEADER = ["区划代码", "县（市、区）", "年度", "立案数（件）", "新发生案件数", "党纪政务处分人数",
          "第一种形态", "第二种形态", "第三种形态", "第四种形态", "信访举报件次（件次）",
          "党风廉政建设社会评价满意度", "党员人数"]


def good_rows(year: int) -> list[list[object]]:
    """Two counties of region 990100 with plausible figures for `year`."""
    k = year - 2019
    return [
        ["990101", "城关区", year, 100 + 10 * k, 30 + k, 95, 400, 150, 20, 12, 500 + 50 * k, 85.5, 20000],
        ["990102", "城西区", year, 200, 50, 180, 700, 250, 30, 25, 900, 90.0, 30000],
    ]


def csv_bytes(rows: list[list[object]], encoding: str = "utf-8", title: str | None = "测试数据（合成）") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if title:
        writer.writerow([title])
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def write_xlsx(path: Path, rows: list[list[object]]) -> None:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)


class Project:
    """A throw-away project root: reference data, suites, params and data/raw/990100/."""

    def __init__(self, root: Path):
        self.root = root
        self.raw = root / "data" / "raw" / "990100"

    def write(self, name: str, data: bytes) -> Path:
        path = self.raw / name
        path.write_bytes(data)
        return path

    def write_csv(self, year: int, rows: list[list[object]] | None = None, encoding: str = "utf-8") -> Path:
        rows = rows if rows is not None else [HEADER, *good_rows(year)]
        return self.write(f"{year}.csv", csv_bytes(rows, encoding))

    def set_params(self, **ingest) -> None:
        path = self.root / "params.yaml"
        params = yaml.safe_load(path.read_text(encoding="utf-8"))
        params["ingest"].update(ingest)
        path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")

    def set_validate(self, **validate) -> None:
        path = self.root / "params.yaml"
        params = yaml.safe_load(path.read_text(encoding="utf-8"))
        params["validate"].update(validate)
        path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    root = tmp_path / "proj"
    (root / "data").mkdir(parents=True)
    shutil.copytree(REPO / "data" / "reference", root / "data" / "reference")
    shutil.copytree(REPO / "expectations", root / "expectations")
    shutil.copy(REPO / "params.yaml", root / "params.yaml")
    proj = Project(root)
    proj.raw.mkdir(parents=True)
    proj.set_params(regions=["990100"], first_year=2019, last_year=2020)
    # the test deliveries hold two of the region's ten counties; completeness has tests of its own
    proj.set_validate(missing_counties="warn")
    return proj


def run_cmd(args: list[str], cwd: Path, check: bool = True, **env_extra: str):
    """Run a command with this interpreter's environment first on PATH (DVC stages call `python`)."""
    import os
    import subprocess
    import sys

    env = os.environ | {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                        "GX_ANALYTICS_ENABLED": "false", "DVC_NO_ANALYTICS": "1", **env_extra}
    env.pop("POLIECO_ROOT", None)
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8")
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def narrow_project(root: Path, counties: list[str], first: int, last: int, **replace: str) -> None:
    """Keep only region 990100 with `counties` in divisions.csv and scope params.yaml to first..last."""
    div = (root / "data/reference/divisions.csv").read_text(encoding="utf-8").splitlines()
    prefixes = ("code", "990000", "990100,", *(f"{c}," for c in counties))
    (root / "data/reference/divisions.csv").write_text(
        "\n".join(line for line in div if line.startswith(prefixes)) + "\n", encoding="utf-8")
    params = (REPO / "params.yaml").read_text(encoding="utf-8")
    params = (params.replace('regions: ["990100", "990200"]', 'regions: ["990100"]')
              .replace("first_year: 2015", f"first_year: {first}").replace("last_year: 2024", f"last_year: {last}")
              .replace("  year: 2024", f"  year: {last}"))
    for old, new in replace.items():
        params = params.replace(old, new)
    (root / "params.yaml").write_text(params, encoding="utf-8")


def build_marts(project, monkeypatch, keep: set[str] | None, first: int = 2019, last: int = 2020,
                region: str = "990100", **params):
    """Run ingest, promotion, measures, evaluate, early_warning and findings on the project; its ReportData.

    `keep`: the places of region 990100 left in divisions.csv (None keeps the register as it is);
    `params`: params.yaml keys as section__key=value.
    """
    from pipeline.config import Paths
    from pipeline.report.data import load_report_data
    from pipeline.stages import early_warning, evaluate, findings, ingest, measures, presentation
    from pipeline.stages.validate import promote

    if keep is not None:
        path = project.root / "data/reference/divisions.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join(x for x in lines if not x.startswith("9901") or x.split(",")[0] in keep
                                  or x.startswith("990100,")) + "\n", encoding="utf-8")
    p = yaml.safe_load((project.root / "params.yaml").read_text(encoding="utf-8"))
    p["ingest"].update(first_year=first, last_year=last, regions=[region])
    p["report"].update(year=last, first_year=first)
    for dotted, value in params.items():
        node = p
        *keys, leaf = dotted.split("__")
        for k in keys:
            node = node[k]
        node[leaf] = value
    (project.root / "params.yaml").write_text(yaml.safe_dump(p, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("POLIECO_ROOT", str(project.root))
    ingest.ingest(project.root)
    paths = Paths(project.root)
    promote(paths.staging_warehouse, paths.warehouse)
    for stage in (measures, evaluate, early_warning, findings, presentation):
        stage.main()
    return load_report_data(project.root)


def built_once(tmp_path_factory, name: str, build) -> Path:
    """The project `build(root)` makes, built once per test run and shared by the xdist workers: the first
    module to ask builds it while any other waits on a lock. Callers read it; one that changes it takes its
    own copy (`shutil.copytree(..., symlinks=True)`). The notebooks' two-county project took 65 s to build, once
    for tests/test_notebooks.py and again for tests/test_index_browser.py."""
    import os

    from filelock import FileLock

    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / f"built-{name}"  # this run's only
    with FileLock(f"{shared}.lock"):
        if not (shared / "built").is_file():
            shutil.rmtree(shared, ignore_errors=True)
            build(shared / "proj")
            (shared / "built").touch()
    return shared / "proj"


@pytest.fixture(scope="module")
def cluster():
    """A real Dask LocalCluster (no mock): two worker processes of one thread each, loopback only; one per
    test module that asks for it (tests/test_executor.py, tests/test_notebooks.py)."""
    import os

    distributed = pytest.importorskip("distributed")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, scheduler_kwargs=LOOPBACK_HTTP) as local:
        yield local
