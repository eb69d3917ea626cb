"""Deliveries as counties send them: one fixture per case in tests/data/deliveries/ (see make_fixtures.py).

Each test asserts the stored value (and how it was read) or the message
(file, row, cell, what to do), and that a refused file leaves no staging
warehouse behind.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import duckdb
import pytest

from pipeline.errors import DataError
from pipeline.stages.ingest import ingest

FIXTURES = Path(__file__).resolve().parent / "data" / "deliveries"


def deliver(project, fixture: str, year: int = 2019) -> Path:
    src = FIXTURES / fixture
    target = project.raw / f"{year}{src.suffix}"
    shutil.copyfile(src, target)
    return target


def stored(project) -> dict[tuple[str, str], tuple[float | None, str | None, str]]:
    """(county, indicator) -> (value, how it was read, cell) from the staging warehouse."""
    with duckdb.connect(str(project.root / "data/staging/warehouse.duckdb"), read_only=True) as con:
        rows = con.sql("SELECT county_code, indicator, value, source_note, source_cell FROM facts").fetchall()
    return {(c, i): (v, n, cell) for c, i, v, n, cell in rows}


def refused(project, fixture: str) -> str:
    deliver(project, fixture)
    with pytest.raises(DataError) as err:
        ingest(project.root)
    assert not (project.root / "data/staging/warehouse.duckdb").exists()
    return err.value.report()


# ---------------------------------------------------------------- workbooks


def test_hidden_draft_sheet_is_skipped_for_the_visible_one(project):
    deliver(project, "hidden_draft_sheet.xlsx")
    ingest(project.root)
    assert stored(project)[("990101", "cases_filed")][0] == 100  # the hidden draft says 9999


def test_two_sheets_that_look_like_data_are_refused_by_name(project):
    text = refused(project, "two_data_sheets.xlsx")
    assert "「2019年」「2019年（修改）」" in text and "请只保留要报送的一个" in text


def test_a_chart_only_workbook_is_refused_cleanly(project):
    assert "没有可见的数据工作表（只有图表「图表」、隐藏的工作表「数据」）" in refused(project, "chart_only.xlsx")


def test_formula_without_saved_result_is_refused_with_the_cell(project):
    text = refused(project, "formula_without_result.xlsx")
    assert "2019.xlsx，第 2 行，第 D 列：单元格 D2 是公式（=90+10），但文件中没有保存计算结果" in text
    assert "请在 Excel 或 WPS 中打开并保存后再报送" in text


def test_percent_formatted_share_and_float_noise(project):
    deliver(project, "percent_format_and_float_noise.xlsx")
    ingest(project.root)
    facts = stored(project)
    value, note, cell = facts[("990101", "reported_new_onset_share")]
    assert value == pytest.approx(32.99) and cell == "N2" and "百分比格式" in note  # not 0.33%
    assert facts[("990101", "cases_filed")][0] == 100  # 100.00000000000003 from a formula


@pytest.mark.parametrize(("fixture", "says"), [
    ("broken_xml.xlsx", "不是完整的 .xlsx 文件，可能被截断或已损坏"),
    ("xls_renamed.xlsx", "扩展名是 .xlsx，但文件实际是旧版 Excel 或 WPS 文件（.xls/.et）"),
    ("html_renamed.xlsx", "扩展名是 .xlsx，但文件实际是网页（HTML）文件"),
])
def test_damaged_or_renamed_workbooks_get_a_message_not_a_traceback(project, fixture, says):
    text = refused(project, fixture)
    assert "data/raw/990100/2019.xlsx" in text and says in text


def test_sheet_formatted_to_the_last_row_is_read_in_seconds(project):
    deliver(project, "formatted_to_last_row.xlsx")
    start = time.perf_counter()
    deliveries, _ = ingest(project.root)
    assert deliveries[0].data_rows == 2
    assert time.perf_counter() - start < 60  # a guard against reading a million rows, not a benchmark


# ---------------------------------------------------------------- numbers and units


def test_shares_typed_as_fractions_are_read_as_percentages_with_a_note(project):
    deliver(project, "shares_as_fractions.csv")
    ingest(project.root)
    value, note, _ = stored(project)[("990102", "reported_new_onset_share")]
    assert value == pytest.approx(25.0) and "按比例小数填写（0.25）" in note


def test_a_column_mixing_fractions_and_percentages_is_refused(project):
    text = refused(project, "shares_mixed.csv")
    assert "第 3 行，第 N 列「新发生案件占比」：「0.25」可能是比例小数（25%），也可能是 0.25%" in text


def test_money_in_yuan_is_converted_to_wan_yuan_and_said(project):
    deliver(project, "funds_in_yuan.csv")
    ingest(project.root)
    value, note, _ = stored(project)[("990101", "funds_recovered")]
    assert value == pytest.approx(12.3456) and note == "表头单位为元，已换算为万元（× 0.0001）"


def test_a_percentage_unit_over_a_count_is_refused(project):
    assert "表头写的单位是「%」，但立案数的单位是件，无法换算" in refused(project, "count_with_percent_unit.csv")


def test_totals_written_with_wan_are_read_and_noted(project):
    deliver(project, "wan_numbers.csv")
    ingest(project.root)
    value, note, _ = stored(project)[("990101", "petitions")]
    assert value == 24000 and note == "原文写作「2.4万」，按 24,000 计（以万为单位的约数）"
    assert stored(project)[("990102", "petitions")][0] == 12500


def test_an_approximate_figure_is_refused(project):
    assert "「2万余」是约数，不是确切数字" in refused(project, "approximate_number.csv")


# ---------------------------------------------------------------- tables as sent


def test_official_table_with_serial_note_columns_line_and_units_rows_and_subtotals(project):
    deliver(project, "official_table.xlsx")
    deliveries, _ = ingest(project.root)
    facts = stored(project)
    assert deliveries[0].data_rows == 2  # 市辖区小计 and 全市合计 are not counties
    assert facts[("990101", "cases_filed")][:1] == (100,) and facts[("990102", "cases_filed")][0] == 200
    assert facts[("990101", "cases_filed")][2] == "E5"  # column E after 序号; row 5 under title, header, 栏次, units


def test_code_and_name_of_two_different_counties_are_refused(project):
    text = refused(project, "code_and_name_disagree.csv")
    assert "区划代码 990101 在区划表中是「城关区」，这一行却写作「城西区」（「城西区」是 990102 的名称，两县区的数据可能串行）" in text


def test_counties_named_without_codes_are_matched_within_the_region(project):
    deliver(project, "names_without_codes.csv")
    ingest(project.root)
    assert stored(project)[("990102", "cases_filed")][0] == 200


def test_a_required_column_left_blank_everywhere_is_refused(project):
    text = refused(project, "required_column_blank.csv")
    assert "必需的列「第四种形态」整列为空" in text


def test_semicolon_separated_file_is_read(project):
    deliver(project, "semicolons.csv")
    ingest(project.root)
    assert stored(project)[("990101", "cases_filed")][0] == 100


# ---------------------------------------------------------------- files, re-sends, stage boundary


def test_a_year_folder_of_county_files_is_one_delivery(project):
    from conftest import HEADER, csv_bytes, good_rows, write_xlsx

    folder = project.raw / "2019"
    folder.mkdir()
    one, two = good_rows(2019)
    (folder / "城关区报送.csv").write_bytes(csv_bytes([HEADER, one]))
    write_xlsx(folder / "城西区.xlsx", [HEADER, two])
    ingest(project.root)
    facts = stored(project)
    assert facts[("990101", "cases_filed")][0] == 100 and facts[("990102", "cases_filed")][0] == 200
    with duckdb.connect(str(project.root / "data/staging/warehouse.duckdb"), read_only=True) as con:
        files = {r[0] for r in con.sql("SELECT DISTINCT source_file FROM facts").fetchall()}
    assert files == {"data/raw/990100/2019/城关区报送.csv", "data/raw/990100/2019/城西区.xlsx"}


def test_a_county_in_two_files_of_a_year_folder_is_refused(project):
    from conftest import HEADER, csv_bytes, good_rows

    folder = project.raw / "2019"
    folder.mkdir()
    (folder / "a.csv").write_bytes(csv_bytes([HEADER, *good_rows(2019)]))
    (folder / "b.csv").write_bytes(csv_bytes([HEADER, good_rows(2019)[0]]))
    with pytest.raises(DataError, match="990101 的 2019 年数据已在 data/raw/990100/2019/a.csv 中"):
        ingest(project.root)


def test_last_years_file_sent_again_is_refused_naming_both(project):
    from conftest import HEADER, csv_bytes, good_rows

    header = [h for h in HEADER if h != "年度"]
    rows = [[c for k, c in enumerate(r) if k != 2] for r in good_rows(2019)]
    project.write("2019.csv", csv_bytes([header, *rows]))
    project.write("2020.csv", csv_bytes([header, *rows]))
    with pytest.raises(DataError) as err:
        ingest(project.root)
    assert ("data/raw/990100/2020.csv：与 data/raw/990100/2019.csv 的 20 个数值逐格相同，可能是把 2019 年的文件"
            "当作 2020 年重新报送") in err.value.report()


def test_an_unexpected_failure_names_the_file(project, monkeypatch):
    from pipeline.stages import ingest as stage

    deliver(project, "semicolons.csv")

    def boom(*args, **kwargs):
        raise RuntimeError("解析器内部错误")

    monkeypatch.setattr(stage, "parse_delivery", boom)
    with pytest.raises(DataError, match=r"2019\.csv：读取时出错（RuntimeError: 解析器内部错误）.*加 --debug"):
        ingest(project.root)


def test_an_unwritable_warehouse_folder_is_a_message_not_a_traceback(project):
    import sys

    from conftest import run_cmd

    deliver(project, "semicolons.csv")
    (project.root / "data/staging").write_text("not a folder", encoding="utf-8")  # root ignores chmod; this blocks
    proc = run_cmd([sys.executable, "-m", "pipeline.stages.ingest"], project.root, check=False,
                   POLIECO_ROOT=str(project.root), PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    assert proc.returncode == 1
    assert "导入失败：无法读写" in proc.stderr and "上次的仓库保持不变" in proc.stderr
    assert "Traceback" not in proc.stderr
    debug = run_cmd([sys.executable, "-m", "pipeline.stages.ingest", "--debug"], project.root, check=False,
                    POLIECO_ROOT=str(project.root), PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    assert "Traceback" in debug.stderr


def test_a_header_over_two_rows_with_a_merged_group_heading(project):
    deliver(project, "two_row_header.xlsx")
    deliveries, _ = ingest(project.root)
    facts = stored(project)
    assert deliveries[0].data_rows == 2
    assert facts[("990101", "form1_persons")][0] == 400 and facts[("990102", "form4_persons")][0] == 25
    assert facts[("990101", "cases_filed")][2] == "D3"  # data start under the two header rows


def test_parts_blank_beside_a_reported_total_are_not_a_blank_required_column(project):
    from conftest import HEADER, csv_bytes, good_rows

    header = [*HEADER[:6], "四种形态总人次", *HEADER[6:]]
    rows = [[*r[:6], 582, "", "", "", "", *r[10:]] for r in good_rows(2019)]
    project.write("2019.csv", csv_bytes([header, *rows]))
    ingest(project.root)  # the catalog's four_forms_sum is reported_as four_forms_total: the total stands for them
    assert stored(project)[("990101", "four_forms_total")][0] == 582


# ---------------------------------------------------------------- shifted rows and encodings


def test_a_row_shifted_left_by_a_deleted_cell_is_refused_with_the_row(project):
    # 河口区 (row 4): 立案数 deleted, 120 gone, 36 now under 立案数 ... 21000 under the score column
    text = refused(project, "shifted_row.xlsx")
    assert "第 4 行" in text and "最后一列「党员人数」为空" in text
    assert "「信访举报件次」列的「87.5」不像件次数" in text  # the score, one column left of its own
    assert "可能删除了一个单元格、其后的数值左移了一列" in text


def test_a_blank_last_cell_alone_is_an_ordinary_missing_value(project):
    deliver(project, "last_cell_blank.xlsx")
    ingest(project.root)
    facts = stored(project)
    assert facts[("990103", "party_members")][0] is None and facts[("990103", "cases_filed")][0] == 120


def test_a_big5_file_is_named_for_its_encoding(project):
    text = refused(project, "big5.csv")
    assert "data/raw/990100/2019.csv：文件是繁体中文 Big5 编码" in text and "另存为“CSV UTF-8”" in text
