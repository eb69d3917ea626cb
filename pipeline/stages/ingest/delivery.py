"""One delivered file -> its facts, or every problem with it.

The steps, each a function: the layout (where the header is, what each
column holds, in which unit), the period the file states, each row (which
county, which period, its values), then checks needing whole columns, and
last the explanations a person needs to find a problem the screen hides
(merged cells, hidden rows).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, replace

from pipeline.catalog import Catalog, Indicator
from pipeline.errors import DataError, Problem, column_letter
from pipeline.periods import FULL_YEAR, parse_period
from pipeline.periods import message_label as period_label
from pipeline.stages.ingest.cells import Cell, parse_cell, parse_year
from pipeline.stages.ingest.headers import (
    column_units,
    find_header,
    join_header_rows,
    map_headers,
    title_period,
    transposed,
)
from pipeline.stages.ingest.places import is_non_data_row, is_region_total, resolve_county
from pipeline.stages.ingest.table import (
    HEADER_SEARCH_ROWS,
    MAX_PROBLEMS_PER_FILE,
    Context,
    Delivery,
    RawTable,
    as_typed,
    cell_text,
)
from pipeline.stages.ingest.text import is_big5

Parsed = tuple[int, str, Indicator, int, Cell, object]  # row, county, indicator, column, cell, raw value


@dataclass
class Layout:
    """Where a file's data are: the header row, each column's indicator and unit, the rows under it."""

    table: RawTable  # with a header over several rows joined into one
    header_index: int  # in table.rows
    header_row: int
    headers: dict[int, str]
    header_width: int
    mapping: dict[str, int]
    factors: dict[int, tuple[float, str | None]]
    indicators: list[tuple[Indicator, int]]
    key_column: int
    data: list[tuple[int, list[object]]]

    @property
    def last_column(self) -> int:
        return max((j for _, j in self.indicators), default=0)


def parse_delivery(table: RawTable, region: str, file_year: int, ctx: Context,
                   file_period: str | None = None) -> Delivery:
    """Facts of one delivered file, or DataError listing what is wrong with it.

    The file's period comes from its name (2018-H1.xlsx), its title row, a
    period column or the year cells (2021年1-9月); where several say it they
    must agree, and a file holds one year and one period. Nothing said: a full year.
    """
    layout = read_layout(table, region, ctx)
    table = layout.table
    claim = PeriodClaim(file_year, (file_period, "文件名") if file_period else None)
    claim.from_title(table, layout)
    delivery = Delivery(region, file_year, FULL_YEAR, table.display, table.fmt, table.encoding, table.sha256,
                        layout.header_row, 0)
    parsed, problems = read_rows(layout, region, file_year, ctx, delivery, claim)
    if not problems and delivery.data_rows == 0:
        problems.append(Problem(table.display, "只有表头，没有任何县区的数据行", row=layout.header_row))
    parsed, column_problems = column_checks(parsed, layout.indicators, layout.headers, table.display,
                                            layout.header_row, ctx.catalog)
    problems += column_problems
    if problems:
        raise DataError("导入", explain_hidden_layout(table, problems)[:MAX_PROBLEMS_PER_FILE])
    delivery.period = claim.stated[0] if claim.stated else FULL_YEAR
    delivery.facts = [(region, code, file_year, delivery.period, ind.code, cell.value, table.display, row_no,
                       layout.headers[j], f"{column_letter(j)}{row_no}",
                       as_typed(raw) if not isinstance(raw, float) else repr(raw), cell.note)
                      for row_no, code, ind, j, cell, raw in parsed]
    delivery.notes += table.notes + missing_mark_notes(parsed, table.display)
    return delivery


def read_layout(table: RawTable, region: str, ctx: Context) -> Layout:
    """The header and what each column holds, or DataError naming what makes the table unreadable."""
    header_index = find_header(table, ctx.catalog)
    if header_index is None:
        raise DataError("导入", [no_header(table, ctx.catalog)])
    table = join_header_rows(table, header_index, ctx.catalog)
    turned = transposed(table, header_index, ctx, region)
    if turned:
        raise DataError("导入", [turned])
    mapping, problems = map_headers(table, header_index, ctx)
    factors, unit_problems, skip = column_units(table, header_index, mapping, ctx) if not problems else ({}, [], 0)
    problems += unit_problems
    if problems:
        raise DataError("导入", explain_hidden_layout(table, problems))
    header_row, header_cells = table.rows[header_index]
    return Layout(table, header_index, header_row, {j: as_typed(c) for j, c in enumerate(header_cells)}, len(header_cells),
                  mapping, factors, [(ctx.catalog[c], j) for c, j in mapping.items() if c not in ctx.catalog.keys],
                  mapping.get("county_code", mapping.get("county_name")), table.rows[header_index + 1 + skip:])


def no_header(table: RawTable, catalog: Catalog) -> Problem:
    if not any(cell_text(c) for _, r in table.rows for c in r):
        return Problem(table.display, "文件为空（没有表头也没有数据）")
    if table.fmt == "csv" and table.encoding == "gb18030" and is_big5(table.path):
        return Problem(table.display, "文件是繁体中文 Big5 编码（台港地区 Excel 的默认编码），按简体 GBK 读出来是乱码，"
                                      "所以找不到表头。请在 Excel 或 WPS 中另存为“CSV UTF-8”或 .xlsx，并把繁体表头改为简体"
                                      "（或在 data/reference/indicators.yaml 中为其加别名）")
    aliases = "、".join(catalog.keys["county_code"].aliases[:4])
    return Problem(table.display, f"前 {HEADER_SEARCH_ROWS} 行中找不到表头：没有“区划代码”或“县（市、区）”列（可用别名：{aliases}）")


class PeriodClaim:
    """The period a file states, and where it first says so; every other statement must agree."""

    def __init__(self, file_year: int, stated: tuple[str, str] | None):
        self.file_year = file_year
        self.stated = stated  # (period, where it was stated) or None: not stated (a full year)

    def from_title(self, table: RawTable, layout: Layout) -> None:
        title = title_period(table, layout.header_index)
        if not title:
            return
        t_year, t_period, t_row = title
        if t_year != self.file_year:
            raise DataError("导入", [Problem(table.display, f"标题写的是 {t_year} 年，文件名表明是 {self.file_year} 年的数据；"
                                                            "请核对年度后改正其一", row=t_row)])
        if t_period and self.stated and t_period != self.stated[0]:
            raise DataError("导入", [Problem(table.display, f"标题写的期间是 {period_label(self.file_year, t_period)}，文件名表明是 "
                                                            f"{period_label(self.file_year, self.stated[0])}；请核对后改正其一",
                                             row=t_row)])
        if t_period:
            self.stated = (t_period, f"第 {t_row} 行标题")

    def check_row(self, cells: list[object], row_no: int, layout: Layout, ctx: Context) -> Problem | None:
        """The year and period a row states (year column, period column) against the file's."""
        row_period, problem = row_year_period(cells, row_no, layout, ctx, self.file_year)
        if problem or not row_period:
            return problem
        if self.stated is None:
            self.stated = (row_period[0], f"第 {row_no} 行{column_letter(row_period[1])}列")
        elif row_period[0] != self.stated[0]:
            return Problem(layout.table.display, f"这一行的期间是 {period_label(self.file_year, row_period[0])}，{self.stated[1]}表明是 "
                                                 f"{period_label(self.file_year, self.stated[0])}；一个文件只能有一个统计期间"
                                                 "（不同期间请分文件报送）", row=row_no, column=row_period[1],
                           header=layout.headers[row_period[1]])
        return None


