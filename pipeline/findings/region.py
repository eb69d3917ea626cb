"""Findings about a region itself: coverage, its figures and their changes, and summaries of its places.

A region figure is compared across years only on the same places: when the
places reporting differ, the change is computed again on the places present
in every year compared (and said so), or not made when none is.
"""

from __future__ import annotations

from pipeline.findings.compare import comparison, verdict, worst_severity
from pipeline.findings.context import Context, missing
from pipeline.findings.forms import four_forms, shape_and_first_form
from pipeline.findings.grades import region_grade_findings
from pipeline.findings.national import national_findings
from pipeline.findings.schema import Finding
from pipeline.findings.unit import base_of, trend, trend_comparisons, work_change
from pipeline.judgement import classify, printed_change
from pipeline.numbers import printed_difference
from pipeline.periods import FULL_YEAR, sort_key


def region_value(ctx: Context, measure: str, units: list[str], year: int) -> float | None:
    """The region figure of `measure` recomputed over `units` by the measure's region rule (None if a value lacks)."""
    spec = ctx.catalog.measure(measure)
    if spec.region_rule == "ratio_of_sums":
        num = [ctx.value("unit", u, spec.numerator, year) for u in units]
        den = [ctx.value("unit", u, spec.denominator, year) for u in units]
        if None in num or None in den or sum(den) == 0:
            return None
        return 100.0 * sum(num) / sum(den)
    values = [ctx.value("unit", u, measure, year) for u in units]
    if None in values or not values:
        return None
    if spec.region_rule == "sum":
        return float(sum(values))
    if spec.region_rule == "mean":
        return sum(values) / len(values)
    return None


def reporting(ctx: Context, region: str, measure: str, year: int) -> set[str]:
    r = ctx.row("region", region, measure, year)
    return set() if r is None else set(r["reporting_counties"])


def common_places_figures(ctx: Context, region: str, measure: str, years: list[int]) -> tuple[list[str], dict]:
    """Places reporting `measure` in every one of `years`, and the region figure of each year over them."""
    common = sorted(set.intersection(*(reporting(ctx, region, measure, y) for y in years)))
    values = {y: region_value(ctx, measure, common, y) for y in years} if common else {}
    return common, values


def region_work_change(ctx: Context, base: dict, region: str, year: int, measure: str) -> Finding | None:
    finding = work_change(ctx, base, "region", region, year, measure)
    if finding is None:
        return None
    shown = finding.evidence["shown"]
    r = ctx.row("region", region, shown, year)
    if missing(r["coverage_changed"]) or not bool(r["coverage_changed"]):
        return finding
    spec = ctx.catalog.measure(shown)
    common, values = common_places_figures(ctx, region, shown, [year - 1, year])
    figures = {"current": ctx.figure("region", region, shown, year)}
    coverage = {"previous_places": int(r["counties_reporting_previous"]), "places": int(r["counties_reporting"]),
                "common_places": len(common)}
    if not common or None in values.values():
        finding.verdict, finding.basis = "not_comparable", []
        finding.evidence = {"figures": figures, "comparisons": [], "shown": shown, "coverage": coverage}
        return finding
    cur, prev = values[year], values[year - 1]
    change = printed_change(spec.kind, cur, prev, spec.decimals, ctx.catalog.change_decimals)
    move = classify(spec.kind, cur, prev, change, float(r["flat_band"]))
    figures.update(common_current=_common_figure(ctx, region, shown, year, cur, common),
                   common_previous=_common_figure(ctx, region, shown, year - 1, prev, common))
    comp = comparison(ctx, "previous_year", "common_previous", change, spec.change_unit, move, "neutral",
                      common_places=len(common))
    finding.verdict, finding.basis = move, ["previous_year", "common_places"]
    finding.evidence = {"figures": figures, "comparisons": [comp], "shown": shown, "coverage": coverage}
    return finding


def _common_figure(ctx: Context, region: str, measure: str, year: int, value: float, common: list[str]) -> dict:
    fig = ctx.figure("region", region, measure, year, value=value)
    fig["source"] = {"rule": ctx.catalog.measure(measure).region_rule, "places": len(common), "common": common}
    return fig


