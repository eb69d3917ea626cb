"""Place names for a foreign reader: pinyin and the administrative word, as gazetteers print them."""

import pytest

from pipeline.romanise import romanised


@pytest.mark.parametrize(("chinese", "english"), [
    ("青山县", "Qingshan County"), ("东川市", "Dongchuan City"), ("城关区", "Chengguan District"),
    # the apostrophe where a syllable starts with a, o or e (Xi'an, Chang'an), as the pinyin rules write it
    ("长安区", "Chang'an District"), ("西安市", "Xi'an City"),
    # Sichuan's 峨边彝族自治县 is Ebian Yi Autonomous County in English publications
    ("峨边彝族自治县", "Ebian Yi Autonomous County"), ("四川省", "Sichuan Province"),
])
def test_a_name_in_pinyin_with_its_administrative_word(chinese, english):
    assert romanised(chinese) == english


def test_the_registers_own_romanisation_wins_and_titles_carry_the_chinese_once():
    import pandas as pd
    from conftest import REPO

    from pipeline.report.data import ReportData
    from pipeline.report.fmt import load_words

    divisions = pd.DataFrame({"code": ["150000", "990121"], "name": ["内蒙古自治区", "青山县"],
                              "name_en": ["Inner Mongolia Autonomous Region", ""]}).set_index("code")
    data = ReportData(divisions, None, load_words(REPO, "en"), {})
    assert data.name("150000") == "Inner Mongolia Autonomous Region"  # not Neimenggu
    assert data.name("990121") == "Qingshan County"
    assert data.title_name("990121") == "Qingshan County (青山县)"
