"""Deliveries as counties send them: one fixture per case in tests/data/deliveries/ (see make_fixtures.py).

Each test asserts the stored value (and how it was read) or the message
(file, row, cell, what to do), and that a refused file leaves no staging
warehouse behind.
"""

from __future__ import annotations

import os
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
    ("broken_xml.xlsx", "工作簿的内部结构有错误（由不完全兼容的软件生成，或文件已损坏），无法读取"),
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
    from pipeline.stages.ingest import parsing

    deliver(project, "semicolons.csv")

    def boom(*args, **kwargs):
        raise RuntimeError("解析器内部错误")

    monkeypatch.setattr(parsing, "parse_delivery", boom)  # where each file is parsed (a task on the executor)
    with pytest.raises(DataError, match=r"2019\.csv：读取这个文件时程序出错，文件未能读入.*加 --debug") as err:
        ingest(project.root)
    assert "RuntimeError" not in err.value.report()  # exception names are for --debug, not for the analyst


def test_an_unwritable_warehouse_folder_is_a_message_not_a_traceback(project):
    import sys

    from conftest import run_cmd

    deliver(project, "semicolons.csv")
    (project.root / "data/staging").write_text("not a folder", encoding="utf-8")  # root ignores chmod; this blocks
    proc = run_cmd([sys.executable, "-m", "pipeline.stages.ingest"], project.root, check=False,
                   POLIECO_ROOT=str(project.root), PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    assert proc.returncode == 1
    assert proc.stderr == ("导入失败：data/staging 应是一个文件夹，现在却是一个文件。请把这个文件移走或改名后重新运行；"
                           "上次的仓库 data/staging/warehouse.duckdb 保持不变。\n")
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


def test_a_blank_last_cell_where_every_other_row_has_one_is_refused(project):
    """A deleted cell can leave every value plausible; the blank end of the row is what shows it."""
    text = refused(project, "last_cell_blank.xlsx")
    assert ("data/raw/990100/2019.xlsx，第 4 行（河口区）：这一行的最后一列「党员人数」为空，而其他 3 行都填了。可能删除了一个单元格、"
            "其后的数值左移了一列（这一行的数值都在合理范围内，从数值上看不出）。请对照原表核对这一行；"
            "如果这个县区确实没有这项数据，请在该单元格填“—”（表示无数据）") in text


def test_a_no_data_mark_is_stored_as_missing_and_said(project):
    deliver(project, "last_cell_no_data_mark.xlsx")
    deliveries, _ = ingest(project.root)
    facts = stored(project)
    assert facts[("990103", "party_members")][0] is None and facts[("990103", "cases_filed")][0] == 120
    assert deliveries[0].notes == ["data/raw/990100/2019.xlsx：1 个单元格填写了“—”（M4），按“无数据”存储，报告中写作缺数，"
                                   "不按 0 计算（如果要表示 0，请填 0）"]
    with duckdb.connect(str(project.root / "data/staging/warehouse.duckdb"), read_only=True) as con:
        note = con.execute("SELECT source_text, source_note FROM facts WHERE county_code = '990103' "
                           "AND indicator = 'party_members'").fetchone()
    assert note == ("—", "原文「—」表示无数据，按缺数存储")


def test_a_template_row_with_a_blank_last_cell_is_an_ordinary_missing_value(project):
    """A `make template` sheet is protected: no cell can be deleted, so a blank is just a blank."""
    deliver(project, "template_last_cell_blank.xlsx")
    ingest(project.root)
    assert stored(project)[("990103", "party_members")][0] is None


def test_a_big5_file_is_named_for_its_encoding(project):
    text = refused(project, "big5.csv")
    assert "data/raw/990100/2019.csv：文件是繁体中文 Big5 编码" in text and "另存为“CSV UTF-8”" in text


# ---------------------------------------------------------------- refusals that name the real problem


def test_shifted_scores_that_all_stay_plausible_are_refused_by_the_rows_shape(project):
    """政风行风满意度 deleted in 河口区's row: 88.6, 85.2, 82.4 each move one score left, all within 0-100."""
    text = refused(project, "shifted_scores.xlsx")
    assert ("2019.xlsx，第 4 行（河口区）：这一行的最后一列「市委委员综合评价」为空，而其他 3 行都填了。可能删除了一个单元格、"
            "其后的数值左移了一列") in text


def test_a_header_over_two_rows_is_said_to_span_them(project):
    text = refused(project, "two_row_header_unknown.xlsx")
    assert ("2019.xlsx，第 2 行，第 G 列「运用“四种形态”一」：无法识别的表头「运用“四种形态”一」（表头占第 2—3 行，"
            "这一列上下合起来读作「运用“四种形态”一」）") in text
    assert "第 3 行" not in text  # the labels' row is part of the header, not a county's row


def test_a_units_row_labelled_in_the_name_column_is_not_data(project):
    deliver(project, "units_row_labelled.csv")
    deliveries, _ = ingest(project.root)
    assert deliveries[0].data_rows == 2 and stored(project)[("990101", "cases_filed")][0] == 100


def test_invisible_characters_are_shown_in_the_message(project):
    text = refused(project, "invisible_characters.csv")
    assert "区划代码「990101\\u200b」应为 6 位数字（其中 \\u200b 是看不见的字符：零宽空格" in text
    assert "这一行却写作「城\\x00西区」" in text and "\\x00 是看不见的字符：空字符（NUL）" in text
    assert "\u200b" not in text and "\x00" not in text


def test_a_region_total_row_is_said_to_be_a_total_and_left_out(project):
    deliver(project, "region_total_row.csv")
    deliveries, _ = ingest(project.root)
    assert deliveries[0].notes == ["data/raw/990100/2019.csv 第 4 行：区划代码 990100 是本地区自身的代码，这一行是全地区合计，"
                                   "不作为县区数据读入"]
    assert {c for c, _ in stored(project)} == {"990101", "990102"}


def test_a_merged_year_column_is_one_message_about_the_merge(project):
    text = refused(project, "merged_year.xlsx")
    assert text.count("\n  - ") == 1
    assert ("2019.xlsx，第 2 行，第 C 列「年度」：单元格 C2:C5 是合并单元格：只有第一格 C2 有内容，第 3—5 行读出来是空的") in text


@pytest.mark.parametrize("fixture, says", [
    ("chart_sheet_only.xlsx", "工作簿中没有可见的数据工作表（只有图表「图表」）"),
    ("chart_sheet_empty.xlsx", "工作簿中只有图表，没有数据工作表"),
])
def test_a_workbook_of_charts_only_says_so(project, fixture, says):
    text = refused(project, fixture)
    assert says in text and "Error" not in text


def test_a_transposed_table_is_said_once(project):
    text = refused(project, "transposed.csv")
    assert text.count("\n  - ") == 1
    assert "2019.csv，第 1 行：表格是转置的：县区排在第 1 行的各列（990101、990102……），指标排在各行" in text


def test_an_oversized_cell_is_named_with_its_size(project):
    text = refused(project, "oversized_cell.csv")
    assert ("2019.csv，第 2 行，第 N 列：这个单元格有 140,000 个字符，超过表格单元格最多能容纳的 32,767 个字符") in text
    assert "field" not in text and "引号" not in text


def test_a_hidden_stale_row_is_named_as_hidden(project):
    text = refused(project, "hidden_stale_row.xlsx")
    assert "990101（城关区）2019 年出现两次：第 2 行和第 3 行；其中第 2 行是隐藏行（在 Excel 中看不到" in text


def test_utf16_without_bom_is_read_and_said(project):
    deliver(project, "utf16_without_bom.csv")
    deliveries, _ = ingest(project.root)
    assert deliveries[0].encoding == "utf-16-le"
    assert deliveries[0].notes == ["文件为不带字节序标记（BOM）的 UTF-16 编码，已按此读取"]
    assert stored(project)[("990102", "party_members")][0] == 30000


def test_gbk_behind_a_utf8_bom_is_named(project):
    text = refused(project, "gbk_with_utf8_bom.csv")
    assert "2019.csv，第 1 行：文件开头有 UTF-8 的字节序标记（BOM），内容从第 1 行起却是 GBK 编码" in text


# ---------------------------------------------------------------- the stage boundary


READ_ONLY_SAYS = ("导入失败：无法写入 data/staging（没有写入权限，或所在磁盘是只读的）。请换到可写的文件夹运行，或请管理员开放写权限；"
                  "上次的仓库 data/staging/warehouse.duckdb 保持不变。\n")


def test_duckdb_refusing_to_write_is_a_message_naming_the_folder(project, monkeypatch, capsys):
    """DuckDB's IOException is not an OSError; the boundary names the folder it could not write."""
    import sys

    from pipeline.stages.ingest import stage, warehouse

    deliver(project, "semicolons.csv")
    staging = project.root / "data/staging"

    def read_only(path, *args, **kwargs):
        raise duckdb.IOException(f'IO Error: Cannot open file "{path}": Permission denied')

    monkeypatch.setattr(warehouse.duckdb, "connect", read_only)
    monkeypatch.setenv("POLIECO_ROOT", str(project.root))
    monkeypatch.chdir(project.root)
    monkeypatch.setattr(sys, "argv", ["ingest"])
    with pytest.raises(SystemExit) as exit_:
        stage.main()
    assert exit_.value.code == 1
    assert capsys.readouterr().err == READ_ONLY_SAYS
    assert not (staging / "warehouse.duckdb").exists() and not list(staging.glob("*.tmp"))


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes through a read-only mode")
def test_a_read_only_staging_folder_is_a_message_not_a_traceback(project):
    import sys

    from conftest import run_cmd

    deliver(project, "semicolons.csv")
    staging = project.root / "data/staging"
    staging.mkdir(parents=True)
    staging.chmod(0o555)
    try:
        proc = run_cmd([sys.executable, "-m", "pipeline.stages.ingest"], project.root, check=False,
                       POLIECO_ROOT=str(project.root), PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    finally:
        staging.chmod(0o755)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "导入失败：无法写入 data/staging（没有写入权限" in proc.stderr


def test_a_later_stage_without_its_input_says_which_file_and_what_to_do(project):
    import sys

    from conftest import run_cmd

    proc = run_cmd([sys.executable, "-m", "pipeline.stages.measures"], project.root, check=False,
                   POLIECO_ROOT=str(project.root), PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "Error" not in proc.stderr
    assert proc.stderr.startswith("指标计算失败：找不到 data/warehouse.duckdb。请先运行前面的阶段（dvc repro 会按顺序运行）")
