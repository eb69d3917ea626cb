"""Findings into sentences: the one place a finding's words are made, for every output.

A `Phraser` takes a row of the findings mart and returns its sentence in the
report's language, every figure as the finding printed it (approximate ones
with 约 / about), every difference as the finding computed it. With a
`Citer` each figure also carries a note to its source (the write-up); without
one the same sentence has no notes (notebooks, workbook, index). Nothing here
compares, counts or decides: the verdict, the polarity, the comparisons made
and their order are the finding's.

Topics about grades are phrased in pipeline.report.evaluation_words, warnings
in pipeline.report.warning_words; this module holds the figures, comparisons
and the measure topics; pipeline.report.sentences dispatches by topic.
"""

from __future__ import annotations

import json
import re

import pandas as pd

from pipeline.periods import FULL_YEAR
from pipeline.periods import label as period_label
from pipeline.report.data import ReportData
from pipeline.report.document import Citer, note_number, note_ref
from pipeline.report.fmt import published_source

MOVE_KEY = {"up": "up", "rising": "up", "down": "down", "falling": "down"}


def evidence(f) -> dict:
    """A finding's evidence as a dict (the mart stores JSON)."""
    ev = f["evidence"]
    return json.loads(ev) if isinstance(ev, str) else ev


class Phraser:
    """Sentences of findings in one language, figures cited when a Citer is given."""

    def __init__(self, data: ReportData, citer: Citer | None = None):
        self.data, self.w, self.cat, self.citer = data, data.words, data.catalog, citer

    # ---------------------------------------------------------------- words of places

    def places(self, f) -> dict[str, str]:
        """agg (全市 / 全省...), unit_word (县区 / 市州...) and own (本县区...) by the divisions' levels."""
        levels = self.w.raw("levels")
        div = self.data.divisions
        region_level = str(div.loc[f["region_code"], "level"]) if f["region_code"] in div.index else "prefecture"
        return {"agg": levels["aggregate"].get(region_level, levels["aggregate"]["prefecture"]),
                "unit_word": levels["unit"].get(str(f["unit_level"]), levels["unit"]["county"]),
                "own": levels["own"].get(str(f["level"]), levels["own"]["county"])}

    def period(self, year: int, period: str) -> str:
        return period_label(int(year), period, self.w.lang)

    def name(self, measure: str) -> str:
        return self.cat.name(measure, self.w.lang)

    def name_within(self, measure: str) -> str:
        """A measure's name inside an English sentence starts small ("the first form share"); Chinese as is."""
        name = self.name(measure)
        return name[:1].lower() + name[1:] if self.w.lang == "en" and name[1:2].islower() else name

    def unit(self, measure: str) -> str:
        """The unit printed after a value (件, 人次, 分); '' for shares, whose text carries %."""
        return self.w.raw("units.measure")[self.cat.measure(measure).unit]

    def change_unit(self, unit: str | None) -> str:
        return self.w("units.change." + (unit or "none"))

    # ---------------------------------------------------------------- figures and notes

    def cite(self, text: str, *, label: str, key: tuple, value: float | None, source: str, when: str = "",
             unit: str = "", note: bool = True, listed: bool = False) -> str:
        """A figure with its note (`note=False`: recorded for tracing, printed without a note; `listed`: and
        listed in the attachment with how it was computed)."""
        if self.citer is None:
            return text
        return self.citer.cite(text, label=label, key=key, value=value, source=source, when=when, unit=unit,
                               note=note, listed=listed)

    def number_text(self, fig: dict) -> str:
        text = fig["text"] + ("%" if self.cat.measure(fig["measure"]).kind == "share" else "")
        return self.w("finding.approx", text=text) if fig.get("approximate") else text

    def figure(self, f, fig: dict) -> str:
        """A figure of the evidence as printed, with its note (without a Citer, the text alone: its label and
        source, which look cells up in the marts, are made only for a document that cites them)."""
        if self.citer is None:
            return self.number_text(fig)
        pw = self.places(f)
        name, period = self.name(fig["measure"]), self.period(fig["year"], fig.get("period", FULL_YEAR))
        src = fig["source"]
        region = fig["scope"] == "region"
        when = period
        if "published" in src:  # the nation's published figure
            label = self.w("writeup.cite.nation_value", name=name)
        elif "mean_of" in src:
            when = self.span_mean(src)
            label = self.w("writeup.cite.region_value" if region else "writeup.cite.value", name=name, **pw)
        elif "common" in src:
            label = self.w("writeup.cite.common", name=name, **pw)
        elif not region and fig.get("place") not in (None, f["place_code"]):  # a place's figure in its region's report
            label = self.w("writeup.cite.place_measure", place=self.data.name(fig["place"]), name=name)
        else:
            label = self.w("writeup.cite.region_value" if region else "writeup.cite.value", name=name, **pw)
        delivered = "file" in src or "published" in src  # noted; a computed figure is listed in the attachment
        return self.cite(self.number_text(fig), label=label, value=fig["value"], source=self.source(f, fig),
                         key=self.figure_key(f, fig), when=when, unit=self.unit(fig["measure"]), note=delivered,
                         listed=not delivered)

    @staticmethod
    def figure_key(f, fig: dict) -> tuple:
        """The mart cell a figure is: the value of a measures row, a baseline mean (trend_baseline of the
        finding's year), or a figure only the finding holds (recomputed on common places)."""
        period = fig.get("period", FULL_YEAR)
        scope = "county" if fig["scope"] == "unit" else "region"
        if "published" in fig["source"]:
            return ("finding", f["finding_id"], fig["year"], period, fig["measure"], "nation_value")
        if "common" in fig["source"]:
            return ("finding", f["finding_id"], fig["year"], period, fig["measure"], "common_value")
        if "mean_of" in fig["source"]:
            return (scope, fig["place"], f["year"], period, fig["measure"], "trend_baseline")
        return (scope, fig["place"], fig["year"], period, fig["measure"], "value")

    def source(self, f, fig: dict) -> str:
        text = self._source(f, fig)
        if fig.get("rounding") == "largest_remainder":  # one of the shares of a whole, printed to add up to 100
            text += self.w("writeup.source.largest_remainder")
        return text

    def _source(self, f, fig: dict) -> str:
        src, w, pw = fig["source"], self.w, self.places(f)
        period = self.period(fig["year"], fig.get("period", FULL_YEAR))
        if "published" in src:
            return published_source(w, src["published"])
        if "file" in src:  # the delivery as its sender knows it: region, period, row and column, never a path
            folder = re.search(r"raw/([0-9A-Za-z_-]+)/", str(src["file"]))
            region = folder.group(1) if folder else f["region_code"]
            return w("writeup.source.cell", region=self.data.name(region), period=period, row=src["row"],
                     column=re.sub(r"\d+$", "", str(src["cell"]).rpartition("!")[2]))
        if "mean_of" in src:
            if src.get("missing"):
                return w("writeup.source.mean_gaps", years=self.year_list(src["years"]),
                         missing=self.year_list(src["missing"]))
            return w("writeup.source.mean", first=src["mean_of"][0], last=src["mean_of"][1])
        rule = self.cat.region_rule_text(fig["measure"], w.lang)
        if "common" in src:
            return w("writeup.source.common", rule=rule, n=src["places"], **pw)
        if "rule" in src:
            return w("writeup.source.region", rule=rule, n=src["places"], **pw)
        inputs = self.cat.inputs_text(fig["measure"], w.lang)
        cells = self.input_cells(fig)
        if cells:
            return w("writeup.source.derived_cells", formula=self.cat.formula_text(fig["measure"], w.lang), **cells)
        return w("writeup.source.derived", inputs=inputs, place=self.data.name(fig["place"]), period=period)

    def input_cells(self, fig: dict) -> dict | None:
        """The cells a derived figure of a place is computed from, when they are one row of one delivery
        (第6行E、D列 of 东川市2024年报送表), as the findings stage found them: the reader finds 131 and 391 behind
        33.5%."""
        found = fig.get("source", {}).get("inputs") if fig["scope"] == "unit" else None
        if not found:
            return None
        period = fig.get("period", FULL_YEAR)
        letters = {re.sub(r"\d+$", "", c.rpartition("!")[2]) for c in found["cells"]}
        cells = column_span(sorted(letters, key=lambda c: (len(c), c)), self.w.sep)  # D、E; H—K
        folder = re.search(r"raw/([0-9A-Za-z_-]+)/", found["file"])
        region = folder.group(1) if folder else fig["place"]
        return {"region": self.data.name(region) if region in self.data.divisions.index else region,
                "period": self.period(fig["year"], period), "row": int(found["row"]), "columns": cells}

    def span_mean(self, src: dict) -> str:
        """The years a baseline mean is of: "2015—2017年平均", or the years themselves when one in the span has
        no figure ("2015、2016、2018年平均"; the comparison then says which is missing)."""
        if src.get("missing"):
            return self.w("finding.span_mean_gaps", years=self.year_list(src["years"]))
        return self.w("finding.span_mean", first=src["mean_of"][0], last=src["mean_of"][1])

    def year_list(self, years: list[int]) -> str:
        return self.w.sep.join(str(y) for y in years)

    def cited_count(self, f, n: int, what: str, **values) -> str:
        """A count the finding made (places, warnings), cited as such; `what` keys finding.count_label."""
        label = self.w(f"finding.count_label.{what}", **self.places(f), **values)
        return self.cite(str(int(n)), label=self.w("writeup.cite.count", what=label, year=f["year"]),
                         key=("finding", f["finding_id"], f["year"], f["period"], what, json.dumps(values)), value=n,
                         source=self.w("writeup.source.count"), note=False)

    def difference(self, f, comp: dict, a: str, b: str, measure: str) -> str:
        """A comparison's difference as printed, cited as derived from the two figures' notes."""
        text = comp["text"] + ("%" if comp["unit"] == "%" else "")
        na, nb = note_number(a), note_number(b)
        key = "writeup.source.change_count" if comp["unit"] == "%" else "writeup.source.change_level"
        source = self.w(key, a=note_ref(na), b=note_ref(nb)) if na and nb else ""
        label = self.w(f"writeup.cite.{comp['basis']}", name=self.name(measure), year=f["year"], **self.places(f))
        scope = "county" if f["scope"] == "unit" else "region"
        key = ((scope, f["place_code"], f["year"], f["period"], measure, MART_FIELDS[comp["basis"]])
               if not comp.get("common_places") else
               ("finding", f["finding_id"], f["year"], f["period"], measure, "common_change"))
        return self.cite(text, label=label, key=key, value=abs(comp["difference"]), source=source, note=False)

    # ---------------------------------------------------------------- comparisons

    def comparison(self, f, comp: dict, figures: dict, measure: str) -> str:
        """比上年（32.6%）上升0.4个百分点 / 高于全市（27.9%）5.1个百分点 ..."""
        against_fig = figures[comp["against"]]
        against = self.figure(f, against_fig)
        move = MOVE_KEY.get(comp["move"], "flat")
        if move == "flat":
            move = "same" if not comp["difference"] else "flat"
        if comp["difference"] is None:
            move = "from_zero"
        diff = "" if move in ("same", "from_zero") else self.difference(f, comp, self._current(f, figures), against,
                                                                          measure)
        span = ""
        if comp["basis"] == "baseline":
            span = (self.span_mean(against_fig["source"]) if against_fig.get("years")
                    else self.w("finding.span_year", year=against_fig["year"]))
        basis = "region" if comp["basis"] == "region" else comp["basis"]
        if basis == "previous_year" and f["period"] != FULL_YEAR:
            basis = "previous_period"  # 比上年同期: a partial period against the same period of last year
        text = self.w(f"finding.compare.{basis}.{move}", against=against, unit=self.unit(measure), diff=diff,
                      change_unit=self.change_unit(comp["unit"]), span=span, **self.places(f))
        if comp["basis"] == "baseline" and against_fig["source"].get("missing"):
            text += self.w("finding.baseline_gaps", missing=self.year_list(against_fig["source"]["missing"]))
        if comp.get("common_places"):
            years = [figures["common_previous"]["year"], figures["common_current"]["year"]]
            text = self.w("finding.compare.common", first=years[0], last=years[1],
                          n=self.cited_count(f, comp["common_places"], "common"),
                          cur=self._current(f, figures), unit=self.unit(measure), **self.places(f)) + text
        return text

    def _current(self, f, figures: dict) -> str:
        return self.figure(f, figures.get("common_current", figures["current"]))


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_span(columns: list[str], sep: str) -> str:
    """Sheet columns as a reader writes them: D、E for two, H—K for a run of three or more."""
    runs: list[list[str]] = []
    for c in columns:
        if runs and column_number(c) == column_number(runs[-1][-1]) + 1:
            runs[-1].append(c)
        else:
            runs.append([c])
    return sep.join(f"{r[0]}—{r[-1]}" if len(r) >= 3 else sep.join(r) for r in runs)


