"""The indicator catalog (data/reference/indicators.yaml) and header matching.

Ingest, validation, measures, charts and the blank template all read the
catalog through this module, so an indicator is described in one place only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

# libyaml when PyYAML was built with it (same documents, ~10x faster: phrases.yaml 0.47 s -> 0.05 s,
# read by every notebook kernel and the index); the pure-Python safe loader otherwise
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

KINDS = {"count", "share", "score"}
DERIVED_KINDS = KINDS | {"flag"}
DIRECTIONS = {"higher_is_better", "higher_is_worse", "neutral"}
SCORE_BASES = {"survey", "appraisal"}
FORMULA_TYPES = {"ratio", "sum", "all_greater"}
REGION_RULES = {"ratio": "ratio_of_sums", "sum": "sum", "all_greater": "recompute"}
# how an indicator (delivered, not derived) is aggregated to a region, by kind
INDICATOR_REGION_RULE = {"count": "sum", "score": "mean", "share": "not_aggregable"}
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
# Units that may trail a header in brackets, e.g. 立案数（件）, 占比(%).
UNIT_TOKENS = {"件", "人", "人次", "件次", "起", "个", "万元", "元", "千元", "亿元", "%", "分", "户", "名"}
_TRAILING_BRACKET = re.compile(r"\(([^()]*)\)$")
_PART_OF = re.compile(r"^其中[:：]?")
# Change units by kind: counts change in %, shares in percentage points, scores in points.
CHANGE_UNITS = {"count": "%", "share": "pp", "score": "points"}


@dataclass(frozen=True)
class Measure:
    """What every measure has, delivered or derived: names, unit, kind, direction, section."""

    code: str
    name_zh: str
    name_en: str
    unit: str
    kind: str
    direction: str
    group: str
    decimals: int
    region_rule: str
    goalposts: tuple[float, float] | None
    # scores only: how the score is gathered, survey (a sample of the public or cadres answers) or appraisal
    # (an assessment by a body); the suggestion answering a fall depends on it
    basis: str | None = None

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh

    @property
    def change_unit(self) -> str | None:
        return CHANGE_UNITS.get(self.kind)


# Limits no delivery may break at any level: a negative count, a share above
# 100 % or a score above 100 is an error whatever the place.
HARD_LIMITS = {"count": (0.0, None), "share": (0.0, 100.0), "score": (0.0, 100.0)}


@dataclass(frozen=True)
class Level:
    """A level of place that reports (county, prefecture, province) and how far its counts reach."""

    code: str
    name_zh: str
    name_en: str
    scale: float  # a count's plausible maximum is the county maximum x scale


@dataclass(frozen=True)
class Indicator(Measure):
    integer: bool = False
    minimum: float = 0.0  # plausible range of a county (县级)
    maximum: float = 0.0
    required: bool = False
    aliases: tuple[str, ...] = ()
    notes: str = ""
    origin: str = "indicator"
    # plausible ranges set for other levels, overriding the scaled county range
    level_ranges: tuple[tuple[str, float, float], ...] = ()

    def plausible_range(self, level: Level) -> tuple[float, float]:
        """The range accepted for a place of `level`: its own, else the county range with counts scaled."""
        for code, lo, hi in self.level_ranges:
            if code == level.code:
                return lo, hi
        if self.kind == "count":
            return self.minimum, self.maximum * level.scale
        return self.minimum, self.maximum

    @property
    def hard_limits(self) -> tuple[float, float | None]:
        return HARD_LIMITS[self.kind]

    @property
    def header(self) -> str:
        """Header as printed in the blank template: Chinese name with its unit."""
        return f"{self.name_zh}（{self.unit}）"


@dataclass(frozen=True)
class KeyColumn:
    code: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class DerivedMeasure(Measure):
    formula_type: str = "ratio"
    # ratio: (numerator, denominator); sum: the inputs; all_greater: a, b, a, b, ... of the pairs
    operands: tuple[str, ...] = ()
    # a delivered indicator reports show instead when this measure cannot be computed
    reported_as: str | None = None
    origin: str = "derived"

    @property
    def inputs(self) -> tuple[str, ...]:
        """The measures this one is computed from, each once, in formula order."""
        return tuple(dict.fromkeys(self.operands))

    @property
    def pairs(self) -> list[tuple[str, str]]:
        return list(zip(self.operands[::2], self.operands[1::2], strict=True))

    @property
    def numerator(self) -> str:
        return self.operands[0]

    @property
    def denominator(self) -> str:
        return self.operands[1]


@dataclass(frozen=True)
class Group:
    code: str
    name_zh: str
    name_en: str

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh


@dataclass
class Catalog:
    indicators: list[Indicator]
    keys: dict[str, KeyColumn]
    derived: list[DerivedMeasure] = field(default_factory=list)
    groups: dict[str, Group] = field(default_factory=dict)
    change_decimals: int = 1
    rate_decimals: int = 2
    # headers of columns official tables carry that are not data (序号, 备注...), normalised
    ignored_headers: frozenset[str] = frozenset()
    levels: dict[str, Level] = field(default_factory=dict)
    _by_alias: dict[str, str] = field(default_factory=dict, repr=False)
    _by_code: dict[str, Measure] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for code, aliases in self._alias_sources():
            for alias in aliases:
                norm = normalize_header(alias)
                other = self._by_alias.get(norm)
                if other is not None and other != code:
                    raise ValueError(f"catalog alias {alias!r} is claimed by both {other} and {code}")
                self._by_alias[norm] = code
        for m in [*self.indicators, *self.derived]:
            if m.code in self._by_code:
                raise ValueError(f"catalog code {m.code!r} is defined twice")
            self._by_code[m.code] = m

    def _alias_sources(self):
        for key in self.keys.values():
            yield key.code, (key.name_zh, key.code, *key.aliases)
        for ind in self.indicators:
            yield ind.code, (ind.name_zh, ind.code, ind.header, *ind.aliases)

    @property
    def codes(self) -> list[str]:
        """Codes of the delivered indicators, in catalog order."""
        return [ind.code for ind in self.indicators]

    @property
    def measures(self) -> list[Measure]:
        """Every indicator and derived measure, in catalog order."""
        return [*self.indicators, *self.derived]

    def __getitem__(self, code: str) -> Indicator:
        m = self._by_code.get(code)
        if not isinstance(m, Indicator):
            raise KeyError(code)
        return m

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def measure(self, code: str) -> Measure:
        """An indicator or a derived measure by code."""
        return self._by_code[code]

    def name(self, code: str, lang: str = "zh") -> str:
        return self._by_code[code].name(lang)

    def in_group(self, group: str) -> list[Measure]:
        """The measures of one report section, in catalog order."""
        return [m for m in self.measures if m.group == group]

    def shares_of(self, total: str) -> list[str]:
        """The share measures of a whole (ratio measures over `total`), in catalog order: the four forms' shares."""
        return [d.code for d in self.derived if d.formula_type == "ratio" and d.denominator == total]

    def shown_as(self, code: str, has_value) -> str:
        """The measure a report shows for `code`: a derived total without a value gives way to the delivered
        total its `reported_as` names, when that has one (`has_value(code) -> bool`)."""
        fallback = getattr(self._by_code[code], "reported_as", None)
        return fallback if fallback and not has_value(code) and has_value(fallback) else code

    def raw_inputs(self, code: str) -> list[str]:
        """Delivered indicators a measure is computed from, following derived inputs down."""
        m = self._by_code[code]
        if not isinstance(m, DerivedMeasure):
            return [code]
        out: list[str] = []
        for c in m.inputs:
            out += [x for x in self.raw_inputs(c) if x not in out]
        return out

    def formula_text(self, code: str, lang: str = "zh") -> str:
        """The formula of a derived measure in words, built from the definition itself."""
        m = self._by_code[code]
        if not isinstance(m, DerivedMeasure):
            return m.name(lang)
        n = {c: self.name(c, lang) for c in m.inputs}
        if m.formula_type == "ratio":
            return f"{n[m.numerator]} ÷ {n[m.denominator]} × 100"
        if m.formula_type == "sum":
            return (" + ".join(n[c] for c in m.inputs)
                    + ("（各项均有数值时才计算）" if lang == "zh" else " (only when every part has a value)"))
        pairs = ("，" if lang == "zh" else ", ").join(f"{n[a]} > {n[b]}" for a, b in m.pairs)
        return pairs + ("（均成立为“是”）" if lang == "zh" else " (all hold: yes)")

    def inputs_text(self, code: str, lang: str = "zh") -> str:
        """The delivered measures a derived measure is computed from, named (立案数、新发生案件数)."""
        m = self._by_code[code]
        names = [self.name(c, lang) for c in getattr(m, "inputs", [code])]
        return ("、" if lang == "zh" else ", ").join(names)

    def region_rule_text(self, code: str, lang: str = "zh") -> str:
        """How the region figure of a measure is formed, in words."""
        rule = self._by_code[code].region_rule
        zh = {"sum": "各县区之和", "mean": "各县区平均",
              "ratio_of_sums": "分子、分母均为同一批县区之和后相除",
              "recompute": "按各县区之和重新判断", "not_aggregable": "不汇总"}
        en = {"sum": "sum of the counties", "mean": "mean of the counties",
              "ratio_of_sums": "numerator and denominator summed over the same counties",
              "recompute": "judged on the sums of the counties", "not_aggregable": "not aggregated"}
        return (en if lang == "en" else zh)[rule]

    def check_codes(self, codes, *, what: str, key: str, source: str = "params.yaml",
                    allowed: list[str] | None = None) -> None:
        """Refuse codes the catalog does not define, naming the key, the file and the accepted codes."""
        from pipeline.errors import ConfigError

        accepted = allowed if allowed is not None else [m.code for m in self.measures]
        unknown = [c for c in codes if c not in accepted]
        if unknown:
            raise ConfigError(source, key, f"{what}「{'、'.join(map(str, unknown))}」不在指标目录中", accepted)

    def match_header(self, header: str) -> str | None:
        """Catalog code (indicator or key column) for a header as typed, or None."""
        return self._by_alias.get(normalize_header(header))

    def suggest(self, header: str, limit: int = 3) -> list[str]:
        """Closest accepted Chinese names, to help fix an unknown header."""
        import difflib

        norm = normalize_header(header)
        names = {a: c for a, c in self._by_alias.items() if not a.isascii()}
        close = difflib.get_close_matches(norm, list(names), n=10, cutoff=0.5)
        out: list[str] = []
        for alias in close:
            code = names[alias]
            label = self.keys[code].name_zh if code in self.keys else self[code].name_zh
            if label not in out:
                out.append(label)
        return out[:limit]


