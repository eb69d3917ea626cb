"""Grades as findings: the grade, how stable it is, its history, and the region's summaries of them.

A change of grade is stated against the last year the place was graded, named;
a year without a grade says why (the evaluation mart's reason). Which grades
count as an achievement or a problem is params.yaml `findings.grades`.
"""

from __future__ import annotations

from pipeline.findings.context import Context, missing
from pipeline.findings.context import number_or_none as _num
from pipeline.findings.schema import Finding
from pipeline.findings.scoring import (
    adjusted_units_finding,
    adjustment_findings,
    caveats_finding,
    point_losses_finding,
)
from pipeline.numbers import fixed, printed, printed_percent, with_printed


def printed_probability(probability: float, threshold: float) -> str:
    """A probability as a percentage that keeps its comparison with the threshold true when printed.

    Whole percent, rounded half up, as reports print it; one more decimal (up to three) while the
    rounded figure would read on the other side of the threshold: 69.9 % against 70 % is "69.9%", never
    "70%, 低于70%".
    """
    below = probability < threshold
    for decimals in range(4):
        text = fixed(100 * probability, decimals)
        shown = float(text) / 100
        if (shown < threshold) == below:
            return text + "%"
    return fixed(100 * probability, 3) + "%"


# how the evaluation's figures in a grade finding print (pipeline.numbers.with_printed): the index to one
# decimal, simulated ranks whole, a threshold of the grade's probability as a whole percentage
PRINTED = {"index": 1, "median_rank": 0, "rank_p05": 0, "rank_p95": 0, "threshold": None}


def likelier_grade(ev: dict) -> list | None:
    """[grade, probability] of the grade the simulations give most often (the evaluation mart's modal grade),
    when the assigned grade comes out in fewer than half of them and is not that grade (else None)."""
    if missing(ev.get("modal_grade")) or float(ev["grade_probability"]) >= 0.5 or \
            str(ev["modal_grade"]) == str(ev["grade"]):
        return None
    return [str(ev["modal_grade"]), float(ev["modal_probability"])]


METHOD_FIELDS = ("weighting", "normalisation", "aggregation", "imputation", "winsorise", "ahp_cr", "weighting_used")


def graded_row(ev: dict) -> dict:
    return with_printed({"year": int(ev["year"]), "index": float(ev["index"]), "rank": int(ev["rank"]),
                         "of": int(ev["counties_graded"]), "grade": str(ev["grade"])}, PRINTED)


def not_graded_row(ev: dict) -> dict:
    reason = ev["not_graded_reason"]
    return {"year": int(ev["year"]), "place": str(ev["county_code"]), "reason": None if missing(reason) else str(reason),
            "available": _num(ev["indicators_available"]), "min": _num(ev["min_indicators"]),
            "total": _num(ev["indicators_total"]),
            "absent": [c for c in str(ev["indicators_absent_in_region"] or "").split(",") if c]}


def grade_findings(ctx: Context, base: dict, code: str, year: int) -> list[Finding]:
    rows = ctx.evaluation_of(code, year)
    now = [r for r in rows if r["year"] == year]
    if not now:
        return [Finding(**base, topic="not_graded", verdict="no_evaluation", polarity="neutral", evidence={})]
    ev = now[0]
    if missing(ev["index"]):
        out = [Finding(**base, topic="not_graded", verdict=str(ev["not_graded_reason"]), polarity="neutral",
                       evidence=not_graded_row(ev))]
    else:
        out = [grade_finding(ctx, base, ev)]
        stability = stability_finding(ctx, base, ev)
        losses = point_losses_finding(ctx, base, code, year)
        out += [f for f in (stability, losses) if f] + adjustment_findings(ctx, base, code, year, ev)
    history = history_finding(base, rows, year)
    return out + ([history] if history else [])


