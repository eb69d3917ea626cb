"""A finding's sentence and its suggestion, whatever its topic: the dispatch every output calls."""

from __future__ import annotations

import zlib

from pipeline.report import (
    evaluation_words,
    follow_up_words,
    national_words,
    phrasing,
    scoring_words,
    warning_words,
)
from pipeline.report.phrasing import Phraser, finding

HANDLERS = {"work_change": phrasing.work_sentence, "trend": phrasing.trend_sentence,
            "four_forms_shape": phrasing.forms_sentence, "form4_above_form3": phrasing.form4_sentence,
            "missing_data": phrasing.missing_sentence, "region_missing": phrasing.region_missing_sentence,
            "no_data": phrasing.no_data_sentence, "partial_period": phrasing.partial_sentence,
            "coverage": phrasing.coverage_sentence, "none_found": phrasing.none_found_sentence,
            "units_rising": phrasing.units_rising_sentence, **evaluation_words.HANDLERS, **warning_words.HANDLERS,
            **follow_up_words.HANDLERS, **national_words.HANDLERS, **scoring_words.HANDLERS}
SUGGESTION_VALUES = {"trend": phrasing.trend_suggestion_values, "missing_data": phrasing.missing_suggestion_values,
                     "units_rising": phrasing.units_suggestion_values,
                     "no_data": lambda p, f: {"names": p.w("finding.annual_data", year=f["year"])}, **evaluation_words.SUGGESTIONS,
                     **warning_words.SUGGESTIONS, **scoring_words.SUGGESTIONS}


def phrase(p: Phraser, f) -> str:
    """The sentence of one finding, without its full stop."""
    return HANDLERS[f["topic"]](p, f)


def sentence(p: Phraser, f) -> str:
    return phrase(p, f) + p.w("sentence_end")


def suggestion(p: Phraser, f) -> str:
    """The suggestion a problem leads to, naming the problem (its key is the finding's), in one of its
    phrasings; a problem last year's report already named says so (its follow-up finding)."""
    values = SUGGESTION_VALUES.get(f["topic"], lambda p, f: {})(p, f)
    options = p.w.raw(f"writeup.suggestions.{f['suggestion']}")
    options = [options] if isinstance(options, str) else list(options)
    text = options[phrasing_index(p, f, len(options))].format(**values, **p.places(f))
    again = finding(p.data, f["place_code"], f["year"], "follow_up", f"{f['topic']}:{f['subject'] or '-'}",
                    f["period"])
    if again is not None and again["verdict"] in ("improved", "unchanged", "worse"):
        text += p.w("writeup.suggestion_again", year=int(f["year"]) - 1,
                    status=p.w(f"writeup.suggestion_again_status.{again['verdict']}"))
    return text


def phrasing_index(p: Phraser, f, n: int) -> int:
    """Which of n phrasings a place uses for a problem: its position among its region's places plus a
    number fixed by the problem, so neighbouring places with the same problem read differently and the same
    report always reads the same (no randomness, no dependence on the order of rendering)."""
    if n <= 1:
        return 0
    div = p.data.divisions
    places = sorted(div.index[div["parent_code"] == f["region_code"]])
    position = places.index(f["place_code"]) if f["place_code"] in places else 0
    problem = zlib.crc32(f"{f['topic']}/{f['subject']}".encode())
    return (position + problem) % n