# ---------------------------------------------------------------- measure topics


def trend_lead(p: Phraser, f) -> str:
    """The verdict's words (腐败增量得到一定遏制, 群众评价居全市前列, …需关注): by the finding's verdict, or
    `attention` for an item to watch; none for a figure stated and not judged."""
    found = _lead_phrase(p, f)
    return p.w(found[0], name=p.name(f["subject"]), **p.places(f)) if found else ""


def lead_names_measure(p: Phraser, f) -> bool:
    """Whether the finding's lead is its measure's own (第一种形态占比明显下降, 腐败增量尚未得到有效遏制,
    {name}明显下降) rather than one its basis shares with other measures (群众评价居全市后列, said of each
    survey question)."""
    found = _lead_phrase(p, f)
    if not found:
        return False
    measure_key = found[1]
    return measure_key == f["subject"] or "{name}" in str(p.w.raw(found[0]))


def _lead_phrase(p: Phraser, f) -> tuple[str, str] | None:
    """The phrase key of the finding's lead and the catalog key it was found under (the measure's code, then
    its basis, then its kind)."""
    if f["polarity"] == "neutral":
        return None
    leads = p.w.raw("finding.trend_lead")
    m = p.cat.measure(f["subject"])
    keys = [f["verdict"]]
    if f["polarity"] == "attention":  # led by the size of its move when that is what makes it one (略有下降，需关注)
        keys = [k for k in ("worse_slight",) if f["verdict"] == k] + ["attention"]
    if f["period"] != FULL_YEAR:  # 比上年同期明显上升: a partial period's lead names what it was compared with
        keys = [f"{k}_period" for k in keys] + keys
    for key in keys:
        for measure_key in (m.code, m.basis, m.kind):
            if measure_key in leads and key in leads[measure_key]:
                return f"finding.trend_lead.{measure_key}.{key}", measure_key
    return None


