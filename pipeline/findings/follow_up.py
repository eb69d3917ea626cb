"""Follow-up of the last issued report's problems (整改情况): each main problem it stated, judged again.

An evaluation exists to drive rectification (以评促改). What is followed up is what the last report
issued for the place said (pipeline/findings/issued.py: a record made when the report was sent), in that
report's words; a place with no issued report before this year has nothing to follow up, and a year
without a report is skipped, never invented. Each problem is matched with this year's finding on the same
topic and subject and comes out as
  resolved          this year's finding is no longer a problem and its figure did not move the wrong
                    way since the report; or (a topic whose finding exists only while
                    something is wrong: a warning, places rising, a gap in delivery) it is gone while the
                    data are there; or none of the places (or gaps) the report named is still among them;
  watch             no longer a problem, but an item to watch, or its figure moved the wrong way since
                    the report (by any printed amount): never called resolved while it keeps falling;
  improved / unchanged / worse
                    still a problem, and like compared with like: a measure's figure now against its
                    figure in the report's year, with the measure's band (params.yaml judgement); a grade
                    with a grade; a warning by its severity; a count of places by the same places named
                    (fewer of them still there: improved; all of them: unchanged);
  not_reassessable  no finding this year and no data to make one (said so, never called resolved).
Which figure a topic is followed by, and what its absence means, is data/reference/findings.yaml
`topics.<topic>.follow_up`. Follow-ups are neutral: this year's finding already carries the achievement
or the problem, so one fact is never counted twice. A `follow_up_count` finding counts them by status.
"""

from __future__ import annotations

from pipeline.findings.compare import side
from pipeline.findings.context import Context, missing
from pipeline.findings.schema import Finding, state_within
from pipeline.judgement import classify, printed_change
from pipeline.periods import FULL_YEAR

STATUSES = ("resolved", "watch", "improved", "unchanged", "worse", "not_reassessable")
BY_SIDE = {"better": "improved", "worse": "worse", "level": "unchanged", "neutral": "unchanged"}


def as_finding(item: dict, base: dict, year: int) -> Finding:
    """A problem of an issued record as the finding it was."""
    return Finding(**{**base, "year": int(year)}, topic=item["topic"], subject=item.get("subject", ""),
                   verdict=item["verdict"], polarity="problem", severity=item.get("severity", ""),
                   evidence=item.get("evidence", {}))


def follow_up_findings(ctx: Context, base: dict, issued: tuple[int, list[dict]] | None,
                       current: list[Finding]) -> list[Finding]:
    """One neutral finding per main problem of the last issued report (`issued`: its year and problems)."""
    if issued is None:
        return []
    year, items = issued
    now = {(f.topic, f.subject): f for f in current if f.period == FULL_YEAR}
    delivered = not any(f.topic == "no_data" for f in current)
    out, matched = [], []
    for item in items:
        old = as_finding(item, base, year)
        spec = ctx.rules.topics.get(old.topic, {}).get("follow_up") or {}
        new = now.get((old.topic, old.subject))
        status = judge(ctx, spec, old, new, delivered, base)
        evidence = {"previous": {**_summary(old), "heading": item.get("heading", ""),
                                 "sentence": item.get("sentence", "")},
                    "current": _summary(new) if new else None, "by": spec.get("by", ""),
                    "figures": _figures(ctx, spec, old, new, base)}
        if status == "not_reassessable" and evidence["figures"]:
            evidence["figures"]["current"] = None
        out.append(Finding(**base, topic="follow_up", subject=f"{old.topic}:{old.subject or '-'}", verdict=status,
                           polarity="neutral", basis=["issued_report"], evidence=evidence))
        matched.append(new)
    followed_together(out, matched)
    return [follow_up_count(base, year, out), *out] if out else []


# statuses of a problem still listed, least favourable first
STILL_LISTED = ("worse", "unchanged", "improved")


def followed_together(follow_ups: list[Finding], matched: list[Finding | None]) -> None:
    """Two issued problems that this year's report states as one (a finding `part_of` another: the first
    form's shortfall within the pyramid) are followed up in one line with one status, the less favourable
    of the two: 松林县's report said of the same 32.0 -> 32.5 % "没有明显变化" for the pyramid and "有所改善"
    for the first form."""
    by_finding = {new.finding_id: fu for fu, new in zip(follow_ups, matched, strict=True) if new is not None}
    for fu, new in zip(follow_ups, matched, strict=True):
        host = by_finding.get(new.part_of) if new is not None and new.part_of else None
        if host is None or host.part_of or {host.verdict, fu.verdict} - set(STILL_LISTED):
            continue
        host.verdict = fu.verdict = min(host.verdict, fu.verdict, key=STILL_LISTED.index)
        state_within(host, fu)


def follow_up_count(base: dict, year: int, follow_ups: list[Finding]) -> Finding:
    """How many of the issued report's problems came out each way, in STATUSES order (the section's first line)."""
    by_status = [[s, sum(f.verdict == s for f in follow_ups)] for s in STATUSES]
    return Finding(**base, topic="follow_up_count", verdict="counted", polarity="neutral", basis=["issued_report"],
                   evidence={"year": int(year), "count": len(follow_ups),
                             "by_status": [[s, n] for s, n in by_status if n]})


