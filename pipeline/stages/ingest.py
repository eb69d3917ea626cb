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

import csv
import datetime as dt
import hashlib
import io
import os
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.catalog import Catalog, Indicator, load_catalog
from pipeline.config import Paths, load_params, project_root, safe_code
from pipeline.errors import DataError, Problem, column_letter

ACCEPTED_SUFFIXES = {".csv", ".xlsx"}
# Formats people export by mistake; named so the message can say what to do.
REJECTED_SUFFIXES = {".xls": "旧版 Excel（.xls）", ".xlsm": "带宏的 Excel（.xlsm）",
                     ".et": "WPS 表格（.et）", ".txt": "文本文件", ".tsv": "制表符分隔文件"}
MISSING_TOKENS = {"", "-", "—", "–", "--", "——", "－", "/", "na", "n/a", "null", "无数据", "空"}
# Rows under or beside the data that are not data: totals and notes.
NON_DATA_PREFIXES = ("合计", "总计", "小计", "全市", "注", "说明", "备注", "填表", "审核", "制表")
THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
HEADER_SEARCH_ROWS = 10
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


@dataclass
class Delivery:
    region_code: str
    year: int
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


def read_csv_rows(path: Path, display: str) -> RawTable:
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise DataError("导入", [Problem(display, "文件为空（0 行数据）")])
    text, encoding = decode_text(data, display)
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise DataError("导入", [Problem(display, f"CSV 格式错误：{exc}（可能有未闭合的引号或文件被截断）")]) from None
    rows = [(i + 1, list(r)) for i, r in enumerate(records)]
    table = RawTable(path, display, "csv", encoding, sha, rows)
    table.truncated = not text.endswith(("\n", "\r"))  # type: ignore[attr-defined]
    return table


def read_xlsx_rows(path: Path, display: str) -> RawTable:
    from openpyxl import load_workbook

    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    if not data:
        raise DataError("导入", [Problem(display, "文件为空（0 字节）")])
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise DataError("导入", [Problem(display, f"不是完整的 .xlsx 文件，可能被截断或已损坏（{type(exc).__name__}）。请重新导出")]) from None
    try:
        ws = wb.worksheets[0]
        rows = [(i + 1, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True))]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise DataError("导入", [Problem(display, f"读取工作表失败，文件可能已损坏（{type(exc).__name__}）")]) from None
    finally:
        wb.close()
    table = RawTable(path, display, "xlsx", None, sha, rows)
    table.truncated = False  # type: ignore[attr-defined]
    return table


def read_table(path: Path, display: str) -> RawTable:
    if path.suffix.lower() == ".csv":
        return read_csv_rows(path, display)
    return read_xlsx_rows(path, display)


# ---------------------------------------------------------------- cells


def cell_text(value: object) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def as_typed(value: object) -> str:
    """Cell text as the person typed it (for messages and provenance), trimmed."""
    return "" if value is None else str(value).strip()


def parse_number(value: object, indicator: Indicator) -> float | None:
    """A numeric cell as people type it; None for a missing value; ValueError with the reason.

    Accepts `1,234`, full-width `１２３`, `32.6%` (share indicators only) and
    the usual marks for "no data" (blank, `—`, `-`, `/`). A comma that is not
    a thousands separator (`1,23`) is refused rather than guessed.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"内容「{value}」是逻辑值，不是数字")
    if isinstance(value, dt.date | dt.datetime | dt.time):
        raise ValueError(f"单元格是日期「{value}」，不是数字（检查单元格格式）")
    if isinstance(value, int | float):
        number = float(value)
        if number != number:  # NaN from a formula error
            return None
    else:
        raw = str(value)
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw))
        if text.lower() in MISSING_TOKENS:
            return None
        percent = text.endswith("%")
        if percent:
            if indicator.kind != "share":
                raise ValueError(f"「{raw.strip()}」带百分号，但{indicator.name_zh}的单位是{indicator.unit}")
            text = text[:-1]
        if THOUSANDS.match(text):
            text = text.replace(",", "")
        if not PLAIN_NUMBER.match(text):
            raise ValueError(f"「{raw.strip()}」不是数字（{indicator.name_zh}应填{indicator.unit}数；无数据请留空或填“—”）")
        number = float(text)
    if indicator.integer and number != int(number):
        raise ValueError(f"{indicator.name_zh}应为整数，收到 {number:g}")
    return number


def parse_code(value: object) -> str:
    """A division code as typed: 990101, '990101', 990101.0 (Excel numbers)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = cell_text(value)
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text


