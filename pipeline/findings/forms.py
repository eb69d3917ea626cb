"""The shape of the four forms in any period: the pyramid, a fourth form above the third, a total without parts.

Shares print by largest remainder so that the four add up to 100.0, as
commissions publish them. A partial period (一季度, 1-9月) is judged within
itself and stated, never counted as an achievement or a problem of the year.
"""

from __future__ import annotations

from pipeline.findings.context import Context
from pipeline.findings.schema import Finding, state_within
from pipeline.numbers import largest_remainder
from pipeline.periods import FULL_YEAR

PYRAMID = "pyramid_holds"
TOTAL = "four_forms_sum"


def form_measures(ctx: Context) -> tuple[list[str], list[str]]:
    """The four forms' person-time indicators and their share measures, from the catalog."""
    return list(ctx.catalog.measure(TOTAL).inputs), ctx.catalog.shares_of(TOTAL)


def four_forms(ctx: Context, base: dict, scope: str, code: str, year: int, period: str) -> list[Finding]:
    parts, shares = form_measures(ctx)
    holds = ctx.value(scope, code, PYRAMID, year, period)
    persons = [ctx.value(scope, code, p, year, period) for p in parts]
    out: list[Finding] = []
    partial = period != FULL_YEAR
    if holds is not None:
        printed = largest_remainder(persons, ctx.catalog.measure(shares[0]).decimals)
        figures = {p: ctx.figure(scope, code, p, year, period) for p in parts}
        figures[TOTAL] = ctx.figure(scope, code, TOTAL, year, period)
        figures.update({s: {**ctx.figure(scope, code, s, year, period), "text": t, "rounding": "largest_remainder"}
                        for s, t in zip(shares, printed, strict=True)})
        ok = holds == 1
        polarity = "neutral" if partial else ("achievement" if ok else "problem")
        out.append(Finding(**base, topic="four_forms_shape", verdict="holds" if ok else "not_holds",
                           polarity=polarity, basis=["pyramid_rule"],
                           suggestion="" if ok else ctx.rules.suggestion("four_forms_shape"),
                           evidence={"figures": figures, "parts": parts, "shares": shares,
                                     "rounding": "largest_remainder"}))
    else:
        reported = ctx.catalog.measure(TOTAL).reported_as
        if reported and ctx.value(scope, code, reported, year, period) is not None:
            out.append(Finding(**base, topic="four_forms_shape", verdict="total_only", polarity="neutral",
                               evidence={"figures": {reported: ctx.figure(scope, code, reported, year, period)},
                                         "parts": parts}))
    third, fourth = persons[2], persons[3]
    if third is not None and fourth is not None and fourth > third:
        out.append(Finding(**base, topic="form4_above_form3", verdict="above", polarity="neutral",
                           basis=["pair"], evidence={"figures": {
                               parts[2]: ctx.figure(scope, code, parts[2], year, period),
                               parts[3]: ctx.figure(scope, code, parts[3], year, period)}}))
    return out


def shape_and_first_form(found: list[Finding]) -> None:
    """The pyramid and the first-form share are two readings of one thing, so a report states them as one:
    - a pyramid that holds is stated, not praised, in a report that finds the first form weakening (a
      problem or an item to watch): the two would otherwise read as a success and a failure of one thing;
    - a pyramid that does not hold is the problem, and the first form's own shortfall (比基期低35.4个百分点、
      低于全市31.9个百分点) is said in its sentence: 松林县 was given both as main problems, with the same
      advice twice (把第一种形态作为常态…)."""
    form1 = [f for f in found if f.topic == "trend" and f.subject == "form1_share" and f.period == FULL_YEAR]
    if not form1 or form1[0].polarity not in ("problem", "attention"):
        return
    for f in found:
        if f.topic == "four_forms_shape" and f.period == FULL_YEAR and f.polarity == "achievement":
            f.polarity = "neutral"
        elif (f.topic == "four_forms_shape" and f.period == FULL_YEAR and f.polarity == "problem"
              and form1[0].polarity == "problem"):
            state_within(f, form1[0])
