"""The header of a delivered table: where it is, what each column holds, in which unit."""

from __future__ import annotations

import dataclasses
import re
import unicodedata

from pipeline.catalog import UNIT_TOKENS, Catalog, Indicator, normalize_header
from pipeline.errors import Problem, column_letter
from pipeline.periods import find_year_period
from pipeline.stages.ingest.table import HEADER_SEARCH_ROWS, Context, RawTable, as_typed, cell_text


def title_period(table: RawTable, header_index: int) -> tuple[int, str | None, int] | None:
    """Year, period and row number stated by a title row above the header (东川市2021年1-9月…统计表)."""
    for row_no, cells in table.rows[:header_index]:
        for c in cells:
            found = find_year_period(cell_text(c)) if cell_text(c) else None
            if found:
                return found[0], found[1], row_no
    return None


def find_header(table: RawTable, catalog: Catalog) -> int | None:
    return find_header_rows(table.rows, catalog)


def find_header_rows(rows: list[tuple[int, list[object]]], catalog: Catalog) -> int | None:
    """Index in `rows` of the header: the first row naming the division-code column.

    Deliveries often put a title (and a blank line) above the header.
    """
    for i, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        codes = [catalog.match_header(cell_text(c)) for c in cells if c is not None and cell_text(c)]
        if "county_code" in codes:
            return i
        # a file that names its counties without codes: the name column and a few indicators
        if "county_name" in codes and sum(c in catalog for c in codes) >= 2:
            return i
    return None


MONEY = {"元": 1.0, "千元": 1e3, "万元": 1e4, "亿元": 1e8}


LINE_MARKS = set("甲乙丙丁戊己庚辛壬癸")  # a 栏次 row under the header numbers the columns: 甲 乙 1 2 3 ...


_HEADER_UNIT = re.compile(r"\(([^()]*)\)$")


def header_unit(header: str) -> str | None:
    """The unit a header states in its trailing brackets (立案数（件） -> 件), if it is a unit."""
    m = _HEADER_UNIT.search(re.sub(r"\s+", "", unicodedata.normalize("NFKC", header)))
    return m.group(1) if m and m.group(1) in UNIT_TOKENS else None


def unit_factor(unit: str | None, indicator: Indicator) -> tuple[float, str | None, str | None]:
    """(factor, note, problem) for values under a header that states `unit`.

    Money is converted between 元, 千元, 万元 and 亿元 and the conversion is
    noted in the provenance; a percentage over a count, or a count unit over a
    share, is refused; other count words (件 / 起 / 人次) name the same tally.
    """
    if unit is None or unit == indicator.unit:
        return 1.0, None, None
    if unit in MONEY and indicator.unit in MONEY:
        factor = MONEY[unit] / MONEY[indicator.unit]
        return factor, f"表头单位为{unit}，已换算为{indicator.unit}（× {factor:g}）", None
    if (unit == "%") != (indicator.kind == "share") or unit in MONEY or indicator.unit in MONEY or unit == "分":
        return 1.0, None, f"表头写的单位是「{unit}」，但{indicator.name_zh}的单位是{indicator.unit}，无法换算；请核对这一列"
    return 1.0, None, None


UNITS_ROW_LABELS = {"单位", "计量单位", "单位:", "计量单位:"}  # what the key column of a units row may say


def is_units_row(cells: list[object]) -> bool:
    texts = [cell_text(c) for c in cells if cell_text(c)]
    units = [t for t in texts if t.strip("()（）") in UNIT_TOKENS]
    return len(units) >= 1 and all(t.strip("()（）") in UNIT_TOKENS or t in ("-", "—") or t in UNITS_ROW_LABELS
                                   for t in texts)


def is_line_number_row(cells: list[object]) -> bool:
    """A 栏次 row: every filled cell is 甲/乙/丙... or a column number."""
    texts = [cell_text(c) for c in cells if cell_text(c)]
    return len(texts) >= 3 and all(t in LINE_MARKS or re.fullmatch(r"\d{1,2}(\.0)?", t) for t in texts) \
        and any(t in LINE_MARKS for t in texts)


