import duckdb
import pytest
from conftest import HEADER, csv_bytes, good_rows, write_xlsx

from pipeline.catalog import load_catalog
from pipeline.config import Paths
from pipeline.errors import DataError
from pipeline.stages.ingest import ingest, parse_number

CATALOG = load_catalog(Paths(__import__("conftest").REPO).catalog)
FILED, SHARE, SCORE, FUNDS = (CATALOG[c] for c in ("cases_filed", "reported_new_onset_share",
                                                   "integrity_satisfaction", "funds_recovered"))


@pytest.mark.parametrize(("typed", "indicator", "expected"), [
    ("1,234", FILED, 1234.0), ("１２３", FILED, 123.0), ("１，２３４", FILED, 1234.0), (" 45 ", FILED, 45.0),
    (45, FILED, 45.0), (45.0, FILED, 45.0), ("32.6%", SHARE, 32.6), ("３２．６％", SHARE, 32.6),
    ("—", FILED, None), ("-", FILED, None), ("", FILED, None), (None, FILED, None), ("/", FILED, None),
    ("85.5", SCORE, 85.5), ("1,234.5", FUNDS, 1234.5), ("-3", FILED, -3.0),
])
def test_numbers_as_people_type_them(typed, indicator, expected):
    assert parse_number(typed, indicator) == expected


@pytest.mark.parametrize(("typed", "indicator", "message"), [
    ("约30", FILED, "「约30」不是数字"), ("1,23", FILED, "「1,23」不是数字"), ("30%", FILED, "带百分号"),
    ("12.5", FILED, "应为整数"), ("三十", FILED, "不是数字"),
])
def test_text_in_numeric_cells_is_refused_with_the_reason(typed, indicator, message):
    with pytest.raises(ValueError, match=message):
        parse_number(typed, indicator)


def facts(project, db="data/staging/warehouse.duckdb"):
    with duckdb.connect(str(project.root / db), read_only=True) as con:
        return con.sql("SELECT county_code, year, indicator, value, source_file, source_row, source_column, "
                       "source_cell FROM facts ORDER BY ALL").fetchall()


def test_every_encoding_and_format_gives_the_same_facts(project):
    values = {}
    for label, writer in {
        "utf-8": lambda: project.write_csv(2019, encoding="utf-8"),
        "utf-8-sig": lambda: project.write_csv(2019, encoding="utf-8-sig"),
        "gbk": lambda: project.write_csv(2019, encoding="gbk"),
        "utf-16": lambda: project.write_csv(2019, encoding="utf-16"),
        "xlsx": lambda: write_xlsx(project.raw / "2019.xlsx", [["标题：测试（合成）"], HEADER, *good_rows(2019)]),
    }.items():
        for old in project.raw.glob("*"):
            old.unlink()
        writer()
        deliveries, _ = ingest(project.root)
        assert deliveries[0].encoding == (None if label == "xlsx" else {"gbk": "gb18030"}.get(label, label))
        values[label] = [(c, y, i, v) for c, y, i, v, *_ in facts(project)]
    first = values["utf-8"]
    assert len(first) == 2 * (len(HEADER) - 3)
    assert ("990101", 2019, "cases_filed", 100.0) in first
    assert ("990102", 2019, "integrity_satisfaction", 90.0) in first
    assert all(v == first for v in values.values())


def test_facts_keep_file_row_and_column(project):
    project.write_csv(2019)
    ingest(project.root)
    rows = {(r[0], r[2]): r for r in facts(project)}
    code, year, ind, value, src, row, column, cell = rows[("990102", "new_onset_cases")]
    assert (value, src, row, column, cell) == (50.0, "data/raw/990100/2019.csv", 4, "新发生案件数", "E4")


def test_title_total_and_note_rows_are_skipped_and_blanks_kept_as_missing(project):
    rows = [HEADER, *good_rows(2019), ["", "合计", "", "300"], ["注：本表为合成数据"]]
    rows[1][10] = "—"
    project.write_csv(2019, rows)
    deliveries, _ = ingest(project.root)
    assert deliveries[0].data_rows == 2 and deliveries[0].header_row == 2
    blank = [r for r in facts(project) if r[0] == "990101" and r[2] == "petitions"]
    assert blank[0][3] is None and blank[0][7] == "K3"


def test_wide_view_has_one_row_per_county_year(project):
    project.write_csv(2019)
    project.write_csv(2020, encoding="gbk")
    ingest(project.root)
    with duckdb.connect(str(project.root / "data/staging/warehouse.duckdb"), read_only=True) as con:
        rows = con.sql("SELECT county_code, county_name, year, cases_filed, new_onset_cases FROM county_year_wide "
                       "ORDER BY county_code, year").fetchall()
    assert rows == [("990101", "城关区", 2019, 100.0, 30.0), ("990101", "城关区", 2020, 110.0, 31.0),
                    ("990102", "城西区", 2019, 200.0, 50.0), ("990102", "城西区", 2020, 200.0, 50.0)]