def parse_year(value: object) -> int | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = cell_text(value).removesuffix("年度").removesuffix("年")
    return int(text) if re.fullmatch(r"\d{4}", text) else None


# ---------------------------------------------------------------- one file


@dataclass
class Context:
    catalog: Catalog
    divisions: pd.DataFrame  # indexed by code
    first_year: int
    last_year: int


def find_header(table: RawTable, catalog: Catalog) -> int | None:
    """Index in `table.rows` of the header: the first row naming the division-code column.

    Deliveries often put a title (and a blank line) above the header.
    """
    for i, (_, cells) in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        if any(catalog.match_header(cell_text(c)) == "county_code" for c in cells if c is not None):
            return i
    return None


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
    for code in required:
        if code not in mapping:
            name = ctx.catalog.keys[code].name_zh if code in ctx.catalog.keys else ctx.catalog[code].header
            problems.append(Problem(table.display, f"缺少必需的列「{name}」", row=row_no))
    return mapping, problems


def is_non_data_row(cells: list[object], mapping: dict[str, int]) -> bool:
    texts = [cell_text(c) for c in cells]
    if not any(texts):
        return True
    code_text = texts[mapping["county_code"]] if mapping["county_code"] < len(texts) else ""
    if re.fullmatch(r"\d+(\.0)?", code_text):
        return False
    return any(t.startswith(NON_DATA_PREFIXES) for t in texts if t)


