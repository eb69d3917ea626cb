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
    county = pd.DataFrame({"year": [2015, 2016, 2017], "value": [30.0, float("nan"), 33.5]})
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
