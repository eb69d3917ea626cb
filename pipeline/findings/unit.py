"""Findings about one place reporting under a region, for one year (and its partial periods).

A place is compared with its own baseline and last year, and with its
region only when the region's figure is not made of the place alone and the
region compares places of the place's level.
"""

from __future__ import annotations

from pipeline.findings.compare import comparison, tier, verdict, worst_severity
from pipeline.findings.context import Context, missing
from pipeline.findings.forms import four_forms, shape_and_first_form
from pipeline.findings.schema import Finding
from pipeline.periods import FULL_YEAR

CHANGE_MOVES = ("up", "down", "flat")
TREND_MOVES = ("rising", "falling", "flat")


def base_of(ctx: Context, scope: str, code: str, region: str, year: int, period: str = FULL_YEAR) -> dict:
    level = ctx.level(code)
    return dict(scope=scope, place_code=code, region_code=region, level=level,
                unit_level=level if scope == "unit" else ctx.unit_level(code), year=int(year), period=period)


def shown_measure(ctx: Context, scope: str, code: str, measure: str, year: int, period: str = FULL_YEAR) -> str:
    """A derived total that cannot be computed gives way to the delivered one (the catalog's reported_as)."""
    return ctx.catalog.shown_as(measure, lambda m: ctx.value(scope, code, m, year, period) is not None)


def work_change(ctx: Context, base: dict, scope: str, code: str, year: int, measure: str,
                period: str = FULL_YEAR) -> Finding | None:
    """The work done: a neutral count and its change on last year, or on the same period of last year for a
    partial period (stated, never judged)."""
    shown = shown_measure(ctx, scope, code, measure, year, period)
    r = ctx.row(scope, code, shown, year, period)
    if r is None or missing(r["value"]):
        return None
    spec = ctx.catalog.measure(shown)
    figures = {"current": ctx.figure(scope, code, shown, year, period)}
    comps = []
    status = str(r["change_status"])
    if status in CHANGE_MOVES:
        figures["previous"] = ctx.figure(scope, code, shown, year - 1, period)
        approx = figures["current"]["approximate"] or figures["previous"]["approximate"]
        comps.append(comparison(ctx, "previous_year", "previous", r["yoy_change"], spec.change_unit, status,
                                "neutral", approximate=approx))
    return Finding(**base, topic="work_change", subject=measure, verdict=status, polarity="neutral",
                   basis=[c["basis"] for c in comps],
                   evidence={"figures": figures, "comparisons": comps, "shown": shown})


def region_comparable(ctx: Context, code: str, region: str, measure: str, year: int,
                      period: str = FULL_YEAR) -> bool:
    """A place may be compared with its region: same level, and the region figure not the place's own."""
    if ctx.level(code) != ctx.unit_level(region):
        return False
    rr = ctx.row("region", region, measure, year, period)
    return rr is not None and not missing(rr["value"]) and int(rr["counties_reporting"]) > 1


def trend_comparisons(ctx: Context, scope: str, code: str, region: str, year: int, measure: str,
                      period: str = FULL_YEAR) -> tuple[dict, list[dict]]:
    """Figures and comparisons of a share or score: baseline, previous year and (a place) the region. A partial
    period is compared with the same period of last year and its region's same period, never a baseline: a
    move beyond the band is a problem or an item to watch, and no quarter is praised on one comparison."""
    r = ctx.row(scope, code, measure, year, period)
    spec = ctx.catalog.measure(measure)
    figures, comps = {"current": ctx.figure(scope, code, measure, year, period)}, []
    approx = figures["current"]["approximate"]
    baseline_is_last_year = False
    if period == FULL_YEAR and r["trend_status"] in TREND_MOVES:
        first, last = int(r["trend_baseline_from"]), int(r["trend_baseline_to"])
        baseline_is_last_year = (first, last) == (year - 1, year - 1)
        if not baseline_is_last_year:
            fig = ctx.figure(scope, code, measure, first, value=float(r["trend_baseline"]))
            if first != last:
                # the years the mean is of, and the years in its span without a figure: "2015—2018年平均" of
                # three years would hide the gap
                used = [y for y in range(first, last + 1) if ctx.value(scope, code, measure, y) is not None]
                gaps = [y for y in range(first, last + 1) if y not in used]
                fig.update(years=[first, last], source={"mean_of": [first, last], **({"years": used, "missing": gaps}
                                                                                       if gaps else {})})
            figures["baseline"] = fig
            comps.append(comparison(ctx, "baseline", "baseline", r["trend_change"], spec.change_unit,
                                    r["trend_status"], spec.direction, decisive=True, approximate=approx,
                                    measure=measure))
    if r["change_status"] in CHANGE_MOVES:
        figures["previous"] = ctx.figure(scope, code, measure, year - 1, period)
        comps.append(comparison(ctx, "previous_year", "previous", r["yoy_change"], spec.change_unit,
                                r["change_status"], spec.direction, decisive=baseline_is_last_year,
                                approximate=approx or figures["previous"]["approximate"], measure=measure))
    if scope == "unit" and not missing(r["region_gap"]) and region_comparable(ctx, code, region, measure, year,
                                                                                period):
        figures["region"] = ctx.figure("region", region, measure, year, period)
        # a gap within the measure's flat band is level, as a change is (survey scores move a point by sampling)
        band = 0.0 if missing(r["flat_band"]) else float(r["flat_band"])
        move = "flat" if abs(r["region_gap"]) <= band + 1e-9 else ("up" if r["region_gap"] > 0 else "down")
        comps.append(comparison(ctx, "region", "region", r["region_gap"], spec.change_unit, move, spec.direction,
                                approximate=approx or figures["region"]["approximate"], measure=measure))
        if not missing(r["rank_in_region"]):
            figures["rank"] = {"rank": int(r["rank_in_region"]), "of": int(r["counties_ranked"]),
                               "order": r["rank_order"]}
    return figures, comps