def map_headers(table: RawTable, header_index: int, ctx: Context) -> tuple[dict[str, int], list[Problem]]:
    """Catalog code -> column index, or the problems with the header row.

    A required column missing because its header is not recognised is said once, at that header
    (是否指「新发生案件数」？本表缺少这一必需列), not again as a missing column.
    """
    row_no, cells = table.rows[header_index]
    problems: list[Problem] = []
    mapping: dict[str, int] = {}
    guessed: dict[str, int] = {}  # code -> index in problems of the unknown header that most likely holds it
    data_rows = table.rows[header_index + 1:]
    for j, cell in enumerate(cells):
        header = as_typed(cell)
        if not header:
            if any(j < len(r) and cell_text(r[j]) for _, r in data_rows):
                problems.append(Problem(table.display, "这一列有数据但没有表头", row=row_no, column=j))
            continue
        if normalize_header(header) in ctx.catalog.ignored_headers:
            continue  # 序号, 备注...: carried by official tables, not data
        code = ctx.catalog.match_header(header)
        if code is None:
            # under a group heading the sub-label says what the column is (审查调查情况 would pull every
            # suggestion towards 立案数)
            hint = ctx.catalog.suggest(table.sub_labels.get(j, header))
            if hint:
                guessed.setdefault(ctx.catalog.match_header(hint[0]) or "", len(problems))
            problems.append(unknown_header(table, row_no, j, header, hint))
            continue
        if code in mapping:
            first = mapping[code]
            problems.append(Problem(table.display, f"「{header}」与第 {column_letter(first)} 列「{as_typed(cells[first])}」对应同一指标 {code}，一个指标只能有一列", row=row_no, column=j, header=header))
            continue
        mapping[code] = j
    required = ["county_code"] + [i.code for i in ctx.catalog.indicators if i.required]
    if "county_code" not in mapping and "county_name" in mapping:
        required.remove("county_code")  # counties matched by name within the region
    for code in (c for c in required if c not in mapping):
        name = ctx.catalog.keys[code].name_zh if code in ctx.catalog.keys else ctx.catalog[code].header
        if code in guessed:
            at = problems[guessed[code]]
            problems[guessed[code]] = dataclasses.replace(at, message=f"{at.message}本表缺少必需的「{name}」列，"
                                                                        "多半就是这一列：请把表头改为这个名称")
            continue
        problems.append(Problem(table.display, f"缺少必需的列「{name}」", row=row_no))
    return mapping, problems


def unknown_header(table: RawTable, row_no: int, column: int, header: str, hint: list[str]) -> Problem:
    tip = f"；是否指「{'」「'.join(hint)}」？" if hint else ""
    spans = f"（表头占第 {table.header_span[0]}—{table.header_span[1]} 行，这一列上下合起来读作「{header}」）" \
        if table.header_span else ""
    return Problem(table.display, f"无法识别的表头「{header}」{spans}，不在指标目录 data/reference/indicators.yaml "
                                  f"的别名中{tip}", row=row_no, column=column, header=header)


def column_units(table: RawTable, header_index: int, mapping: dict[str, int], ctx: Context
                 ) -> tuple[dict[int, tuple[float, str | None]], list[Problem], int]:
    """Factor and note per indicator column from the header's units, or a units row under it.

    Returns the factors, the problems, and how many rows under the header are
    not data (a units row, a 栏次 row) and are skipped.
    """
    row_no, cells = table.rows[header_index]
    units = {j: header_unit(as_typed(c)) for j, c in enumerate(cells)}
    skip = 0
    for _, below in table.rows[header_index + 1: header_index + 3]:
        if is_units_row(below):
            units.update({j: cell_text(c).strip("()（）") for j, c in enumerate(below)
                          if cell_text(c).strip("()（）") in UNIT_TOKENS})
            skip += 1
        elif is_line_number_row(below):
            skip += 1
        else:
            break
    factors: dict[int, tuple[float, str | None]] = {}
    problems = []
    for code, j in mapping.items():
        if code in ctx.catalog.keys:
            continue
        factor, note, problem = unit_factor(units.get(j), ctx.catalog[code])
        if problem:
            problems.append(Problem(table.display, problem, row=row_no, column=j, header=as_typed(cells[j])))
        factors[j] = (factor, note)
    return factors, problems, skip


