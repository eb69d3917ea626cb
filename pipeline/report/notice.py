"""Warning notices (预警提示函): a letter to each place whose findings carry a warning of the severities
params.yaml `report.notice.severities` names (high by default), as a commission sends one.

Each signal is stated by its rule, not by a verdict: which warning, at what
severity, the condition it sets, and what tripped it with the counts a share
is made of (立案391件，其中新发生案件131件). Then what it did to the grade
(the veto or deduction finding on the same measure), whether last year's
issued report already named it (the follow-up finding), and what the reply
must contain. The letterhead, number (文号), issuer, seal, contact and copies
(抄送) come from the settings; the figures are cited to their source cells in
notes under the letter. The date line is left for the issuer: a drafted
letter is not dated by the machine that drafted it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.catalog import plain_number
from pipeline.report.data import ReportData, is_synthetic
from pipeline.report.document import Citer, Document, renumbered
from pipeline.report.phrasing import Phraser, evidence, finding
from pipeline.report.scoring_words import veto_consequence
from pipeline.report.sentences import phrase
from pipeline.report.warning_words import change_size, label_of, rule_condition, threshold_text


@dataclass(frozen=True)
class Letter:
    """What frames the letter: the settings' texts with the place, region and years filled in."""

    letterhead: str
    number: str
    issuer: str
    seal: str
    date: str
    contact: str
    copy_to: str
    printed: str


def warned_findings(data: ReportData, place: str, year: int) -> list:
    """The findings a warning notice to the place states, in report order, as the presentation stage chose
    them (full-year problems rated with one of report.notice.severities); none: no notice goes out."""
    table = data.table(place, year, "notice")
    return [data.finding_by_id(key) for key in table.index] if len(table) else []


def rules_of(f) -> list[dict]:
    """The warning rules a finding tripped: a warning finding is one; a trend or the four forms carry theirs."""
    ev = evidence(f)
    return [ev] if f["topic"] == "warning" else list(ev.get("rules", []))


def condition_text(p: Phraser, f, rule: dict) -> str:
    """The rule's condition with its threshold recorded for tracing (a setting, not a measured figure)."""
    decimals = p.cat.change_decimals if rule["type"] == "change" else p.cat.measure(rule["measure"]).decimals
    return rule_condition(p, rule, threshold_text(p, f, rule, decimals))


def parts_text(p: Phraser, f, rule: dict) -> str:
    """立案391件，其中新发生案件131件，: the counts a share is made of, each cited to its cell."""
    parts = rule.get("parts") or {}
    if not parts:
        return ""
    values = {}
    for side, fig in parts.items():
        name = p.name_within(fig["measure"])  # 立案391件 (a count's name without its 数 before the number)
        values[f"{side}_name"] = name[:-1] if p.w.lang == "zh" and name.endswith("数") else name
        values[side] = p.figure(f, fig)
        values[f"{side}_unit"] = p.unit(fig["measure"])
    return p.w("notice.parts", **values)


def trigger_text(p: Phraser, f, rule: dict) -> str:
    """What tripped the rule: the figures of the years it compares, as the finding holds them."""
    w, m, values = p.w, rule["measure"], rule["series"]["values"]
    if p.cat.measure(m).kind == "flag":
        return phrase(p, f, warned=False)  # the four forms as they stand (第一至第四种形态分别占…)
    if rule["type"] == "run":
        series = w.sep.join(w("finding.warning.run_item", year=v["year"], value=p.figure(f, v), unit=p.unit(m))
                            for v in values)
        return w("notice.trigger.run", name=p.name_within(m), n=rule["rises"], series=series)
    if rule["type"] == "change":
        v0, v1 = p.figure(f, values[0]), p.figure(f, values[-1])
        return w("notice.trigger.change", year=values[-1]["year"], parts=parts_text(p, f, rule),
                 name=p.name_within(m), v0=v0, v1=v1, unit=p.unit(m), size=change_size(p, f, rule, v1, v0),
                 verb=w("verbs.up" if rule["change"] > 0 else "verbs.down"))
    return w("notice.trigger.level", year=values[-1]["year"], name=p.name_within(m), cur=p.figure(f, values[-1]),
             unit=p.unit(m))


