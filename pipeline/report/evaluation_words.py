"""The words of the evaluation: grades, their stability and history, the method, the region's summaries.

Every sentence phrases a finding of the grade topics (pipeline.findings.grades)
with the evidence the finding carries; nothing here compares grades or counts
places. Used by the write-ups, the notebooks, the workbook and the index alike.
"""

from __future__ import annotations

import pandas as pd

from pipeline.report.phrasing import Phraser, evidence, finding


def grade_name(p: Phraser, grade: str) -> str:
    return p.w.raw("grades").get(grade, grade)


# the evaluation mart's column of each figure cited
EVALUATION_FIELDS = {"index": "index", "index_before": "index_before_adjustment", "eval_rank": "rank", "graded": "counties_graded",
                     "grade_probability": "grade_probability", "stable_threshold": "stable_threshold",
                     "indicators_total": "indicators_total", "indicators_available": "indicators_available",
                     "min_indicators": "min_indicators"}


# the evaluation's figures a reader may want to trace (noted); ranks, counts and thresholds are not
NOTED_FIELDS = ("index", "index_before", "grade_probability")


def cite_eval(p: Phraser, f, field: str, text: str, value: float, place: str | None = None) -> str:
    """A figure of the evaluation mart, cited to the row of this place and year."""
    pw = p.places(f)
    name = p.data.name(place) if place and place != f["place_code"] else ""
    return p.cite(text, label=p.w(f"writeup.cite.{field}", place=name, **pw),
                  key=("evaluation", place or f["place_code"], f["year"], f["period"], "evaluation",
                       EVALUATION_FIELDS[field]), value=value, source=p.w(f"writeup.source.{field}", **pw),
                  when=p.w("year", year=f["year"]), note=False, listed=field in NOTED_FIELDS)


def grade_sentence(p: Phraser, f) -> str:
    """综合评价指数66.3，居全市第2位（共10个县区），等次为“好”."""
    ev = evidence(f)
    text = p.w("finding.grade", index=cite_eval(p, f, "index", ev["index_text"], ev["index"]),
               rank=cite_eval(p, f, "eval_rank", str(ev["rank"]), ev["rank"]),
               n=cite_eval(p, f, "graded", str(ev["of"]), ev["of"]), grade=grade_name(p, ev["grade"]), **p.places(f))
    if ev.get("provisional"):
        text += p.w("finding.provisional")
    return p.w(f"finding.grade_lead.{f['polarity']}") + text


def method_text(p: Phraser, f) -> str:
    """How the grades were reached (weighting, normalisation, aggregation, imputation, outliers)."""
    m = evidence(f)["method"]
    if not m.get("weighting"):
        return ""
    names = p.w.raw("notebook.evaluation.method_names")
    imputation = p.w.raw("notebook.evaluation.imputed_by").get(m["imputation"], m["imputation"])
    # the AHP consistency ratio where numbers need no note (the notebook); the write-up leaves it out
    ahp = (p.w("notebook.evaluation.ahp_cr", cr=m["ahp_cr_text"])
           if p.citer is None and m["weighting"] == "ahp" and m.get("ahp_cr") is not None else "")
    # what was done, as the finding says: a data weighting fallen back to equal weights, winsorisation skipped
    used = m.get("weighting_used") or m["weighting"]
    if m.get("weighting_fell_back"):
        ahp = p.w("notebook.evaluation.weighting_fallback", method=names["weighting"].get(m["weighting"], m["weighting"]),
                  used=names["weighting"].get(used, used))
    winsor = m.get("winsorisation") or str(bool(m["winsorise"])).lower()
    return p.w("notebook.evaluation.method", weighting=names["weighting"].get(used, used), ahp=ahp,
               normalisation=names["normalisation"].get(m["normalisation"], m["normalisation"]),
               aggregation=names["aggregation"].get(m["aggregation"], m["aggregation"]), imputation=imputation,
               winsor=names["winsor"][winsor])


def imputed_text(p: Phraser, f) -> str:
    ev = evidence(f)
    if not ev["imputed"]:
        return ""
    words = p.w.raw("notebook.evaluation.imputed_by")
    parts = [p.w("notebook.evaluation.imputed_part", how=words[how], names=p.w.sep.join(
        p.name(c) for c, h in zip(ev["imputed"], ev["imputed_by"], strict=True) if h == how))
        for how in dict.fromkeys(ev["imputed_by"])]
    return p.w("notebook.evaluation.imputed", parts=p.w.raw("notebook.evaluation.imputed_sep").join(parts))


def varied_text(p: Phraser, ev: dict) -> str:
    short = p.w.raw("notebook.evaluation.factor_short")
    return p.w.sep.join(short[x] for x in ev["varied"])


