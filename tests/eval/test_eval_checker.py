"""The call checker: value rules, call rules, item rules (dev-set README, BFCL conventions)."""

from __future__ import annotations

import pytest

from tests.shared_data import NATURAL_DEV as DEV_SET
from tests.shared_data import needs_shared
from toolschool.eval.checker import check_item, match_call, match_value, values_equal
from toolschool.eval.items import EvalItem, ExpectedCall, load_items
from toolschool.types import FunctionSpec, ToolCall, ToolSchema


def schema(name: str, *props: str) -> ToolSchema:
    return ToolSchema(
        function=FunctionSpec(
            name=name, parameters={"type": "object", "properties": {p: {"type": "string"} for p in props}}
        )
    )


TOOLS = [
    schema("weather", "location"),
    schema("calculator", "expression"),
    schema("web_search", "query"),
    schema("translate", "text", "to_lang"),
    schema("datetime", "action", "date", "timezone"),
]
WEATHER = TOOLS[0]


def call(name: str, **arguments) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


def exp(name: str, **kwargs) -> ExpectedCall:
    return ExpectedCall.model_validate({"name": name, **kwargs})


def item(expected: list[ExpectedCall], category: str | None = None, **extra) -> EvalItem:
    return EvalItem(
        id="t", messages=[{"role": "user", "content": "q"}], expected=expected, category=category, **extra
    )


# --- values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pred", "acceptable", "ok"),
    [
        ("  PARIS ", ["Paris"], True),  # case-insensitive after trimming
        ("paris, france", ["Paris", "Paris, France"], True),
        ("Pariss", ["Paris"], False),
        ("68", [68], True),  # numeric string = number
        (68, ["68"], True),
        (68.0, [68], True),
        (" 1,250 ", [1250], True),
        ("68 kg", [68], False),
        (69, [68], False),
        (True, [1], False),  # bool is not a number
        (1, [True], False),
        ("true", [True], False),
        (True, [True], True),
        (None, [None], True),
        (None, [""], False),
        ([1, "A"], [[1, "a"]], True),  # lists: element-wise, in order
        (["a", 1], [[1, "a"]], False),
        ({"k": "X "}, [{"k": ["x"]}], True),  # dicts: BFCL's key -> acceptable list
        ({"k": "x", "z": 1}, [{"k": ["x"]}], False),
        ({}, [{"k": ["x", ""]}], True),
        ("", ["", "x"], True),
        (10**400, [1], False),  # huge ints do not crash
    ],
)
def test_match_value(pred, acceptable, ok):
    assert match_value(pred, acceptable) is ok


def test_values_equal_is_symmetric_for_numbers():
    assert values_equal("2.5", 2.5) and values_equal(2.5, "2.5")
    assert not values_equal("2.5", "2.50")  # two strings compare as strings


def test_loose_keywords():
    kw = {"loose": True, "keywords": ["starship"]}
    assert match_value("latest SpaceX STARSHIP launch news", ["SpaceX Starship launch news"], **kw)
    assert match_value("Starship", ["x"], **kw)
    assert not match_value("spacex launch news", ["SpaceX Starship launch news"], **kw)
    assert not match_value("   ", ["x"], **kw)
    assert not match_value(["starship"], ["x"], **kw)
    assert match_value("anything at all", ["x"], loose=True)  # no keywords: any non-empty string
    assert match_value("Jean-Paul Sartre biography", ["Sartre"], loose=True, keywords=["sartre", "jean"])


def test_numeric_rule():
    spellings = ["1250*0.85", "1250 - 15% of 1250"]
    assert match_value("1250 - 15% of 1250", spellings, numeric=1062.5)
    assert match_value("1250*85%", spellings, numeric=1062.5)
    assert match_value("(1 - 15%) * 1250", spellings, numeric=1062.5)
    assert match_value("1062.5", spellings, numeric=1062.5)
    assert match_value(1062.5, spellings, numeric=1062.5)
    assert not match_value("1250*0.8", spellings, numeric=1062.5)
    assert not match_value("__import__('os').system('true')", spellings, numeric=1062.5)
    assert not match_value(True, spellings, numeric=1.0)
    # ^ is power; tolerance is relative 1e-6 (the dev set lists 3.776699029 for 389000/103000)
    assert match_value("7225^0.5", ["sqrt(7225)"], numeric=85)
    assert match_value("389000/103000", [], numeric=3.776699029)
    assert match_value("2197^(1/3)", [], numeric=13)
    assert match_value("389000/103000", [], numeric=3.7767)  # 2.6e-7 relative: inside 1e-6
    assert not match_value("389000/103000", [], numeric=3.777)  # 8e-5 relative: outside
    assert match_value("18% of 2,350", [], numeric=423)


