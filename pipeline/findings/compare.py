"""Comparisons and the verdict they add up to: the one rule for every share or score with a direction.

A signer reads a figure as an experienced analyst does: how large the move is (level within the
measure's band, slight, or marked beyond params.yaml `findings.marked`), which comparison decides
for this kind of measure (data/reference/findings.yaml `decides`: the place's own baseline, or its
standing among the places of its level in the region), and where the place stands. The other
comparisons are context in the same sentence.
"""

from __future__ import annotations

from fractions import Fraction

from pipeline.findings.context import Context, missing
from pipeline.numbers import fixed

SEVERITY_ORDER = ("high", "medium", "low")
# which side of a comparison a move is, by the measure's direction
BETTER_WHEN = {("higher", "higher_is_better"): "better", ("lower", "higher_is_better"): "worse",
               ("higher", "higher_is_worse"): "worse", ("lower", "higher_is_worse"): "better"}
MOVES = {"up": "higher", "down": "lower", "rising": "higher", "falling": "lower", "flat": "level"}
# comparisons over the years (a place against itself), as against the region
OVER_YEARS = ("previous_year", "baseline")


def side(move: str, direction: str) -> str:
    """better / worse / level for a move (up, rising...) of a measure with `direction`; neutral without one."""
    m = MOVES.get(move, "level")
    if m == "level":
        return "level"
    return BETTER_WHEN.get((m, direction), "neutral")


def size(move: str, difference: float | None, marked: float) -> str:
    """level (within the band: the move is `flat`), slight (up to `marked`) or marked (beyond it)."""
    if MOVES.get(move, "level") == "level":
        return "level"
    if difference is None:
        return "slight"
    return "marked" if abs(float(difference)) > marked + 1e-9 else "slight"


def comparison(ctx: Context, basis: str, against: str, difference: float | None, unit: str | None, move: str,
               direction: str, *, decisive: bool = False, approximate: bool = False, measure: str = "",
               **extra) -> dict:
    """One comparison: the difference as printed (no sign; `move` says which way), its side and its size."""
    text = None if missing(difference) else fixed(abs(float(difference)), ctx.catalog.change_decimals)
    diff = None if missing(difference) else float(difference)
    marked = ctx.rules.marked_for(ctx.catalog.measure(measure)) if measure else float("inf")
    return {"basis": basis, "against": against, "difference": diff, "text": text, "unit": unit, "move": move,
            "side": side(move, direction), "size": size(move, diff, marked),
            "marked": None if marked == float("inf") else marked, "decisive": decisive,
            "approximate": approximate, **({"measure": measure} if measure else {}), **extra}


def tier(rank: int | None, of: int | None, shares: dict[str, Fraction], region_side: str = "") -> str:
    """top / middle / bottom: the place's standing among the `of` places ranked (rank 1 = best); '' unranked.

    The top tier is the best floor(of x top) places, at least one, that are also better than their region
    beyond the band; the bottom tier the worst floor(of x bottom), at least one, that are also worse than it:
    places tied with each other at the region's level stand out from nobody. With a single place ranked
    there is no standing to speak of.
    """
    if rank is None or of is None or of < 2:
        return ""
    top = max(1, int(of * shares["top"]))
    bottom = max(1, int(of * shares["bottom"]))
    if rank <= top and region_side == "better":
        return "top"
    if rank > of - bottom and region_side == "worse":
        return "bottom"
    return "middle"


def decisive_side(comparisons: list[dict], decides: str, standing: str) -> tuple[str, str]:
    """(the comparison that decides, its side): the standing (a tier already carries the gap to the region
    beyond the band) or the comparison flagged decisive (the baseline, or last year when last year is the
    baseline)."""
    if decides == "standing" and standing:
        return "standing", {"top": "better", "bottom": "worse"}.get(standing, "level")
    found = next((c for c in comparisons if c["decisive"]), None)
    return ("baseline", found["side"]) if found else ("baseline", "level")


def verdict(comparisons: list[dict], decides: str, standing: str = "") -> tuple[str, str]:
    """(verdict, polarity) of a measure's comparisons, one per measure and report.

    - The decisive comparison worse beyond the band is a problem: "not yet contained" while a
      new-onset share stays above its baseline (29.9 -> 32.6 -> 32.4 %), whatever last year's move;
      a score in the bottom tier of its region and below the region.
    - Otherwise a marked adverse move over the years (beyond `findings.marked`) is a problem (a
      material adverse trend), a slight one an item to watch (attention).
    - A measure its baseline tempered by its region decides (`baseline_region`, the first-form share) is
      given a problem only for a marked shortfall or where the place is not better than its region: a
      first-form share 1.1 pp under its baseline, level on the year, yet 3.6 pp above the city and 5th of
      ten, is an item to watch, not one of the county's main problems.
    - A place in the top tier is never given a problem on the measure: the worst it gets is attention. A
      slight shortfall against its baseline alone, while the year moved the good way beyond the band, is
      stated, not flagged: 市委委员综合评价 89.9, first of ten and 8.6 above the city, 1.2 under its
      2015-2017 mean but up 1.4 on the year, is not "略有下降，需关注" (a fall on the year, even a slight
      one, stays an item to watch).
      Nor is a place better than its region beyond the band on a measure its standing decides (a survey,
      an appraisal): 市委委员综合评价 82.4 down 3.4 points on the year, yet 1.1 above the city and 4th of
      ten, is a fall to watch, not one of the county's main problems.
    - A place in the bottom tier and worse than its region beyond the band is at least an item to watch,
      whatever its own trend: never praised for improving, never silent for holding level.
    - The decisive comparison better, with no adverse move over the years, is an achievement.
    - Anything else is stated, not judged (neutral); so is a measure whose kind `decides: none`.
    """
    if not comparisons or decides == "none":
        return "stated", "neutral"
    basis, decided = decisive_side(comparisons, decides, standing)
    adverse = [c for c in comparisons if c["side"] == "worse" and c["basis"] in OVER_YEARS]
    marked = any(c["size"] == "marked" for c in adverse)
    better_than_region = any(c["basis"] == "region" and c["side"] == "better" for c in comparisons)
    tempered = decides == "standing" or (decides == "baseline_region" and not marked)
    cap = "attention" if standing == "top" or (better_than_region and tempered) else "problem"
    if decided == "worse":
        return ("worse_than_baseline" if basis == "baseline" else "bottom_tier"), cap
    if marked:
        return "worse_marked", cap
    if adverse:
        recovering = all(c["basis"] == "baseline" for c in adverse) and any(
            c["basis"] == "previous_year" and c["side"] == "better" for c in comparisons)
        return ("recovering_in_top_tier", "neutral") if standing == "top" and recovering else ("worse_slight",
                                                                                               "attention")
    if standing == "bottom":
        return "bottom_of_region", "attention"  # whatever its own trend, at the bottom of its region and below it
    if decided == "better":
        return ("better" if basis == "baseline" else "top_tier"), "achievement"
    return "flat", "neutral"


def worst_severity(severities: list[str]) -> str:
    known = [s for s in SEVERITY_ORDER if s in severities]
    return known[0] if known else ""
