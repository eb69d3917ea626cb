"""A two-experiment parameter sweep with `dvc exp run -S` in a temporary Git repository.

The experiments run in the workspace (`dvc exp run -S ... -n NAME`), so only
the stages a parameter touches rerun; `--queue` + `--run-all` gives the same
table but rebuilds every stage in a temporary copy, which costs minutes here.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from conftest import HEADER, REPO, csv_bytes, good_rows, narrow_project, run_cmd

pytestmark = pytest.mark.slow


def run(args: list[str], cwd: Path):
    return run_cmd(args, cwd)


def small_repo(dest: Path) -> Path:
    """The project with a 3-county region and four years, committed to a fresh Git repo."""
    for rel in ["pipeline", "bin", "notebooks", "expectations", "data/reference", "data/register", "data/issued",
                ".dvc/plots"]:
        shutil.copytree(REPO / rel, dest / rel, ignore=shutil.ignore_patterns("__pycache__"))
    for rel in ["dvc.yaml", ".dvc/config", ".dvcignore", ".gitignore", "uv.lock"]:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / rel, dest / rel)
    narrow_project(dest, ["990101", "990102", "990103"], 2017, 2020, **{"draws: 512": "draws: 128"})
    raw = dest / "data/raw/990100"
    raw.mkdir(parents=True)
    for year in range(2017, 2021):
        rows = good_rows(year)
        third = [*rows[0]]
        third[:2] = ["990103", "河口区"]
        third[11] = 80.0 + year - 2017  # a third county with its own satisfaction path
        rows.append(third)
        header = [*HEADER, "经济社会发展考评", "政风行风满意度", "选人用人评议", "平安建设群众满意度", "市委委员综合评价"]
        scores = [[88, 80, 75, 90, 70], [70, 85, 90, 72, 88], [79, 79, 82, 81, 80]]
        rows = [[*r, *[s + (year - 2017) * (1 if i == 1 else -1) for s in scores[i]]] for i, r in enumerate(rows)]
        (raw / f"{year}.csv").write_bytes(csv_bytes([header, *rows]))
    run(["git", "init", "-q"], dest)
    run(["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", "add", "-A"], dest)
    run(["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-qm", "small"], dest)
    run(["dvc", "repro"], dest)
    run(["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", "add", "-A"], dest)
    run(["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-qm", "baseline"], dest)
    return dest


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """One small project for the file's tests (built and reproduced once); each test leaves params.yaml as found."""
    root = small_repo(tmp_path_factory.mktemp("sweep") / "repo")
    for rel in ("Makefile", "pyproject.toml"):
        shutil.copy(REPO / rel, root / rel)
    (root / ".venv").symlink_to(REPO / ".venv")
    return root


def test_two_experiment_sweep_lists_grade_counts(repo):
    first = run(["dvc", "exp", "run", "-n", "zscore-geo",
                 "-S", "evaluation.normalisation=zscore", "-S", "evaluation.aggregation=geometric"], repo)
    assert "Running stage 'evaluate'" in first.stdout and "Running stage 'ingest'" not in first.stdout
    run(["git", "checkout", "-q", "params.yaml"], repo)  # a workspace experiment leaves its params applied
    run(["dvc", "exp", "run", "evaluate", "-n", "econ-heavy", "-S", "evaluation.weights.econ_social_score=4",
         "-S", "evaluation.normalisation=minmax"], repo)  # the evaluation alone: what the table compares
    table = run(["dvc", "exp", "show", "--no-pager", "--csv"], repo).stdout
    parsed = list(csv.DictReader(io.StringIO(table)))
    header = list(parsed[0])
    rows = {r["Experiment"]: r for r in parsed if r["Experiment"]}
    assert {"zscore-geo", "econ-heavy"} <= set(rows)
    good = "evaluation.grade_counts.990100.好"
    assert good in header and "evaluation.normalisation" in header
    assert rows["zscore-geo"]["evaluation.normalisation"] == "zscore"
    assert rows["econ-heavy"]["evaluation.weights.econ_social_score"] == "4"
    assert rows["econ-heavy"]["evaluation.aggregation"] == "arithmetic"
    assert rows["zscore-geo"]["evaluation.aggregation"] == "geometric"
    for name in ("zscore-geo", "econ-heavy"):
        grades = [int(rows[name][f"evaluation.grade_counts.990100.{g}"]) for g in ("好", "较好", "一般", "差")]
        assert sum(grades) == 3 and grades[0] == 1  # three counties: 1 / 1 / 1 by the quantile rule
    # with the economic score weighing 4/8, the county leading on it (990101: 88 -> 85) ranks first
    assert float(rows["econ-heavy"]["evaluation.index.990100.990101"]) > float(rows["econ-heavy"]["evaluation.index.990100.990102"])
    run(["git", "checkout", "-q", "params.yaml"], repo)


