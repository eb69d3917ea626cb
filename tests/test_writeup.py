"""Write-up sentences on crafted deliveries run through the real stages, with exact expected text.

Every expected sentence below was written by hand from the figures in the
fixture (shares worked out on paper, rounded half up), not copied from output.
The write-up phrases findings (pipeline/findings); these tests read what a
reviewer reads: the sections, the notes and their sources.
"""

from __future__ import annotations

import io
import re

import pytest
import yaml
from conftest import HEADER, REPO, build_marts, csv_bytes, good_rows

from pipeline.config import Paths
from pipeline.report.data import load_report_data
from pipeline.report.document import body_text, is_clean
from pipeline.report.fmt import percent_text
from pipeline.report.markdown import to_markdown
from pipeline.report.writeup import county_report, region_report, to_docx

SCORES = ["econ_social_score", "integrity_satisfaction", "conduct_satisfaction", "personnel_appraisal",
          "safety_satisfaction", "committee_appraisal"]


def build(project, monkeypatch, keep: set[str], first: int = 2019, last: int = 2020, **params):
    return build_marts(project, monkeypatch, keep, first, last, **params)


def rows(year, *counties):
    """good_rows of `year` for the given counties (990101 城关区, 990102 城西区)."""
    by = {r[0]: r for r in good_rows(year)}
    return [list(by[c]) for c in counties]


def two_counties_two_years(project, monkeypatch):
    """990101 and 990102 delivering good_rows for 2019 and 2020, through every stage."""
    project.write_csv(2019, [HEADER, *rows(2019, "990101", "990102")])
    project.write_csv(2020, [HEADER, *rows(2020, "990101", "990102")])
    return build(project, monkeypatch, {"990101", "990102"})


def plain(paragraphs: list[str]) -> list[str]:
    """Paragraphs without their note markers, for sentences whose note numbers do not matter."""
    return [re.sub(r"\[\^\d+\]", "", p) for p in paragraphs]


def county(data, code, year, first=2019):
    return county_report(data, "990100", code, year, first)


# ---------------------------------------------------------------- the new-onset share


def test_a_flat_share_last_in_the_region_is_to_watch_never_an_achievement(project, monkeypatch):
    r19, r20 = rows(2019, "990101", "990102"), rows(2020, "990101", "990102")
    r20[0][3], r20[0][4] = 110, 33  # 33 / 110 = 30.0%, as in 2019 (30 / 100)
    project.write_csv(2019, [HEADER, *r19])
    project.write_csv(2020, [HEADER, *r20])
    data = build(project, monkeypatch, {"990101", "990102"})
    report = county(data, "990101", 2020)
    # region 2020: (33 + 50) / (110 + 200) = 26.77...% -> 26.8%; gap 30.0 - 26.8 = 3.2; 990102 (25.0%) first
    # the years are level (the share is decided by its own series): not a problem; but last of two and 3.2 pp
    # above the city: an item to watch (其他需关注的情况), never an achievement
    assert ("新发生案件占比需关注：新发生案件占比2020年为30.0%，与上年（30.0%）持平，高于全市（26.8%）3.2个百分点，"
            "居全市第2位（共2个县区，按由好到差排序）。") in plain(report.sections["watch"])
    assert not any("新发生案件占比" in p for p in report.sections["achievements"] + report.sections["notes"]
                   + report.sections["problems"])


def test_first_year_is_compared_with_the_region_only(project, monkeypatch):
    data = two_counties_two_years(project, monkeypatch)
    report = county(data, "990101", 2019)
    # 30 / 100 = 30.0%; region (30 + 50) / (100 + 200) = 26.67% -> 26.7%; gap 3.3
    assert ("新发生案件占比需关注：新发生案件占比2019年为30.0%，高于全市（26.7%）3.3个百分点，"
            "居全市第2位（共2个县区，按由好到差排序）。") in plain(report.sections["watch"])
    assert plain(report.sections["achievements"])[0] == (
        "审查调查和监督执纪工作持续开展：立案数为100件（2019年为首个统计年度，无上年数据可比）；"
        "党纪政务处分人数为95人（2019年为首个统计年度，无上年数据可比）；"
        "四种形态合计人次为582人次（2019年为首个统计年度，无上年数据可比）。")


def test_missing_previous_year(project, monkeypatch):
    project.write_csv(2019, [HEADER, *rows(2019, "990101", "990102")])
    project.write_csv(2020, [HEADER, *rows(2020, "990102")])  # 990101 did not deliver 2020
    project.write_csv(2021, [HEADER, *rows(2021, "990101", "990102")])
    data = build(project, monkeypatch, {"990101", "990102"}, last=2021)
    report = county(data, "990101", 2021)
    # 2021: filed 120, new-onset 32: 26.666...% -> 26.7%, against 2019's 30.0% (the first year, the baseline);
    # region 2021: 82 / 320 = 25.6%
    assert ("腐败增量得到一定遏制：新发生案件占比2021年为26.7%，比2019年（30.0%）低3.3个百分点，"
            "但高于全市（25.6%）1.1个百分点" not in " ".join(plain(report.sections["achievements"])))
    # below its baseline, but last of two and 1.1 pp above the city: to watch, not an achievement
    watch = plain(report.sections["watch"])
    assert ("新发生案件占比需关注：新发生案件占比2021年为26.7%，比2019年（30.0%）低3.3个百分点，"
            "但高于全市（25.6%）1.1个百分点，居全市第2位（共2个县区，按由好到差排序）。") in watch
    assert plain(report.sections["achievements"])[0].startswith("审查调查和监督执纪工作持续开展：立案数为120件（2020年无数据，无法同比）")


def test_five_of_sixteen_prints_as_31_3_percent(project, monkeypatch):
    r19 = rows(2019, "990101")
    r19[0][3], r19[0][4] = 16, 5  # 5 / 16 = 31.25%: half up 31.3%, half-even would print 31.2%
    project.write_csv(2019, [HEADER, *r19])
    project.write_csv(2020, [HEADER, *rows(2020, "990101")])
    data = build(project, monkeypatch, {"990101"})
    notes = plain(county(data, "990101", 2019).sections["notes"])
    assert "新发生案件占比2019年为31.3%。" in notes  # one place, one year: stated, nothing to compare with