def trend_sentence(p: Phraser, f) -> str:
    """新发生案件占比2017年为32.4%，比上年（32.6%）下降0.2个百分点，但比2015年（29.9%）高2.5个百分点。"""
    ev, m = evidence(f), f["subject"]
    figures = ev["figures"]
    parts = [p.w("finding.value_year", name=p.name(m), year=f["year"], cur=p.figure(f, figures["current"]),
                 unit=p.unit(m)) if f["period"] == FULL_YEAR else
             p.w("finding.value_period", name=p.name(m), period=p.period(f["year"], f["period"]),
                 cur=p.figure(f, figures["current"]), unit=p.unit(m))]
    comps = ev["comparisons"]  # in the order the finding states them (its deciding comparison first)
    first_side, turned = None, False
    for comp in comps:
        clause = p.comparison(f, comp, figures, m)
        if comp["side"] in ("better", "worse"):
            if first_side and comp["side"] != first_side and not turned:  # one 但, where the comparisons turn
                clause, turned = p.w("finding.but") + clause, True
            first_side = first_side or comp["side"]
        parts.append(clause)
        if comp["basis"] == "region" and "rank" in figures:
            parts.append(rank_clause(p, f, figures["rank"], m))
    text = trend_lead(p, f) + p.w("finding.clause_sep").join(parts)
    if f["verdict"] == "not_comparable":
        text += p.w("finding.not_comparable", **p.places(f))
    if any(c.get("approximate") for c in comps):
        text += p.w("finding.approx_change")
    return text


