"""Follow-up of last year's problems (整改情况): each main problem of the previous report year, judged again.

An evaluation exists to drive rectification (以评促改): a problem stated for
year Y-1 is matched with the finding on the same topic and subject for year Y
and comes out as
  resolved          this year's finding is no longer a problem and its figure did not move the wrong
                    way beyond its band, or (a topic whose
                    finding exists only when something is wrong: a warning, places
                    rising, a gap in delivery) it is gone while the data are there;
  watch             no longer a problem, but still an item to watch or still moving the wrong way
                    beyond its band: never called resolved while it keeps falling;
  improved / unchanged / worse
                    still a problem, and its key figure moved the better way, not
                    beyond the flat band, or the worse way: for a measure the
                    measures mart's own year-on-year judgement (the flat band of
                    params.yaml `judgement`), for a grade its place in the labels,
                    for a count of places or gaps the count;
  not_reassessable  no finding this year and no data to make one (said so, never
                    called resolved).
Which figure a topic is followed by, and what its absence means, is
data/reference/findings.yaml `topics.<topic>.follow_up`. Follow-ups are
neutral: this year's finding already carries the achievement or the problem,
so one fact is never counted twice. A `follow_up_count` finding counts them by
status (the section's opening line).
"""

from __future__ import annotations

from pipeline.findings.context import Context, missing
from pipeline.findings.schema import Finding
from pipeline.numbers import round_half_up
from pipeline.periods import FULL_YEAR

STATUSES = ("resolved", "watch", "improved", "unchanged", "worse", "not_reassessable")
# a measure's own year-on-year judgement (measures mart) as a follow-up status
BY_JUDGEMENT = {"better": "improved", "worse": "worse", "flat": "unchanged"}


def follow_up_findings(ctx: Context, base: dict, previous: list[Finding], current: list[Finding]) -> list[Finding]:
    """One neutral finding per full-year problem of `previous` (last year's), judged against `current`."""
    now = {(f.topic, f.subject): f for f in current if f.period == FULL_YEAR}
    delivered = not any(f.topic == "no_data" for f in current)
    out = []
    for old in (f for f in previous if f.period == FULL_YEAR and f.polarity == "problem" and f.main):
        spec = ctx.rules.topics[old.topic].get("follow_up") or {}
        new = now.get((old.topic, old.subject))
        status = judge(ctx, spec, old, new, delivered, base)
        evidence = {"previous": _summary(old), "current": _summary(new) if new else None, "by": spec.get("by", ""),
                    "figures": _figures(ctx, spec.get("show", spec.get("by", "")), old, new, base)}
        if status == "not_reassessable" and evidence["figures"]:
            evidence["figures"]["current"] = None
        out.append(Finding(**base, topic="follow_up", subject=f"{old.topic}:{old.subject or '-'}", verdict=status,
                           polarity="neutral", basis=["previous_report_year"], evidence=evidence))
    return [follow_up_count(base, out), *out] if out else []


def follow_up_count(base: dict, follow_ups: list[Finding]) -> Finding:
    """How many of last year's problems came out each way, in STATUSES order (the section's first line)."""
    by_status = [[s, sum(f.verdict == s for f in follow_ups)] for s in STATUSES]
    return Finding(**base, topic="follow_up_count", verdict="counted", polarity="neutral",
                   basis=["previous_report_year"],
                   evidence={"year": base["year"] - 1, "count": len(follow_ups),
                             "by_status": [[s, n] for s, n in by_status if n]})


def judge(ctx: Context, spec: dict, old: Finding, new: Finding | None, delivered: bool, base: dict) -> str:
    """The status of one earlier problem (STATUSES)."""
    by = spec.get("by", "")
    if new is None:
        measure = _measure_of(spec.get("show", by), old)
        there = delivered and (not measure or ctx.value(base["scope"], base["place_code"], measure,
                                                        base["year"]) is not None)
        return "resolved" if there and spec.get("absent") == "resolved" else "not_reassessable"
    measure = _measure_of(by, old)
    if new.polarity != "problem":
        # never 已整改 while the figure keeps moving the wrong way beyond its band, or still has to be watched
        if new.polarity == "attention" or (measure and _judged(ctx, base, measure) == "worse"):
            return "watch"
        return "resolved"
    if measure:
        judged = _judged(ctx, base, measure)
        return BY_JUDGEMENT.get(judged, "unchanged" if judged == "neutral" else "not_reassessable")
    before, after = _position(ctx, by, old), _position(ctx, by, new)
    if before is None or after is None:
        return "unchanged"
    return "unchanged" if after == before else "improved" if after < before else "worse"


def _judged(ctx: Context, base: dict, measure: str) -> str | None:
    """The measures mart's year-on-year judgement of a measure (better / worse / flat / neutral), with its band."""
    r = ctx.row(base["scope"], base["place_code"], measure, base["year"])
    return None if r is None or missing(r.get("judgement")) else str(r["judgement"])


def _measure_of(name: str, f: Finding) -> str:
    """The measure a topic is followed by or shown with: the subject, the warning's measure, or one named."""
    if name == "subject":
        return f.subject
    if name == "warning_measure":
        return str(f.evidence.get("measure", ""))
    return name if name and name not in POSITIONS else ""


def _count(f: Finding) -> int:
    ev = f.evidence
    return int(ev["count"]) if "count" in ev else len(ev.get("items", ev.get("units", [])))


# what a topic without a measure is followed by; a lower position is better: a grade's place among the
# labels (0 = best), a count of places or gaps, a warning's severity, a grade's probability (as printed, in %)
POSITIONS = {
    "grade": lambda ctx, f: ctx.grade_labels.index(f.verdict) if f.verdict in ctx.grade_labels else None,
    "count": lambda ctx, f: _count(f),
    "severity": lambda ctx, f: SEVERITY_RANK.get(f.severity),
    "probability": lambda ctx, f: -round_half_up(100 * float(f.evidence["probability"]), 0),
}
SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}


def _position(ctx: Context, by: str, f: Finding) -> float | None:
    rule = POSITIONS.get(by)
    return None if rule is None else rule(ctx, f)


def _figures(ctx: Context, show: str, old: Finding, new: Finding | None, base: dict) -> dict:
    """Both years' figures as printed: a measure's (with its source), a grade, a count or a probability."""
    measure = _measure_of(show, old)
    if measure:
        scope, place = base["scope"], base["place_code"]
        return {"previous": ctx.figure(scope, place, measure, old.year),
                "current": ctx.figure(scope, place, measure, base["year"])}
    if show not in POSITIONS or show == "severity":
        return {}
    def shown(f: Finding | None) -> dict | None:
        if f is None:
            return {"count": 0, "year": base["year"]} if show == "count" else None
        if show == "count":
            return {"count": _count(f) if f.polarity == "problem" else 0, "year": f.year}
        if show == "probability":
            return {"probability": float(f.evidence["probability"]), "grade": f.evidence["grade"], "year": f.year}
        return {"grade": f.verdict, "year": f.year}
    return {"previous": shown(old), "current": shown(new)}


def _summary(f: Finding) -> dict:
    out = {"finding_id": f.finding_id, "topic": f.topic, "subject": f.subject, "verdict": f.verdict,
           "polarity": f.polarity, "year": f.year}
    if "label" in f.evidence:  # a warning rule's name, as last year's report printed it
        out["label"] = f.evidence["label"]
    return out
