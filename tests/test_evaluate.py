"""Composite evaluation checked by hand on a 3-county fixture, and its uncertainty on the demo data."""

import math

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO

from pipeline.catalog import load_catalog
from pipeline.errors import ConfigError
from pipeline.stages.evaluate.grading import assign_grades, rank_desc
from pipeline.stages.evaluate.normalisation import normalise
from pipeline.stages.evaluate.region_year import evaluate_block
from pipeline.stages.evaluate.settings import EvalConfig, UncertaintyConfig
from pipeline.stages.evaluate.stage import evaluate_all
from pipeline.stages.evaluate.uncertainty import simulate

# Three counties, two indicators, weights 2:1 (so 2/3 and 1/3).
RAW = pd.DataFrame({"a": [60.0, 90.0, 100.0], "b": [90.0, 70.0, 75.0]}, index=["X", "Y", "Z"])
W = (2 / 3, 1 / 3)


LABELS = ("好", "较好", "一般", "差")


def cfg(norm: str, agg: str, **kw) -> EvalConfig:
    return EvalConfig(weights={"a": 2, "b": 1}, normalisation=norm, aggregation=agg, min_indicators=2,
                      goalposts={"a": (50.0, 100.0), "b": (50.0, 100.0)}, labels=LABELS, **kw)


def geo(values):  # weighted geometric mean of 0-100 values moved into [1, 100]
    return math.exp(sum(w * math.log(1 + 0.99 * v) for w, v in zip(W, values, strict=True)))


def t_scores(col):  # the sample standard deviation (n - 1), as COINr's n_zscore and the JRC/OECD handbook
    mean = sum(col) / 3
    sd = math.sqrt(sum((c - mean) ** 2 for c in col) / 2)
    return [50 + 10 * (c - mean) / sd for c in col]


# minmax: a -> 0, 75, 100; b -> 100, 0, 25.  goalposts [50, 100]: a -> 20, 80, 100; b -> 80, 40, 50.
TA, TB = t_scores([60, 90, 100]), t_scores([90, 70, 75])
EXPECTED = {
    ("minmax", "arithmetic"): [2 / 3 * 0 + 1 / 3 * 100, 2 / 3 * 75 + 1 / 3 * 0, 2 / 3 * 100 + 1 / 3 * 25],
    ("minmax", "geometric"): [geo([0, 100]), geo([75, 0]), geo([100, 25])],
    ("goalposts", "arithmetic"): [2 / 3 * 20 + 1 / 3 * 80, 2 / 3 * 80 + 1 / 3 * 40, 2 / 3 * 100 + 1 / 3 * 50],
    ("goalposts", "geometric"): [geo([20, 80]), geo([80, 40]), geo([100, 50])],
    ("zscore", "arithmetic"): [2 / 3 * a + 1 / 3 * b for a, b in zip(TA, TB, strict=True)],
    ("zscore", "geometric"): [geo([a, b]) for a, b in zip(TA, TB, strict=True)],
}


@pytest.mark.parametrize(("norm", "agg"), sorted(EXPECTED))
def test_index_for_every_normalisation_and_aggregation(norm, agg):
    out = evaluate_block(RAW, cfg(norm, agg))["result"]
    assert out["index"].tolist() == pytest.approx(EXPECTED[(norm, agg)], abs=1e-9)
    expected_ranks = pd.Series(EXPECTED[(norm, agg)]).rank(ascending=False, method="min").tolist()
    assert out["rank"].tolist() == expected_ranks


def test_hand_numbers_written_out():
    # the same cases as plain numbers, for a reader checking by hand
    assert EXPECTED[("minmax", "arithmetic")] == pytest.approx([33.3333, 50.0, 75.0], abs=1e-4)
    assert EXPECTED[("goalposts", "arithmetic")] == pytest.approx([40.0, 66.6667, 83.3333], abs=1e-4)
    assert EXPECTED[("minmax", "geometric")][0] == pytest.approx(100 ** (1 / 3), abs=1e-9)  # 1^(2/3) * 100^(1/3)
    assert pytest.approx([38.7910, 53.2026, 58.0064], abs=1e-4) == TA


