"""Runs of the 公文 Word layout (pipeline/report/official_docx.py): each kind of run is dressed once and copied,
so every copy must carry its own fonts and nothing one run changes may reach another."""

from docx import Document
from docx.oxml.ns import qn
from docx.shared import RGBColor

from pipeline.report.official_docx import _cited_runs, _run


def _dress(run) -> dict:
    rpr = run._r.rPr
    fonts = rpr.find(qn("w:rFonts"))
    return {"east_asia": fonts.get(qn("w:eastAsia")), "latin": fonts.get(qn("w:ascii")),
            "half_points": rpr.find(qn("w:sz")).get(qn("w:val")), "cs": rpr.find(qn("w:szCs")).get(qn("w:val")),
            "superscript": bool(run.font.superscript), "colour": rpr.find(qn("w:color")) is not None}


def test_a_cited_sentence_runs_in_its_font_with_a_superscript_note_mark():
    doc = Document()
    paragraph = doc.add_paragraph()
    _cited_runs(paragraph, "新发生案件占比为 32.6%[^1]，仍高于全国[^2]。", "仿宋_GB2312", 16)
    # 三号 is 16 pt, 32 half points; the marks print as [1], [2], raised
    assert [r.text for r in paragraph.runs] == ["新发生案件占比为 32.6%", "[1]", "，仍高于全国", "[2]", "。"]
    dressed = [_dress(r) for r in paragraph.runs]
    assert {(d["east_asia"], d["latin"], d["half_points"], d["cs"]) for d in dressed} == {
        ("仿宋_GB2312", "Times New Roman", "32", "32")}
    assert [d["superscript"] for d in dressed] == [False, True, False, True, False]
    assert paragraph.runs[0]._r[0].tag == qn("w:rPr")  # the properties come first, as Word requires


def test_what_one_run_changes_stays_with_it_in_later_runs_and_documents():
    first = Document().add_paragraph()
    seal = _run(first, "（印章）", "仿宋_GB2312", 10.5)
    seal.font.color.rgb = RGBColor.from_string("808080")
    later = _run(Document().add_paragraph(), "附注", "仿宋_GB2312", 10.5)
    assert _dress(seal)["colour"] and not _dress(later)["colour"]
    assert _dress(later)["half_points"] == "21"  # 五号 10.5 pt
    other = _run(first, "一、", "楷体_GB2312", 16)
    assert (_dress(other)["east_asia"], _dress(other)["half_points"]) == ("楷体_GB2312", "32")
