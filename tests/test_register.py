"""The national register of divisions, `make region`, and codes that changed.

Expected places are typed from the official lists (民政部 行政区划代码;
the cities' own government sites list the same units), not read from
data/register/.
"""

import os
import shutil
import subprocess
import sys

import duckdb
import pytest
import yaml
from conftest import HEADER, REPO, csv_bytes, good_rows

from pipeline.region import register_region
from pipeline.register import RegisterError, find_place, load_register
from pipeline.stages.ingest import ingest

REGISTER = load_register(REPO)

LESHAN = {"511102": "市中区", "511111": "沙湾区", "511112": "五通桥区", "511113": "金口河区", "511123": "犍为县",
          "511124": "井研县", "511126": "夹江县", "511129": "沐川县", "511132": "峨边彝族自治县",
          "511133": "马边彝族自治县", "511181": "峨眉山市"}
# 成都市: 12 districts, 3 counties, 5 county-level cities (新津 a district since 2020, 简阳 moved from 资阳 in 2016)
CHENGDU = {"510104", "510105", "510106", "510107", "510108", "510112", "510113", "510114", "510115", "510116",
           "510117", "510118", "510121", "510129", "510131", "510181", "510182", "510183", "510184", "510185"}


def test_a_city_has_exactly_its_official_county_level_units():
    leshan = REGISTER.children(find_place(REGISTER, "乐山市"))
    assert dict(leshan["name"]) == LESHAN
    assert set(REGISTER.children("510100").index) == CHENGDU


def test_the_register_counts_match_the_published_totals():
    # 2023 county-level total published by the Ministry of Civil Affairs: 2,844 (31 provinces, 333 prefectures)
    levels = REGISTER.places["level"].value_counts()
    assert (levels["province"], levels["prefecture"], levels["county"]) == (31, 333, 2844)


@pytest.mark.parametrize(("query", "code"), [
    ("乐山市", "511100"), ("乐山", "511100"), ("四川省乐山市", "511100"), ("511100", "511100"),
    ("乐山市市中区", "511102"), ("成都市", "510100"),
])
def test_names_and_codes_resolve_to_one_place(query, code):
    assert find_place(REGISTER, query) == code


@pytest.mark.parametrize(("query", "says"), [
    ("市中区", ["4 个区划", "370103", "370402", "511002", "511102", "请改用区划代码"]),
    ("乐三市", ["没有「乐三市」", "相近的有"]),
    ("510132", ["510132（新津县）已于 2020 年撤县设区", "510118 四川省成都市新津区"]),
    ("511190", ["没有区划代码 511190", "511102 四川省乐山市市中区"]),
])
def test_unknown_ambiguous_and_old_places_are_refused_with_candidates(query, says):
    with pytest.raises(RegisterError) as err:
        find_place(REGISTER, query)
    for text in says:
        assert text in str(err.value)


def test_a_county_changed_in_the_period_has_its_old_code_mapped():
    changes = REGISTER.changes
    assert tuple(changes.loc["510132", ["new_code", "year", "kind"]]) == ("510118", "2020", "撤县设区")
    assert changes.at["512081", "new_code"] == "510185"  # 简阳市 moved from 资阳 to 成都 in 2016
    assert changes.at["130526", "new_code"] == "130505"  # 任县 → 任泽区 (2020)


@pytest.fixture
def checkout(tmp_path):
    root = tmp_path / "proj"
    (root / "data").mkdir(parents=True)
    for folder in ("reference", "register"):
        shutil.copytree(REPO / "data" / folder, root / "data" / folder)
    shutil.copy(REPO / "params.yaml", root / "params.yaml")
    return root


