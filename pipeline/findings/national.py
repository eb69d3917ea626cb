"""A region's figures beside the nation's (中央纪委国家监委 published figures): stated, never judged.

The nation's latest published year up to the report year is taken (the
national benchmark mart, with its source); the region's figure is the one its
own finding printed (a share of the four forms as it adds up to 100), and the
difference is computed from the two printed figures. The years may differ and
a region is not a nation, so the statement is neutral: context for a reader,
not an achievement or a problem.
"""

from __future__ import annotations

from pipeline.findings.compare import comparison
from pipeline.findings.context import Context
from pipeline.findings.schema import Finding
from pipeline.numbers import printed_difference


def national_findings(ctx: Context, base: dict, region: str, year: int, found: list[Finding]) -> list[Finding]:
    """One statement: the region's shares beside the nation's of one published year (that of the first
    measure listed), each with the difference of the two printed figures."""
    measures = ctx.rules.measures.get("national", [])
    if not measures:
        return []
    lead = ctx.national_figure(measures[0], year)
    if lead is None:
        return []
    shares = {m: fig for f in found if f.topic == "four_forms_shape" and f.period == base["period"]
              for m, fig in f.evidence.get("figures", {}).items()}
    figures, comps = {}, []
    for measure in measures:
        nation = ctx.national_figure(measure, year)
        mine = shares.get(measure) or ctx.figure("region", region, measure, year)
        if nation is None or nation["year"] != lead["year"] or mine.get("text") is None:
            continue
        spec = ctx.catalog.measure(measure)
        diff = printed_difference(float(mine["text"].replace(",", "")), float(nation["text"].replace(",", "")),
                                  spec.decimals)
        move = "flat" if diff == 0 else ("up" if diff > 0 else "down")
        figures[measure] = {"current": mine, "nation": nation}
        comps.append(comparison(ctx, "nation", "nation", diff, spec.change_unit, move, spec.direction,
                                measure=measure))
    if not comps:
        return []
    return [Finding(**base, topic="national", subject=measures[0], verdict=comps[0]["move"], polarity="neutral",
                    basis=["nation"], evidence={"figures": figures, "comparisons": comps, "year": lead["year"]})]
