"""A finding and its evidence: what one report sentence states and the figures it rests on.

Columns of data/marts/findings.parquet:
  finding_id     place/year/period/topic/subject: stable, the key outputs cite
  scope          unit (a place reporting under a region) or region
  place_code, region_code, level (the place's level in divisions.csv),
  unit_level     (the level of the places the region compares: county, prefecture...)
  year, period   the period the statement is about (a partial period is judged within itself)
  topic          what kind of statement (data/reference/findings.yaml)
  subject        the measure, warning rule or '' the topic is about
  verdict        the outcome of the comparisons (better, worse_than_baseline, holds, unstable, ...)
  polarity       achievement, problem, attention (a material move to watch where the place stands well:
                 listed under 其他需关注的情况, never told it "有待提升") or neutral (stated, not judged)
  basis          the comparisons made, comma-separated (previous_year, baseline, region, threshold,
                 same_period, last_graded_year, region_ranking, common_places)
  severity       high / medium / low for problems a warning rule rates, else ''
  suggestion     the key of the suggestion a problem leads to ('' for any other polarity)
  approximate    a figure in the evidence was delivered as an approximation (万/千/亿)
  evidence       JSON: figures (value, as printed, source), comparisons (difference as printed,
                 unit, side), and what the topic adds (shares that add up to 100, lists of places...)
  position       order of statements within a report
  priority       a problem's rank in its report (1 = first; params.yaml findings.priority), 0 for any other
  main           one of the main problems a report states in full (the first findings.priority.main_problems)
  supervised     a main problem the commission follows personally (重点督办): a class in
                 findings.priority.supervised, or a problem the last report already named
  part_of        the id of the finding whose sentence states this one ('' when it is stated on its own):
                 a veto that capped the grade for a measure already named as a problem is said in that
                 problem's sentence, never as a second problem with a second suggestion
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

COLUMNS = ["finding_id", "scope", "place_code", "region_code", "level", "unit_level", "year", "period", "topic",
           "subject", "verdict", "polarity", "basis", "severity", "suggestion", "approximate", "evidence",
           "position", "priority", "main", "supervised", "part_of"]
POLARITIES = ("achievement", "problem", "attention", "neutral")


@dataclass
class Finding:
    scope: str
    place_code: str
    region_code: str
    level: str
    unit_level: str
    year: int
    period: str
    topic: str
    verdict: str
    polarity: str = "neutral"
    subject: str = ""
    basis: list[str] = field(default_factory=list)
    severity: str = ""
    suggestion: str = ""
    evidence: dict = field(default_factory=dict)
    priority: int = 0
    supervised: bool = False
    main: bool = False
    part_of: str = ""

    @property
    def finding_id(self) -> str:
        return f"{self.place_code}/{self.year}/{self.period}/{self.topic}/{self.subject or '-'}"

    @property
    def approximate(self) -> bool:
        figures = list(self.evidence.get("figures", {}).values())
        figures += [f for items in self.evidence.get("series", {}).values() for f in items]
        return any(f.get("approximate") for f in figures if isinstance(f, dict))


def state_within(host: Finding, part: Finding) -> None:
    """`part` is said in `host`'s sentence (its figures as a clause) and placed nowhere of its own: one problem
    and one suggestion where two would say the same thing twice. The part keeps its finding (the notice and
    next year's follow-up read it); the host lists it under evidence `within`."""
    part.part_of = host.finding_id
    host.evidence["within"] = [*host.evidence.get("within", []), part.finding_id]


def to_frame(findings: list[Finding], topic_order: list[str]) -> pd.DataFrame:
    """The findings as the mart stores them, in report order (place, year, period, topic, subject)."""
    order = {t: i for i, t in enumerate(topic_order)}
    rows = [{"finding_id": f.finding_id, "scope": f.scope, "place_code": f.place_code, "region_code": f.region_code,
             "level": f.level, "unit_level": f.unit_level, "year": int(f.year), "period": f.period, "topic": f.topic,
             "subject": f.subject, "verdict": f.verdict, "polarity": f.polarity, "basis": ",".join(f.basis),
             "severity": f.severity, "suggestion": f.suggestion if f.polarity == "problem" else "",
             "approximate": f.approximate,
             "evidence": json.dumps(f.evidence, ensure_ascii=False, sort_keys=True, default=_plain),
             "position": order[f.topic], "priority": int(f.priority), "main": bool(f.main),
             "supervised": bool(f.supervised), "part_of": f.part_of} for f in findings]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame = frame.sort_values(["region_code", "scope", "place_code", "year", "period", "position"], kind="stable")
    frame["position"] = frame.groupby(["place_code", "year", "period"]).cumcount()
    duplicated = frame["finding_id"].duplicated(keep=False)
    if duplicated.any():
        raise ValueError(f"findings with the same id: {sorted(frame.loc[duplicated, 'finding_id'])[:5]}")
    return frame.reset_index(drop=True)


def _plain(value: object) -> object:
    """numpy scalars and pandas NA as JSON."""
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON: {value!r}")


def evidence_of(row: pd.Series | dict) -> dict:
    """The evidence of a mart row, parsed."""
    return json.loads(row["evidence"])