# --- calls ----------------------------------------------------------------------------------


def test_match_call_rules():
    expected = exp("weather", arguments={"location": ["Paris", "Paris, France"]})
    assert match_call(call("weather", location="paris"), expected, WEATHER).passed

    wrong = match_call(call("web_search", query="paris weather"), expected, WEATHER)
    assert not wrong.passed and not wrong.name_ok
    assert [f.kind for f in wrong.failures] == ["wrong_name"]
    assert "expected 'weather', got 'web_search'" in wrong.failures[0].detail

    missing = match_call(call("weather"), expected, WEATHER)
    assert missing.name_ok and not missing.arguments_ok
    assert [(f.kind, f.argument) for f in missing.failures] == [("missing", "location")]

    bad = match_call(call("weather", location="Lyon"), expected, WEATHER)
    assert [(f.kind, f.argument, f.value) for f in bad.failures] == [("bad_value", "location", "Lyon")]
    assert "'Lyon'" in bad.failures[0].detail

    unknown = match_call(call("weather", location="Paris", units="metric"), expected, WEATHER)
    assert [(f.kind, f.argument) for f in unknown.failures] == [("unknown", "units")]
    # without a schema the unknown-argument rule cannot apply
    assert match_call(call("weather", location="Paris", units="metric"), expected, None).passed


def test_unlisted_arguments_are_not_checked_and_empty_string_means_optional():
    expected = exp("datetime", arguments={"action": ["weekday"], "timezone": ["", "Europe/Paris"]})
    assert match_call(call("datetime", action="weekday", date="2026-11-08"), expected, TOOLS[4]).passed
    assert match_call(call("datetime", action="Weekday", timezone="europe/paris"), expected, TOOLS[4]).passed
    tokyo = call("datetime", action="weekday", timezone="Asia/Tokyo")
    assert not match_call(tokyo, expected, TOOLS[4]).passed


def test_name_is_case_sensitive():
    assert not match_call(call("Weather", location="Paris"), exp("weather", arguments={}), WEATHER).passed


# --- items ----------------------------------------------------------------------------------


def test_no_tool_items():
    no_tool = item([], "no_tool")
    ok = check_item(no_tool, [], TOOLS)
    assert ok.correct and ok.tool_selection_correct and ok.arguments_correct is None and ok.reason is None
    called = check_item(no_tool, [call("weather", location="x")], TOOLS)
    assert not called.correct and not called.tool_selection_correct
    assert called.extra_calls == ["weather"] and "expected no call" in called.reason
    # an attempted call that did not parse is not an abstention
    invalid = check_item(no_tool, [], TOOLS, attempted=True)
    assert not invalid.correct and not invalid.tool_selection_correct and invalid.invalid_attempt


def test_single_item_needs_exactly_one_call():
    single = item([exp("weather", arguments={"location": ["Paris"]})])
    assert single.category == "single"
    assert check_item(single, [call("weather", location="Paris")], TOOLS).correct
    twice = check_item(single, [call("weather", location="Paris"), call("weather", location="Paris")], TOOLS)
    assert not twice.correct and twice.arguments_correct and not twice.tool_selection_correct
    assert twice.extra_calls == ["weather"]
    none = check_item(single, [], TOOLS)
    assert not none.correct and none.calls[0].failures[0].kind == "no_call"
    invalid = check_item(single, [], TOOLS, attempted=True)
    assert "did not parse" in invalid.reason
    wrong_arg = check_item(single, [call("weather", location="Lyon")], TOOLS)
    assert wrong_arg.tool_selection_correct and wrong_arg.arguments_correct is False and not wrong_arg.correct
    assert "bad value for 'location': 'Lyon'" in wrong_arg.reason


def test_tools_default_to_the_items_own():
    single = item([exp("weather", arguments={"location": ["Paris"]})], tools=[WEATHER.model_dump()])
    result = check_item(single, [call("weather", location="Paris", extra=1)])
    assert not result.correct and result.calls[0].failures[0].kind == "unknown"