# ------------------------------------------------------------------ bad input


@pytest.fixture
def good_2019(project):
    """A good 2019 delivery already ingested, and the staging facts it left."""
    project.write_csv(2019)
    ingest(project.root)
    return project, facts(project)

# Each case: how to break the 2020 delivery, and what the message must say.
# A good 2019 run comes first; the staging warehouse it wrote must survive.

def _replace(rows, r, c, value):
    rows[r][c] = value
    return rows


def _bad(rows):
    return [HEADER, *rows]


BAD_CSV = {
    "unknown header": (
        lambda: [[*HEADER[:5], "立按数", *HEADER[6:]], *good_rows(2020)],
        ["data/raw/990100/2020.csv", "第 2 行", "第 F 列「立按数」", "无法识别的表头「立按数」"]),
    "missing required header": (
        lambda: [[h for h in HEADER if h != "新发生案件数"], *[r[:4] + r[5:] for r in good_rows(2020)]],
        ["data/raw/990100/2020.csv", "第 2 行", "缺少必需的列「新发生案件数（件）」"]),
    "column mapped twice": (
        lambda: [[*HEADER, "审查调查立案"], *[[*r, 5] for r in good_rows(2020)]],
        ["data/raw/990100/2020.csv", "第 N 列「审查调查立案」", "与第 D 列「立案数（件）」对应同一指标 cases_filed"]),
    "duplicate county-year": (
        lambda: _bad([*good_rows(2020), good_rows(2020)[0]]),
        ["data/raw/990100/2020.csv", "990101（城关区）2020 年出现两次：第 3 行和第 5 行"]),
    "unknown county code": (
        lambda: _bad(_replace(good_rows(2020), 1, 0, "990199")),
        ["data/raw/990100/2020.csv", "第 4 行", "第 A 列「区划代码」", "区划代码 990199 不在区划表"]),
    "county of another region": (
        lambda: _bad(_replace(good_rows(2020), 1, 0, "990201")),
        ["第 4 行", "990201（城关区）属于 西岭市（990200），不属于本文件所在地区 990100"]),
    "row year outside range": (
        lambda: _bad(_replace(good_rows(2020), 0, 2, 2031)),
        ["data/raw/990100/2020.csv", "第 3 行", "第 C 列「年度」", "年度 2031 不在配置的范围 2019–2020 内"]),
    "file year disagrees with rows": (
        lambda: _bad(_replace(good_rows(2020), 1, 2, "2019年")),
        ["data/raw/990100/2020.csv", "第 4 行", "这一行的年度是 2019，文件名表明是 2020 年的数据"]),
    "text in numeric cell": (
        lambda: _bad(_replace(good_rows(2020), 0, 3, "约30")),
        # the county the row is of, beside its row: the sender finds the line by the name they typed
        ["data/raw/990100/2020.csv", "第 3 行（城关区）", "第 D 列「立案数（件）」", "「约30」不是数字"]),
    "bad division code": (
        lambda: _bad(_replace(good_rows(2020), 0, 0, "99010")),
        ["第 3 行", "第 A 列「区划代码」", "区划代码「99010」应为 6 位数字"]),
    "header only": (
        lambda: [HEADER],
        ["data/raw/990100/2020.csv", "只有表头，没有任何县区的数据行"]),
    "no header row": (
        lambda: [["甲", "乙"], ["1", "2"]],
        ["data/raw/990100/2020.csv", "找不到表头"]),
}


@pytest.mark.parametrize("case", sorted(BAD_CSV))
def test_bad_csv_is_refused_naming_file_row_column_and_staging_is_untouched(good_2019, case):
    project, before = good_2019
    make_rows, expected = BAD_CSV[case]
    project.write("2020.csv", csv_bytes(make_rows(), "gbk"))
    with pytest.raises(DataError) as err:
        ingest(project.root)
    message = err.value.report()
    for part in expected:
        if part == "第 N 列「审查调查立案」":
            part = f"第 {chr(65 + len(HEADER))} 列「审查调查立案」"
        assert part in message, message
    assert "未写入任何结果" in message
    assert facts(project) == before
    assert not list((project.root / "data" / "staging").glob(".*tmp"))