def row_year_period(cells: list[object], row_no: int, layout: Layout, ctx: Context, file_year: int
                    ) -> tuple[tuple[str, int] | None, Problem | None]:
    """((period, column) stated in this row or None, problem): its year cell and its period cell."""
    display, mapping, headers = layout.table.display, layout.mapping, layout.headers
    row_period: tuple[str, int] | None = None
    year = file_year
    if "year" in mapping:
        j = mapping["year"]
        parsed_year = parse_year(cells[j]) if j < len(cells) else None
        if parsed_year is None:
            typed = cell_text(cells[j]) if j < len(cells) else ""
            return None, Problem(display, f"年度「{typed}」不是四位年份（可带期间，如 2021年、2021年1-9月、2022年上半年）",
                                 row=row_no, column=j, header=headers[j])
        year, in_cell = parsed_year
        if not ctx.first_year <= year <= ctx.last_year:
            return None, Problem(display, f"年度 {year} 不在配置的范围 {ctx.first_year}–{ctx.last_year} 内（params.yaml 中 "
                                          "ingest.first_year / last_year）", row=row_no, column=j, header=headers[j])
        if year != file_year:
            return None, Problem(display, f"这一行的年度是 {year}，文件名表明是 {file_year} 年的数据；一个文件只能有一个年度",
                                 row=row_no, column=j, header=headers[j])
        row_period = (in_cell, j) if in_cell else None
    j = mapping.get("period")
    if j is None or j >= len(cells) or not cell_text(cells[j]):
        return row_period, None
    in_column = parse_period(cell_text(cells[j]))
    if in_column is None:
        return None, Problem(display, f"统计期间「{cell_text(cells[j])}」无法识别；可写 全年、上半年、下半年、第一季度…第四季度、"
                                      "1-9月 等", row=row_no, column=j, header=headers[j])
    if row_period and row_period[0] != in_column:
        return None, Problem(display, f"年度写的是 {period_label(year, row_period[0])}，统计期间写的是 "
                                      f"{period_label(year, in_column)}，两者不一致", row=row_no, column=j, header=headers[j])
    return (in_column, j), None


