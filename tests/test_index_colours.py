"""The index's colours say what their cell shows: the change on the year is red when that change is worse
beyond the flat band, whatever else makes the trend a problem."""

import json

from pipeline.report.index_page import worse_on_the_year


def trend(*comparisons):
    return {"topic": "trend", "polarity": "problem", "verdict": "worse_than_baseline",
            "evidence": json.dumps({"comparisons": [dict(zip(("basis", "side", "size"), c, strict=True))
                                                    for c in comparisons]})}


def test_a_fall_of_a_share_above_its_baseline_is_not_red():
    """新发生案件占比 fell 1.8 points on the year (better) but is 2.5 above its 2015-2017 mean: a problem,
    and the 同比 cell showing -1.8 is not red."""
    assert not worse_on_the_year(trend(("baseline", "worse", "marked"), ("previous_year", "better", "marked")))


def test_a_rise_beyond_the_band_is_red_and_one_within_it_is_not():
    assert worse_on_the_year(trend(("previous_year", "worse", "slight")))  # +0.6 with a 0.4 band: 略有上升
    assert worse_on_the_year(trend(("previous_year", "worse", "marked")))  # +3.2: 明显上升
    assert not worse_on_the_year(trend(("previous_year", "worse", "level")))  # +0.1: 基本持平
    assert not worse_on_the_year(None)
