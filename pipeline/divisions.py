"""The register of places (data/reference/divisions.csv) and who reports to whom.

A region is any registered place; the places that report in its folder are
the ones registered under it (parent_code), whatever their level: the
counties of a city, or the cities of a province. One definition here, so the
ingest, the scope of the marts, the completeness check and the reports agree.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def read_divisions(path: Path) -> pd.DataFrame:
    """The register as text (codes keep their leading digits; blanks stay empty strings)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def units_of(divisions: pd.DataFrame, region: str) -> pd.DataFrame:
    """The places registered directly under `region`, by code (a frame indexed by code or with a code column)."""
    rows = divisions[divisions["parent_code"] == region]
    return rows.sort_index() if "code" not in rows.columns else rows.sort_values("code")


def reporting_codes(divisions: pd.DataFrame) -> list[str]:
    """Every place that can report in some region's folder: any place registered under another."""
    codes = divisions.index if "code" not in divisions.columns else divisions["code"]
    return sorted(c for c, parent in zip(codes, divisions["parent_code"], strict=True) if isinstance(parent, str)
                  and parent)


def read_code_changes(path: Path) -> pd.DataFrame:
    """Codes given up since 2015 and the code each place has now (data/register/code_changes.csv), by old code."""
    if not path.exists():
        return no_code_changes()
    return pd.read_csv(path, dtype=str, keep_default_na=False).set_index("old_code")


def no_code_changes() -> pd.DataFrame:
    return pd.DataFrame(columns=["old_name", "new_code", "new_name", "year", "kind"], dtype=str).rename_axis("old_code")


WHOLE_REGION = (("自治区", "全区"), ("地区", "全地区"), ("省", "全省"), ("市", "全市"), ("州", "全州"), ("盟", "全盟"))


def whole_region(name: str) -> str:
    """How a region's own report says "every place of it": 全市 for 乐山市, 全州 for 凉山彝族自治州."""
    return next((word for suffix, word in WHOLE_REGION if name.endswith(suffix)), "全地区")


SYNTHETIC_PREFIX = "99"  # GB/T 2260 assigns no province code 99: the demo regions live there


def is_synthetic(region_code: str) -> bool:
    return str(region_code).startswith(SYNTHETIC_PREFIX)
