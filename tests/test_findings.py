"""The findings stage: each judgement rule on a crafted delivery, with the finding and the sentence expected.

Every expected value was worked out by hand from the fixture's figures
(shares on paper, rounded half up) or taken from a published figure; the
sentences are what a reviewer reads, phrased from the finding alone.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml
from conftest import HEADER, REPO, build_marts, csv_bytes, good_rows

from pipeline.numbers import largest_remainder
from pipeline.report.phrasing import Phraser, evidence
from pipeline.report.sentences import sentence

ONE_SCORE = {"evaluation__weights": {"integrity_satisfaction": 1}, "evaluation__min_indicators": 1}


def row(code: str, year: int, filed, onset, forms=(400, 150, 20, 12), score=85.5) -> list:
    name = {"990101": "城关区", "990102": "城西区", "990103": "河口区"}[code]
    return [code, name, year, filed, onset, 95, *forms, 500, score, 20000]


def the(data, place: str, year: int, topic: str, subject: str = "", period: str = "full_year") -> pd.Series:
    f = data.findings
    hit = f[(f["place_code"] == place) & (f["year"] == year) & (f["topic"] == topic) & (f["subject"] == subject)
            & (f["period"] == period)]
    assert len(hit) == 1, (place, year, topic, subject, period, f[f["place_code"] == place]["finding_id"].tolist())
    return hit.iloc[0]


def said(data, f) -> str:
    return sentence(Phraser(data), f)


# ---------------------------------------------------------------- the new-onset share


def test_published_city_share_is_not_yet_contained_with_both_comparisons(project, monkeypatch):
    """29.9 % (2015), 32.6 %, 32.4 % (2017): the dip of 0.2 points does not outweigh 2.5 points above 2015."""
    for year, onset in ((2015, 299), (2016, 326), (2017, 324)):
        project.write_csv(year, [HEADER, row("990101", year, 1000, onset)])
    data = build_marts(project, monkeypatch, {"990101"}, 2015, 2017)
    f = the(data, "990101", 2017, "trend", "new_onset_share")
    assert (f["verdict"], f["polarity"], f["basis"]) == ("worse_than_baseline", "problem", "baseline,previous_year")
    # the deciding comparison first; the 0.2-point dip is within the 0.4-point band: level, said so
    assert said(data, f) == ("腐败增量尚未得到有效遏制：新发生案件占比2017年为32.4%，比2015年（29.9%）高2.5个百分点，"
                             "与上年（32.6%）基本持平（变化0.2个百分点，在持平区间内）。")
    assert f["suggestion"] == "new_onset"
    # the region is this one place: no comparison with it, no rank among one
    assert "region" not in f["basis"] and "居全市" not in said(data, f)
    region = the(data, "990100", 2017, "trend", "new_onset_share")
    assert (region["verdict"], region["polarity"]) == ("worse_than_baseline", "problem")
    assert not (data.findings["topic"] == "none_found").any() or "未发现突出问题" not in " ".join(
        said(data, r) for _, r in data.findings[(data.findings["year"] == 2017)
                                                & (data.findings["topic"] == "none_found")].iterrows())


def test_fell_on_the_year_but_far_above_the_region_is_one_verdict_to_watch(project, monkeypatch):
    project.write_csv(2019, [HEADER, row("990101", 2019, 100, 40), row("990102", 2019, 200, 20)])
    project.write_csv(2020, [HEADER, row("990101", 2020, 100, 39), row("990102", 2020, 200, 20)])
    data = build_marts(project, monkeypatch, {"990101", "990102"})
    f = the(data, "990101", 2020, "trend", "new_onset_share")
    # region 2020: (39 + 20) / (100 + 200) = 19.67 % -> 19.7 %; 39.0 - 19.7 = 19.3; 990102 (10.0 %) ranks first.
    # Two years: last year is the baseline and decides (down 1.0, beyond the band: better), but the place is
    # last of its region and far above it: never an achievement, an item to watch
    assert (f["verdict"], f["polarity"]) == ("bottom_of_region", "attention")
    assert said(data, f) == ("新发生案件占比需关注：新发生案件占比2020年为39.0%，比上年（40.0%）下降1.0个百分点，"
                             "但高于全市（19.7%）19.3个百分点，居全市第2位（共2个县区，按由好到差排序）。")
    mine = data.findings[(data.findings["place_code"] == "990101") & (data.findings["year"] == 2020)]
    about_share = mine[mine["subject"] == "new_onset_share"]
    assert about_share["polarity"].tolist() == ["attention"]  # one statement, never also an achievement


def test_which_comparison_decides_is_the_rules_data(project, monkeypatch):
    """findings.yaml `decides`: the same figures, with the new-onset share set to be stated (none), give a
    neutral statement with no verdict words and no suggestion."""
    path = project.root / "data/reference/findings.yaml"
    rules = yaml.safe_load(path.read_text(encoding="utf-8"))
    rules["decides"]["unit"]["new_onset_share"] = "none"
    path.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    # 30.0 % -> 31.5 % (63 / 200): up 1.5, under the 2-point warning rule, which would make it a problem anyway
    project.write_csv(2019, [HEADER, row("990101", 2019, 100, 30), row("990102", 2019, 200, 20)])
    project.write_csv(2020, [HEADER, row("990101", 2020, 200, 63), row("990102", 2020, 200, 20)])
    data = build_marts(project, monkeypatch, {"990101", "990102"})
    f = the(data, "990101", 2020, "trend", "new_onset_share")
    assert (f["verdict"], f["polarity"], f["suggestion"]) == ("stated", "neutral", "")
    assert said(data, f).startswith("新发生案件占比2020年为31.5%，比上年（30.0%）上升1.5个百分点")


# ---------------------------------------------------------------- comparisons that should not be made


def test_two_years_that_share_no_place_are_not_compared(project, monkeypatch):
    project.write_csv(2019, [HEADER, row("990101", 2019, 100, 30)])
    project.write_csv(2020, [HEADER, row("990102", 2020, 200, 50)])
    data = build_marts(project, monkeypatch, {"990101", "990102"})
    work = the(data, "990100", 2020, "work_change", "cases_filed")
    assert work["verdict"] == "not_comparable" and work["basis"] == ""
    assert said(data, work) == "立案数为200件（两年报送的县区不同，且没有两年都报送的县区，不作同比）。"
    share = the(data, "990100", 2020, "trend", "new_onset_share")
    assert (share["verdict"], share["polarity"]) == ("not_comparable", "neutral")
    assert said(data, share) == ("新发生案件占比2020年为25.0%（各年报送的县区不同，且没有各年都报送的县区，"
                                 "不作比较）。")
    gone = the(data, "990101", 2020, "no_data")
    assert (gone["polarity"], said(data, gone)) == ("problem", "2020年未报送年度数据，本报告不作成效和问题的评价。")


def test_a_change_on_the_places_present_in_both_years_says_so(project, monkeypatch):
    project.write_csv(2019, [HEADER, row("990101", 2019, 100, 30), row("990102", 2019, 200, 50)])
    project.write_csv(2020, [HEADER, row("990101", 2020, 120, 30), row("990103", 2020, 300, 60)])
    data = build_marts(project, monkeypatch, {"990101", "990102", "990103"})
    work = the(data, "990100", 2020, "work_change", "cases_filed")
    # only 990101 reported both years: 100 -> 120, +20.0 %; the region total 2020 is 120 + 300 = 420
    assert work["basis"] == "previous_year,common_places"
    assert said(data, work) == ("立案数为420件；按两年都报送的1个县区计算，由100件上升到120件，同比上升20.0%。")


def test_a_county_is_ranked_and_compared_only_among_places_of_its_level(project, monkeypatch):
    path = project.root / "data/reference/divisions.csv"
    path.write_text(path.read_text(encoding="utf-8") + "990190,某市,prefecture,990100,测试：同一文件夹中的地级单位\n",
                    encoding="utf-8")
    rows_ = [row("990101", 2020, 100, 30), row("990102", 2020, 200, 20)]
    city = ["990190", "某市", 2020, 2000, 100, 1900, 8000, 3000, 400, 200, 9000, 80.0, 400000]
    project.write_csv(2020, [HEADER, *rows_, city])
    data = build_marts(project, monkeypatch, {"990101", "990102", "990190"}, 2020, 2020)
    from pipeline import marts

    county = marts.read_mart(project.root, marts.COUNTY)
    ranks = county[(county["measure"] == "new_onset_share")].set_index("county_code")
    assert ranks.loc["990101", "counties_ranked"] == 2 and ranks.loc["990190", "counties_ranked"] == 1
    assert ranks.loc["990101", "rank_in_region"] == 2  # 30.0 % after 10.0 %; the city's 5.0 % is not among them
    city_share = the(data, "990190", 2020, "trend", "new_onset_share")
    assert "region" not in city_share["basis"]


# ---------------------------------------------------------------- partial periods, totals, approximations


def test_a_first_quarter_with_the_fourth_form_above_the_third_is_stated_within_its_period(project, monkeypatch):
    project.write_csv(2020, [HEADER, *good_rows(2020)])
    q1 = [HEADER, ["990101", "城关区", 2020, 50, 10, 20, 400, 150, 35, 45, 100, 85.5, 20000],
          ["990102", "城西区", 2020, 60, 12, 25, 300, 100, 20, 10, 120, 88.0, 30000]]
    project.write("2020年第一季度.csv", csv_bytes(q1))
    data = build_marts(project, monkeypatch, {"990101", "990102"}, 2020, 2020)
    above = the(data, "990101", 2020, "form4_above_form3", period="Q1")
    assert above["polarity"] == "neutral"
    assert said(data, above) == ("2020年第一季度：第四种形态（45人次）多于第三种形态（35人次）；按指标目录的规则，"
                                 "第四种多于第三种不视为倒挂，予以说明。")
    shape = the(data, "990101", 2020, "four_forms_shape", period="Q1")
    # 400 / 630 = 63.49, 150 / 630 = 23.81, 35 / 630 = 5.56, 45 / 630 = 7.14: by largest remainder 63.5 + 23.8
    # + 5.6 + 7.1 = 100.0; the pyramid rule (1st > 2nd > 3rd and 4th) holds; stated, never counted for the year
    assert (shape["verdict"], shape["polarity"]) == ("holds", "neutral")
    assert said(data, shape) == ("2020年第一季度四种形态分别为400、150、35、45人次，占63.5%、23.8%、5.6%、7.1%，"
                                 "呈金字塔分布（部分期间数据，只在本期内判断，不与全年比较）。")
    assert not (data.findings["period"] == "Q1").any() or set(
        data.findings.loc[data.findings["period"] == "Q1", "polarity"]) == {"neutral"}


def test_a_delivered_total_without_parts_is_the_same_figure_in_every_output(project, monkeypatch):
    header = [*HEADER[:6], "四种形态合计", *HEADER[6:]]  # the four form columns present, left blank

    def total_rows(year: int, totals: tuple[int, int]) -> list:
        return [[*r[:6], t, "", "", "", "", *r[10:]] for r, t in zip(good_rows(year), totals, strict=True)]

    project.write_csv(2019, [header, *total_rows(2019, (899, 1000))])
    project.write_csv(2020, [header, *total_rows(2020, (950, 1000))])
    data = build_marts(project, monkeypatch, {"990101", "990102"})
    work = the(data, "990101", 2020, "work_change", "four_forms_sum")
    assert evidence(work)["shown"] == "four_forms_total"
    # 950 / 899 = 1.0567: up 5.7 %
    assert said(data, work) == "四种形态总人次（只报送了合计数）由899人次上升到950人次，同比上升5.7%。"
    shape = the(data, "990101", 2020, "four_forms_shape")
    assert said(data, shape) == "只报送了四种形态合计950人次，未报送分类人次，无法判断分布。"
    from pipeline.report.county_views import figures_table
    from pipeline.report.workbook import findings_sheet
    from pipeline.report.writeup import county_report

    table = figures_table(data, data.figures("990101", 2020), ["four_forms_sum"])
    assert table.index.tolist() == ["四种形态总人次（报送值）"] and table["数值"].tolist() == ["950"]
    doc = county_report(data, "990100", "990101", 2020, 2019)
    assert "950[^" in "\n".join(doc.sections["achievements"])
    sheet, _ = findings_sheet(data, "990100", 2020)
    assert any("由899人次上升到950人次" in s for s in sheet["结论"])


def test_a_figure_delivered_in_wan_prints_as_approximate_and_so_does_its_change(project, monkeypatch):
    r19, r20 = good_rows(2019), good_rows(2020)
    r19[0][3], r20[0][3] = 30000, "3.1万"
    project.write_csv(2019, [HEADER, *r19])
    project.write_csv(2020, [HEADER, *r20])
    data = build_marts(project, monkeypatch, {"990101", "990102"})
    work = the(data, "990101", 2020, "work_change", "cases_filed")
    assert bool(work["approximate"])
    # 31,000 / 30,000 = 1.0333: up 3.3 %, computed from an approximate figure
    assert said(data, work) == "立案数由30,000件上升到约31,000件，同比上升3.3%（含约数，按约数计算）。"
    from pipeline.report.county_views import figures_table
    from pipeline.report.writeup import key_figures

    # the notebook's table and the write-up's key figures print it as the sentence does, from the presentation
    table = figures_table(data, data.figures("990101", 2020), ["cases_filed"])
    assert table.loc["立案数", "数值"] == "约31,000" and table.loc["立案数", "同比"] == "+3.3%"
    assert table.loc["立案数", "来源"].startswith("data/raw/990100/2020.csv")
    assert key_figures(data, "990101", 2020).iloc[:, 1].tolist()[0] == "约31,000件"


# ---------------------------------------------------------------- levels, no data, grades


def test_a_province_compares_its_cities_as_市州_with_全省(project, monkeypatch):
    from pathlib import Path

    folder = project.root / "data/raw/990000"
    folder.mkdir(parents=True)
    fixture = Path(__file__).resolve().parent / "data/levels/cities_2019.csv"
    (folder / "2019.csv").write_bytes(fixture.read_bytes())
    data = build_marts(project, monkeypatch, None, 2019, 2019, region="990000")
    coverage = the(data, "990000", 2019, "coverage")
    assert said(data, coverage) == "全省2个市州均报送了2019年度数据。"
    share = the(data, "990100", 2019, "trend", "new_onset_share")
    # 7050 / 23500 = 30.0 %; the province (7050 + 5600) / (23500 + 18700) = 29.98 % -> 30.0 %
    assert said(data, share) == "新发生案件占比2019年为30.0%，与全省（30.0%）持平，居全省第2位（共2个市州，按由好到差排序）。"


def test_a_region_year_with_no_delivery_concludes_nothing(project, monkeypatch):
    project.write_csv(2019, [HEADER, *good_rows(2019)])
    data = build_marts(project, monkeypatch, {"990101", "990102"})
    region = data.findings[(data.findings["place_code"] == "990100") & (data.findings["year"] == 2020)]
    assert region["topic"].tolist() == ["no_data"]
    assert said(data, region.iloc[0]) == "2020年全市没有县区报送年度数据，本年度不作评价。"
    from pipeline.report.document import body_text
    from pipeline.report.writeup import region_report

    body = body_text(region_report(data, "990100", 2020, 2019))
    assert "未发现突出问题" not in body and "：。" not in body and "0个县区" not in body


def test_grade_history_names_the_last_graded_year_and_the_year_not_graded(project, monkeypatch):
    for year in (2021, 2022, 2023, 2024):
        rows_ = good_rows(year)
        if year == 2023:
            for r in rows_:
                r[11] = ""  # the survey blank for every county: the city goes ungraded
        project.write_csv(year, [HEADER, *rows_])
    data = build_marts(project, monkeypatch, {"990101", "990102"}, 2021, 2024, **ONE_SCORE)
    f = the(data, "990101", 2024, "grade_history")
    ev = evidence(f)
    assert ev["last_graded"]["year"] == 2022 and ev["gap_years"] == [2023] and f["basis"] == "last_graded_year"
    grades = data.evaluation.set_index(["county_code", "year"])["grade"]
    before, after = grades[("990101", 2022)], grades[("990101", 2024)]
    expected = (f"等次与上次评定的2022年（“{before}”）相同" if before == after
                else f"等次由2022年的“{before}”变为“{after}”")
    assert said(data, f) == f"历年综合评价：{expected}（2023年未评定等次）。"
    # 2023: a city-wide gap is the region's note, not each county's fault
    gap = the(data, "990101", 2023, "region_missing")
    assert gap["polarity"] == "neutral" and "missing_data" not in set(
        data.findings.loc[(data.findings["place_code"] == "990101") & (data.findings["year"] == 2023), "topic"])
    assert said(data, gap) == ("2023年全市各县区均未报送党风廉政建设社会评价满意度，相关内容不作评价，"
                               "也不计为单个县区的问题。")


# ---------------------------------------------------------------- parts of a whole


def test_shares_of_a_whole_add_up_to_100_as_published():
    """National 2023: 109.6 / 49.2 / 6.4 / 6.6 万人次, published as 63.8 / 28.6 / 3.7 / 3.9 %."""
    assert largest_remainder([109.6, 49.2, 6.4, 6.6], 1) == ["63.8", "28.6", "3.7", "3.9"]
    # rounding each share on its own would print 3.8 for the fourth: the sum would be 99.9
    assert round(6.6 / 171.8 * 100, 1) == 3.8
    assert largest_remainder([1, 1, 1], 1) == ["33.4", "33.3", "33.3"]  # a tie goes to the first part
    assert largest_remainder([0, 0], 1) is None and largest_remainder([1.0, None], 1) is None


def test_the_national_benchmark_prints_its_shares_so_they_add_up(project):
    from pipeline.catalog import load_catalog
    from pipeline.stages.measures import national_benchmark

    nat = national_benchmark(pd.read_csv(project.root / "data/reference/ccdi_national.csv"),
                             load_catalog(project.root / "data/reference/indicators.yaml"))
    y2023 = nat[(nat["year"] == 2023) & (nat["period"] == "full_year")].set_index("measure")["text"]
    assert y2023[["form1_share", "form2_share", "form3_share", "form4_share"]].tolist() == [
        "63.8", "28.6", "3.7", "3.9"]


# ---------------------------------------------------------------- suggestions and bad rules


def test_every_problem_leads_to_a_suggestion_that_names_it(project, monkeypatch):
    r19, r20 = good_rows(2019), good_rows(2020)
    r20[0][11] = 70.0  # the survey falls 15.5 points
    r20[1][11] = 75.0  # and 15.0 points in the neighbour
    project.write_csv(2019, [HEADER, *r19])
    project.write_csv(2020, [HEADER, *r20])
    data = build_marts(project, monkeypatch, {"990101", "990102"})
    problems = data.findings[data.findings["polarity"] == "problem"]
    assert len(problems) and (problems["suggestion"] != "").all()
    assert (data.findings.loc[data.findings["polarity"] != "problem", "suggestion"] == "").all()
    survey = the(data, "990101", 2020, "trend", "integrity_satisfaction")
    from pipeline.report.sentences import suggestion

    # region 2020: (70.0 + 75.0) / 2 = 72.5; 990101 is 2.5 below it and last of two: a problem by standing
    assert (survey["verdict"], survey["polarity"]) == ("bottom_tier", "problem")
    text = suggestion(Phraser(data), survey)
    # the problem named with its own figures (standing first), and advice for a survey (not for an appraisal)
    assert survey["suggestion"] == "survey"
    assert text.startswith("针对党风廉政建设社会评价满意度（70.0分）低于全市2.5分、比上年下降15.5分的问题，建议")
    assert "调查" in text and "考评" not in text
    # no report was issued for 2019: nothing is "already named", and nothing is followed personally
    assert "已经指出" not in text and "重点督办" not in text
    # the neighbour is first of the two and above the city, but fell 15.0 points: the commission's warning rule
    # (a fall of 3 points or more) makes it a problem, headed by the warning, never "有待提高"
    other = the(data, "990102", 2020, "trend", "integrity_satisfaction")
    assert (other["verdict"], other["polarity"], other["suggestion"]) == ("warned", "problem", "survey")
    assert said(data, other).startswith("群众评价下降触发预警：党风廉政建设社会评价满意度2020年为75.0分，高于全市")


def test_a_problem_the_issued_report_named_is_followed_up_in_its_words(project, monkeypatch, capsys):
    """2019's reports are issued (make issue); 2020's follow up what they said, quoting it, and the problem
    named again that did not ease is 重点督办."""
    from pipeline import issue
    from pipeline.report.data import load_report_data
    from pipeline.report.sentences import suggestion
    from pipeline.stages import findings

    r19, r20 = good_rows(2019), good_rows(2020)
    r19[0][11], r19[1][11] = 80.0, 90.0  # 990101 last of two and 5.0 below the city (85.0) in 2019
    r20[0][11], r20[1][11] = 79.0, 90.0  # and again in 2020, 1.0 lower (within the band: unchanged)
    project.write_csv(2019, [HEADER, *r19])
    project.write_csv(2020, [HEADER, *r20])
    data = build_marts(project, monkeypatch, {"990101", "990102"})
    assert the(data, "990101", 2019, "trend", "integrity_satisfaction")["main"]
    assert not (data.findings["topic"] == "follow_up").any()  # nothing issued yet: nothing followed
    issue.main(["--region", "990100", "--year", "2019"])
    assert (project.root / "data/issued/990100/2019.json").is_file()
    findings.main()
    data = load_report_data(project.root)
    up = the(data, "990101", 2020, "follow_up", "trend:integrity_satisfaction")
    assert up["verdict"] == "unchanged"
    assert said(data, up) == ("2019年度报告指出的“群众评价居全市后列，有待提高：党风廉政建设社会评价满意度”：没有明显变化，"
                              "仍列为问题（2019年80.0分，2020年79.0分）。")
    f = the(data, "990101", 2020, "trend", "integrity_satisfaction")
    assert f["supervised"]
    assert suggestion(Phraser(data), f).endswith("；该问题2019年度报告已经指出，本年度没有明显变化，建议列入整改台账重点督办。")


def test_an_appraisal_score_is_not_told_to_read_survey_comments(project):
    from pipeline.catalog import load_catalog
    from pipeline.findings.rules import load_rules

    params = yaml.safe_load((project.root / "params.yaml").read_text(encoding="utf-8"))
    catalog = load_catalog(project.root / "data/reference/indicators.yaml")
    rules = load_rules(project.root, params, catalog)
    assert rules.suggestion("trend", catalog.measure("econ_social_score")) == "appraisal"
    assert rules.suggestion("trend", catalog.measure("committee_appraisal")) == "appraisal"
    assert rules.suggestion("trend", catalog.measure("integrity_satisfaction")) == "survey"


@pytest.mark.parametrize(("edit", "named"), [
    (lambda t: t["trend"].update(suggestion={**t["trend"]["suggestion"], "survey": "read_the_tea_leaves"}),
     "topics.trend.suggestion"),
    (lambda t: t["trend"].update(measures=["sections.headline", "integrity_sat"]), "topics.trend.measures"),
    (lambda t: t["trend"].update(suggestion={"not_a_kind": "survey"}), "topics.trend.suggestion.not_a_kind"),
])
def test_an_undefined_rule_key_stops_the_stage_naming_key_and_file(project, monkeypatch, edit, named, capsys):
    from pipeline.stages import findings

    path = project.root / "data/reference/findings.yaml"
    rules = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(rules["topics"])
    path.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("POLIECO_ROOT", str(project.root))
    with pytest.raises(SystemExit):
        findings.main()
    err = capsys.readouterr().err
    assert "data/reference/findings.yaml" in err and named in err and "未写入任何结果" in err
    assert not (project.root / "data/marts/findings.parquet").exists()


def test_the_mart_is_one_row_per_statement_with_its_evidence(project, monkeypatch):
    project.write_csv(2019, [HEADER, *good_rows(2019)])
    project.write_csv(2020, [HEADER, *good_rows(2020)])
    data = build_marts(project, monkeypatch, {"990101", "990102"})
    f = data.findings
    assert f["finding_id"].is_unique
    assert set(f["polarity"]) <= {"achievement", "problem", "attention", "neutral"}
    # every full-year problem stated on its own has its rank in its report; nothing else has one
    ranked = f["priority"] > 0
    assert (ranked == ((f["polarity"] == "problem") & (f["period"] == "full_year") & (f["part_of"] == ""))).all()
    share = the(data, "990101", 2020, "trend", "new_onset_share")
    ev = json.loads(share["evidence"])
    # 990101 2020: 31 / 110 = 28.18 % -> 28.2 %, with the cells it was computed from: the title is row 1, the
    # header row 2, 990101 row 3; 新发生案件 in column E, 立案 in D (the formula's order: numerator first)
    assert ev["figures"]["current"]["text"] == "28.2" and ev["figures"]["current"]["source"] == {
        "formula": "new_onset_share", "inputs": {"file": "data/raw/990100/2020.csv", "row": 3, "cells": ["E3", "D3"]}}
    assert [c["basis"] for c in ev["comparisons"]] == ["previous_year", "region"]


# ---------------------------------------------------------------- follow-up of last year's problems (整改情况)


def issue_and_judge_again(project, year: int):
    """Record `year`'s reports as issued (make issue) and run the findings stage again."""
    from pipeline import issue
    from pipeline.report.data import load_report_data
    from pipeline.stages import findings

    issue.main(["--region", "990100", "--year", str(year)])
    findings.main()
    return load_report_data(project.root)


