import json

import duckdb
import pytest
from conftest import HEADER, csv_bytes, good_rows

from pipeline.stages.ingest import ingest
from pipeline.stages.validate import validate


def warehouse_value(project, county, year, indicator):
    with duckdb.connect(str(project.root / "data/warehouse.duckdb"), read_only=True) as con:
        row = con.execute("SELECT value FROM facts WHERE county_code = ? AND year = ? AND indicator = ?",
                          [county, year, indicator]).fetchall()
    return row[0][0] if row else None


@pytest.fixture
def good_run(project):
    project.write_csv(2019)
    project.write_csv(2020)
    ingest(project.root)
    ok, findings, summary = validate(project.root)
    assert ok and summary["failed_critical"] == 0
    return project


def test_good_data_pass_and_are_promoted_with_data_docs(good_run):
    root = good_run.root
    assert warehouse_value(good_run, "990101", 2020, "cases_filed") == 110.0
    summary = json.loads((root / "reports/validation/summary.json").read_text(encoding="utf-8"))
    assert summary["passed"] is True and summary["expectations"] >= 40
    assert summary["rows"] == {"facts": 40, "county_year_wide": 4}
    index = (root / "reports/data_docs/index.html").read_text(encoding="utf-8")
    assert "county_year" in index and "indicator_ranges" in index and "facts" in index


def test_a_run_that_fails_while_writing_the_warehouse_leaves_report_and_warehouse_as_they_were(good_run, monkeypatch):
    """The report is published with the warehouse it describes: a failure while the new warehouse is
    copied (a full disk, a kill) must not leave a report of 2020 figures the warehouse does not hold."""
    import shutil

    from pipeline.stages import validate as stage

    root = good_run.root
    before = {p: (root / p).read_bytes() for p in ("reports/validation/summary.json", "reports/validation/index.html",
                                                   "data/warehouse.duckdb")}
    rows = good_rows(2020)
    rows[1][3] = 2000  # 200 -> 2000 cases: passes with a warning, so a new report (and warehouse) would be published
    good_run.write_csv(2020, [HEADER, *rows])
    ingest(root)

    copy = shutil.copyfile

    def disk_full(src, dst):
        if str(src).endswith("warehouse.duckdb"):
            raise OSError(28, "No space left on device", str(dst))
        return copy(src, dst)

    monkeypatch.setattr(stage.shutil, "copyfile", disk_full)
    with pytest.raises(OSError):
        validate(root)
    assert {p: (root / p).read_bytes() for p in before} == before
    assert not [p.name for p in (root / "reports/validation").iterdir() if p.name.endswith(".tmp")]
    monkeypatch.undo()
    validate(root)
    assert warehouse_value(good_run, "990102", 2020, "cases_filed") == 2000.0
    assert "2019 年 200，2020 年 2000" in (root / "reports/validation/summary.json").read_text(encoding="utf-8")


