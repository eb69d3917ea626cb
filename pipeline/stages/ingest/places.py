"""Which place a data row is: its code or name against the divisions, totals and notes left out."""

from __future__ import annotations

import re

import pandas as pd

from pipeline.config import Paths
from pipeline.divisions import read_divisions, units_of
from pipeline.errors import DataError, Problem
from pipeline.stages.ingest.cells import parse_code
from pipeline.stages.ingest.table import Context, Delivery, cell_text

# Rows under or beside the data that are not data: totals and notes.
NON_DATA_PREFIXES = ("合计", "总计", "小计", "全市", "注", "说明", "备注", "填表", "审核", "制表")


SUBTOTAL_WORDS = ("合计", "小计", "总计")


def is_non_data_row(cells: list[object], key_column: int) -> bool:
    texts = [cell_text(c) for c in cells]
    if not any(texts):
        return True
    code_text = texts[key_column] if key_column < len(texts) else ""
    if re.fullmatch(r"\d+(\.0)?", code_text):
        return False
    # totals anywhere in the table: 合计, 全市合计, 市辖区小计...
    return any(t.startswith(NON_DATA_PREFIXES) or any(k in t for k in SUBTOTAL_WORDS) for t in texts if t)


def is_region_total(cells: list[object], mapping: dict[str, int], region: str) -> bool:
    """A row carrying the region's own code: the region's total, not a county."""
    j = mapping.get("county_code")
    return j is not None and j < len(cells) and parse_code(cells[j]) == region


def resolve_county(cells: list[object], row_no: int, mapping: dict[str, int], headers: dict[int, str],
                   region: str, ctx: Context, display: str, delivery: Delivery) -> tuple[str | None, Problem | None]:
    """The division code of a data row, from its code cell or, in a file without one, its name.

    A code whose name in the row names another county of the region, or no
    county at all, stops the file: two counties' figures may have been swapped.
    A name that only shortens the registered one (城关 for 城关区) is a hint.
    """
    counties = units_of(ctx.divisions, region)
    j_name = mapping.get("county_name")
    typed = cell_text(cells[j_name]) if j_name is not None and j_name < len(cells) else ""
    if "county_code" not in mapping:
        matches = [c for c, n in counties["name"].items() if n == typed] or \
                  [c for c, n in counties["name"].items() if typed and (n.startswith(typed) or typed.startswith(n))]
        if not matches and (code := renewed_name(typed, region, ctx)):
            delivery.notes.append(f"{display} 第 {row_no} 行：「{typed}」是 {ctx.divisions.at[code, 'name']}（{code}）"
                                  "区划调整前的名称，按现名读入")
            return code, None
        if len(matches) == 1:
            return matches[0], None
        if not matches:
            known = "、".join(counties["name"])
            return None, Problem(display, f"县区名称「{typed}」不在区划表本地区的县区中（{known}）；请写登记的名称或加一列区划代码",
                                 row=row_no, column=j_name, header=headers.get(j_name))
        both = "、".join(f"{c}（{counties.at[c, 'name']}）" for c in matches)
        return None, Problem(display, f"县区名称「{typed}」对应多个县区：{both}；请加一列区划代码", row=row_no,
                             column=j_name, header=headers.get(j_name))
    j_code = mapping["county_code"]
    code = parse_code(cells[j_code])
    if not re.fullmatch(r"\d{6}", code):
        return None, Problem(display, f"区划代码「{code}」应为 6 位数字", row=row_no, column=j_code, header=headers[j_code])
    if code not in ctx.divisions.index and code in ctx.code_changes.index:
        old_name = ctx.code_changes.at[code, "old_name"]
        code = renewed_code(code, row_no, region, ctx, display, delivery)
        typed = "" if typed == old_name else typed  # the old code with its old name: already noted
    if code not in ctx.divisions.index:
        return None, Problem(display, f"区划代码 {code} 不在区划表 data/reference/divisions.csv 中（新设或调整的县区请先登记）",
                             row=row_no, column=j_code, header=headers[j_code])
    parent = ctx.divisions.at[code, "parent_code"]
    if parent != region:
        owner = ctx.divisions["name"].get(parent, parent)
        return None, Problem(display, f"区划代码 {code}（{ctx.divisions.at[code, 'name']}）属于 {owner}（{parent}），不属于本文件所在地区 {region}",
                             row=row_no, column=j_code, header=headers[j_code])
    registered = ctx.divisions.at[code, "name"]
    if typed and typed != registered:
        other = [c for c, n in counties["name"].items() if n == typed and c != code]
        if other or not (registered.startswith(typed) or typed.startswith(registered)):
            whose = f"「{typed}」是 {other[0]} 的名称，两县区的数据可能串行" if other else f"区划表中没有名为「{typed}」的县区"
            return None, Problem(display, f"区划代码 {code} 在区划表中是「{registered}」，这一行却写作「{typed}」（{whose}）。"
                                          "请核对这一行是哪个县区的数据", row=row_no, column=j_name, header=headers.get(j_name))
        delivery.notes.append(f"{display} 第 {row_no} 行：{code} 在区划表中名为「{registered}」，表中写作「{typed}」（以区划代码为准）")
    return code, None


def renewed_code(code: str, row_no: int, region: str, ctx: Context, display: str, delivery: Delivery) -> str:
    """A code given up since 2015 (撤县设区, 改隶) read as the place's code now, so its series goes on.

    Only when the new code is registered under this file's region; otherwise
    the old code stays and is refused as unregistered.
    """
    change = ctx.code_changes.loc[code]
    new = change["new_code"]
    if new not in ctx.divisions.index or ctx.divisions.at[new, "parent_code"] != region:
        return code
    delivery.notes.append(f"{display} 第 {row_no} 行：区划代码 {code}（{change['old_name']}）已于 {change['year']} 年"
                          f"{change['kind']}，按现代码 {new}（{ctx.divisions.at[new, 'name']}）读入，与该县区其他年度的数据连续")
    return new


def renewed_name(typed: str, region: str, ctx: Context) -> str | None:
    """The code now of a place named by its old name (新津县 for 新津区) in a file without codes."""
    old = ctx.code_changes[ctx.code_changes["old_name"] == typed]
    codes = [c for c in old["new_code"] if c in ctx.divisions.index and ctx.divisions.at[c, "parent_code"] == region]
    return codes[0] if len(set(codes)) == 1 else None


def load_divisions(paths: Paths) -> pd.DataFrame:
    div = read_divisions(paths.divisions)
    repeated = div["code"][div["code"].duplicated()].tolist()
    if repeated:
        raise DataError("导入", [Problem("data/reference/divisions.csv", f"区划代码重复：{'、'.join(repeated)}")])
    return div.set_index("code")
