"""The text gate: each rule fails on a planted flaw (negative controls) and passes the same text without it."""

from __future__ import annotations

import pytest
from conftest import REPO

from pipeline.report.text_gate import (
    document_flaws,
    findings_sentences,
    level_words,
    repeated_sentences,
)

WORDS = level_words(REPO)  # the level words of data/reference/phrases.yaml

CLEAN = "信访举报件次由500件次上升到695件次，上升39.0%（预警条件：同比变化不低于20%）。全市10个县区均报送了2024年度数据。"


def test_a_clean_text_passes():
    assert document_flaws("writeup.md", CLEAN, "county", "prefecture", WORDS) == []


@pytest.mark.parametrize("planted,rule", [
    ("上升39.0%%", "%% 重复"),
    ("2023年指出的““问责人数连续上升”预警”", "引号重复"),
    ("全市10个县区（共10个）报送了数据", "同一个数说了两遍"),
    ("新发生案件占比为：。", "空的分句"),
    ("按规定（）处理", "空的分句"),
    ("高于全省平均", "层级用语「全省」与本报告的层级不符"),
    ("本市州的新发生案件占比", "层级用语「本市州」与本报告的层级不符"),
])
def test_a_planted_flaw_fails_the_gate(planted, rule):
    flaws = document_flaws("990101/writeup.md", CLEAN + planted, "county", "prefecture", WORDS)
    assert [f.rule for f in flaws] == [rule], flaws


def test_a_different_count_in_brackets_is_not_a_repetition():
    assert document_flaws("x.md", "全市9个县区（共10个）报送了数据") == []


def write_up(problems: list[str], notes: list[str]) -> str:
    lines = ["# 某县2024年度政治生态建设评价报告", "", "## 三、问题和难点", ""]
    lines += [f"{i}. {p}" for i, p in enumerate(problems, start=1)]
    lines += ["", "## 六、数据说明", ""] + [f"{i}. {n}" for i, n in enumerate(notes, start=1)]
    return "\n".join(lines) + "\n"


def test_a_sentence_in_more_than_a_third_of_county_reports_fails_and_notes_do_not_count():
    stock = "建议列入整改台账重点督办。"
    method = "评价方法：人工赋权，目标值标准化，加权算术平均汇总。"
    reports = {f"99010{i}": write_up([f"立案数为{100 + i}件[^1]。" + (stock if i < 4 else "")], [method])
               for i in range(1, 10)}
    assert findings_sentences(reports["990101"]) == {"立案数为101件。", stock}
    assert repeated_sentences(reports) == []  # in 3 of 9: a third, not more than a third
    # in 4 of 9 it fails; the method note in all 9 never does
    reports["990104"] = write_up(["立案数为104件。" + stock], [method])
    flaws = repeated_sentences(reports)
    assert [(f.rule, f.text) for f in flaws] == [("同一句话出现在 4/9 份县区报告中", stock)]
