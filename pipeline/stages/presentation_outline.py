"""Each report's outline: which findings of a place-year it states, in which section and in what order.

The findings stage judges; the write-up, the notebook's write-up section and
the index's 主要问题 column all place the same findings. Each used to pick them
out of the findings mart itself (the main problems by priority, the rest to
watch, the neutral notes), so a new output had to repeat the rule. Here the
rule is applied once per place and year and kept as the presentation mart's
`outline` table: a row per finding stated, its id as the key and its section
as the text, in print order. Renderers look each id up and phrase it.

Sections, in the order a write-up prints them: `work_coverage` and
`work_change` (the work done, never judged), `achievements` and
`achievements_none` (none found beyond the band), `follow_up` (last report's
problems judged again, the count first), `problems` (the main problems, by
the findings' priority) and `problems_none`, `watch` (the other problems by
priority, then the items to watch), `notes` (what is stated but not judged),
`method` (the grade, whose evidence says how it was reached) and `partial`
(findings of a partial period: 上半年, 1-9月).

The `notice` table lists the findings a warning notice (预警提示函) to the
place states: its full-year problems rated with a severity params.yaml
report.notice.severities names; the notice and the index's link to it read
the same cells.

A period report (a year delivered only in part) has its own outline, table
`outline:<period>`: the period's `achievements`, `problems`, `watch` and
`notes`, by polarity in the mart's order (the note that the period is partial
left out: the report is about that period). The region's `period_report`
table says which period of a year gets one, and which places have findings
to state in it.
"""

from __future__ import annotations

import re

import pandas as pd

from pipeline import marts
from pipeline.periods import FULL_YEAR, sort_key

SECTIONS = ("work_coverage", "work_change", "achievements", "achievements_none", "follow_up", "problems",
            "problems_none", "watch", "notes", "method", "partial")
# topics stated in the opening paragraph of 成效 (the work done), never judged
WORK_TOPICS = ("coverage", "work_change")
# neutral topics with a section of their own (or stated with the achievements and problems)
FOLLOW_UP_TOPICS = ("follow_up_count", "follow_up")  # the count first, by the findings' order
OWN_SECTIONS = ("none_found", *FOLLOW_UP_TOPICS)


def sections_of(rows: list[dict]) -> dict[str, list[dict]]:
    """One place-year's findings (mart order, every period) placed in the write-up's sections."""
    full = [r for r in rows if r["period"] == FULL_YEAR]

    def problems(main: bool) -> list[dict]:  # by priority; equal priorities keep the mart's order
        return sorted((r for r in full if r["polarity"] == "problem" and bool(r["main"]) == main),
                      key=lambda r: r["priority"])

    def none_found(subject: str) -> list[dict]:
        return [r for r in full if r["topic"] == "none_found" and r["subject"] == subject]

    return {
        "work_coverage": [r for r in full if r["topic"] == "coverage"],
        "work_change": [r for r in full if r["topic"] == "work_change"],
        "achievements": [r for r in full if r["polarity"] == "achievement"],
        "achievements_none": none_found("achievement"),
        "follow_up": [r for r in full if r["topic"] in FOLLOW_UP_TOPICS],
        "problems": problems(True),
        "problems_none": none_found("problem"),
        "watch": problems(False) + [r for r in full if r["polarity"] == "attention"],
        "notes": [r for r in full if r["polarity"] == "neutral" and r["topic"] not in (*WORK_TOPICS, *OWN_SECTIONS)],
        "method": [r for r in full if r["topic"] == "grade"],
        "partial": [r for r in rows if r["period"] != FULL_YEAR],
    }


PERIOD_SECTIONS = {"achievement": "achievements", "problem": "problems", "attention": "watch", "neutral": "notes"}


