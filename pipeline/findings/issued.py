"""Reports as issued: what the last issued report of a place said, kept as a record the findings stage reads.

以评促改 follows up what an issued report said, in its words. A report is issued when the commission
sends it, not when the workbench builds it, so the record is made by an explicit step once a year's
reports are approved (`make issue REGION=990100 YEAR=2023`, pipeline/issue.py) and kept under
data/issued/<region>/<year>.json (committed; a declared input of the findings stage). It holds, per
place and for the region, the main problems the report stated: the finding as judged then (topic,
subject, verdict, severity, evidence) and the report's own words (its heading and sentence). A year
without a record has nothing to follow up.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.config import safe_code
from pipeline.errors import ConfigError

ISSUED_DIR = Path("data") / "issued"
FORMAT = 1


def record_path(root: Path, region: str, year: int) -> Path:
    return root / ISSUED_DIR / safe_code(region) / f"{int(year)}.json"


def read_issued(root: Path, region: str) -> dict[int, dict[str, list[dict]]]:
    """Every issued record of a region: year -> place code -> the main problems it stated (none: {})."""
    folder = root / ISSUED_DIR / safe_code(region)
    out: dict[int, dict[str, list[dict]]] = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        if not path.stem.isdigit():
            continue
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise ConfigError(str(path.relative_to(root)), "（文件）", f"无法读取已印发报告的记录（{err}）；请用 make issue 重新生成") \
                from None
        if record.get("format") != FORMAT or str(record.get("region")) != region or int(record.get("year", -1)) != \
                int(path.stem):
            raise ConfigError(str(path.relative_to(root)), "format/region/year",
                              "记录与文件位置不符或格式不认识；请用 make issue 重新生成")
        out[int(path.stem)] = record["places"]
    return out


def last_issued(issued: dict[int, dict[str, list[dict]]], place: str, year: int) -> tuple[int, list[dict]] | None:
    """(year, problems) of the last report issued for the region before `year` that covered `place`."""
    for y in sorted((y for y in issued if y < year), reverse=True):
        if place in issued[y]:
            return y, issued[y][place]
    return None