def plain_number(value: float) -> str:
    """A range limit as people write it: 1000000, not 1e+06; 85.5 stays 85.5."""
    return str(int(value)) if float(value).is_integer() else f"{value:.12g}"


def normalize_header(text: str) -> str:
    """Canonical form of a header for alias matching.

    NFKC folds full-width forms (（）％１) into ASCII; whitespace, quotes and
    a trailing colon are dropped because people add them freely; a trailing
    bracket holding only a unit is dropped so `立案数（件）` equals `立案数`.
    Bracketed text that is not a unit is kept: it can change the meaning.
    """
    s = unicodedata.normalize("NFKC", str(text))
    s = re.sub(r"\s+", "", s)
    s = s.replace("“", "").replace("”", "").replace('"', "").replace("'", "")
    s = s.rstrip(":：")
    s = _PART_OF.sub("", s)
    m = _TRAILING_BRACKET.search(s)
    if m and m.group(1) in UNIT_TOKENS:
        s = s[: m.start()]
    if s.endswith("得分") and len(s) > 2:
        s = s[:-2]
    return s.lower()


def load_catalog(path: Path) -> Catalog:
    with open(path, encoding="utf-8") as fh:
        raw = yaml.load(fh, Loader=SAFE_LOADER)
    keys = {
        code: KeyColumn(code, spec["name_zh"], spec["name_en"], tuple(spec.get("aliases", [])))
        for code, spec in raw["keys"].items()
    }
    groups = {code: Group(code, g["name_zh"], g["name_en"]) for code, g in raw["groups"].items()}
    display = raw["display"]
    kind_decimals = {k: int(v) for k, v in display["decimals"].items()}
    levels = {code: Level(code, v["name_zh"], v["name_en"], float(v["scale"])) for code, v in raw["levels"].items()}
    if "county" not in levels or levels["county"].scale != 1:
        raise ValueError("catalog levels: county must be listed with scale 1 (indicator ranges are county ranges)")
    indicators = [_indicator(spec, groups, kind_decimals, levels) for spec in raw["indicators"]]
    known = {i.code for i in indicators}
    derived = []
    for spec in raw.get("derived", []):
        d = _derived(spec, groups, kind_decimals, known)
        known.add(d.code)
        derived.append(d)
    return Catalog(indicators=indicators, keys=keys, derived=derived, groups=groups,
                   change_decimals=int(display["change"]), rate_decimals=int(display["rate"]),
                   ignored_headers=frozenset(normalize_header(h) for h in raw.get("ignored_headers", [])),
                   levels=levels)


