"""Reading a delivered CSV: its encoding, its delimiter, its rows."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

from pipeline.errors import DataError, Problem
from pipeline.stages.ingest.table import RawTable


def decode_text(data: bytes, display: str) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 (with or without BOM), UTF-16 (with BOM or without), else GB18030.

    GB18030 is a superset of GBK and GB2312, so GBK exports from Excel or WPS
    decode with it. A UTF-8 file cut off inside a character is reported as
    truncated rather than retried as GBK, which would turn it into nonsense; so
    is a file that starts in UTF-8 (or with its BOM) and goes on in another
    encoding: decoding all of it as GBK would garble the first part.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if (utf16 := utf16_without_bom(data)) is not None:
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError:
            pass  # not UTF-16 after all: read as below
    try:
        return data.decode("utf-8-sig"), ("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.end >= len(data) - 3:
            line = data[: exc.start].count(b"\n") + 1
            raise DataError("导入", [Problem(display, "文件在一个汉字中间结束，可能被截断（传输或复制未完成），请重新获取完整文件", row=line)]) from None
        utf8_error = exc
        if stray := gbk_cells_in_utf8(data, display):
            raise DataError("导入", stray) from None
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        if data.startswith(b"\xef\xbb\xbf") and (mixed := mixed_encoding(data, utf8_error.start, display)):
            try:  # GBK behind a UTF-8 mark: GB18030 fails only on the mark itself
                data[3:].decode("gb18030")
                raise DataError("导入", [mixed]) from None
            except UnicodeDecodeError:
                pass
        line = data[: exc.start].count(b"\n") + 1
        utf8_line = data[: utf8_error.start].count(b"\n") + 1
        msg = (f"无法识别文件编码：既不是 UTF-8（第 {utf8_line} 行有无效字节）"
               f"也不是 GBK/GB18030（字节位置 {exc.start}）。请在 Excel 或 WPS 中另存为“CSV UTF-8”或 .xlsx")
        raise DataError("导入", [Problem(display, msg, row=line)]) from None
    mixed = mixed_encoding(data, utf8_error.start, display)
    if mixed:
        raise DataError("导入", [mixed])
    return text, "gb18030"


STRAY_CELL_LIMIT = 5  # cells: more than this many in another encoding is a file in two encodings, said as such


def gbk_cells_in_utf8(data: bytes, display: str) -> list[Problem]:
    """The cells of a UTF-8 file that are in GBK (pasted from another table), each named by row and column.

    Whole lines decode as UTF-8 except a few cells, whose bytes read as GB18030: the file is sound and
    those cells are to be typed again. Anything else (many cells, a cell neither encoding reads) is [].
    """
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    lines = body.split(b"\n")
    head = [line.decode("utf-8", errors="replace").rstrip("\r") for line in lines[:10]]
    delimiter = b"\t" if sum(h.count("\t") for h in head) > sum(h.count(",") for h in head) else b","
    names = max((h.split(delimiter.decode()) for h in head), key=len)  # the header: the first line with every column
    found: list[Problem] = []
    chinese = False  # some other line holds Chinese in UTF-8: the file is UTF-8, not GBK with one Chinese cell
    for number, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8")
            chinese = chinese or bool(re.search("[\u4e00-\u9fff]", text))
            continue
        except UnicodeDecodeError:
            pass
        for column, cell in enumerate(raw.rstrip(b"\r").split(delimiter)):
            try:
                cell.decode("utf-8")
                continue
            except UnicodeDecodeError:
                pass
            try:
                reading = cell.decode("gb18030").strip('"')
            except UnicodeDecodeError:
                return []
            found.append(Problem(display, f"这一格不是 UTF-8 编码（文件其余部分都是 UTF-8），它的字节按 GBK 读是「{reading}」，"
                                          "多半是从 GBK 编码的表格中复制来的。请在 Excel 或 WPS 中重新输入这一格，"
                                          "另存为“CSV UTF-8”后重新报送",
                                 row=number, column=column, header=names[column] if column < len(names) else None))
        if len(found) > STRAY_CELL_LIMIT:
            return []
    return found if chinese else []


def utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" for text saved as UTF-16 without its byte-order mark, else None.

    Digits, commas and line ends are most of a CSV; in UTF-16 each is a byte
    and a zero byte, so zeros fill one of the two byte positions and not the other.
    """
    head = data[:4096]
    if len(head) < 16 or b"\x00" not in head:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd >= 0.3 * len(head[1::2]) and even <= 0.05 * len(head[0::2]):
        return "utf-16-le"
    if even >= 0.3 * len(head[0::2]) and odd <= 0.05 * len(head[1::2]):
        return "utf-16-be"
    return None