def test_z_scores_are_t_scores_and_flat_columns_sit_at_50():
    # two values 1 and 3: mean 2, sample standard deviation sqrt(2), so 50 -+ 10 / sqrt(2)
    n = normalise(np.array([[1.0, 5.0], [3.0, 5.0]]), "zscore")
    assert n.ravel().tolist() == pytest.approx([50 - 10 / math.sqrt(2), 50.0, 50 + 10 / math.sqrt(2), 50.0])
    # three units 2, 4, 9: mean 5, squared deviations 9 + 1 + 16 = 26, s = sqrt(26 / 2) = 3.6056;
    # T = 50 + 10 (x - 5) / 3.6056 = 41.6795, 47.2265, 61.0940 (the population sd, 2.9439, would give
    # 39.81, 46.60, 63.59: stretched by sqrt(3 / 2) = 1.22)
    three = normalise(np.array([[2.0], [4.0], [9.0]]), "zscore")
    assert three.ravel().tolist() == pytest.approx([41.6795, 47.2265, 61.0940], abs=1e-4)
    # one county alone: no spread to standardise by, it sits at 50
    assert normalise(np.array([[7.0]]), "zscore").tolist() == [[50.0]]
    assert normalise(np.array([[7.0], [7.0]]), "minmax").tolist() == [[50.0], [50.0]]
    assert normalise(np.array([[40.0], [120.0]]), "goalposts", (50, 100)).tolist() == [[0.0], [100.0]]


def test_grades_by_quantile_and_by_cut_offs():
    index = np.array([90.0, 80.0, 70.0, 60.0, 50.0, np.nan])
    ranks = rank_desc(index)
    c = cfg("minmax", "arithmetic")
    # positions (rank - 1) / 5 = 0, .2, .4, .6, .8 against cut-offs .2 / .6 / .9
    assert assign_grades(index, ranks, c)[0].tolist() == ["好", "较好", "较好", "一般", "一般", "未评定"]
    ten = np.arange(100.0, 0.0, -10.0)
    assert list(assign_grades(ten, rank_desc(ten), c)[0]) == ["好"] * 2 + ["较好"] * 4 + ["一般"] * 3 + ["差"]
    c = cfg("minmax", "arithmetic", grade_method="absolute")
    assert assign_grades(index, ranks, c)[0].tolist() == ["好", "较好", "一般", "差", "差", "未评定"]


def test_missing_indicator_is_imputed_and_flagged_or_county_not_graded():
    raw = pd.DataFrame({"a": [60.0, 90.0, np.nan, 80.0], "b": [90.0, 70.0, 75.0, np.nan],
                        "c": [70.0, 80.0, np.nan, 85.0]}, index=["X", "Y", "Z", "V"])
    c = EvalConfig(weights={"a": 1, "b": 1, "c": 1}, min_indicators=2, labels=LABELS,
                   goalposts={k: (50.0, 100.0) for k in "abc"})
    out = evaluate_block(raw, c)
    res = out["result"].set_index("county_code")
    assert res.loc["Z", "grade"] == "未评定" and np.isnan(res.loc["Z", "index"])
    assert res.loc["V", "imputed"] == "b" and res.loc["X", "imputed"] == ""
    assert out["filled"].loc["V", "b"] == pytest.approx((90 + 70) / 2)  # mean of the graded counties
    assert res["counties_graded"].iloc[0] == 3


