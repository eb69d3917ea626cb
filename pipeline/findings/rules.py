"""The rules of the findings stage: topics and suggestions (data/reference/findings.yaml), verdict
settings (params.yaml `findings`, `judgement`) and the report sections they judge. Checked before
anything is computed, so a bad key stops the stage naming the key and the file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.catalog import Catalog
from pipeline.errors import ConfigError
from pipeline.findings.schema import POLARITIES

RULES_FILE = Path("data") / "reference" / "findings.yaml"
PHRASES_FILE = Path("data") / "reference" / "phrases.yaml"
SCOPES = ("unit", "region")
# what a suggestion map may be keyed by, besides a measure code
MEASURE_CLASSES = ("survey", "appraisal", "share", "score", "count", "flag")


@dataclass(frozen=True)
class Rules:
    topics: dict[str, dict]
    measures: dict[str, list[str]]  # topic -> the measures it is about, resolved to catalog codes
    disagreement: str
    achievement_grades: tuple[str, ...]
    problem_grades: tuple[str, ...]

    @property
    def work(self) -> list[str]:
        """Measures whose change the reports state (neutral counts)."""
        return self.measures["work_change"]

    @property
    def trend(self) -> list[str]:
        """Shares and scores judged against baseline, last year and region."""
        return self.measures["trend"]

    @property
    def topic_order(self) -> list[str]:
        return list(self.topics)

    def suggestion(self, topic: str, measure=None) -> str:
        """The suggestion key a problem of `topic` (about `measure`, a catalog Measure) leads to."""
        spec = self.topics[topic].get("suggestion", "")
        if isinstance(spec, str) or measure is None:
            return spec if isinstance(spec, str) else ""
        for key in (measure.code, measure.basis, measure.kind):
            if key in spec:
                return spec[key]
        return ""


def load_rules(root: Path, params: dict, catalog: Catalog) -> Rules:
    """Rules of one run; ConfigError naming the file and key of anything undefined."""
    path = root / RULES_FILE
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: the phrase tables are large
    with open(path, encoding="utf-8") as fh:
        topics = yaml.load(fh, Loader=loader)["topics"]
    with open(root / PHRASES_FILE, encoding="utf-8") as fh:
        phrases = yaml.load(fh, Loader=loader)
    source = str(RULES_FILE)
    sections = params["report"]["sections"]
    lists: dict[str, list[str]] = {}
    for topic, spec in topics.items():
        spec = spec or {}
        topics[topic] = spec
        for scope in spec.get("scope", []):
            if scope not in SCOPES:
                raise ConfigError(source, f"topics.{topic}.scope", f"范围「{scope}」无效", list(SCOPES))
        lists[topic] = _measures(spec.get("measures", []), sections, catalog, source, topic)
        _check_follow_up(spec.get("follow_up"), catalog, source, topic)
        for key in _suggestion_keys(spec.get("suggestion"), catalog, source, topic):
            for lang, table in phrases.items():
                if key not in table["writeup"]["suggestions"]:
                    raise ConfigError(source, f"topics.{topic}.suggestion",
                                      f"建议「{key}」在 {PHRASES_FILE}（{lang}）writeup.suggestions 中没有定义",
                                      sorted(table["writeup"]["suggestions"]))
    for needed in ("work_change", "trend"):
        if needed not in topics:
            raise ConfigError(source, f"topics.{needed}", "缺少必需的主题")
    f = params["findings"]
    if f["disagreement"] not in POLARITIES:
        raise ConfigError("params.yaml", "findings.disagreement", f"「{f['disagreement']}」无效", list(POLARITIES))
    grades = params["evaluation"]["grades"]["labels"]
    for side in ("achievement", "problem"):
        unknown = [g for g in f["grades"][side] if g not in grades]
        if unknown:
            raise ConfigError("params.yaml", f"findings.grades.{side}", f"等次「{'、'.join(unknown)}」不在"
                              "evaluation.grades.labels 中", list(grades))
    return Rules(topics, lists, f["disagreement"],
                 tuple(f["grades"]["achievement"]), tuple(f["grades"]["problem"]))


def _measures(items: list[str], sections: dict, catalog: Catalog, source: str, topic: str) -> list[str]:
    out: list[str] = []
    for item in items:
        kind, _, name = str(item).partition(".")
        if kind == "sections":
            if name not in sections:
                raise ConfigError(source, f"topics.{topic}.measures", f"report.sections 中没有「{name}」",
                                  sorted(sections))
            codes = list(sections[name])
        elif kind == "group":
            codes = [m.code for m in catalog.in_group(name)]
            if not codes:
                raise ConfigError(source, f"topics.{topic}.measures", f"指标目录中没有分组「{name}」",
                                  sorted(catalog.groups))
        else:
            codes = [item]
        catalog.check_codes(codes, what="结论规则指标", key=f"topics.{topic}.measures", source=source)
        out += [c for c in codes if c not in out]
    return out


def _suggestion_keys(spec, catalog: Catalog, source: str, topic: str) -> list[str]:
    if not spec:
        return []
    if isinstance(spec, str):
        return [spec]
    for key in spec:
        if key not in catalog and key not in MEASURE_CLASSES:
            raise ConfigError(source, f"topics.{topic}.suggestion.{key}", f"「{key}」既不是指标代码，也不是指标类别",
                              list(MEASURE_CLASSES))
    return list(spec.values())


FOLLOW_BY = ("subject", "grade", "count", "severity", "probability")


def _check_follow_up(spec: dict | None, catalog: Catalog, source: str, topic: str) -> None:
    """`follow_up` of a topic: `by` and `show` name a way of following (FOLLOW_BY) or a catalog measure."""
    if not spec:
        return
    for key in ("by", "show"):
        name = spec.get(key)
        if name and name not in (*FOLLOW_BY, "warning_measure") and name not in catalog:
            raise ConfigError(source, f"topics.{topic}.follow_up.{key}", f"「{name}」既不是跟踪方式，也不是指标代码",
                              [*FOLLOW_BY, "warning_measure"])
    if spec.get("absent", "resolved") != "resolved":
        raise ConfigError(source, f"topics.{topic}.follow_up.absent", f"「{spec['absent']}」无效", ["resolved"])
