"""The rule-based checks of teacher output: values a paraphrase must keep, reading paraphrases."""

from __future__ import annotations

from toolschool.datagen.verify import (
    check_calls,
    check_paraphrases,
    contains_value,
    copied_values,
    parse_paraphrases,
)
from toolschool.tools.toolkits import get_toolkit
from toolschool.types import ToolCall


def test_a_value_matches_whole_words_ignoring_case_and_spacing():
    assert contains_value("weather in new  york please", "New York")
    assert contains_value("convert 3 km", "3") and not contains_value("convert 13 km", "3")
    assert not contains_value("Osloville", "Oslo") and contains_value("Oslo's weather", "Oslo")
    assert contains_value("what is (3+4)*2?", "(3+4)*2")


def test_copied_values_are_the_call_values_spelled_in_the_request():
    calls = [ToolCall(name="unit_converter", arguments={"value": 5.0, "from": "km", "to": "mi"}),
             ToolCall(name="datetime", arguments={"action": "add_days", "date": "2026-03-14", "days": 3})]
    values = copied_values("How far is 5 km in miles? And 3 days after March 14?", calls, keep=["March 14"])
    assert values == ["5", "km", "14", "3", "March 14"]  # not "mi", "add_days", "2026", "03"
    search = [ToolCall(name="web_search", arguments={"query": "Norwegian Wood author"}),
              ToolCall(name="calculator", arguments={"expression": "50% of 5541000"})]
    assert copied_values("Who wrote Norwegian Wood, and what is 50% of Finland's people?", search) == [
        "Norwegian", "Wood", "50"]


def test_paraphrase_verdicts():
    texts = ["weather in oslo", "Is it cold in Oslo", "is it cold in oslo", "Is it cold there?"]
    verdicts = check_paraphrases("Weather in Oslo?", texts, ["Oslo"])
    assert [v.reason if v else None for v in verdicts] == ["unchanged", None, "duplicate", "lost_value"]


def test_paraphrases_are_read_from_json_fences_and_lists():
    assert parse_paraphrases('{"paraphrases": ["a", " b "]}') == ["a", "b"]
    assert parse_paraphrases('```json\n["a", "b"]\n```') == ["a", "b"]
    listed = "Here you go:\n1. first one\n2) second one\n- third"
    assert parse_paraphrases(listed) == ["first one", "second one", "third"]
    assert parse_paraphrases("I cannot help with that.") is None


def test_calls_are_checked_in_order_and_get_stable_ids():
    tools = get_toolkit("assistant")
    raw = [("weather", '{"location": "Oslo"}'), ("calculator", {"expression": "2+2"})]
    calls, reject = check_calls(raw, tools)
    assert reject is None and [c.id for c in calls] == ["call_0", "call_1"]
    _, reject = check_calls([("weather", '{"location": "Oslo"}'), ("weather", '["Oslo"]')], tools)
    assert reject.reason == "arguments_not_object" and reject.detail.startswith("call 1 ('weather')")
    _, reject = check_calls([("weather", '{"location": "Oslo", "unit": "C"}')], tools)
    assert reject.reason == "invalid_arguments" and "unit" in reject.detail
