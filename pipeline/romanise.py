"""Place names for a foreign reader: Hanyu Pinyin of the name (pypinyin) with its administrative word in
English, as maps and gazetteers write them: 青山县 Qingshan County, 东川市 Dongchuan City, 长安区 Chang'an
District, 峨边彝族自治县 Ebian Yi Autonomous County.

The register (data/reference/divisions.csv) may carry its own romanisation in a `name_en` column, which wins:
a gazetteer's spelling (Xi'an, Inner Mongolia) is not always the syllables of the characters.
"""

from __future__ import annotations

import re
from functools import lru_cache

# the administrative word at the end of a name, longest first
SUFFIXES = [("自治区", "Autonomous Region"), ("自治州", "Autonomous Prefecture"), ("自治县", "Autonomous County"),
            ("自治旗", "Autonomous Banner"), ("林区", "Forestry District"), ("特区", "Special District"),
            ("地区", "Prefecture"), ("省", "Province"), ("市", "City"), ("区", "District"), ("县", "County"),
            ("旗", "Banner"), ("盟", "League")]
ETHNIC = re.compile(r"^(?P<stem>.{2})(?P<people>.{1,3})族$")  # 峨边彝族 -> 峨边 + 彝: the people named after the place


@lru_cache(maxsize=4096)
def pinyin(text: str) -> str:
    """Qingshan, Chang'an: the syllables joined, an apostrophe before a syllable that starts with a, o or e."""
    from pypinyin import lazy_pinyin

    syllables = [s for s in lazy_pinyin(text) if s.strip()]
    out = ""
    for i, s in enumerate(syllables):
        out += ("'" if i and s[:1] in "aoe" else "") + s
    return out[:1].upper() + out[1:]


@lru_cache(maxsize=4096)
def romanised(name: str) -> str:
    """The name in pinyin with its administrative word in English; a name without a known word: pinyin alone."""
    for word, english in SUFFIXES:
        if name.endswith(word) and len(name) > len(word):
            stem = name[: -len(word)]
            ethnic = ETHNIC.match(stem) if word.startswith("自治") else None
            if ethnic:
                return f"{pinyin(ethnic['stem'])} {pinyin(ethnic['people'])} {english}"
            return f"{pinyin(stem)} {english}"
    return pinyin(name)
