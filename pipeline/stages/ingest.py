"""Ingest stage: yearly delivered tables -> data/staging/warehouse.duckdb.

Reads every file of the configured regions and years, detects its encoding,
maps headers through the catalog aliases, parses numbers the way people type
them, and writes a long `facts` table where every value keeps its source file,
row and column. Structural problems (headers, keys, years, text in numeric
cells, broken files) stop here with every problem listed; range and
consistency rules are the validation stage's job. The warehouse is written to
a temporary file and moved into place only when everything succeeded.

Run: python -m pipeline.stages.ingest
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import os
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.catalog import UNIT_TOKENS, Catalog, Indicator, load_catalog, normalize_header
from pipeline.config import Paths, load_params, project_root, remove_stale_temps, safe_code
from pipeline.divisions import no_code_changes, read_code_changes, read_divisions, units_of
from pipeline.errors import DataError, Problem, column_letter
from pipeline.periods import FULL_YEAR, find_year_period, parse_period, parse_year_period
from pipeline.periods import message_label as period_label

ACCEPTED_SUFFIXES = {".csv", ".xlsx"}
# the very hidden sheet of a `make template` workbook listing its locked cells as written (pipeline/template.py)
LOCKED_SHEET = "模板锁定单元格"
# Formats people export by mistake; named so the message can say what to do.
REJECTED_SUFFIXES = {".xls": "旧版 Excel（.xls）", ".xlsm": "带宏的 Excel（.xlsm）",
                     ".et": "WPS 表格（.et）", ".txt": "文本文件", ".tsv": "制表符分隔文件"}
MISSING_TOKENS = {"", "-", "—", "–", "--", "——", "－", "/", "na", "n/a", "null", "无数据", "空"}
# Rows under or beside the data that are not data: totals and notes.
NON_DATA_PREFIXES = ("合计", "总计", "小计", "全市", "注", "说明", "备注", "填表", "审核", "制表")
THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
SUBTOTAL_WORDS = ("合计", "小计", "总计")
HEADER_SEARCH_ROWS = 10
DEBUG = False  # --debug: let exceptions through with their tracebacks
MAX_PROBLEMS_PER_FILE = 30


@dataclass
class RawTable:
    """Cells of a delivered file, with the 1-based row numbers a person sees."""

    path: Path
    display: str
    fmt: str
    encoding: str | None
    sha256: str
    rows: list[tuple[int, list[object]]]
    truncated: bool = False  # a CSV whose last line has no line end
    sheet: str | None = None  # the worksheet read, for a workbook
    # (row, 0-based column) of cells an Excel number format shows as a percentage
    percent_cells: set[tuple[int, int]] = field(default_factory=set)


@dataclass
class Delivery:
    region_code: str
    year: int
    period: str
    source_file: str
    fmt: str
    encoding: str | None
    sha256: str
    header_row: int
    data_rows: int
    facts: list[tuple] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- reading files


def decode_text(data: bytes, display: str) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030.

    GB18030 is a superset of GBK and GB2312, so GBK exports from Excel or WPS
    decode with it. A UTF-8 file cut off inside a character is reported as
    truncated rather than retried as GBK, which would turn it into nonsense.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), ("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.end >= len(data) - 3:
            line = data[: exc.start].count(b"\n") + 1
            raise DataError("导入", [Problem(display, "文件在一个汉字中间结束，可能被截断（传输或复制未完成），请重新获取完整文件", row=line)]) from None
        utf8_error = exc
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        utf8_line = data[: utf8_error.start].count(b"\n") + 1
        msg = (f"无法识别文件编码：既不是 UTF-8（第 {utf8_line} 行有无效字节）"
               f"也不是 GBK/GB18030（字节位置 {exc.start}）。请在 Excel 或 WPS 中另存为“CSV UTF-8”或 .xlsx")
        raise DataError("导入", [Problem(display, msg, row=line)]) from None


# Traditional forms of characters in the catalog's headers; their presence in a
# Big5 reading (and a failed GBK one) says which encoding the file is in.
BIG5_MARKERS = ("區劃", "縣", "數", "黨", "紀", "處分", "訪", "舉報", "評價", "滿意")


def is_big5(path: Path) -> bool:
    """A CSV whose bytes read as traditional-Chinese headers in Big5 (it also decodes, as nonsense, in GBK)."""
    try:
        text = path.read_bytes()[:4096].decode("big5", errors="strict")
    except UnicodeDecodeError:
        return False
    return sum(marker in text for marker in BIG5_MARKERS) >= 3


def read_csv_rows(path: Path, display: str) -> RawTable:
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise DataError("导入", [Problem(display, "文件为空（0 行数据）")])
    text, encoding = decode_text(data, display)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text)))
    except csv.Error as exc:
        raise DataError("导入", [Problem(display, f"CSV 格式错误：{exc}（可能有未闭合的引号或文件被截断）")]) from None
    rows = [(i + 1, list(r)) for i, r in enumerate(records)]
    return RawTable(path, display, "csv", encoding, sha, rows, truncated=not text.endswith(("\n", "\r")))


def sniff_delimiter(text: str) -> str:
    """Comma, or the semicolon or tab a spreadsheet in another locale wrote instead.

    Decided on the first lines only when they hold no comma at all, so a
    comma-separated file with a stray tab inside a cell is still read as CSV.
    """
    head = text[:4000].splitlines()[:12]
    if any("," in line for line in head):
        return ","
    for sep in ("\t", ";"):
        if sum(line.count(sep) >= 2 for line in head) >= 2:
            return sep
    return ","


def misnamed_format(data: bytes) -> str | None:
    """What a file named .xlsx really is, when it is not a workbook (people rename files)."""
    if data.startswith(b"PK\x03\x04"):
        return None
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "旧版 Excel 或 WPS 文件（.xls/.et）"
    head = data[:2048].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")) or b"<html" in head[:500]:
        return "网页（HTML）文件，常见于系统“导出 Excel”功能"
    try:
        data[:4096].decode("utf-8")
        return "文本（CSV）文件"
    except UnicodeDecodeError:
        try:
            data[:4096].decode("gb18030")
            return "文本（CSV）文件"
        except UnicodeDecodeError:
            return None


EMPTY_RUN_LIMIT = 1000  # rows: a sheet formatted down to row 1,048,576 ends where its data end


def read_xlsx_rows(path: Path, display: str, catalog: Catalog | None = None) -> RawTable:
    """The data sheet of a workbook: visible, not a chart, the one with the header.

    Any failure of the workbook reader on a damaged file (zip, zlib or XML
    errors alike) becomes one message naming the file, never a traceback.
    """
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    if not data:
        raise DataError("导入", [Problem(display, "文件为空（0 字节）")])
    really = misnamed_format(data)
    if really:
        raise DataError("导入", [Problem(display, f"扩展名是 .xlsx，但文件实际是{really}。请在 Excel 或 WPS 中打开，"
                                                  "另存为“Excel 工作簿（.xlsx）”后再放入")])
    try:
        return _read_workbook(data, path, display, sha, catalog)
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged file can fail anywhere inside the reader
        raise DataError("导入", [Problem(display, f"不是完整的 .xlsx 文件，可能被截断或已损坏，无法读取（{type(exc).__name__}）。请重新导出，"
                                                  "或在 Excel/WPS 中打开后另存为 .xlsx")]) from None


def _read_workbook(data: bytes, path: Path, display: str, sha: str, catalog: Catalog | None) -> RawTable:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
        hidden = [ws.title for ws in wb.worksheets if ws.sheet_state != "visible"]
        if not visible:
            charts = [c.title for c in wb.chartsheets]
            what = "、".join([*(f"图表「{t}」" for t in charts), *(f"隐藏的工作表「{t}」" for t in hidden)])
            raise DataError("导入", [Problem(display, f"工作簿中没有可见的数据工作表（只有{what}）。请把要报送的数据放在"
                                                      "一个可见的工作表中")])
        sheets = {ws.title: _sheet_cells(ws) for ws in visible}
        locked = _locked_cells(wb)
    finally:
        wb.close()
    with_header = [t for t, (rows, _) in sheets.items() if catalog is None or find_header_rows(rows, catalog) is not None]
    if len(with_header) > 1:
        raise DataError("导入", [Problem(display, f"有 {len(with_header)} 个工作表都像数据表：「{'」「'.join(with_header)}」。"
                                                  "请只保留要报送的一个（其余删除或隐藏）")])
    title = with_header[0] if with_header else next(iter(sheets))
    rows, percent = sheets[title]
    problems = uncached_formulas(data, title, rows, display) + locked_cells_changed(locked, rows, display)
    if problems:
        raise DataError("导入", problems)
    return RawTable(path, display, "xlsx", None, sha, rows, sheet=title, percent_cells=percent)


def _locked_cells(wb) -> dict[str, object]:
    """The cells a workbook made by `make template` locked, as it wrote them (empty for any other workbook)."""
    if LOCKED_SHEET not in wb.sheetnames:
        return {}
    rows = wb[LOCKED_SHEET].iter_rows(min_row=2, values_only=True)
    return {str(ref): value for ref, value, *_ in rows if ref}


def locked_cells_changed(locked: dict[str, object], rows: list[tuple[int, list[object]]], display: str) -> list[Problem]:
    """A returned template whose locked cells (codes, names, year, headers) were changed is refused by cell.

    Rows inserted, deleted or sorted move the locked cells too, so each shows
    here; the figures of such a file cannot be trusted to sit on their county.
    """
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    by_row = dict(rows)
    problems = []
    for ref, expected in locked.items():
        letter, row_no = coordinate_from_string(ref)
        cells = by_row.get(row_no, [])
        j = column_index_from_string(letter) - 1
        found = cells[j] if j < len(cells) else None
        if cell_text(found) != cell_text(expected):
            problems.append(Problem(display, f"单元格 {ref} 是模板锁定的单元格，模板中为「{cell_text(expected)}」，交回的文件中为"
                                             f"「{cell_text(found)}」。请在原模板中填报，不要修改区划代码、名称、年度和表头，"
                                             "也不要插入、删除或排序行", row=row_no, column=j))
        if len(problems) >= 5:
            problems.append(Problem(display, "锁定单元格被改动的情况较多，以上只列出前 5 处"))
            break
    return problems


def _sheet_cells(ws) -> tuple[list[tuple[int, list[object]]], set[tuple[int, int]]]:
    rows: list[tuple[int, list[object]]] = []
    percent: set[tuple[int, int]] = set()
    empty_run = 0
    for i, cells in enumerate(ws.iter_rows(), start=1):
        values = [getattr(c, "value", None) for c in cells]
        if any(v is not None and str(v).strip() for v in values):
            empty_run = 0
        else:
            empty_run += 1
            if empty_run >= EMPTY_RUN_LIMIT:
                break
        for j, c in enumerate(cells):
            if "%" in str(getattr(c, "number_format", "") or "") and isinstance(values[j], int | float):
                percent.add((i, j))
        rows.append((i, values))
    while rows and not any(v is not None and str(v).strip() for v in rows[-1][1]):
        rows.pop()
    return rows, percent


def uncached_formulas(data: bytes, title: str, rows: list[tuple[int, list[object]]], display: str) -> list[Problem]:
    """Formula cells whose result was never saved: read as blank, they would silently become missing."""
    from openpyxl import load_workbook

    blank = {(n, j) for n, cells in rows for j, v in enumerate(cells) if v is None}
    if not blank:
        return []
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    problems = []
    try:
        for i, cells in enumerate(wb[title].iter_rows(max_row=rows[-1][0] if rows else 0), start=1):
            for j, c in enumerate(cells):
                v = getattr(c, "value", None)
                if (i, j) in blank and isinstance(v, str) and v.startswith("="):
                    problems.append(Problem(display, f"单元格 {column_letter(j)}{i} 是公式（{v[:40]}），但文件中没有保存"
                                                     "计算结果（由程序生成或 WPS 未重新计算）。请在 Excel 或 WPS 中打开并保存后再报送",
                                            row=i, column=j))
                    if len(problems) >= MAX_PROBLEMS_PER_FILE:
                        return problems
    finally:
        wb.close()
    return problems


def read_table(path: Path, display: str, catalog: Catalog | None = None) -> RawTable:
    if path.suffix.lower() == ".csv":
        return read_csv_rows(path, display)
    return read_xlsx_rows(path, display, catalog)


# ---------------------------------------------------------------- cells


def cell_text(value: object) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def as_typed(value: object) -> str:
    """Cell text as the person typed it (for messages and provenance), trimmed."""
    return "" if value is None else str(value).strip()


MAGNITUDE = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(千|万|亿)$")
MAGNITUDES = {"千": 1e3, "万": 1e4, "亿": 1e8}
FLOAT_NOISE = 1e-6  # a formula's 288.00000000000003 is the integer 288


@dataclass(frozen=True)
class Cell:
    """A parsed cell: its value, how it was read when not as written, and whether a % sign or format said share."""

    value: float | None
    note: str | None = None
    explicit_percent: bool = False


def parse_number(value: object, indicator: Indicator) -> float | None:
    """A numeric cell as people type it; None for a missing value; ValueError with the reason."""
    return parse_cell(value, indicator).value


def parse_cell(value: object, indicator: Indicator, percent_format: bool = False) -> Cell:
    """A numeric cell as people type it; ValueError with the reason when it is not one.

    Accepts `1,234`, full-width `１２３`, `32.6%` (share indicators only),
    published totals written with 万/千/亿 (`2.4万` is 24,000, noted as a
    rounded figure), a share cell Excel formats as a percentage (it stores
    0.3299 and shows 33.0%: read as 32.99%), float noise from formulas, and the
    usual marks for "no data" (blank, `—`, `-`, `/`). A comma that is not a
    thousands separator (`1,23`) and approximate figures (`2万余`) are refused
    rather than guessed.
    """
    if value is None:
        return Cell(None)
    if isinstance(value, bool):
        raise ValueError(f"内容「{value}」是逻辑值，不是数字")
    if isinstance(value, dt.date | dt.datetime | dt.time):
        raise ValueError(f"单元格是日期「{value}」，不是数字（检查单元格格式）")
    note, explicit = None, False
    if isinstance(value, int | float):
        number = float(value)
        if number != number:  # NaN from a formula error
            return Cell(None)
        if percent_format:
            if indicator.kind != "share":
                raise ValueError(f"单元格设为百分比格式，但{indicator.name_zh}的单位是{indicator.unit}（检查单元格格式）")
            number, explicit = number * 100, True
            note = f"单元格为百分比格式，存储值 {value:g}，按 {number:.6g}% 计"
    else:
        raw = str(value)
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw))
        if text.lower() in MISSING_TOKENS:
            return Cell(None)
        if text.endswith(("余", "多", "左右")):
            raise ValueError(f"「{raw.strip()}」是约数，不是确切数字；请填写确切的{indicator.name_zh}")
        explicit = text.endswith("%")
        if explicit:
            if indicator.kind != "share":
                raise ValueError(f"「{raw.strip()}」带百分号，但{indicator.name_zh}的单位是{indicator.unit}")
            text = text[:-1]
        magnitude = MAGNITUDE.match(text.replace(",", ""))
        if magnitude and indicator.kind == "count":
            number = float(magnitude.group(1)) * MAGNITUDES[magnitude.group(2)]
            note = f"原文写作「{raw.strip()}」，按 {number:,.0f} 计（以{magnitude.group(2)}为单位的约数）"
        else:
            if THOUSANDS.match(text):
                text = text.replace(",", "")
            if not PLAIN_NUMBER.match(text):
                raise ValueError(f"「{raw.strip()}」不是数字（{indicator.name_zh}应填{indicator.unit}数；无数据请留空或填“—”）")
            number = float(text)
    if indicator.integer and abs(number - round(number)) < FLOAT_NOISE:
        number = float(round(number))
    if indicator.integer and number != int(number):
        raise ValueError(f"{indicator.name_zh}应为整数，收到 {number:g}")
    return Cell(number, note, explicit)


def parse_code(value: object) -> str:
    """A division code as typed: 990101, '990101', 990101.0 (Excel numbers)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = cell_text(value)
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text