def test_effective_weights_sum_to_one():
    w = evaluate_block(RAW, cfg("minmax", "arithmetic"))["weights"]
    assert w["nominal_weight"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert w["effective_weight"].sum() == pytest.approx(1.0)


def test_simulation_is_deterministic_and_gives_probabilities():
    c = cfg("minmax", "arithmetic")
    unc = UncertaintyConfig(base=256, seed=7, weight_spread=0.25, weightings=("manual",),
                            normalisations=("minmax", "zscore", "goalposts"), aggregations=("arithmetic", "geometric"),
                            imputations=("region_mean",), winsorisation=(False,))
    first, indices = simulate(RAW, c, unc)
    second, _ = simulate(RAW, c, unc)
    pd.testing.assert_frame_equal(first, second)
    # three assumptions varied: weight noise, normalisation, aggregation -> 256 x (3 + 2) scenarios
    assert first["scenarios"].iloc[0] == 256 * 5 and first["factors_varied"].iloc[0] == "weights,normalisation,aggregation"
    probs = first[["p_好", "p_较好", "p_一般", "p_差"]].sum(axis=1)
    assert probs.tolist() == pytest.approx([1.0, 1.0, 1.0])
    z = first.set_index("county_code").loc["Z"]
    # Z leads on a (100 vs 90 vs 60, weight 2/3) and is never last on b: first under every scenario
    assert z["median_rank"] == 1 and z["modal_grade"] == "好" and z["p_好"] == 1.0
    assert z["rank_drivers"] == "" and z["grade_drivers"] == ""  # nothing moves it
    assert (first["rank_p05"] <= first["median_rank"]).all() and (first["median_rank"] <= first["rank_p95"]).all()
    assert set(indices["factor"]) == {"weights", "normalisation", "aggregation"}
    assert (indices[indices["county_code"] == "Z"][["first_order", "total_order"]] == 0).all().all()


CATALOG = load_catalog(REPO / "data/reference/indicators.yaml")


def params(**weights) -> dict:
    ev = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))["evaluation"]
    ev["weights"] = weights
    ev["min_indicators"] = len(weights)
    ev["uncertainty"]["draws"] = 256
    return ev


def mart(values: dict[str, dict[str, float]], year: int = 2024) -> pd.DataFrame:
    """A county measures mart (long) for region 990100: {county: {measure: value}}."""
    return pd.DataFrame([{"region_code": "990100", "county_code": c, "county_name": c, "year": year,
                          "measure": m, "value": v} for c, row in values.items() for m, v in row.items()])


def test_lower_is_better_measure_ranks_the_lowest_share_first():
    shares = {"990101": {"new_onset_share": 35.0}, "990102": {"new_onset_share": 20.0},
              "990103": {"new_onset_share": 28.0}}
    ev = params(new_onset_share=1)
    for norm in ("minmax", "zscore", "goalposts"):
        ev["normalisation"] = norm
        out = evaluate_all(mart(shares), ev, CATALOG)["evaluation"].set_index("county_code")
        assert out["rank"].to_dict() == {"990102": 1, "990103": 2, "990101": 3}, norm
    # goalposts [0, 100] from the catalog, reversed: 100 - share
    assert out.loc["990102", "index"] == pytest.approx(80.0)


def test_a_lower_is_better_indicator_that_agrees_with_the_index_is_not_flagged_negative():
    # the counties with the lower new-onset share also have the higher satisfaction: both say the same thing
    values = {"990101": (20.0, 90.0), "990102": (30.0, 80.0), "990103": (40.0, 70.0), "990104": (50.0, 65.0)}
    rows = {c: {"new_onset_share": s, "integrity_satisfaction": i} for c, (s, i) in values.items()}
    ev = params(new_onset_share=1, integrity_satisfaction=1)
    ev["minimum_units"] = {"statistics": 3}  # four counties: allowed here, to check the orientation by hand
    coh = evaluate_all(mart(rows), ev, CATALOG)["evaluation_coherence"]
    with_index = coh[coh["other"] == "index"].set_index("indicator")
    assert with_index.loc["new_onset_share", "r"] > 0.9 and not with_index["negative_with_index"].any()



