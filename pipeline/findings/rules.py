"""The rules of the findings stage: topics and suggestions (data/reference/findings.yaml), verdict
settings (params.yaml `findings`, `judgement`) and the report sections they judge. Checked before
anything is computed, so a bad key stops the stage naming the key and the file."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import yaml

from pipeline.catalog import Catalog
from pipeline.errors import ConfigError
from pipeline.judgement import check_bands

RULES_FILE = Path("data") / "reference" / "findings.yaml"
PHRASES_FILE = Path("data") / "reference" / "phrases.yaml"
SCOPES = ("unit", "region")
# what a suggestion map may be keyed by, besides a measure code
MEASURE_CLASSES = ("survey", "appraisal", "share", "score", "count", "flag")


DECIDERS = ("baseline", "baseline_region", "standing", "none")
PROBLEM_CLASSES = ("warning_high", "warning_medium", "warning_low", "grade_capped", "grade_low", "trend_marked",
                   "trend", "other")


@dataclass(frozen=True)
class Rules:
    topics: dict[str, dict]
    measures: dict[str, list[str]]  # topic -> the measures it is about, resolved to catalog codes
    achievement_grades: tuple[str, ...]
    problem_grades: tuple[str, ...]
    # scope -> measure code, score basis or kind -> baseline / standing / none (findings.yaml `decides`)
    decides: dict[str, dict[str, str]] = field(default_factory=dict)
    marked: dict[str, float] = field(default_factory=dict)  # kind or measure code -> a marked move's size
    tiers: dict[str, Fraction] = field(default_factory=dict)  # top / bottom: shares of the places ranked
    priority: tuple[str, ...] = PROBLEM_CLASSES
    main_problems: int = 5
    supervised: tuple[str, ...] = ()

    def decider(self, scope: str, measure) -> str:
        """Which comparison decides a measure (a catalog Measure) in a report of `scope`."""
        table = self.decides.get(scope, {})
        for key in (measure.code, measure.basis, measure.kind):
            if key and key in table:
                return table[key]
        return "baseline"

    def marked_for(self, measure) -> float:
        """The size beyond which a move of this measure is marked (明显), in its change's unit."""
        return float(self.marked.get(measure.code, self.marked.get(measure.kind, float("inf"))))

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
        document = yaml.load(fh, Loader=loader)
    topics = document["topics"]
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
    decides = _decides(document.get("decides"), catalog, source)
    grades = params["evaluation"]["grades"]["labels"]
    for side in ("achievement", "problem"):
        unknown = [g for g in f["grades"][side] if g not in grades]
        if unknown:
            raise ConfigError("params.yaml", f"findings.grades.{side}", f"等次「{'、'.join(unknown)}」不在"
                              "evaluation.grades.labels 中", list(grades))
    priority = _priority(f.get("priority"))
    return Rules(topics, lists, tuple(f["grades"]["achievement"]), tuple(f["grades"]["problem"]), decides,
                 check_bands(f.get("marked"), "findings.marked", catalog), _tiers(f.get("tiers")),
                 tuple(priority["order"]), int(priority["main_problems"]), tuple(priority["supervised"]))


def _decides(spec: object, catalog: Catalog, source: str) -> dict[str, dict[str, str]]:
    """`decides` of findings.yaml: per scope, a measure code, score basis or kind -> a decider."""
    if not isinstance(spec, dict):
        raise ConfigError(source, "decides", "缺少设置：应按范围（unit、region）给出各类指标由哪种比较决定结论", list(SCOPES))
    out: dict[str, dict[str, str]] = {}
    for scope, table in spec.items():
        if scope not in SCOPES or not isinstance(table, dict):
            raise ConfigError(source, f"decides.{scope}", f"范围「{scope}」无效", list(SCOPES))
        for key, decider in table.items():
            if key not in catalog and key not in MEASURE_CLASSES:
                raise ConfigError(source, f"decides.{scope}.{key}", f"「{key}」既不是指标代码，也不是指标类别",
                                  list(MEASURE_CLASSES))
            if decider not in DECIDERS:
                raise ConfigError(source, f"decides.{scope}.{key}", f"「{decider}」无效", list(DECIDERS))
        out[scope] = {str(k): str(v) for k, v in table.items()}
    return out


def _tiers(spec: object) -> dict[str, Fraction]:
    """findings.tiers: the top and bottom shares of a region's places, each in (0, 1/2]."""
    if not isinstance(spec, dict):
        raise ConfigError("params.yaml", "findings.tiers", "缺少设置", ["top", "bottom"])
    out = {}
    for side in ("top", "bottom"):
        try:
            value = Fraction(str(spec[side]))
        except (KeyError, ValueError, ZeroDivisionError):
            raise ConfigError("params.yaml", f"findings.tiers.{side}", f"「{spec.get(side)}」无效：应为 0 到 1/2 之间的"
                              "比例，如 1/3") from None
        if not 0 < value <= Fraction(1, 2):
            raise ConfigError("params.yaml", f"findings.tiers.{side}", f"「{spec[side]}」无效：应为 0 到 1/2 之间的比例，如 1/3")
        out[side] = value
    return out


def _priority(spec: object) -> dict:
    """findings.priority: the problem classes in order (each known, all of them), how many are main problems,
    and the classes followed personally (重点督办)."""
    if not isinstance(spec, dict):
        raise ConfigError("params.yaml", "findings.priority", "缺少设置", ["main_problems", "order", "supervised"])
    order = list(spec.get("order") or [])
    for key in ("order", "supervised"):
        unknown = [c for c in spec.get(key) or [] if c not in PROBLEM_CLASSES]
        if unknown:
            raise ConfigError("params.yaml", f"findings.priority.{key}", f"「{'、'.join(map(str, unknown))}」不是问题类别",
                              list(PROBLEM_CLASSES))
    absent = [c for c in PROBLEM_CLASSES if c not in order]
    if absent:
        raise ConfigError("params.yaml", "findings.priority.order", f"缺少问题类别「{'、'.join(absent)}」",
                          list(PROBLEM_CLASSES))
    n = spec.get("main_problems")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ConfigError("params.yaml", "findings.priority.main_problems", f"「{n}」无效：应为不小于 1 的整数")
    return {"order": order, "main_problems": n, "supervised": list(spec.get("supervised") or [])}


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


FOLLOW_BY = ("subject", "grade", "count", "severity")


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