def read_rows(layout: Layout, region: str, file_year: int, ctx: Context, delivery: Delivery, claim: PeriodClaim
              ) -> tuple[list[Parsed], list[Problem]]:
    """Every data row's values, or the problems of the rows that cannot be read."""
    display = layout.table.display
    problems: list[Problem] = []
    parsed: list[Parsed] = []
    seen: dict[str, int] = {}
    data = [(n, c) for n, c in layout.data if not is_non_data_row(c, layout.key_column)]
    shape = RowShape(layout, [c for _, c in data])
    for row_no, cells in data:
        if is_region_total(cells, layout.mapping, region):
            delivery.notes.append(f"{display} 第 {row_no} 行：区划代码 {region} 是本地区自身的代码，这一行是全地区合计，"
                                  "不作为县区数据读入")
            continue
        problem = shape.row_width(row_no, cells, is_last=row_no == data[-1][0])
        code = None
        if not problem:
            code, problem = resolve_county(cells, row_no, layout.mapping, layout.headers, region, ctx, display, delivery)
        problem = problem or claim.check_row(cells, row_no, layout, ctx)
        if not problem and code in seen:
            problem = twice(code, seen[code], row_no, layout, ctx, file_year)
        if not problem:
            seen[code] = row_no
            problem = shape.shifted(row_no, cells)
        named = str(ctx.divisions.at[code, "name"]) if code is not None and code in ctx.divisions.index else None
        if problem:
            problems.append(replace(problem, place=named) if named and problem.row == row_no else problem)
        else:
            row_problems, values = row_values(row_no, code, cells, layout)
            problems += [replace(p, place=named) if named else p for p in row_problems]
            parsed += values
            delivery.data_rows += 1
        if len(problems) >= MAX_PROBLEMS_PER_FILE:
            break
    return parsed, problems