def judge(ctx: Context, spec: dict, old: Finding, new: Finding | None, delivered: bool, base: dict) -> str:
    """The status of one issued problem (STATUSES)."""
    by = spec.get("by", "")
    measure = _measure_of(spec.get("show", by), old)
    # resolved only if the figure did not move the wrong way at all since the report (no band: a problem is
    # never closed while its figure keeps falling, however little)
    moved = _moved(ctx, base, measure, old.year, band=0.0) if measure else None
    if by == "count":
        return _by_members(old, new, delivered and spec.get("absent") == "resolved")
    if new is None:
        there = delivered and (not measure or ctx.value(base["scope"], base["place_code"], measure,
                                                        base["year"]) is not None)
        if not (there and spec.get("absent") == "resolved"):
            return "not_reassessable"
        return "watch" if moved == "worse" else "resolved"
    if new.polarity != "problem":
        return "watch" if new.polarity == "attention" or moved == "worse" else "resolved"
    if by in ("grade", "severity"):
        before, after = POSITIONS[by](ctx, old), POSITIONS[by](ctx, new)
        if before is None or after is None or after == before:
            return "unchanged"
        return "improved" if after < before else "worse"
    judged_by = _measure_of(by, old) if by else ""  # a shape is followed as a shape: only its figures shown
    return BY_SIDE.get(_moved(ctx, base, judged_by, old.year), "not_reassessable") if judged_by else "unchanged"


def _moved(ctx: Context, base: dict, measure: str, then: int, band: float | None = None) -> str | None:
    """better / worse / level / neutral: the measure now against its figure in the report's year, by the
    measure's band (or `band`) and direction (None when either figure is missing)."""
    scope, place = base["scope"], base["place_code"]
    before, after = ctx.value(scope, place, measure, then), ctx.value(scope, place, measure, base["year"])
    r = ctx.row(scope, place, measure, base["year"])
    if before is None or after is None or r is None:
        return None
    spec = ctx.catalog.measure(measure)
    change = printed_change(spec.kind, after, before, spec.decimals, ctx.catalog.change_decimals)
    if band is None:
        band = 0.0 if missing(r.get("flat_band")) else float(r["flat_band"])
    return side(classify(spec.kind, after, before, change, band), spec.direction)


def members(f: Finding) -> list[str]:
    """The places (a region's summary) or the measures (a place's gaps) a count-type finding names."""
    ev = f.evidence
    if "units" in ev:
        return sorted({u["place"] for u in ev["units"]})
    if "warnings" in ev:
        return sorted({w["place"] for w in ev["warnings"]})
    return [i["measure"] for i in ev.get("items", [])]


def _by_members(old: Finding, new: Finding | None, absent_resolves: bool) -> str:
    """The same places (or gaps) named: none still there is resolved, fewer improved, all unchanged."""
    before = set(members(old))
    if new is None or new.polarity != "problem":
        return "resolved" if absent_resolves or new is not None else "not_reassessable"
    still = before & set(members(new))
    return "resolved" if not still else "improved" if still < before else "unchanged"


def _measure_of(name: str, f: Finding) -> str:
    """The measure a topic is followed by or shown with: the subject, the warning's measure, or one named."""
    if name == "subject":
        return f.subject
    if name == "warning_measure":
        return str(f.evidence.get("measure", ""))
    return name if name and name not in POSITIONS and name != "count" else ""


# what a topic without a measure is followed by; a lower position is better: a grade's place among the
# labels (0 = best), a warning's severity
SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}
POSITIONS = {
    "grade": lambda ctx, f: ctx.grade_labels.index(f.verdict) if f.verdict in ctx.grade_labels else None,
    "severity": lambda ctx, f: SEVERITY_RANK.get(f.severity),
}


def _figures(ctx: Context, spec: dict, old: Finding, new: Finding | None, base: dict) -> dict:
    """What both years' figures print: a measure's (with its source), a grade, or the places (gaps) named."""
    by, show = spec.get("by", ""), spec.get("show", spec.get("by", ""))
    measure = _measure_of(show, old)
    if measure:
        scope, place = base["scope"], base["place_code"]
        return {"previous": ctx.figure(scope, place, measure, old.year),
                "current": ctx.figure(scope, place, measure, base["year"])}
    if by == "count":
        named = members(old)
        still = [m for m in named if new is not None and new.polarity == "problem" and m in members(new)]
        kind = "places" if "units" in old.evidence or "warnings" in old.evidence else "measures"
        return {"previous": {"members": named, "year": old.year, "kind": kind},
                "current": {"members": still, "year": base["year"], "kind": kind}}
    if by == "grade":
        return {"previous": {"grade": old.verdict, "year": old.year},
                "current": {"grade": new.verdict, "year": new.year} if new is not None else None}
    return {}


def _summary(f: Finding) -> dict:
    out = {"finding_id": f.finding_id, "topic": f.topic, "subject": f.subject, "verdict": f.verdict,
           "polarity": f.polarity, "year": f.year}
    if "label" in f.evidence:  # a warning rule's name, as the report printed it
        out["label"] = f.evidence["label"]
    return out