def documented_sweep_commands() -> list[str]:
    text = (REPO / "docs/methods.md").read_text(encoding="utf-8")
    block = text.split("<!-- sweep-commands:start -->")[1].split("<!-- sweep-commands:end -->")[0]
    return [line for line in block.splitlines() if line and not line.startswith("```")]


def test_the_documented_sweep_commands_run_end_to_end_without_rendering(repo):
    import shlex

    from openpyxl import load_workbook

    rendered = repo / "reports/notebooks/990100/2020/990101/county.html"
    before = rendered.stat().st_mtime_ns
    outputs = []
    for line in documented_sweep_commands():
        args = shlex.split(line)
        if args[0] == "make":  # the environment is the repository's own, already set up
            args = ["make", "-s", "--no-print-directory", "-o", ".venv/.synced", *args[1:]]
        outputs.append(run(args, repo).stdout)
    table = outputs[0]
    # scenarios in the reports' words: 赋权：熵权法, not weighting=entropy
    assert "现行设定" in table and "赋权：熵权法" in table and "城关区（990101）" in table and "scenario" not in table
    grid = outputs[1]
    assert "标准化：标准分，汇总：加权几何平均汇总" in grid  # 2 x 2 settings and params.yaml's own
    sheet = load_workbook(repo / "reports/sweeps/weighting/comparison.xlsx")["方法比较"]
    assert sheet.max_row >= 3 + 3  # two header rows, the index names' row, three counties
    assert "Running stage 'evaluate'" in outputs[2] and "Running stage 'notebooks'" not in outputs[2]
    assert "w-entropy" in outputs[4] and "entropy" in outputs[4]
    years = outputs[5]  # three years, each its own table: three counties a year under the 年度 level
    assert "年度" in years and all(f"{y} " in years for y in (2018, 2019, 2020))
    assert sum("城关区（990101）" in line for line in years.splitlines()) == 3
    assert rendered.stat().st_mtime_ns == before  # no notebook was re-rendered


@pytest.mark.parametrize(("text", "years"), [("2024", [2024]), ("2015-2017", [2015, 2016, 2017])])
def test_the_years_of_a_sweep_are_one_year_or_a_range(text, years):
    from pipeline.sweep import parse_years

    assert parse_years(text) == years


@pytest.mark.parametrize(("text", "says"), [("20x", "应为一个年份"), ("2024-2020", "起始年份应不晚于结束年份")])
def test_a_bad_range_of_years_is_refused_in_chinese(text, says):
    from pipeline.sweep import SweepError, parse_years

    with pytest.raises(SweepError, match=says):
        parse_years(text)


def test_a_scenario_is_named_in_the_reports_words_and_a_capped_grade_is_marked():
    from pipeline.sweep import grade_marks, scenario_label

    assert scenario_label({"evaluation.weighting": "entropy", "evaluation.normalisation": "goalposts"}) == \
        "赋权：熵权法，标准化：目标值"
    assert scenario_label({"evaluation.imputation": "previous_year"}) == "缺项插补：上年数值"
    assert grade_marks("较好", "好", False) == "较好（封顶）"  # a veto lowered 好 to 较好
    assert grade_marks("一般", "一般", True) == "一般（暂定）"


def test_the_same_sweep_written_twice_is_the_same_bytes(tmp_path):
    """The comparison workbook carries no save time (as the reports' workbooks): written twice, more than the
    zip format's two-second clock apart, it is the same file, and it still reads back as the table."""
    import time

    import pandas as pd

    from pipeline.sweep import Scenario, write_outputs

    table = pd.DataFrame({"县区": ["城关区（990101）"], "综合评价指数": ["61.3"]}).set_index("县区")
    scenarios = [Scenario("赋权：熵权法", {"evaluation.weighting": "entropy"})]
    first = write_outputs(tmp_path, "weighting", table, scenarios, ["合成演示数据"], "方法比较") / "comparison.xlsx"
    blob = first.read_bytes()
    time.sleep(2.1)
    again = write_outputs(tmp_path, "weighting", table, scenarios, ["合成演示数据"], "方法比较") / "comparison.xlsx"
    assert again.read_bytes() == blob
    assert pd.read_excel(again, sheet_name="方法比较")["综合评价指数"].tolist() == [61.3]
