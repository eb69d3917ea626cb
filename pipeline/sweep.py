"""Compare evaluation methods in seconds: the evaluation alone, per setting, side by side.

A DVC experiment re-runs every stage a parameter reaches, notebooks included;
to see which counties' grades hang on the method, only the evaluation has to
run. This command reads the county measures mart once, evaluates the report
year (and the year before it, which deductions and vetoes compare with) under
each combination of the settings given, and writes a comparison: county ×
setting → index, rank, grade, and whether the grade changes.

Run: python -m pipeline.sweep -S evaluation.weighting=equal,entropy,ahp [-S KEY=V1,V2 ...] [--name NAME]
                                [--year 2024 | --years 2015-2024]
     (make sweep SET="evaluation.weighting=equal,entropy,ahp" [YEARS=2015-2024])
Writes reports/sweeps/<name>/comparison.{xlsx,html}; nothing else changes.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from pipeline.catalog import load_catalog
from pipeline.config import Paths, load_params, project_root, publish
from pipeline.divisions import is_synthetic, read_divisions
from pipeline.errors import ConfigError
from pipeline.marts import scoped_county_measures
from pipeline.numbers import fixed
from pipeline.stage_runner import executor_map
from pipeline.stages.evaluate.stage import evaluate_all

NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
CURRENT = "现行设定"


class SweepError(ValueError):
    """A setting the sweep cannot vary, or a value the evaluation refuses; the message says which."""


@dataclass(frozen=True)
class Scenario:
    label: str                   # as the table heads it: weighting=entropy
    overrides: dict[str, object]  # dotted key under evaluation -> value


def parse_settings(settings: list[str]) -> list[Scenario]:
    """`evaluation.weighting=equal,entropy` (each -S) into every combination, params.yaml's own first."""
    axes = []
    for text in settings:
        key, sep, values = text.partition("=")
        key = key.strip()
        if not sep or not values.strip():
            raise SweepError(f"-S {text}：应写成 设置=值1,值2，如 evaluation.weighting=equal,entropy")
        if not key.startswith("evaluation.") or key == "evaluation.":
            raise SweepError(f"-S {text}：这里只比较 evaluation 下的设置；其他设置（数据、期间、预警）请用 dvc exp run")
        axes.append([(key, yaml.safe_load(v.strip())) for v in values.split(",")])
    combos = [dict(c) for c in itertools.product(*axes)]
    return [Scenario(CURRENT, {}), *(Scenario(scenario_label(c), c) for c in combos)]


SETTING_NAMES = {"weighting": "赋权", "normalisation": "标准化", "aggregation": "汇总", "imputation": "缺项插补",
                 "grades.method": "分等方法", "treatment.winsorise": "缩尾"}
VALUE_NAMES = {"imputation": {"region_mean": "全市均值", "region_median": "全市中位数", "previous_year": "上年数值"},
               "grades.method": {"quantile": "按名次比例", "absolute": "按分数线"},
               "treatment.winsorise": {True: "做", False: "不做"}}


def scenario_label(overrides: dict[str, object]) -> str:
    """赋权：熵权法，标准化：目标值 — a scenario in the reader's words (the method names the reports use); a
    setting without a Chinese name keeps its key, explained in the 方案设定 sheet."""
    from pipeline.report.fmt import load_words

    methods = load_words(project_root(), "zh").raw("notebook.evaluation.method_names")
    parts = []
    for key, value in overrides.items():
        short = key.removeprefix("evaluation.")
        name = SETTING_NAMES.get(short, short)
        words = {**methods.get(short, {}), **VALUE_NAMES.get(short, {})}
        parts.append(f"{name}：{words.get(value, words.get(str(value), value))}")
    return "，".join(parts)


def with_overrides(evaluation: dict, overrides: dict[str, object]) -> dict:
    ev = copy.deepcopy(evaluation)
    for key, value in overrides.items():
        *path, last = key.split(".")[1:]
        node = ev
        for part in path:
            if not isinstance(node.get(part), dict):
                raise SweepError(f"params.yaml 中没有设置 {key}")
            node = node[part]
        if last not in node:
            raise SweepError(f"params.yaml 中没有设置 {key}（evaluation 下可比较的设置见 params.yaml）")
        node[last] = value
    return ev


