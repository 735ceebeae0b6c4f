"""FunctionGemma format: the strings of Google's formatting page, parsing, strict vs lenient."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.formats.roundtrip import (
    TOOL_NAMES,
    assert_round_trip,
    events_of,
    json_values,
    strings_with,
    tool_calls,
)
from toolschool.formats import get_format
from toolschool.formats.functiongemma import TRIGGER, FunctionGemmaFormat, render_arguments
from toolschool.types import ToolCall, ToolResult, ToolSchema

fmt = FunctionGemmaFormat()
lenient = FunctionGemmaFormat(lenient=True)

# the tool of the page's "Weather Tool Flow" example
CURRENT_WEATHER = ToolSchema.model_validate(
    {
        "type": "function",
        "function": {
            "name": "get_current_weather",
            "description": "Gets the current weather in a given location.",
            "parameters": {
                "type": "object",
                "properties": {
                    "location": {
                        "type": "string",
                        "description": 'The city and state, e.g. "San Francisco, CA" or "Tokyo, JP"',
                    },
                    "unit": {
                        "type": "string",
                        "description": "The unit to return the temperature in.",
                        "enum": ["celsius", "fahrenheit"],
                    },
                },
                "required": ["location"],
            },
        },
    }
)
NOW = ToolSchema.model_validate({"type": "function", "function": {"name": "now", "description": ""}})

# "Turn 1: Tool Definition (Developer)" of the page, between <start_of_turn>developer\n and <end_of_turn>
PAGE_DEVELOPER_TURN = (
    "You are a model that can do function calling with the following functions"
    "<start_function_declaration>declaration:get_current_weather{description:<escape>Gets the current "
    "weather in a given location.<escape>,parameters:{properties:{location:{description:<escape>The city "
    'and state, e.g. "San Francisco, CA" or "Tokyo, JP"<escape>,type:<escape>STRING<escape>},unit:{'
    "description:<escape>The unit to return the temperature in.<escape>,enum:[<escape>celsius<escape>,"
    "<escape>fahrenheit<escape>],type:<escape>STRING<escape>}},required:[<escape>location<escape>],"
    "type:<escape>OBJECT<escape>}}<end_function_declaration>"
)


# -- rendering: the page's strings ---------------------------------------------------------


def test_developer_turn_is_the_pages_example() -> None:
    assert fmt.render_system([CURRENT_WEATHER], "") == PAGE_DEVELOPER_TURN
    assert fmt.render_system([CURRENT_WEATHER], "  " + TRIGGER + "\n") == PAGE_DEVELOPER_TURN


def test_system_text_comes_before_the_trigger() -> None:
    declarations = fmt.render_tools([NOW])
    assert declarations == (
        "<start_function_declaration>declaration:now{description:<escape><escape>,"
        "parameters:{type:<escape>OBJECT<escape>}}<end_function_declaration>"
    )
    assert fmt.render_system([NOW], " Be brief. ") == f"Be brief.\n\n{TRIGGER}{declarations}"
    assert fmt.render_system([], " Be brief. ") == " Be brief. "


def test_calls_are_the_pages_examples() -> None:
    tokyo = ToolCall(name="get_current_weather", arguments={"location": "Tokyo, Japan"})
    assert fmt.render_calls([tokyo]) == (
        "<start_function_call>call:get_current_weather{location:<escape>Tokyo, Japan<escape>}"
        "<end_function_call>"
    )
    paris = ToolCall(name="get_current_temperature", arguments={"unit": "celsius", "location": "Paris"})
    assert fmt.render_calls([paris]) == (
        "<start_function_call>call:get_current_temperature{location:<escape>Paris<escape>,"
        "unit:<escape>celsius<escape>}<end_function_call>"
    )


def test_argument_values_and_several_calls() -> None:
    call = ToolCall(name="f", arguments={"n": -2, "x": 0.5, "ok": True, "none": None, "o": {"b": [1, "s"]}})
    assert render_arguments(call.arguments) == "{n:-2,none:null,o:{b:[1,<escape>s<escape>]},ok:true,x:0.5}"
    two = fmt.render_calls([call, ToolCall(name="now")])
    assert two.count("<start_function_call>") == 2 and "<end_function_call><start_function_call>" in two
    assert fmt.render_assistant("Checking.", [ToolCall(name="now")]) == (
        "Checking.\n<start_function_call>call:now{}<end_function_call>"
    )


def test_results_write_json_objects_as_objects() -> None:
    weather = ToolResult(name="get_current_weather", content='{"weather": "sunny", "temperature": 15}')
    assert fmt.render_results([weather]) == (
        "<start_function_response>response:get_current_weather{temperature:15,"
        "weather:<escape>sunny<escape>}<end_function_response>"
    )
    other = [ToolResult(name="book", content="Booked: #A-17"), ToolResult(name="", content="[1, 2]")]
    assert fmt.render_results(other) == (
        "<start_function_response>response:book{value:<escape>Booked: #A-17<escape>}<end_function_response>"
        "<start_function_response>response:unknown{value:<escape>[1, 2]<escape>}<end_function_response>"
    )
    assert fmt.result_role == "tool" and get_format("functiongemma").name == "functiongemma"


# -- parsing ----------------------------------------------------------------------------------


def test_parses_the_pages_call_with_content_around() -> None:
    text = (
        "Let me check.\n<start_function_call>call:get_current_weather{location:<escape>Tokyo, Japan<escape>}"
        "<end_function_call><start_function_call>call:now{}<end_function_call>\nDone."
    )
    result = fmt.parse(text)
    assert result.ok and result.content == "Let me check.\nDone."
    assert [(c.name, c.arguments) for c in result.calls] == [
        ("get_current_weather", {"location": "Tokyo, Japan"}),
        ("now", {}),
    ]


def test_strings_are_raw_and_other_values_bare() -> None:
    text = (
        "<start_function_call>call:f{s:<escape>a \\n \"q\" {x:1}, 'y' <end_function_call><escape>,"
        "n:3,f:-1.5e3,t:true,z:null,a:[],o:{ k : <escape><escape> }}<end_function_call>"
    )
    (call,) = fmt.parse(text).calls
    assert call.arguments == {
        "s": "a \\n \"q\" {x:1}, 'y' <end_function_call>",
        "n": 3,
        "f": -1500.0,
        "t": True,
        "z": None,
        "a": [],
        "o": {"k": ""},
    }


def test_call_is_finished_at_the_end_marker_not_at_finish() -> None:
    text = "<start_function_call>call:f{a:<escape>x<escape>}<end_function_call>"
    parser = fmt.stream()
    kinds = [ev.kind for ev in parser.feed(text)]
    assert kinds == ["call_started", "arguments_delta", "call_finished"]
    assert parser.finish() == []


def test_deltas_join_to_the_argument_text_for_every_cut() -> None:
    text = "<start_function_call>call:f{a:<escape>}<esc<escape>,b:[1,{c:2}]}<end_function_call>"
    for cut in range(len(text) + 1):
        events = events_of(fmt, [text[:cut], text[cut:]])
        raw = "".join(ev.text for ev in events if ev.kind == "arguments_delta")
        assert raw == "{a:<escape>}<esc<escape>,b:[1,{c:2}]}"
        assert fmt.decode_arguments(raw) == events[-1].call.arguments == {"a": "}<esc", "b": [1, {"c": 2}]}


@pytest.mark.parametrize(
    ("text", "message", "at"),
    [
        ("<start_function_call>call:f{city:Paris}<end_function_call>\nOk.", "need <escape> quotes", "Paris"),
        ("<start_function_call>call:f{a:'x'}<end_function_call>\nOk.", "bare word", "'x'"),
        ("<start_function_call>call:f{a:1,}<end_function_call>\nOk.", "expected a key", "}"),
        ("<start_function_call>get{}<end_function_call>\nOk.", "expected 'call:'", "get"),
        ("<start_function_call>call:f{a:1} x<end_function_call>\nOk.", "expected <end_function_call>", "x"),
        ("<start_function_call>call:f{a:1}", "output ended before <end_function_call>", "<start"),
        # the unclosed string runs to the end of output, over the end marker
        ("<start_function_call>call:f{a:<escape>x}<end_function_call>", "output ended inside", "<start"),
    ],
)
def test_strict_errors_point_at_the_problem(text: str, message: str, at: str) -> None:
    result = fmt.parse(text)
    (error,) = result.errors
    assert message in error.message and text[error.offset :].startswith(at)
    assert not result.calls and not result.repairs
    assert result.content == ("Ok." if text.endswith("Ok.") else "")


def test_lenient_repairs_are_recorded_with_offsets() -> None:
    text = "Sure.<start_function_call>call:f{city:'Paris',days:[1,2,],'k':<escape>v<escape>,}"
    assert fmt.parse(text).errors
    result = lenient.parse(text)
    assert result.ok and result.content == "Sure."
    assert result.calls[0].arguments == {"city": "Paris", "days": [1, 2], "k": "v"}
    repairs = [(r.message, text[r.offset :][:6]) for r in result.repairs]
    assert repairs == [
        ("read a single-quoted string as a <escape> string", "'Paris"),
        ("dropped a trailing comma before ']'", ",],'k'"),
        ("read a single-quoted string as a <escape> string", "'k':<e"),
        ("dropped a trailing comma before '}'", ",}"),
        ("added the missing closing <end_function_call>", ""),
    ]
    assert result.repairs[-1].offset == len(text)


def test_lenient_single_quotes_may_hold_delimiters_but_not_the_end_marker() -> None:
    ok = lenient.parse("<start_function_call>call:f{a:'x}, <escape>: y'}<end_function_call>")
    assert ok.ok and ok.calls[0].arguments == {"a": "x}, <escape>: y"}
    broken = lenient.parse("<start_function_call>call:f{a:'x}<end_function_call>After.")
    (error,) = broken.errors
    assert "unterminated single-quoted string" in error.message and broken.content == "After."
    # an apostrophe inside a word is not a quote
    word = lenient.parse("<start_function_call>call:f{it's:1}<end_function_call>")
    assert word.ok and word.calls[0].arguments == {"it's": 1} and not word.repairs


def test_lenient_invariant_deltas_decode_with_the_lenient_decoder() -> None:
    text = "<start_function_call>call:f{a:'x',b:[1,],}<end_function_call>"
    events = events_of(lenient, list(text))
    raw = "".join(ev.text for ev in events if ev.kind == "arguments_delta")
    assert lenient.decode_arguments(raw) == {"a": "x", "b": [1]} == events[-1].call.arguments
    with pytest.raises(ValueError):
        fmt.decode_arguments(raw)


# -- properties and size ----------------------------------------------------------------------

_strings = strings_with(
    ["<start_function_call>", "<end_function_call>", "<start_function_response>", "call:x{", "}", "{",
     "]", "[", ",", ":", "'", '"', "<", "\\", "\n", "<escape", "escape>"],
    size=5, without=["<escape>"],  # strings are raw between <escape> delimiters
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    calls=tool_calls(TOOL_NAMES, TOOL_NAMES, json_values(_strings, TOOL_NAMES, max_leaves=10)),
    content=st.text(max_size=20).map(str.strip),
)
def test_round_trip_property(calls: list[ToolCall], content: str) -> None:
    if "<start_function_call>" in content:
        return
    assert_round_trip((fmt, lenient), fmt.render_assistant(content, calls), calls, content)


def test_a_megabyte_parses() -> None:
    big = "x, {y}: [z] 'q' <end_function_call> ü " * 25_000
    many = [ToolCall(name=f"f{i}", arguments={"a": i, "b": "x,y", "c": [True, None]}) for i in range(5_000)]
    text = fmt.render_assistant("Start.", [ToolCall(name="big", arguments={"s": big}), *many]) + "\nEnd."
    assert len(text) > 1_000_000
    for f in (fmt, lenient):
        result = f.parse(text)
        assert result.ok and result.content == "Start.\nEnd."
        assert len(result.calls) == 5_001 and result.calls[0].arguments == {"s": big}
        assert result.calls[-1].arguments == {"a": 4_999, "b": "x,y", "c": [True, None]}
