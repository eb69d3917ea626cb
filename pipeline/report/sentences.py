"""A finding's sentence and its suggestion, whatever its topic: the dispatch every output calls."""

from __future__ import annotations

from pipeline.report import (
    evaluation_words,
    follow_up_words,
    national_words,
    phrasing,
    scoring_words,
    warning_words,
)
from pipeline.report.phrasing import Phraser, evidence, finding, within_of

HANDLERS = {"work_change": phrasing.work_sentence, "trend": phrasing.trend_sentence,
            "four_forms_shape": phrasing.forms_sentence, "form4_above_form3": phrasing.form4_sentence,
            "missing_data": phrasing.missing_sentence, "region_missing": phrasing.region_missing_sentence,
            "no_data": phrasing.no_data_sentence, "partial_period": phrasing.partial_sentence,
            "coverage": phrasing.coverage_sentence, "none_found": phrasing.none_found_sentence,
            "units_rising": phrasing.units_sentence, "units_watched": phrasing.units_sentence, **evaluation_words.HANDLERS, **warning_words.HANDLERS,
            **follow_up_words.HANDLERS, **national_words.HANDLERS, **scoring_words.HANDLERS}
SUGGESTION_VALUES = {"trend": phrasing.trend_suggestion_values, "missing_data": phrasing.missing_suggestion_values,
                     "units_rising": phrasing.units_suggestion_values,
                     "no_data": lambda p, f: {"names": p.w("finding.annual_data", year=f["year"])}, **evaluation_words.SUGGESTIONS,
                     **warning_words.SUGGESTIONS, **scoring_words.SUGGESTIONS}


def phrase(p: Phraser, f, warned: bool = True) -> str:
    """The sentence of one finding, without its full stop; a trend or the four forms that tripped a warning
    rule say so, and that a notice went out where one did. What a finding states within it (evidence
    `within`) follows as a clause: the first form's shortfall after the pyramid, the cap after the rise that
    caused it (`warned=False`: the notice itself, which states its rules and the cap apart)."""
    text = HANDLERS[f["topic"]](p, f)
    parts = within_of(p.data, f)
    text += "".join(p.w("finding.trend_within", name=p.name(r["subject"]), state=within_states(p, r))
                    for r in parts if r["topic"] == "trend")
    if warned and f["topic"] != "warning":
        text += warning_words.warned_clause(p, f)
        text += "".join(scoring_words.veto_within_clause(p, r) for r in parts if r["topic"] == "veto")
    return text


def within_states(p: Phraser, f) -> str:
    """比基期低35.4个百分点、低于全市31.9个百分点: a trend said within another finding's sentence, its adverse
    comparisons each cited to the place's cell of the measures mart (its own sentence, which would cite
    them, is not printed)."""
    scope = "county" if f["scope"] == "unit" else "region"
    return phrasing.adverse_states(p, f, evidence(f)["comparisons"], place=f["place_code"], scope=scope)


def stated_ids(f) -> list[str]:
    """The findings one sentence states: its own, and those said within it (evidence `within`)."""
    return [f["finding_id"], *evidence(f).get("within", [])]


def sentence(p: Phraser, f) -> str:
    return phrase(p, f) + p.w("sentence_end")


def suggestion(p: Phraser, f) -> str:
    """The suggestion a main problem leads to, naming the problem (its key is the finding's); a problem the
    last report already named says so (its follow-up finding), and one the commission follows personally
    says 重点督办 (the finding's `supervised`, set by the findings stage's priority rule)."""
    values = SUGGESTION_VALUES.get(f["topic"], lambda p, f: {})(p, f)
    text = p.w(f"writeup.suggestions.{f['suggestion']}", **values, **p.places(f))
    again = finding(p.data, f["place_code"], f["year"], "follow_up", f"{f['topic']}:{f['subject'] or '-'}",
                    f["period"])
    tails = []
    if again is not None and again["verdict"] in ("improved", "unchanged", "worse"):
        tails.append(p.w("writeup.suggestion_again", year=evidence(again)["previous"]["year"],
                         status=p.w(f"writeup.suggestion_again_status.{again['verdict']}")))
    if bool(f.get("supervised", False)):
        tails.append(p.w("writeup.supervised"))
    if not tails:
        return text
    # one sentence with the problem's own figures, never a stock sentence repeated in every report
    end = p.w("sentence_end")
    return text.rstrip(end) + p.w("writeup.tail_sep") + p.w("writeup.tail_join").join(tails) + end


def trend_opening(p: Phraser, row) -> tuple[str, str] | None:
    """A trend problem's lead and the measure name its sentence opens with (群众评价居全市后列，有待提高：,
    党风廉政建设社会评价满意度); None for another topic or a sentence without a lead."""
    if row["topic"] != "trend":
        return None
    lead, name = phrasing.trend_lead(p, row), p.name(row["subject"])
    return (lead, name) if lead and phrase(p, row).startswith(lead + name) else None


def problem_heading(p: Phraser, row) -> str:
    """The words a problem opened with in the report, quoted verbatim: a trend's lead, which names its measure
    (第一种形态占比明显下降), or a lead its basis shares and the measure the sentence goes on to name
    (群众评价居全市后列，有待提高：党风廉政建设社会评价满意度), so two problems under the same lead stay apart;
    else the problem's name (数据缺报, 综合评价等次靠后...). No figure is quoted: the follow-up prints both
    years' figures, each cited to its cell."""
    opening = trend_opening(p, row)
    if opening:
        lead, name = opening
        return lead.rstrip("：: ") if phrasing.lead_names_measure(p, row) else lead + name
    ev = evidence(row)
    summary = {"topic": row["topic"], "subject": row["subject"], "verdict": row["verdict"]}
    if "label" in ev:
        summary["label"] = ev["label"]
    return follow_up_words.problem_name(p, row, summary)