def region_trend(ctx: Context, base: dict, region: str, year: int, measure: str) -> Finding | None:
    """A region share or score against its baseline and last year, each on the same places.

    Each comparison is made on the places that reported in every year it spans: last year's on the
    places of both years, the baseline's on the places of the baseline years and this one. Where those
    differ from this year's places, the figure is computed again on the common places (and said so), or
    the comparison is not made when there are none.
    """
    r = ctx.row("region", region, measure, year)
    if r is None or missing(r["value"]):
        return None
    spec = ctx.catalog.measure(measure)
    figures, comps = trend_comparisons(ctx, "region", region, region, year, measure)
    now = reporting(ctx, region, measure, year)
    coverage = None
    if "previous" in figures and reporting(ctx, region, measure, year - 1) != now:
        common, values = common_places_figures(ctx, region, measure, [year - 1, year])
        coverage = {"years": [year - 1, year], "places": [len(reporting(ctx, region, measure, y))
                                                          for y in (year - 1, year)], "common_places": len(common)}
        comps = [c for c in comps if c["basis"] != "previous_year"]
        figures.pop("previous", None)
        if common and None not in values.values():
            figures["common_current"] = _common_figure(ctx, region, measure, year, values[year], common)
            figures["common_previous"] = _common_figure(ctx, region, measure, year - 1, values[year - 1], common)
            diff = printed_difference(values[year], values[year - 1], spec.decimals)
            move = "flat" if abs(diff) <= float(r["flat_band"]) + 1e-9 else ("up" if diff > 0 else "down")
            comps.append(comparison(ctx, "previous_year", "common_previous", diff, spec.change_unit, move,
                                    spec.direction, decisive=not any(c["decisive"] for c in comps),
                                    common_places=len(common), measure=measure))
    if "baseline" in figures:
        years = figures["baseline"].get("years") or [figures["baseline"]["year"]] * 2
        spans = [reporting(ctx, region, measure, y) for y in range(int(years[0]), int(years[1]) + 1)]
        if any(s != now for s in spans):  # the baseline's places are not this year's: not compared
            comps = [c for c in comps if c["basis"] != "baseline"]
            figures.pop("baseline")
            coverage = {**(coverage or {}), "baseline_places_differ": True}
    decides = ctx.rules.decider("region", spec)
    outcome, polarity = verdict(comps, decides)
    if coverage is not None and not comps:
        outcome = "not_comparable"
    return Finding(**base, topic="trend", subject=measure, verdict=outcome, polarity=polarity,
                   basis=[c["basis"] for c in comps] + (["common_places"] if any(c.get("common_places")
                                                                                  for c in comps) else []),
                   suggestion=ctx.rules.suggestion("trend", spec) if polarity == "problem" else "",
                   evidence={"figures": figures, "comparisons": comps, "coverage": coverage, "warnings": [],
                             "decides": decides, "standing": ""})


def units_rising(ctx: Context, base: dict, region: str, units_found: dict[str, list[Finding]]) -> list[Finding]:
    """The places whose own report judges the measure a problem, and apart those it asks to watch.

    One measure, one verdict: a region report names a place for its new-onset share only as the place's own
    report does, read from the place's findings of the year (`units_found`, its `trend` finding, warnings
    included), never judged a second time. 城关区 33.0 %, 3.9 pp above its baseline and level on the year, is
    a problem in its report and so here; 临江县 up 1.0 pp on the year yet 6.3 pp below its baseline is an item
    to watch in its report, never a region's problem needing a special review.
    """
    out = []
    level = ctx.unit_level(region)
    for measure in ctx.rules.measures.get("units_rising", []):
        named: dict[str, list[dict]] = {"problem": [], "attention": []}
        for u, found in units_found.items():
            f = next((f for f in found if f.topic == "trend" and f.subject == measure and f.period == FULL_YEAR), None)
            if ctx.level(u) != level or f is None or f.polarity not in named:
                continue
            figures = f.evidence["figures"]
            named[f.polarity].append({
                "place": u, "verdict": f.verdict, "current": figures["current"], "previous": figures.get("previous"),
                "comparisons": [c for c in f.evidence["comparisons"] if c["side"] == "worse"]})
        for polarity, topic in (("problem", "units_rising"), ("attention", "units_watched")):
            if named[polarity] and topic in ctx.rules.topics:  # a rules file without the topic asks for none
                out.append(Finding(**base, topic=topic, subject=measure, verdict=polarity, polarity=polarity,
                                   basis=["units"], suggestion=ctx.rules.suggestion(topic),
                                   evidence={"units": named[polarity], "count": len(named[polarity])}))
    return out


