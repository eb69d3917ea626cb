"""A region's folder: which files hold which year and period, and the checks across files."""

from __future__ import annotations

from pathlib import Path

from pipeline.catalog import Catalog
from pipeline.config import Paths
from pipeline.errors import Problem
from pipeline.periods import FULL_YEAR, parse_year_period
from pipeline.periods import message_label as period_label
from pipeline.stages.ingest.table import Delivery, RawTable
from pipeline.stages.ingest.text import read_csv_rows
from pipeline.stages.ingest.workbook import read_xlsx_rows

ACCEPTED_SUFFIXES = {".csv", ".xlsx"}


# Formats people export by mistake; named so the message can say what to do.
REJECTED_SUFFIXES = {".xls": "旧版 Excel（.xls）", ".xlsm": "带宏的 Excel（.xlsm）",
                     ".et": "WPS 表格（.et）", ".txt": "文本文件", ".tsv": "制表符分隔文件"}


def read_table(path: Path, display: str, catalog: Catalog | None = None) -> RawTable:
    if path.suffix.lower() == ".csv":
        return read_csv_rows(path, display)
    return read_xlsx_rows(path, display, catalog)


def list_deliveries(paths: Paths, region: str, first_year: int, last_year: int
                    ) -> tuple[list[tuple[int, str | None, list[Path]]], list[Problem]]:
    """The files of each year and period, with the period their name states (None: not stated).

    `<year>.csv|xlsx`, `<year>-<period>.xlsx` (2018-H1, 2021-Q3, 2021年1-9月),
    or a folder of either name holding per-county files read as one delivery.
    """
    folder = paths.region_dir(region)
    rel = folder.relative_to(paths.root).as_posix()
    if not folder.is_dir():
        return [], [Problem(rel, f"找不到地区 {region} 的数据文件夹（params.yaml 中 ingest.regions 列出了它）")]
    found: dict[tuple[int, str | None], list[Path]] = {}
    listed: dict[tuple[int, str | None], Path] = {}
    problems: list[Problem] = []
    for path in sorted(folder.iterdir()):
        display = path.relative_to(paths.root).as_posix()
        suffix = path.suffix.lower()
        if path.name.startswith((".", "~$")) or suffix in {".md", ".txt"} and path.stem.lower() in {"readme", "说明"}:
            continue  # hidden files, Excel lock files, notes
        if path.is_dir():
            named = parse_year_period(path.name)
            if named is None:
                problems.append(Problem(display, "文件夹名应为四位年份（如 2024/，其中放各县区的报送文件），"
                                                 "可带期间（如 2024-H1/）"))
                continue
            files, inner = year_folder_files(path, paths.root)
            problems += inner
            year, period = named
        else:
            if suffix in REJECTED_SUFFIXES:
                problems.append(Problem(display, f"不支持{REJECTED_SUFFIXES[suffix]}，请另存为 .xlsx 或 CSV"))
                continue
            if suffix not in ACCEPTED_SUFFIXES:
                continue
            named = parse_year_period(path.stem)
            if named is None:
                problems.append(Problem(display, "文件名应为四位年份，如 2024.csv 或 2024.xlsx；部分期间的数据可在年份后写明期间，"
                                                 "如 2024-H1.xlsx、2024-Q3.csv、2024年1-9月.xlsx"))
                continue
            files, (year, period) = [path], named
        if not first_year <= year <= last_year:
            problems.append(Problem(display, f"年度 {year} 不在配置的范围 {first_year}–{last_year} 内（修改 params.yaml 中 ingest.first_year / last_year，或移走该文件）"))
            continue
        if (year, period) in found:
            first = listed[(year, period)]
            kind = "文件夹" if first.is_dir() else "文件"
            when = period_label(year, period or FULL_YEAR)
            problems.append(Problem(display, f"{when}已有{kind} {first.name}，同一年度、同一期间只能交一个文件"
                                             "（或一个放各县区文件的文件夹）"))
            continue
        if files:
            found[(year, period)], listed[(year, period)] = files, path
    if not found and not problems:
        problems.append(Problem(rel, f"没有 {first_year}–{last_year} 年的数据文件"))
    listing = sorted(found.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
    return [(year, period, files) for (year, period), files in listing], problems


def year_folder_files(folder: Path, root: Path) -> tuple[list[Path], list[Problem]]:
    """The delivered files of a year folder (any names: counties name their own files)."""
    files, problems = [], []
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if path.name.startswith((".", "~$")) or path.is_dir():
            continue
        if suffix in REJECTED_SUFFIXES:
            problems.append(Problem(path.relative_to(root).as_posix(), f"不支持{REJECTED_SUFFIXES[suffix]}，请另存为 .xlsx 或 CSV"))
        elif suffix in ACCEPTED_SUFFIXES:
            files.append(path)
    if not files and not problems:
        problems.append(Problem(folder.relative_to(root).as_posix(), "文件夹中没有 .csv 或 .xlsx 文件"))
    return files, problems


def resent_files(deliveries: list[Delivery]) -> list[Problem]:
    """A year-period whose figures equal another's cell for cell: most likely an old file sent again."""
    by_key: dict[tuple[str, int, str], dict] = {}
    files: dict[tuple[str, int, str], str] = {}
    for d in deliveries:
        key = (d.region_code, d.year, d.period)
        by_key.setdefault(key, {}).update({(f[1], f[4]): f[5] for f in d.facts if f[5] is not None})
        files.setdefault(key, d.source_file)
    problems = []
    keys = sorted(by_key)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            if a[0] == b[0] and len(by_key[a]) >= 10 and by_key[a] == by_key[b]:
                old, new = period_label(a[1], a[2]), period_label(b[1], b[2])
                problems.append(Problem(files[b], f"与 {files[a]} 的 {len(by_key[a])} 个数值逐格相同，可能是把 {old}的"
                                                  f"文件当作 {new}重新报送。请核对后换成 {new}的数据"))
    return problems


def counties_in_two_files(parsed: list[Delivery]) -> list[Problem]:
    """Files of one year and period: a county delivered in two of them is refused."""
    first: dict[tuple[int, str, str], str] = {}
    problems = []
    for d in parsed:
        for code in dict.fromkeys(f[1] for f in d.facts):
            key = (d.year, d.period, code)
            if key in first:
                problems.append(Problem(d.source_file, f"{code} 的 {period_label(d.year, d.period)}数据已在 {first[key]} 中，"
                                                       "同一县区同一期间只能报送一次"))
            first.setdefault(key, d.source_file)
    return problems


def periods_in_folder(parsed: list[Delivery], folder: str) -> list[Problem]:
    """The per-county files of one folder are one delivery: they must state one period."""
    periods = {d.period for d in parsed}
    if len(periods) <= 1:
        return []
    listed = "；".join(f"{d.source_file}：{period_label(d.year, d.period)}" for d in parsed)
    return [Problem(folder, f"同一文件夹中的文件期间不一致（{listed}）；不同期间请分文件夹报送，如 2024/ 与 2024-H1/")]


def same_period_twice(parsed: list[Delivery], listed: str, claimed: dict[tuple[int, str], str]) -> list[Problem]:
    """A listed file or folder whose contents hold a year and period another one already holds."""
    problems = []
    for d in parsed:
        owner = claimed.setdefault((d.year, d.period), listed)
        if owner != listed:
            problems.append(Problem(d.source_file, f"与 {owner} 都是 {period_label(d.year, d.period)}的数据；同一期间只能交一个文件，"
                                                   "请核对期间或删去其中一个"))
    return problems