def period_sections_of(rows: list[dict]) -> dict[str, dict[str, list[dict]]]:
    """period -> section -> the findings a period report of the place-year states (partial periods only)."""
    out: dict[str, dict[str, list[dict]]] = {}
    for r in rows:
        if r["period"] != FULL_YEAR and r["topic"] != "partial_period" and r["polarity"] in PERIOD_SECTIONS:
            sections = out.setdefault(str(r["period"]), {s: [] for s in PERIOD_SECTIONS.values()})
            sections[PERIOD_SECTIONS[r["polarity"]]].append(r)
    return out


COLUMNS = ["finding_id", "place_code", "year", "period", "topic", "subject", "polarity", "main", "priority",
           "part_of", "severity"]


def outline_cells(findings: pd.DataFrame, notice: tuple[str, ...] = ("high",)) -> list[dict]:
    """The outline of every place-year of a region's findings: a cell per finding stated (key: its id, text:
    its section), places and years in the mart's order, sections in print order. A finding stated within
    another's sentence (`part_of`: a veto said with the rise that caused it) has no place of its own.
    Table `notice`: the full-year problems a warning notice states (rated with one of the `notice`
    severities, params.yaml report.notice.severities), in report order; none: no notice goes out (the notice
    and the index's link read the same cells)."""
    if findings.empty:
        return []
    findings = findings.assign(**{c: "" for c in ("part_of", "severity") if c not in findings})
    groups: dict[tuple[str, int], list[dict]] = {}
    for values in zip(*(findings[c].tolist() for c in COLUMNS), strict=True):
        r = dict(zip(COLUMNS, values, strict=True))
        groups.setdefault((str(r["place_code"]), int(r["year"])), []).append(r)
    out = []
    for (place, year), every in groups.items():
        # a letter states each warning, even one whose finding a report says within another's sentence
        noticed = [r for r in every if r["period"] == FULL_YEAR and r["polarity"] == "problem"
                   and r["severity"] in notice]
        rows = [r for r in every if not r["part_of"]]
        placed = sections_of(rows)
        ordered = [(section, r) for section in SECTIONS for r in placed[section]]
        out += _placed(place, year, "outline", ordered)
        out += _placed(place, year, "notice", [("notice", r) for r in noticed])
        for period, sections in period_sections_of(rows).items():
            out += _placed(place, year, f"outline:{period}", [(s, r) for s, found in sections.items() for r in found])
    return out


def _placed(place: str, year: int, table: str, ordered: list[tuple[str, dict]]) -> list[dict]:
    return [{"place_code": place, "year": year, "table": table, "row": i, "key": str(r["finding_id"]),
             "column": "section", "value": None, "text": section, "cites": marts.FINDINGS}
            for i, (section, r) in enumerate(ordered)]


# a period code that may name a folder (pipeline.periods' vocabulary: Q1, H1, M1-9): nothing else becomes a path
PERIOD_CODE = re.compile(r"^[A-Z][0-9A-Z-]{0,7}$")


def period_report_cells(region: str, regional: pd.DataFrame, findings: pd.DataFrame, units: list[str]) -> list[dict]:
    """Each year the region delivered in part only: its latest period (table `period_report`, key the period)
    and the places, in the register's order, with findings of that period to state (column `places`)."""
    if regional.empty:
        return []
    delivered = regional[regional["counties_reporting"].fillna(0) > 0]
    stated = set(zip(findings["place_code"].astype(str), findings["year"].astype(int),
                     findings["period"].astype(str), strict=True)) if not findings.empty else set()
    out = []
    for year in sorted(set(delivered["year"].astype(int))):
        periods = set(delivered.loc[delivered["year"] == year, "period"].astype(str))
        if FULL_YEAR in periods:
            continue
        latest = max(periods, key=sort_key)
        if not PERIOD_CODE.match(latest):
            continue
        places = [u for u in units if (u, year, latest) in stated]
        out.append({"place_code": region, "year": year, "table": "period_report", "row": 0, "key": latest,
                    "column": "places", "value": None, "text": ",".join(places), "cites": marts.FINDINGS})
    return out