def parse_year(value: object) -> tuple[int, str | None] | None:
    """Year and period of a year cell: 2021, 2021年度, 2021年1-9月, 2022年上半年 (period None for a bare year)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return parse_year_period(cell_text(value))


def title_period(table: RawTable, header_index: int) -> tuple[int, str | None, int] | None:
    """Year, period and row number stated by a title row above the header (东川市2021年1-9月…统计表)."""
    for row_no, cells in table.rows[:header_index]:
        for c in cells:
            found = find_year_period(cell_text(c)) if cell_text(c) else None
            if found:
                return found[0], found[1], row_no
    return None


# ---------------------------------------------------------------- one file


@dataclass
class Context:
    catalog: Catalog
    divisions: pd.DataFrame  # indexed by code
    first_year: int
    last_year: int
    code_changes: pd.DataFrame = field(default_factory=no_code_changes)


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


def is_units_row(cells: list[object]) -> bool:
    texts = [cell_text(c) for c in cells if cell_text(c)]
    return bool(texts) and all(t.strip("()（）") in UNIT_TOKENS or t in ("-", "—") for t in texts)


def is_line_number_row(cells: list[object]) -> bool:
    """A 栏次 row: every filled cell is 甲/乙/丙... or a column number."""
    texts = [cell_text(c) for c in cells if cell_text(c)]
    return len(texts) >= 3 and all(t in LINE_MARKS or re.fullmatch(r"\d{1,2}(\.0)?", t) for t in texts) \
        and any(t in LINE_MARKS for t in texts)


def map_headers(table: RawTable, header_index: int, ctx: Context) -> tuple[dict[str, int], list[Problem]]:
    """Catalog code -> column index, or the problems with the header row."""
    row_no, cells = table.rows[header_index]
    problems: list[Problem] = []
    mapping: dict[str, int] = {}
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
            hint = ctx.catalog.suggest(header)
            tip = f"；是否指「{'」「'.join(hint)}」？" if hint else ""
            problems.append(Problem(table.display, f"无法识别的表头「{header}」，不在指标目录 data/reference/indicators.yaml 的别名中{tip}", row=row_no, column=j, header=header))
            continue
        if code in mapping:
            first = mapping[code]
            problems.append(Problem(table.display, f"「{header}」与第 {column_letter(first)} 列「{as_typed(cells[first])}」对应同一指标 {code}，一个指标只能有一列", row=row_no, column=j, header=header))
            continue
        mapping[code] = j
    required = ["county_code"] + [i.code for i in ctx.catalog.indicators if i.required]
    if "county_code" not in mapping and "county_name" in mapping:
        required.remove("county_code")  # counties matched by name within the region
    for code in required:
        if code not in mapping:
            name = ctx.catalog.keys[code].name_zh if code in ctx.catalog.keys else ctx.catalog[code].header
            problems.append(Problem(table.display, f"缺少必需的列「{name}」", row=row_no))
    return mapping, problems


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


def is_non_data_row(cells: list[object], key_column: int) -> bool:
    texts = [cell_text(c) for c in cells]
    if not any(texts):
        return True
    code_text = texts[key_column] if key_column < len(texts) else ""
    if re.fullmatch(r"\d+(\.0)?", code_text):
        return False
    # totals anywhere in the table: 合计, 全市合计, 市辖区小计...
    return any(t.startswith(NON_DATA_PREFIXES) or any(k in t for k in SUBTOTAL_WORDS) for t in texts if t)


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


def join_header_rows(table: RawTable, header_index: int, catalog: Catalog) -> RawTable:
    """Headers over two or three rows (a merged group heading over its parts) joined into one label per column.

    Official tables put 运用“四种形态”人次 over 第一种…第四种形态, merged across
    four columns; only the first cell of a merged range holds the text. A row
    under the header is a sub-header when it names at least two catalog
    indicators and holds no division code. Each column then takes its sub-label,
    or the group heading and the sub-label together when only that is known,
    or the header above when it has no sub-label.
    """
    rows = list(table.rows)
    for _ in range(2):
        if header_index + 1 >= len(rows):
            break
        top_no, top = rows[header_index]
        _, below = rows[header_index + 1]
        sub = {j: cell_text(c) for j, c in enumerate(below) if cell_text(c)}
        known = [t for t in sub.values() if catalog.match_header(t) not in (None, *catalog.keys)]
        if len(known) < 2 or any(re.fullmatch(r"\d{6}(\.0)?", t) for t in sub.values()):
            break
        joined: list[object] = []
        group = ""
        for j in range(max(len(top), len(below))):
            above = cell_text(top[j]) if j < len(top) else ""
            label = sub.get(j, "")
            group = above or (group if label else "")
            if not label:
                joined.append(top[j] if j < len(top) else None)
            elif catalog.match_header(label) is None and catalog.match_header(group + label) is not None:
                joined.append(group + label)
            else:
                joined.append(label)
        rows[header_index] = (top_no, joined)
        del rows[header_index + 1]
    return RawTable(table.path, table.display, table.fmt, table.encoding, table.sha256, rows, table.truncated,
                    table.sheet, table.percent_cells)


def parse_delivery(table: RawTable, region: str, file_year: int, ctx: Context,
                   file_period: str | None = None) -> Delivery:
    """Facts of one delivered file, or DataError listing what is wrong with it.

    The file's period comes from its name (2018-H1.xlsx), its title row, a
    period column or the year cells (2021年1-9月); where several say it they
    must agree, and a file holds one year and one period. Nothing said: a full year.
    """
    display = table.display
    header_index = find_header(table, ctx.catalog)
    if header_index is not None:
        table = join_header_rows(table, header_index, ctx.catalog)
    if header_index is None:
        if not any(cell_text(c) for _, r in table.rows for c in r):
            raise DataError("导入", [Problem(display, "文件为空（没有表头也没有数据）")])
        if table.fmt == "csv" and table.encoding == "gb18030" and is_big5(table.path):
            raise DataError("导入", [Problem(display, "文件是繁体中文 Big5 编码（台港地区 Excel 的默认编码），按简体 GBK 读出来是乱码，"
                                              "所以找不到表头。请在 Excel 或 WPS 中另存为“CSV UTF-8”或 .xlsx，并把繁体表头改为简体"
                                              "（或在 data/reference/indicators.yaml 中为其加别名）")])
        raise DataError("导入", [Problem(display, f"前 {HEADER_SEARCH_ROWS} 行中找不到表头：没有“区划代码”或“县（市、区）”列（可用别名：{'、'.join(ctx.catalog.keys['county_code'].aliases[:4])}）")])
    mapping, problems = map_headers(table, header_index, ctx)
    factors, unit_problems, skip = column_units(table, header_index, mapping, ctx) if not problems else ({}, [], 0)
    problems += unit_problems
    if problems:
        raise DataError("导入", problems)
    header_row_no, header_cells = table.rows[header_index]
    headers = {j: as_typed(c) for j, c in enumerate(header_cells)}
    width = max(mapping.values()) + 1
    key_column = mapping.get("county_code", mapping.get("county_name"))
    # where the period was stated, for messages: (period, where)
    stated: tuple[str, str] | None = (file_period, "文件名") if file_period else None
    title = title_period(table, header_index)
    if title:
        t_year, t_period, t_row = title
        if t_year != file_year:
            raise DataError("导入", [Problem(display, f"标题写的是 {t_year} 年，文件名表明是 {file_year} 年的数据；请核对年度后改正其一",
                                              row=t_row)])
        if t_period and stated and t_period != stated[0]:
            raise DataError("导入", [Problem(display, f"标题写的期间是 {period_label(file_year, t_period)}，文件名表明是 "
                                              f"{period_label(file_year, stated[0])}；请核对后改正其一", row=t_row)])
        if t_period:
            stated = (t_period, f"第 {t_row} 行标题")
    delivery = Delivery(region, file_year, FULL_YEAR, display, table.fmt, table.encoding, table.sha256, header_row_no, 0)
    seen: dict[str, int] = {}
    data = table.rows[header_index + 1 + skip:]
    indicators = [(ctx.catalog[c], j) for c, j in mapping.items() if c not in ctx.catalog.keys]
    parsed: list[tuple[int, str, Indicator, int, Cell, object]] = []
    last_column = max(j for _, j in indicators) if indicators else 0
    rows_here = [c for _, c in data if not is_non_data_row(c, key_column)]
    filled = sum(1 for c in rows_here if last_column < len(c) and cell_text(c[last_column]))
    last_column_filled = len(rows_here) >= 3 and filled >= len(rows_here) - 1  # every other row has it
    for k, (row_no, cells) in enumerate(data):
        if is_non_data_row(cells, key_column):
            continue
        is_last = all(is_non_data_row(c, key_column) for _, c in data[k + 1:])
        if table.fmt == "csv" and len(cells) < len(header_cells) and width > len(cells):
            hint = "，文件可能被截断（最后一行不完整）" if is_last and table.truncated else ""
            problems.append(Problem(display, f"这一行只有 {len(cells)} 列，表头有 {len(header_cells)} 列{hint}", row=row_no))
            continue
        if table.fmt == "csv" and len(cells) > len(header_cells) and any(cell_text(c) for c in cells[len(header_cells):]):
            problems.append(Problem(display, f"这一行有 {len(cells)} 列，多于表头的 {len(header_cells)} 列（可能有未加引号的逗号）", row=row_no))
            continue
        if is_last and table.truncated and row_no == table.rows[-1][0]:
            # a file cut short inside the last cell still has every column: 86.7 arrives as 86
            problems.append(Problem(display, "文件在最后一个数据行中间结束（末尾没有换行），最后一个数值可能不完整，"
                                             "文件可能在传输中被截断。请重新导出；如确认完整，在最后一行末尾加一个换行", row=row_no))
            continue
        code, problem = resolve_county(cells, row_no, mapping, headers, region, ctx, display, delivery)
        if problem:
            problems.append(problem)
            continue
        row_period: tuple[str, int] | None = None  # (period, column) stated in this row
        if "year" in mapping:
            j_year = mapping["year"]
            parsed_year = parse_year(cells[j_year])
            if parsed_year is None:
                problems.append(Problem(display, f"年度「{cell_text(cells[j_year])}」不是四位年份（可带期间，如 2021年、2021年1-9月、"
                                                 "2022年上半年）", row=row_no, column=j_year, header=headers[j_year]))
                continue
            year, in_cell = parsed_year
            if in_cell:
                row_period = (in_cell, j_year)
            if not ctx.first_year <= year <= ctx.last_year:
                problems.append(Problem(display, f"年度 {year} 不在配置的范围 {ctx.first_year}–{ctx.last_year} 内（params.yaml 中 ingest.first_year / last_year）", row=row_no, column=j_year, header=headers[j_year]))
                continue
            if year != file_year:
                problems.append(Problem(display, f"这一行的年度是 {year}，文件名表明是 {file_year} 年的数据；一个文件只能有一个年度", row=row_no, column=j_year, header=headers[j_year]))
                continue
        if "period" in mapping and mapping["period"] < len(cells) and cell_text(cells[mapping["period"]]):
            j_period = mapping["period"]
            in_column = parse_period(cell_text(cells[j_period]))
            if in_column is None:
                problems.append(Problem(display, f"统计期间「{cell_text(cells[j_period])}」无法识别；可写 全年、上半年、下半年、"
                                                 "第一季度…第四季度、1-9月 等", row=row_no, column=j_period, header=headers[j_period]))
                continue
            if row_period and row_period[0] != in_column:
                problems.append(Problem(display, f"年度写的是 {period_label(year, row_period[0])}，统计期间写的是 "
                                                 f"{period_label(year, in_column)}，两者不一致", row=row_no, column=j_period,
                                        header=headers[j_period]))
                continue
            row_period = (in_column, j_period)
        if row_period:
            if stated is None:
                stated = (row_period[0], f"第 {row_no} 行{column_letter(row_period[1])}列")
            elif row_period[0] != stated[0]:
                problems.append(Problem(display, f"这一行的期间是 {period_label(file_year, row_period[0])}，{stated[1]}表明是 "
                                                 f"{period_label(file_year, stated[0])}；一个文件只能有一个统计期间（不同期间请分文件报送）",
                                        row=row_no, column=row_period[1], header=headers[row_period[1]]))
                continue
        if code in seen:
            problems.append(Problem(display, f"{code}（{ctx.divisions.at[code, 'name']}）{file_year} 年出现两次：第 {seen[code]} 行和第 {row_no} 行", row=row_no, column=key_column, header=headers[key_column]))
            continue
        seen[code] = row_no
        shifted = shifted_row(cells, indicators, table.percent_cells, row_no, last_column_filled)
        if shifted:
            problems.append(Problem(display, f"这一行的最后一列「{headers[last_column]}」为空（其他行都有数值），且{shifted}：可能删除了一个"
                                             "单元格、其后的数值左移了一列。请对照原表核对这一行", row=row_no))
            continue
        for ind, j in indicators:
            raw = cells[j] if j < len(cells) else None
            try:
                cell = parse_cell(raw, ind, (row_no, j) in table.percent_cells)
            except ValueError as exc:
                problems.append(Problem(display, str(exc), row=row_no, column=j, header=headers[j]))
                continue
            factor, unit_note = factors.get(j, (1.0, None))
            if cell.value is not None and factor != 1.0:
                cell = Cell(cell.value * factor, "；".join(n for n in (cell.note, unit_note) if n), cell.explicit_percent)
            parsed.append((row_no, code, ind, j, cell, raw))
        delivery.data_rows += 1
        if len(problems) >= MAX_PROBLEMS_PER_FILE:
            break
    if not problems and delivery.data_rows == 0:
        problems.append(Problem(display, "只有表头，没有任何县区的数据行", row=header_row_no))
    parsed, column_problems = column_checks(parsed, indicators, headers, display, header_row_no, ctx.catalog)
    problems += column_problems
    if problems:
        raise DataError("导入", problems[:MAX_PROBLEMS_PER_FILE])
    delivery.period = stated[0] if stated else FULL_YEAR
    delivery.facts = [(region, code, file_year, delivery.period, ind.code, cell.value, display, row_no, headers[j],
                       f"{column_letter(j)}{row_no}", as_typed(raw) if not isinstance(raw, float) else repr(raw),
                       cell.note) for row_no, code, ind, j, cell, raw in parsed]
    return delivery


def shifted_row(cells: list[object], indicators: list[tuple[Indicator, int]], percent_cells: set[tuple[int, int]],
                row_no: int, last_column_filled: bool) -> str | None:
    """Why a row looks shifted one column left (a deleted cell), or None.

    In a workbook a deleted cell with "shift left" leaves a row whose last
    column is blank, which alone is an ordinary missing value. It is called a
    shift only when every other row fills that column and a value of this row
    does not fit its column: a score or share above 100, a fraction where
    people are counted, or text. Two plausible values moved stay out of reach.
    """
    last = max((j for _, j in indicators), default=0)
    if not last_column_filled or (last < len(cells) and cell_text(cells[last])):
        return None
    for ind, j in indicators:
        raw = cells[j] if j < len(cells) else None
        try:
            cell = parse_cell(raw, ind, (row_no, j) in percent_cells)
        except ValueError:
            return f"「{ind.name_zh}」列的「{cell_text(raw)}」不像{ind.unit}数"
        hard_lo, hard_hi = ind.hard_limits
        if cell.value is not None and (cell.value < hard_lo or (hard_hi is not None and cell.value > hard_hi)):
            return f"「{ind.name_zh}」列的 {cell.value:g} 超出{ind.unit}的可能取值"
    return None


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


# ---------------------------------------------------------------- all files


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


def load_divisions(paths: Paths) -> pd.DataFrame:
    div = read_divisions(paths.divisions)
    repeated = div["code"][div["code"].duplicated()].tolist()
    if repeated:
        raise DataError("导入", [Problem("data/reference/divisions.csv", f"区划代码重复：{'、'.join(repeated)}")])
    return div.set_index("code")


def ingest(root: Path) -> tuple[list[Delivery], Path]:
    """Read every delivery and write the staging warehouse; raise DataError on bad input."""
    paths = Paths(root)
    params = load_params(root)["ingest"]
    first, last = int(params["first_year"]), int(params["last_year"])
    regions = [safe_code(r) for r in params["regions"]]
    ctx = Context(load_catalog(paths.catalog), load_divisions(paths), first, last,
                  read_code_changes(paths.code_changes))
    problems: list[Problem] = []
    deliveries: list[Delivery] = []
    for region in regions:
        years, listing_problems = list_deliveries(paths, region, first, last)
        problems += listing_problems
        claimed: dict[tuple[int, str], str] = {}  # (year, period) -> the file or folder that holds it
        for year, period, files in years:
            parsed = []
            for path in files:
                display = path.relative_to(root).as_posix()
                try:
                    parsed.append(parse_delivery(read_table(path, display, ctx.catalog), region, year, ctx, period))
                except DataError as err:
                    problems += err.problems
                except Exception as exc:  # noqa: BLE001 - any reader failure names its file
                    if DEBUG:
                        raise
                    problems.append(Problem(display, f"读取时出错（{type(exc).__name__}: {exc}）。请检查文件是否完整；"
                                                     "加 --debug 运行可看到详细的出错位置"))
            in_folder = len(files) > 1 or (files and files[0].parent != paths.region_dir(region))
            listed = (files[0].parent if in_folder else files[0]).relative_to(root).as_posix() if files else ""
            if in_folder:
                problems += periods_in_folder(parsed, listed)
            problems += counties_in_two_files(parsed)
            problems += same_period_twice(parsed, listed, claimed)
            deliveries += parsed
        problems += resent_files([d for d in deliveries if d.region_code == region])
    if problems:
        raise DataError("导入", problems)
    write_warehouse(paths.staging_warehouse, deliveries, ctx)
    return deliveries, paths.staging_warehouse


SCHEMA = """
CREATE TABLE divisions (code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, level VARCHAR NOT NULL,
                        parent_code VARCHAR, note VARCHAR);
