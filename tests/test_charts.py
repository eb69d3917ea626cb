import re
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from matplotlib.figure import Figure

from pipeline.report import charts
from pipeline.report.fmt import load_words

WORDS = load_words(REPO, "zh")


def _render(fig: Figure) -> None:
    fig.savefig(__import__("io").BytesIO(), format="png")


def _trend_chart():
    county = pd.DataFrame({"year": [2015, 2016, 2017], "value": [30.0, float("nan"), 33.5],
                           "text": ["30.0%", None, "33.5%"]})
    region = pd.DataFrame({"year": [2015, 2016, 2017], "value": [29.0, 29.5, 30.0]})
    return charts.share_trend_chart(county, region, title="新发生案件占比：城关区", county_label="城关区",
                                    region_label="东川市（全市）", y_label="新发生案件占比（%）", words=WORDS,
                                    notes=["2016 年未报送，图中留空"])


def test_chinese_labels_render_without_missing_glyphs():
    charts.use_report_style()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" becomes a failure
        _render(_trend_chart())


def test_the_glyph_check_fails_without_the_cjk_font():
    """Negative control: the same chart with only DejaVu Sans must warn, or the test above proves nothing."""
    import matplotlib

    charts.use_report_style()
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"], "font.sans-serif": ["DejaVu Sans"]}), \
            pytest.warns(UserWarning, match="missing from font"):
        _render(_trend_chart())


def test_trend_chart_draws_gaps_not_zeros():
    fig = _trend_chart()
    county_line = fig.axes[0].lines[0]
    y = np.asarray(county_line.get_ydata(), dtype=float)
    assert y[0] == 30.0 and np.isnan(y[1]) and y[2] == 33.5
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "缺数" in texts and "33.5" in texts
    assert fig.axes[0].get_title() == "新发生案件占比：城关区"
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["城关区", "东川市（全市）"]


def test_four_forms_chart_stacks_shares_to_100_and_flags_inversion():
    ff = pd.DataFrame({"year": [2019, 2020], "form1_persons": [60, 20], "form2_persons": [30, 50],
                       "form3_persons": [6, 20], "form4_persons": [4, 10], "four_forms_sum": [100, 100],
                       "form1_share": [60.0, 20.0], "form2_share": [30.0, 50.0], "form3_share": [6.0, 20.0],
                       "form4_share": [4.0, 10.0], "pyramid_holds": [1.0, 0.0]})
    forms = ["form1_persons", "form2_persons", "form3_persons", "form4_persons"]
    shares = ["form1_share", "form2_share", "form3_share", "form4_share"]
    fig = charts.four_forms_chart(ff, forms, shares, ["第一种形态", "第二种形态", "第三种形态", "第四种形态"],
                                  title="四种形态", words=WORDS)
    right = fig.axes[1]
    tops = {}
    for patch in right.patches:
        x = round(patch.get_x() + patch.get_width() / 2)
        tops[x] = max(tops.get(x, 0), patch.get_y() + patch.get_height())
    assert tops == {2019: pytest.approx(100.0), 2020: pytest.approx(100.0)}
    assert "倒挂" in [t.get_text() for t in right.texts]
    assert [t.get_text() for t in right.get_legend().get_texts()] == ["第一种形态", "第二种形态", "第三种形态", "第四种形态"]


def _png(data: bytes):
    from PIL import Image

    return np.asarray(Image.open(__import__("io").BytesIO(data)).convert("RGB"))


def test_chart_png_is_cut_to_what_the_chart_draws_like_a_tight_savefig():
    """Drawn once and cropped: the size matplotlib's own tight bounding box gives (within the pixel rounding
    of its layout), a white band of exactly 0.1 inch (10 px at 100 dpi) with ink just inside it, and the same
    bytes for the same chart."""
    charts.use_report_style()
    fig = _trend_chart()
    tight = __import__("io").BytesIO()
    fig.savefig(tight, format="png", bbox_inches="tight", pad_inches=0.1)
    expected_h, expected_w = _png(tight.getvalue()).shape[:2]
    png = charts.chart_png(fig)
    pixels = _png(png)
    assert abs(pixels.shape[0] - expected_h) <= 3 and abs(pixels.shape[1] - expected_w) <= 3
    assert pixels.shape[1] < 8 * 100 - 60  # the figure's own blank right margin (0.8 in) was cut
    ink = (pixels < 250).any(axis=2)
    assert not ink[:10].any() and not ink[-10:].any() and not ink[:, :10].any() and not ink[:, -10:].any()
    assert ink[10].any() and ink[-11].any() and ink[:, 10].any() and ink[:, -11].any()
    assert charts.chart_png(_trend_chart()) == png


def test_chart_png_keeps_a_label_that_runs_past_the_canvas():
    """A long name on one's own data can run past the figure's edge: the picture grows to take it in
    (as a tight savefig does) instead of cutting it off at the canvas."""
    charts.use_report_style()
    fig = Figure(figsize=(4, 2))
    ax = fig.add_subplot()
    ax.plot([1, 2], [1, 2])
    ax.text(1.05, 0.5, "新疆维吾尔自治区巴音郭楞蒙古自治州和静县", transform=ax.transAxes)
    pixels = _png(charts.chart_png(fig))
    assert pixels.shape[1] > 4 * 100 + 100  # wider than the 400-px canvas by most of the label
    ink = (pixels < 250).any(axis=2)
    assert not ink[:, -10:].any() and ink[:, -11].any()  # and still framed by the white band