def test_change_below_display_precision_is_flat(project, monkeypatch):
    r19, r20 = rows(2019, "990101"), rows(2020, "990101")
    r19[0][3], r19[0][4] = 2500, 750  # 30.00%
    r20[0][3], r20[0][4] = 2500, 751  # 30.04%: +0.04 pp, prints 30.0% both years
    project.write_csv(2019, [HEADER, *r19])
    project.write_csv(2020, [HEADER, *r20])
    data = build(project, monkeypatch, {"990101"})
    report = county(data, "990101", 2020)
    # the region is this county alone: no comparison with it
    assert "新发生案件占比2020年为30.0%，与上年（30.0%）持平。" in plain(report.sections["notes"])
    assert not re.search(r"(上升|下降)0\.0", body_text(report)) and "全市（30.0%）" not in body_text(report)


def test_falling_share_is_an_achievement_with_its_comparison(project, monkeypatch):
    project.write_csv(2019, [HEADER, *rows(2019, "990101")])
    project.write_csv(2020, [HEADER, *rows(2020, "990101")])
    data = build(project, monkeypatch, {"990101"})
    report = county(data, "990101", 2020)
    # 30.0% -> 31 / 110 = 28.18% -> 28.2%: down 1.8 pp as printed
    assert "腐败增量得到一定遏制：新发生案件占比2020年为28.2%，比上年（30.0%）下降1.8个百分点。" in plain(
        report.sections["achievements"])
    assert "针对新发生案件占比" not in " ".join(report.sections["suggestions"])


# ---------------------------------------------------------------- streaks, four forms, coverage

RUN_HEADER = [*HEADER, "问责人数"]


def test_rises_in_2022_and_2024_but_not_2023_are_not_a_run(project, monkeypatch):
    accountable = {2020: 10, 2021: 10, 2022: 12, 2023: 11, 2024: 13}
    for year, n in accountable.items():
        project.write_csv(year, [RUN_HEADER, [*rows(year, "990101")[0], n]])
    data = build(project, monkeypatch, {"990101"}, first=2020, last=2024)
    text = body_text(county(data, "990101", 2024, 2020))
    assert "连续" not in text
    assert data.warnings[data.warnings["rule"] == "accountability_rising"].empty


def test_two_consecutive_rises_are_a_run(project, monkeypatch):
    for year, n in {2021: 10, 2022: 12, 2023: 15}.items():
        project.write_csv(year, [RUN_HEADER, [*rows(year, "990101")[0], n]])
    data = build(project, monkeypatch, {"990101"}, first=2021, last=2023)
    report = county(data, "990101", 2023, 2021)
    assert "问责人数连续上升：问责人数连续2年上升，2021年10人、2022年12人、2023年15人。" in plain(report.sections["problems"])
    assert any(s.startswith("针对“问责人数连续上升”预警（问责人数15") for s in plain(report.sections["suggestions"]))


FORMS_TOTAL_HEADER = [*HEADER[:6], "四种形态总人次", *HEADER[6:]]


def test_county_with_only_the_four_forms_total(project, monkeypatch):
    for year in (2019, 2020):
        r = rows(year, "990101")[0]
        r[6:10] = ["", "", "", ""]  # the four parts left blank
        project.write_csv(year, [FORMS_TOTAL_HEADER, [*r[:6], 582, *r[6:]]])
    data = build(project, monkeypatch, {"990101"})
    report = county(data, "990101", 2020)
    text = body_text(report)
    assert "四种形态合计人次" not in text  # the sum of parts that were never delivered is not "missing"
    assert plain(report.sections["achievements"])[0].endswith("四种形态总人次（只报送了合计数）为582人次，与上年持平。")
    assert "只报送了四种形态合计582人次，未报送分类人次，无法判断分布。" in plain(report.sections["notes"])
    assert not any(p.startswith("数据缺报") for p in plain(report.sections["problems"]))


def test_region_year_with_one_county_fewer_compares_the_same_county(project, monkeypatch):
    project.write_csv(2019, [HEADER, *rows(2019, "990101", "990102")])
    project.write_csv(2020, [HEADER, *rows(2020, "990101")])
    data = build(project, monkeypatch, {"990101", "990102"})
    report = region_report(data, "990100", 2020, 2019)
    # the region's 110 cases (one county) are not compared with 300 (two): 990101 alone, 100 -> 110, +10.0%
    assert plain(report.sections["achievements"])[0].startswith(
        "全市1个县区（共2个）报送了2020年度数据，未报送的有：城西区：立案数为110件；按两年都报送的1个县区计算，"
        "由100件上升到110件，同比上升10.0%；")
    assert "300" not in body_text(report)


# ---------------------------------------------------------------- evaluation


def test_region_without_scores_says_why_there_is_no_grade(project, monkeypatch):
    header = [h for h in HEADER if h != "党风廉政建设社会评价满意度"]
    for year in (2019, 2020):
        project.write_csv(year, [header, *[r[:11] + r[12:] for r in rows(year, "990101", "990102")]])
    data = build(project, monkeypatch, {"990101", "990102"})
    reason = "2020年6项综合评价指标均无数值，无法计算综合评价指数，未评定等次。"
    assert reason in plain(county(data, "990101", 2020).sections["notes"])
    assert "全市各县区均未评定等次：" + reason in plain(region_report(data, "990100", 2020, 2019).sections["notes"])


SCORE_HEADER = [*HEADER, "政风行风满意度"]


def write_four_counties(project) -> dict[str, float]:
    """Four counties with two scores, integrity (a) and conduct (b), the same in 2019 and 2020; returns a."""
    a = {"990101": 79.2, "990102": 56.2, "990103": 88.2, "990121": 78.7}
    b = {"990101": 69.5, "990102": 89.7, "990103": 68.3, "990121": 75.0}
    names = {"990101": "城关区", "990102": "城西区", "990103": "河口区", "990121": "青山县"}
    for year in (2019, 2020):
        base = rows(year, "990101")[0]
        body = [[code, names[code], year, *base[3:11], a[code], base[12], b[code]] for code in a]
        project.write_csv(year, [SCORE_HEADER, *body])
    return a