def test_the_issued_reports_problems_are_followed_up_resolved_unchanged_and_worse(project, monkeypatch):
    """New-onset shares (filed 100 each), worked by hand:

        990101  20 %, 30 %, 20 %   2023 30.0, up 10.0 on 2022 (the baseline, two years): a problem (tied with
                                   the others at the city's 30.0: no standing). 2024 20.0: level with the
                                   baseline, back below 2023: resolved
        990102  20 %, 30 %, 30 %   2024 10.0 above the baseline, 30.0 as in 2023 (level): unchanged
        990103  20 %, 30 %, 35 %   2024 15.0 above the baseline, up 5.0 on 2023: worse
        city    20.0, 30.0, 28.3   2024 8.3 above its baseline (85 / 300 = 28.3 %), down 1.7 on 2023: improved
    Places whose own reports count the share as a problem: all three in 2023; in 2024 990102 (10.0 above its
    baseline, level on 2023) and 990103, not 990101 (back to its baseline): improved.
    Nothing is followed up until 2023's reports are issued.
    """
    shares = {"990101": (20, 30, 20), "990102": (20, 30, 30), "990103": (20, 30, 35)}
    for i, year in enumerate((2022, 2023, 2024)):
        project.write_csv(year, [HEADER, *(row(code, year, 100, s[i]) for code, s in shares.items())])
    data = build_marts(project, monkeypatch, set(shares), 2022, 2024)
    assert not (data.findings["topic"] == "follow_up").any()
    data = issue_and_judge_again(project, 2023)
    expected = {"990101": ("resolved", "本年度已不再列为问题", "30.0%", "20.0%"),
                "990102": ("unchanged", "没有明显变化，仍列为问题", "30.0%", "30.0%"),
                "990103": ("worse", "有所加重，仍列为问题", "30.0%", "35.0%"),
                "990100": ("improved", "有所改善，但仍列为问题", "30.0%", "28.3%")}
    for place, (status, words, before, after) in expected.items():
        f = the(data, place, 2024, "follow_up", "trend:new_onset_share")
        assert (f["verdict"], f["polarity"], f["suggestion"]) == (status, "neutral", "")
        assert said(data, f) == (f"2023年度报告指出的“腐败增量尚未得到有效遏制”：{words}"
                                 f"（2023年{before}，2024年{after}）。")
    rising = the(data, "990100", 2024, "follow_up", "units_rising:new_onset_share")
    assert rising["verdict"] == "improved"
    assert said(data, rising) == ("2023年度报告指出的“部分县区新发生案件占比偏高或上升”：有所改善，但仍列为问题"
                                  "（2023年城关区、城西区、河口区；2024年仍在其中：城西区、河口区）。")
    # only a year after an issued report is followed up; a follow-up is never an achievement or a problem
    f = data.findings
    assert set(f.loc[f["topic"] == "follow_up", "year"]) == {2024}
    assert set(f.loc[f["topic"] == "follow_up", "polarity"]) == {"neutral"}