def rank_clause(p: Phraser, f, rank: dict, measure: str) -> str:
    order = p.w(f"finding.rank_order.{rank['order']}")
    pw = p.places(f)
    row = ("county", f["place_code"], f["year"], f["period"], measure)
    n = p.cite(str(rank["rank"]), label=p.w("writeup.cite.rank", name=p.name(measure), year=f["year"], **pw),
               key=(*row, "rank_in_region"), value=rank["rank"], source=p.w("writeup.source.rank", order=order, **pw),
               note=False)
    of = p.cite(str(rank["of"]), label=p.w("writeup.cite.ranked", name=p.name(measure), year=f["year"], **pw),
                key=(*row, "counties_ranked"), value=rank["of"], source=p.w("writeup.source.ranked", **pw), note=False)
    return p.w("finding.rank", rank=n, n=of, order=order, **pw)


def trend_suggestion_values(p: Phraser, f) -> dict:
    ev = evidence(f)
    m = f["subject"]
    period = f["period"] != FULL_YEAR  # 比上年同期: a partial period's last year is its same period
    return {"name": p.name(m), "cur": p.figure(f, ev["figures"]["current"]),
            "state": adverse_states(p, f, ev["comparisons"], period)}


MART_FIELDS = {"previous_year": "yoy_change", "baseline": "trend_change", "region": "region_gap"}


