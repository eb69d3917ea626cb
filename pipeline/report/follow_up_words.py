"""The words of the follow-up of last year's problems (整改情况): one sentence per follow-up finding.

The findings stage has matched each of last year's problems with this year's
finding and judged it (pipeline.findings.follow_up); this module names the
problem, states the status and prints both years' figures as the finding
holds them (a measure's figures cited to their source).
"""

from __future__ import annotations

from pipeline.report.evaluation_words import grade_name
from pipeline.report.phrasing import Phraser, evidence, within_of


def problem_name(p: Phraser, f, previous: dict) -> str:
    """What the issued report called the problem: its own heading when the record keeps it, else by topic
    (a trend by its verdict)."""
    topic, subject, w = previous["topic"], previous["subject"], p.w
    if previous.get("heading"):
        return previous["heading"].get(w.lang) or next(iter(previous["heading"].values()))
    pw = p.places(f)
    if topic == "trend":
        return w(f"finding.follow_up.problem.trend.{previous['verdict']}", name=p.name(subject), **pw)
    if topic == "warning":
        return w("finding.follow_up.problem.warning", label=previous["label"][w.lang], **pw)
    if topic in ("units_rising", "deduction", "veto"):  # about one measure: named
        return w(f"finding.follow_up.problem.{topic}", name=p.name(subject), **pw)
    return w(f"finding.follow_up.problem.{topic}", **pw)


def figures_text(p: Phraser, f) -> str:
    """Both years' figures: a measure's cited, the places or gaps named, or a grade; '' without figures."""
    ev = evidence(f)
    figs, w = ev["figures"], p.w
    before, after = figs.get("previous"), figs.get("current")
    if not before:
        return ""
    if "measure" in before:
        def shown(fig: dict) -> str:
            unit = p.unit(fig["measure"])
            return (p.figure(f, fig) + unit) if fig.get("text") is not None else w("finding.follow_up.no_value")
        parts = [w("finding.follow_up.year_value", year=before["year"], value=shown(before))]
        if after:
            parts.append(w("finding.follow_up.year_value", year=after["year"], value=shown(after)))
        return w("finding.follow_up.figures", items=w("finding.clause_sep").join(parts))

    if "members" in before:  # the places (or gaps) the report named, and which of them are still there
        return members_text(p, f, before, after)

    def value(x: dict) -> str:  # the grade of that year (the only other state a follow-up compares)
        return w("finding.follow_up.grade_value", grade=grade_name(p, x["grade"]))
    parts = [w("finding.follow_up.year_value", year=x["year"], value=value(x)) for x in (before, after) if x]
    return w("finding.follow_up.figures", items=w("finding.clause_sep").join(parts))


def members_text(p: Phraser, f, before: dict, after: dict | None) -> str:
    """（2023年：城关区、青山县；2024年仍在其中：青山县）— the same places (or gaps) named in both years."""
    w = p.w

    def names(x: dict) -> str:
        return w.sep.join(p.data.name(m) if x["kind"] == "places" else p.name(m) for m in x["members"])
    parts = [w("finding.follow_up.year_value", year=before["year"], value=names(before))]
    if after is not None:
        key = "finding.follow_up.members_still" if after["members"] else "finding.follow_up.members_none"
        parts.append(w(key, year=after["year"], value=names(after)))
    return w("finding.follow_up.figures", items=w("finding.follow_up.members_sep").join(parts))


def follow_up_sentence(p: Phraser, f) -> str:
    """2023年指出的“新发生案件占比高于基期水平”：仍列为问题，且比上年加重（2023年32.6%，2024年33.0%）."""
    ev = evidence(f)
    previous = ev["previous"]
    names = [problem_name(p, r, evidence(r)["previous"]) for r in (f, *within_of(p.data, f))]  # followed together
    if p.w.lang == "zh":  # a quotation inside the quotation marks takes the single marks: “‘四种形态’未呈…”
        names = [n.replace("“", "‘").replace("”", "’") for n in names]
    quoted = p.w("finding.follow_up.problems_join").join(names)
    return p.w("finding.follow_up.sentence", year=previous["year"], problem=quoted,
               status=p.w(f"finding.follow_up.status.{f['verdict']}"), figures=figures_text(p, f))


def count_sentence(p: Phraser, f) -> str:
    """2023年评价指出的5项问题，本年度复核情况：已不再列为问题1项、…（the follow_up_count finding）."""
    ev = evidence(f)
    items = p.w("list_sep").join(p.w("finding.follow_up.count_item", status=p.w(f"finding.follow_up.short.{s}"),
                                     n=p.cited_count(f, n, "follow_up", status=s)) for s, n in ev["by_status"])
    return p.w("finding.follow_up.summary", year=ev["year"], n=p.cited_count(f, ev["count"], "follow_up"),
               items=items)


HANDLERS = {"follow_up": follow_up_sentence, "follow_up_count": count_sentence}
