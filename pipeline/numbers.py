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


def largest_remainder(parts: list[float], decimals: int) -> list[str] | None:
    """Shares (%) of the parts of a whole, printed so that they add up to exactly 100 (最大余数法).

    Commissions publish the four forms' shares this way: national 2023, 109.6 /
    49.2 / 6.4 / 6.6 万人次, is published as 63.8 / 28.6 / 3.7 / 3.9 %, where
    rounding each share half up on its own gives 63.8 / 28.6 / 3.7 / 3.8 (99.9).
    Each share is cut down to `decimals` places and the units still missing go
    to the largest remainders (the earlier part first on a tie). Exact
    fractions of the decimal texts, so no binary noise decides a remainder.
    None when a part is missing or the whole is zero.
    """
    from fractions import Fraction

    if any(_missing(p) for p in parts):
        return None
    exact = [Fraction(Decimal(repr(float(p)))) for p in parts]
    total = sum(exact)
    if total == 0:
        return None
    scale = 10 ** decimals
    scaled = [x * 100 * scale / total for x in exact]
    floors = [int(s) for s in scaled]
    order = sorted(range(len(parts)), key=lambda i: (-(scaled[i] - floors[i]), i))
    for i in order[: 100 * scale - sum(floors)]:
        floors[i] += 1
    return [f"{Decimal(f).scaleb(-decimals):.{decimals}f}" for f in floors]


def measure_text(value: float | None, decimals: int, percent: bool) -> str | None:
    """A measure's value as every report prints it: its catalog decimals rounded half up, thousands separated,
    % after a share (counts and scores bare: the sentence or the column says the unit); None when there is none.
    Callers pass the catalog's `decimals` and whether the measure is a share, so this module imports nothing."""
    if _missing(value):
        return None
    return fixed(float(value), decimals, thousands=True) + ("%" if percent else "")


def printed(value: float | None, decimals: int) -> str | None:
    """A figure as a report prints it: rounded half up, thousands separated; None when there is none (the
    findings stage stores such texts beside the figures, so every renderer prints the same digits)."""
    return None if _missing(value) else fixed(float(value), decimals, thousands=True)


def printed_percent(fraction: float | None) -> str | None:
    """A fraction as a whole percentage, rounded half up (0.365 -> 37%); None when there is none."""
    return None if _missing(fraction) else fixed(100 * float(fraction), 0) + "%"


def with_printed(values: dict, printing: dict[str, int | None]) -> dict:
    """`values` with <field>_text beside each figure `printing` names: its decimals, or None for a whole
    percentage of a fraction (None where the figure is missing). How the findings stage stores the texts of
    the figures its evidence carries, so every renderer prints the same digits."""
    texts = {f"{k}_text": printed_percent(v) if printing[k] is None else printed(v, printing[k])
             for k, v in values.items() if k in printing}
    return {**values, **texts}
