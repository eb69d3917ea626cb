"""What every notebook section shares: the Section a cell shows, display, and the selections they make.

Sections select mart rows and findings and phrase them with the words of the
report's language; judgements (rising, better, stable, holds, contained) are
findings, phrased by pipeline.report.phrasing, never decided here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from pipeline.config import find_root
from pipeline.periods import FULL_YEAR
from pipeline.report import charts
from pipeline.report.data import ReportData, is_synthetic, load_report_data
from pipeline.report.fmt import missing, published_source
from pipeline.report.phrasing import Phraser, evidence, finding, findings_of
from pipeline.report.sentences import sentence, stated_ids
from pipeline.report.warning_words import condition_op, evidence_values


@dataclass
class Section:
    parts: list[object] = field(default_factory=list)  # str (Markdown), Figure or DataFrame
    finding_ids: list[str] = field(default_factory=list)  # the findings this section phrases

    def add(self, *parts: object) -> Section:
        self.parts += [p for p in parts if p is not None and not (isinstance(p, str) and p == "")]
        return self

    def extend(self, other: Section) -> Section:
        """Append another section's parts and the findings it states."""
        self.parts += other.parts
        self.finding_ids += other.finding_ids
        return self

    def state(self, p: Phraser, f, bold: bool = False) -> Section:
        """Add the sentence of a finding and remember its id."""
        if f is None:
            return self
        self.finding_ids += stated_ids(f)
        text = sentence(p, f)
        return self.add(f"**{text}**" if bold else text)


def open_report(root: Path | None = None, language: str | None = None, region: str | None = None,
                through: int | None = None) -> ReportData:
    """Load the marts (only `region`'s rows and years up to `through` when given: a kernel's memory stays flat
    as the country grows, and a report states nothing of a later year) and set the chart and table style: the
    first call of every notebook."""
    charts.use_report_style()
    pd.set_option("display.max_colwidth", None)  # source cells must be read in full
    return load_report_data(root or find_root(), language, region=region, through=through)


class PlaceNotInData(LookupError):
    """A notebook asked for a place the marts do not hold (a template's default county on one's own data)."""


def require_place(data: ReportData, region: str, county: str | None = None) -> None:
    """Stop a notebook at its first cell, listing the places that exist, when its parameters name none of them.

    Run by hand on one's own data, the templates' defaults (the demo's 990100
    and 990101) would otherwise render empty pages without saying why.
    """
    regions = data.places_held()
    if region in regions and (county is None or county in regions[region]):
        return
    asked = f"{region}" + (f" / {county}" if county else "")
    known = "；".join(f"{_named(data, r)}：" + "、".join(_named(data, c) for c in sorted(codes))
                     for r, codes in regions.items())
    raise PlaceNotInData(f"数据中没有 {asked}。数据中的地区和县区为——{known or '（无：请先运行 make report）'}。"
                         "请把第一个单元格的 region、county 改为其中之一再运行。")


def _named(data: ReportData, code: str) -> str:
    return f"{data.name(code)}（{code}）" if code in data.divisions.index else code


def show(section: Section) -> None:
    """Display a section: Markdown for text, PNG for figures (described by their titles), HTML tables for
    frames."""
    from IPython.display import Image, Markdown, display

    for part in section.parts:
        if isinstance(part, str):
            display(Markdown(part))
        elif isinstance(part, Figure):
            display(Image(data=charts.chart_png(part), format="png", alt=charts.chart_title(part)))
        else:
            display(part)


# ---------------------------------------------------------------- findings


def findings_where(data: ReportData, place: str, year: int, topics: tuple[str, ...],
                   period: str | None = FULL_YEAR) -> list[pd.Series]:
    rows = findings_of(data, place, year, period)
    # the topics' rows picked before they are made Series: a place-year has ~30 findings and a Series is costly
    return [r for _, r in rows[rows["topic"].isin(topics)].iterrows()] if len(rows) else []


def measure_finding(data: ReportData, place: str, year: int, measure: str) -> pd.Series | None:
    """What the findings say of a measure this year: its trend, else that it is missing (own or region-wide)."""
    f = finding(data, place, year, "trend", measure)
    if f is not None:
        return f
    for topic in ("missing_data", "region_missing", "no_data"):
        for r in findings_where(data, place, year, (topic,)):
            if topic == "no_data" or any(i["measure"] == measure for i in evidence(r)["items"]):
                return r
    return None


def printed_shares(data: ReportData, place: str, year: int, period: str = FULL_YEAR) -> dict[str, str]:
    """The four forms' shares of a place-year as its finding printed them (adding up to 100.0)."""
    f = finding(data, place, year, "four_forms_shape", period=period)
    if f is None or f["verdict"] == "total_only":
        return {}
    ev = evidence(f)
    return {code: ev["figures"][code]["text"] + "%" for code in ev["shares"]}


def four_forms_rows(data: ReportData, place: str, region: str, year: int) -> tuple[pd.DataFrame, str | None]:
    """The four forms' table the presentation stage made for a place (or region), as the comparison chart
    draws it: who (the place, its region, the nation of the year compared), each share's value and printed
    text; and the nation's source in the report's language (None without a national row)."""
    w = data.words
    texts, values = data.table(place, year, "four_forms"), data.table(place, year, "four_forms", "value")
    rows, source = [], None
    for key in texts.index:
        if key.startswith("nation:"):
            who = w("notebook.who.nation", year=int(key.split(":")[1]))
            source = w("notebook.national_source", source=published_source(w, texts.loc[key, "source"]))
        elif key == region:
            who = w("notebook.who.region", name=data.name(region), **data.level_words(region, region))
        elif key == place:
            who = w("notebook.who.county", name=data.name(place))
        else:
            who = data.label(key)
        shares = [c for c in texts.columns if c != "source"]
        rows.append({"who": who, **{m: values.loc[key, m] for m in shares},
                     **{f"{m}_text": texts.loc[key, m] for m in shares}})
    return pd.DataFrame(rows), source


