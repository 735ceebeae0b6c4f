"""The grounding rules: each one accepts what it documents and nothing looser."""

from __future__ import annotations

import pytest

from toolschool.datagen.family import Call
from toolschool.datagen.grounding import Context, fold, numbers_in, ungrounded


def _missing(arguments: dict, *texts: str, **call) -> list[str]:
    return ungrounded(Call("tool", arguments, **call), Context(list(texts)))[0]


def test_verbatim_values_match_case_insensitively_at_word_boundaries():
    assert _missing({"city": "Lisbon"}, "what's it like in LISBON today?") == []
    assert _missing({"city": "Rome"}, "I loved Romeo and Juliet") == ["city"]
    assert _missing({"city": "Porto"}, "weather in Lisbon") == ["city"]
    assert _missing({"unit": "lb"}, "convert 65lb to kg") == []  # digits meet letters: a boundary
    assert fold("Ｓｔｒａßｅ  \n x") == "strasse x"


def test_alternatives_keywords_and_witnesses():
    assert _missing({"to_lang": "fr"}, "say it in French", accept={"to_lang": ["French"]}) == []
    assert _missing({"to_lang": "fr"}, "say it in German", accept={"to_lang": ["French"]}) == ["to_lang"]
    query = {"query": "farmers market Osaka"}
    assert _missing(query, "find farmers markets in Osaka", keywords={"query": ["market", "Osaka"]}) == []
    elsewhere = _missing(query, "find farmers markets in Kyoto", keywords={"query": ["market", "Osaka"]})
    assert elsewhere == ["query"]
    tz = {"timezone": "Europe/Paris"}
    assert _missing(tz, "what time is it in Paris?", witness={"timezone": ["Paris"]}) == []
    assert _missing(tz, "what time is it in Lyon?", witness={"timezone": ["Paris"]}) == ["timezone"]


@pytest.mark.parametrize("value, text, grounded", [
    (1200.5, "it costs 1,200.50 dollars", True),
    (17.2, "change 17.2L to ounces", True),
    (5300000, "about 5.3 million people", True),
    (3, "three apples", True),
    (3.5, "3,5 kilos", True),
    (93100, "97 93 100", False),  # a space is no thousands separator
    (12, "it costs 21", False),
])
def test_numbers(value, text, grounded):
    assert (_missing({"n": value}, text) == []) is grounded


def test_expressions_need_a_written_number_and_only_implied_constants_besides():
    numeric = {"expression": 1.0}
    assert _missing({"expression": "14^3"}, "what's 14 cubed?", numeric=numeric) == []
    assert _missing({"expression": "2500 * (1 + 3/100)^15"}, "2500 at 3% for 15 years", numeric=numeric) == []
    assert _missing({"expression": "2^3"}, "help me calculate something", numeric=numeric) == ["expression"]
    assert _missing({"expression": "14 * 7"}, "what's 14 cubed?", numeric=numeric) == ["expression"]


def test_dates_are_grounded_by_any_spelling_and_booleans_by_yes_no():
    assert _missing({"date": "2026-03-14"}, "on March 14th, 2026") == []
    assert _missing({"date": "2026-03-14"}, "le 14 mars 2026") == []
    assert _missing({"date": "2026-03-14T10:00:00"}, "14.03.2026 at ten") == []
    assert _missing({"date": "2026-03-15"}, "on March 14th, 2026") == ["date"]
    assert _missing({"eco": True}, "eco mode: yes") == []
    assert _missing({"eco": False}, "eco mode: yes") == ["eco"]


def test_nested_values_are_checked_leaf_by_leaf_and_implied_arguments_are_counted():
    arguments = {"action": "now", "tags": ["red", "blue"], "meta": {"owner": "Ana"}}
    call = Call("t", arguments, implied=("action",))
    missing, implied = ungrounded(call, Context(["tag it red, owner Ana"]))
    assert missing == ["tags[1]"] and implied == ["action"]
    assert numbers_in("2 apples, 1,000 pears and twenty plums") == {2.0, 1000.0, 20.0}
