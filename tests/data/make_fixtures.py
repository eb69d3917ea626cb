"""Writes the delivery fixtures in tests/data/deliveries/: one small file per awkward case counties send.

Run once after changing a case (`python tests/data/make_fixtures.py`); the
files are committed so a reader can open each one. Every file is region
990100, year 2019, counties 990101 城关区 and 990102 城西区 (see
tests/conftest.py good_rows), with one thing changed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1]))

from conftest import HEADER, good_rows  # noqa: E402

from pipeline.report.ooxml import fixed_zip_times  # noqa: E402
from pipeline.stages.ingest.workbook import LOCKED_SHEET  # noqa: E402

OUT = HERE / "deliveries"
ROWS = good_rows(2019)


def save_xlsx(wb: Workbook, name: str) -> None:
    wb.properties.created = wb.properties.modified = dt.datetime(2025, 1, 1)  # same file on every run
    buf = io.BytesIO()
    wb.save(buf)
    (OUT / name).write_bytes(fixed_zip_times(buf.getvalue()))


def save_csv(rows: list[list[object]], name: str, delimiter: str = ",") -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n", delimiter=delimiter).writerows(rows)
    (OUT / name).write_bytes(buf.getvalue().encode("utf-8"))


def sheet(wb: Workbook, title: str, rows: list[list[object]], first: bool = False):
    ws = wb.active if first else wb.create_sheet(title)
    ws.title = title
    for r in rows:
        ws.append(r)
    return ws


def main() -> None:
    OUT.mkdir(exist_ok=True)
    # a hidden draft sheet before the data sheet: the visible one is the delivery
    wb = Workbook()
    draft = sheet(wb, "草稿", [HEADER, *[[r[0], r[1], r[2], 9999, *r[4:]] for r in ROWS]], first=True)
    draft.sheet_state = "hidden"
    sheet(wb, "报送表", [HEADER, *ROWS])
    save_xlsx(wb, "hidden_draft_sheet.xlsx")

    # two visible sheets that both look like the data
    wb = Workbook()
    sheet(wb, "2019年", [HEADER, *ROWS], first=True)
    sheet(wb, "2019年（修改）", [HEADER, *ROWS])
    save_xlsx(wb, "two_data_sheets.xlsx")

    # a workbook whose only sheet is a chart
    wb = Workbook()
    data = sheet(wb, "数据", [["a", "b"], [1, 2], [3, 4]], first=True)
    chart = BarChart()
    chart.add_data(Reference(data, min_col=2, min_row=1, max_row=3), titles_from_data=True)
    wb.create_chartsheet("图表").add_chart(chart)
    data.sheet_state = "hidden"
    save_xlsx(wb, "chart_only.xlsx")

    # formulas whose results were never computed (written by a program): openpyxl stores no cached value
    wb = Workbook()
    rows = [list(r) for r in ROWS]
    rows[0][3] = "=90+10"
    sheet(wb, "报送表", [HEADER, *rows], first=True)
    save_xlsx(wb, "formula_without_result.xlsx")

    # a share formatted as a percentage (stores 0.3299, shows 33.0%) and an integer with float noise
    wb = Workbook()
    header = [*HEADER, "新发生案件占比"]
    ws = sheet(wb, "报送表", [header, [*ROWS[0], 0.3299], [*ROWS[1], 0.25]], first=True)
    ws["N2"].number_format = "0.0%"
    ws["N3"].number_format = "0.0%"
    ws["D2"] = 100.00000000000003  # a formula's result, as Excel stores it
    save_xlsx(wb, "percent_format_and_float_noise.xlsx")

    # shares typed as fractions in every row, and a column mixing fractions and percentages
    save_csv([[*HEADER, "新发生案件占比"], [*ROWS[0], "0.3"], [*ROWS[1], "0.25"]], "shares_as_fractions.csv")
    save_csv([[*HEADER, "新发生案件占比"], [*ROWS[0], "30"], [*ROWS[1], "0.25"]], "shares_mixed.csv")

    # money in 元 while the catalog keeps 万元; a percentage header over a count
    save_csv([[*HEADER, "挽回违纪资金（元）"], [*ROWS[0], "123456"], [*ROWS[1], "5000"]], "funds_in_yuan.csv")
    save_csv([[h if h != "立案数（件）" else "立案数（%）" for h in HEADER], *ROWS], "count_with_percent_unit.csv")

    # published totals written with 万, and an approximate figure
    rows = [list(r) for r in ROWS]
    rows[0][10], rows[1][10] = "2.4万", "1.25万"
    save_csv([HEADER, *rows], "wan_numbers.csv")
    rows = [list(r) for r in ROWS]
    rows[0][10] = "2万余"
    save_csv([HEADER, *rows], "approximate_number.csv")

    # an official table: title, 序号 and 备注 columns, a 栏次 row, a units row, a subtotal between counties
    wb = Workbook()
    head = ["序号", *[h.replace("（件）", "").replace("（件次）", "") for h in HEADER], "备注"]
    marks = ["甲", "乙", "丙", "丁", *[str(i) for i in range(1, len(HEADER) - 2)], "戊"]
    units = ["", "", "", "", "件", "件", "人", "人次", "人次", "人次", "人次", "件次", "分", "人", ""]
    r1, r2 = ROWS
    sheet(wb, "Sheet1", [["东川市2019年度党风廉政建设指标汇总表（合成）"], head, marks, units,
                         [1, *r1, ""], ["", "", "市辖区小计", "", 300, 80, 275, 1100, 400, 50, 37, 1400, "", 50000, ""],
                         [2, *r2, "含补报"], ["", "", "全市合计", "", 300, 80, 275, 1100, 400, 50, 37, 1400, "", 50000, ""]],
          first=True)
    save_xlsx(wb, "official_table.xlsx")

    # a header over two rows: a merged group heading over the four forms, codes and names merged downwards
    wb = Workbook()
    top = ["区划代码", "县（市、区）", "年度", "立案数（件）", "新发生案件数", "党纪政务处分人数",
           "运用“四种形态”批评教育帮助和处理人次", None, None, None, "信访举报件次（件次）",
           "党风廉政建设社会评价满意度", "党员人数"]
    below = [None] * 6 + ["第一种形态", "第二种形态", "第三种形态", "第四种形态"] + [None] * 3
    ws = sheet(wb, "Sheet1", [top, below, *ROWS], first=True)
    ws.merge_cells("G1:J1")
    for col in "ABCDEFKLM":
        ws.merge_cells(f"{col}1:{col}2")
    save_xlsx(wb, "two_row_header.xlsx")

    # a row whose code and name belong to two different counties (figures swapped?)
    rows = [list(r) for r in ROWS]
    rows[0][1] = "城西区"
    save_csv([HEADER, *rows], "code_and_name_disagree.csv")

    # counties named but not coded
    save_csv([HEADER[1:], *[r[1:] for r in ROWS]], "names_without_codes.csv")

    # a required column present but blank in every row
    rows = [list(r) for r in ROWS]
    for r in rows:
        r[9] = ""
    save_csv([HEADER, *rows], "required_column_blank.csv")

    # semicolon-separated, as some locales export
    save_csv([HEADER, *ROWS], "semicolons.csv", delimiter=";")

    # damaged workbooks: a corrupted XML part, and other formats renamed to .xlsx
    wb = Workbook()
    sheet(wb, "报送表", [HEADER, *ROWS], first=True)
    wb.properties.created = wb.properties.modified = dt.datetime(2025, 1, 1)
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(fixed_zip_times(buf.getvalue())))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body[: len(body) // 2] + b"<<<" + body[len(body) // 2:]
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2025, 1, 1, 0, 0, 0)), body)
    (OUT / "broken_xml.xlsx").write_bytes(out.getvalue())
    (OUT / "xls_renamed.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    (OUT / "html_renamed.xlsx").write_bytes("<html><body><table><tr><td>区划代码</td></tr></table></body></html>"
                                            .encode())

    # a sheet formatted down to the last row Excel has
    wb = Workbook()
    ws = sheet(wb, "报送表", [HEADER, *ROWS], first=True)
    ws.cell(row=1_048_576, column=1).number_format = "@"
    ws.cell(row=1_048_576, column=1).value = " "
    save_xlsx(wb, "formatted_to_last_row.xlsx")

    # four counties; in 河口区's row the 立案数 cell was deleted with "shift cells left":
    # every later value sits one column to the left and the last column is blank
    four = [*ROWS, ["990103", "河口区", 2019, 120, 36, 110, 450, 160, 22, 14, 560, 87.5, 21000],
            ["990121", "青山县", 2019, 90, 25, 80, 350, 120, 16, 10, 420, 84.0, 15000]]
    shifted = [*four[2][:3], *four[2][4:], None]
    wb = Workbook()
    sheet(wb, "报送表", [HEADER, four[0], four[1], shifted, four[3]], first=True)
    save_xlsx(wb, "shifted_row.xlsx")
    # the same four counties with only the last cell blank: an ordinary missing value
    wb = Workbook()
    sheet(wb, "报送表", [HEADER, four[0], four[1], [*four[2][:-1], None], four[3]], first=True)
    save_xlsx(wb, "last_cell_blank.xlsx")

    # the same blank written as the "no data" mark; and left blank in a `make template` workbook (protected:
    # its rows cannot shift), which carries its locked cells on a very hidden sheet
    wb = Workbook()
    sheet(wb, "报送表", [HEADER, four[0], four[1], [*four[2][:-1], "—"], four[3]], first=True)
    save_xlsx(wb, "last_cell_no_data_mark.xlsx")
    wb = Workbook()
    sheet(wb, "报送表", [HEADER, four[0], four[1], [*four[2][:-1], None], four[3]], first=True)
    locked = sheet(wb, LOCKED_SHEET, [["单元格", "内容"], ["A1", HEADER[0]], ["A4", "990103"]])
    locked.sheet_state = "veryHidden"
    save_xlsx(wb, "template_last_cell_blank.xlsx")

    # six scores at the end of the row; 河口区's 政风行风满意度 cell deleted with "shift cells left": the later
    # scores move one column left and every one of them is still a plausible score
    scores = ["区划代码", "县（市、区）", "年度", "立案数", "新发生案件数", "党纪政务处分人数", "第一种形态", "第二种形态",
              "第三种形态", "第四种形态", "经济社会发展考评", "党风廉政建设社会评价满意度", "政风行风满意度",
              "选人用人评议", "平安建设群众满意度", "市委委员综合评价"]
    rows = [[*r[:10], 82.7, 76.3, 83.8, 88.6, 85.2, 82.4] for r in four]
    rows[2] = [*rows[2][:12], *rows[2][13:], None]
    wb = Workbook()
    sheet(wb, "报送表", [scores, *rows], first=True)
    save_xlsx(wb, "shifted_scores.xlsx")

    # a header over two rows whose lower labels are not indicator names on their own (一…四 under 四种形态)
    wb = Workbook()
    ws = sheet(wb, "报送表", [["东川市2019年度统计表（测试）"], [*HEADER[:6], "运用“四种形态”", None, None, None, *HEADER[10:]],
                           [None] * 6 + ["一", "二", "三", "四"] + [None] * 3, *ROWS], first=True)
    ws.merge_cells("G2:J2")
    save_xlsx(wb, "two_row_header_unknown.xlsx")

    # the year typed once into a cell merged down the rows
    wb = Workbook()
    ws = sheet(wb, "报送表", [HEADER, *[[r[0], r[1], r[2] if k == 0 else None, *r[3:]] for k, r in enumerate(four)]],
               first=True)
    ws.merge_cells("C2:C5")
    save_xlsx(wb, "merged_year.xlsx")

    # a stale copy of 城关区 left in a hidden row above the current one
    wb = Workbook()
    ws = sheet(wb, "报送表", [HEADER, [*ROWS[0][:3], 77, *ROWS[0][4:]], *ROWS], first=True)
    ws.row_dimensions[2].hidden = True
    save_xlsx(wb, "hidden_stale_row.xlsx")

    # only a chart: the data sheet was not saved with it
    wb = Workbook()
    ws = sheet(wb, "数据", [HEADER, *ROWS], first=True)
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=4, min_row=1, max_row=3), titles_from_data=True)
    wb.create_chartsheet("图表").add_chart(chart)
    wb.remove(ws)
    save_xlsx(wb, "chart_sheet_only.xlsx")

    # a chart sheet with no chart and no worksheet at all (some exporters write this)
    wb = Workbook()
    wb.create_chartsheet("图表")
    wb.remove(wb.active)
    save_xlsx(wb, "chart_sheet_empty.xlsx")

    # a units row whose name column says 单位; a region total row carrying the region's own code
    save_csv([HEADER, ["", "单位", "", "件", "件", "人", "人次", "人次", "人次", "人次", "件次", "分", "人"], *ROWS],
             "units_row_labelled.csv")
    total = ["990100", "东川市", 2019, *[a + b for a, b in zip(ROWS[0][3:], ROWS[1][3:], strict=True)]]
    save_csv([HEADER, *ROWS, total], "region_total_row.csv")
    # invisible characters: a zero-width space after a code, a NUL inside a name
    save_csv([HEADER, ["990101\u200b", *ROWS[0][1:]], [ROWS[1][0], "城\x00西区", *ROWS[1][2:]]], "invisible_characters.csv")
    # counties across, indicators down
    save_csv([["区划代码", "990101", "990102"], *[[h, a, b] for h, a, b in zip(HEADER[1:], ROWS[0][1:], ROWS[1][1:],
                                                                               strict=True)]], "transposed.csv")
    # a notes column with a cell longer than any spreadsheet cell (a whole document pasted in)
    save_csv([[*HEADER, "备注"], [*ROWS[0], "x" * 140_000], [*ROWS[1], ""]], "oversized_cell.csv")
    # UTF-16 without its byte-order mark; GBK text behind a UTF-8 byte-order mark
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([HEADER, *ROWS])
    (OUT / "utf16_without_bom.csv").write_bytes(buf.getvalue().encode("utf-16-le"))
    (OUT / "gbk_with_utf8_bom.csv").write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("gbk"))

    # traditional Chinese headers saved in Big5 (Taiwan/Hong Kong Excel default)
    big5 = ["區劃代碼", "縣（市、區）", "年度", "立案數（件）", "新發生案件數", "黨紀政務處分人數", "第一種形態",
            "第二種形態", "第三種形態", "第四種形態", "信訪舉報件次（件次）", "黨風廉政建設社會評價滿意度", "黨員人數"]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([big5, *[[r[0], "城關區" if r[0] == "990101" else "城西區", *r[2:]]
                                                             for r in ROWS]])
    (OUT / "big5.csv").write_bytes(buf.getvalue().encode("big5"))


if __name__ == "__main__":
    main()