def standing_of(ctx: Context, figures: dict, comps: list[dict]) -> str:
    """The place's tier among the places of its level in its region on this measure ('' when not ranked)."""
    rank = figures.get("rank")
    region = next((c["side"] for c in comps if c["basis"] == "region"), "")
    return (tier(rank["rank"], rank["of"], ctx.rules.tiers, region) if rank and rank.get("order") == "best_first"
            else "")


def trend(ctx: Context, base: dict, scope: str, code: str, region: str, year: int, measure: str,
          warnings: list[dict], period: str = FULL_YEAR) -> Finding | None:
    """One verdict per share or score (compare.verdict): the comparison findings.yaml `decides` for its kind,
    weighed with the size of the moves and the place's standing; the others are context.

    Comparisons are kept in the order the sentence states them: the standing first where it decides
    ("居全市第1位，但比上年下降…"), else the years first. A warning on the measure is part of the
    finding's evidence and makes it a problem, rated with the warning's severity.
    """
    r = ctx.row(scope, code, measure, year, period)
    if r is None or missing(r["value"]):
        return None
    figures, comps = trend_comparisons(ctx, scope, code, region, year, measure, period)
    spec = ctx.catalog.measure(measure)
    decides = ctx.rules.decider(scope, spec)
    # a partial period has no standing (its ranks are of a part of the year) and no baseline: last year's same
    # period decides
    standing = standing_of(ctx, figures, comps) if scope == "unit" and period == FULL_YEAR else ""
    if decides == "standing" and standing:
        comps = sorted(comps, key=lambda c: c["basis"] != "region")
    outcome, polarity = verdict(comps, decides, standing)
    mine = [w for w in warnings if w["measure"] == measure]
    if mine:
        polarity = "problem"
        outcome = outcome if outcome in ("worse_than_baseline", "bottom_tier") else "warned"
    return Finding(**base, topic="trend", subject=measure, verdict=outcome, polarity=polarity,
                   basis=[c["basis"] for c in comps], severity=worst_severity([w["severity"] for w in mine]),
                   suggestion=ctx.rules.suggestion("trend", spec) if polarity == "problem" else "",
                   evidence={"figures": figures, "comparisons": comps, "warnings": [w["rule"] for w in mine],
                             "rules": [rule_evidence(ctx, code, w) for w in mine] if scope == "unit" else [],
                             "decides": decides, "standing": standing})


def missing_findings(ctx: Context, base: dict, code: str, region: str, year: int) -> list[Finding]:
    """What the place did not deliver: its own gap (a problem) apart from a gap of the whole region (a note).

    Only measures the region delivers in some year are expected: a survey the
    city never runs is not "missing" every year.
    """
    own, everyone = [], []
    for measure in [*ctx.rules.work, *ctx.rules.trend]:
        if ctx.value("unit", code, shown_measure(ctx, "unit", code, measure, year), year) is not None:
            continue
        fallback = getattr(ctx.catalog.measure(measure), "reported_as", None)
        if not ctx.ever_reported(region, measure) and not (fallback and ctx.ever_reported(region, fallback)):
            continue  # a column no place of the region ever delivers is not expected of this one
        r = ctx.row("unit", code, measure, year)
        item = {"measure": measure, "status": "not_delivered" if r is None else str(r["status"])}
        rr = ctx.row("region", region, measure, year)
        (everyone if rr is None or int(rr["counties_reporting"]) == 0 else own).append(item)
    out = []
    if own:
        out.append(Finding(**base, topic="missing_data", verdict="missing", polarity="problem",
                           suggestion=ctx.rules.suggestion("missing_data"), evidence={"items": own}))
    if everyone:
        out.append(Finding(**base, topic="region_missing", verdict="missing_in_region", polarity="neutral",
                           evidence={"items": everyone}))
    return out