def test_instability_uses_the_probability_of_the_grade_given(project, monkeypatch):
    # four counties, two scores (integrity, conduct): 990103 is ranked first (grade 好), but 较好 is the
    # grade it gets most often in the simulation (see test_evaluate for the same figures)
    a = write_four_counties(project)
    data = build(project, monkeypatch, set(a), evaluation__weights={"integrity_satisfaction": 1,
                                                                     "conduct_satisfaction": 1},
                 evaluation__min_indicators=2, evaluation__uncertainty__draws=256)
    ev = data.evaluation.set_index(["county_code", "year"]).loc[("990103", 2020)]
    assert (ev["grade"], ev["modal_grade"]) == ("好", "较好")
    assert ev["grade_probability"] == ev["p_好"] < 0.7 and ev["p_好"] < ev["modal_probability"]
    text = "\n".join(plain([body_text(county(data, "990103", 2020))]))
    assert f"“好”这一等次出现的概率为{percent_text(ev['p_好'])}，低于70%" in text
    # under one chance in two, the grade the simulations give most often is named with its own probability
    assert ev["p_好"] < 0.5
    assert f"；模拟中出现最多的是“较好”（{percent_text(ev['modal_probability'])}）" in text


def test_the_grade_sentence_names_the_assumption_that_drives_it(project, monkeypatch):
    """The same four counties; only the weight noise and winsorisation vary. With four counties no indicator
    passes COINr's limits, so winsorising changes nothing (its indices are exactly 0) and the weights must be
    what 990103's grade depends on."""
    a = write_four_counties(project)
    unc = {"draws": 256, "seed": 1, "weight_spread": 0.25, "weightings": ["manual"], "normalisations": ["goalposts"],
           "aggregations": ["arithmetic"], "imputations": ["region_mean"], "winsorisation": [True, False],
           "stable_probability": 0.99}
    data = build(project, monkeypatch, set(a), evaluation__weights={"integrity_satisfaction": 1,
                                                                     "conduct_satisfaction": 1},
                 evaluation__min_indicators=2, evaluation__uncertainty=unc)
    ev = data.evaluation.set_index(["county_code", "year"]).loc[("990103", 2020)]
    assert ev["factors_varied"] == "weights,winsorisation" and ev["scenarios"] == 256 * 4
    assert ev["grade_drivers"] == "weights"
    assert 0 < ev["grade_probability"] < 0.99 and not ev["stable"]  # 好 in most scenarios, not all
    from pipeline import marts

    sens = marts.read_mart(project.root, marts.EVALUATION_SENSITIVITY)  # the renderers do not read it
    mine = sens[(sens["county_code"] == "990103") & (sens["year"] == 2020) & (sens["target"] == "grade")]
    st = mine.set_index("factor")["total_order"]
    assert st["winsorisation"] == 0 and st["weights"] > 0
    from pipeline.report.evaluation_words import uncertainty_sentence
    from pipeline.report.phrasing import Phraser, finding

    stability = finding(data, "990103", 2020, "grade_stability")
    assert "在改变权重数值、极端值缩尾与否的 1024 种情形中" in uncertainty_sentence(Phraser(data), stability)
    text = "\n".join(plain([body_text(county(data, "990103", 2020))]))
    assert "等次主要取决于权重数值的扰动" in text  # the write-up's robustness problem says it
    assert "在改变权重数值、极端值缩尾与否的模拟中" in text  # and names what was varied, not more


def four_counties_graded(project, monkeypatch):
    """Two scores, equal weights, goalposts [50, 100]: the index orders the counties by the mean of their two
    scores. 2019: 990101 90, 990102 80, 990103 70, 990121 60; 2020: 990121 95, 990101 85, 990102 75, 990103 65."""
    names = {"990101": "城关区", "990102": "城西区", "990103": "河口区", "990121": "青山县"}
    scores = {2019: {"990101": 90.0, "990102": 80.0, "990103": 70.0, "990121": 60.0},
              2020: {"990101": 85.0, "990102": 75.0, "990103": 65.0, "990121": 95.0}}
    for year, by in scores.items():
        base = rows(year, "990101")[0]
        project.write_csv(year, [SCORE_HEADER, *[[c, names[c], year, *base[3:11], v, base[12], v]
                                                 for c, v in by.items()]])
    data = build(project, monkeypatch, set(names), evaluation__weights={"integrity_satisfaction": 1,
                                                                         "conduct_satisfaction": 1},
                 evaluation__min_indicators=2, evaluation__uncertainty__draws=256)
    return data


def test_grade_history_and_who_changed_grade(project, monkeypatch):
    """Two scores, equal weights, goalposts [50, 100]: the index orders the counties by the mean of their two
    scores. Four counties and cut-offs .2/.6/.9 give 好, 较好, 较好, 一般 from the top.
    2019: 990101 90, 990102 80, 990103 70, 990121 60 -> 好, 较好, 较好, 一般.
    2020: 990121 95, 990101 85, 990102 75, 990103 65 -> 990121 好, 990101 较好, 990102 较好, 990103 一般."""
    from pipeline.report.region_views import grade_matrix

    data = four_counties_graded(project, monkeypatch)
    matrix = grade_matrix(data, "990100", 2020)[2]
    assert matrix.loc["青山县（990121）"].tolist() == ["一般", "好"]
    assert matrix.loc["城关区（990101）"].tolist() == ["好", "较好"]
    notes = plain(region_report(data, "990100", 2020, 2019).sections["notes"])
    assert ("与各自上次评定相比，等次变化的县区：青山县（2019年“一般”→2020年“好”）、城关区（2019年“好”→2020年“较好”）、"
            "河口区（2019年“较好”→2020年“一般”）。") in notes
    assert "历年综合评价：等次由2019年的“一般”变为“好”。" in plain(county(data, "990121", 2020).sections["notes"])
    assert "历年综合评价：等次与上次评定的2019年（“较好”）相同。" in plain(county(data, "990102", 2020).sections["notes"])
    assert "历年综合评价：2019年为首个评定年度。" in plain(county(data, "990102", 2019).sections["notes"])


# ---------------------------------------------------------------- traceability and formats