def test_registering_a_region_writes_its_places_and_params_keeping_comments(checkout):
    before = (checkout / "params.yaml").read_text(encoding="utf-8")
    register_region(checkout, "乐山市")
    after = (checkout / "params.yaml").read_text(encoding="utf-8")
    assert 'regions: ["990100", "990200", "511100"]' in after
    changed = [line for line in after.splitlines() if line not in before.splitlines()]
    assert len(changed) == 1 and before.count("#") == after.count("#")
    div = (checkout / "data/reference/divisions.csv").read_text(encoding="utf-8").splitlines()
    assert "511100,乐山市,prefecture,510000,全国区划名录（GB/T 2260，data/register/）" in div
    assert sum(line.endswith(",county,511100,全国区划名录（GB/T 2260，data/register/）") for line in div) == 11
    assert (checkout / "data/raw/511100").is_dir()
    register_region(checkout, "乐山市", only=True)  # again: nothing doubled; the only region now
    assert yaml.safe_load((checkout / "params.yaml").read_text(encoding="utf-8"))["ingest"]["regions"] == ["511100"]
    assert len((checkout / "data/reference/divisions.csv").read_text(encoding="utf-8").splitlines()) == len(div)


def test_make_region_refuses_an_ambiguous_name_and_changes_nothing(checkout):
    before = (checkout / "params.yaml").read_bytes(), (checkout / "data/reference/divisions.csv").read_bytes()
    proc = subprocess.run([sys.executable, "-m", "pipeline.region", "市中区"], cwd=REPO, capture_output=True,
                          text=True, env={"POLIECO_ROOT": str(checkout), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 2 and "登记失败：「市中区」对应 4 个区划" in proc.stderr
    assert before == ((checkout / "params.yaml").read_bytes(), (checkout / "data/reference/divisions.csv").read_bytes())


def test_an_old_code_or_name_is_read_as_the_county_now_so_its_series_goes_on(checkout):
    register_region(checkout, "成都市", only=True)
    params = yaml.safe_load((checkout / "params.yaml").read_text(encoding="utf-8"))
    params["ingest"].update(first_year=2019, last_year=2021)
    (checkout / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    raw = checkout / "data/raw/510100"

    def rows(year, code, name, filed):
        figures = [row[3:] for row in good_rows(year)]
        return [[code, name, year, filed, *figures[0][1:]], ["510104", "锦江区", year, 90, *figures[1][1:]]]
    (raw / "2019.csv").write_bytes(csv_bytes([HEADER, *rows(2019, "510132", "新津县", 40)]))
    (raw / "2021.csv").write_bytes(csv_bytes([HEADER, *rows(2021, "510118", "新津区", 44)]))
    (raw / "2020.csv").write_bytes(csv_bytes([row[1:] for row in [HEADER, *rows(2020, "", "新津县", 42)]]))
    deliveries, _ = ingest(checkout)
    with duckdb.connect(str(checkout / "data/staging/warehouse.duckdb"), read_only=True) as con:
        series = con.sql("SELECT year, value FROM facts WHERE county_code = '510118' AND indicator = 'cases_filed' "
                         "ORDER BY year").fetchall()
    assert series == [(2019, 40.0), (2020, 42.0), (2021, 44.0)]
    notes = [n for d in deliveries for n in d.notes]
    assert any("510132（新津县）已于 2020 年撤县设区，按现代码 510118（新津区）读入" in n for n in notes)
    assert any("「新津县」是 新津区（510118）区划调整前的名称" in n for n in notes)


def test_make_region_runs_from_the_makefile(checkout):
    env = {**os.environ, "POLIECO_ROOT": str(checkout)}
    proc = subprocess.run(["make", "--no-print-directory", "-s", "region", "NAME=乐山市"], cwd=REPO, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "已登记 511100 四川省乐山市（地级），下属 11 个单位" in proc.stdout
    assert "511100" in (checkout / "params.yaml").read_text(encoding="utf-8")


def test_registering_again_after_a_code_change_retires_the_old_code(checkout):
    div = checkout / "data/reference/divisions.csv"
    # a commission that typed 成都 in by hand before 2020 still has 新津县 510132
    div.write_text(div.read_text(encoding="utf-8") + "510100,成都市,prefecture,510000,手工登记\n"
                   "510132,新津县,county,510100,手工登记\n510104,锦江区,county,510100,手工登记\n", encoding="utf-8")
    lines = register_region(checkout, "成都市")
    codes = [line.split(",")[0] for line in div.read_text(encoding="utf-8").splitlines()]
    assert "510132" not in codes and codes.count("510118") == 1 and codes.count("510104") == 1
    assert any("510132 新津县 已于 2020 年撤县设区为 510118 新津区，区划表中删去旧代码" in line for line in lines)
