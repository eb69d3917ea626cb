import pytest
from openpyxl import load_workbook

from pipeline.catalog import load_catalog
from pipeline.config import Paths
from pipeline.errors import DataError
from pipeline.stages.ingest import ingest
from pipeline.stages.validate import validate
from pipeline.template import write_template


def test_blank_template_lists_every_county_and_maps_back_through_ingest(project):
    out = project.raw / "2020.xlsx"
    write_template(project.root, "990100", 2020, out)
    catalog = load_catalog(Paths(project.root).catalog)
    wb = load_workbook(out)
    ws = wb["指标表"]
    assert "2020年度" in ws["A1"].value and "东川市" in ws["A1"].value
    headers = [c.value for c in ws[2]]
    assert headers[:3] == ["区划代码", "县（市、区）", "年度"]
    assert headers[3:] == [i.header for i in catalog.indicators]
    assert "立案数（件）" in headers and "党风廉政建设社会评价满意度（分）" in headers
    codes = [ws.cell(row=r, column=1).value for r in range(3, ws.max_row + 1)]
    assert codes == ["990101", "990102", "990103", "990121", "990122", "990123", "990124", "990125",
                     "990126", "990181"]
    assert wb["填表说明"]["B2"].value == "立案数"
    # a county fills in its row (required columns) and the file goes straight into ingest
    required = [j + 1 for j, h in enumerate(headers) if j >= 3 and catalog[catalog.match_header(h)].required]
    for r in range(3, ws.max_row + 1):
        for j in required:
            ws.cell(row=r, column=j, value=10)
    wb.save(out)
    deliveries, _ = ingest(project.root)
    assert deliveries[0].data_rows == 10 and deliveries[0].fmt == "xlsx"


def _template(project, year=2020):
    out = project.raw / f"{year}.xlsx"
    write_template(project.root, "990100", year, out)
    return out, load_workbook(out)


def _fill_required(ws, catalog, value=10):
    headers = [c.value for c in ws[2]]
    required = [j + 1 for j, h in enumerate(headers) if j >= 3 and catalog[catalog.match_header(h)].required]
    for r in range(3, ws.max_row + 1):
        for j in required:
            ws.cell(row=r, column=j, value=value)
    return headers


def test_every_figure_column_carries_excel_validation_with_a_chinese_message(project):
    _, wb = _template(project)
    ws = wb["指标表"]
    headers = [c.value for c in ws[2]]
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert len(rules) == len(headers) - 3  # one per figure column, none on code, name, year

    def rule(header):
        letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[headers.index(header)] if headers.index(header) < 26 else None
        letter = letter or "A" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[headers.index(header) - 26]
        return rules[f"{letter}3:{letter}12"]
    filed, score, share, funds = (rule(h) for h in ("立案数（件）", "党风廉政建设社会评价满意度（分）",
                                                    "新发生案件占比（%）", "挽回（收缴）违纪资金（万元）"))
    assert (filed.type, filed.operator, filed.formula1) == ("whole", "greaterThanOrEqual", "0")
    assert (score.type, score.operator, score.formula1, score.formula2) == ("decimal", "between", "0", "100")
    assert (share.type, share.formula2) == ("decimal", "100") and "32.6 表示 32.6%" in share.prompt
    assert (funds.type, funds.operator) == ("decimal", "greaterThanOrEqual")
    assert filed.errorStyle == "stop" and filed.showErrorMessage and "不要填文字" in filed.error
    assert filed.prompt.startswith("单位：件；填不小于 0 的整数。县级通常在 0–20000。")
    notes = wb["填表说明"]
    assert "e+" not in "".join(str(c.value) for row in notes.iter_rows() for c in row)
    assert [c.value for c in notes[2]][:6] == ["D", "立案数", "件", "计数", "≥0，整数", "0–20000"]


def test_codes_names_and_year_are_locked_text_cells_and_figures_open(project):
    _, wb = _template(project)
    ws = wb["指标表"]
    assert ws.protection.sheet
    assert ws["A3"].value == "990101" and ws["A3"].number_format == "@" and ws["A3"].protection.locked
    assert ws["B3"].protection.locked and ws["C3"].protection.locked and ws["D2"].protection.locked
    assert not ws["D3"].protection.locked and ws["D3"].number_format == "0"
    assert wb["模板锁定单元格"].sheet_state == "veryHidden"


def test_a_returned_template_with_a_letter_and_188_is_refused_by_cell(project):
    """Excel refuses both on entry (the rules above); a file filled by a program passes them by, so ingest and
    validation refuse them, naming the cell."""
    out, wb = _template(project)
    catalog = load_catalog(Paths(project.root).catalog)
    ws = wb["指标表"]
    headers = _fill_required(ws, catalog)
    score_col = headers.index("党风廉政建设社会评价满意度（分）") + 1
    ws.cell(row=4, column=headers.index("立案数（件）") + 1, value="l2")  # a letter typed for 12
    ws.cell(row=5, column=score_col, value=188)
    wb.save(out)
    with pytest.raises(DataError) as err:
        ingest(project.root)
    assert "data/raw/990100/2020.xlsx，第 4 行（城西区），第 D 列「立案数（件）」：「l2」不是数字" in str(err.value)
    # the message says what the template's 填表说明 says about no data: leave it blank (its cells refuse “—”)
    assert "无数据请留空）" in str(err.value) and "“—”" not in str(err.value)
    ws.cell(row=4, column=headers.index("立案数（件）") + 1, value=12)
    wb.save(out)
    ingest(project.root)
    ok, findings, _ = validate(project.root)
    critical = [str(f) for f in findings if f.severity == "critical"]
    assert not ok and len(critical) == 1
    assert "党风廉政建设社会评价满意度：得分应在 0–100 之间" in critical[0] and "= 188" in critical[0]


def test_a_returned_template_with_a_locked_cell_changed_is_refused_naming_the_cell(project):
    out, wb = _template(project)
    catalog = load_catalog(Paths(project.root).catalog)
    ws = wb["指标表"]
    _fill_required(ws, catalog)
    ws["A5"] = "990102"  # a county's code overwritten with its neighbour's
    wb.save(out)
    with pytest.raises(DataError) as err:
        ingest(project.root)
    assert "单元格 A5 是模板锁定的单元格，模板中为「990103」，交回的文件中为「990102」" in str(err.value)
    assert not (project.root / "data/staging/warehouse.duckdb").exists()


@pytest.mark.parametrize("header", ["其中：新发生案件数", "新发生案件数（件）", "其中:新发生案件数(件)"])
def test_official_header_forms_are_read_without_an_alias(project, header):
    catalog = load_catalog(Paths(project.root).catalog)
    assert catalog.match_header(header) == "new_onset_cases"
    assert catalog.match_header("党风廉政建设社会评价满意度得分") == "integrity_satisfaction"
