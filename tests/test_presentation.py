"""The presentation stage on in-memory frames: each table selected, ordered and printed as a reader sees it.

Expected texts are worked by hand: 66.25 rounds half up to 66.3 (Python's round gives 66.2), a probability
of 0.365 prints 37 %, a weight of 1/6 prints 0.167; a place without a rank prints nothing (the renderer's
'—'); places are ordered by their rank on the first measure, unranked last.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline import marts
from pipeline.catalog import load_catalog
from pipeline.report.data import ReportData
from pipeline.stages.presentation import (
    coherence_cells,
    evaluation_cells,
    grade_matrix_cells,
    present,
    ranking_cells,
    weights_cells,
)

CATALOG = load_catalog(Path(__file__).parents[1] / "data" / "reference" / "indicators.yaml")


def county_rows(region: str, year: int, ranks: dict[str, dict[str, float | None]], period="full_year"):
    return pd.DataFrame([{"region_code": region, "county_code": c, "year": year, "period": period, "measure": m,
                          "status": "ok", "rank_in_region": r, "source_file": None}
                         for c, by in ranks.items() for m, r in by.items()])


def cells_of(cells: list[dict], column: str) -> dict[str, str | None]:
    return {c["key"]: c["text"] for c in cells if c["column"] == column}


def test_places_are_ranked_by_the_first_measure_unranked_last():
    county = county_rows("990100", 2024, {"990101": {"a": 2, "b": 1}, "990102": {"a": 1, "b": None},
                                          "990103": {"a": None, "b": 2}})
    cells = ranking_cells(county, ["a", "b"])
    order = [c["key"] for c in sorted(cells, key=lambda c: c["row"]) if c["column"] == "a"]
    assert order == ["990102", "990101", "990103"]
    assert cells_of(cells, "a") == {"990101": "2", "990102": "1", "990103": None}
    assert cells_of(cells, "b") == {"990101": "1", "990102": None, "990103": "2"}


EVALUATION = pd.DataFrame({
    "region_code": ["990100"] * 2, "county_code": ["990102", "990101"], "year": [2024, 2024],
    "index": [66.25, None], "rank": [1.0, None], "counties_graded": [1, 1], "grade": ["好", None], "rank_p05": [1.0, None],
    "rank_p95": [3.0, None], "p_好": [0.365, None], "p_差": [0.635, None], "grade_probability": [0.365, None],
    "stable": pd.array([False, pd.NA], dtype="boolean")})


def test_the_evaluation_table_prints_half_up_and_keeps_the_marts_order():
    cells = evaluation_cells(EVALUATION)
    assert [c["key"] for c in cells if c["column"] == "index"] == ["990102", "990101"]
    assert cells_of(cells, "index") == {"990102": "66.3", "990101": None}
    assert cells_of(cells, "rank_interval")["990102"] == "1–3"
    assert cells_of(cells, "p_好")["990102"] == "37%" and cells_of(cells, "p_差")["990102"] == "64%"
    assert cells_of(cells, "stable") == {"990102": "no", "990101": None}
    assert cells_of(cells, "grade") == {"990102": "好", "990101": None}
    assert [c["column"] for c in cells if c["key"] == "990102"] == [
        "index", "rank", "grade", "rank_interval", "p_好", "p_差", "grade_probability", "stable"]


def test_weights_print_three_decimals():
    weights = pd.DataFrame({"indicator": ["x", "y"], "nominal_weight": [1 / 6, 5 / 6],
                            "effective_weight": [0.1235, 0.8765]})
    cells = weights_cells(weights)
    assert cells_of(cells, "nominal_weight") == {"x": "0.167", "y": "0.833"}
    assert cells_of(cells, "effective_weight") == {"x": "0.124", "y": "0.877"}  # half up, not to even


def test_the_grade_matrix_holds_the_years_up_to_the_report_year_blank_where_not_graded():
    graded = pd.DataFrame({"county_code": ["990101", "990101", "990101", "990102"], "year": [2022, 2023, 2024, 2023],
                           "grade": ["好", "较好", "差", "一般"], "index": [70.0, None, 40.0, 55.0]})
    cells = grade_matrix_cells(graded, 2023)
    assert [(c["key"], c["column"], c["text"]) for c in cells] == [
        ("990101", "2022", "好"), ("990101", "2023", ""), ("990102", "2023", "一般")]


def test_coherence_notes_list_pairs_then_negatives_then_every_indicator_tied_for_the_largest_shift():
    coh = pd.DataFrame({"indicator": ["a", "b", "c", "d"], "other": ["b", "index", "index", "index"],
                        "r": [0.912, -0.345, 0.2, 0.1], "collinear": [True, False, False, False],
                        "negative_with_index": [False, True, False, False],
                        "rank_shift_if_dropped": [None, 1.25, 1.25, 0.5],
                        "moves_ranks_most": [False, True, True, False]})
    cells = coherence_cells(coh)
    rows = [(c["row"], c["key"], c["column"], c["text"]) for c in cells]
    assert rows == [(0, "a", "kind", "collinear"), (0, "a", "other", "b"), (0, "a", "size", "0.91"),
                    (1, "b", "kind", "negative"), (1, "b", "other", "index"), (1, "b", "size", "-0.35"),
                    (2, "b", "kind", "moves_ranks_most"), (2, "b", "other", "index"), (2, "b", "size", "1.3"),
                    (3, "c", "kind", "moves_ranks_most"), (3, "c", "other", "index"), (3, "c", "size", "1.3")]


def test_a_region_year_is_read_back_as_one_table_in_the_stages_order():
    county = pd.concat([county_rows("990200", 2024, {"990201": {"cases_filed": 1}}),
                        county_rows("990100", 2024, {"990101": {"cases_filed": 2}, "990102": {"cases_filed": 1}}),
                        county_rows("990100", 2024, {"990101": {"cases_filed": 9}}, period="H1")])
    frames = {marts.COUNTY: county, marts.EVALUATION: EVALUATION, marts.EVALUATION_WEIGHTS: pd.DataFrame(),
              marts.EVALUATION_COHERENCE: pd.DataFrame()}
    table = present(frames, ["cases_filed"], CATALOG)
    assert table["region_code"].drop_duplicates().tolist() == ["990100", "990200"]  # one run per region
    data = ReportData(pd.DataFrame(), None, None, {},
                      presentation=table)
    ranking = data.table("990100", 2024, "ranking")
    assert ranking.index.tolist() == ["990102", "990101"] and ranking["cases_filed"].tolist() == ["1", "2"]  # not H1
    evaluation = data.table("990100", 2024, "evaluation")
    assert evaluation.loc["990102", "index"] == "66.3" and evaluation.loc["990101", "index"] is None
    assert data.table("990100", 2023, "ranking").empty and data.table("990200", 2024, "evaluation").empty


def test_the_audit_table_joins_each_indicators_shape_with_its_link_to_the_index():
    from pipeline.stages.presentation import audit_cells, profile_cells

    audit = pd.DataFrame({"indicator": ["x", "y"], "coverage": [0.9, 1.0], "counties_with_value": [9, 10],
                          "counties": [10, 10], "skewness": [1.234, None], "kurtosis": [2.345, -0.5]})
    coh = pd.DataFrame({"indicator": ["x", "x"], "other": ["y", "index"], "r": [0.5, -0.125],
                        "rank_shift_if_dropped": [None, 0.25]})
    cells = audit_cells(audit, coh)
    assert cells_of(cells, "coverage") == {"x": "9/10", "y": "10/10"}
    assert cells_of(cells, "skewness") == {"x": "1.23", "y": None}
    assert cells_of(cells, "kurtosis") == {"x": "2.35", "y": "-0.50"}  # 2.345 half up, not 2.34
    assert cells_of(cells, "r_index") == {"x": "-0.13", "y": None}  # the pair x-y is not the link with the index
    assert cells_of(cells, "rank_shift_if_dropped") == {"x": "0.3", "y": None}
    ev = pd.DataFrame({"county_code": ["990101", "990102"], "index": [60.0, None], "strengths": ["x,y", ""],
                       "weaknesses": ["", "x"]})
    assert [(c["key"], c["column"], c["text"]) for c in profile_cells(ev)] == [
        ("990101", "strengths", "x,y"), ("990101", "weaknesses", None)]  # 990102 not graded: no profile


def test_a_countys_indicators_print_with_the_catalogs_decimals_and_its_history_runs_to_the_report_year():
    from pipeline.stages.presentation import history_cells, indicator_cells

    ind = pd.DataFrame({"county_code": ["990101"] * 2, "indicator": ["new_onset_share", "integrity_satisfaction"],
                        "raw": [32.45, None], "region_mean": [27.94, 80.05], "normalised": [67.55, 48.0],
                        "imputed": [False, True]})
    cells = indicator_cells(ind, CATALOG)
    assert cells_of(cells, "raw") == {"new_onset_share": "32.5%", "integrity_satisfaction": None}
    assert cells_of(cells, "region_mean") == {"new_onset_share": "27.9%", "integrity_satisfaction": "80.1"}
    assert cells_of(cells, "normalised") == {"new_onset_share": "67.6", "integrity_satisfaction": "48.0"}
    assert cells_of(cells, "imputed") == {"new_onset_share": None, "integrity_satisfaction": "yes"}
    assert {c["place_code"] for c in cells} == {"990101"}
    assert indicator_cells(ind.assign(raw=None), CATALOG) == []  # nothing delivered: no table
    ev = pd.DataFrame({"county_code": ["990101"] * 3, "year": [2024, 2022, 2023], "index": [61.25, 58.0, None],
                       "rank": [2.0, 4.0, None], "counties_graded": [10, 10, None], "rank_p05": [1.0, 3.0, None],
                       "rank_p95": [3.0, 6.0, None], "grade": ["较好", "一般", "未评定"],
                       "grade_probability": [0.725, 0.5, None]})
    history = history_cells(ev, 2023)
    assert [c["key"] for c in history if c["column"] == "index"] == ["2022", "2023"]  # oldest first, to 2023
    assert cells_of(history, "index") == {"2022": "58.0", "2023": None}
    assert cells_of(history, "rank_interval") == {"2022": "3–6", "2023": None}
    assert cells_of(history_cells(ev, 2024), "grade_probability")["2024"] == "73%"  # 72.5 half up
    assert history_cells(ev[ev["year"] == 2023], 2023) == []  # never graded: no history


def test_a_countys_warnings_list_this_year_first_then_last_year_and_the_region_lists_its_year():
    from pipeline.stages.presentation_warnings import county_warning_cells, warning_cells

    warnings = pd.DataFrame({"county_code": ["990101", "990101", "990101", "990101", "990102"],
                             "year": [2022, 2023, 2024, 2024, 2024], "rule": ["x", "b", "c", "a", "a"],
                             "severity": ["low", "medium", "high", "low", "high"]})
    county = county_warning_cells(warnings, 2024, CATALOG)
    assert [(c["place_code"], c["key"], c["text"]) for c in county] == [
        ("990101", "990101|2024|a", "low"), ("990101", "990101|2024|c", "high"), ("990101", "990101|2023|b", "medium"),
        ("990102", "990102|2024|a", "high")]  # 2022 is not this year or the last
    assert county_warning_cells(warnings, 2027, CATALOG) == []  # none in 2026-2027: no table, "no warnings" is said
    region = warning_cells(warnings[warnings["year"] == 2024], "warnings", CATALOG)
    assert [c["key"] for c in region] == ["990101|2024|c", "990101|2024|a", "990102|2024|a"]  # the mart's order
    data = ReportData(pd.DataFrame(), None, None, {},
                      warnings=warnings,
                      presentation=pd.DataFrame([{"region_code": "990100", "year": 2024, **c} for c in county]))
    listed = data.listed_warnings("990101", 2024, "county_warnings")
    assert list(zip(listed["year"], listed["rule"], strict=True)) == [(2024, "a"), (2024, "c"), (2023, "b")]
    assert data.listed_warnings("990103", 2024, "county_warnings").empty


def test_the_nations_row_is_of_the_year_the_national_finding_compared_with():
    """form1 is published for 2024, the other forms for 2023 only: the findings stage compared the region
    with 2024 (the first measure's year) and the table may not show 2023 beside that sentence."""
    import json

    from pipeline.stages.presentation import four_forms_cells, nation_of, printed_shares

    shares = ["form1_share", "form2_share", "form3_share", "form4_share"]
    national = pd.DataFrame({"measure": [*shares, "form1_share"], "year": [2023] * 4 + [2024],
                             "value": [72.7, 21.6, 3.2, 2.5, 75.0], "text": ["72.7", "21.6", "3.2", "2.5", "75.0"],
                             "source": ["CCDI 2023"] * 4 + ["CCDI 2024"]})

    def findings(evidence_year):
        return pd.DataFrame({"place_code": ["990100"], "topic": ["national"],
                             "evidence": [json.dumps({"year": evidence_year})]})

    assert nation_of(findings(2024), national, "990100").empty  # 2024 lacks forms 2-4: no row, not 2023's
    nation = nation_of(findings(2023), national, "990100")
    assert nation["year"].tolist() == [2023] * 4 and nation.loc["form2_share", "value"] == 21.6
    assert nation_of(findings(2023).iloc[0:0], national, "990100").empty  # no national finding: no national row
    shape = pd.DataFrame({"place_code": ["990101"], "topic": ["four_forms_shape"], "verdict": ["holds"],
                          "evidence": [json.dumps({"shares": shares, "figures": {
                              s: {"text": t} for s, t in zip(shares, ["64.8", "28.4", "4.1", "2.7"], strict=True)}})]})
    cells = four_forms_cells(["990101", "990102"], {"990101": {"form1_share": 64.83}}, printed_shares(shape), nation)
    assert [(c["key"], c["column"], c["text"]) for c in cells if c["column"] in ("form1_share", "source")] == [
        ("990101", "form1_share", "64.8%"), ("990102", "form1_share", None), ("nation:2023", "form1_share", "72.7%"),
        ("nation:2023", "source", "CCDI 2023")]
    assert [c["value"] for c in cells if c["column"] == "form1_share"] == [64.83, None, 72.7]


def test_the_notebooks_stage_stops_before_any_kernel_when_the_tables_were_never_laid_out(tmp_path):
    """Run by hand after the findings stage alone, the region notebook failed in a cell with KeyError: 'grade';
    the stage now names the missing mart and the stage that writes it."""
    import pytest

    from pipeline.errors import ConfigError
    from pipeline.report.notebooks.stage import require_presentation

    (tmp_path / "data" / "marts").mkdir(parents=True)
    require_presentation(tmp_path)  # nothing judged yet: nothing to lay out, nothing refused here
    marts.write_mart(marts.mart_path(tmp_path, marts.FINDINGS), pd.DataFrame({"region_code": ["990100"]}))
    with pytest.raises(ConfigError) as err:
        require_presentation(tmp_path)
    assert "data/marts/presentation.parquet" in str(err.value) and "pipeline.stages.presentation" in str(err.value)
    marts.write_mart(marts.mart_path(tmp_path, marts.PRESENTATION), pd.DataFrame({"region_code": ["990100"]}))
    require_presentation(tmp_path)


def test_the_audits_notes_are_listed_in_print_order_and_read_back_as_the_notebooks_lines():
    from pipeline.report.audit_views import audit_lines
    from pipeline.report.fmt import load_words
    from pipeline.stages.presentation import audit_note_cells, audit_note_rows

    audit = pd.DataFrame({
        "indicator": ["integrity_satisfaction", "conduct_satisfaction"], "coverage": [0.9, 1.0],
        "counties_with_value": [9, 10], "counties": [10, 10], "counties_graded": [10, 10],
        "statistics_skipped": [False, False], "statistics_minimum": [5, 5], "cronbach_alpha": [0.655, 0.655],
        "alpha_adequate": [False, False], "alpha_min": [0.7, 0.7], "pc1_share": [0.4851, 0.4851],
        "winsorisation_skipped": [False, False], "winsorisation_minimum": [8, 8], "skewness": [2.345, 0.1],
        "kurtosis": [3.005, -0.2], "beyond_limits": [True, False], "skew_limit": [2.0, 2.0],
        "kurtosis_limit": [3.0, 3.0]})
    treated = pd.DataFrame({"county_code": ["990103"], "indicator": ["integrity_satisfaction"],
                            "before": [55.55], "after": [70.04]})
    cells = audit_note_cells(audit, treated, CATALOG)
    table = pd.DataFrame([{"region_code": "990100", "year": 2024, **c, "place_code": "990100"} for c in cells])
    data = ReportData(pd.DataFrame({"name": ["城东区"]}, index=pd.Index(["990103"], name="code")), CATALOG,
                      load_words(Path(__file__).parents[1], "zh"), {}, presentation=table)
    notes = data.table("990100", 2024, "audit_notes")
    assert notes["note"].tolist() == ["coverage_gap", "alpha_low", "pc1", "outlier", "winsorised"]
    lines = audit_lines(data, "990100", 2024)
    # α 0.655 printed 0.66 (half up) below 0.7; 48.51% -> 49%; skew 2.345 -> 2.35, kurtosis 3.005 -> 3.01
    assert lines[0].startswith("报送不全的指标：党风廉政建设社会评价满意度 9/10 个县区")
    assert "α = 0.66，低于 0.7" in lines[1] and "49%" in lines[2]
    assert lines[3] == "偏度和峰度同时超限的指标：党风廉政建设社会评价满意度（偏度 2.35，峰度 3.01）。"
    assert lines[4].startswith("缩尾处理的数值：城东区") and "55.6 → 70.0" in lines[4]
    # a full coverage and no outlier are said as such; with statistics skipped no shape is reported
    full = audit.assign(coverage=1.0, counties_with_value=10, beyond_limits=False)
    assert [n for n, _ in audit_note_rows(full, pd.DataFrame(), CATALOG)] == [
        "coverage_full", "alpha_low", "pc1", "outliers_none"]
    skipped = audit.assign(statistics_skipped=True, cronbach_alpha=None, pc1_share=None)
    assert [n for n, _ in audit_note_rows(skipped, pd.DataFrame(), CATALOG)] == [
        "coverage_gap", "statistics_skipped"]


def test_the_outline_places_each_finding_once_per_section_main_problems_by_priority():
    from pipeline.stages.presentation_outline import outline_cells

    def row(fid, topic, polarity, main=False, priority=0, period="full_year", subject=""):
        return {"finding_id": fid, "place_code": "990101", "year": 2024, "period": period, "topic": topic,
                "subject": subject, "polarity": polarity, "main": main, "priority": priority}

    findings = pd.DataFrame([
        row("w1", "work_change", "neutral"), row("c1", "coverage", "neutral"),
        row("p3", "trend", "problem", True, 3), row("a1", "trend", "achievement"),
        row("p1", "grade", "problem", True, 1), row("o2", "warnings", "problem", False, 2),
        row("t1", "trend", "attention"), row("o1", "trend", "problem", False, 1),
        row("n1", "national", "neutral"), row("f1", "follow_up", "neutral"), row("f0", "follow_up_count", "neutral"),
        row("h1", "trend", "problem", True, 1, period="H1")])
    cells = outline_cells(findings)
    placed = [(c["key"], c["text"]) for c in cells if c["table"] == "outline"]
    # by hand: coverage before the counts, main problems by priority (p1 before p3), the other problems by
    # priority (o1 before o2) then the items to watch; the grade both a problem and the method; H1 apart
    assert placed == [("c1", "work_coverage"), ("w1", "work_change"), ("a1", "achievements"),
                      ("f1", "follow_up"), ("f0", "follow_up"), ("p1", "problems"), ("p3", "problems"),
                      ("o1", "watch"), ("o2", "watch"), ("t1", "watch"), ("n1", "notes"), ("p1", "method"),
                      ("h1", "partial")]
    assert [c["row"] for c in cells if c["table"] == "outline"] == list(range(13))
    # the first half's own report: its problem, in the period's outline
    assert [(c["table"], c["key"], c["text"]) for c in cells if c["table"] != "outline"] == [
        ("outline:H1", "h1", "problems")]


def test_the_notice_states_the_full_year_problems_of_the_severities_params_name():
    """青山县's high warning on its new-onset share is the notice's (report.notice.severities: [high]); its medium
    warning is not, unless medium is named too; a high warning of 1-9月 never is (a notice is annual); a veto
    said within the rise's sentence carries no warning of its own and is no item, while a first-form share
    with its own high warning, said within the pyramid's sentence in the report, is still an item of the
    letter (a letter states each warning)."""
    from pipeline.stages.presentation_outline import outline_cells

    def row(fid, polarity, severity="", period="full_year", part_of=""):
        return {"finding_id": fid, "place_code": "990121", "year": 2024, "period": period, "topic": "trend",
                "subject": fid, "polarity": polarity, "main": polarity == "problem", "priority": 1,
                "part_of": part_of, "severity": severity}

    findings = pd.DataFrame([row("onset", "problem", "high"), row("petitions", "problem", "medium"),
                             row("partial", "problem", "high", period="M1-9"), row("form1", "attention"),
                             row("veto", "problem", part_of="onset"), row("shape", "problem", "medium"),
                             row("first_form", "problem", "high", part_of="shape")])
    notice = [c["key"] for c in outline_cells(findings) if c["table"] == "notice"]
    assert notice == ["onset", "first_form"]
    both = [c["key"] for c in outline_cells(findings, ("high", "medium")) if c["table"] == "notice"]
    assert both == ["onset", "petitions", "shape", "first_form"]
    placed = [c["key"] for c in outline_cells(findings) if c["table"] == "outline"]
    assert "veto" not in placed and "first_form" not in placed and "shape" in placed


def test_a_year_delivered_in_part_plans_its_latest_periods_report_for_the_places_that_delivered_it():
    from pipeline.stages.presentation_outline import period_report_cells

    regional = pd.DataFrame({"region_code": "990100", "year": [2023, 2024, 2024, 2024, 2024],
                             "period": ["full_year", "Q1", "H1", "M1-9", "M1-11"],
                             "counties_reporting": [3, 3, 3, 2, 0]})
    findings = pd.DataFrame({"place_code": ["990102", "990101", "990103", "990101"], "year": [2024] * 4,
                             "period": ["M1-9", "M1-9", "H1", "full_year"]})
    cells = period_report_cells("990100", regional, findings, ["990101", "990102", "990103"])
    # 2023 had its full year: no period report; 2024's latest delivered is 1-9月 (1-11月 has no county), its
    # places in the register's order (990103 delivered only the first half)
    assert [(c["year"], c["key"], c["text"]) for c in cells] == [(2024, "M1-9", "990101,990102")]


def figure_rows(rows: list[dict], region: str = "990100") -> pd.DataFrame:
    """County-mart rows: every column the figures tables read, defaults for those a test leaves out."""
    base = {"region_code": region, "period": "full_year", "status": "ok", "value": None, "yoy_change": None,
            "yoy_unit": None, "rate_per_members": None, "rank_in_region": None, "counties_ranked": None,
            "approximate": False, "source_file": None, "source_row": None, "source_cell": None}
    return pd.DataFrame([{**base, **r} for r in rows])


def figures_data(county: pd.DataFrame, region: pd.DataFrame | None = None) -> ReportData:
    from pipeline.divisions import read_divisions
    from pipeline.report.fmt import load_words

    repo = Path(__file__).parents[1]
    frames = {marts.COUNTY: county, marts.REGION: region if region is not None else pd.DataFrame()}
    divisions = read_divisions(repo / "data/reference/divisions.csv").set_index("code")
    return ReportData(divisions, CATALOG, load_words(repo, "zh"), {},
                      presentation=present(frames, ["cases_filed"], CATALOG))


def test_a_places_figures_print_half_up_with_sign_rank_and_the_cell_they_were_read_from():
    county = figure_rows([
        {"county_code": "990101", "year": 2024, "measure": "cases_filed", "value": 1234.5, "yoy_change": -3.45,
         "yoy_unit": "%", "rate_per_members": 2.345, "rank_in_region": 3, "counties_ranked": 11,
         "source_file": "data/raw/990100/2024.csv", "source_row": 3, "source_cell": "D3", "approximate": True},
        {"county_code": "990101", "year": 2024, "measure": "new_onset_cases", "value": 40.0, "yoy_change": 0.04,
         "yoy_unit": "%", "source_file": "data/raw/990100/2024.csv", "source_row": 3, "source_cell": "E3"},
        {"county_code": "990101", "year": 2024, "measure": "new_onset_share", "value": 32.45, "yoy_change": 0.05,
         "yoy_unit": "pp"},
        {"county_code": "990101", "year": 2024, "measure": "four_forms_total", "value": 950.0,
         "source_file": "data/raw/990100/2024.csv", "source_row": 3, "source_cell": "H3"},
        {"county_code": "990101", "year": 2024, "measure": "four_forms_sum", "status": "missing_inputs"}])
    data = figures_data(county)
    f = data.figures("990101", 2024)
    # 1234.5 half up is 1,235 (Python's round gives 1,234); -3.45 is -3.5; a share of 32.45 % prints 32.5 %
    assert f.text.loc["cases_filed", ["value", "yoy", "yoy_unit", "rate", "rank"]].tolist() == [
        "1,235", "-3.5", "%", "2.35", "3/11"]
    assert f.value.loc["cases_filed", "approximate"] == 1 and pd.isna(f.value.loc["new_onset_cases", "approximate"])
    assert f.text.loc["cases_filed", ["source_file", "source_cell"]].tolist() == ["data/raw/990100/2024.csv", "D3"]
    assert f.text.loc["new_onset_cases", "yoy"] == "0.0"  # a change that prints zero has no sign
    assert f.text.loc["new_onset_share", ["value", "yoy"]].tolist() == ["32.5%", "+0.1"]
    # a computed share cites the cells of its delivered inputs; the missing derived total gives way to the total
    assert f.text.loc["new_onset_share", ["input_file", "input_cells"]].tolist() == ["data/raw/990100/2024.csv",
                                                                                       "E3,D3"]
    assert f.value.loc["new_onset_share", "computed"] == 1 and pd.isna(f.value.loc["cases_filed", "computed"])
    assert f.text.loc["four_forms_sum", "shown"] == "four_forms_total" and f.text.loc["cases_filed", "shown"] is None
    assert data.figures("990101", 2023).text.empty  # no rows that year: an empty table, not an error
    from pipeline.report.county_views import figures_table

    # a year the county did not deliver: its notebook's table prints nothing for it and says why
    empty = figures_table(data, data.figures("990101", 2023), ["cases_filed", "new_onset_share"])
    assert empty["数值"].tolist() == ["—", "—"] and empty["同比"].tolist() == ["—", "—"]
    assert empty["来源"].tolist() == ["未报送", "未报送"]


def test_a_series_says_which_years_print_nothing_and_why():
    from pipeline.report.view_parts import gaps_text

    county = figure_rows([
        {"county_code": "990101", "year": 2022, "measure": "cases_filed", "value": 10.0},
        {"county_code": "990101", "year": 2024, "measure": "cases_filed", "status": "blank"}])
    data = figures_data(county)
    s = data.series("990101", "cases_filed", 2022, 2024)
    assert s["text"].tolist() == ["10", None, None] and s["status"].tolist() == ["ok", "not_delivered", "blank"]
    assert s["listed"].tolist() == [True, False, True]
    assert gaps_text(data, s, "立案数") == "立案数：2023 年（未报送）、2024 年（空白）没有数值，图表中留空，不按零处理。"


def test_a_partial_period_lists_only_what_its_table_carried_and_periods_come_in_order():
    county = figure_rows([
        {"county_code": "990101", "year": 2024, "period": "M1-9", "measure": "cases_filed", "value": 7.0},
        {"county_code": "990101", "year": 2024, "period": "M1-9", "measure": "petitions", "status": "column_absent"},
        {"county_code": "990101", "year": 2024, "period": "H1", "measure": "cases_filed", "value": 5.0},
        {"county_code": "990101", "year": 2024, "period": "Q1", "measure": "cases_filed",
         "status": "not_delivered"},
        {"county_code": "990101", "year": 2024, "measure": "cases_filed", "value": 12.0}])
    data = figures_data(county)
    assert data.periods("990101", 2024) == ["H1", "M1-9"]  # Q1 delivered nothing
    assert data.figures("990101", 2024, "M1-9").text.index.tolist() == ["cases_filed"]
    assert data.figures("990101", 2024, "H1").text.loc["cases_filed", "value"] == "5"


def test_a_notebook_naming_a_place_without_figures_stops_and_lists_those_that_have_them():
    import pytest

    from pipeline.report.view_parts import PlaceNotInData, require_place

    county = figure_rows([{"county_code": c, "year": 2024, "measure": "cases_filed", "value": 1.0}
                          for c in ("990101", "990102")])
    region = pd.DataFrame([{"region_code": "990100", "year": 2024, "period": "full_year", "measure": "cases_filed",
                            "value": 2.0, "counties_reporting": 2, "counties_in_scope": 2}])
    data = figures_data(county, region)
    require_place(data, "990100", "990102")  # held: no error
    with pytest.raises(PlaceNotInData) as err:
        require_place(data, "990100", "990121")
    assert "数据中没有 990100 / 990121" in str(err.value)
    assert "城关区（990101）、" in str(err.value) and "990121" not in str(err.value).split("——")[1]


def test_a_warnings_evidence_figures_are_printed_half_up_in_the_measures_decimals():
    from pipeline.stages.presentation_warnings import warning_cells

    rows = pd.DataFrame([
        {"county_code": "990101", "year": 2016, "rule": "rising", "severity": "high", "measure": "new_onset_share",
         "rule_type": "change", "value": 28.846154, "evidence_values": [23.255814, 28.846154], "change": 5.55,
         "threshold": 2.0},
        {"county_code": "990102", "year": 2016, "rule": "many", "severity": "low", "measure": "cases_filed",
         "rule_type": "level", "value": 1234.5, "evidence_values": [1234.5], "change": None, "threshold": 1000.0}])
    cells = warning_cells(rows, "warnings", CATALOG)
    printed = {(c["key"], c["column"]): c["text"] for c in cells}
    # 23.255814 % -> 23.3 %, 28.846154 % -> 28.8 %; a change of 5.55 pp half up is 5.6 (Python's round: 5.5)
    assert printed[("990101|2016|rising", "values")] == "23.3%|28.8%"
    assert printed[("990101|2016|rising", "change")] == "5.6"
    assert printed[("990101|2016|rising", "threshold")] == "2.0"  # a change's threshold: the change decimals
    assert printed[("990102|2016|many", "value")] == "1,235" and printed[("990102|2016|many", "threshold")] == "1,000"
    assert printed[("990102|2016|many", "change")] is None


def test_a_flags_evidence_prints_as_a_code_the_renderers_put_in_words():
    from pipeline.report.fmt import load_words
    from pipeline.report.warning_words import evidence_values
    from pipeline.stages.presentation_warnings import warning_cells

    rows = pd.DataFrame([{"county_code": "990101", "year": 2024, "rule": "not_pyramid", "severity": "medium",
                          "measure": "pyramid_holds", "rule_type": "run", "value": 0.0,
                          "evidence_values": [0.0, 1.0, None], "change": None, "threshold": None}])
    printed = {c["column"]: c["text"] for c in warning_cells(rows, "warnings", CATALOG)}
    assert printed["values"] == "no|yes|—" and printed["threshold"] is None
    words = load_words(Path(__file__).parents[1], "zh")
    assert evidence_values(words, printed["values"]) == ["否", "是", "—"]