def twice(code: str, first: int, row_no: int, layout: Layout, ctx: Context, year: int) -> Problem:
    hidden = [n for n in (first, row_no) if n in layout.table.hidden_rows]
    why = (f"；其中第 {'、'.join(map(str, hidden))} 行是隐藏行（在 Excel 中看不到，可能是没有删除的旧数据）。"
           "请取消隐藏（选中上下两行，右键→取消隐藏）后删去多余的一行") if hidden else ""
    return Problem(layout.table.display, f"{code}（{ctx.divisions.at[code, 'name']}）{year} 年出现两次：第 {first} 行和第 "
                                         f"{row_no} 行{why}", row=row_no, column=layout.key_column,
                   header=layout.headers[layout.key_column])


def row_values(row_no: int, code: str, cells: list[object], layout: Layout) -> tuple[list[Problem], list[Parsed]]:
    problems, values = [], []
    for ind, j in layout.indicators:
        raw = cells[j] if j < len(cells) else None
        try:
            cell = parse_cell(raw, ind, (row_no, j) in layout.table.percent_cells, template=layout.table.template)
        except ValueError as exc:
            problems.append(Problem(layout.table.display, str(exc), row=row_no, column=j, header=layout.headers[j]))
            continue
        factor, unit_note = layout.factors.get(j, (1.0, None))
        if cell.value is not None and factor != 1.0:
            cell = Cell(cell.value * factor, "；".join(n for n in (cell.note, unit_note) if n), cell.explicit_percent)
        values.append((row_no, code, ind, j, cell, raw))
    return problems, values


class RowShape:
    """What a row's shape says: too few or too many cells, a cut-off last line, a row shifted one column left."""

    def __init__(self, layout: Layout, rows: list[list[object]]):
        """`rows`: the cells of the data rows (totals and notes left out)."""
        self.layout = layout
        last = layout.last_column
        self.rows = len(rows)
        self.filled_last = sum(1 for c in rows if last < len(c) and cell_text(c[last]))
        self.width = max(layout.mapping.values()) + 1
        # each indicator column's typical size (median of log(1 + value)), to see whether a row fits the next column
        self.typical: dict[int, float] = {}
        for ind, j in layout.indicators:
            values = [v for c in rows if (v := plain_value(c, j, ind)) is not None]
            if len(values) >= 3:
                self.typical[j] = statistics.median(log_size(v) for v in values)

    def row_width(self, row_no: int, cells: list[object], is_last: bool) -> Problem | None:
        table = self.layout.table
        if table.fmt == "csv" and len(cells) < self.layout.header_width and self.width > len(cells):
            hint = "，文件可能被截断（最后一行不完整）" if is_last and table.truncated else ""
            return Problem(table.display, f"这一行只有 {len(cells)} 列，表头有 {self.layout.header_width} 列{hint}", row=row_no)
        if table.fmt == "csv" and len(cells) > self.layout.header_width and \
                any(cell_text(c) for c in cells[self.layout.header_width:]):
            return Problem(table.display, f"这一行有 {len(cells)} 列，多于表头的 {self.layout.header_width} 列（可能有未加引号的逗号）",
                           row=row_no)
        if is_last and table.truncated and row_no == table.rows[-1][0]:
            # a file cut short inside the last cell still has every column: 86.7 arrives as 86
            return Problem(table.display, "文件在最后一个数据行中间结束（末尾没有换行），最后一个数值可能不完整，文件可能在传输中被截断。"
                                          "请重新导出；如确认完整，在最后一行末尾加一个换行", row=row_no)
        return None

    def shifted(self, row_no: int, cells: list[object]) -> Problem | None:
        """A row whose last indicator cell is blank while every other row fills it: refused, with what else points to a shift.

        Deleting one cell with "shift cells left" moves every later value one
        column left and leaves the last one blank; the values may all stay
        plausible, so the blank itself is the sign. A county truly without that
        figure writes "—" there. A template's protected sheet cannot shift and
        is not checked.
        """
        layout = self.layout
        last = layout.last_column
        if layout.table.template or (last < len(cells) and cell_text(cells[last])):
            return None
        if self.rows < 3 or self.filled_last < self.rows - 1:
            return None
        evidence = out_of_range(cells, layout, row_no) or self.fits_next_column(cells)
        header = layout.headers[last]
        if evidence:
            why = f"，且{evidence}：可能删除了一个单元格、其后的数值左移了一列"
        else:
            why = "。可能删除了一个单元格、其后的数值左移了一列（这一行的数值都在合理范围内，从数值上看不出）"
        return Problem(layout.table.display, f"这一行的最后一列「{header}」为空，而其他 {self.filled_last} 行都填了{why}。"
                                             "请对照原表核对这一行；如果这个县区确实没有这项数据，请在该单元格填“—”（表示无数据）",
                       row=row_no)

    def fits_next_column(self, cells: list[object]) -> str | None:
        """Whether the row's values look like the next column's values more than their own (log scale)."""
        ordered = sorted(self.layout.indicators, key=lambda p: p[1])
        own = moved = 0.0
        best: tuple[float, str, str, float] | None = None
        for (ind, j), (nxt, k) in zip(ordered, ordered[1:], strict=False):
            v = plain_value(cells, j, ind)
            if v is None or j not in self.typical or k not in self.typical:
                continue
            here, there = abs(log_size(v) - self.typical[j]), abs(log_size(v) - self.typical[k])
            own, moved = own + here, moved + there
            if best is None or here - there > best[0]:
                best = (here - there, ind.name_zh, nxt.name_zh, v)
        if best is None or own < 1.5 or moved > 0.5 * own:
            return None
        return f"这一行的数值更像右边一列的数值（如「{best[1]}」列的 {best[3]:g} 与「{best[2]}」列其他各行的数值相当）"


