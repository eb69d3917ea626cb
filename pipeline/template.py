"""Write the blank yearly template a commission sends to its counties.

One XLSX per region and year, made to keep errors out at the desk rather
than find them at ingest:
- 指标表: a title row, the header row (the catalog's Chinese names with units,
  which ingest maps without aliases) and one row per place of the region with
  its code, name and year filled in. Those cells and the headers are locked
  (the sheet is protected without a password; only the figure cells take
  input), codes are text cells so leading digits survive.
- Excel data validation on every figure column from the catalog: whole numbers
  >= 0 for counts, numbers >= 0 for amounts, 0-100 for scores and for shares
  (typed as percentages: 32.6 means 32.6 %), with a Chinese input message
  saying the unit, the usual range of the level and what to type when a figure
  is missing, and a Chinese error on a wrong entry.
- 填表说明: what each column is, its unit, type, range, whether it is required.
- a very hidden sheet holding the locked cells as written: ingest compares a
  returned file with it and names any locked cell that was changed.
Counties send it back as data/raw/<region>/<year>.xlsx.

Run: python -m pipeline.template --region 990100 --year 2025 [--out PATH]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from pipeline.catalog import Catalog, Indicator, Level, load_catalog, plain_number
from pipeline.config import Paths, project_root, safe_code
from pipeline.stages.ingest import LOCKED_SHEET  # the reader checks the locked cells this writes

DATA_SHEET, NOTES_SHEET = "指标表", "填表说明"
HEADER_ROW, FIRST_ROW = 2, 3
KINDS = {"count": "计数", "share": "占比", "score": "得分"}
NUMBER_FORMATS = {"count": "0", "share": "0.0", "score": "0.0"}
LOCKED_FILL, HEADER_FILL = PatternFill("solid", fgColor="EDEDED"), PatternFill("solid", fgColor="DDEBF7")


def typed_range(ind: Indicator, level: Level) -> str:
    lo, hi = ind.plausible_range(level)
    return f"{plain_number(lo)}–{plain_number(hi)}"


def validation_for(ind: Indicator, level: Level, cells: str) -> DataValidation:
    """What Excel accepts in a figure column, and what it says on entry and on a wrong value."""
    lo, hi = ind.hard_limits
    kind = "whole" if ind.integer else "decimal"
    if hi is None:
        rule = DataValidation(type=kind, operator="greaterThanOrEqual", formula1=plain_number(lo), allow_blank=True)
        accepted = f"不小于 {plain_number(lo)} 的{'整数' if ind.integer else '数'}"
    else:
        rule = DataValidation(type=kind, operator="between", formula1=plain_number(lo), formula2=plain_number(hi), allow_blank=True)
        accepted = f"{plain_number(lo)}–{plain_number(hi)} 之间的数"
    share = "；按百分数填数值，如 32.6 表示 32.6%" if ind.kind == "share" else ""
    rule.promptTitle = ind.name_zh[:32]
    rule.prompt = (f"单位：{ind.unit}；填{accepted}{share}。{level.name_zh}通常在 {typed_range(ind, level)}。"
                   f"无数据请留空。")[:255]
    rule.errorTitle = "数值不符合要求"
    rule.error = f"「{ind.name_zh}」应填{accepted}（单位：{ind.unit}）。不要填文字或单位；无数据请留空。"[:255]
    rule.showInputMessage = rule.showErrorMessage = True
    rule.errorStyle = "stop"
    rule.add(cells)
    return rule


def data_sheet(wb: Workbook, catalog: Catalog, title: str, places: pd.DataFrame, year: int, level: Level) -> dict:
    """The 指标表 sheet; returns the locked cells and their values."""
    ws = wb.active
    ws.title = DATA_SHEET
    keys = catalog.keys
    headers = [keys["county_code"].name_zh, keys["county_name"].name_zh, keys["year"].name_zh]
    headers += [ind.header for ind in catalog.indicators]
    ws.append([title])
    ws.append(headers)
    for place in places.itertuples():
        ws.append([place.code, place.name, year])
    last = FIRST_ROW + len(places) - 1
    locked = {}
    for j, header in enumerate(headers, start=1):
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = max(10, min(24, len(header) * 2))
        head = ws.cell(row=HEADER_ROW, column=j)
        head.font, head.fill, head.alignment = Font(bold=True), HEADER_FILL, Alignment(wrap_text=True, vertical="center")
        locked[f"{letter}{HEADER_ROW}"] = header
        for r in range(FIRST_ROW, last + 1):
            cell = ws.cell(row=r, column=j)
            if j <= 3:
                cell.fill, cell.number_format = LOCKED_FILL, "@" if j < 3 else "0"
                locked[cell.coordinate] = cell.value
            else:
                cell.protection = Protection(locked=False)
                cell.number_format = NUMBER_FORMATS[catalog.indicators[j - 4].kind]
    for j, ind in enumerate(catalog.indicators, start=4):
        letter = get_column_letter(j)
        ws.add_data_validation(validation_for(ind, level, f"{letter}{FIRST_ROW}:{letter}{last}"))
    ws["A1"].font = Font(bold=True, size=13)
    ws.freeze_panes = f"D{FIRST_ROW}"
    ws.protection.sheet = True  # no password: it guards against slips, not against the reporter
    ws.protection.formatColumns = ws.protection.formatRows = False  # widths and heights stay adjustable
    return locked


def notes_sheet(wb: Workbook, catalog: Catalog, level: Level) -> None:
    notes = wb.create_sheet(NOTES_SHEET)
    notes.append(["列", "指标", "单位", "类型", "可填范围", f"{level.name_zh}通常范围", "必填", "说明", "English"])
    for j, ind in enumerate(catalog.indicators, start=4):
        lo, hi = ind.hard_limits
        accepted = f"≥{plain_number(lo)}" if hi is None else f"{plain_number(lo)}–{plain_number(hi)}"
        notes.append([get_column_letter(j), ind.name_zh, ind.unit, KINDS[ind.kind],
                      accepted + ("，整数" if ind.integer else ""), typed_range(ind, level),
                      "是" if ind.required else "否", ind.notes, ind.name_en])
    notes.append([])
    for line in ("填表要求：区划代码、名称、年度和表头已锁定，请勿修改、插入或删除行列；只在白色单元格内填数。",
                 "无数据的单元格请留空（不要填 0，也不要填“—”“无”等文字）；占比按百分数填数值（32.6 表示 32.6%）。",
                 "填写时单元格旁会显示该指标的单位和范围；超出范围或填入文字，Excel 会拒绝并提示。"):
        notes.append([line])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFGHI", (6, 30, 8, 8, 14, 16, 6, 60, 40), strict=True):
        notes.column_dimensions[letter].width = width


def locked_sheet(wb: Workbook, locked: dict) -> None:
    ws = wb.create_sheet(LOCKED_SHEET)
    ws.append(["单元格", "模板中的值"])
    for ref, value in locked.items():
        ws.append([ref, value])
    ws.sheet_state = "veryHidden"


def write_template(root: Path, region: str, year: int, out: Path | None = None) -> Path:
    paths = Paths(root)
    region = safe_code(region)
    catalog = load_catalog(paths.catalog)
    div = pd.read_csv(paths.divisions, dtype=str, keep_default_na=False)
    regions = div[div["code"] == region]
    if regions.empty:
        raise SystemExit(f"地区代码 {region} 不在 data/reference/divisions.csv 中；请先登记：make region NAME={region}")
    places = div[div["parent_code"] == region].sort_values("code")
    if places.empty:
        raise SystemExit(f"区划表中没有 {region} 下属的单位，请先登记：make region NAME={region}")
    level = catalog.levels.get(places["level"].iloc[0], catalog.levels["county"])
    wb = Workbook()
    title = f"{regions.iloc[0]['name']}{year}年度政治生态监测指标表（灰色单元格已锁定；无数据请留空）"
    locked = data_sheet(wb, catalog, title, places, year, level)
    notes_sheet(wb, catalog, level)
    locked_sheet(wb, locked)
    target = out or paths.root / "data" / "templates" / region / f"{year}.xlsx"
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the blank yearly indicator template for a region.")
    parser.add_argument("--region", required=True, help="6-digit prefecture code, e.g. 990100")
    parser.add_argument("--year", required=True, type=int)
    parser.add_argument("--out", type=Path, help="where to write (default data/templates/<region>/<year>.xlsx)")
    args = parser.parse_args()
    root = project_root()
    target = write_template(root, args.region, args.year, args.out)
    print(f"空白模板已写入 {target}")


if __name__ == "__main__":
    main()