def test_report_numbers_all_trace_to_the_marts(project, monkeypatch):
    project.write_csv(2019, [HEADER, *rows(2019, "990101", "990102")])
    project.write_csv(2020, [HEADER, *rows(2020, "990101")])
    data = build(project, monkeypatch, {"990101", "990102"})
    check_traceable(county(data, "990101", 2020), data, years=range(2019, 2021), root=project.root)
    check_traceable(region_report(data, "990100", 2020, 2019), data, years=range(2019, 2021), root=project.root)


def check_traceable(report, data, years, root):
    """Every number of the prose is a cited figure or a year; every cited figure equals its mart value.

    `root`: the project, whose region mart (every period) a region's partial-period figures are checked
    against; without it, the full years ReportData holds."""

    from pipeline import marts as mart_files

    body = body_text(report)
    assert is_clean(body) == []
    cited = {f.n: f for f in report.figures}
    # every noted figure is in the text and every note in the text is a noted figure
    assert {n for n, f in cited.items() if f.marked} == {int(n) for n in re.findall(r"\[\^(\d+)\]", body)}
    for m in re.finditer(r"(\d[\d,]*(?:\.\d+)?%?)\[\^(\d+)\]", body):
        assert cited[int(m.group(2))].text.removeprefix("约") == m.group(1)
    bare = re.sub(r"\d[\d,]*(?:\.\d+)?%?\[\^\d+\]", "", body)
    periods = {"1-9", "1", "9"}  # 2024年1-9月 names a period
    # counts of places, ranks, thresholds and differences of two figures printed beside them carry no note;
    # each is still a recorded figure whose value is checked against the marts below
    unmarked = {f.text.rstrip("%") for f in report.figures if not f.marked}
    # a noted figure carries its mark where a reader first meets it; met again, it is printed alone
    unmarked |= {f.text.removeprefix("约").rstrip("%") for f in report.figures if f.marked}
    for number in re.findall(r"\d[\d,]*(?:\.\d+)?", bare):
        assert (int(float(number.replace(",", ""))) in years or number in report.title or number in periods
                or number in {"2015", "2017", "2018"} or number in unmarked), number
    marts = {"county": mart_files.read_mart(root, mart_files.COUNTY).set_index(
        ["county_code", "year", "period", "measure"]),
        "region": mart_files.read_mart(root, mart_files.REGION).set_index(["region_code", "year", "period", "measure"])}
    ids = set(data.findings["finding_id"]) if not data.findings.empty else set()
    for f in report.figures:
        if f.scope in marts:
            expected = marts[f.scope].loc[(f.code, f.year, f.period, f.measure), f.field]
            assert f.value == pytest.approx(abs(expected)), f
        elif f.scope == "evaluation":
            ev = data.evaluation.set_index(["county_code", "year"])
            assert f.value == pytest.approx(ev.loc[(f.code, f.year), f.field]), f
        else:  # a figure only a finding holds (a count, a value recomputed on common places)
            assert f.scope == "finding" and f.code in ids, f
        shown = float(f.text.removeprefix("约").rstrip("%").replace(",", ""))
        if f.field in ("grade_probability", "stable_threshold"):  # printed as percentages
            assert shown == pytest.approx(100 * f.value, abs=0.5), f
        elif "最大余数" in f.source or "largest remainder" in f.source:  # shares of a whole, adding up to 100
            assert shown == pytest.approx(f.value, abs=0.1), f
        elif f.scope != "finding":
            assert shown == pytest.approx(f.value, abs=0.051), f  # printed to one decimal


def test_docx_has_the_sections_and_the_appendix(project, monkeypatch):
    from docx import Document

    data = two_counties_two_years(project, monkeypatch)
    report = county(data, "990101", 2020)
    blob = to_docx(report)
    assert blob == to_docx(report)  # byte-stable
    path = project.root / "w.docx"
    path.write_bytes(blob)
    doc = Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    # no 2019 report was issued: no follow-up section; the main problems, then the items to watch
    assert headings[:5] == ["城关区2020年度政治生态建设评价报告", "一、成效", "二、问题和难点", "三、其他需关注的情况",
                            "四、思考与建议"]
    # the attachment after the signature: its title, then the delivered figures and the computed ones
    assert headings[-3:] == ["文中数字的来源", "（一）报送的数字（文中以上标注明）", "（二）计算得出的数字"]
    texts = [p.text for p in doc.paragraphs]
    assert texts.index("附件：文中数字的来源") < texts.index("东川市纪委监委") < texts.index("附件")
    assert doc.paragraphs[1].text == "" and doc.paragraphs[2].text.startswith("【合成演示数据】")  # a blank line under the title
    delivered = doc.tables[-1]
    header = [c.text.replace("\n", "") for c in delivered.rows[0].cells]  # a header may take two lines
    assert header == ["注", "指标", "数值及单位", "报送表", "行列"]
    assert len(delivered.rows) == sum(f.marked for f in report.figures) + 1
    # the source as the sender knows it: the region's delivery, its row and column; never a path
    rows = [[c.text.replace("\n", "") for c in row.cells] for row in delivered.rows]
    assert ["立案数", "110件", "东川市2020年报送表", "第3行D列"] in [r[1:] for r in rows], rows[:4]
    # a computed figure is listed under its method with the cells it comes from: 31 new-onset cases (E) of 110
    # filed (D) = 28.2 %
    computed = texts[texts.index("（二）计算得出的数字") + 1:]
    ratio = next(t for t in computed if t.startswith("新发生案件数 ÷ 立案数 × 100："))
    assert "新发生案件占比（2020年）28.2%（东川市2020年报送表第3行D、E列）" in ratio
    assert not any("data/raw" in c or "params.yaml" in c for r in rows for c in r)
    assert not any("data/raw" in t or "params.yaml" in t for t in computed)
    superscripts = [r for p in doc.paragraphs for r in p.runs if r.font.superscript]
    assert superscripts and superscripts[0].text == "[1]"
    assert "nan" not in to_markdown(report)