def log_size(value: float) -> float:
    """Order of magnitude with its sign: 0 -> 0, 99 -> 4.6, -99 -> -4.6 (a negative typed by mistake included)."""
    return math.copysign(math.log1p(abs(value)), value)


def plain_value(cells: list[object], j: int, ind: Indicator) -> float | None:
    try:
        return parse_cell(cells[j], ind).value if j < len(cells) else None
    except ValueError:
        return None


def out_of_range(cells: list[object], layout: Layout, row_no: int) -> str | None:
    """A value of the row that cannot be in its column: text, a score or share above 100, a fraction of people."""
    for ind, j in layout.indicators:
        raw = cells[j] if j < len(cells) else None
        try:
            cell = parse_cell(raw, ind, (row_no, j) in layout.table.percent_cells, template=layout.table.template)
        except ValueError:
            return f"「{ind.name_zh}」列的「{cell_text(raw)}」不像{ind.unit}数"
        hard_lo, hard_hi = ind.hard_limits
        if cell.value is not None and (cell.value < hard_lo or (hard_hi is not None and cell.value > hard_hi)):
            return f"「{ind.name_zh}」列的 {cell.value:g} 超出{ind.unit}的可能取值"
    return None


def explain_hidden_layout(table: RawTable, problems: list[Problem]) -> list[Problem]:
    """Problems a person cannot see the cause of on screen, said with their cause.

    Cells inside a merged range (only its first cell holds a value; the rest
    read as blank) become one problem per range; a problem on a hidden row
    says the row is hidden.
    """
    out: list[Problem] = []
    said: set[tuple[int, int, int, int]] = set()
    for p in problems:
        merged = next((m for m in table.merged if p.row is not None and p.column is not None
                       and m[0] <= p.row <= m[2] and m[1] <= p.column <= m[3] and m[2] > m[0]), None)
        if merged:
            if merged not in said:
                said.add(merged)
                out.append(merged_cells(table, merged, p.header))
            continue
        if p.row in table.hidden_rows and "隐藏行" not in p.message:
            p = Problem(p.file, f"（这一行是隐藏行，在 Excel 中看不到：选中上下两行，右键→取消隐藏）{p.message}", p.row, p.column,
                        p.header)
        out.append(p)
    return out