def item_text(p: Phraser, f, rule: dict) -> str:
    """One signal: the rule and its severity, its condition, what tripped it; then what it did to the grade
    and what last year's report said of it."""
    w = p.w
    text = w("notice.item", label=label_of(p, rule), severity=w(f"severity.{rule['severity']}"),
             condition=condition_text(p, f, rule), trigger=trigger_text(p, f, rule))
    measure = rule["measure"]
    veto = finding(p.data, f["place_code"], f["year"], "veto", measure)
    if veto is not None and veto["verdict"] in ("lowered", "at_or_below_cap"):
        text += veto_consequence(p, veto)
    deduction = finding(p.data, f["place_code"], f["year"], "deduction", measure)
    if deduction is not None and deduction["verdict"] == "deducted":
        text += w("notice.deduction", points=plain_number(evidence(deduction)["points"]))
    again = finding(p.data, f["place_code"], f["year"], "follow_up", f"{f['topic']}:{f['subject'] or '-'}")
    if again is not None and again["verdict"] in ("improved", "unchanged", "worse"):
        text += w("notice.history", year=evidence(again)["previous"]["year"],
                  status=w(f"writeup.suggestion_again_status.{again['verdict']}"))
    return text


def ask_text(w, settings: dict, names: dict, n_items: int, year: int) -> str:
    """What the reply must contain, in the order params.yaml lists it (一是…，二是…)."""
    ordinals = w.raw("notice.ordinals")
    contents = w("notice.contents_sep").join(
        w("notice.contents_item", ordinal=ordinals[i], text=text.format(**names))
        for i, text in enumerate(settings["reply_contents"]))
    return w("notice.ask", days=settings["reply_within_days"], contents=contents,
             issuer=settings["issuer"].format(**names), next_year=year + 1,
             check=w("notice.ask_each" if n_items > 1 else "notice.ask_once"))


def letter_of(w, settings: dict, names: dict, year: int) -> Letter:
    blank = w("notice.blank")
    contact = settings["contact"]
    copies = [text.format(**names) for text in settings["copy_to"]]
    return Letter(letterhead=settings["letterhead"].format(**names), number=settings["number"].format(**names),
                  issuer=settings["issuer"].format(**names), seal=settings["seal"].format(**names),
                  date=w("notice.date", year=year + 1),
                  contact=w("notice.contact", person=contact["person"] or blank, phone=contact["phone"] or blank),
                  copy_to=w("notice.copy_to", names=w.sep.join(copies)) if copies else "",
                  printed=w("notice.printed", office=settings["printed_by"].format(**names), year=year + 1))


def warning_notice(data: ReportData, region: str, place: str, year: int, settings: dict) -> Document | None:
    """The letter to `place`, or None when nothing it found carries a warning of the severities named."""
    signals = warned_findings(data, place, year)
    rules = [(f, rule) for f in signals for rule in rules_of(f) if rule["severity"] in settings["severities"]]
    if not rules:
        return None
    w = data.words
    p = Phraser(data, Citer())
    names = {"place": data.name(place), "region": data.name(region), "year": year, "issue_year": year + 1}
    labels = w.sep.join(dict.fromkeys(w("notice.opening_label", label=label_of(p, r)) for _, r in rules))
    items = [item_text(p, f, rule) for f, rule in rules]
    body = [w("notice.opening", year=year, labels=labels)]
    closing = [ask_text(w, settings, names, len(items), year)]
    doc = Document(w("notice.title", place=data.title_name(place), year=year),
                   [settings["recipient"].format(**names) + w("colon").strip(), *body,
                    *([w("notice.synthetic")] if is_synthetic(region) else [])],
                   {"problems": items, "suggestions": closing}, p.citer.figures, None, w.raw("writeup.sections"), w,
                   [f["finding_id"] for f in signals])
    return renumbered(doc)


def notice_docx(doc: Document, settings: dict, names: dict, year: int) -> bytes:
    from pipeline.report.official_docx import to_notice_docx

    w = doc.words
    recipient, *body = doc.preamble
    banner = body.pop() if body[-1] == w("notice.synthetic") else ""  # printed in the page header
    sources = [w("notice.source", n=f.n, label=f.label, when=f.when, text=f.text + f.unit,
                         source=f.source) for f in doc.figures if f.marked]
    if sources:
        sources[0] = w("notice.sources") + sources[0]
    return to_notice_docx(doc.title, recipient, body, doc.sections["problems"], doc.sections["suggestions"],
                          letter_of(w, settings, {**names, "year": year, "issue_year": year + 1}, year), sources,
                          zh=w.lang == "zh", banner=banner)