@pytest.mark.parametrize(("safety", "negative"), [([70, 73, 75, 72, 74, 71], False), ([70, 71, 75, 72, 76, 73], True)])
def test_an_indicator_runs_against_the_index_only_beyond_the_negligible_band(safety, negative):
    """params.yaml evaluation.coherence.negative_r 0.1: a correlation of -0.06 with the index has no direction
    (a note printing "负相关（r = -0.06）" would tell the reader something the data do not show); -0.57 does."""
    rows = {f"99010{i + 1}": {"integrity_satisfaction": a, "conduct_satisfaction": b, "safety_satisfaction": c}
            for i, (a, b, c) in enumerate(zip([90, 85, 80, 75, 70, 65], [88, 84, 79, 77, 69, 66], safety,
                                              strict=True))}
    ev = params(integrity_satisfaction=1, conduct_satisfaction=1, safety_satisfaction=1)
    ev["minimum_units"] = {"statistics": 3}
    coh = evaluate_all(mart(rows), ev, CATALOG)["evaluation_coherence"]
    row = coh[(coh["other"] == "index") & (coh["indicator"] == "safety_satisfaction")].iloc[0]
    assert row["r"] < 0 and bool(row["negative_with_index"]) is negative
    assert bool(row["r"] < -0.1) is negative

def test_misspelt_weight_key_is_refused_with_the_accepted_codes():
    with pytest.raises(ConfigError) as err:
        evaluate_all(mart({"990101": {"integrity_satisfaction": 80.0}}), params(integrity_satisfacton=1), CATALOG)
    text = str(err.value)
    assert "params.yaml 中的 evaluation.weights" in text and "integrity_satisfacton" in text
    assert "integrity_satisfaction" in text.split("可用的代码：")[1]
    with pytest.raises(ConfigError, match="cases_filed"):  # no direction: neither better nor worse
        evaluate_all(mart({"990101": {"cases_filed": 80.0}}), params(cases_filed=1), CATALOG)


def test_region_without_scores_is_not_graded_and_says_why():
    counts = {c: {"cases_filed": 100.0} for c in ("990101", "990102", "990103")}
    marts = evaluate_all(mart(counts), params(integrity_satisfaction=1, conduct_satisfaction=1), CATALOG)
    ev = marts["evaluation"]
    assert ev["grade"].tolist() == ["未评定"] * 3 and ev["index"].isna().all()
    assert ev["not_graded_reason"].tolist() == ["no_indicators"] * 3
    assert ev["stable"].isna().all() and "p_好" in ev.columns
    assert marts["evaluation_coherence"].empty


def test_stability_is_the_probability_of_the_grade_given_not_of_the_most_likely():
    # four counties, cut-offs .2/.6/.9: positions 0, .25, .5, .75 -> 好, 较好, 较好, 一般
    a = {"990101": 79.2, "990102": 56.2, "990103": 88.2, "990121": 78.7}
    b = {"990101": 69.5, "990102": 89.7, "990103": 68.3, "990121": 75.0}
    scores = {c: {"integrity_satisfaction": a[c], "conduct_satisfaction": b[c]} for c in a}
    ev = evaluate_all(mart(scores), params(integrity_satisfaction=1, conduct_satisfaction=1), CATALOG)["evaluation"]
    top = ev.set_index("county_code").loc["990103"]
    assert (top["rank"], top["grade"], top["modal_grade"]) == (1, "好", "较好")
    assert top["grade_probability"] == top["p_好"] and top["grade_probability"] < top["modal_probability"]
    assert not top["stable"]


def test_an_indicator_no_county_delivered_is_the_reason_given_not_too_few():
    """Two weighted scores, one required: the counties have one each, but nobody in the region delivered the
    second, which cannot be imputed. The reason must say that, not "fewer than required" (1 is not below 1)."""
    scores = {c: {"integrity_satisfaction": v} for c, v in (("990101", 80.0), ("990102", 85.0))}
    ev = params(integrity_satisfaction=1, conduct_satisfaction=1)
    ev["min_indicators"] = 1
    out = evaluate_all(mart(scores), ev, CATALOG)["evaluation"]
    assert out["index"].isna().all()
    assert out["not_graded_reason"].tolist() == ["indicator_absent_in_region"] * 2
    assert out["indicators_absent_in_region"].tolist() == ["conduct_satisfaction"] * 2
    assert out["indicators_available"].tolist() == [1, 1]