def test_a_problem_without_data_this_year_is_not_called_resolved(project, monkeypatch):
    """990102 sends no new-onset cases in 2024: its 2023 problem cannot be checked, and is said so."""
    shares = {"990101": (20, 30, 20), "990102": (20, 30, None)}
    for i, year in enumerate((2022, 2023, 2024)):
        project.write_csv(year, [HEADER, *(row(code, year, 100, "" if s[i] is None else s[i])
                                           for code, s in shares.items())])
    build_marts(project, monkeypatch, set(shares), 2022, 2024)
    data = issue_and_judge_again(project, 2023)
    f = the(data, "990102", 2024, "follow_up", "trend:new_onset_share")
    assert f["verdict"] == "not_reassessable"
    assert said(data, f) == ("2023年度报告指出的“腐败增量尚未得到有效遏制”：本年度缺少相关数据，"
                             "无法复核（2023年30.0%）。")


def test_every_topic_that_can_be_a_problem_has_a_follow_up_name_in_both_languages():
    """A problem is followed up the next year (整改情况) under the name last year's report gave it: a topic
    that can be a problem (it has a suggestion) without that name crashed the report a year later (veto)."""
    import yaml

    topics = yaml.safe_load((REPO / "data/reference/findings.yaml").read_text(encoding="utf-8"))["topics"]
    phrases = yaml.safe_load((REPO / "data/reference/phrases.yaml").read_text(encoding="utf-8"))
    for topic, spec in topics.items():
        if not spec.get("suggestion"):
            continue
        for lang in ("zh", "en"):
            assert topic in phrases[lang]["finding"]["follow_up"]["problem"], (lang, topic)
