"""The words of how a grade was scored: points lost (失分分析), deductions, grade caps, the caveats a small
region brings (statistics skipped, weights that fell back, provisional grades).

Each sentence phrases a finding of pipeline.findings.scoring with the
figures its evidence holds; numbers only a finding holds (points, a
threshold of params) are recorded for tracing without a note.
"""

from __future__ import annotations

from pipeline.catalog import plain_number
from pipeline.report.evaluation_words import cite_eval, grade_name
from pipeline.report.fmt import number
from pipeline.report.phrasing import Phraser, evidence


def held(p: Phraser, f, value: float, text: str, what: str, label: str) -> str:
    """A number the finding holds (points, a params threshold), recorded for tracing, printed without a note."""
    return p.cite(text, label=label, key=("finding", f["finding_id"], f["year"], f["period"], what, ""),
                  value=value, source=p.w("writeup.source.count"), note=False)


def points(p: Phraser, f, ev: dict, field: str, what: str, label: str) -> str:
    """Points the finding holds (`ev[field]`), printed as the findings stage printed them (<field>_text)."""
    return held(p, f, ev[field], ev[f"{field}_text"], what, label)


def losses_sentence(p: Phraser, f) -> str:
    """失分分析：…共失33.7分，失分最多的是县域经济社会发展评价（失9.2分，占失分的27.3%）和…"""
    ev = evidence(f)
    largest = [i for i in ev["items"] if i["indicator"] in ev["largest"]]
    if not largest:
        return p.w("finding.point_losses_none")
    items = p.w.sep.join(
        p.w("finding.point_losses_item", name=p.name(i["indicator"]),
            points=points(p, f, i, "lost", f"lost:{i['indicator']}", p.name(i["indicator"])),
            share=held(p, f, 100 * i["share_of_loss"], i["share_of_loss_text"], f"share:{i['indicator']}",
                       p.name(i["indicator"])))
        for i in largest)
    return p.w("finding.point_losses", lost=points(p, f, ev, "lost", "lost", p.w("writeup.cite.points_lost")),
               items=items)


def deduction_sentence(p: Phraser, f) -> str:
    ev = evidence(f)
    measure = f["subject"]
    if f["verdict"] == "not_delivered":
        return p.w("finding.deduction.not_delivered", name=p.name(measure))
    kind = p.cat.measure(measure).kind
    per = p.w.raw("finding.deduction_per").get(kind, p.w.raw("finding.deduction_per")["other"]).format(
        unit=p.unit(measure))
    return p.w("finding.deduction.deducted", name=p.name(measure), value=p.figure(f, ev["figures"]["current"]),
               per=per, each=points(p, f, ev, "points_each", "points_each", p.name(measure)),
               cap=points(p, f, ev, "cap", "cap", p.name(measure)),
               points=points(p, f, ev, "points", "points", p.name(measure)),
               before=cite_eval(p, f, "index_before", ev["index_before_text"], ev["index_before"]),
               after=cite_eval(p, f, "index", ev["index_text"], ev["index"]))


def veto_values(p: Phraser, f) -> dict:
    """The cap's rule as params.yaml sets it: the measure, the threshold (held, not noted), the grade cap."""
    ev = evidence(f)
    measure, cond = f["subject"], ev["condition"]
    unit = p.cat.measure(measure).change_unit
    values = {"name": p.name(measure), "max": grade_name(p, ev["max_grade"]), "change_unit": p.change_unit(unit),
              "threshold": held(p, f, ev["threshold"], plain_number(ev["threshold"])
                                if float(ev["threshold"]).is_integer() else number(ev["threshold"], 1),
                                "threshold", p.name(measure))}  # a setting, printed as params.yaml sets it
    if cond == "above" and p.cat.measure(measure).kind == "share":
        values["threshold"] += "%"
    return values


def veto_consequence(p: Phraser, f) -> str:
    """按照评价办法，新发生案件占比比上年上升超过3.0个百分点的，等次最高为“较好”，你单位…由“好”调整为“较好”。"""
    ev = evidence(f)
    rule = p.w(f"finding.veto_rule.{ev['condition']}", **veto_values(p, f))
    key = "notice.consequence" if f["verdict"] == "lowered" else "notice.consequence_same"
    return p.w(key, rule=rule, year=f["year"], before=grade_name(p, ev["grade_before"] or ""),
               after=grade_name(p, ev["grade"] or ""), grade=grade_name(p, ev["grade"] or ""))