def rule_evidence(ctx: Context, code: str, w: dict) -> dict:
    """A tripped warning rule as evidence: the rule (label, type, condition, severity), its figures and, for a
    ratio share, the counts it is made of this year (the notice states 立案391件，其中新发生案件131件)."""
    years = [int(y) for y in w["evidence_years"]]
    series = [ctx.figure("unit", code, w["measure"], y) for y in years]
    spec = ctx.catalog.measure(w["measure"])
    parts = {}
    if getattr(spec, "formula_type", None) == "ratio":
        parts = {side: ctx.figure("unit", code, measure, years[-1])
                 for side, measure in zip(("numerator", "denominator"), spec.operands, strict=True)}
        parts = parts if all(f["value"] is not None for f in parts.values()) else {}
    return {"rule": w["rule"], "label": {"zh": w["label_zh"], "en": w["label_en"]}, "measure": w["measure"],
            "type": w["rule_type"], "op": w["op"], "severity": w["severity"],
            "threshold": None if missing(w["threshold"]) else float(w["threshold"]),
            "change": None if missing(w["change"]) else float(w["change"]),
            "change_unit": w["change_unit"], "rises": len(years) - 1, "series": {"values": series}, "parts": parts,
            "run_years": None if missing(w.get("run_years")) else int(w["run_years"])}


def warning_findings(ctx: Context, base: dict, warnings: list[dict], judged: set[str]) -> list[Finding]:
    """Warnings on measures no other finding judges: a problem each, with the rule's evidence."""
    out = []
    for w in warnings:
        if w["measure"] in judged:
            continue
        spec = ctx.catalog.measure(w["measure"])
        out.append(Finding(**base, topic="warning", subject=w["rule"], verdict=w["rule_type"], polarity="problem",
                           basis=["threshold"], severity=w["severity"],
                           suggestion=ctx.rules.suggestion("warning", spec),
                           evidence=rule_evidence(ctx, base["place_code"], w)))
    return out


def unit_findings(ctx: Context, region: str, code: str, year: int) -> list[Finding]:
    """Every full-year statement about one place, then its partial periods (each judged within itself)."""
    base = base_of(ctx, "unit", code, region, year)
    if not ctx.delivered(code, year):  # the year not delivered; its partial periods, if any, judged within
        return [Finding(**base, topic="no_data", verdict="not_delivered", polarity="problem",
                        suggestion=ctx.rules.suggestion("no_data"), evidence={}),
                *partial_findings(ctx, code, region, year)]
    warnings = ctx.warnings_of(code, year)
    out = [f for m in ctx.rules.work if (f := work_change(ctx, base, "unit", code, year, m))]
    out += [f for m in ctx.rules.trend if (f := trend(ctx, base, "unit", code, region, year, m, warnings))]
    out += four_forms(ctx, base, "unit", code, year, FULL_YEAR)
    shape = [f for f in out if f.topic == "four_forms_shape"]
    judged = {*ctx.rules.trend, *(["pyramid_holds"] if shape and shape[0].verdict != "total_only" else [])}
    for f in shape:
        mine = [w for w in warnings if w["measure"] == "pyramid_holds"]
        f.severity = worst_severity([w["severity"] for w in mine])
        f.evidence["rules"] = [rule_evidence(ctx, code, w) for w in mine]
    shape_and_first_form(out)
    out += missing_findings(ctx, base, code, region, year)
    out += warning_findings(ctx, base, warnings, judged)
    return out + partial_findings(ctx, code, region, year)


def partial_findings(ctx: Context, code: str, region: str, year: int) -> list[Finding]:
    """Each partial period of the place's year (一季度, 1-9月...), judged within itself: its counts and shares
    against the same period of last year, and its four forms."""
    out: list[Finding] = []
    for period in ctx.partial_periods(code, year):
        pbase = base_of(ctx, "unit", code, region, year, period)
        out.append(Finding(**pbase, topic="partial_period", verdict="delivered", polarity="neutral",
                           evidence={"period": period}))
        out += [f for m in ctx.rules.work if (f := work_change(ctx, pbase, "unit", code, year, m, period))]
        out += [f for m in ctx.rules.trend if (f := trend(ctx, pbase, "unit", code, region, year, m, [], period))]
        out += four_forms(ctx, pbase, "unit", code, year, period)
    return out