def merged_cells(table: RawTable, merged: tuple[int, int, int, int], header: str | None) -> Problem:
    r1, c1, r2, c2 = merged
    ref = f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"
    return Problem(table.display, f"单元格 {ref} 是合并单元格：只有第一格 {column_letter(c1)}{r1} 有内容，第 {r1 + 1}—{r2} 行读出来是空的。"
                                  "报送表每一行都要有完整的内容：请取消合并（开始→合并后居中→取消单元格合并），"
                                  "并在每一行填上内容后重新报送", row=r1, column=c1, header=header)


def missing_mark_notes(parsed: list[Parsed], display: str) -> list[str]:
    """Cells holding a "no data" mark (—, /, 无): stored as missing, and said so once per file."""
    marked = [(row_no, j, raw) for row_no, _, _, j, cell, raw in parsed if cell.value is None and cell.note]
    if not marked:
        return []
    marks = "、".join(dict.fromkeys(f"“{as_typed(raw)}”" for _, _, raw in marked))
    where = "、".join(f"{column_letter(j)}{row_no}" for row_no, j, _ in marked[:5]) + ("等" if len(marked) > 5 else "")
    return [f"{display}：{len(marked)} 个单元格填写了{marks}（{where}），按“无数据”存储，报告中写作缺数，不按 0 计算"
            "（如果要表示 0，请填 0）"]


def column_checks(parsed: list, indicators: list[tuple[Indicator, int]], headers: dict[int, str], display: str,
                  header_row: int, catalog: Catalog) -> tuple[list, list[Problem]]:
    """Checks that need a whole column: shares typed as fractions, required columns left blank.

    A share column whose every non-zero value is at most 1 was typed as
    fractions (0.3299 for 32.99%) and is read so, with a note; a column where
    only some values are at most 1 is ambiguous (0.8 may be 80% or 0.8%) and
    those cells are refused. A required column present but blank in every row
    is refused: it would silently become "missing" for every county, unless
    the catalog says a reported total stands for it (the four forms' parts
    beside a filled 四种形态总人次).
    """
    problems: list[Problem] = []
    out = list(parsed)
    filled = {p[2].code for p in parsed if p[4].value is not None}
    covered = {c for d in catalog.derived if d.reported_as in filled for c in d.inputs}
    for ind, j in indicators:
        cells = [(k, p) for k, p in enumerate(out) if p[3] == j]
        values = [p[4] for _, p in cells if p[4].value is not None]
        if ind.required and cells and not values and ind.code not in covered:
            problems.append(Problem(display, f"必需的列「{headers[j]}」整列为空：每个县区都没有填写。请补填后重新报送",
                                    row=header_row, column=j, header=headers[j]))
        if ind.kind != "share":
            continue
        plain = [(k, p) for k, p in cells if p[4].value is not None and not p[4].explicit_percent and p[4].value != 0]
        small = [(k, p) for k, p in plain if abs(p[4].value) <= 1]
        if not small:
            continue
        if len(small) == len(plain) and not any(p[4].explicit_percent for _, p in cells):
            for k, p in small:
                cell = p[4]
                out[k] = (*p[:4], Cell(cell.value * 100, f"按比例小数填写（{cell.value:g}），按 {cell.value * 100:.6g}% 计"
                                       "（该列所有数值都不大于 1）", True), p[5])
        else:
            for _, p in small:
                problems.append(Problem(display, f"「{p[4].value:g}」可能是比例小数（{p[4].value * 100:g}%），也可能是 "
                                                 f"{p[4].value:g}%；同一列其他数值按百分数填写。请写成带 % 的数，如 "
                                                 f"{p[4].value * 100:g}% 或 {p[4].value:g}%", row=p[0], column=j,
                                        header=headers[j]))
    return out, problems
