"""Write the blank yearly template a commission sends to its counties.

One XLSX per region and year: a title row, the header row with units (the
catalog's Chinese names, so ingest maps them without aliases), one prefilled
row per county of the region (code, name, year), and a second sheet that
explains every column. Counties fill it in and send it back as
data/raw/<region>/<year>.xlsx.

Run: python -m pipeline.template --region 990100 --year 2025 [--out PATH]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pipeline.catalog import load_catalog
from pipeline.config import Paths, project_root, safe_code


def write_template(root: Path, region: str, year: int, out: Path | None = None) -> Path:
    paths = Paths(root)
    region = safe_code(region)
    catalog = load_catalog(paths.catalog)
    div = pd.read_csv(paths.divisions, dtype=str, keep_default_na=False)
    regions = div[div["code"] == region]
    if regions.empty:
        raise SystemExit(f"地区代码 {region} 不在 data/reference/divisions.csv 中")
    counties = div[(div["parent_code"] == region) & (div["level"] == "county")].sort_values("code")
    if counties.empty:
        raise SystemExit(f"区划表中没有 {region} 下属的县区，请先登记")
    keys = catalog.keys
    headers = [keys["county_code"].name_zh, keys["county_name"].name_zh, keys["year"].name_zh]
    headers += [ind.header for ind in catalog.indicators]

    wb = Workbook()
    ws = wb.active
    ws.title = "指标表"
    ws.append([f"{regions.iloc[0]['name']}{year}年度政治生态监测指标表（请勿修改表头；无数据请留空或填“—”）"])
    ws.append(headers)
    for c in counties.itertuples():
        ws.append([c.code, c.name, year])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[2]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws["A1"].font = Font(bold=True, size=13)
    for j, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(j)].width = max(10, min(24, len(header) * 2))
    ws.freeze_panes = "D3"

    notes = wb.create_sheet("填表说明")
    notes.append(["列", "指标", "单位", "类型", "有效范围", "必填", "说明", "English"])
    kinds = {"count": "计数", "share": "占比", "score": "得分"}
    for j, ind in enumerate(catalog.indicators, start=4):
        notes.append([get_column_letter(j), ind.name_zh, ind.unit, kinds[ind.kind],
                      f"{ind.minimum:g}–{ind.maximum:g}", "是" if ind.required else "否",
                      ind.notes, ind.name_en])
    for cell in notes[1]:
        cell.font = bold
    for letter, width in zip("ABCDEFGH", (6, 30, 8, 8, 14, 6, 60, 40), strict=True):
        notes.column_dimensions[letter].width = width

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
