import json
import re

from conftest import REPO

from pipeline.catalog import headers_markdown, load_catalog, normalize_header
from pipeline.stages.validate import range_suite

CATALOG = load_catalog(REPO / "data" / "reference" / "indicators.yaml")


def test_header_variants_map_to_the_same_indicator():
    for typed in ["立案数", "立案数（件）", "立案数(件)", " 立案数 （件） ", "审查调查立案", "cases_filed"]:
        assert CATALOG.match_header(typed) == "cases_filed", typed
    assert CATALOG.match_header("新发生案件占比（%）") == "reported_new_onset_share"
    assert CATALOG.match_header("第一种形态（批评教育、谈话函询）") == "form1_persons"
    assert CATALOG.match_header("区划代码") == "county_code"
    assert CATALOG.match_header("立按数") is None
    assert CATALOG.suggest("立按数")[0] == "立案数"


def test_brackets_that_are_not_units_are_kept():
    assert normalize_header("县（市、区）") == "县(市、区)"
    assert normalize_header("信访举报（件次）") == "信访举报"


def test_catalog_covers_the_domain_indicators_and_six_scores():
    codes = set(CATALOG.codes)
    assert {"cases_filed", "new_onset_cases", "persons_sanctioned", "form1_persons", "form2_persons",
            "form3_persons", "form4_persons", "petitions", "clues_handled", "accountability_persons",
            "eight_rules_cases", "micro_corruption_cases", "inspection_units", "inspection_problems",
            "inspection_clues", "funds_recovered", "party_members"} <= codes
    scores = [i for i in CATALOG.indicators if i.kind == "score"]
    assert [s.name_zh for s in scores] == ["经济社会发展考评", "党风廉政建设社会评价满意度", "政风行风满意度",
                                           "选人用人评议", "平安建设群众满意度", "市委委员综合评价"]
    assert all((s.minimum, s.maximum, s.direction) == (0, 100, "higher_is_better") for s in scores)
    for ind in CATALOG.indicators:
        assert ind.unit and ind.name_en and ind.aliases, ind.code


def test_the_documented_headers_table_is_generated_from_the_catalog():
    readme = (REPO / "docs/headers.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- headers:start -->\n(.*?)\n<!-- headers:end -->", readme, re.S)
    assert block and block.group(1).strip() == headers_markdown(CATALOG).strip()


def test_range_suite_in_expectations_matches_the_catalog():
    committed = json.loads((REPO / "expectations" / "indicator_ranges.json").read_text(encoding="utf-8"))
    assert committed == range_suite(CATALOG)
    scores = [e for e in committed["expectations"] if e["kwargs"]["column"] == "integrity_satisfaction"]
    assert scores[0]["kwargs"] | {} == {"column": "integrity_satisfaction", "min_value": 0, "max_value": 100}
