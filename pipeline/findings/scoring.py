"""How a grade was scored, as findings: where a place lost its points, deductions and vetoes applied, and
what the region's size let the evaluation do (statistics skipped, weights that fell back, provisional grades).

The points lost are neutral (they describe the index the grade finding
already judges); a deduction is a problem; a veto is a problem when it
lowered the grade and neutral when the grade was at or below its cap
anyway; a veto that could not be judged for want of a value says so.
"""

from __future__ import annotations

from pipeline.findings.context import Context, missing
from pipeline.findings.context import number_or_none as _num
from pipeline.findings.schema import Finding, state_within
from pipeline.numbers import fixed, printed_difference, with_printed
from pipeline.periods import FULL_YEAR

# how a scoring finding's figures print (decimals; None: a whole percentage): points and indices to one
# decimal, weights to three, a share of the loss as a percentage; stored as <field>_text beside each figure
PRINTED = {"points": 1, "lost": 1, "normalised": 1, "weight": 3, "index": 1, "index_before": 1, "points_each": 1,
           "cap": 1, "share_of_loss": None}


def with_texts(evidence: dict) -> dict:
    """`evidence` with the texts of its figures PRINTED names (pipeline.numbers.with_printed)."""
    return with_printed(evidence, PRINTED)


def point_losses_finding(ctx: Context, base: dict, code: str, year: int) -> Finding | None:
    """失分分析: each indicator's points in the index and points lost against 100, largest loss first."""
    rows = [r for r in ctx.contributions_of(code, year) if not missing(r["points"])]
    if not rows:
        return None
    lost = sum(float(r["points_lost"]) for r in rows)
    items = [with_texts({"indicator": str(r["indicator"]), "points": float(r["points"]), "lost": float(r["points_lost"]),
                         "normalised": float(r["normalised"]), "weight": float(r["weight"]),
                         "share_of_loss": float(r["points_lost"]) / lost if lost > 0 else None}) for r in rows]
    return Finding(**base, topic="point_losses", verdict="decomposed", polarity="neutral", basis=["full_marks"],
                   evidence=with_texts({"items": items, "points": sum(i["points"] for i in items), "lost": lost,
                                        "weight": sum(i["weight"] for i in items),
                                        "largest": [i["indicator"] for i in items[:2] if i["lost"] > 0],
                                        "share_of_loss": 1.0 if lost > 0 else None}))


def adjustment_findings(ctx: Context, base: dict, code: str, year: int, ev: dict | None) -> list[Finding]:
    """One finding per deduction or veto that touched the place this year (`ev`: its evaluation row)."""
    out = []
    for r in ctx.adjustments_of(code, year):
        measure = str(r["measure"])
        figure = ctx.figure("unit", code, measure, year)
        if r["kind"] == "deduction":
            delivered = not missing(r["value"])
            out.append(Finding(
                **base, topic="deduction", subject=measure, verdict="deducted" if delivered else "not_delivered",
                polarity="problem" if delivered else "neutral", basis=["threshold"] if delivered else [],
                suggestion=ctx.rules.suggestion("deduction") if delivered else "",
                evidence=with_texts({"figures": {"current": figure}, "points_each": float(r["points_each"]),
                                     "cap": float(r["cap"]), "points": _num(r["points"]),
                                     "index_before": _num((ev or {}).get("index_before_adjustment")),
                                     "index": _num((ev or {}).get("index"))})))
            continue
        before = str((ev or {}).get("grade_before_veto") or "")
        after = str((ev or {}).get("grade") or "")
        applied = r["kind"] == "veto"
        verdict = "not_judged" if not applied else "lowered" if before != after else "at_or_below_cap"
        figures, rise = {"current": figure}, None
        if r["condition"] == "rise_above":
            figures["previous"] = ctx.figure("unit", code, measure, year - 1)
            if figure["value"] is not None and figures["previous"]["value"] is not None:
                decimals = ctx.catalog.measure(measure).decimals
                d = printed_difference(figure["value"], figures["previous"]["value"], decimals)
                rise = {"value": d, "text": fixed(abs(d), decimals)}
        out.append(Finding(
            **base, topic="veto", subject=measure, verdict=verdict,
            polarity="problem" if verdict == "lowered" else "neutral", basis=["threshold"] if applied else [],
            suggestion=ctx.rules.suggestion("veto") if verdict == "lowered" else "",
            evidence={"figures": figures, "rise": rise, "condition": str(r["condition"]),
                      "threshold": float(r["threshold"]),
                      "max_grade": str(r["max_grade"]), "grade_before": before or None, "grade": after or None}))
    return out


