from openpyxl import load_workbook

from pipeline.catalog import load_catalog
from pipeline.config import Paths
from pipeline.stages.ingest import ingest
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