def parse_delivery(table: RawTable, region: str, file_year: int, ctx: Context) -> Delivery:
    """Facts of one delivered file, or DataError listing what is wrong with it."""
    display = table.display
    header_index = find_header(table, ctx.catalog)
    if header_index is None:
        if not any(cell_text(c) for _, r in table.rows for c in r):
            raise DataError("导入", [Problem(display, "文件为空（没有表头也没有数据）")])
        raise DataError("导入", [Problem(display, f"前 {HEADER_SEARCH_ROWS} 行中找不到表头：没有“区划代码”列（可用别名：{'、'.join(ctx.catalog.keys['county_code'].aliases[:4])}）")])
    mapping, problems = map_headers(table, header_index, ctx)
    if problems:
        raise DataError("导入", problems)
    header_row_no, header_cells = table.rows[header_index]
    headers = {j: as_typed(c) for j, c in enumerate(header_cells)}
    width = max(mapping.values()) + 1
    delivery = Delivery(region, file_year, display, table.fmt, table.encoding, table.sha256, header_row_no, 0)
    seen: dict[str, int] = {}
    data = [(n, r) for n, r in table.rows[header_index + 1:]]
    indicators = [(ctx.catalog[c], j) for c, j in mapping.items() if c not in ctx.catalog.keys]
    for k, (row_no, cells) in enumerate(data):
        if is_non_data_row(cells, mapping):
            continue
        is_last = all(is_non_data_row(c, mapping) for _, c in data[k + 1:])
        if table.fmt == "csv" and len(cells) < len(header_cells) and width > len(cells):
            hint = "，文件可能被截断（最后一行不完整）" if is_last and getattr(table, "truncated", False) else ""
            problems.append(Problem(display, f"这一行只有 {len(cells)} 列，表头有 {len(header_cells)} 列{hint}", row=row_no))
            continue
        if table.fmt == "csv" and len(cells) > len(header_cells) and any(cell_text(c) for c in cells[len(header_cells):]):
            problems.append(Problem(display, f"这一行有 {len(cells)} 列，多于表头的 {len(header_cells)} 列（可能有未加引号的逗号）", row=row_no))
            continue
        j_code = mapping["county_code"]
        code = parse_code(cells[j_code])
        if not re.fullmatch(r"\d{6}", code):
            problems.append(Problem(display, f"区划代码「{code}」应为 6 位数字", row=row_no, column=j_code, header=headers[j_code]))
            continue
        if code not in ctx.divisions.index:
            problems.append(Problem(display, f"区划代码 {code} 不在区划表 data/reference/divisions.csv 中（新设或调整的县区请先登记）", row=row_no, column=j_code, header=headers[j_code]))
            continue
        parent = ctx.divisions.at[code, "parent_code"]
        if ctx.divisions.at[code, "level"] != "county" or parent != region:
            owner = ctx.divisions["name"].get(parent, parent)
            problems.append(Problem(display, f"区划代码 {code}（{ctx.divisions.at[code, 'name']}）属于 {owner}（{parent}），不属于本文件所在地区 {region}", row=row_no, column=j_code, header=headers[j_code]))
            continue
        if "county_name" in mapping:
            j_name = mapping["county_name"]
            typed = cell_text(cells[j_name]) if j_name < len(cells) else ""
            registered = ctx.divisions.at[code, "name"]
            if typed and typed != registered:
                delivery.notes.append(f"{display} 第 {row_no} 行：{code} 在区划表中名为「{registered}」，表中写作「{typed}」（以区划代码为准）")
        if "year" in mapping:
            j_year = mapping["year"]
            year = parse_year(cells[j_year])
            if year is None:
                problems.append(Problem(display, f"年度「{cell_text(cells[j_year])}」不是四位年份", row=row_no, column=j_year, header=headers[j_year]))
                continue
            if not ctx.first_year <= year <= ctx.last_year:
                problems.append(Problem(display, f"年度 {year} 不在配置的范围 {ctx.first_year}–{ctx.last_year} 内（params.yaml 中 ingest.first_year / last_year）", row=row_no, column=j_year, header=headers[j_year]))
                continue
            if year != file_year:
                problems.append(Problem(display, f"这一行的年度是 {year}，文件名表明是 {file_year} 年的数据；一个文件只能有一个年度", row=row_no, column=j_year, header=headers[j_year]))
                continue
        if code in seen:
            problems.append(Problem(display, f"{code}（{ctx.divisions.at[code, 'name']}）{file_year} 年出现两次：第 {seen[code]} 行和第 {row_no} 行", row=row_no, column=j_code, header=headers[j_code]))
            continue
        seen[code] = row_no
        for ind, j in indicators:
            raw = cells[j] if j < len(cells) else None
            try:
                value = parse_number(raw, ind)
            except ValueError as exc:
                problems.append(Problem(display, str(exc), row=row_no, column=j, header=headers[j]))
                continue
            delivery.facts.append((region, code, file_year, ind.code, value, display, row_no, headers[j], f"{column_letter(j)}{row_no}"))
        delivery.data_rows += 1
        if len(problems) >= MAX_PROBLEMS_PER_FILE:
            break
    if not problems and delivery.data_rows == 0:
        problems.append(Problem(display, "只有表头，没有任何县区的数据行", row=header_row_no))
    if problems:
        raise DataError("导入", problems)
    return delivery


# ---------------------------------------------------------------- all files


def list_deliveries(paths: Paths, region: str, first_year: int, last_year: int) -> tuple[list[tuple[int, Path]], list[Problem]]:
    folder = paths.region_dir(region)
    rel = folder.relative_to(paths.root).as_posix()
    if not folder.is_dir():
        return [], [Problem(rel, f"找不到地区 {region} 的数据文件夹（params.yaml 中 ingest.regions 列出了它）")]
    found: dict[int, Path] = {}
    problems: list[Problem] = []
    for path in sorted(folder.iterdir()):
        display = path.relative_to(paths.root).as_posix()
        suffix = path.suffix.lower()
        if path.name.startswith((".", "~$")) or suffix in {".md", ".txt"} and path.stem.lower() in {"readme", "说明"}:
            continue  # hidden files, Excel lock files, notes
        if suffix in REJECTED_SUFFIXES:
            problems.append(Problem(display, f"不支持{REJECTED_SUFFIXES[suffix]}，请另存为 .xlsx 或 CSV"))
            continue
        if suffix not in ACCEPTED_SUFFIXES:
            continue
        if not re.fullmatch(r"\d{4}", path.stem):
            problems.append(Problem(display, "文件名应为四位年份，如 2024.csv 或 2024.xlsx"))
            continue
        year = int(path.stem)
        if not first_year <= year <= last_year:
            problems.append(Problem(display, f"年度 {year} 不在配置的范围 {first_year}–{last_year} 内（修改 params.yaml 中 ingest.first_year / last_year，或移走该文件）"))
            continue
        if year in found:
            problems.append(Problem(display, f"{year} 年已有文件 {found[year].name}，同一年度只能交一个文件"))
            continue
        found[year] = path
    if not found and not problems:
        problems.append(Problem(rel, f"没有 {first_year}–{last_year} 年的数据文件"))
    return sorted(found.items()), problems