def grade_finding(ctx: Context, base: dict, ev: dict) -> Finding:
    grade = str(ev["grade"])
    provisional = not missing(ev.get("stable")) and not bool(ev["stable"])
    capped = not missing(ev.get("grade_before_veto")) and str(ev["grade_before_veto"]) != grade
    # a grade held down by a veto, or one the method choices do not settle, is stated and never praised: the
    # report would otherwise call 较好 a success in the paragraph before the cap that made it 较好
    polarity = ("achievement" if grade in ctx.rules.achievement_grades and not (provisional or capped) else
                "problem" if grade in ctx.rules.problem_grades else "neutral")
    method = {k: (None if missing(ev.get(k)) else (bool(ev[k]) if k == "winsorise" else ev[k]))
              for k in METHOD_FIELDS}
    # what was done, not only what was set: the fallback and the skipped treatment a small region brings
    audit = ctx.audit_of(str(ev["region_code"]), int(ev["year"]))
    skipped = bool(audit and audit[0].get("winsorisation_skipped"))
    method["winsorisation"] = "skipped" if method["winsorise"] and skipped else str(bool(method["winsorise"])).lower()
    method["weighting_fell_back"] = bool(method["weighting_used"]) and method["weighting_used"] != method["weighting"]
    method["ahp_cr_text"] = printed(method["ahp_cr"], 3)
    imputed = [c for c in str(ev["imputed"] or "").split(",") if c]
    imputed_by = [c for c in str(ev.get("imputed_by") or "").split(",") if c] or ["region_mean"] * len(imputed)
    return Finding(**base, topic="grade", verdict=grade, polarity=polarity, basis=["region_ranking"],
                   suggestion=ctx.rules.suggestion("grade") if polarity == "problem" else "",
                   evidence={**graded_row(ev), "method": method, "imputed": imputed, "imputed_by": imputed_by,
                             "provisional": provisional, "capped": capped,
                             "strengths": [c for c in str(ev["strengths"] or "").split(",") if c],
                             "weaknesses": [c for c in str(ev["weaknesses"] or "").split(",") if c]})


def stability_finding(ctx: Context, base: dict, ev: dict) -> Finding | None:
    """How often the grade holds when the assumptions vary. Stated, never a problem of the place: a grade
    the method choices do not settle is a fact about the evaluation (the grade is marked 暂定), not about
    the place's political ecology, and what to do about it is the commission's, not the county's."""
    if missing(ev.get("scenarios")) or missing(ev.get("stable")):
        return None
    labels = ctx.grade_labels
    stable = bool(ev["stable"])
    prob, threshold = float(ev["grade_probability"]), float(ev["stable_threshold"])
    likelier = likelier_grade(ev)
    return Finding(**base, topic="grade_stability", verdict="stable" if stable else "unstable",
                   polarity="neutral", basis=["threshold"],
                   evidence=with_printed({
                       "grade": str(ev["grade"]), "probability": prob,
                       "probability_text": printed_probability(prob, threshold),
                       "likelier": likelier and [likelier[0], likelier[1], printed_probability(likelier[1], threshold)],
                       "threshold": float(ev["stable_threshold"]), "scenarios": int(ev["scenarios"]),
                       "median_rank": _num(ev["median_rank"]), "rank_p05": _num(ev["rank_p05"]),
                       "rank_p95": _num(ev["rank_p95"]),
                       "probabilities": [[g, float(ev[f"p_{g}"])] for g in labels],
                       # the grades the simulations gave at all, best first, each's chance as printed (a
                       # whole percent); pairs, as the evidence's JSON orders a mapping's keys by code
                       "probabilities_text": [[g, printed_percent(ev[f"p_{g}"])] for g in labels
                                              if float(ev[f"p_{g}"]) > 0],
                       "probability_percent_text": printed_percent(prob),
                       "varied": [c for c in str(ev["factors_varied"] or "").split(",") if c],
                       "grade_drivers": [c for c in str(ev["grade_drivers"] or "").split(",") if c],
                       "rank_drivers": [c for c in str(ev["rank_drivers"] or "").split(",") if c]}, PRINTED))


def history_finding(base: dict, rows: list[dict], year: int) -> Finding | None:
    """First graded year, years not graded and why, and this year's grade against the last graded year."""
    graded = [graded_row(r) for r in rows if not missing(r["index"])]
    ungraded = [not_graded_row(r) for r in rows if missing(r["index"])]
    if not graded:
        return None
    now = graded[-1] if graded[-1]["year"] == year else None
    before = [g for g in graded if g["year"] < year]
    last = before[-1] if before else None
    if now is None:
        verdict = "not_graded_this_year"
    elif last is None:
        verdict = "first_graded"
    else:
        verdict = "same" if last["grade"] == now["grade"] else "changed"
    basis = ["last_graded_year"] if now and last else []
    return Finding(**base, topic="grade_history", verdict=verdict, polarity="neutral", basis=basis,
                   evidence={"graded": graded, "not_graded": ungraded, "first_graded": graded[0]["year"],
                             "last_graded": last, "current": now,
                             "gap_years": [u["year"] for u in ungraded if last and u["year"] > last["year"]]})