# ---------------------------------------------------------------- shared phrasing of mart rows


def synthetic(data: ReportData, region: str) -> str | None:
    return f"⚠ {data.words('synthetic_note')}" if is_synthetic(region) else None


def heading(data: ReportData, key: str, **values) -> str:
    return data.words(f"notebook.headings.{key}", **values)


def gaps_text(data: ReportData, series: pd.DataFrame, label: str) -> str | None:
    """The years of a series (ReportData.series) that print no figure, and why (not delivered, blank cell...);
    None when every year prints one."""
    w = data.words
    parts = [w("notebook.gap_item", year=int(y), status=w(f"status.{s}"))
             for y, t, s in zip(series["year"], series["text"], series["status"], strict=True) if t is None]
    return w("notebook.gaps", label=label, parts=w.sep.join(parts)) if parts else None


def yes_no(data: ReportData, flag: float) -> str:
    w = data.words
    return w("none_mark") if missing(flag) else (w("word_yes") if flag == 1 else w("word_no"))


def printed_cell(data: ReportData, text: str | None) -> str:
    """A presentation cell as a table prints it: its text, or the none mark where it prints nothing."""
    return data.words("none_mark") if text is None else text


def printed_value(data: ReportData, text: str | None, approximate: object) -> str:
    """A figure as printed, marked approximate (约) when it was delivered as one."""
    if text is None:
        return data.words("none_mark")
    return data.words("finding.approx", text=text) if approximate is True else text


def change_cell(data: ReportData, change: str | None, unit: str | None) -> str:
    """A printed change with its unit (+2.1个百分点, -3.5%); the none mark where there is none."""
    return data.words("none_mark") if change is None else change + data.words("units.change." + (unit or "none"))


def forms(data: ReportData) -> tuple[list[str], list[str], list[str]]:
    """The four forms' person-time indicators, their share measures and their names as a chart's legend gives
    them, from the catalog: the form without the unit it is counted in (第一种形态, not 第一种形态人次), since the
    legend serves panels of person-times and of shares alike, and each axis names its own unit."""
    cat, total = data.catalog, data.catalog.measure("four_forms_sum")
    legend = [cat.name(c, data.lang).removesuffix(cat.measure(c).unit) for c in total.inputs]
    return list(total.inputs), cat.shares_of(total.code), legend


def warning_evidence(data: ReportData, r, printed: pd.Series) -> str:
    """A warning's evidence in words (the table of warnings), from the structured columns of the warnings mart
    and its figures as the presentation stage printed them (`printed`: the table's row of the warning)."""
    w, cat = data.words, data.catalog
    name, unit = cat.name(r.measure, data.lang), w.raw("units.measure")[cat.measure(r.measure).unit]
    years, values = list(r.evidence_years), evidence_values(w, printed["values"])
    op = condition_op(w, r.op, r.threshold) if isinstance(r.op, str) else ""
    threshold = printed_cell(data, printed["threshold"])
    if r.rule_type == "change":
        return w("notebook.warning.change", name=name, y0=years[0], v0=values[0], y1=years[-1], v1=values[-1],
                 unit=unit, verb=w("verbs.up" if r.change > 0 else "verbs.down"),
                 size=printed_cell(data, printed["change"]), change_unit=w("units.change." + str(r.change_unit)),
                 op=op, threshold=threshold)
    if r.rule_type == "run":
        items = w.sep.join(w("notebook.warning.run_item", year=y, value=v, unit=unit)
                           for y, v in zip(years, values, strict=True))
        return w("notebook.warning.run", name=name, items=items)
    if cat.measure(r.measure).kind == "flag":
        return w("notebook.warning.flag", name=name, year=years[-1], value=yes_no(data, r.value))
    return w("notebook.warning.level", name=name, year=years[-1], value=printed["value"], unit=unit, op=op,
             threshold=threshold)


def warnings_table(data: ReportData, place: str, year: int, name: str, with_county: bool) -> pd.DataFrame:
    """The warnings a presentation table (`warnings` of a region, `county_warnings` of a county) lists, in its
    order, each with its rule, severity, evidence and source."""
    w = data.words
    cols = w.raw("notebook.columns")
    rows = data.listed_warnings(place, year, name)
    printed = data.table(place, year, name, columns=["value", "values", "change", "threshold"])
    table = pd.DataFrame({
        cols["year"]: rows["year"].tolist(),
        cols["rule"]: [r.label_en if data.lang == "en" else r.label_zh for r in rows.itertuples()],
        cols["severity"]: [w(f"severity.{s}") for s in rows["severity"]],
        cols["evidence"]: [warning_evidence(data, r, p) for r, (_, p) in
                           zip(rows.itertuples(), printed.iterrows(), strict=True)],
        cols["source"]: [f"{r.source_file} {r.source_cell}" if isinstance(r.source_file, str)
                         else w("notebook.derived_from_delivery") for r in rows.itertuples()],
    })
    if with_county:
        table.insert(0, cols["county"], [data.label(c) for c in rows["county_code"]])
    return table