def veto_within_trend(found: list[Finding]) -> None:
    """A veto that lowered the grade for a measure the report already names as a problem is stated in that
    problem's sentence (…，按规定等次最高为“较好”，由“好”调整为“较好”), not as a second problem with a
    second suggestion: the cap follows from the rise the problem states, it is not a failing of its own.
    The trend is then ranked as a capped grade (pipeline.findings.priority)."""
    trends = {f.subject: f for f in found if f.topic == "trend" and f.period == FULL_YEAR and f.polarity == "problem"}
    for f in found:
        host = trends.get(f.subject) if f.topic == "veto" and f.verdict == "lowered" else None
        if host is not None and not host.part_of:
            state_within(host, f)


def caveats_finding(ctx: Context, base: dict, region: str, year: int, graded: list[dict]) -> Finding | None:
    """What the region-year's size and the settings changed in the evaluation, for the method text:
    statistics and winsorisation skipped below their minimums, data weights that fell back to equal,
    assumptions added to the uncertainty analysis, how far the counties' rank intervals overlap (how many
    grades are provisional is units_unstable's). Neutral: it qualifies the grades, it does not judge a place."""
    if not graded:
        return None
    first = graded[0]
    overlap, limit = _num(first.get("rank_overlap")), _num(first.get("rank_overlap_limit"))
    audit = ctx.audit_of(region, year)
    a = audit[0] if audit else {}
    added = [c for c in str(first.get("uncertainty_added") or "").split(",") if c]
    evidence = {
        "graded": len(graded),
        "statistics_skipped": bool(a.get("statistics_skipped", False)),
        "statistics_minimum": _num(a.get("statistics_minimum")),
        "winsorisation_skipped": bool(a.get("winsorisation_skipped", False)),
        "winsorisation_minimum": _num(a.get("winsorisation_minimum")),
        "weighting": str(first.get("weighting") or ""), "weighting_used": str(first.get("weighting_used") or ""),
        "weighting_fell_back": str(first.get("weighting_used") or first.get("weighting")) != str(first.get("weighting")),
        "data_weights_minimum": _num(first.get("data_weights_minimum")),
        "uncertainty_added": added,
        **with_printed({"rank_overlap": overlap}, {"rank_overlap": None}),
        "overlap_noted": overlap is not None and limit is not None and overlap > limit,
    }
    said = ("statistics_skipped", "winsorisation_skipped", "weighting_fell_back", "uncertainty_added", "overlap_noted")
    if not any(evidence[k] for k in said):
        return None
    return Finding(**base, topic="evaluation_caveats", verdict="noted", polarity="neutral", basis=["threshold"],
                   evidence=evidence)


def adjusted_units_finding(base: dict, ctx: Context, graded: list[dict], year: int) -> Finding | None:
    """The region's places a deduction or veto touched this year, with the points and the grade change."""
    items = []
    for r in graded:
        for a in ctx.adjustments_of(r["county_code"], year):
            if a["kind"] == "deduction" and not missing(a["points"]):
                items.append(with_texts({"place": r["county_code"], "kind": "deduction", "measure": str(a["measure"]),
                                         "points": float(a["points"])}))
            elif a["kind"] == "veto":
                before = str(r.get("grade_before_veto"))
                items.append({"place": r["county_code"], "kind": "veto", "measure": str(a["measure"]),
                              "max_grade": str(a["max_grade"]), "grade_before": before, "grade": str(r["grade"]),
                              "lowered": before != str(r["grade"])})
    if not items:
        return None
    return Finding(**base, topic="units_adjusted", verdict="adjusted", polarity="neutral", basis=["threshold"],
                   evidence={"items": items, "count": len({i["place"] for i in items})})