def _common(spec: dict, groups: dict, kind_decimals: dict, kinds: set[str]) -> dict:
    code = spec["code"]
    if not CODE_PATTERN.match(code):
        raise ValueError(f"catalog code {code!r} must be snake_case ASCII")
    if spec["kind"] not in kinds:
        raise ValueError(f"catalog {code}: kind must be one of {sorted(kinds)}")
    if spec["direction"] not in DIRECTIONS:
        raise ValueError(f"catalog {code}: direction must be one of {sorted(DIRECTIONS)}")
    if spec["group"] not in groups:
        raise ValueError(f"catalog {code}: group must be one of {sorted(groups)}")
    if spec.get("basis") is not None and (spec["kind"] != "score" or spec["basis"] not in SCORE_BASES):
        raise ValueError(f"catalog {code}: basis is for scores only and must be one of {sorted(SCORE_BASES)}")
    integer = bool(spec.get("integer", spec["kind"] in ("count", "flag")))
    default = kind_decimals[spec["kind"]] if integer or spec["kind"] != "count" else 2
    posts = spec.get("goalposts")
    return dict(code=code, name_zh=spec["name_zh"], name_en=spec["name_en"], unit=str(spec["unit"]),
                kind=spec["kind"], direction=spec["direction"], group=spec["group"],
                decimals=int(spec.get("decimals", default)),
                goalposts=(float(posts[0]), float(posts[1])) if posts else None, basis=spec.get("basis"))


