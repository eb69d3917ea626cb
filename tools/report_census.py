"""Counts a signer would check in one region-year's write-ups: problems per report, problems on a measure where
the place is in its region's top tier, suggestion sentences, "重点督办" and follow-up items.

Reads the write-ups (writeup.md) and the findings mart only; used to report before/after figures in notes.
Run: python tools/report_census.py reports/notebooks/990100/2024 data/marts/findings.parquet [region year]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pandas as pd

SECTION = re.compile(r"^## (.+)$", re.M)


def sections(md: str) -> dict[str, list[str]]:
    md = re.sub(r"\[\^\d+\]|<sup>[^<]*</sup>", "", md)
    parts = SECTION.split(md)
    out = {}
    for title, body in zip(parts[1::2], parts[2::2], strict=True):
        out[title.strip()] = [re.sub(r"^\d+\.\s*", "", line).strip() for line in body.splitlines()
                              if re.match(r"^\s*(\d+\.|-)\s", line)]
    return out


def top_tier(rank: int, of: int) -> bool:
    return rank <= max(1, of // 3)


def main(folder: str, mart: str, region: str = "", year: str = "") -> None:
    root = Path(folder)
    region, year = region or root.parent.name, int(year or root.name)
    findings = pd.read_parquet(mart)
    findings = findings[(findings["year"] == year) & (findings["period"] == "full_year")]
    suggestions: list[str] = []
    for md in sorted(root.glob("*/writeup.md")) + [root / "writeup.md"]:
        place = md.parent.name if md.parent != root else "region"
        s = sections(md.read_text(encoding="utf-8"))
        problems = next((v for k, v in s.items() if "问题和难点" in k), [])
        advice = next((v for k, v in s.items() if "建议" in k), [])
        follow = next((v for k, v in s.items() if "整改" in k), [])
        if place != "region":
            suggestions += advice
        code = md.parent.name if place != "region" else region
        mine = findings[(findings["place_code"] == code) & (findings["polarity"] == "problem")]
        top = 0
        for _, f in mine.iterrows():
            ev = json.loads(f["evidence"])
            rank = ev.get("figures", {}).get("rank") if isinstance(ev.get("figures"), dict) else None
            if rank and top_tier(int(rank["rank"]), int(rank["of"])):
                top += 1
        print(f"{place}\tproblems={len(problems)}\ton_top_tier={top}\tsuggestions={len(advice)}"
              f"\t重点督办={sum('重点督办' in a for a in advice)}\tfollow_up={max(0, len(follow) - 1)}")
    # the advice itself: the words after the first 建议 up to the end of its clause, figures and names left out
    advice = {re.split(r"[；。]", re.sub(r"[\d.,%]+|（[^）]*）", "", a).split("建议", 1)[-1])[0] for a in suggestions}
    print(f"county suggestion items={len(suggestions)} distinct advice sentences={len(advice)}"
          f" 重点督办={sum('重点督办' in a for a in suggestions)}")


if __name__ == "__main__":
    main(*sys.argv[1:5])
