"""One cell as people type it: numbers, shares, codes, years, and the marks for "no data"."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from pipeline.catalog import Indicator
from pipeline.periods import parse_year_period
from pipeline.stages.ingest.table import cell_text

MISSING_TOKENS = {"", "-", "—", "–", "--", "——", "－", "/", "na", "n/a", "null", "无数据", "空", "无", "暂无", "不详"}


THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


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


# how to say "no data": the template's cells accept numbers only (its 填表说明 says leave them blank); a table
# of the sender's own may also mark one with “—”
NO_DATA = {True: "无数据请留空", False: "无数据请留空或填“—”"}


def parse_cell(value: object, indicator: Indicator, percent_format: bool = False, template: bool = False) -> Cell:
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
            return Cell(None, f"原文「{raw.strip()}」表示无数据，按缺数存储" if text else None)
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
                raise ValueError(f"「{raw.strip()}」不是数字（{indicator.name_zh}应填{indicator.unit}数；{NO_DATA[template]}）")
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