def join_header_rows(table: RawTable, header_index: int, catalog: Catalog) -> RawTable:
    """Headers over two or three rows (a merged group heading over its parts) joined into one label per column.

    Official tables put 运用“四种形态”人次 over 第一种…第四种形态, merged across
    four columns; only the first cell of a merged range holds the text. A row
    under the header continues it when it holds labels and no data: no code,
    no number, nothing in the key column, and not a units row. Each column
    then takes its sub-label, or the group heading and the sub-label together
    when only that is known, or the header above when it has no sub-label. The
    rows joined are kept (`header_span`), so a label still unknown is reported
    as the two rows read together.
    """
    rows = list(table.rows)
    top_no = rows[header_index][0]
    last_no = top_no
    sub_labels: dict[int, str] = {}
    for _ in range(2):
        if header_index + 1 >= len(rows):
            break
        _, top = rows[header_index]
        below_no, below = rows[header_index + 1]
        if not is_sub_header(top, below, catalog):
            break
        rows[header_index] = (top_no, joined_labels(top, below, catalog))
        sub_labels |= {j: without_part_mark(cell_text(c)) for j, c in enumerate(below) if cell_text(c)}
        del rows[header_index + 1]
        last_no = below_no
    span = (top_no, last_no) if last_no != top_no else None
    return dataclasses.replace(table, rows=rows, header_span=span, sub_labels=sub_labels)


PART_MARK = re.compile(r"^\s*(其中|内)\s*[:：]\s*")  # 其中：新发生 — a part of the column before, named by itself


def without_part_mark(label: str) -> str:
    return PART_MARK.sub("", label)


def is_sub_header(top: list[object], below: list[object], catalog: Catalog) -> bool:
    sub = {j: cell_text(c) for j, c in enumerate(below) if cell_text(c)}
    if len(sub) < 2 or is_units_row(below) or is_line_number_row(below):
        return False
    if any(re.fullmatch(r"[+-]?\d+(\.\d+)?%?", t.replace(",", "")) for t in sub.values()):
        return False  # a number: a data row
    known = [t for t in sub.values() if catalog.match_header(t) not in (None, *catalog.keys)]
    if len(known) >= 2:
        return True
    keys = [j for j, c in enumerate(top) if catalog.match_header(cell_text(c)) in ("county_code", "county_name")]
    return bool(keys) and all(j not in sub for j in keys)  # labels beside an empty key column: no county's row


def joined_labels(top: list[object], below: list[object], catalog: Catalog) -> list[object]:
    sub = {j: cell_text(c) for j, c in enumerate(below) if cell_text(c)}
    joined: list[object] = []
    group = ""
    for j in range(max(len(top), len(below))):
        above = cell_text(top[j]) if j < len(top) else ""
        label = without_part_mark(sub.get(j, ""))
        group = above or (group if label else "")
        if not label:
            joined.append(top[j] if j < len(top) else None)
        elif catalog.match_header(label) is None and (catalog.match_header(group + label) is not None
                                                      or (group and group != label)):
            joined.append(group + label)
        else:
            joined.append(label)
    return joined


def transposed(table: RawTable, header_index: int, ctx: Context, region: str) -> Problem | None:
    """A table with counties across and indicators down: said once, not as one unknown header per county."""
    row_no, cells = table.rows[header_index]
    names = set(ctx.divisions.loc[ctx.divisions["parent_code"] == region, "name"])
    places = [cell_text(c) for c in cells if re.fullmatch(r"\d{6}(\.0)?", cell_text(c)) or cell_text(c) in names]
    if len(places) < 2:
        return None
    return Problem(table.display, f"表格是转置的：县区排在第 {row_no} 行的各列（{'、'.join(places[:3])}……），指标排在各行。"
                                  "报送表应每行一个县区、每列一个指标。请在 Excel 或 WPS 中复制整个表格，"
                                  "用“选择性粘贴→转置”粘贴到新工作表，保存后重新报送", row=row_no)
