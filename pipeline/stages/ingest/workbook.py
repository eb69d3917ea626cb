"""Reading a delivered .xlsx: the data sheet, its cells, percent formats, locked template cells."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

from pipeline.catalog import Catalog
from pipeline.errors import DataError, Problem, column_letter
from pipeline.stages.ingest.headers import find_header_rows
from pipeline.stages.ingest.table import DEBUG, MAX_PROBLEMS_PER_FILE, RawTable, cell_text
from pipeline.stages.ingest.text import oversized_cells

# the very hidden sheet of a `make template` workbook listing its locked cells as written (pipeline/template.py)
LOCKED_SHEET = "模板锁定单元格"


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
    except Exception:  # noqa: BLE001 - a damaged file can fail anywhere inside the reader
        if DEBUG.on:
            raise
        raise DataError("导入", [Problem(display, f"{workbook_damage(data)}，无法读取。请在 Excel 或 WPS 中打开后另存为 .xlsx"
                                                  "（打不开就请报送单位重新导出）；加 --debug 运行可看到读取程序的详细出错信息")]) from None


def workbook_damage(data: bytes) -> str:
    """What is wrong with a workbook the reader could not open, as far as its zip parts tell."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            bad = zf.testzip()
    except Exception:  # noqa: BLE001 - zip, zlib, unsupported compression: all say the container is broken
        return "文件不完整：.xlsx 是一个压缩包，这个压缩包已损坏或被截断（传输或复制未完成）"
    if bad:
        return f"文件内容损坏：压缩包中的「{bad}」校验不通过（传输或存储中被改动）"
    if "xl/workbook.xml" not in names:
        return "文件不是 Excel 工作簿：压缩包中没有工作簿的主体（xl/workbook.xml），可能是改了扩展名的其他压缩文件"
    if not any(n.startswith("xl/worksheets/") and n.endswith(".xml") for n in names):
        if any(n.startswith("xl/chartsheets/") for n in names):
            return "工作簿中只有图表，没有数据工作表：报送的应是数据表本身，请把数据所在的工作表一起保存"
        return "工作簿中没有任何工作表"
    return "工作簿的内部结构有错误（由不完全兼容的软件生成，或文件已损坏）"


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
        parts = {ws.title: getattr(ws, "_worksheet_path", None) for ws in visible}
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
    problems = problems or oversized_cells(rows, display)
    if problems:
        raise DataError("导入", problems)
    hidden_rows, merged = sheet_layout(data, parts[title])
    return RawTable(path, display, "xlsx", None, sha, rows, sheet=title, percent_cells=percent, template=bool(locked),
                    hidden_rows=hidden_rows, merged=merged)


ROW_TAG = re.compile(r"<(?:\w+:)?row\b([^>]*)>")
MERGE_TAG = re.compile(r"<(?:\w+:)?mergeCell\b[^>]*\bref=\"([A-Z]+)(\d+):([A-Z]+)(\d+)\"")
SHEET_XML_LIMIT = 50_000_000  # bytes: a larger sheet part is not scanned for hidden rows and merges


def sheet_layout(data: bytes, part: str | None) -> tuple[set[int], list[tuple[int, int, int, int]]]:
    """Hidden rows and merged ranges of one sheet, read from its XML (openpyxl's fast reader skips both).

    They explain problems a person cannot see on screen: a hidden stale copy
    of a county, a year typed once into a merged cell.
    """
    from openpyxl.utils.cell import column_index_from_string

    if not part:
        return set(), []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        name = part.lstrip("/")
        if name not in zf.namelist() or zf.getinfo(name).file_size > SHEET_XML_LIMIT:
            return set(), []
        xml = zf.read(name).decode("utf-8", errors="replace")
    hidden = set()
    for attrs in ROW_TAG.findall(xml):
        number = re.search(r'\br="(\d+)"', attrs)
        if number and re.search(r'\bhidden="(1|true)"', attrs):
            hidden.add(int(number.group(1)))
    merged = [(int(r1), column_index_from_string(c1) - 1, int(r2), column_index_from_string(c2) - 1)
              for c1, r1, c2, r2 in MERGE_TAG.findall(xml)]
    return hidden, merged


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