def run_scenarios(root: Path, scenarios: list[Scenario], years: list[int]) -> pd.DataFrame:
    """One row per county, year and scenario: index, rank, grade, grade probability. Each scenario is one
    evaluation of every region over the years (and the year before the first, which deductions and vetoes
    compare with): a task per region on the executor, so a scenario x region grid of tasks."""
    params = load_params(root)
    catalog = load_catalog(Paths(root).catalog)
    county = scoped_county_measures(root, params)
    missing = sorted(set(years) - set(county["year"]))
    if missing:
        raise SweepError(f"{'、'.join(map(str, missing))} 年没有县区数据（数据集市中的年度："
                         f"{'、'.join(map(str, sorted(set(county['year']))))}）")
    county = county[county["year"].between(min(years) - 1, max(years))]
    rows = []
    try:  # each scenario's regions are tasks on the executor params.yaml chooses (local: this machine's cores)
        regions_map = executor_map(params, "sweep")
    except ConfigError as err:
        raise SweepError(str(err)) from None
    for scenario in scenarios:
        try:
            marts = evaluate_all(county, with_overrides(params["evaluation"], scenario.overrides), catalog,
                                 regions_map)
        except ConfigError as err:
            raise SweepError(f"{scenario.label}：{err}") from None
        ev = marts["evaluation"]
        ev = ev[ev["year"].isin(years)]
        rows.append(ev.assign(scenario=scenario.label)[
            ["scenario", "year", "region_code", "county_code", "county_name", "index", "rank", "grade",
             "grade_probability", "provisional", "grade_before_veto"]])
    return pd.concat(rows, ignore_index=True)


def comparison(results: pd.DataFrame, scenarios: list[Scenario], names: dict[str, str]) -> pd.DataFrame:
    """County rows, three columns per scenario (指数, 位次, 等次), then whether the grade changes."""
    order = [s.label for s in scenarios]
    table = results.assign(
        地区=[names.get(r, r) for r in results["region_code"]],
        县区=[f"{n}（{c}）" for n, c in zip(results["county_name"], results["county_code"], strict=True)],
        指数=[None if pd.isna(v) else fixed(v, 1) for v in results["index"]],
        位次=[None if pd.isna(v) else int(v) for v in results["rank"]],
        等次=[grade_marks(g, before, p) for g, before, p in
            zip(results["grade"], results["grade_before_veto"], results["provisional"], strict=True)])
    wide = table.rename(columns={"scenario": "方案"}).pivot(index=["地区", "region_code", "县区", "county_code"],
                                                            columns="方案", values=["指数", "位次", "等次"])
    wide = wide.reorder_levels([1, 0], axis=1)[[(s, m) for s in order for m in ("指数", "位次", "等次")]]
    grades = results.pivot(index="county_code", columns="scenario", values="grade")
    ranks = results.pivot(index="county_code", columns="scenario", values="rank")
    codes = wide.index.get_level_values("county_code")
    wide[("比较", "等次是否变化")] = ["是" if grades.loc[c].nunique() > 1 else "否" for c in codes]
    wide[("比较", "位次范围")] = [f"{int(ranks.loc[c].min())}–{int(ranks.loc[c].max())}"
                             if ranks.loc[c].notna().any() else "—" for c in codes]
    wide[("比较", "_rank")] = ranks.loc[codes, order[0]].to_numpy()
    wide = wide.sort_index(level="region_code", sort_remaining=False).sort_values(
        ["region_code", ("比较", "等次是否变化"), ("比较", "_rank")], ascending=[True, False, True], kind="stable")
    return wide.drop(columns=[("比较", "_rank")]).droplevel(["region_code", "county_code"])


def grade_marks(grade: object, before: object, provisional: object) -> object:
    """较好（封顶） when a veto lowered the grade, （暂定） when it is not robust: marked as the reports mark them."""
    if not isinstance(grade, str):
        return grade
    text = grade + ("（封顶）" if isinstance(before, str) and before != grade else "")
    return text + ("（暂定）" if pd.notna(provisional) and bool(provisional) else "")


def changed_names(table: pd.DataFrame) -> list[str]:
    return [county for (_, county), changed in table[("比较", "等次是否变化")].items() if changed == "是"]


def html_page(table: pd.DataFrame, title: str, notes: list[str]) -> str:
    """A self-contained page (no network): the table, changed rows marked."""
    body = table.to_html(na_rep="—", border=0, classes="sweep")
    body = body.replace("<td>是</td>", '<td class="changed">是</td>')
    items = "".join(f"<p>{n}</p>" for n in notes)
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title><style>'
            "body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:2em;color:#222}"
            "table{border-collapse:collapse;font-size:14px}th,td{border:1px solid #ccc;padding:4px 8px;"
            "text-align:center}th{background:#eef3f8}td.changed{background:#fde2e1;font-weight:bold}"
            f"</style></head><body><h1>{title}</h1>{items}{body}</body></html>\n")


