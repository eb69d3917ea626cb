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

KINDS = {"count", "share", "score"}
DIRECTIONS = {"higher_is_better", "higher_is_worse", "neutral"}
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
# Units that may trail a header in brackets, e.g. 立案数（件）, 占比(%).
UNIT_TOKENS = {"件", "人", "人次", "件次", "起", "个", "万元", "元", "%", "分", "户", "名"}
_TRAILING_BRACKET = re.compile(r"\(([^()]*)\)$")


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    name_en: str
    unit: str
    kind: str
    integer: bool
    minimum: float
    maximum: float
    direction: str
    required: bool
    group: str
    aliases: tuple[str, ...]
    notes: str = ""

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
class DerivedMeasure:
    code: str
    name_zh: str
    name_en: str
    unit: str
    kind: str  # share, count or flag
    direction: str
    inputs: tuple[str, ...]
    formula: str


@dataclass
class Catalog:
    indicators: list[Indicator]
    keys: dict[str, KeyColumn]
    derived: list[DerivedMeasure] = field(default_factory=list)
    _by_alias: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for code, aliases in self._alias_sources():
            for alias in aliases:
                norm = normalize_header(alias)
                other = self._by_alias.get(norm)
                if other is not None and other != code:
                    raise ValueError(f"catalog alias {alias!r} is claimed by both {other} and {code}")
                self._by_alias[norm] = code

    def _alias_sources(self):
        for key in self.keys.values():
            yield key.code, (key.name_zh, key.code, *key.aliases)
        for ind in self.indicators:
            yield ind.code, (ind.name_zh, ind.code, ind.header, *ind.aliases)

    @property
    def codes(self) -> list[str]:
        return [ind.code for ind in self.indicators]

    def __getitem__(self, code: str) -> Indicator:
        for ind in self.indicators:
            if ind.code == code:
                return ind
        raise KeyError(code)

    def measure(self, code: str) -> Indicator | DerivedMeasure:
        """An indicator or a derived measure by code."""
        for d in self.derived:
            if d.code == code:
                return d
        return self[code]

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
    m = _TRAILING_BRACKET.search(s)
    if m and m.group(1) in UNIT_TOKENS:
        s = s[: m.start()]
    return s.lower()


def load_catalog(path: Path) -> Catalog:
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    keys = {
        code: KeyColumn(code, spec["name_zh"], spec["name_en"], tuple(spec.get("aliases", [])))
        for code, spec in raw["keys"].items()
    }
    indicators = []
    for spec in raw["indicators"]:
        code = spec["code"]
        if not CODE_PATTERN.match(code):
            raise ValueError(f"catalog code {code!r} must be snake_case ASCII")
        if spec["kind"] not in KINDS:
            raise ValueError(f"catalog {code}: kind must be one of {sorted(KINDS)}")
        if spec["direction"] not in DIRECTIONS:
            raise ValueError(f"catalog {code}: direction must be one of {sorted(DIRECTIONS)}")
        lo, hi = spec["range"]
        indicators.append(
            Indicator(
                code=code,
                name_zh=spec["name_zh"],
                name_en=spec["name_en"],
                unit=str(spec["unit"]),
                kind=spec["kind"],
                integer=bool(spec.get("integer", False)),
                minimum=float(lo),
                maximum=float(hi),
                direction=spec["direction"],
                required=bool(spec.get("required", False)),
                group=spec["group"],
                aliases=tuple(spec.get("aliases", [])),
                notes=spec.get("notes", ""),
            )
        )
    derived = [
        DerivedMeasure(d["code"], d["name_zh"], d["name_en"], str(d["unit"]), d["kind"],
                       d["direction"], tuple(d["inputs"]), d["formula"])
        for d in raw.get("derived", [])
    ]
    return Catalog(indicators=indicators, keys=keys, derived=derived)


def headers_markdown(catalog: Catalog) -> str:
    """The accepted-headers table for the README, generated so it cannot drift."""
    lines = [
        "| 列 (code) | 中文表头 | English | 单位 | 必填 | 范围 | 也接受的表头 |",
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
            f"| {ind.minimum:g}–{ind.maximum:g} | {'、'.join(others)} |"
        )
    return "\n".join(lines)


def main() -> None:
    from pipeline.config import Paths, project_root

    print(headers_markdown(load_catalog(Paths(project_root()).catalog)))


if __name__ == "__main__":
    main()