BAD_FILES = {
    "empty file": (b"", "data/raw/990100/2020.csv：文件为空"),
    "blank lines only": (b"\r\n\r\n", "文件为空"),
    "truncated inside a character": (csv_bytes([HEADER, *good_rows(2020)], "utf-8")[:-3] + "城".encode()[:2],
                                     "可能被截断"),
    "truncated mid-row": (csv_bytes([HEADER, *good_rows(2020)], "utf-8").rsplit(b",", 6)[0],
                          "第 4 行：这一行只有 7 列，表头有 13 列，文件可能被截断"),
    # the title (line 1) and header (line 2) in UTF-8, 城西区 (line 4, column B) typed in from a GBK table
    "one GBK cell in a UTF-8 file": (csv_bytes([HEADER, *good_rows(2020)], "utf-8").replace("城西区".encode(),
                                                                                         "城西区".encode("gbk")),
                                     "2020.csv，第 4 行，第 B 列「县（市、区）」：这一格不是 UTF-8 编码（文件其余部分都是 UTF-8），"
                                     "它的字节按 GBK 读是「城西区」"),
    "undecodable": (b"\xff\xfe\xfd" * 0 + "区划代码,年度\r\n".encode() + b"\x81\x20\xff\xff\r\n",
                    "无法识别文件编码"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_broken_files_are_refused_and_staging_is_untouched(good_2019, case):
    project, before = good_2019
    data, expected = BAD_FILES[case]
    project.write("2020.csv", data)
    with pytest.raises(DataError) as err:
        ingest(project.root)
    assert "data/raw/990100/2020.csv" in err.value.report()
    assert expected in err.value.report(), err.value.report()
    assert facts(project) == before


def test_parts_under_a_group_heading_are_suggested_by_their_own_label(good_2019):
    """审查调查情况 over 立案（件）, 其中：新发生（件） and 处分（人）: 立案 is known; the other two are
    suggested from their own labels (the group heading alone would suggest 立案数 for both), and the
    required columns they stand for are said at them, not again as missing."""
    project, before = good_2019
    top = [*HEADER[:3], "审查调查情况", "", "", *HEADER[6:]]
    sub = ["", "", "", "立案（件）", "其中：新发生（件）", "处分（人）", *[""] * (len(HEADER) - 6)]
    project.write("2020.csv", csv_bytes([top, sub, *good_rows(2020)], "utf-8"))
    with pytest.raises(DataError) as err:
        ingest(project.root)
    text = err.value.report()
    assert ("2020.csv，第 2 行，第 E 列「审查调查情况新发生(件)」：无法识别的表头「审查调查情况新发生(件)」（表头占第 2—3 行，"
            "这一列上下合起来读作「审查调查情况新发生(件)」），不在指标目录 data/reference/indicators.yaml 的别名中；"
            "是否指「新发生案件数」「新发生案件占比」？本表缺少必需的「新发生案件数（件）」列，多半就是这一列") in text
    assert "第 F 列「审查调查情况处分(人)」" in text and "是否指「党纪政务处分人数」？本表缺少必需的「党纪政务处分人数（人）」列" in text
    assert "立案数" not in text and "缺少必需的列" not in text and "发现 2 处问题" in text
    assert facts(project) == before


def test_truncated_xlsx_is_refused(project):
    write_xlsx(project.raw / "2019.xlsx", [HEADER, *good_rows(2019)])
    data = (project.raw / "2019.xlsx").read_bytes()
    (project.raw / "2019.xlsx").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"2019\.xlsx：文件不完整：\.xlsx 是一个压缩包，这个压缩包已损坏或被截断"):
        ingest(project.root)
    assert not (project.root / "data" / "staging" / "warehouse.duckdb").exists()


def test_file_names_and_years_are_checked(project):
    project.write_csv(2019)
    project.write("2030.csv", csv_bytes([HEADER, *good_rows(2030)]))
    project.write("2019.xls", b"old")
    write_xlsx(project.raw / "2019.xlsx", [HEADER, *good_rows(2019)])
    project.write("汇总.csv", b"x")
    with pytest.raises(DataError) as err:
        ingest(project.root)
    text = err.value.report()
    assert "data/raw/990100/2030.csv：年度 2030 不在配置的范围 2019–2020 内" in text
    assert "2019.xls：不支持旧版 Excel（.xls），请另存为 .xlsx 或 CSV" in text
    assert "2019.xlsx：2019 年已有文件 2019.csv，同一年度、同一期间只能交一个文件" in text
    assert "汇总.csv：文件名应为四位年份" in text


def test_raw_inputs_are_never_modified(project):
    path = project.write_csv(2019, encoding="gbk")
    before = path.read_bytes()
    ingest(project.root)
    assert path.read_bytes() == before


@pytest.mark.parametrize("exc", [
    PermissionError(13, "Permission denied", "/p/data/staging/.warehouse.duckdb.4242.tmp"),
    OSError(30, "Read-only file system", "/p/data/staging/.warehouse.duckdb.4242.tmp"),
])
def test_a_folder_that_cannot_be_written_is_named_not_the_temporary_file(exc):
    """Run as root the read-only folder test is skipped (root writes anyway): the wording is checked here."""
    from pipeline.errors import failure_text

    text = failure_text(exc)
    assert text.startswith("无法写入 /p/data/staging（没有写入权限，或所在磁盘是只读的）"), text
    assert "4242" not in text and ".tmp" not in text