def adverse_states(p: Phraser, f, comparisons: list[dict], period: bool = False, place: str | None = None,
                   scope: str = "county") -> str:
    """The adverse comparisons of a finding with their sizes: 比基期高3.9个百分点、高于全市5.1个百分点. `place`:
    the comparisons are that place's (summed up in its region's report, or said within another finding's
    sentence), and each difference is cited to the place's cell of the `scope` measures mart (county or
    region): a figure no printed sentence of its own carries."""
    def basis(c: dict) -> str:
        return "previous_period" if period and c["basis"] == "previous_year" else c["basis"]

    def size(c: dict) -> str:
        if place is None:
            return c["text"]
        named = p.w("writeup.cite.place_measure", place=p.data.name(place), name=p.name(f["subject"]))
        return p.cite(c["text"], label=p.w(f"writeup.cite.{c['basis']}", name=named, year=f["year"], **p.places(f)),
                      key=(scope, place, f["year"], f["period"], f["subject"], MART_FIELDS[c["basis"]]),
                      value=abs(c["difference"]), source="", note=False)
    states = [p.w(f"finding.state.{basis(c)}.{MOVE_KEY[c['move']]}", diff=size(c),
                  change_unit=p.change_unit(c["unit"]), **p.places(f))
              for c in comparisons if c["side"] == "worse" and c["move"] in MOVE_KEY and c["text"]]
    return p.w.listed(states)