@pytest.mark.parametrize("rows", [3, 12])
def test_comparison_chart_keeps_its_source_notes_under_the_axis_however_many_rows(rows):
    """The notes (the national figure's source, the synthetic-data mark) sit just under the axis label:
    with margins as fractions of a figure that grows with the rows, a city's twelve rows left about two
    inches of blank between them."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    charts.use_report_style()
    shares = ["form1_share", "form2_share", "form3_share", "form4_share"]
    table = pd.DataFrame({"who": [f"县{i}" for i in range(rows)], "form1_share": 60.0, "form2_share": 30.0,
                          "form3_share": 6.0, "form4_share": 4.0, "form1_share_text": "60.0%",
                          "form2_share_text": "30.0%", "form3_share_text": "6.0%", "form4_share_text": "4.0%"})
    fig = charts.four_forms_comparison_chart(table, shares, ["一", "二", "三", "四"], title="对比", words=WORDS,
                                             notes=["全国数据来源：中央纪委国家监委通报", "⚠ 合成演示数据"])
    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # the axis label is placed under the tick labels when drawn
    renderer = canvas.get_renderer()
    axis_label = fig.axes[0].xaxis.label.get_window_extent(renderer)
    note = fig.texts[-1].get_window_extent(renderer)
    blank_inches = (axis_label.y0 - note.y1) / fig.dpi
    assert 0 < blank_inches < 0.5


def test_small_multiples_label_whole_years_only():
    """Three years 2022-2024 on a shared axis: matplotlib alone labels 2022.0, 2022.5, ...; every tick here is
    a whole year and printed without a decimal."""
    charts.use_report_style()
    years = list(range(2022, 2025))
    matrix = pd.DataFrame([[30.0, 31.0, 29.5], [25.0, 26.0, 27.0]], index=["城关区", "青山县"], columns=years)
    region = pd.DataFrame({"year": years, "value": [28.0, 28.5, 28.0]})
    fig = charts.small_multiples_chart(matrix, region, title="新发生案件占比", region_label="全市", words=WORDS)
    fig.canvas.draw()
    ax = fig.axes[0]
    ticks = [t for t in ax.get_xticks() if years[0] <= t <= years[-1]]
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks and all(float(t).is_integer() for t in ticks)
    assert labels and all(re.fullmatch(r"20\d\d", label) for label in labels), labels


def test_the_panels_rate_axis_starts_at_zero():
    """A rate that moves from 10.0 to 10.3 per 1,000 members is drawn on an axis from 0, not 10.0 to 10.3."""
    charts.use_report_style()
    series = pd.DataFrame({"year": [2022, 2023, 2024], "value": [100.0, 101.0, 103.0], "rate": [10.0, 10.1, 10.3]})
    fig = charts.indicator_panels({"cases_filed": series}, {"cases_filed": "立案数"}, title="执纪执法", words=WORDS)
    bars, rates = fig.axes[0], next(a for a in fig.axes[1:] if a.get_visible() and a.lines)
    assert rates.get_ylim()[0] == 0 and rates.get_ylim()[1] == pytest.approx(10.3 * 1.1)
    assert bars.get_ylim() == pytest.approx((0, 103.0 * 1.1))


def test_a_chart_is_described_by_its_title_or_its_panels_common_title():
    """The words a reader who cannot see the picture gets (the page's image description): the chart's title; a
    chart of panels, whose own titles name one indicator each, by the title over them all."""
    charts.use_report_style()
    assert charts.chart_title(_trend_chart()) == "新发生案件占比：城关区"
    series = pd.DataFrame({"year": [2023, 2024], "value": [100.0, 103.0], "rate": [10.0, 10.3]})
    panels = charts.indicator_panels({"cases_filed": series}, {"cases_filed": "立案数"}, title="执纪执法", words=WORDS)
    assert charts.chart_title(panels) == "执纪执法"
    assert charts.chart_title(Figure()) == ""


def test_the_four_forms_legend_names_each_form_and_leaves_the_unit_to_the_axes():
    """One legend serves the person-times panel and the shares panel, so it names the form (第一种形态), not
    its count (第一种形态人次, which is wrong beside a bar of 64.8 %)."""
    from types import SimpleNamespace

    from pipeline.catalog import load_catalog
    from pipeline.report.view_parts import forms

    catalog = load_catalog(REPO / "data" / "reference" / "indicators.yaml")
    parts, shares, legend = forms(SimpleNamespace(catalog=catalog, lang="zh"))
    assert legend == ["第一种形态", "第二种形态", "第三种形态", "第四种形态"]
    assert parts == ["form1_persons", "form2_persons", "form3_persons", "form4_persons"]
    assert shares == ["form1_share", "form2_share", "form3_share", "form4_share"]
    assert forms(SimpleNamespace(catalog=catalog, lang="en"))[2] == ["First form", "Second form", "Third form",
                                                                     "Fourth form"]
