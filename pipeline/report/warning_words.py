"""The words of early warnings: a warning finding of a place, the region's summary of warned places.

The rule, its condition and its evidence come from the finding (built from
the warnings mart); the condition is said in words (不低于 20%), never as code.
"""

from __future__ import annotations

from pipeline.catalog import plain_number
from pipeline.numbers import fixed
from pipeline.report.phrasing import Phraser, evidence


def condition_op(w, op: str, threshold: float) -> str:
    """A rule's comparison in words; a change of "<= -3" is said as a fall of at least 3 (下降不低于3)."""
    if threshold < 0 and op in ("<=", "<"):
        return w("verbs.down") + w(f"finding.op.{'>=' if op == '<=' else '>'}")
    return w(f"finding.op.{op}")


def label_of(p: Phraser, ev: dict) -> str:
    return ev["label"]["en" if p.w.lang == "en" else "zh"]


def threshold_text(p: Phraser, f, ev: dict, decimals: int) -> str:
    """The rule's threshold as the rule sets it (20, not 20.0: a setting, not a measured figure), part of the
    rule the sentence names, recorded without a note."""
    value = abs(ev["threshold"]) if ev["type"] == "change" else ev["threshold"]
    text = plain_number(value) if float(value).is_integer() else fixed(value, decimals)
    return p.cite(text, label=p.w("writeup.cite.threshold", label=label_of(p, ev)),
                  key=("finding", f["finding_id"], f["year"], f["period"], ev["measure"], "threshold"),
                  value=ev["threshold"], source=p.w("writeup.source.threshold", rule=ev["rule"]), note=False)


def warning_sentence(p: Phraser, f) -> str:
    ev = evidence(f)
    m, values = ev["measure"], ev["series"]["values"]
    name, unit = p.name(m), p.unit(m)
    label = label_of(p, ev)
    if ev["type"] == "change":
        v0, v1 = p.figure(f, values[0]), p.figure(f, values[-1])
        move = "up" if ev["change"] > 0 else "down"
        comp = {"text": fixed(abs(ev["change"]), p.cat.change_decimals), "unit": ev["change_unit"],
                "basis": "previous_year", "against": "previous", "difference": ev["change"]}
        op = condition_op(p.w, ev["op"], ev["threshold"])
        return p.w("finding.warning.change", label=label, name=name, v0=v0, v1=v1, unit=unit,
                   verb=p.w(f"verbs.{move}"),  # a change in % carries its % already (no "39.0%%")
                   size=p.difference(f, comp, v1, v0, m) + ("" if ev["change_unit"] == "%"
                                                            else p.change_unit(ev["change_unit"])),
                   change_unit=p.change_unit(ev["change_unit"]), op=op,
                   threshold=threshold_text(p, f, ev, p.cat.change_decimals))
    if ev["type"] == "run":
        series = p.w.sep.join(p.w("finding.warning.run_item", year=v["year"], value=p.figure(f, v), unit=unit)
                              for v in values)
        return p.w("finding.warning.run", label=label, name=name, n=p.cited_count(f, ev["rises"], "rises"), series=series)
    return p.w("finding.warning.level", label=label, name=name, year=f["year"], cur=p.figure(f, values[-1]),
               unit=unit, op=p.w(f"finding.op.{ev['op']}"),
               threshold=threshold_text(p, f, ev, p.cat.measure(m).decimals))


def warning_suggestion_values(p: Phraser, f) -> dict:
    ev = evidence(f)
    return {"label": label_of(p, ev), "name": p.name(ev["measure"]), "cur": p.figure(f, ev["series"]["values"][-1]),
            "unit": p.unit(ev["measure"])}


def units_warned_sentence(p: Phraser, f) -> str:
    ev = evidence(f)
    items = p.w.sep.join(p.w("finding.units_warned_item", place=p.data.name(x["place"]), rule=label_of(p, x))
                         for x in ev["warnings"])
    return p.w("finding.units_warned", n=p.cited_count(f, ev["places"], "units_warned"),
               k=p.cited_count(f, ev["count"], "warnings"), items=items, **p.places(f))


HANDLERS = {"warning": warning_sentence, "units_warned": units_warned_sentence}
SUGGESTIONS = {"warning": warning_suggestion_values,
               "units_warned": lambda p, f: {"n": p.cited_count(f, evidence(f)["places"], "units_warned")}}