def mixed_encoding(data: bytes, bad_at: int, display: str) -> Problem | None:
    """A file that is UTF-8 (its BOM, or Chinese text) up to `bad_at` and not from there: named, not guessed."""
    line = data[:bad_at].count(b"\n") + 1
    prefix = data[: data.rfind(b"\n", 0, bad_at) + 1]
    bom = data.startswith(b"\xef\xbb\xbf")
    if not bom and not re.search("[\u4e00-\u9fff]{2}", prefix.decode("utf-8", errors="ignore")):
        return None
    if bom and not re.search("[\u4e00-\u9fff]{2}", prefix[3:].decode("utf-8", errors="ignore")):
        what = (f"文件开头有 UTF-8 的字节序标记（BOM），内容从第 {line} 行起却是 GBK 编码：两者矛盾，"
                "多半是某个软件给 GBK 文件加上了 UTF-8 标记，按哪种编码读都会出现乱码。")
    else:
        what = (f"文件混用了两种编码：第 {line} 行之前是 UTF-8，第 {line} 行起不是 UTF-8（像是 GBK），可能是不同编码的文件"
                "拼接在一起，或用记事本等软件改存过；按任何一种编码读都会有一部分变成乱码。")
    return Problem(display, f"{what}"
                            "请在 Excel 或 WPS 中打开原始表格，另存为“CSV UTF-8”或 .xlsx 后重新报送", row=line)


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


CELL_CHAR_LIMIT = 32_767  # characters: Excel's own limit for a cell; a longer one is pasted text, not a figure
csv.field_size_limit(2**31 - 1)  # a long cell is refused below with its size, not by the reader in English


def read_csv_rows(path: Path, display: str) -> RawTable:
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise DataError("导入", [Problem(display, "文件为空（0 行数据）")])
    text, encoding = decode_text(data, display)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        records = list(reader)
    except csv.Error:
        raise DataError("导入", [Problem(display, "CSV 格式错误：这一行附近有未闭合的引号（一个单元格以 \" 开始却没有结束），"
                                                  "或文件被截断。请在 Excel 或 WPS 中打开核对后另存为 CSV", row=reader.line_num)]) from None
    rows = [(i + 1, list(r)) for i, r in enumerate(records)]
    oversized = oversized_cells(rows, display)
    if oversized:
        raise DataError("导入", oversized)
    note = None if encoding != "utf-16-le" and encoding != "utf-16-be" else "文件为不带字节序标记（BOM）的 UTF-16 编码，已按此读取"
    return RawTable(path, display, "csv", encoding, sha, rows, truncated=not text.endswith(("\n", "\r")),
                    notes=[note] if note else [])


def oversized_cells(rows: list[tuple[int, list[object]]], display: str) -> list[Problem]:
    """Cells longer than a spreadsheet cell can be: a document or a whole file pasted into one cell."""
    return [Problem(display, f"这个单元格有 {len(str(v)):,} 个字符，超过表格单元格最多能容纳的 {CELL_CHAR_LIMIT:,} 个字符"
                             "（Excel 也无法保存），不是报送的数值：可能在备注中粘贴了大段文字或整个文件。"
                             "请删去这段文字（说明材料请另附文件）后重新报送", row=n, column=j)
            for n, cells in rows for j, v in enumerate(cells) if isinstance(v, str) and len(v) > CELL_CHAR_LIMIT][:5]


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