def drivers_text(p: Phraser, ev: dict) -> str:
    """The assumption(s) the grade (or, when the grade never changes, the rank) depends on most."""
    names = p.w.raw("notebook.evaluation.factor")
    if ev["grade_drivers"]:
        return p.w("notebook.evaluation.driver_grade_plain", factors=p.w.sep.join(names[c] for c in ev["grade_drivers"]))
    if ev["rank_drivers"]:
        return p.w("notebook.evaluation.driver_rank_plain", grade=grade_name(p, ev["grade"]),
                   factors=p.w.sep.join(names[c] for c in ev["rank_drivers"]))
    return p.w("notebook.evaluation.driver_none")


def stability_sentence(p: Phraser, f) -> str:
    """How often the grade comes out when the assumptions vary, against the threshold, and what it depends on."""
    ev = evidence(f)
    if not ev["varied"]:
        return p.w("notebook.evaluation.uncertainty_fixed").rstrip("。.")
    prob = cite_eval(p, f, "grade_probability", ev["probability_text"], ev["probability"])
    threshold = cite_eval(p, f, "stable_threshold", ev["threshold_text"], ev["threshold"])
    key = "finding.grade_unstable" if f["verdict"] == "unstable" else "finding.grade_stable"
    text = p.w(key, grade=grade_name(p, ev["grade"]), prob=prob, threshold=threshold, factors=varied_text(p, ev))
    if ev.get("likelier"):  # under one chance in two: the grade the simulations give more often is named
        grade, _, shown = ev["likelier"]
        text += p.w("finding.grade_likelier", grade=grade_name(p, grade), prob=shown)
    return (text + p.w("sentence_end") + drivers_text(p, ev)).rstrip("。.")


def uncertainty_sentence(p: Phraser, f) -> str:
    """The notebook's fuller account of a grade-stability finding: scenarios, rank interval, every grade's chance."""
    ev = evidence(f)
    if not ev["varied"]:
        return ""
    probs = p.w.sep.join(f"{grade_name(p, g)} {text}" for g, text in ev["probabilities_text"])
    return p.w("notebook.evaluation.uncertainty", factors=varied_text(p, ev), n=ev["scenarios"],
               median=ev["median_rank_text"], low=ev["rank_p05_text"], high=ev["rank_p95_text"],
               probs=probs)


def history_sentence(p: Phraser, f) -> str:
    """First graded year, this year's grade against the last graded year (named), and the years not graded."""
    ev = evidence(f)
    h = "finding.history."
    last, now = ev["last_graded"], ev["current"]
    if f["verdict"] == "first_graded":
        text = p.w(h + "first_graded", year=f["year"])
    elif f["verdict"] == "not_graded_this_year":
        graded = ev["graded"][-1]
        text = p.w(h + "not_graded_this_year", year=f["year"], last_year=graded["year"],
                   grade=grade_name(p, graded["grade"]))
    elif f["verdict"] == "same":
        text = p.w(h + "same", last_year=last["year"], grade=grade_name(p, last["grade"]))
    else:
        text = p.w(h + "changed", last_year=last["year"], before=grade_name(p, last["grade"]),
                   after=grade_name(p, now["grade"]))
    if ev["gap_years"]:
        text += p.w(h + "gaps", years=p.w.sep.join(str(y) for y in ev["gap_years"]))
    return p.w(h + "lead") + text


def not_graded_sentence(p: Phraser, f) -> str:
    ev, pw = evidence(f), p.places(f)
    reason = f["verdict"] if f["verdict"] in p.w.raw("finding.not_graded") else "no_evaluation"
    place = ev.get("place")

    def cited(field: str, key: str) -> str:
        n = int(ev.get(key) or 0)
        return cite_eval(p, f, field, str(n), n, place=place) if place else str(n)

    values = {"year": f["year"], "names": p.w.sep.join(p.name(c) for c in ev.get("absent", [])), **pw}
    if reason == "no_indicators":  # cite only what the sentence prints
        values["n"] = cited("indicators_total", "total")
    elif reason == "too_few_indicators":
        values.update(available=cited("indicators_available", "available"), min=cited("min_indicators", "min"))
    text = p.w(f"finding.not_graded.{reason}", **values)
    if f["scope"] == "region":
        text = p.w("finding.not_graded.region_none", **values) + text
    return text


def distribution_sentence(p: Phraser, f) -> str:
    """好2个（城西区、城关区）、较好4个（……）: every grade with the places that have it, in rank order."""
    ev = evidence(f)
    names = {g: p.w.sep.join(p.data.name(r["place"]) for r in ev["table"] if r["grade"] == g) for g, _ in ev["counts"]}
    dist = p.w.sep.join(p.w("finding.grade_count", grade=grade_name(p, g),
                            count=p.cited_count(f, n, "grade", grade=grade_name(p, g)), names=names[g])
                        for g, n in ev["counts"] if n)
    return p.w("finding.grade_distribution", n=p.cited_count(f, ev["graded"], "graded"), dist=dist, **p.places(f))