def units_warned(ctx: Context, base: dict, units: list[str], year: int) -> list[Finding]:
    warned = [{"place": u, "rule": w["rule"], "label": {"zh": w["label_zh"], "en": w["label_en"]},
               "severity": w["severity"]} for u in units for w in ctx.warnings_of(u, year)]
    if not warned:
        return []
    return [Finding(**base, topic="units_warned", verdict="warned", polarity="problem", basis=["threshold"],
                    suggestion=ctx.rules.suggestion("units_warned"),
                    evidence={"warnings": warned, "count": len(warned), "places": len({w["place"] for w in warned}),
                              "by_place": (places := by_place(warned)),
                              "high_places": len([p for p in places.values() if p["severity"] == "high"])})]


def by_place(warned: list[dict]) -> dict[str, dict]:
    """Each warned place's number of warnings and its highest severity (the index shows both)."""
    out: dict[str, dict] = {}
    for w in warned:
        mine = out.setdefault(w["place"], {"count": 0, "severities": []})
        mine["count"] += 1
        mine["severities"].append(w["severity"])
    return {p: {"count": v["count"], "severity": worst_severity(v["severities"])} for p, v in out.items()}


def levels_count(ctx: Context, region: str, units: list[str], delivered: list[str]) -> list[list]:
    """[level, delivered, registered] for each level of a region's places, the region's own unit level first,
    when they are of several levels (a province's cities and a district): never counted all as one level."""
    levels = sorted({ctx.level(u) for u in units})
    if len(levels) < 2:
        return []
    main = ctx.unit_level(region)
    levels.sort(key=lambda lv: lv != main)
    return [[lv, sum(ctx.level(u) == lv for u in delivered), sum(ctx.level(u) == lv for u in units)]
            for lv in levels]


def region_findings(ctx: Context, region: str, year: int,
                    units_found: dict[str, list[Finding]] | None = None) -> list[Finding]:
    """A region's findings of a year; `units_found`: its places' findings of the year, which the summaries of
    its places (units_rising) repeat rather than judge again."""
    base = base_of(ctx, "region", region, region, year)
    units = ctx.units(region)
    delivered = [u for u in units if ctx.delivered(u, year)]
    if not delivered:  # no full year; its partial periods, if any, judged within
        return [Finding(**base, topic="no_data", verdict="not_delivered", polarity="neutral",
                        evidence={"in_scope": len(units)}), *region_partial_findings(ctx, region, year, units)]
    out = [Finding(**base, topic="coverage", verdict="full" if len(delivered) == len(units) else "partial",
                   polarity="neutral", evidence={"delivered": delivered, "in_scope": len(units), "count": len(delivered),
                                                 "not_delivered": [u for u in units if u not in delivered],
                                                 "levels": levels_count(ctx, region, units, delivered)})]
    out += [f for m in ctx.rules.work if (f := region_work_change(ctx, base, region, year, m))]
    out += [f for m in ctx.rules.trend if (f := region_trend(ctx, base, region, year, m))]
    out += four_forms(ctx, base, "region", region, year, FULL_YEAR)
    shape_and_first_form(out)
    out += national_findings(ctx, base, region, year, out)
    out += units_rising(ctx, base, region, units_found or {})
    out += units_warned(ctx, base, units, year)
    out += region_grade_findings(ctx, base, region, year)
    return out + region_partial_findings(ctx, region, year, units)


def region_partial_findings(ctx: Context, region: str, year: int, units: list[str]) -> list[Finding]:
    """Each partial period its places delivered: who delivered it, the region's counts and shares against the
    same period of last year, its four forms."""
    out: list[Finding] = []
    periods = sorted({p for u in units for p in ctx.partial_periods(u, year)}, key=sort_key)
    for period in periods:
        pbase = base_of(ctx, "region", region, region, year, period)
        places = [u for u in units if ctx.delivered(u, year, period)]
        out.append(Finding(**pbase, topic="partial_period", verdict="delivered", polarity="neutral",
                           evidence={"period": period, "places": places, "count": len(places)}))
        # the region's period against its same period of last year, as its places' are (pipeline.findings.unit)
        out += [f for m in ctx.rules.work if (f := work_change(ctx, pbase, "region", region, year, m, period))]
        out += [f for m in ctx.rules.trend if (f := trend(ctx, pbase, "region", region, region, year, m, [], period))]
        out += four_forms(ctx, pbase, "region", region, year, period)
    return out