def work_sentence(p: Phraser, f) -> str:
    """立案数由221件上升到288件，同比上升30.3%: a count's change, stated and never judged."""
    ev = evidence(f)
    figures, shown = ev["figures"], ev["shown"]
    name = p.name(shown) + (p.w("finding.work.shown_total") if shown != f["subject"] else "")
    values = {"name": name, "unit": p.unit(shown), "year": f["year"], "prev_year": f["year"] - 1, **p.places(f)}
    cur = p.figure(f, figures["current"])
    verdict = f["verdict"]
    if verdict in ("first_year", "no_previous", "not_comparable"):
        return p.w(f"finding.work.{verdict}", cur=cur, **values)
    comp = ev["comparisons"][0]
    if "common_current" in figures:
        if comp["move"] == "flat":
            return p.w("finding.work.common_same", cur=cur, n=p.cited_count(f, comp["common_places"], "common"),
                       **values)
        prev, now = p.figure(f, figures["common_previous"]), p.figure(f, figures["common_current"])
        return p.w("finding.work.common", cur=cur, prev=prev, cur_common=now,
                   n=p.cited_count(f, comp["common_places"], "common"),
                   verb=p.w(f"verbs.{comp['move']}"), pct=p.difference(f, comp, now, prev, shown), **values)
    if comp["move"] == "flat" and figures["previous"]["text"] == figures["current"]["text"]:
        return p.w("finding.work.same", cur=cur, **values)  # last year's figure is this one: not printed twice
    prev = p.figure(f, figures["previous"])
    if comp["difference"] is None:
        return p.w("finding.work.from_zero", prev=prev, cur=cur, **values)
    if comp["move"] == "flat":
        return p.w("finding.work.flat", prev=prev, cur=cur, **values)
    text = p.w(f"finding.work.{comp['move']}", prev=prev, cur=cur, pct=p.difference(f, comp, cur, prev, shown),
               **values)
    return period_prefix(p, f) + text + (p.w("finding.approx_change") if comp.get("approximate") else "")


def period_prefix(p: Phraser, f) -> str:
    return "" if f["period"] == FULL_YEAR else p.period(f["year"], f["period"]) + p.w("colon")


def forms_sentence(p: Phraser, f) -> str:
    """The pyramid with the four shares (adding up to 100.0), or a total delivered without its parts."""
    ev = evidence(f)
    figures = ev["figures"]
    if f["verdict"] == "total_only":
        (total,) = figures.values()
        return p.w("finding.forms.total_only", period=period_prefix(p, f), total=p.figure(f, total))
    shares = {f"s{i}": p.figure(f, figures[c]) for i, c in enumerate(ev["shares"], start=1)}
    if f["period"] != FULL_YEAR:
        persons = {f"p{i}": p.figure(f, figures[c]) for i, c in enumerate(ev["parts"], start=1)}
        return p.w("finding.forms.partial", period=p.period(f["year"], f["period"]),
                   shape=p.w(f"finding.forms.shape.{f['verdict']}"), **persons, **shares)
    return p.w(f"finding.forms.{f['verdict']}", total=p.figure(f, figures["four_forms_sum"]), **shares)


def form4_sentence(p: Phraser, f) -> str:
    third, fourth = evidence(f)["figures"].values()
    return p.w("finding.forms.form4_above_form3", period=period_prefix(p, f), f3=p.figure(f, third),
               f4=p.figure(f, fourth))


def missing_items(p: Phraser, items: list[dict]) -> str:
    return p.w.sep.join(p.w("finding.missing_item", name=p.name(i["measure"]), reason=p.w(f"status.{i['status']}"))
                        for i in items)


def missing_sentence(p: Phraser, f) -> str:
    return p.w("finding.missing_data", items=missing_items(p, evidence(f)["items"]), year=f["year"])


def missing_suggestion_values(p: Phraser, f) -> dict:
    return {"names": p.w.sep.join(p.name(i["measure"]) for i in evidence(f)["items"])}


def region_missing_sentence(p: Phraser, f) -> str:
    names = p.w.sep.join(p.name(i["measure"]) for i in evidence(f)["items"])
    return p.w("finding.region_missing", names=names, year=f["year"], **p.places(f))


def no_data_sentence(p: Phraser, f) -> str:
    key = "finding.no_data_unit" if f["scope"] == "unit" else "finding.no_data_region"
    return p.w(key, year=f["year"], **p.places(f))


