"""Record a year's reports of a region as issued, so next year's reports follow up what they said.

Run once the year's reports are approved and sent (make issue REGION=990100 YEAR=2023):
  python -m pipeline.issue --region 990100 --year 2023
It writes data/issued/990100/2023.json: per place and for the region, the main problems the reports
stated (the findings mart's rows for that year, as judged then) with the reports' own words, the heading
each problem carries and its sentence, in every report language. Commit the file: it is a declared input
of the findings stage (dvc.yaml), and a record is never rewritten by the pipeline. Running it again for
the same year replaces the record (a report re-issued); --remove withdraws it.
"""

from __future__ import annotations

import argparse
import json
import sys

from pipeline.config import project_root, safe_code, write_atomic
from pipeline.findings.issued import FORMAT, record_path
from pipeline.periods import FULL_YEAR
from pipeline.report.data import is_synthetic, load_report_data
from pipeline.report.fmt import LANGUAGES
from pipeline.report.phrasing import Phraser, evidence
from pipeline.report.sentences import phrase, problem_heading


def record(root, region: str, year: int) -> dict:
    """The issued record of a region-year from the findings mart (ValueError when the year has no report)."""
    phrasers = {lang: Phraser(load_report_data(root, lang)) for lang in LANGUAGES}
    findings = phrasers["zh"].data.findings
    mine = findings[(findings["region_code"] == region) & (findings["year"] == year)
                    & (findings["period"] == FULL_YEAR)]
    if mine.empty or (mine["topic"] == "no_data").all():
        raise ValueError(f"{region} 地区 {year} 年没有年度结论（没有全年报送数据或尚未运行 make report），不能记为已印发")
    places: dict[str, list[dict]] = {}
    for place, rows in mine.groupby("place_code", sort=True):
        main = rows[(rows["polarity"] == "problem") & rows["main"]].sort_values("priority")
        places[str(place)] = [{
            "finding_id": r["finding_id"], "topic": r["topic"], "subject": r["subject"], "verdict": r["verdict"],
            "severity": r["severity"], "priority": int(r["priority"]), "supervised": bool(r["supervised"]),
            "evidence": evidence(r),
            "heading": {lang: problem_heading(p, r) for lang, p in phrasers.items()},
            "sentence": {lang: phrase(p, r) for lang, p in phrasers.items()}} for _, r in main.iterrows()]
    return {"format": FORMAT, "region": region, "year": int(year), "synthetic": is_synthetic(region),
            "places": places}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="把某地区某年度的评价报告记为已印发（下一年度据此跟踪整改情况）")
    parser.add_argument("--region", required=True)
    parser.add_argument("--year", required=True, type=int)
    parser.add_argument("--remove", action="store_true", help="撤销该年度的印发记录")
    args = parser.parse_args(argv)
    root = project_root()
    try:
        region = safe_code(args.region)
    except ValueError as err:
        sys.exit(f"错误：{err}")
    path = record_path(root, region, args.year)
    if args.remove:
        path.unlink(missing_ok=True)
        print(f"已撤销 {region} 地区 {args.year} 年的印发记录（{path.relative_to(root)}）；运行 make report 后各报告不再跟踪该年度")
        return
    try:
        data = record(root, region, args.year)
    except ValueError as err:
        sys.exit(f"错误：{err}")
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, lambda p: p.write_text(text, encoding="utf-8"))
    n = sum(len(v) for v in data["places"].values())
    print(f"已记录 {region} 地区 {args.year} 年报告为已印发：{len(data['places'])} 份报告，主要问题 {n} 项 -> "
          f"{path.relative_to(root)}。请提交该文件；下一年度的报告将据此跟踪整改情况。")


if __name__ == "__main__":
    main()
