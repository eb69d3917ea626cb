"""Word tables that fit: widths measured with fonts' metrics at the table's type size (pipeline.report.table_fit)."""

import io

import pandas as pd
import pytest

from pipeline.report.official_docx import TABLE_PT, TYPE_AREA_TWIPS, column_widths_twips, table_size
from pipeline.report.table_fit import CELL_PADDING_PT, text_width_pt

# the region table of a city with the longest county name of Sichuan's register, and a prose column that
# cannot fit on one line: 156 mm of type area = 8,844 twips
LONGEST = "峨边彝族自治县"
SOURCE = "分子、分母均为同一批县区之和后相除（10个县区），由各县区2024年报送表第6行D、E列计算"
FRAME = pd.DataFrame({"县区": [LONGEST, "城关区"], "位次（共10个）": ["1", "10"], "等次": ["较好（封顶）", "好"],
                      "四种形态合计": ["1,226人次", "96人次"], "来源": [SOURCE, "各县区之和"]})


def test_a_cjk_character_is_one_em_and_digits_are_narrower():
    """At 12 pt, 峨边彝族自治县 is 7 x 12 = 84 pt in any Chinese face; 1,226 is less than 5 x 12 = 60 pt."""
    assert text_width_pt(LONGEST, 12) == 84
    assert 24 < text_width_pt("1,226", 12) < 60


def test_names_figures_and_headers_keep_one_line_and_prose_takes_the_rest():
    widths = column_widths_twips(FRAME, TYPE_AREA_TWIPS)
    assert sum(widths) == TYPE_AREA_TWIPS
    points = dict(zip(FRAME.columns, (w / 20 for w in widths), strict=True))
    # 7 characters of 12 pt plus the cell's margins (2 x 5.4 pt): the name is never broken
    assert points["县区"] >= 7 * TABLE_PT + CELL_PADDING_PT
    assert points["等次"] >= 6 * TABLE_PT + CELL_PADDING_PT  # 较好（封顶）: six full-width characters
    assert points["四种形态合计"] >= text_width_pt("1,226人次", TABLE_PT) + CELL_PADDING_PT
    # the header breaks only before its bracket: （共10个） on a line of its own fits
    assert points["位次（共10个）"] >= text_width_pt("（共10个）", TABLE_PT) + CELL_PADDING_PT
    # the source wraps: it gets what is left, less than its one-line width
    assert points["来源"] < text_width_pt(SOURCE, TABLE_PT)


def test_the_docx_table_carries_the_widths_and_a_numbered_centred_title(tmp_path):
    """The county table of a region report: 表1, centred, the grid columns as measured."""
    from docx import Document as Word
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn

    from pipeline.report.document import Document
    from pipeline.report.official_docx import to_official_docx

    report = Document("东川市2024年度政治生态建设评价报告", [], {}, [], FRAME, {"figures": "主要数据",
                      "appendix": "附录：数据来源"}, None, [], table_title="各县区综合评价结果", table_note="注：示例。")
    doc = Word(io.BytesIO(to_official_docx(report, appendix=pd.DataFrame({"注": ["1"], "来源": ["x"]}))))
    title = next(p for p in doc.paragraphs if p.text.startswith("表1"))
    assert title.text == "表1\u3000各县区综合评价结果" and title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    grid = [int(c.get(qn("w:w"))) for c in doc.tables[0]._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert grid == column_widths_twips(FRAME, TYPE_AREA_TWIPS)
    note = next(p for p in doc.paragraphs if p.text == "注：示例。")
    assert max(r.font.size.pt for r in note.runs) <= TABLE_PT  # a note never larger than its table


def test_a_table_too_wide_for_its_names_is_set_smaller_not_broken():
    """The region table's nine columns with 峨边彝族自治县 do not fit at 小四 (12 pt): the unbreakable pieces
    alone need more than 442 pt; at 五号 (10.5 pt) they do, and the name gets its 7 x 10.5 pt."""
    cols = ["县区", "综合评价指数", "位次（共10个）", "位次区间（90%）", "等次", "等次概率", "上年等次", "等次变化", "预警"]
    frame = pd.DataFrame([[LONGEST, "67.8", "1", "1—3", "较好（封顶）", "100%", "好", "下降", "高1条"]], columns=cols)
    size = table_size(frame, TYPE_AREA_TWIPS)
    assert size == 10.5
    widths = column_widths_twips(frame, TYPE_AREA_TWIPS, size)
    assert widths[0] / 20 >= 7 * 10.5 + CELL_PADDING_PT
    assert widths[2] / 20 >= text_width_pt("（共10个）", 10.5) + CELL_PADDING_PT
    assert table_size(FRAME, TYPE_AREA_TWIPS) == TABLE_PT  # five columns fit at 小四


@pytest.mark.parametrize("n", [1, 3, 9])
def test_widths_always_fill_the_type_area(n):
    frame = pd.DataFrame({f"列{i}": ["一二三四五六七八九十" * 3] for i in range(n)})
    assert sum(column_widths_twips(frame, TYPE_AREA_TWIPS)) == TYPE_AREA_TWIPS


def test_a_header_breaks_before_its_bracket_and_nowhere_inside_it():
    """In a column just wide enough for （共10个） the header is 位次 / （共10个）; a renderer left to itself
    fills the first line and prints 位次（共10 / 个）."""
    from pipeline.report.table_fit import cell_lines

    width = text_width_pt("（共10个）", 10.5) * 1.1 + CELL_PADDING_PT
    assert cell_lines("位次（共10个）", width, 10.5, header=True) == ["位次", "（共10个）"]
    assert cell_lines("位次（共10个）", 200, 10.5, header=True) == ["位次（共10个）"]  # room for one line: one
    narrow = text_width_pt("（封顶）", 10.5) * 1.1 + CELL_PADDING_PT  # 4 characters, not the 6 of 较好（封顶）
    assert cell_lines("较好（封顶）", narrow, 10.5) == ["较好", "（封顶）"]  # a grade and its mark


def test_chinese_beside_a_digit_counts_the_space_renderers_put_between():
    """高1条 at 12 pt: two characters (24 pt), the digit's advance, and a quarter em on each side of it."""
    assert text_width_pt("高1条", 12) == pytest.approx(24 + text_width_pt("1", 12) + 2 * 0.25 * 12)