def region_grade_findings(ctx: Context, base: dict, region: str, year: int) -> list[Finding]:
    """The region's grade counts, who changed grade since the last graded year, and who is not stable."""
    now = ctx.region_evaluation(region, year)
    if not now:
        return [Finding(**base, topic="not_graded", verdict="no_evaluation", polarity="neutral", evidence={})]
    graded = sorted((r for r in now if not missing(r["index"])), key=lambda r: r["rank"])
    if not graded:
        first = max(now, key=lambda r: r["indicators_available"])
        return [Finding(**base, topic="not_graded", verdict=str(first["not_graded_reason"]), polarity="neutral",
                        evidence={**not_graded_row(first), "units": sorted(r["county_code"] for r in now)})]
    counts = [[g, sum(r["grade"] == g for r in graded)] for g in ctx.grade_labels]  # best first: a list keeps order
    out = [Finding(**base, topic="grade_distribution", verdict="graded", polarity="neutral",
                   evidence={"counts": counts, "graded": len(graded), "units": len(now),
                             "table": [{"place": r["county_code"], **graded_row(r), **table_extras(ctx, r, year)}
                                       for r in graded],
                             "not_graded": [not_graded_row(r) for r in now if missing(r["index"])]}),
           *grade_changes(base, ctx, graded, year)]
    out += [f for f in (caveats_finding(ctx, base, region, year, graded),
                        adjusted_units_finding(base, ctx, graded, year)) if f]
    unstable = [r for r in now if not missing(r["stable"]) and not bool(r["stable"])]
    if unstable:
        out.append(Finding(**base, topic="units_unstable", verdict="unstable", polarity="neutral",
                           basis=["threshold"],
                           evidence={"units": [{"place": r["county_code"], "grade": str(r["grade"]),
                                                "probability": float(r["grade_probability"]),
                                                "probability_text": printed_probability(
                                                    float(r["grade_probability"]), float(r["stable_threshold"]))}
                                               for r in unstable],
                                     **with_printed({"count": len(unstable),
                                                     "threshold": float(unstable[0]["stable_threshold"])}, PRINTED)}))
    elif any(not missing(r["stable"]) for r in now):
        out.append(Finding(**base, topic="units_unstable", verdict="all_stable", polarity="neutral",
                           basis=["threshold"], evidence=with_printed({
                               "units": [], "count": 0, "place": now[0]["county_code"],
                               "threshold": float(now[0]["stable_threshold"])}, PRINTED)))
    return out


def last_graded(ctx: Context, code: str, year: int) -> dict | None:
    """The evaluation row of the last year before `year` in which the place was graded, or None."""
    before = [b for b in ctx.evaluation_of(code, year - 1) if not missing(b["index"])]
    return before[-1] if before else None


def table_extras(ctx: Context, r: dict, year: int) -> dict:
    """What the region's table of places shows beside the grade: its probability and rank interval, the last
    graded year's grade and which way it moved (labels best first: up is to a better grade), and the place's
    warnings by severity."""
    last = last_graded(ctx, r["county_code"], year)
    labels = ctx.grade_labels
    move = None
    if last is not None and str(last["grade"]) in labels and str(r["grade"]) in labels:
        step = labels.index(str(last["grade"])) - labels.index(str(r["grade"]))
        move = "same" if step == 0 else "up" if step > 0 else "down"
    severities = [str(w["severity"]) for w in ctx.warnings_of(r["county_code"], year)]
    prob, threshold = _num(r.get("grade_probability")), _num(r.get("stable_threshold"))
    return {"probability": prob, "probability_text": None if prob is None or threshold is None
            else printed_probability(prob, threshold),
            **with_printed({"rank_p05": _num(r.get("rank_p05")), "rank_p95": _num(r.get("rank_p95"))}, PRINTED),
            "stable": None if missing(r.get("stable")) else bool(r["stable"]),
            "provisional": not missing(r.get("stable")) and not bool(r["stable"]),
            "grade_before_veto": (str(r["grade_before_veto"]) if not missing(r.get("grade_before_veto"))
                                  and str(r["grade_before_veto"]) != str(r["grade"]) else None),
            "last": None if last is None else {"year": int(last["year"]), "grade": str(last["grade"])},
            "move": move, "warnings": {s: severities.count(s) for s in ("high", "medium", "low")}}


def grade_changes(base: dict, ctx: Context, graded: list[dict], year: int) -> list[Finding]:
    """Each graded place against its own last graded year before this one (named), when it has one."""
    changes = []
    for r in graded:
        last = last_graded(ctx, r["county_code"], year)
        if last is not None:
            changes.append({"place": r["county_code"], "last_year": int(last["year"]),
                            "before": str(last["grade"]), "after": str(r["grade"])})
    moved = [c for c in changes if c["before"] != c["after"]]
    if not changes:
        return []
    return [Finding(**base, topic="grade_changes", verdict="changed" if moved else "same", polarity="neutral",
                    basis=["last_graded_year"], evidence={"changes": moved, "compared": len(changes),
                                                          "count": len(moved)})]