def changes_sentence(p: Phraser, f) -> str:
    ev = evidence(f)
    if not ev["changes"]:
        return p.w("finding.grade_changes_none", n=p.cited_count(f, ev["compared"], "compared"), **p.places(f))
    items = p.w.sep.join(p.w("finding.grade_changes_item", place=p.data.name(c["place"]), last_year=c["last_year"],
                             year=f["year"], before=grade_name(p, c["before"]), after=grade_name(p, c["after"]))
                         for c in ev["changes"])
    return p.w("finding.grade_changes", items=items, **p.places(f))


def unstable_sentence(p: Phraser, f) -> str:
    ev = evidence(f)
    if f["verdict"] == "all_stable":
        threshold = cite_eval(p, f, "stable_threshold", ev["threshold_text"], ev["threshold"], place=ev["place"])
        return p.w("finding.units_unstable_none", threshold=threshold, **p.places(f))
    items = p.w.sep.join(p.w("finding.units_unstable_item", place=p.data.name(u["place"]),
                             grade=grade_name(p, u["grade"]),
                             prob=cite_eval(p, f, "grade_probability", u["probability_text"], u["probability"],
                                            place=u["place"]))
                         for u in ev["units"])
    threshold = cite_eval(p, f, "stable_threshold", ev["threshold_text"], ev["threshold"],
                          place=ev["units"][0]["place"])
    return p.w("finding.units_unstable", threshold=threshold, items=items,
               n=p.cited_count(f, ev["count"], "provisional"), **p.places(f))


def county_table(p: Phraser, f) -> pd.DataFrame:
    """The region's table of places (the grade_distribution finding): index, rank and its 90 % interval, grade
    and its probability, last graded year's grade and the move, warnings by severity; places not graded last."""
    ev, w = evidence(f), p.w
    cols = w.raw("writeup.county_table.columns")
    unit_word = p.places(f)["unit_word"]
    rows = []
    for r in ev["table"]:
        interval = (w("writeup.county_table.interval", low=r["rank_p05_text"], high=r["rank_p95_text"])
                    if r.get("rank_p05") is not None else w("none_mark"))
        last = r.get("last")
        rows.append([p.data.name(r["place"]), r["index_text"], w("writeup.county_table.rank", rank=r["rank"],
                                                                        n=r["of"]), interval,
                     grade_cell(p, r),
                     r["probability_text"] or w("none_mark"),
                     w("writeup.county_table.last" if last["year"] == f["year"] - 1 else
                       "writeup.county_table.last_earlier", year=last["year"], grade=grade_name(p, last["grade"]))
                     if last else w("none_mark"),
                     w(f"writeup.county_table.move.{r['move'] or 'first'}"), warnings_cell(p, r["warnings"])])
    for r in ev.get("not_graded", []):
        rows.append([p.data.name(r["place"]), *[w("none_mark")] * 3, w("grades.未评定"), *[w("none_mark")] * 4])
    return pd.DataFrame(rows, columns=[c.format(unit_word=unit_word, n=ev["graded"]) for c in cols])


def grade_cell(p: Phraser, r: dict) -> str:
    """The grade as the table prints it: 较好（暂定） when provisional, 较好（封顶） when a veto lowered it."""
    text = grade_name(p, r["grade"])
    if r.get("grade_before_veto"):
        text += p.w("writeup.county_table.capped")
    if r.get("provisional"):
        text += p.w("finding.provisional")
    return text


def warnings_cell(p: Phraser, counts: dict) -> str:
    items = [p.w("writeup.county_table.warnings", severity=p.w(f"severity.{s}"), n=n) for s, n in counts.items() if n]
    return p.w.sep.join(items) if items else p.w("writeup.county_table.no_warning")


HANDLERS = {"grade": grade_sentence, "grade_stability": stability_sentence, "grade_history": history_sentence,
            "not_graded": not_graded_sentence, "grade_distribution": distribution_sentence,
            "grade_changes": changes_sentence, "units_unstable": unstable_sentence}
def weak_text(p: Phraser, f) -> str:
    """What the suggestion of a low grade names: the two indicators that lost most points (失分分析), else the
    grade's weakest indicators by rank."""
    losses = finding(p.data, f["place_code"], f["year"], "point_losses", "", f["period"])
    largest = evidence(losses).get("largest") if losses is not None else None
    if largest:
        return p.w("writeup.suggestion_losses", names=p.w.sep.join(p.name(c) for c in largest))
    weak = evidence(f).get("weaknesses") or []
    if not weak:
        return p.w("writeup.suggestion_weak_none")
    return p.w("writeup.suggestion_weak", names=p.w.sep.join(p.name(c) for c in weak))


SUGGESTIONS = {"grade": lambda p, f: {"grade": grade_name(p, evidence(f)["grade"]), "weak": weak_text(p, f)},
               "grade_stability": lambda p, f: {"grade": grade_name(p, evidence(f)["grade"]),
                                                "prob": cite_eval(p, f, "grade_probability",
                                                                  evidence(f)["probability_percent_text"],
                                                                  evidence(f)["probability"])},
               "units_unstable": lambda p, f: {"units": p.w.sep.join(p.data.name(u["place"])
                                                                     for u in evidence(f)["units"])}}
