"""Rounding as Chinese reports do it: half up (四舍五入), on the figure as written.

Python's round() and f-strings round half to even on the binary value
(5/16 = 31.25 % prints as 31.2 %); reports round half up (31.3 %). Rounding goes
through the shortest decimal text of the float (`repr`), so 2.675 rounds to
2.68 as a person reading "2.675" expects, not to 2.67 as its binary value would.

A change is stated from the figures as printed (30.0 % -> 28.2 % is 1.8
percentage points even when the unrounded values differ by 1.84), so the
difference a reader computes from the two printed figures is the one printed.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def round_half_up(x: float | None, decimals: int) -> float | None:
    """`x` rounded half up to `decimals` places (None stays None, NaN becomes None)."""
    if _missing(x):
        return None
    q = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP))


def fixed(x: float, decimals: int, thousands: bool = False) -> str:
    """Text of `x` rounded half up, with `decimals` places (and thousands separators)."""
    q = Decimal(1).scaleb(-decimals)
    d = Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP)
    if d == 0:
        d = abs(d)  # no "-0.0"
    return f"{d:,.{decimals}f}" if thousands else f"{d:.{decimals}f}"


def printed_difference(current: float, previous: float, decimals: int) -> float:
    """current - previous as a reader computes it from the two printed figures."""
    q = Decimal(1).scaleb(-decimals)
    a = Decimal(repr(float(current))).quantize(q, rounding=ROUND_HALF_UP)
    b = Decimal(repr(float(previous))).quantize(q, rounding=ROUND_HALF_UP)
    return float(a - b)


def printed_percent_change(current: float, previous: float, decimals: int, change_decimals: int) -> float | None:
    """Year-on-year change in %, from the printed figures, rounded half up; None from a zero base."""
    q = Decimal(1).scaleb(-decimals)
    a = Decimal(repr(float(current))).quantize(q, rounding=ROUND_HALF_UP)
    b = Decimal(repr(float(previous))).quantize(q, rounding=ROUND_HALF_UP)
    if b == 0:
        return None
    pct = (a - b) * 100 / b
    return float(pct.quantize(Decimal(1).scaleb(-change_decimals), rounding=ROUND_HALF_UP))
