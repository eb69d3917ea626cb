"""A finding's sentence and its suggestion, whatever its topic: the dispatch every output calls."""

from __future__ import annotations

from pipeline.report import evaluation_words, phrasing, warning_words
from pipeline.report.phrasing import Phraser

HANDLERS = {"work_change": phrasing.work_sentence, "trend": phrasing.trend_sentence,
            "four_forms_shape": phrasing.forms_sentence, "form4_above_form3": phrasing.form4_sentence,
            "missing_data": phrasing.missing_sentence, "region_missing": phrasing.region_missing_sentence,
            "no_data": phrasing.no_data_sentence, "partial_period": phrasing.partial_sentence,
            "coverage": phrasing.coverage_sentence, "none_found": phrasing.none_found_sentence,
            "units_rising": phrasing.units_rising_sentence, **evaluation_words.HANDLERS, **warning_words.HANDLERS}
SUGGESTION_VALUES = {"trend": phrasing.trend_suggestion_values, "missing_data": phrasing.missing_suggestion_values,
                     "units_rising": phrasing.units_suggestion_values,
                     "no_data": lambda p, f: {"names": p.w("finding.annual_data", year=f["year"])}, **evaluation_words.SUGGESTIONS,
                     **warning_words.SUGGESTIONS}


def phrase(p: Phraser, f) -> str:
    """The sentence of one finding, without its full stop."""
    return HANDLERS[f["topic"]](p, f)


def sentence(p: Phraser, f) -> str:
    return phrase(p, f) + p.w("sentence_end")


def suggestion(p: Phraser, f) -> str:
    """The suggestion a problem leads to, naming the problem (its key is the finding's)."""
    values = SUGGESTION_VALUES.get(f["topic"], lambda p, f: {})(p, f)
    return p.w(f"writeup.suggestions.{f['suggestion']}", **values, **p.places(f))
