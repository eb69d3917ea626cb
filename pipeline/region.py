"""Register a region for evaluation by name or code, from the national register.

Writes the region, its province and every place under it into
data/reference/divisions.csv (rows already there are kept as they are), adds
the region to `ingest.regions` in params.yaml (comments kept) and makes its
delivery folder data/raw/<code>/. With --only the region becomes the only
one loaded (the demo's regions stop being evaluated; their files stay).

Run: python -m pipeline.region 乐山市 [--only]    (make region NAME=乐山市 [ONLY=1])
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pandas as pd
import yaml

from pipeline.config import Paths, project_root, safe_code, write_atomic
from pipeline.divisions import read_divisions
from pipeline.register import Register, RegisterError, describe, find_place, load_register

SOURCE_NOTE = "全国区划名录（GB/T 2260，data/register/）"


def region_rows(register: Register, code: str) -> pd.DataFrame:
    """The region, its parents and its places, as rows of data/reference/divisions.csv."""
    places = register.children(code)
    if places.empty:
        raise RegisterError(f"{describe(register, code)} 下没有下属区划，不能作为评价地区；"
                            "请写它所属的市（评价其县区）或省（评价其市）")
    rows = [{"code": c, "name": register.places.at[c, "name"], "level": register.places.at[c, "level"],
             "parent_code": register.places.at[c, "parent_code"], "note": SOURCE_NOTE} for c in register.lineage(code)]
    rows += [{"code": c, "name": p["name"], "level": p["level"], "parent_code": code, "note": SOURCE_NOTE}
             for c, p in places.iterrows()]
    return pd.DataFrame(rows)


def merge_divisions(current: pd.DataFrame, new: pd.DataFrame) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Rows not yet registered appended; a registered code under another name is listed, not overwritten."""
    known = dict(zip(current["code"], current["name"], strict=True))
    added = new[~new["code"].isin(known)]
    differing = [f"{r.code}：区划表中为「{known[r.code]}」，名录中为「{r.name}」"
                 for r in new.itertuples() if r.code in known and known[r.code] != r.name]
    merged = pd.concat([current, added[current.columns]], ignore_index=True)
    return merged, list(added["code"]), differing


REGIONS_LINE = re.compile(r"^(?P<lead>  regions:[ \t]*)\[[^\]\n]*\](?P<tail>.*)$", re.MULTILINE)


def set_regions(params_path: Path, code: str, only: bool) -> list[str]:
    """Add `code` to ingest.regions (or make it the only one), changing that one line of params.yaml.

    A text edit, not a YAML round trip, so every comment and line break of the
    file stays as the analyst left it.
    """
    text = params_path.read_text(encoding="utf-8")
    regions = [str(r) for r in (yaml.safe_load(text).get("ingest") or {}).get("regions") or []]
    regions = [code] if only else regions + [code] * (code not in regions)
    line = ", ".join(f'"{r}"' for r in regions)
    edited, count = REGIONS_LINE.subn(lambda m: f"{m['lead']}[{line}]{m['tail']}", text, count=1)
    if count != 1:
        raise RegisterError(f"params.yaml 中没有找到 ingest 下一行写完的 regions: [...]；请手工写成 regions: [{line}]")
    write_atomic(params_path, lambda tmp: tmp.write_text(edited, encoding="utf-8"))
    return regions


def retire_old_codes(divisions: pd.DataFrame, register: Register, region: str) -> tuple[pd.DataFrame, list[str]]:
    """Rows of the region registered under a code since given up (撤县设区), when the new code is registered too.

    Kept, the old row would take the old code's deliveries as another county and
    split the series in two; removed, ingest reads the old code as the new one.
    """
    retired, keep = [], []
    for row in divisions.itertuples(index=False):
        change = register.successor(row.code) if row.parent_code == region else None
        if change is not None and change["new_code"] in set(divisions["code"]):
            retired.append(f"{row.code} {row.name} 已于 {change['year']} 年{change['kind']}为 "
                           f"{change['new_code']} {change['new_name']}，区划表中删去旧代码")
            continue
        keep.append(row)
    return pd.DataFrame(keep, columns=divisions.columns), retired


def local_region(divisions: pd.DataFrame, query: str) -> str | None:
    """A region of the project's own register named exactly by code or name, with places under it."""
    named = divisions[(divisions["code"] == query.strip()) | (divisions["name"] == query.strip())]
    with_places = [c for c in named["code"] if (divisions["parent_code"] == c).any()]
    return with_places[0] if len(with_places) == 1 else None


def register_region(root: Path, query: str, only: bool = False) -> list[str]:
    """Register the region `query` names; returns the lines to print."""
    paths = Paths(root)
    register = load_register(root)
    try:
        code = safe_code(find_place(register, query))
    except RegisterError:
        local = local_region(read_divisions(paths.divisions), query)
        if local is None:
            raise
        # a place of the project's own register only (the demo's fictional regions among them)
        regions = set_regions(root / "params.yaml", local, only)
        return [f"{local} 已在区划表 data/reference/divisions.csv 中；params.yaml 的 ingest.regions 现为 {regions}"]
    rows = region_rows(register, code)
    merged, added, differing = merge_divisions(read_divisions(paths.divisions), rows)
    merged, retired = retire_old_codes(merged, register, code)
    write_atomic(paths.divisions, lambda tmp: merged.to_csv(tmp, index=False, lineterminator="\n"))
    regions = set_regions(root / "params.yaml", code, only)
    paths.region_dir(code).mkdir(parents=True, exist_ok=True)
    places = rows[rows["parent_code"] == code]
    lines = [f"已登记 {describe(register, code)}，下属 {len(places)} 个单位：",
             "  " + "、".join(f"{r.name}（{r.code}）" for r in places.itertuples()),
             f"区划表 data/reference/divisions.csv 新增 {len(added)} 行；params.yaml 的 ingest.regions 现为 {regions}",
             f"报送文件请放入 data/raw/{code}/<年度>.xlsx；空白模板：make template REGION={code} YEAR=<年度>"]
    lines += [f"注意：{d}（保留区划表中的写法）" for d in differing]
    lines += [f"区划调整：{r}；旧代码的报送按新代码读入，数据连续" for r in retired]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description="Register a region by name or code from the national register.")
    parser.add_argument("name", help="名称或 6 位区划代码，如 乐山市、四川省乐山市、511100")
    parser.add_argument("--only", action="store_true", help="只评价这个地区（示例地区不再导入）")
    args = parser.parse_args()
    try:
        lines = register_region(project_root(), args.name, args.only)
    except RegisterError as err:
        print(f"登记失败：{err}", file=sys.stderr)
        raise SystemExit(2) from None
    print("\n".join(lines))


if __name__ == "__main__":
    main()