CREATE TABLE indicators (code VARCHAR PRIMARY KEY, name_zh VARCHAR, name_en VARCHAR, unit VARCHAR,
                         kind VARCHAR, direction VARCHAR, range_min DOUBLE, range_max DOUBLE,
                         is_integer BOOLEAN, required BOOLEAN, "group" VARCHAR, position INTEGER);
CREATE TABLE deliveries (region_code VARCHAR, year INTEGER, period VARCHAR NOT NULL, source_file VARCHAR PRIMARY KEY,
                         format VARCHAR, encoding VARCHAR, sha256 VARCHAR, header_row INTEGER,
                         data_rows INTEGER);
CREATE TABLE facts (region_code VARCHAR NOT NULL, county_code VARCHAR NOT NULL, year INTEGER NOT NULL,
                    period VARCHAR NOT NULL, indicator VARCHAR NOT NULL, value DOUBLE, source_file VARCHAR NOT NULL,
                    source_row INTEGER NOT NULL, source_column VARCHAR NOT NULL, source_cell VARCHAR NOT NULL,
                    source_text VARCHAR, source_note VARCHAR);
"""


def wide_view_sql(catalog: Catalog) -> str:
    """county_year_wide: one row per reporting place (with its level), year and period, one column per indicator.

    Column names come from the catalog's validated snake_case codes, never from
    delivered files, so building the statement as text is safe.
    """
    cols = ",\n  ".join(
        f"max(f.value) FILTER (WHERE f.indicator = '{code}') AS {code}" for code in catalog.codes
    )
    return f"""