BAD = {
    # case: (row index, column index, value, message parts)
    "new-onset above filed": (1, 4, 999, ["data/raw/990100/2020.csv 第 4 行 D4「立案数（件）」",
                                          "data/raw/990100/2020.csv 第 4 行 E4「新发生案件数」",
                                          "990102 城西区 2020 年", "规则：新发生案件数不得多于立案数",
                                          "实际：立案数 = 200，新发生案件数 = 999"]),
    "negative count": (0, 10, -5, ["第 3 行 K3「信访举报件次（件次）」", "990101 城关区 2020 年",
                                   "信访举报件次：计数不能为负（任何级别的单位都不允许）", "实际：信访举报件次 = -5"]),
    "score above 100": (0, 11, 120.5, ["第 3 行 L3「党风廉政建设社会评价满意度」",
                                       "党风廉政建设社会评价满意度：得分应在 0–100 之间", "= 120.5"]),
    "first form above total": (0, 6, 5000, ["规则：第一种形态人次不得多于四种形态总人次", "第 3 行 G3「第一种形态」",
                                            "第 3 行 N3「四种形态总人次」", "四种形态总人次 = 600，第一种形态人次 = 5000"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_rule_breaking_delivery_stops_and_keeps_the_old_warehouse(good_run, case):
    r, c, value, parts = BAD[case]
    header = [*HEADER, "四种形态总人次"]
    rows = [[*row, 600 if i == 0 else 1005] for i, row in enumerate(good_rows(2020))]
    rows[r][c] = value
    good_run.write_csv(2020, [header, *rows], encoding="gbk")
    ingest(good_run.root)
    ok, findings, summary = validate(good_run.root)
    assert not ok and summary["failed_critical"] >= 1
    text = "\n".join(str(f) for f in findings if f.severity == "critical")
    for part in parts:
        assert part in text, text
    # the warehouse is the one from the good run
    assert warehouse_value(good_run, "990101", 2020, "cases_filed") == 110.0
    assert warehouse_value(good_run, "990101", 2020, "four_forms_total") is None
    saved = json.loads((good_run.root / "reports/validation/summary.json").read_text(encoding="utf-8"))
    assert saved["passed"] is False and any(part in f["text"] for f in saved["findings"] for part in parts[-1:])


def test_share_out_of_range_is_critical_and_mismatch_is_only_a_warning(good_run):
    header = [*HEADER, "新发生案件占比（%）"]
    rows = [[*good_rows(2020)[0], "28.2%"], [*good_rows(2020)[1], "25.0%"]]
    good_run.write_csv(2020, [header, *rows])
    ingest(good_run.root)
    ok, findings, _ = validate(good_run.root)
    assert ok  # 31/110 = 28.18% vs 28.2: within tolerance; 50/200 = 25%: equal
    rows[0][-1] = "35%"
    good_run.write_csv(2020, [header, *rows])
    ingest(good_run.root)
    ok, findings, _ = validate(good_run.root)
    assert ok
    # the fixture registers 10 counties and delivers 2: completeness warnings are tested on their own below
    warning = [str(f) for f in findings if f.severity == "warning" and f.suite != "completeness"]
    assert len(warning) == 1 and "990101 城关区 2020 年" in warning[0] and "第 3 行 N3「新发生案件占比（%）」" in warning[0]
    rows[1][-1] = "150%"
    good_run.write_csv(2020, [header, *rows])
    ingest(good_run.root)
    ok, findings, _ = validate(good_run.root)
    critical = [str(f) for f in findings if f.severity == "critical"]
    assert not ok and "新发生案件占比：占比应在 0–100% 之间" in critical[0] and "= 150" in critical[0]


def test_facts_suite_catches_what_ingest_would_have_refused(project, tmp_path):
    """Defence in depth: the facts suite fails on keys ingest normally stops first."""
    import pandas as pd

    from pipeline.catalog import load_catalog
    from pipeline.config import Paths, load_params
    from pipeline.stages.validate import (
        describe_failures,
        load_suites,
        run_suites,
        suite_parameters,
    )

    paths = Paths(project.root)
    catalog = load_catalog(paths.catalog)
    base = dict(region_code="990100", indicator="cases_filed", value=1.0, source_file="data/raw/990100/2019.csv",
                source_column="立案数", source_cell="D3", period="full_year")
    facts = pd.DataFrame([
        base | dict(county_code="990101", year=2019, source_row=3),
        base | dict(county_code="999999", year=2019, source_row=4),
        base | dict(county_code="990102", year=2031, source_row=5),
        base | dict(county_code="990101", year=2019, source_row=6),
        base | dict(county_code="990102", year=2019, source_row=7, period="1-9月"),  # a period as typed, not a code
        base | dict(county_code="990102", year=2019, source_row=8, period="M1-9"),  # same county and year, other period
    ])
    wide = pd.DataFrame({"county_code": ["990101"], "county_name": ["城关区"], "year": [2019], "period": ["full_year"]})
    suites = [s for s in load_suites(paths.expectations) if s["name"] == "facts"]
    params = suite_parameters(paths, load_params(project.root), catalog)
    records = run_suites(suites, {"facts": facts, "county_year_wide": wide}, params, tmp_path / "gx", None)
    failed = {r["rule"]: r["unexpected_index_list"] for r in records if not r["success"]}
    assert failed == {
        "区划代码必须在区划表 divisions.csv 中登记": [1],
        "年度必须在 params.yaml 配置的范围内": [2],
        "统计期间必须是全年、半年、季度或月份区间的代码": [4],
        "同一县区、同一年度同一期间、同一指标只能有一个数值": [0, 3],
    }
    text = [str(f) for f in describe_failures(records, {"facts": facts, "county_year_wide": wide}, catalog)]
    assert any("data/raw/990100/2019.csv 第 6 行 D3" in t and "同一县区" in t for t in text)


COUNTIES = [("990101", "城关区"), ("990102", "城西区"), ("990103", "河口区"), ("990121", "青山县"), ("990122", "白水县"),
            ("990123", "临江县"), ("990124", "松林县"), ("990125", "石门县"), ("990126", "安平县"), ("990181", "永宁市")]


def region_rows(year, codes=None):
    """Rows for the region's registered counties (all ten unless `codes`), plausible and consistent."""
    template = good_rows(year)[1]
    return [[code, name, year, *template[3:]] for code, name in COUNTIES if codes is None or code in codes]


def test_missing_counties_within_the_allowance_warn_one_by_one(project):
    project.set_validate(missing_counties=1)
    project.write_csv(2019, [HEADER, *region_rows(2019)[:-1]])  # 永宁市 missing
    ingest(project.root)
    ok, findings, _ = validate(project.root)
    missing = [f for f in findings if f.suite == "completeness"]
    assert ok and [(f.severity, f.county_code) for f in missing] == [("warning", "990181")]
    assert str(missing[0]) == ("data/raw/990100/2019.csv｜990181 永宁市 2019 年｜规则：已登记的县区应出现在当期的报送中｜"
                               "实际：2019 年报送中没有 990181 永宁市 的数据行")


@pytest.mark.parametrize("setting", [1, "10%", "stop"])
def test_missing_counties_beyond_the_allowance_stop_once_for_the_region_year(project, setting):
    project.set_validate(missing_counties=setting)
    project.write_csv(2019)  # two of ten: eight missing
    ingest(project.root)
    warehouse = project.root / "data/warehouse.duckdb"
    warehouse.write_bytes(b"the last good warehouse")
    ok, findings, summary = validate(project.root)
    missing = [f for f in findings if f.suite == "completeness"]
    allowed = 0 if setting == "stop" else 1  # 10 % of ten counties is one
    assert not ok and summary["failed_critical"] == 1 and len(missing) == 1
    assert str(missing[0]) == (f"data/raw/990100/2019.csv｜990100 东川市 2019 年｜规则：缺报的县区不超过 {allowed} 个"
                               f"（params.yaml validate.missing_counties: {setting}）｜实际：data/raw/990100/2019.csv 中只有 "
                               "2 个县区的数据，本地区登记了 10 个，缺 8 个：河口区、青山县、白水县、临江县、松林县、石门县、安平县、"
                               "永宁市。如果这些县区尚未报送，请报齐后再导入；如果本期确实只有这些县区，请调整 validate.missing_counties")
    assert warehouse.read_bytes() == b"the last good warehouse"  # not replaced


def test_a_year_folder_is_a_delivery_of_the_places_in_its_files(project):
    """One county's file in 2020/ while the region has ten: nine missing, the run stops naming the folder."""
    project.set_validate(missing_counties=1)
    project.write_csv(2019, [HEADER, *region_rows(2019)])
    folder = project.raw / "2020"
    folder.mkdir()
    (folder / "城关区.csv").write_bytes(csv_bytes([HEADER, *region_rows(2020, {"990101"})]))
    ingest(project.root)
    ok, findings, _ = validate(project.root)
    stop = [f for f in findings if f.suite == "completeness"]
    assert not ok and len(stop) == 1 and stop[0].severity == "critical"
    assert ("文件夹 data/raw/990100/2020/ 中只有 1 个文件，共 1 个县区的数据，本地区登记了 10 个，缺 9 个：城西区、河口区"
            in stop[0].found)


def test_a_bad_missing_counties_setting_is_named(project):
    from pipeline.errors import ConfigError

    project.set_validate(missing_counties="some")
    project.write_csv(2019)
    ingest(project.root)
    with pytest.raises(ConfigError, match="validate.missing_counties：「some」不是个数（如 1）、比例（如 10%）、warn 或 stop"):
        validate(project.root)


def test_four_forms_parts_over_their_total_stop_with_both_cells(project):
    rows = good_rows(2019)
    rows[0].insert(6, 900)  # 四种形态总人次 900; the parts below sum to 400 + 150 + 20 + 12 = 582 ...
    rows[1].insert(6, 1000)  # ... and 700 + 250 + 30 + 25 = 1005 here: over by 5
    header = [*HEADER[:6], "四种形态总人次", *HEADER[6:]]
    project.write_csv(2019, [header, *rows])
    ingest(project.root)
    warehouse = project.root / "data/warehouse.duckdb"
    warehouse.write_bytes(b"the last good warehouse")
    ok, findings, _ = validate(project.root)
    assert warehouse.read_bytes() == b"the last good warehouse"  # not replaced
    over = [f for f in findings if f.rule == "四类形态人次之和不得多于四种形态总人次"]
    assert not ok and len(over) == 1 and over[0].severity == "critical"
    assert over[0].county_code == "990102" and "四种形态总人次 = 1000，四类形态之和 = 1005" in str(over[0])
    assert over[0].sources == [f"data/raw/990100/2019.csv 第 4 行 {c}4「{h}」" for c, h in
                               [("G", "四种形态总人次"), ("H", "第一种形态"), ("I", "第二种形态"), ("J", "第三种形态"),
                                ("K", "第四种形态")]]


def test_a_column_the_previous_year_had_is_said_missing_from_this_years_file(project):
    project.write_csv(2019)
    keep = [k for k, h in enumerate(HEADER) if h != "信访举报件次（件次）"]
    project.write_csv(2020, [[r[k] for k in keep] for r in [HEADER, *good_rows(2020)]])
    ingest(project.root)
    ok, findings, _ = validate(project.root)
    dropped = [f for f in findings if f.suite == "dropped_columns"]
    assert ok and len(dropped) == 1
    assert dropped[0].found == ("data/raw/990100/2020.csv 中没有「信访举报件次」列（2019 年报送了）：这个文件所报各县区的这些指标在 2020 年均为缺数。"
                                "如果是漏了这一列，请补上后重新报送")


def test_a_value_off_the_countys_own_series_is_listed_at_the_finer_threshold(project):
    """A 9 typed as 8 (90.0 -> 80.0) in a score that never moves: under the coarse 30 points, over the finer 5."""
    project.set_params(first_year=2016, last_year=2020)
    for year in range(2016, 2021):
        rows = good_rows(year)
        if year == 2018:
            rows[1][11] = 80.0
        project.write_csv(year, [HEADER, *rows])
    ingest(project.root)
    ok, findings, _ = validate(project.root)
    review = [f for f in findings if f.suite == "review"]
    assert ok and [f.county_code for f in review] == ["990102"] and not [f for f in findings if f.suite == "jumps"]
    assert review[0].found == "2017 年 90，2018 年 80，2019 年 90（该县区其他年度逐年变动的中位数为 0）"
    assert review[0].sources == [f"data/raw/990100/{y}.csv 第 4 行 L4「党风廉政建设社会评价满意度」" for y in (2017, 2018, 2019)]


def test_a_value_far_from_the_countys_previous_year_is_flagged_with_both_cells(project):
    project.write_csv(2019)
    rows = good_rows(2020)
    rows[0][11] = 7.0  # satisfaction 85.5 in 2019, 7 in 2020: a dropped digit?
    rows[1][3] = 2000  # cases filed 200 -> 2000: a count multiplied by ten
    project.write_csv(2020, [HEADER, *rows])
    ingest(project.root)
    ok, findings, _ = validate(project.root)
    jumps = sorted(str(f) for f in findings if f.suite == "jumps")
    assert ok and len(jumps) == 2
    assert jumps[0] == ("data/raw/990100/2019.csv 第 3 行 L3「党风廉政建设社会评价满意度」；data/raw/990100/2020.csv 第 3 行 "
                        "L3「党风廉政建设社会评价满意度」｜990101 城关区 2020 年｜规则：党风廉政建设社会评价满意度与本县区上一年"
                        "相差悬殊（计数相差 10 倍以上，得分或占比相差 30 以上），请核对是否录错｜实际：2019 年 85.5，2020 年 7")
    assert "990102 城西区 2020 年" in jumps[1] and "2019 年 200，2020 年 2000" in jumps[1]


def test_an_indicator_no_county_delivered_is_said_once_for_the_region_up_front(project):
    project.write_csv(2019)
    rows = good_rows(2020)
    for row in rows:
        row[11] = ""  # the satisfaction survey: delivered in 2019, blank for every county in 2020
    project.write_csv(2020, [HEADER, *rows])
    ingest(project.root)
    ok, findings, summary = validate(project.root)
    gaps = [f for f in findings if f.suite == "region_gaps"]
    assert ok and len(gaps) == 1 and gaps[0].severity == "warning" and gaps[0].county_code == "990100"
    assert gaps[0].found == "2020年全市均未报送党风廉政建设社会评价满意度：2020年不能评定等次（综合评价的指标缺数）"
    assert summary["region_gaps"] == [{"region": "990100", "year": 2020, "text": gaps[0].found}]


def test_a_column_the_region_never_fills_is_not_a_gap(good_run):
    ok, findings, summary = validate(good_run.root)  # no 8-rules or funds column in either year
    assert ok and summary["region_gaps"] == []


@pytest.mark.parametrize(("name", "word"), [("乐山市", "全市"), ("凉山彝族自治州", "全州"), ("阿里地区", "全地区"),
                                            ("四川省", "全省"), ("新疆维吾尔自治区", "全区"), ("锡林郭勒盟", "全盟")])
def test_the_whole_region_is_named_as_its_kind(name, word):
    from pipeline.divisions import whole_region

    assert whole_region(name) == word


def test_the_validation_page_is_chinese_self_contained_and_names_each_failed_cell(good_run):
    import re

    rows = good_rows(2020)
    rows[0][5] = 500  # 500 sanctioned against 110 cases filed: allowed; 800 first-form: allowed
    rows[1][4] = 260  # 260 new-onset cases against 200 filed: breaks a critical rule
    good_run.write_csv(2020, [HEADER, *rows])
    ingest(good_run.root)
    ok, _, summary = validate(good_run.root)
    html = (good_run.root / "reports/validation/index.html").read_text(encoding="utf-8")
    assert not ok and "校验未通过：1 条必须满足的规则未通过" in html
    assert "新发生案件数不得多于立案数" in html and "data/raw/990100/2020.csv 第 4 行 E4「新发生案件数」" in html
    assert "立案数、新发生案件数" in html
    # a city of counties is shown the rules that apply to counties: the prefecture and province ranges of the
    # catalog's levels checked no row here and are counted, not listed; where a range is set is said once
    shown = int(re.search(r"适用的校验规则（(\d+) 条）", html).group(1))
    other = int(re.search(r"另有 (\d+) 条合理范围规则只适用于地级、省级单位", html).group(1))
    assert shown + other == summary["expectations"] and other > 0
    assert "地级单位的合理范围" not in html and "省级单位的合理范围" not in html and "县级单位的合理范围" in html
    body, _, setting = html.partition("设置：")
    assert "levels." not in body and "ranges." not in body and "levels.&lt;级别&gt;.scale" in setting
    # nothing the page needs comes from elsewhere: no script, no stylesheet or image by address
    assert "<script" not in html and not re.search(r'(src|href)="(https?:)?//', html)
    assert "expect_column" not in html and ">county_code<" not in html  # rules and columns in Chinese