def _indicator(spec: dict, groups: dict, kind_decimals: dict, levels: dict[str, Level]) -> Indicator:
    lo, hi = spec["range"]
    common = _common(spec, groups, kind_decimals, KINDS)
    ranges = spec.get("ranges", {}) or {}
    unknown = sorted(set(ranges) - set(levels))
    if unknown:
        raise ValueError(f"catalog {spec['code']}: ranges for unknown levels {unknown}; levels are {sorted(levels)}")
    hard_lo, hard_hi = HARD_LIMITS[spec["kind"]]
    for level, (a, b) in [("county", (lo, hi)), *ranges.items()]:
        if a > b or a < hard_lo or (hard_hi is not None and b > hard_hi):
            raise ValueError(f"catalog {spec['code']}: range {level} [{a}, {b}] must be ordered and within "
                             f"the hard limits [{hard_lo}, {hard_hi}] of a {spec['kind']}")
    return Indicator(**common, region_rule=INDICATOR_REGION_RULE[spec["kind"]],
                     integer=bool(spec.get("integer", False)), minimum=float(lo), maximum=float(hi),
                     required=bool(spec.get("required", False)), aliases=tuple(spec.get("aliases", [])),
                     notes=spec.get("notes", ""),
                     level_ranges=tuple((k, float(a), float(b)) for k, (a, b) in ranges.items()))


def _derived(spec: dict, groups: dict, kind_decimals: dict, known: set[str]) -> DerivedMeasure:
    code, formula = spec["code"], spec["formula"]
    ftype = formula["type"]
    if ftype not in FORMULA_TYPES:
        raise ValueError(f"catalog {code}: formula type must be one of {sorted(FORMULA_TYPES)}")
    if ftype == "ratio":
        operands = (formula["numerator"], formula["denominator"])
    elif ftype == "sum":
        operands = tuple(formula["inputs"])
    else:
        operands = tuple(c for pair in formula["pairs"] for c in pair)
    unknown = [c for c in operands if c not in known]
    if unknown:
        raise ValueError(f"catalog {code}: inputs {unknown} must be indicators or derived measures defined above it")
    if spec["region"] != REGION_RULES[ftype]:
        raise ValueError(f"catalog {code}: a {ftype} aggregates to the region by {REGION_RULES[ftype]!r}")
    if spec.get("reported_as") and spec["reported_as"] not in known:
        raise ValueError(f"catalog {code}: reported_as must name an indicator")
    return DerivedMeasure(**_common(spec, groups, kind_decimals, DERIVED_KINDS), region_rule=spec["region"],
                          formula_type=ftype, operands=operands, reported_as=spec.get("reported_as"))


def headers_markdown(catalog: Catalog) -> str:
    """The accepted-headers table of docs/headers.md, generated so it cannot drift."""
    lines = [
        "| 列 (code) | 中文表头 | English | 单位 | 必填 | 范围（县级） | 也接受的表头 |",
        "|---|---|---|---|---|---|---|",
    ]
    for key in catalog.keys.values():
        others = [a for a in key.aliases if a != key.name_zh]
        need = "是" if key.code == "county_code" else "否"
        lines.append(f"| `{key.code}` | {key.name_zh} | {key.name_en} | | {need} | | {'、'.join(others)} |")
    for ind in catalog.indicators:
        others = [a for a in ind.aliases if a not in (ind.name_zh, ind.code)]
        lines.append(
            f"| `{ind.code}` | {ind.header} | {ind.name_en} | {ind.unit} | {'是' if ind.required else '否'} "
            f"| {plain_number(ind.minimum)}–{plain_number(ind.maximum)} | {'、'.join(others)} |"
        )
    return "\n".join(lines)


def main() -> None:
    from pipeline.config import Paths, project_root

    print(headers_markdown(load_catalog(Paths(project_root()).catalog)))


if __name__ == "__main__":
    main()