def test_english_write_up_has_no_chinese_but_names(project, monkeypatch):
    two_counties_two_years(project, monkeypatch)
    data = load_report_data(project.root, "en")
    for report in (county(data, "990101", 2020), region_report(data, "990100", 2020, 2019)):
        text = to_markdown(report)
        for name in ("城关区", "城西区", "东川市"):
            text = text.replace(name, "")
        # sources name the region's delivery, its row and column: no Chinese here but names
        assert not re.findall(r"[\u4e00-\u9fff]", text), re.findall(r".{20}[\u4e00-\u9fff].{20}", text)[:3]


def test_a_section_measure_or_language_not_defined_is_refused(project):
    from pipeline.catalog import load_catalog
    from pipeline.errors import ConfigError
    from pipeline.report.data import report_settings

    catalog = load_catalog(Paths(project.root).catalog)
    path = project.root / "params.yaml"
    p = yaml.safe_load(path.read_text(encoding="utf-8"))
    p["report"]["sections"]["work"] = ["cases_filed", "cases_filled"]
    path.write_text(yaml.safe_dump(p, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        report_settings(project.root, catalog)
    assert "params.yaml 中的 report.sections.work" in str(err.value) and "cases_filled" in str(err.value)
    with pytest.raises(ConfigError, match="report.language"):
        report_settings(project.root, catalog, "fr")


def test_notebook_sections_without_scores_say_why(project, monkeypatch):
    from pipeline.report import views

    header = [h for h in HEADER if h != "党风廉政建设社会评价满意度"]
    for year in (2019, 2020):
        project.write_csv(year, [header, *[r[:11] + r[12:] for r in rows(year, "990101", "990102")]])
    data = build(project, monkeypatch, {"990101", "990102"})
    reason = "2020年6项综合评价指标均无数值，无法计算综合评价指数，未评定等次。"
    assert f"**全市各县区均未评定等次：{reason}**" in views.region_evaluation_section(data, "990100", 2020).parts
    assert f"**{reason}**" in views.county_evaluation_section(data, "990100", "990101", 2020).parts


def test_docx_follows_the_official_document_format(project, monkeypatch):
    """GB/T 9704-2012 as it applies to a report, read from the document XML.

    Expected values from the standard: A4 210 x 297 mm; margins 37 / 35 / 28 / 26 mm;
    body 3号 = 16 pt 仿宋_GB2312 at a fixed 28.95 pt; title 2号 = 22 pt 小标宋 centred;
    一、 headings 黑体, （一） items 楷体; page numbers 4号 = 14 pt 宋体 "— n —" outside.
    1 mm = 1440 / 25.4 twips.
    """
    import zipfile

    from lxml import etree

    data = two_counties_two_years(project, monkeypatch)
    report = county(data, "990101", 2020)
    with zipfile.ZipFile(io.BytesIO(to_docx(report))) as z:
        document, styles = etree.fromstring(z.read("word/document.xml")), etree.fromstring(z.read("word/styles.xml"))
        footers = {n: etree.fromstring(z.read(n)) for n in z.namelist() if n.startswith("word/footer")}
        settings, fonts = etree.fromstring(z.read("word/settings.xml")), etree.fromstring(z.read("word/fontTable.xml"))
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    w = "{" + ns["w"] + "}"

    def mm(x):
        return round(x * 1440 / 25.4)

    size = document.find(".//w:sectPr/w:pgSz", ns)
    assert (int(size.get(w + "w")), int(size.get(w + "h"))) == (mm(210), mm(297))
    margins = document.find(".//w:sectPr/w:pgMar", ns)
    for side, expected in {"top": 37, "bottom": 35, "left": 28, "right": 26}.items():
        assert abs(int(margins.get(w + side)) - mm(expected)) <= 1, side

    def style(name):
        return styles.xpath(f"//w:style[w:name/@w:val='{name}']", namespaces=ns)[0]

    def font_of(el):
        f = el.find(".//w:rFonts", ns)
        assert not any("Theme" in k or "theme" in k for k in f.attrib), "theme fonts resolve differently in WPS"
        return f.get(w + "eastAsia"), int(el.find(".//w:sz", ns).get(w + "val")) / 2

    assert font_of(style("Normal")) == ("仿宋_GB2312", 16)
    spacing = style("Normal").find(".//w:spacing", ns)
    assert spacing.get(w + "lineRule") == "exact" and 28 * 20 <= int(spacing.get(w + "line")) <= 29 * 20
    assert font_of(style("Title")) == ("方正小标宋简体", 22)
    assert style("Title").find(".//w:jc", ns).get(w + "val") == "center"
    assert font_of(style("heading 1")) == ("黑体", 16)
    # every run names its East Asian font explicitly
    runs = document.findall(".//w:body//w:r", ns)
    assert runs and all(r.find("w:rPr/w:rFonts", ns) is not None
                        and r.find("w:rPr/w:rFonts", ns).get(w + "eastAsia") for r in runs if r.find("w:t", ns) is not None)
    items = [p for p in document.findall(".//w:body/w:p", ns) if "".join(p.itertext()).startswith("（一）")]
    assert items and items[0].find("w:r/w:rPr/w:rFonts", ns).get(w + "eastAsia") == "楷体_GB2312"
    # page numbers: — PAGE — in 14 pt 宋体, right on odd pages and left on even ones
    assert settings.find("w:evenAndOddHeaders", ns) is not None
    aligned = {}
    for footer in footers.values():
        text = "".join(footer.itertext())
        assert text.startswith("— ") and text.endswith(" —") and "PAGE" in text
        run = footer.find(".//w:r", ns)
        assert font_of(run) == ("宋体", 14)
        aligned[footer.find(".//w:jc", ns).get(w + "val")] = True
    assert set(aligned) == {"right", "left"}
    # tables: fixed layout, every column and cell with an explicit width, filling the 156 mm type area
    for table in document.findall(".//w:tbl", ns):
        assert table.find("w:tblPr/w:tblLayout", ns).get(w + "type") == "fixed"
        grid = [int(c.get(w + "w")) for c in table.findall("w:tblGrid/w:gridCol", ns)]
        assert all(g > 0 for g in grid) and abs(sum(grid) - mm(156)) <= len(grid)
        assert all(tc.find("w:tcPr/w:tcW", ns) is not None for tc in table.findall(".//w:tc", ns))
    # fonts a machine may lack have an alternative
    alt = {f.get(w + "name"): f.find("w:altName", ns).get(w + "val")
           for f in fonts.findall("w:font", ns) if f.find("w:altName", ns) is not None}
    assert alt["仿宋_GB2312"] == "仿宋" and alt["楷体_GB2312"] == "楷体"


def test_notes_are_numbered_in_reading_order(project, monkeypatch):
    data = two_counties_two_years(project, monkeypatch)
    for report in (county(data, "990101", 2020), region_report(data, "990100", 2020, 2019)):
        body = to_markdown(report).split("## " + report.headings["appendix"])[0]
        first_seen = list(dict.fromkeys(int(n) for n in re.findall(r"\[\^(\d+)\]", body)))
        assert first_seen == list(range(1, len(first_seen) + 1))
        assert [f.n for f in report.figures] == list(range(1, len(report.figures) + 1))
        # a derived change cites the notes of the two figures it is computed from, after renumbering
        for f in report.figures:
            for ref in re.findall(r"注 (\d+)", f.source):
                assert int(ref) in {g.n for g in report.figures} and int(ref) != f.n


def test_an_indicator_nobody_delivered_is_named_as_the_reason_for_no_grade(project, monkeypatch):
    # good_rows carry 党风廉政建设社会评价满意度 only; the second weighted score was delivered by no county
    project.write_csv(2019, [HEADER, *rows(2019, "990101", "990102")])
    project.write_csv(2020, [HEADER, *rows(2020, "990101", "990102")])
    data = build(project, monkeypatch, {"990101", "990102"}, evaluation__weights={"integrity_satisfaction": 1,
                                                                                   "conduct_satisfaction": 1},
                 evaluation__min_indicators=1, evaluation__uncertainty__draws=256)
    notes = county(data, "990101", 2020).sections["notes"]
    assert "2020年全市没有任何县区报送政风行风满意度，该项无法插补，综合评价指数无法计算，未评定等次。" in plain(notes)
    assert not any("少于规定" in n for n in notes)


# ---------------------------------------------------------------- an official text: plain Chinese, units on figures

# a quoted source: the column letters of the sender's own sheet (第3行D列, or the cells of a share: 第3行D、E列, G—J列)
CELL = re.compile(r"第\d+行[A-Z]{1,3}([、—][A-Z]{1,3})*列")


def docx_text(report) -> str:
    from docx import Document

    doc = Document(io.BytesIO(to_docx(report)))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_a_chinese_report_has_no_latin_letters_but_in_quoted_cells(project, monkeypatch):
    """No file path, parameter name, method name or English word in a zh document, Word or Markdown, body,
    tables or appendix; the only letters are the column of a delivered cell (第3行D列)."""
    data = two_counties_two_years(project, monkeypatch)
    for report in (county(data, "990101", 2020), region_report(data, "990100", 2020, 2019)):
        for text in (to_markdown(report), docx_text(report)):
            text = re.sub(r"\[\^\d+\]", "", CELL.sub("", text))
            assert not re.findall(r"[A-Za-z]", text), re.findall(r".{15}[A-Za-z]+.{15}", text)[:5]
    assert any(CELL.search(f.source) for f in county(data, "990101", 2020).figures)  # sources do quote cells


def test_every_figure_in_a_report_table_has_its_unit(project, monkeypatch):
    """The key figures: counts with 件/人/人次, shares with %, scores with 分; the appendix's values likewise."""
    from pipeline.report.document import appendix_frame

    data = two_counties_two_years(project, monkeypatch)
    report = county(data, "990101", 2020)
    table = report.table
    cells = dict(zip(table.iloc[:, 0], table.iloc[:, 1], strict=True))
    # good_rows 2020, 城关区: 110 cases filed, 95 sanctioned, 400+150+20+12 = 582 person-times, 31 of 110 new
    # (28.2 %), 400 of 582 in the first form (68.7 %), survey 85.5
    assert cells["立案数"] == "110件" and cells["党纪政务处分人数"] == "95人" and cells["四种形态合计人次"] == "582人次"
    assert cells["新发生案件占比"] == "28.2%" and cells["第一种形态占比"] == "68.7%"
    assert cells["党风廉政建设社会评价满意度"] == "85.5分"
    unit = re.compile(r"^(约)?[\d,]+(\.\d+)?(件|人|人次|件次|起|个|万元|分|%)$")
    for frame in (table.iloc[:, 1:3], appendix_frame(report).iloc[:, [2]]):
        values = [v for v in frame.to_numpy().ravel() if v != "—"]
        assert values and all(unit.match(v) for v in values), [v for v in values if not unit.match(v)]


def test_national_sources_are_named_in_the_reports_language():
    """data/reference/ccdi_national.csv names its sources in English with Chinese quotations: a zh report
    names the publisher in Chinese (the quotation kept), an en report keeps no Chinese."""
    import pandas as pd

    from pipeline.report.fmt import load_words, published_source

    sources = pd.read_csv(Paths(REPO).reference / "ccdi_national.csv")["source"].unique()
    zh, en = load_words(REPO, "zh"), load_words(REPO, "en")
    for source in sources:  # a web address is quoted as it is
        assert not re.search(r"[A-Za-z]", re.sub(r"（[\w./]+\.cn[\w./]*）", "", published_source(zh, source))), source
        assert not re.search(r"[\u4e00-\u9fff]", published_source(en, source)), source
    assert published_source(zh, "CCDI annual bulletin 2020 (第一种形态133万人次,占68.1%); CCDI annual bulletin 2020 "
                                "(第二种形态48.5万人次,占24.8%)") == (
        "中央纪委国家监委2020年度监督检查审查调查情况通报（第一种形态133万人次，占68.1%；第二种形态48.5万人次，占24.8%）")
    # an English report also names the bulletin once, its four figures quoted together
    assert published_source(en, "CCDI annual bulletin 2023 (first form 63.8%); CCDI annual bulletin 2023 (28.6%); "
                                "CCDI annual bulletin 2023 (3.7%); CCDI annual bulletin 2023 (3.9%)") == (
        "CCDI annual bulletin 2023 (first form 63.8%; 28.6%; 3.7%; 3.9%)")


# ---------------------------------------------------------------- the warning notice (预警提示函)


def test_a_county_with_a_high_warning_gets_a_one_page_notice_and_one_without_gets_none(project, monkeypatch):
    """城关区's new-onset share goes from 30 of 100 (30.0 %) to 40 of 110 (36.4 %): up 6.4 points, at least
    the 2 points of the high-severity rule new_onset_share_rising. 城西区 stays at 50 of 200 (25.0 %)."""
    from docx import Document
    from docx.shared import RGBColor

    from pipeline.report.notice import notice_docx, warning_notice

    r19, r20 = rows(2019, "990101", "990102"), rows(2020, "990101", "990102")
    r20[0][4] = 40
    project.write_csv(2019, [HEADER, *r19])
    project.write_csv(2020, [HEADER, *r20])
    data = build(project, monkeypatch, {"990101", "990102"})
    assert warning_notice(data, "990100", "990102", 2020, data.notice) is None
    notice = warning_notice(data, "990100", "990101", 2020, data.notice)
    assert notice.title == "城关区2020年度监测预警提示函"
    assert notice.preamble[0] == "城关区纪委监委："
    assert "你单位2020年度“新发生案件占比上升”触发预警" in notice.preamble[1]
    signal, = plain(notice.sections["problems"])
    # headed by the rule and its severity, then its condition, then what tripped it with the counts of the share
    assert signal == ("新发生案件占比上升（高级别预警）。预警条件为新发生案件占比较上年上升2个百分点及以上。"
                      "你单位2020年立案110件，其中新发生案件40件，新发生案件占比为36.4%，较上年（30.0%）上升6.4个百分点。")
    ask, = notice.sections["suggestions"]
    assert ask == ("请于收到本函之日起30日内将核查和整改情况书面报送东川市纪委监委，内容包括：一是数据核实情况；二是原因分析；"
                   "三是整改措施、责任人和完成时限。整改情况将在2021年度评价中复核。")  # one signal: not 逐项
    doc = Document(io.BytesIO(notice_docx(notice, data.notice, {"place": "城关区", "region": "东川市"}, 2020)))
    texts = [p.text for p in doc.paragraphs]
    assert texts[:3] == ["中共东川市纪律检查委员会", "东川市纪函〔2021〕　号", "城关区2020年度监测预警提示函"]
    assert doc.paragraphs[0].runs[0].font.color.rgb == RGBColor(0xC0, 0x00, 0x00)  # the letterhead in red
    assert "（联系人：　　　　，联系电话：　　　　）" in texts  # left for the office to fill in
    assert texts.index("东川市纪委监委（印章）") + 1 == texts.index("2021年　月　日")  # signed, the date left open
    assert texts[-2:] == ["抄送：中共城关区委员会。", "东川市纪委监委办公室　　　　　　　　2021年　月　日印发"]
    assert not any(t.startswith("（一）") for t in texts)  # a lone signal is not numbered
    assert "注：[1] 立案数（2020年）：110件，东川市2020年报送表第3行D列。" in texts
    # the same rule decides the index's link: the notice's findings are the county's high-severity problems
    from pipeline.report.notice import warned_findings

    assert [r["finding_id"] for r in warned_findings(data, "990101", 2020)] == notice.finding_ids


def test_a_notice_takes_its_frame_from_the_settings_and_refuses_a_key_it_does_not_know(project, monkeypatch,
                                                                                       capsys):
    """report.notice sets the number, the contact and the copies; an unknown key or placeholder stops the build
    naming the key (the presentation stage, which picks what a notice states, stops first: before any
    kernel starts, nothing written)."""
    from docx import Document

    from pipeline.report.notice import notice_docx, warning_notice

    r19, r20 = rows(2019, "990101", "990102"), rows(2020, "990101", "990102")
    r20[0][4] = 40
    project.write_csv(2019, [HEADER, *r19])
    project.write_csv(2020, [HEADER, *r20])
    settings = {"number": "东纪函〔{issue_year}〕7号", "contact": {"person": "李明", "phone": "0833-1234567"},
                "copy_to": ["中共{place}委员会", "{place}人民政府"], "severities": ["high"]}
    data = build(project, monkeypatch, {"990101", "990102"}, report__notice=settings)
    notice = warning_notice(data, "990100", "990101", 2020, data.notice)
    texts = [p.text for p in Document(io.BytesIO(notice_docx(notice, data.notice, {"place": "城关区",
                                                                                  "region": "东川市"}, 2020))).paragraphs]
    assert "东纪函〔2021〕7号" in texts and "（联系人：李明，联系电话：0833-1234567）" in texts
    assert "抄送：中共城关区委员会、城关区人民政府。" in texts
    capsys.readouterr()
    for bad, says in (({"signature": "x"}, r"report\.notice\.signature.*不是预警提示函的设置项"),
                      ({"number": "{office}〔{issue_year}〕号"}, r"report\.notice\.number.*占位符")):
        with pytest.raises(SystemExit):
            build(project, monkeypatch, None, report__notice={**settings, **bad})
        assert re.search(says, capsys.readouterr().err), bad


def test_the_region_is_set_beside_the_nation_as_published(project, monkeypatch):
    """Region 2020: forms 1,100 / 400 / 50 / 37 of 1,587 person-times (both counties' good_rows) -> 69.3 %,
    25.2 %, 3.2 %, 2.3 % (adding up to 100.0); the CCDI 2020 bulletin: 68.1 %, 24.8 %, 3.6 %, 3.5 %;
    69.3 - 68.1 = 1.2 points. Stated beside, never judged (the years and scopes differ)."""
    data = two_counties_two_years(project, monkeypatch)
    f = data.findings
    nation = f[(f["topic"] == "national") & (f["year"] == 2020)]
    assert nation["polarity"].tolist() == ["neutral"] and nation["place_code"].tolist() == ["990100"]
    text = " ".join(plain(region_report(data, "990100", 2020, 2019).sections["notes"]))
    assert ("与全国比较：全市第一至第四种形态分别占69.3%、25.2%、3.2%、2.3%，全国（2020年）分别占68.1%、24.8%、3.6%、3.5%；"
            "第一种形态占比高于全国1.2个百分点") in text


def test_citations_in_the_appendix_only_print_no_marks_and_keep_the_table(project, monkeypatch):
    """report.citations: appendix — the same sentences without note marks; the sources table unchanged."""
    from pipeline.report.document import appendix_frame

    project.write_csv(2019, [HEADER, *rows(2019, "990101", "990102")])
    project.write_csv(2020, [HEADER, *rows(2020, "990101", "990102")])
    noted = county(build(project, monkeypatch, {"990101", "990102"}), "990101", 2020)
    plain_doc = county(build(project, monkeypatch, None, report__citations="appendix"), "990101", 2020)
    assert "[^" not in to_markdown(plain_doc).split("## 附录")[0]
    assert plain_doc.sections == {k: plain(v) for k, v in noted.sections.items()}
    assert appendix_frame(plain_doc).iloc[:, 1:].equals(appendix_frame(noted).iloc[:, 1:])
    assert "文中数字的出处和计算方法见附件" in plain_doc.preamble[-1] and "在首次出现处以上标注明" in noted.preamble[-1]
    with pytest.raises(Exception, match="report.citations"):
        build(project, monkeypatch, None, report__citations="footnotes")


def test_a_small_region_says_what_its_size_left_out(project, monkeypatch):
    """Four graded counties, the defaults' minimums 10 (statistics, winsorisation): the region report says the
    statistics were not computed and nothing was winsorised, with the count and the minimum; no alpha printed."""
    data = four_counties_graded(project, monkeypatch)
    report = region_report(data, "990100", 2020, 2019)
    text = " ".join(plain(report.sections["notes"]))
    assert ("本年参评县区4个，少于10个：偏度、峰度、Cronbach's α、第一主成分和指标间相关系数在这样少的县区上意义不大，"
            "均未计算") in text
    assert "参评县区少于10个，未做极端值缩尾处理" in text
    assert "α =" not in text and "α=" not in text
    check_traceable(report, data, years=range(2019, 2021), root=project.root)


# ---------------------------------------------------------------- period reports (一季度、上半年、1-N月)


def test_a_year_delivered_for_its_first_quarter_only_gets_a_quarter_report(project, monkeypatch):
    """Only first quarters delivered. 城关区: 5 new-onset cases of 20 filed in 2019 Q1 (25.0 %), 9 of 25 in
    2020 Q1 (36.0 %): up 11.0 points on the same period of last year, beyond the 2-point marked size: a problem
    of the quarter, led by 比上年同期. Its forms 40 / 15 / 2 / 3 of 60: 66.7 / 25.0 / 3.3 / 5.0 %, adding up to
    100.0 (tenths 666.67, 250, 33.33, 50: floors 999, the largest remainder .67 gets the last tenth); the fourth
    form above the third, as the quarter reported it."""
    from pipeline.report.period_reports import period_plan, period_report

    header = [*HEADER[:2], "统计期间", *HEADER[3:]]
    for year, (filed, new) in ((2019, (20, 5)), (2020, (25, 9))):
        q1 = [["990101", "城关区", "第一季度", filed, new, 10, 40, 15, 2, 3, 60, 85.0, 20000],
              ["990102", "城西区", "第一季度", 50, 12, 45, 170, 60, 8, 6, 200, 90.0, 30000]]
        project.write(f"{year}年第一季度.csv", csv_bytes([header, *q1], "utf-8"))
    data = build(project, monkeypatch, {"990101", "990102"})
    assert period_plan(project.root, ["990100"], [2020]) == [("990100", 2020, "Q1", ["990101", "990102"])]
    report = period_report(data, "990100", "990101", 2020, "Q1")
    assert report.title == "城关区2020年第一季度政治生态监测分析报告"
    problem, = plain(report.sections["problems"])
    assert problem.startswith("新发生案件占比比上年同期明显上升：新发生案件占比2020年第一季度为36.0%，比上年同期（25.0%）"
                              "上升11.0个百分点")
    notes = " ".join(plain(report.sections["notes"]))
    assert "2020年第一季度四种形态分别为40、15、2、3人次，占66.7%、25.0%、3.3%、5.0%" in notes
    assert not report.sections["achievements"]  # a quarter is not praised on one comparison
    suggestion, = plain(report.sections["suggestions"])
    assert "比上年同期上升11.0个百分点" in suggestion
    check_traceable(report, data, years=range(2019, 2021), root=project.root)  # partial figures: the mart
    from pipeline.report.period_reports import write_period_reports

    written = write_period_reports(data, period_plan(project.root, ["990100"], [2020]), project.root / "out")
    assert {p.relative_to(project.root / "out").as_posix() for p in written} == {
        "990100/2020-Q1/990101/writeup.md", "990100/2020-Q1/990101/writeup.docx",
        "990100/2020-Q1/990102/writeup.md", "990100/2020-Q1/990102/writeup.docx",
        "990100/2020-Q1/writeup.md", "990100/2020-Q1/writeup.docx"}
    # a year with no annual report: its index page lists the quarter's reports, the region's and each place's
    from pipeline.report.index_page import index_pages

    _, index = index_pages(project.root, [], period_plan(project.root, ["990100"], [2020]))
    assert "2020年第一季度：" in index and 'href="notebooks/990100/2020-Q1/990101/writeup.docx"' in index
    assert 'href="notebooks/990100/2020-Q1/writeup.docx"' in index


def test_a_workbook_of_2019_states_nothing_of_2020_and_needs_the_data_read_for_its_region_and_year(
        project, monkeypatch):
    """The workbook lays out its region's rows up to the report year as they were read (load_report_data's
    region and through), filtering nothing itself: the 2019 workbook of a city that delivered 2019 and 2020
    has 2019 in every year column and no 2020 anywhere; handed every region and year, it refuses."""
    from openpyxl import load_workbook

    from pipeline.report.workbook import to_xlsx

    two_counties_two_years(project, monkeypatch)
    data = load_report_data(project.root, region="990100", through=2019)
    wb = load_workbook(io.BytesIO(to_xlsx(data, "990100", 2019, 2019)))
    years = set()
    for ws in wb.worksheets[1:]:
        head = [c.value for c in ws[1]]
        if "年度" in head:
            years |= {r[head.index("年度")] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert years == {2019}
    with pytest.raises(ValueError, match="990100 2019"):
        to_xlsx(load_report_data(project.root), "990100", 2019, 2019)
