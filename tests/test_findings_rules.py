"""Bad judgement settings stop before anything is computed, naming the key, in Chinese (in memory, fast)."""

from __future__ import annotations

import copy

import pytest
import yaml
from conftest import REPO

from pipeline.catalog import load_catalog
from pipeline.errors import ConfigError
from pipeline.findings.rules import load_rules
from pipeline.judgement import JudgementConfig

CATALOG = load_catalog(REPO / "data/reference/indicators.yaml")
PARAMS = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))


def edited(**changes) -> dict:
    params = copy.deepcopy(PARAMS)
    for dotted, value in changes.items():
        node = params
        *keys, leaf = dotted.split("__")
        for k in keys:
            node = node[k]
        if value is None:
            node.pop(leaf)
        else:
            node[leaf] = value
    return params


def test_the_shipped_settings_load():
    rules = load_rules(REPO, PARAMS, CATALOG)
    cfg = JudgementConfig.from_params(PARAMS, CATALOG)
    assert cfg.band(CATALOG.measure("new_onset_share")) == 0.4 and cfg.band(CATALOG.measure("petitions")) == 2.0
    assert rules.marked_for(CATALOG.measure("integrity_satisfaction")) == 3.0
    assert rules.decider("unit", CATALOG.measure("committee_appraisal")) == "standing"
    assert rules.decider("region", CATALOG.measure("committee_appraisal")) == "baseline"
    assert rules.decider("unit", CATALOG.measure("cases_filed")) == "none"


def test_a_band_for_one_measure_overrides_its_kind():
    cfg = JudgementConfig.from_params(edited(judgement__flat_band={**PARAMS["judgement"]["flat_band"],
                                                                   "new_onset_share": 0.5}), CATALOG)
    assert cfg.band(CATALOG.measure("new_onset_share")) == 0.5 and cfg.band(CATALOG.measure("form1_share")) == 0.4


@pytest.mark.parametrize("changes,key", [
    ({"judgement__flat_band": None}, "judgement.flat_band"),
    ({"judgement__flat_band": {"count": 2.0, "score": 1.0}}, "judgement.flat_band.share"),
    ({"judgement__flat_band": {"count": 2.0, "share": -0.4, "score": 1.0}}, "judgement.flat_band.share"),
    ({"judgement__flat_band": {"count": 2.0, "share": 0.4, "score": 1.0, "new_onset": 0.5}},
     "judgement.flat_band.new_onset"),
    ({"judgement__trend": {"baseline_years": 3, "flat_band": -1}}, "judgement.trend.flat_band"),
])
def test_a_bad_band_names_its_key(changes, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")) as err:
        JudgementConfig.from_params(edited(**changes), CATALOG)
    assert "params.yaml" in str(err.value) and "未写入任何结果" in str(err.value)


@pytest.mark.parametrize("changes,key", [
    ({"findings__marked": None}, "findings.marked"),
    ({"findings__marked": {"count": 20.0, "share": 2.0, "score": -3.0}}, "findings.marked.score"),
    ({"findings__marked": {"count": 20.0, "share": 2.0, "score": 3.0, "satisfaction": 2}}, "findings.marked.satisfaction"),
    ({"findings__tiers": None}, "findings.tiers"),
    ({"findings__tiers": {"top": "1/3"}}, "findings.tiers.bottom"),
    ({"findings__tiers": {"top": -0.3, "bottom": "1/3"}}, "findings.tiers.top"),
    ({"findings__tiers": {"top": "2/3", "bottom": "1/3"}}, "findings.tiers.top"),
    ({"findings__priority": None}, "findings.priority"),
    ({"findings__priority": {**PARAMS["findings"]["priority"], "main_problems": 0}},
     "findings.priority.main_problems"),
    ({"findings__priority": {**PARAMS["findings"]["priority"], "order": ["warning_high", "trend"]}},
     "findings.priority.order"),
    ({"findings__priority": {**PARAMS["findings"]["priority"], "supervised": ["warning_urgent"]}},
     "findings.priority.supervised"),
])
def test_a_bad_rule_setting_names_its_key(changes, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_rules(REPO, edited(**changes), CATALOG)


@pytest.mark.parametrize("decides,key", [
    ({"unit": {"satisfaction": "standing"}}, "decides.unit.satisfaction"),
    ({"unit": {"survey": "rank"}}, "decides.unit.survey"),
    ({"county": {"survey": "standing"}}, "decides.county"),
])
def test_a_bad_decider_names_its_key_and_file(tmp_path, decides, key):
    import shutil

    shutil.copytree(REPO / "data/reference", tmp_path / "data/reference")
    path = tmp_path / "data/reference/findings.yaml"
    rules = yaml.safe_load(path.read_text(encoding="utf-8"))
    rules["decides"] = decides
    path.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")) as err:
        load_rules(tmp_path, PARAMS, CATALOG)
    assert "data/reference/findings.yaml" in str(err.value)


def test_evaluation_figures_are_printed_by_the_findings_stage_half_up():
    """The renderers print these texts as they are: 12.25 points is 12.3 (Python's round: 12.2), a weight of
    0.1235 is 0.124, a share of the loss of 0.365 is 37 %, a rank of 2.5 is 3; a missing figure prints none."""
    from pipeline.findings.grades import PRINTED, graded_row
    from pipeline.findings.scoring import with_texts
    from pipeline.numbers import with_printed

    texts = with_texts({"points": 12.25, "weight": 0.1235, "share_of_loss": 0.365, "lost": None, "indicator": "x"})
    assert (texts["points_text"], texts["weight_text"], texts["share_of_loss_text"]) == ("12.3", "0.124", "37%")
    assert texts["lost_text"] is None and "indicator_text" not in texts
    ranks = with_printed({"rank_p05": 2.5, "rank_p95": None}, PRINTED)
    assert (ranks["rank_p05_text"], ranks["rank_p95_text"]) == ("3", None)
    assert graded_row({"year": 2024, "index": 66.25, "rank": 1, "counties_graded": 10,
                       "grade": "好"})["index_text"] == "66.3"
