"""Comparisons and the verdict they add up to: the one rule for every share or score with a direction."""

from __future__ import annotations

from pipeline.findings.context import Context, missing
from pipeline.numbers import fixed

SEVERITY_ORDER = ("high", "medium", "low")
# which side of a comparison a move is, by the measure's direction
BETTER_WHEN = {("higher", "higher_is_better"): "better", ("lower", "higher_is_better"): "worse",
               ("higher", "higher_is_worse"): "worse", ("lower", "higher_is_worse"): "better"}
MOVES = {"up": "higher", "down": "lower", "rising": "higher", "falling": "lower", "flat": "level"}


def side(move: str, direction: str) -> str:
    """better / worse / level for a move (up, rising...) of a measure with `direction`; neutral without one."""
    m = MOVES.get(move, "level")
    if m == "level":
        return "level"
    return BETTER_WHEN.get((m, direction), "neutral")


def comparison(ctx: Context, basis: str, against: str, difference: float | None, unit: str | None, move: str,
               direction: str, *, decisive: bool = False, approximate: bool = False, **extra) -> dict:
    """One comparison: the difference as printed (no sign; `move` says which way) and its side."""
    text = None if missing(difference) else fixed(abs(float(difference)), ctx.catalog.change_decimals)
    return {"basis": basis, "against": against, "difference": None if missing(difference) else float(difference),
            "text": text, "unit": unit, "move": move, "side": side(move, direction), "decisive": decisive,
            "approximate": approximate, **extra}


def verdict(comparisons: list[dict], disagreement: str) -> tuple[str, str]:
    """(verdict, polarity) of a measure's comparisons.

    A decisive comparison (the baseline) that comes out worse decides alone:
    "not yet contained" whatever last year's move. Otherwise every comparison
    better is an achievement, every one worse (or level) a problem, and a mix
    takes the polarity params.yaml assigns; one verdict per measure and report.
    """
    if not comparisons:
        return "stated", "neutral"
    if any(c["decisive"] and c["side"] == "worse" for c in comparisons):
        return "worse_than_baseline", "problem"
    sides = {c["side"] for c in comparisons}
    if {"better", "worse"} <= sides:
        return "mixed", disagreement
    if "worse" in sides:
        return "worse", "problem"
    if "better" in sides:
        return "better", "achievement"
    return "flat", "neutral"


def worst_severity(severities: list[str]) -> str:
    known = [s for s in SEVERITY_ORDER if s in severities]
    return known[0] if known else ""