def veto_sentence(p: Phraser, f) -> str:
    ev = evidence(f)
    cond = ev["condition"]
    values = veto_values(p, f)
    if f["verdict"] == "not_judged":
        return p.w("finding.veto.not_judged", name=values["name"], missing=p.w(f"finding.veto_missing.{cond}"),
                   rule=p.w(f"finding.veto_rule.{cond}", **values))
    figures = ev["figures"]
    condition = {**values, "cur": p.figure(f, figures["current"])}
    if cond == "rise_above":
        prev, rise = figures["previous"], ev["rise"]
        condition.update(prev=p.figure(f, prev), year0=prev["year"],
                         diff=held(p, f, abs(rise["value"]), rise["text"], "rise", values["name"]))
    text = p.w(f"finding.veto_condition.{cond}", **condition)
    return p.w(f"finding.veto.{f['verdict']}", condition=text, max=values["max"],
               before=grade_name(p, ev["grade_before"] or ""), after=grade_name(p, ev["grade"] or ""),
               grade=grade_name(p, ev["grade"] or ""))


def veto_within_clause(p: Phraser, veto) -> str:
    """；因比上年上升超过3个百分点，按规定等次最高为“较好”，由“好”调整为“较好”: the cap a problem's rise caused,
    said in the problem's own sentence (`veto` is `part_of` it; its figures are the sentence's)."""
    if veto["verdict"] != "lowered":
        return ""
    ev, values = evidence(veto), veto_values(p, veto)
    condition = p.w(f"finding.veto_within_condition.{ev['condition']}", **values)
    return p.w("finding.veto_within", condition=condition, max=values["max"],
               before=grade_name(p, ev["grade_before"] or ""), after=grade_name(p, ev["grade"] or ""))


def adjusted_sentence(p: Phraser, f) -> str:
    """扣分和等次封顶：青山县扣2.0分（…）、城关区因新发生案件占比等次最高为“较好”（由“好”调整为“较好”）."""
    items = []
    for i in evidence(f)["items"]:
        place, name = p.data.name(i["place"]), p.name(i["measure"])
        if i["kind"] == "deduction":
            items.append(p.w("finding.units_adjusted_deduction", place=place, name=name,
                             points=points(p, f, i, "points", f"points:{i['place']}:{i['measure']}", name)))
        elif i["lowered"]:
            items.append(p.w("finding.units_adjusted_veto", place=place, name=name, max=grade_name(p, i["max_grade"]),
                             before=grade_name(p, i["grade_before"]), after=grade_name(p, i["grade"])))
        else:
            items.append(p.w("finding.units_adjusted_veto_same", place=place, name=name,
                             max=grade_name(p, i["max_grade"]), grade=grade_name(p, i["grade"])))
    return p.w("finding.units_adjusted", items=p.w.sep.join(items))


def caveat_sentences(p: Phraser, f) -> list[str]:
    """What the region's size and the settings changed, one clause each (none when nothing did)."""
    ev, w, pw = evidence(f), p.w, p.places(f)
    count = lambda n, what: p.cited_count(f, n, what)  # noqa: E731
    out = []
    if ev["statistics_skipped"]:
        out.append(w("finding.caveats.statistics", n=count(ev["graded"], "caveat_graded"),
                     min=count(ev["statistics_minimum"], "caveat_minimum"), **pw))
    if ev["winsorisation_skipped"]:
        out.append(w("finding.caveats.winsorisation", min=count(ev["winsorisation_minimum"], "caveat_minimum"), **pw))
    if ev["weighting_fell_back"]:
        method = w.raw("notebook.evaluation.method_names")["weighting"].get(ev["weighting"], ev["weighting"])
        out.append(w("finding.caveats.weighting", min=count(ev["data_weights_minimum"], "caveat_minimum"),
                     method=method, **pw))
    if ev["uncertainty_added"]:
        short = w.raw("notebook.evaluation.factor_short")
        out.append(w("finding.caveats.added", factors=w.sep.join(short[c] for c in ev["uncertainty_added"])))
    if ev["overlap_noted"]:
        out.append(w("finding.caveats.overlap", share=held(p, f, 100 * ev["rank_overlap"],
                                                           ev["rank_overlap_text"], "overlap",
                                                           w("writeup.cite.rank_overlap", **pw)), **pw))
    return out


def caveats_sentence(p: Phraser, f) -> str:
    return (p.w("sentence_end")).join(caveat_sentences(p, f))


HANDLERS = {"point_losses": losses_sentence, "deduction": deduction_sentence, "veto": veto_sentence,
            "units_adjusted": adjusted_sentence, "evaluation_caveats": caveats_sentence}
SUGGESTIONS = {"deduction": lambda p, f: {"name": p.name(f["subject"])},
               "veto": lambda p, f: {"name": p.name(f["subject"])}}
