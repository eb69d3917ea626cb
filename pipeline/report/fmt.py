"""One presentation vocabulary: words from the phrase tables, numbers rounded half up.

Every renderer (notebook sections, charts, write-up, index) takes its words
from data/reference/phrases.yaml through `Words` and its numbers through the
functions here, so a report in `report.language: en` has no Chinese words but
place names and quoted source headers, and every figure is rounded the way a
Chinese report rounds it (四舍五入, pipeline.numbers).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from pipeline.catalog import SAFE_LOADER, Catalog
from pipeline.numbers import fixed, measure_text

LANGUAGES = ("zh", "en")
PHRASES_FILE = Path("data") / "reference" / "phrases.yaml"


class Words:
    """The phrase table of one language: `words("key.sub", name=...)` fills a template."""

    def __init__(self, table: dict, lang: str):
        self.table, self.lang = table, lang

    def raw(self, key: str):
        node = self.table
        for part in key.split("."):
            node = node[part]
        return node

    def __call__(self, key: str, **values) -> str:
        return str(self.raw(key)).format(**values)

    def has(self, key: str) -> bool:
        try:
            self.raw(key)
        except KeyError:
            return False
        return True

    @property
    def sep(self) -> str:
        """Separator between items of a list in running text."""
        return self.raw("list_sep")

    def listed(self, items: list[str]) -> str:
        """Items of a list as the language writes them: 甲、乙、丙; a, b and c."""
        if len(items) < 2:
            return "".join(items)
        return self.sep.join(items[:-1]) + self.raw("list_last") + items[-1]


@cache
def _load(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=SAFE_LOADER)


def load_words(root: Path, lang: str) -> Words:
    """The phrase table for `lang`; any other language is refused with the ones available."""
    from pipeline.errors import ConfigError

    if lang not in LANGUAGES:
        raise ConfigError("params.yaml", "report.language", f"报告语言「{lang}」不可用", list(LANGUAGES))
    return Words(_load(str(root / PHRASES_FILE))[lang], lang)


def missing(x) -> bool:
    return x is None or (isinstance(x, float) and x != x) or (not isinstance(x, str) and pd.isna(x))


def is_false(flag) -> bool:
    """True only for a known False (a nullable boolean's NA is not False)."""
    return not missing(flag) and not bool(flag)


def number(value: float, decimals: int) -> str:
    """A figure with thousands separators, rounded half up; '—' when there is none."""
    return "—" if missing(value) else fixed(value, decimals, thousands=True)


def value_text(catalog: Catalog, measure: str, value: float) -> str:
    """A measure's value as printed: shares with %, counts and scores as numbers (unit said by the sentence)."""
    m = catalog.measure(measure)
    return measure_text(value, m.decimals, m.kind == "share") or "—"


def size_text(catalog: Catalog, change: float) -> str:
    """The size of a change (no sign): the sentence says up or down."""
    return fixed(abs(change), catalog.change_decimals)


def signed_change(catalog: Catalog, change: float, unit: str | None, words: Words) -> str:
    """A change for a table cell: +2.1 pp, -3.5%, +1.2 points; '—' when there is none."""
    if missing(change):
        return "—"
    text = fixed(change, catalog.change_decimals)
    sign = "+" if float(text) > 0 else ""
    return f"{sign}{text}{words('units.change.' + (unit or 'none'))}"


def rate_text(catalog: Catalog, rate: float) -> str:
    return number(rate, catalog.rate_decimals)


def percent_text(probability: float) -> str:
    """A probability as a whole percentage, rounded half up (0.365 -> 37%)."""
    return "—" if missing(probability) else fixed(100 * probability, 0) + "%"


def published_source(words: Words, source: str) -> str:
    """A published figure's source (data/reference/ccdi_national.csv) in the report's language.

    The file names each source in English with the words it quotes in
    brackets, one per figure joined by '; '. A report names each publisher
    once, with its quotations in brackets: a Chinese one names it in Chinese
    and keeps the Chinese quotations and bare figures (English notes left
    out); an English one keeps the English names and quotations, the Chinese
    ones left out.
    """
    english = words.lang == "en"
    names = None if english else words.raw("published_source")
    left_out = r"[\u4e00-\u9fff]" if english else r"[A-Za-z]"
    quoted: dict[str, list[str]] = {}
    for part in (p.strip() for p in source.split(";") if p.strip()):
        name, _, quote = part.partition(" (")
        quote = quote.rstrip(")")
        if names is not None:
            name, quote = _in_chinese(name, names), quote.replace("first form ", names["first_form"]).replace(",", "，")
        quoted.setdefault(name, [])
        if quote and not re.search(left_out, quote):
            quoted[name].append(quote)
    if english:
        return "; ".join(f"{n} ({'; '.join(q)})" if q else n for n, q in quoted.items())
    return "；".join(f"{n}（{'；'.join(q)}）" if q else n for n, q in quoted.items())


def _in_chinese(name: str, names: dict) -> str:
    """A publisher's English name in the source file as a Chinese report names it."""
    name = re.sub(r"CCDI annual bulletin (\d{4})", lambda m: names["bulletin"].format(year=m.group(1)), name)
    name = name.replace("CCDI commentary", names["commentary"]).replace(", as reported by news mirrors",
                                                                          names["via_news"])
    return re.sub(r"^CCDI, (\S+)$", lambda m: names["page"].format(address=m.group(1)), name)  # a web page