CREATE VIEW county_year_wide AS
SELECT f.region_code, f.county_code, d.name AS county_name, d.level, f.year, f.period,
  {cols}
FROM facts f JOIN divisions d ON d.code = f.county_code
GROUP BY f.region_code, f.county_code, d.name, d.level, f.year, f.period
"""


def write_warehouse(target: Path, deliveries: list[Delivery], ctx: Context) -> None:
    """Build the whole database in a temporary file, then move it over `target` in one step."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target.parent)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(tmp))
        con.execute(SCHEMA)
        div = ctx.divisions.reset_index()[["code", "name", "level", "parent_code", "note"]]
        div = div.replace({"": None})
        con.executemany("INSERT INTO divisions VALUES (?, ?, ?, ?, ?)", div.values.tolist())
        con.executemany(
            "INSERT INTO indicators VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[i.code, i.name_zh, i.name_en, i.unit, i.kind, i.direction, i.minimum, i.maximum,
              i.integer, i.required, i.group, n] for n, i in enumerate(ctx.catalog.indicators)],
        )
        con.executemany(
            "INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[d.region_code, d.year, d.period, d.source_file, d.fmt, d.encoding, d.sha256, d.header_row, d.data_rows]
             for d in deliveries],
        )
        facts = pd.DataFrame(
            [f for d in deliveries for f in d.facts],
            columns=["region_code", "county_code", "year", "period", "indicator", "value",
                     "source_file", "source_row", "source_column", "source_cell", "source_text", "source_note"],
        )
        con.register("facts_df", facts)
        con.execute("INSERT INTO facts SELECT * FROM facts_df ORDER BY region_code, year, period, county_code, indicator")
        con.unregister("facts_df")
        con.execute(wide_view_sql(ctx.catalog))
        con.execute("CHECKPOINT")
        con.close()
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def main() -> None:
    global DEBUG
    parser = argparse.ArgumentParser(description="Load the delivered tables into the staging warehouse.")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks instead of messages")
    DEBUG = parser.parse_args().debug
    root = project_root()
    try:
        deliveries, target = ingest(root)
    except DataError as err:
        print(err.report(), file=sys.stderr)
        sys.exit(1)
    except OSError as exc:  # a read-only or full disk: say which path, keep the last warehouse
        if DEBUG:
            raise
        print(f"导入失败：无法读写 {exc.filename or '文件'}（{exc.strerror or exc}）。请检查文件夹权限和磁盘空间；"
              "上次的仓库保持不变。", file=sys.stderr)
        sys.exit(1)
    facts = sum(len(d.facts) for d in deliveries)
    print(f"导入完成：{len(deliveries)} 个文件，{sum(d.data_rows for d in deliveries)} 个县区·年度，{facts} 个数值 -> {target.relative_to(root)}")
    for d in deliveries:
        when = "" if d.period == FULL_YEAR else f"，{period_label(d.year, d.period)}"
        print(f"  {d.source_file}: {d.fmt}{'/' + d.encoding if d.encoding else ''}，表头在第 {d.header_row} 行，{d.data_rows} 行数据{when}")
        for note in d.notes:
            print(f"    提示：{note}")


if __name__ == "__main__":
    main()