def test_parallel_any_order_and_no_extra_calls():
    parallel = item(
        [
            exp("weather", arguments={"location": ["Toronto"]}),
            exp("calculator", arguments={"expression": ["25/2.54"]}, _numeric={"expression": 25 / 2.54}),
        ]
    )
    assert parallel.category == "parallel"
    forward = [call("weather", location="Toronto"), call("calculator", expression="25 / 2.54")]
    assert check_item(parallel, forward, TOOLS).correct
    backward = check_item(parallel, forward[::-1], TOOLS)
    assert backward.correct and [c.predicted_index for c in backward.calls] == [1, 0]

    extra = check_item(parallel, [*forward, call("web_search", query="toronto")], TOOLS)
    assert not extra.correct and extra.arguments_correct and not extra.tool_selection_correct
    assert extra.extra_calls == ["web_search"] and "extra call(s): web_search" in extra.reason

    short = check_item(parallel, forward[:1], TOOLS)
    assert not short.correct and short.calls[1].failures[0].kind == "no_call"

    swapped_calls = [call("weather", location="Toronto"), call("web_search", query="25 cm in in")]
    swapped = check_item(parallel, swapped_calls, TOOLS)
    assert not swapped.correct and not swapped.tool_selection_correct
    assert swapped.calls[1].failures[0].kind == "wrong_name"


def greedy_first_fit(expected: list[ExpectedCall], preds: list[ToolCall]) -> bool:
    """BFCL's parallel matcher (BFCL_SEMANTICS.md §5.3), to show the bipartite case is real."""
    used: set[int] = set()
    for e in expected:
        for j, p in enumerate(preds):
            if j not in used and match_call(p, e, None).passed:
                used.add(j)
                break
        else:
            return False
    return len(preds) == len(expected)


def test_bipartite_assignment_where_greedy_fails():
    expected = [
        exp("weather", arguments={"location": ["Paris", "Paris, France"]}),
        exp("weather", arguments={"location": ["Paris"]}),
    ]
    preds = [call("weather", location="Paris"), call("weather", location="Paris, France")]
    assert not greedy_first_fit(expected, preds)  # the first expected call grabs "Paris"
    result = check_item(item(expected, "parallel"), preds, TOOLS)
    assert result.correct
    assert [c.predicted_index for c in result.calls] == [1, 0]


def test_bipartite_three_way_chain():
    expected = [
        exp("calculator", arguments={"expression": []}, _numeric={"expression": 4}),  # "2+2" or "2*2"
        exp("calculator", arguments={"expression": ["2+2", "3*3"]}),
        exp("calculator", arguments={"expression": ["2+2"]}),
    ]
    preds = [call("calculator", expression=e) for e in ["2+2", "3*3", "2*2"]]
    assert not greedy_first_fit(expected, preds)  # first fit: 0→"2+2", 1→"3*3", 2 finds nothing
    result = check_item(item(expected, "parallel"), preds, TOOLS)
    assert result.correct
    assert [c.predicted_index for c in result.calls] == [2, 1, 0]
    # with an impossible value only one expected call is left unmatched
    preds[1] = call("calculator", expression="7*7")
    result = check_item(item(expected, "parallel"), preds, TOOLS)
    assert not result.correct and result.tool_selection_correct and result.arguments_correct is False
    assert sum(c.passed for c in result.calls) == 2
    assert sum(f.kind == "bad_value" for c in result.calls for f in c.failures) == 1


def test_chained_item_with_nested_history():
    chained = EvalItem.model_validate(
        {
            "id": "c",
            "messages": [
                {"role": "user", "content": "How tall is Kilimanjaro in feet?"},
                {"role": "assistant", "content": "", "tool_calls": [{
                    "id": "1", "type": "function",
                    "function": {"name": "wikipedia", "arguments": "{\"query\": \"K\"}"},
                }]},
                {"role": "tool", "tool_call_id": "1", "name": "wikipedia", "content": "5,895 metres"},
            ],
            "expected": [{"name": "calculator", "arguments": {"expression": ["5895*3.28084"]},
                          "_numeric": {"expression": 5895 * 3.28084}}],
        }
    )
    assert chained.category == "chained"
    assert check_item(chained, [call("calculator", expression="5,895 * 3.28084")], TOOLS).correct
    assert not check_item(chained, [call("wikipedia", query="K")], TOOLS).correct


@needs_shared("eval", "natural_dev.jsonl")
def test_dev_set_accepts_its_own_listed_values_in_any_order():
    from toolschool.tools.toolkits import get_toolkit

    tools = get_toolkit("assistant")
    for it in load_items(DEV_SET):
        for k in range(max(1, max((len(v) for e in it.expected for v in e.arguments.values()), default=1))):
            preds = [
                call(e.name, **{a: v[min(k, len(v) - 1)] for a, v in e.arguments.items()})
                for e in reversed(it.expected)
            ]
            result = check_item(it, preds, tools)
            assert result.correct, (it.id, k, result.reason)
        if it.expected:  # dropping one call always fails
            assert not check_item(it, [call(e.name) for e in it.expected[1:]], tools).correct