def partial_sentence(p: Phraser, f) -> str:
    ev = evidence(f)
    period = p.period(f["year"], ev["period"])
    if f["scope"] == "unit":
        return p.w("finding.partial_unit", period=period, **p.places(f))
    names = p.w.sep.join(p.data.name(c) for c in ev["places"])
    return p.w("finding.partial_region", period=period, n=p.cited_count(f, ev["count"], "partial", period=period),
               names=names, **p.places(f))


def level_counts(p: Phraser, f, levels: list[list], i: int, what: str) -> str:
    """"2个市州、1个县区": the finding's count of places of each level (column `i`: delivered or registered),
    each cited as the count it is."""
    units = p.w.raw("levels.unit")
    return p.w.sep.join(p.w("finding.count_of_level", n=p.cited_count(f, c[i], what, level_word=units.get(c[0], c[0])),
                            unit_word=units.get(c[0], c[0])) for c in levels if c[i])


def coverage_sentence(p: Phraser, f) -> str:
    ev = evidence(f)
    pw = p.places(f)
    if ev.get("levels"):  # places of several levels: each level counted by its own word
        key = "finding.coverage_levels_all" if f["verdict"] == "full" else "finding.coverage_levels"
        text = p.w(key, counts=level_counts(p, f, ev["levels"], 1, "coverage_level"),
                   totals=level_counts(p, f, ev["levels"], 2, "in_scope_level"), year=f["year"], **pw)
    elif f["verdict"] == "full":  # every place delivered: the count is said once ("10个县区均报送")
        return p.w("finding.coverage_all", n=p.cited_count(f, ev["count"], "coverage"), year=f["year"], **pw)
    else:
        text = p.w("finding.coverage", n=p.cited_count(f, ev["count"], "coverage"),
                   m=p.cited_count(f, ev["in_scope"], "in_scope"), year=f["year"], **pw)
    if ev["not_delivered"]:
        text += p.w("finding.coverage_missing", names=p.w.sep.join(p.data.name(c) for c in ev["not_delivered"]))
    return text


def none_found_sentence(p: Phraser, f) -> str:
    return p.w(f"finding.none_found.{f['subject']}", **p.places(f))


def units_sentence(p: Phraser, f) -> str:
    """The places whose own reports count a measure as a problem (units_rising) or ask to watch it
    (units_watched), each with its figure and what its report found adverse: 城关区（33.0%，比基期高3.9个百分点、
    高于全市5.1个百分点）."""
    ev = evidence(f)
    items = p.w.sep.join(p.w("finding.units_item", place=p.data.name(u["place"]), cur=p.figure(f, u["current"]),
                             state=adverse_states(p, f, u["comparisons"], place=u["place"]))
                         for u in ev["units"])
    name = p.name_within(f["subject"])
    return p.w(f"finding.{f['topic']}", name=name, n=p.cited_count(f, ev["count"], f["topic"], name=name),
               items=items, **p.places(f))


def units_suggestion_values(p: Phraser, f) -> dict:
    return {"units": p.w.sep.join(p.data.name(u["place"]) for u in evidence(f)["units"])}


def findings_of(data: ReportData, place: str, year: int, period: str | None = FULL_YEAR) -> pd.DataFrame:
    """The findings of one place (or region) and year, in report order; every period when `period` is None."""
    return data.findings_rows_of(place, year, period)


def within_of(data: ReportData, f) -> list[pd.Series]:
    """The findings `f`'s sentence states within it (evidence `within`), in order."""
    return [r for fid in evidence(f).get("within", []) if (r := data.finding_by_id(fid)) is not None]


def finding(data: ReportData, place: str, year: int, topic: str, subject: str = "",
            period: str = FULL_YEAR) -> pd.Series | None:
    """The finding of one place, year, period, topic and subject; None when the findings stage made none."""
    return data.finding_row(place, year, period, topic, subject)