def write_outputs(root: Path, name: str, table: pd.DataFrame, scenarios: list[Scenario], notes: list[str],
                  title: str) -> Path:
    folder = root / "reports" / "sweeps" / name
    settings = pd.DataFrame([{"方案": s.label, **{k: str(v) for k, v in s.overrides.items()}} for s in scenarios])

    def workbook(tmp: Path) -> None:
        from pipeline.report.ooxml import fixed_zip_times

        with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            table.to_excel(xl, sheet_name="方法比较")
            settings.to_excel(xl, sheet_name="方案设定", index=False)
            pd.DataFrame({"说明": notes}).to_excel(xl, sheet_name="说明", index=False)
        # no time in the file, as in the reports' workbooks: the same sweep gives the same bytes
        tmp.write_bytes(fixed_zip_times(tmp.read_bytes()))
    publish({folder / "comparison.xlsx": workbook,
             folder / "comparison.html": lambda tmp: tmp.write_text(html_page(table, title, notes), encoding="utf-8")})
    return folder


def year_tables(results: pd.DataFrame, scenarios: list[Scenario], names: dict[str, str], years: list[int]
                ) -> tuple[pd.DataFrame, list[str]]:
    """The comparison of each year (under a 年度 level when there are several) and a note per year."""
    tables, notes = {}, []
    for year in years:
        table = comparison(results[results["year"] == year], scenarios, names)
        changed = changed_names(table)
        notes.append(f"{year}年，{len(scenarios)} 个方案（{CURRENT}即 params.yaml 现在的设定）：{len(table)} 个县区中 "
                     f"{len(changed)} 个的等次随方法变化" + (f"：{'、'.join(changed)}" if changed else "") + "。")
        tables[year] = table
    if len(years) == 1:
        return tables[years[0]], notes
    return pd.concat(tables, names=["年度"]), notes


def parse_years(text: str) -> list[int]:
    """2024, or 2015-2024 for every year from the first to the last."""
    first, _, last = text.partition("-")
    try:
        years = list(range(int(first), int(last or first) + 1))
    except ValueError:
        raise SweepError(f"--years「{text}」应为一个年份（2024）或年份范围（2015-2024）") from None
    if not years:
        raise SweepError(f"--years「{text}」：起始年份应不晚于结束年份")
    return years


def sweep(root: Path, settings: list[str], name: str | None = None, years: list[int] | None = None
          ) -> tuple[pd.DataFrame, Path]:
    """Evaluate every combination of `settings` in each of `years` (default the report year) and write the
    comparison; returns it and its folder."""
    if name is not None and not NAME.match(name):
        raise SweepError(f"--name「{name}」只能用字母、数字、- 和 _（不超过 40 个字符）")
    scenarios = parse_settings(settings)
    params = load_params(root)
    years = years or [int(params["report"]["year"])]
    results = run_scenarios(root, scenarios, years)
    names = dict(read_divisions(Paths(root).divisions)[["code", "name"]].itertuples(index=False))
    table, notes = year_tables(results, scenarios, names, years)
    notes.append("指数按方案各自计算，方案之间只比较位次和等次；“（暂定）”表示该等次在不确定性分析中出现的概率低于阈值。")
    if any(is_synthetic(r) for r in results["region_code"]):
        notes.append("含合成演示数据（虚构，非真实统计）。")
    derived = "_".join(s.split("=")[0].split(".")[-1] for s in settings)
    name = name or (derived if NAME.match(derived) else "sweep")
    when = f"{years[0]}" if len(years) == 1 else f"{years[0]}—{years[-1]}"
    folder = write_outputs(root, name, table, scenarios, notes, f"{when}年综合评价方法比较")
    return table, folder


def main() -> None:
    parser = argparse.ArgumentParser(description="Compare evaluation settings without re-rendering the reports.")
    parser.add_argument("-S", dest="settings", action="append", required=True,
                        help="evaluation.KEY=V1,V2 (repeat for a grid)")
    parser.add_argument("--name", help="folder name under reports/sweeps/ (letters, digits, - and _)")
    parser.add_argument("--year", type=int, help="the year compared (default report.year)")
    parser.add_argument("--years", help="the years compared, e.g. 2015-2024 (each year its own table)")
    args = parser.parse_args()
    root = project_root()
    try:
        years = parse_years(args.years) if args.years else [args.year] if args.year else None
        table, folder = sweep(root, args.settings, args.name, years)
    except SweepError as err:
        print(f"方法比较未完成：{err}", file=sys.stderr)
        raise SystemExit(2) from None
    with pd.option_context("display.width", 200, "display.max_columns", None, "display.unicode.east_asian_width", True):
        print(table.to_string(na_rep="—"))
    print(f"\n已写入 {folder.relative_to(root)}/comparison.xlsx 与 comparison.html")


if __name__ == "__main__":
    main()