def test_imputation_by_region_median_or_the_countys_previous_year():
    from pipeline.stages.evaluate.imputation import impute

    raw = pd.DataFrame({"a": [60.0, 90.0, 70.0, np.nan, np.nan], "b": [90.0, 70.0, 75.0, 80.0, 85.0]},
                       index=["X", "Y", "Z", "V", "W"])
    previous = pd.DataFrame({"a": [58.0, 88.0, 71.0, 66.0, np.nan]}, index=["X", "Y", "Z", "V", "W"])
    # delivered a: 60, 90, 70 -> mean 220 / 3, median 70
    filled, imputed, _, how = impute(raw, 1, "region_median")
    assert filled.loc["V", "a"] == 70.0 and how.loc["V", "a"] == "region_median" and imputed.loc["V", "a"]
    filled, _, _, how = impute(raw, 1, "previous_year", previous)
    assert filled.loc["V", "a"] == 66.0 and how.loc["V", "a"] == "previous_year"
    # W has no value of its own the year before: the region mean, and the cell says so
    assert filled.loc["W", "a"] == pytest.approx(220 / 3) and how.loc["W", "a"] == "region_mean"
    assert how.loc["X", "a"] == "" and how.loc["V", "b"] == ""


def test_the_grade_sentence_says_how_each_missing_indicator_was_filled():
    import json

    from pipeline.report.data import ReportData
    from pipeline.report.evaluation_words import grade_sentence, imputed_text
    from pipeline.report.fmt import load_words
    from pipeline.report.phrasing import Phraser

    data = ReportData(pd.DataFrame(), CATALOG, load_words(REPO, "zh"),
                      {}, evaluation=pd.DataFrame(columns=["p_好", "p_较好", "p_一般", "p_差"]))
    from pipeline.findings.grades import graded_row

    # the findings stage prints the index with the row (81.25 half up: 81.3, where Python's round gives 81.2)
    row = graded_row({"year": 2020, "index": 81.25, "rank": 2, "counties_graded": 9, "grade": "较好"})
    evidence = {**row, "method": {},
                "imputed": ["conduct_satisfaction", "personnel_appraisal", "safety_satisfaction"],
                "imputed_by": ["previous_year", "region_mean", "previous_year"], "strengths": [], "weaknesses": []}
    finding = {"finding_id": "990101/2020/full_year/grade/-", "scope": "unit", "place_code": "990101",
               "region_code": "990100", "level": "county", "unit_level": "county", "year": 2020,
               "period": "full_year", "topic": "grade", "subject": "", "verdict": "较好", "polarity": "achievement",
               "evidence": json.dumps(evidence, ensure_ascii=False)}
    p = Phraser(data)
    assert imputed_text(p, finding) == ("（缺项已插补：政风行风满意度、平安建设群众满意度按本县区上年数值；"
                                        "选人用人评议按全市均值）")
    assert grade_sentence(p, finding) == "综合评价指数81.3，居全市第2位（共9个县区），等次为“较好”"  # 81.25 half up


def test_every_indicator_tied_at_the_top_rank_shift_is_marked_and_none_when_nothing_moves():
    """Mean rank shifts 1.25 and 1.24 both print 1.3 and 1.2 (四舍五入): only the first moves ranks most;
    1.25 and 1.25 tie: both; a shift of 0.04 prints 0.0: no indicator moves any rank."""
    from pipeline.stages.evaluate.audit import most_moving

    def marked(shifts):
        frame = pd.DataFrame({"indicator": [f"m{i}" for i in range(len(shifts))], "other": "index",
                              "rank_shift_if_dropped": shifts})
        return most_moving(frame)["moves_ranks_most"].tolist()

    assert marked([1.25, 1.24]) == [True, False]
    assert marked([1.25, 1.25, 0.5]) == [True, True, False]
    assert marked([0.04, 0.0]) == [False, False]