def load_divisions(paths: Paths) -> pd.DataFrame:
    div = pd.read_csv(paths.divisions, dtype=str, keep_default_na=False)
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
    ctx = Context(load_catalog(paths.catalog), load_divisions(paths), first, last)
    problems: list[Problem] = []
    deliveries: list[Delivery] = []
    for region in regions:
        files, listing_problems = list_deliveries(paths, region, first, last)
        problems += listing_problems
        for year, path in files:
            display = path.relative_to(root).as_posix()
            try:
                deliveries.append(parse_delivery(read_table(path, display), region, year, ctx))
            except DataError as err:
                problems += err.problems
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
CREATE TABLE deliveries (region_code VARCHAR, year INTEGER, source_file VARCHAR PRIMARY KEY,
                         format VARCHAR, encoding VARCHAR, sha256 VARCHAR, header_row INTEGER,
                         data_rows INTEGER);
CREATE TABLE facts (region_code VARCHAR NOT NULL, county_code VARCHAR NOT NULL, year INTEGER NOT NULL,
                    indicator VARCHAR NOT NULL, value DOUBLE, source_file VARCHAR NOT NULL,
                    source_row INTEGER NOT NULL, source_column VARCHAR NOT NULL, source_cell VARCHAR NOT NULL);
"""


def wide_view_sql(catalog: Catalog) -> str:
    """county_year_wide: one row per county-year, one column per catalog indicator.

    Column names come from the catalog's validated snake_case codes, never from
    delivered files, so building the statement as text is safe.
    """
    cols = ",\n  ".join(
        f"max(f.value) FILTER (WHERE f.indicator = '{code}') AS {code}" for code in catalog.codes
    )
    return f"""
CREATE VIEW county_year_wide AS
SELECT f.region_code, f.county_code, d.name AS county_name, f.year,
  {cols}
FROM facts f JOIN divisions d ON d.code = f.county_code
GROUP BY f.region_code, f.county_code, d.name, f.year
"""


def write_warehouse(target: Path, deliveries: list[Delivery], ctx: Context) -> None:
    """Build the whole database in a temporary file, then move it over `target` in one step."""
    target.parent.mkdir(parents=True, exist_ok=True)
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
            "INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [[d.region_code, d.year, d.source_file, d.fmt, d.encoding, d.sha256, d.header_row, d.data_rows]
             for d in deliveries],
        )
        facts = pd.DataFrame(
            [f for d in deliveries for f in d.facts],
            columns=["region_code", "county_code", "year", "indicator", "value",
                     "source_file", "source_row", "source_column", "source_cell"],
        )
        con.register("facts_df", facts)
        con.execute("INSERT INTO facts SELECT * FROM facts_df ORDER BY region_code, year, county_code, indicator")
        con.unregister("facts_df")
        con.execute(wide_view_sql(ctx.catalog))
        con.execute("CHECKPOINT")
        con.close()
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def main() -> None:
    root = project_root()
    try:
        deliveries, target = ingest(root)
    except DataError as err:
        print(err.report(), file=sys.stderr)
        sys.exit(1)
    facts = sum(len(d.facts) for d in deliveries)
    print(f"导入完成：{len(deliveries)} 个文件，{sum(d.data_rows for d in deliveries)} 个县区·年度，{facts} 个数值 -> {target.relative_to(root)}")
    for d in deliveries:
        print(f"  {d.source_file}: {d.fmt}{'/' + d.encoding if d.encoding else ''}，表头在第 {d.header_row} 行，{d.data_rows} 行数据")
        for note in d.notes:
            print(f"    提示：{note}")


if __name__ == "__main__":
    main()
