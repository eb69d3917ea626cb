"""Reporting periods: a full year, a half, a quarter, or a run of months such as 1-9月.

Commissions report half-years, quarters and "January to September" as often
as full years, and a figure for nine months is not comparable with a figure
for twelve. Every fact therefore carries a period next to its year, and a
change is only ever computed between the same period of two years.

A period is kept as a short code:
  full_year            January to December
  H1, H2               January-June, July-December
  Q1 .. Q4             one quarter
  M<a>-<b>             any other run of months, e.g. M1-9 (1-9月), M1-7
Codes are the same whatever way the delivery wrote the period (上半年, 1-6月,
H1 and 2022年上半年 are all H1).
"""

from __future__ import annotations

import re

FULL_YEAR = "full_year"
NAMED = {(1, 12): FULL_YEAR, (1, 6): "H1", (7, 12): "H2",
         (1, 3): "Q1", (4, 6): "Q2", (7, 9): "Q3", (10, 12): "Q4"}
MONTHS = {code: span for span, code in NAMED.items()}
CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}

_DASH = r"\s*[-－—–~～至到]\s*"
_WORDS = [
    (re.compile(r"^(全年|年度|全年度|1" + _DASH + r"12月)$"), lambda m: (1, 12)),
    (re.compile(r"^上半年$"), lambda m: (1, 6)),
    (re.compile(r"^下半年$"), lambda m: (7, 12)),
    (re.compile(r"^前([一二三1-3])季度?$"), lambda m: (1, 3 * CHINESE_DIGITS[m[1]])),
    (re.compile(r"^第?([一二三四1-4])季度$"), lambda m: _quarter(CHINESE_DIGITS[m[1]])),
    (re.compile(r"^(\d{1,2})" + _DASH + r"(\d{1,2})月(份)?$"), lambda m: (int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{1,2})月" + _DASH + r"(\d{1,2})月(份)?$"), lambda m: (int(m[1]), int(m[2]))),
    (re.compile(r"^(FY|Y|YEAR|FULL_YEAR|FULL)$", re.I), lambda m: (1, 12)),
    (re.compile(r"^H([12])$", re.I), lambda m: (1, 6) if m[1] == "1" else (7, 12)),
    (re.compile(r"^Q([1-4])$", re.I), lambda m: _quarter(int(m[1]))),
    (re.compile(r"^M?(\d{1,2})-(\d{1,2})$", re.I), lambda m: (int(m[1]), int(m[2]))),
]
_YEAR_THEN_PERIOD = re.compile(r"^(\d{4})\s*(?:年度?)?\s*[-_ ]?\s*(.*)$")


def _quarter(q: int) -> tuple[int, int]:
    return 3 * q - 2, 3 * q


def code_for(first_month: int, last_month: int) -> str:
    """The period code of a run of months; ValueError when the months are not a run within one year."""
    if not 1 <= first_month <= last_month <= 12:
        raise ValueError(f"{first_month}-{last_month}月不是一年之内的月份区间")
    return NAMED.get((first_month, last_month), f"M{first_month}-{last_month}")


def months(code: str) -> tuple[int, int]:
    """First and last month of a period code."""
    if code in MONTHS:
        return MONTHS[code]
    m = re.fullmatch(r"M(\d{1,2})-(\d{1,2})", code)
    if not m:
        raise ValueError(f"未知的统计期间代码 {code!r}")
    return int(m[1]), int(m[2])


def parse_period(text: str) -> str | None:
    """The period code of a period as written (上半年, 1-9月, 第三季度, Q3, H1, 全年); None when not a period."""
    t = re.sub(r"\s+", "", str(text)).replace("（", "(").replace("）", ")").strip("()")
    t = t.replace("份", "") if t.endswith("月份") else t
    for pattern, span in _WORDS:
        m = pattern.match(t)
        if m:
            try:
                return code_for(*span(m))
            except ValueError:
                return None
    return None


def parse_year_period(text: str) -> tuple[int, str | None] | None:
    """Year and period of a text such as 2021, 2021年, 2021年度, 2021年1-9月, 2022年上半年, 2018-H1.

    The period is None when only a year is written (the caller decides what a
    bare year means); the result is None when the text does not start with a year.
    """
    t = re.sub(r"\s+", "", str(text))
    m = _YEAR_THEN_PERIOD.match(t)
    if not m:
        return None
    rest = m[2]
    if not rest:
        return int(m[1]), None
    period = parse_period(rest)
    return (int(m[1]), period) if period else None


def find_year_period(text: str) -> tuple[int, str | None] | None:
    """A year and period inside a longer text, such as a title row: 东川市2021年1-9月党风廉政建设指标."""
    t = re.sub(r"\s+", "", str(text))
    for m in re.finditer(r"(?<!\d)(\d{4})年度?", t):
        rest = t[m.end():]
        for length in range(min(len(rest), 8), 0, -1):
            period = parse_period(rest[:length])
            if period:
                return int(m[1]), period
        return int(m[1]), None
    return None


def label(year: int, code: str, lang: str = "zh") -> str:
    """A year and period as reports print them: 2021年1-9月, 2022年上半年, 2022年第一季度, 2023年."""
    a, b = months(code)
    if lang == "en":
        if code == FULL_YEAR:
            return str(year)
        if code in ("H1", "H2") or code.startswith("Q"):
            return f"{year} {code}"
        names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return f"{year} ({names[a - 1]}–{names[b - 1]})"
    if code == FULL_YEAR:
        return f"{year}年"
    if code == "H1":
        return f"{year}年上半年"
    if code == "H2":
        return f"{year}年下半年"
    if code.startswith("Q"):
        return f"{year}年第{'一二三四'[int(code[1]) - 1]}季度"
    return f"{year}年{a}-{b}月"


def message_label(year: int, code: str) -> str:
    """A year and period in messages: 2019 年 for a full year (as messages have always said), else 2019年1-9月."""
    if code == FULL_YEAR:
        return f"{year} 年"
    try:
        return label(year, code)
    except ValueError:  # a period as typed reaching a message (defence in depth): shown as it is
        return f"{year} 年（期间「{code}」）"


def sort_key(code: str) -> int:
    """Order of periods within a year: full year first, then by first and last month."""
    a, b = months(code)
    return 0 if code == FULL_YEAR else 100 * a + b
