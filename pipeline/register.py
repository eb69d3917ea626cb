"""The national register of divisions (data/register/): who is where, and which codes changed.

data/register/divisions.csv lists China's provinces, prefectures and
county-level units with their GB/T 2260 codes and parents;
data/register/code_changes.csv maps a code given up since 2015 (撤县设区,
改隶, 合并) to the code in use now. Both are built by tools/build_register.py
from published lists (data/register/SOURCES.md). The project's own register
of the places it evaluates stays data/reference/divisions.csv: this module
looks places up, and `pipeline.region` copies a region from here to there.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.divisions import read_code_changes

# what a name ends with that analysts often leave out: 乐山 for 乐山市
SUFFIX = re.compile(r"(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|地区|盟|省|市|县|区|旗)$")
LEVEL_ZH = {"province": "省级", "prefecture": "地级", "county": "县级"}


class RegisterError(ValueError):
    """A name or code the register cannot resolve to one place; the message lists what it can."""


@dataclass(frozen=True)
class Register:
    places: pd.DataFrame   # indexed by code: name, level, parent_code
    changes: pd.DataFrame  # indexed by old_code: old_name, new_code, new_name, year, kind

    def lineage(self, code: str) -> list[str]:
        """The place and its parents, province first: 510000, 511100, 511102."""
        chain = []
        while code and code in self.places.index:
            chain.append(code)
            code = self.places.at[code, "parent_code"]
        return chain[::-1]

    def full_name(self, code: str) -> str:
        """The name with its parents' names before it: 四川省乐山市市中区."""
        return "".join(self.places.at[c, "name"] for c in self.lineage(code))

    def children(self, code: str) -> pd.DataFrame:
        return self.places[self.places["parent_code"] == code].sort_index()

    def successor(self, code: str) -> pd.Series | None:
        """The change that replaced `code`, if it was given up since 2015."""
        return self.changes.loc[code] if code in self.changes.index else None


def register_dir(root: Path) -> Path:
    return root / "data" / "register"


def load_register(root: Path) -> Register:
    folder = register_dir(root)
    places = pd.read_csv(folder / "divisions.csv", dtype=str, keep_default_na=False).set_index("code")
    changes = read_code_changes(folder / "code_changes.csv")
    return Register(places, changes)


def describe(register: Register, code: str) -> str:
    level = LEVEL_ZH.get(register.places.at[code, "level"], "")
    return f"{code} {register.full_name(code)}（{level}）"


def find_place(register: Register, query: str) -> str:
    """The one place a name or a 6-digit code means; anything else is refused with the candidates."""
    text = query.strip()
    if text.isdigit():
        return _find_code(register, text)
    names = register.places["name"]
    exact = [c for c in names.index if names[c] == text or register.full_name(c) == text]
    if not exact and len(text) >= 2:
        exact = [c for c in names.index if register.full_name(c).endswith(text)] or \
                [c for c in names.index if SUFFIX.sub("", names[c]) == text]
    if len(exact) == 1:
        return exact[0]
    if exact:
        listed = "；".join(describe(register, c) for c in exact)
        raise RegisterError(f"「{text}」对应 {len(exact)} 个区划：{listed}。请改用区划代码，或写上所属的市或省（如 {register.full_name(exact[0])}）")
    close = difflib.get_close_matches(text, list(dict.fromkeys(names)), n=5, cutoff=0.5)
    hint = "；".join(describe(register, c) for name in close for c in names.index[names == name][:3])
    raise RegisterError(f"全国区划名录中没有「{text}」" + (f"。相近的有：{hint}" if hint else "。请核对名称，或改用 6 位区划代码"))


def _find_code(register: Register, code: str) -> str:
    if len(code) != 6:
        raise RegisterError(f"区划代码应为 6 位数字，收到「{code}」")
    if code in register.places.index:
        return code
    change = register.successor(code)
    if change is not None:
        raise RegisterError(f"区划代码 {code}（{change['old_name']}）已于 {change['year']} 年{change['kind']}，"
                            f"现为 {describe(register, change['new_code'])}；请改用新代码")
    near = [c for c in register.places.index if c[:4] == code[:4]] or \
           [c for c in register.places.index if c[:2] == code[:2] and c[4:] == "00"]
    hint = "；".join(describe(register, c) for c in near[:8])
    raise RegisterError(f"全国区划名录中没有区划代码 {code}" + (f"。代码相近的有：{hint}" if hint else ""))
