"""Early-warning stage: rules from params.yaml (`warnings.rules`) applied to the measures mart.

Rules are data, not code branches: each names a measure, a rule type
(change / level / run), a condition and a severity. The output lists every
county-year that trips a rule with the evidence values, so a reader can check
the warning against the figures (and their source cells) in the notebooks.

Writes data/marts/warnings.parquet and metrics/warnings.json.
Run: python -m pipeline.stages.early_warning
"""

from __future__ import annotations

import json
import operator

import pandas as pd

from pipeline.config import Paths, load_params, project_root, write_atomic
from pipeline.report.trends import fmt_count, fmt_pct
from pipeline.stages.measures import scoped_county_measures

OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq}
TYPES = {"change", "level", "run"}
COLUMNS = ["region_code", "county_code", "county_name", "year", "rule", "severity", "measure",
           "value", "previous_value", "change", "change_unit", "evidence", "source"]


def check_rule(rule: dict) -> None:
    missing = [k for k in ("name", "measure", "type", "severity") if k not in rule]
    if missing or rule["type"] not in TYPES:
        raise ValueError(f"warning rule {rule!r}: needs name, measure, type ({'/'.join(sorted(TYPES))}), severity")
    if rule["type"] in ("change", "level") and (rule.get("op") not in OPS or "threshold" not in rule):
        raise ValueError(f"warning rule {rule['name']}: op must be one of {list(OPS)} with a threshold")
    if rule["type"] == "run" and int(rule.get("years", 0)) < 1:
        raise ValueError(f"warning rule {rule['name']}: run needs years >= 1")


def _value_text(v: float, kind: str) -> str:
    if kind == "score":
        return f"{v:.1f} 分"
    return fmt_pct(v) if kind == "share" else fmt_count(v)


def _change_text(c: float, unit: str) -> str:
    word = "上升" if c > 0 else "下降"
    return {"pp": f"{word} {abs(c):.1f} 个百分点", "%": f"{word} {abs(c):.1f}%", "points": f"{word} {abs(c):.1f} 分"}.get(unit, f"{c:+.1f}")


def apply_rules(measures: pd.DataFrame, rules: list[dict]) -> pd.DataFrame:
    """Every (county, year, rule) that trips a rule, with evidence."""
    rows = []
    for rule in rules:
        check_rule(rule)
        m = measures[measures["measure"] == rule["measure"]].sort_values(["county_code", "year"])
        if m.empty:
            raise ValueError(f"warning rule {rule['name']}: unknown measure {rule['measure']!r}")
        for r in m.itertuples():
            if rule["type"] == "change":
                hit = pd.notna(r.yoy_change) and OPS[rule["op"]](r.yoy_change, float(rule["threshold"]))
                detail = (f"{r.name_zh} {r.year - 1} 年 {_value_text(r.previous_value, r.kind)}，{r.year} 年 "
                          f"{_value_text(r.value, r.kind)}，同比{_change_text(r.yoy_change, r.yoy_unit)}"
                          f"（规则：变化 {rule['op']} {rule['threshold']}）") if hit else ""
            elif rule["type"] == "level":
                hit = pd.notna(r.value) and OPS[rule["op"]](r.value, float(rule["threshold"]))
                if r.measure == "pyramid_holds":
                    detail = f"{r.year} 年四种形态未呈金字塔分布（第一种形态人次不多于第二种，或第二种不多于第三、四种）"
                else:
                    detail = f"{r.name_zh} {r.year} 年为 {_value_text(r.value, r.kind)}（规则：{rule['op']} {rule['threshold']}）"
            else:
                years = int(rule["years"])
                history = m[(m["county_code"] == r.county_code) & m["year"].between(r.year - years + 1, r.year)]
                hit = (len(history) == years and history["yoy_change"].notna().all()
                       and (history["yoy_change"] > 0).all())
                detail = (f"{r.name_zh}连续 {years} 年上升：" + "，".join(
                    f"{int(h.year)} 年 {_value_text(h.value, h.kind)}（{_change_text(h.yoy_change, h.yoy_unit)}）"
                    for h in history.itertuples())) if hit else ""
            if not hit:
                continue
            source = f"{r.source_file} {r.source_cell}" if isinstance(r.source_file, str) else "由报送数据计算"
            rows.append({"region_code": r.region_code, "county_code": r.county_code, "county_name": r.county_name,
                         "year": int(r.year), "rule": rule["name"], "severity": rule["severity"],
                         "measure": r.measure, "value": r.value, "previous_value": r.previous_value,
                         "change": r.yoy_change, "change_unit": r.yoy_unit, "evidence": detail, "source": source})
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.sort_values(["region_code", "year", "county_code", "rule"]).reset_index(drop=True)


def main() -> None:
    root = project_root()
    paths = Paths(root)
    params = load_params(root)
    warnings = apply_rules(scoped_county_measures(root, params), params["warnings"]["rules"])
    write_atomic(paths.marts / "warnings.parquet", lambda p: warnings.to_parquet(p, index=False))
    year = int(params["report"]["year"])
    latest = warnings[warnings["year"] == year]
    summary = {"year": year, "by_rule": {r: int(n) for r, n in latest["rule"].value_counts().sort_index().items()},
               "counties_warned": int(latest["county_code"].nunique())}
    text = json.dumps({"warnings": summary}, indent=2) + "\n"  # ASCII: DVC reads dense UTF-8 as binary
    write_atomic(paths.metrics / "warnings.json", lambda p: p.write_text(text, encoding="utf-8"))
    print(f"预警完成：共 {len(warnings)} 条，{year} 年 {len(latest)} 条")
    for r in latest.itertuples():
        print(f"  [{r.severity}] {r.county_code} {r.county_name} {r.rule}：{r.evidence}")


if __name__ == "__main__":
    main()
