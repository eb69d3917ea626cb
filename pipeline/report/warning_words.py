"""The words of early warnings: a warning finding of a place, the region's summary of warned places.

The rule, its condition and its evidence come from the finding (built from
the warnings mart); the condition is said in words (不低于 20%), never as code.
"""

from __future__ import annotations

import pandas as pd

from pipeline.catalog import plain_number
from pipeline.numbers import fixed
from pipeline.periods import FULL_YEAR
from pipeline.report.phrasing import Phraser, evidence


def evidence_values(w, printed: str | None) -> list[str]:
    """A warning's evidence values as the presentation printed them ('|' between years), a flag's code in
    words (是/否)."""
    return [w(f"word_{v}") if v in ("yes", "no") else v for v in (printed or "").split("|")]


def condition_op(w, op: str, threshold: float) -> str:
    """A rule's comparison in words; a change of "<= -3" is said as a fall of at least 3 (下降不低于3)."""
    if threshold < 0 and op in ("<=", "<"):
        return w("verbs.down") + w(f"finding.op.{'>=' if op == '<=' else '>'}")
    return w(f"finding.op.{op}")


def rule_condition(p: Phraser, rule: dict, threshold: str) -> str:
    """预警条件为新发生案件占比较上年上升2个百分点及以上: a rule as params.yaml sets it, in words (the
    threshold as the caller prints it: cited in a notice, plain in the workbook)."""
    w, m = p.w, rule["measure"]
    if p.cat.measure(m).kind == "flag":
        return w("notice.condition.flag", label=label_of(p, rule))
    if rule["type"] == "run":
        return w("notice.condition.run", name=p.name_within(m), years=rule.get("run_years") or rule["rises"])
    if rule["type"] == "change":
        verb = w("verbs.up" if rule["threshold"] >= 0 else "verbs.down")
        return w("notice.condition.change", name=p.name_within(m), verb=verb, threshold=threshold,
                 change_unit=p.change_unit(rule["change_unit"]), tail=w.raw("notice.op_tail")[rule["op"]])
    share = "%" if p.cat.measure(m).kind == "share" else ""  # a level of a share is in %, its change in points
    return w("notice.condition.level", name=p.name_within(m), op=w(f"finding.op.{rule['op']}"),
             threshold=threshold + share, unit=p.unit(m))


def mart_rule(row) -> dict:
    """A row of the warnings mart as the rule evidence the findings hold (pipeline.findings.unit.rule_evidence)."""
    return {"rule": row["rule"], "label": {"zh": row["label_zh"], "en": row["label_en"]}, "measure": row["measure"],
            "type": row["rule_type"], "op": row["op"], "severity": row["severity"],
            "threshold": None if pd.isna(row["threshold"]) else float(row["threshold"]),
            "change_unit": row["change_unit"], "rises": len(row["evidence_years"]) - 1,
            "run_years": None if pd.isna(row["run_years"]) else int(row["run_years"])}


def plain_threshold(rule: dict) -> str:
    """A rule's threshold as params.yaml sets it (2, not 2.0; the size of a fall, not its sign)."""
    if rule["threshold"] is None:  # a run rule has none: its condition is its years
        return ""
    value = abs(rule["threshold"]) if rule["type"] == "change" else rule["threshold"]
    return plain_number(value)


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


def change_size(p: Phraser, f, rule: dict, v1: str, v0: str) -> str:
    """The change a change rule saw, as printed and cited as derived from its two figures (3.2个百分点; a change
    in % carries its % already: no "39.0%%")."""
    comp = {"text": fixed(abs(rule["change"]), p.cat.change_decimals), "unit": rule["change_unit"],
            "basis": "previous_year", "against": "previous", "difference": rule["change"]}
    return p.difference(f, comp, v1, v0, rule["measure"]) + (
        "" if rule["change_unit"] == "%" else p.change_unit(rule["change_unit"]))


def warning_sentence(p: Phraser, f) -> str:
    ev = evidence(f)
    m, values = ev["measure"], ev["series"]["values"]
    name, unit = p.name(m), p.unit(m)
    label = label_of(p, ev)
    if ev["type"] == "change":
        v0, v1 = p.figure(f, values[0]), p.figure(f, values[-1])
        move = "up" if ev["change"] > 0 else "down"
        op = condition_op(p.w, ev["op"], ev["threshold"])
        return p.w("finding.warning.change", label=label, name=name, v0=v0, v1=v1, unit=unit,
                   verb=p.w(f"verbs.{move}"), size=change_size(p, f, ev, v1, v0),
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


def warned_clause(p: Phraser, f) -> str:
    """，触发“新发生案件占比上升”高级别预警，已另发预警提示函: the rules a finding's measure tripped, and the
    notice when its severity is one report.notice sends a notice for (the same rule as the notice's own)."""
    rules = (evidence(f).get("rules") or []) if f["topic"] in ("trend", "four_forms_shape") else []
    if not rules:
        return ""
    text = p.w.sep.join(p.w("finding.warned_rule", label=label_of(p, r), severity=p.w(f"severity.{r['severity']}"))
                        for r in rules)
    noticed = f["period"] == FULL_YEAR and any(r["severity"] in p.data.notice.get("severities", []) for r in rules)
    return p.w("finding.warned", rules=text) + (p.w("finding.noticed") if noticed else "")


HANDLERS = {"warning": warning_sentence, "units_warned": units_warned_sentence}
SUGGESTIONS = {"warning": warning_suggestion_values,
               "units_warned": lambda p, f: {"n": p.cited_count(f, evidence(f)["places"], "units_warned")}}
