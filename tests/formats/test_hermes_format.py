"""Hermes format: byte-exact against the Qwen2.5 chat template, lenient parsing, errors."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.formats.roundtrip import assert_round_trip, json_values, tool_calls
from tests.shared_data import chat_template
from toolschool.formats import get_format
from toolschool.formats.hermes import HermesFormat
from toolschool.types import ToolCall, ToolResult, ToolSchema

QWEN25 = "Qwen-Qwen2.5-7B-Instruct.jinja"

fmt = HermesFormat()

TOOLS = [
    ToolSchema.model_validate(
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Get the current weather — in °C or °F.",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "city": {"type": "string", "description": 'City name, e.g. "Paris"'},
                        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                    },
                    "required": ["city"],
                },
            },
        }
    ),
    ToolSchema.model_validate({"type": "function", "function": {"name": "now"}}),
]
CALLS = [
    ToolCall(id="call_1", name="get_weather", arguments={"city": "São Paulo", "unit": "celsius"}),
    ToolCall(id="call_2", name="now", arguments={}),
]
RESULTS = [
    ToolResult(call_id="call_1", name="get_weather", content='{"temp": 21, "sky": "clear"}'),
    ToolResult(call_id="call_2", name="now", content="2026-07-09T10:00:00Z"),
]


def chatml(role: str, body: str) -> str:
    return f"<|im_start|>{role}\n{body}<|im_end|>\n"


def hf_call(call: ToolCall) -> dict:
    """transformers' chat-template convention: arguments as a dict, not a JSON string."""
    return {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}


def render_template(messages: list[dict], tools: list[ToolSchema]) -> str:
    pytest.importorskip("transformers")
    from transformers.utils.chat_template_utils import render_jinja_template

    rendered, _ = render_jinja_template(
        [messages], tools=[t.to_openai() for t in tools] or None, chat_template=chat_template(QWEN25)
    )
    return rendered[0]


@pytest.mark.parametrize("content", ["", "Let me check both."])
def test_conversation_is_byte_identical_to_the_qwen25_template(content: str) -> None:
    system = "You are a helpful assistant."
    messages = [
        {"role": "system", "content": system},
        {"role": "user", "content": "Weather in São Paulo, and the time?"},
        {"role": "assistant", "content": content, "tool_calls": [hf_call(c) for c in CALLS]},
        *({"role": "tool", "tool_call_id": r.call_id, "content": r.content} for r in RESULTS),
        {"role": "assistant", "content": "It is 21 °C and clear."},
    ]
    expected = render_template(messages, TOOLS)
    ours = (
        chatml("system", fmt.render_system(TOOLS, system))
        + chatml("user", "Weather in São Paulo, and the time?")
        + chatml("assistant", fmt.render_assistant(content, CALLS))
        + chatml(fmt.result_role, fmt.render_results(RESULTS))
        + chatml("assistant", fmt.render_assistant("It is 21 °C and clear.", []))
    )
    assert ours == expected


def test_render_system_matches_the_documented_layout() -> None:
    tools_json = "".join("\n" + json.dumps(t.to_openai(), ensure_ascii=False) for t in TOOLS)
    expected = (
        "SYS\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
        "You are provided with function signatures within <tools></tools> XML tags:\n<tools>"
        + tools_json
        + "\n</tools>\n\nFor each function call, return a json object with function name and arguments "
        "within <tool_call></tool_call> XML tags:\n<tool_call>\n"
        '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>'
    )
    assert fmt.render_system(TOOLS, "SYS") == expected
    assert "°C" in expected  # ensure_ascii=False, like transformers' tojson
    assert fmt.render_system([], "SYS") == "SYS"


def test_render_calls_and_results_shapes() -> None:
    assert fmt.render_calls(CALLS[1:]) == '<tool_call>\n{"name": "now", "arguments": {}}\n</tool_call>'
    assert fmt.render_results(RESULTS[1:]) == "<tool_response>\n2026-07-09T10:00:00Z\n</tool_response>"
    assert fmt.render_calls(CALLS).count("</tool_call>\n<tool_call>") == 1


@pytest.mark.parametrize(
    "text",
    [
        '<tool_call>\n{"name": "get_weather", "parameters": {"city": "Paris"}}\n</tool_call>',
        '<tool_call>\n{"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}\n</tool_call>',
        '<tool_call>{"arguments": {"city": "Paris"}, "name": "get_weather"}</tool_call>',
        '<tool_call>\n{\n  "name": "get_weather",\n  "arguments": {\n    "city": "Paris"\n  }\n}\n'
        "</tool_call>",
    ],
)
def test_lenient_forms_are_calls(text: str) -> None:
    result = fmt.parse(text)
    assert result.ok, result.errors
    assert [(c.name, c.arguments) for c in result.calls] == [("get_weather", {"city": "Paris"})]
    assert result.content == ""


LENIENT = get_format("hermes", lenient=True)


@pytest.mark.parametrize(
    ("text", "repair"),
    [
        ('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}', "missing </tool_call>"),
        ('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_', "missing </tool_call>"),
        ('<tool_call>\n```json\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n```\n</tool_call>',
         "Markdown code fence"),
        ('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris",},}\n</tool_call>', "invalid JSON"),
        ("<tool_call>\n{'name': 'get_weather', 'arguments': {'city': 'Paris'}}\n</tool_call>", "malformed JSON"),
        ('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}\n</tool_call>', "malformed JSON"),
        ('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"', "malformed JSON"),
    ],
)
def test_lenient_repairs_predictable_slips_and_strict_reports_them(text: str, repair: str) -> None:
    strict = fmt.parse(text)
    assert strict.errors and not strict.calls and not strict.repairs
    result = LENIENT.parse(text)
    assert result.ok, result.errors
    assert [(c.name, c.arguments) for c in result.calls] == [("get_weather", {"city": "Paris"})]
    assert any(repair in r.message for r in result.repairs), result.repairs
    assert all(0 <= r.offset <= len(text) for r in result.repairs)
    # streaming in single characters gives the same result
    parser = LENIENT.stream()
    for ch in text:
        parser.feed(ch)
    parser.finish()
    assert parser.result() == result


def test_lenient_still_reports_what_cannot_be_mended() -> None:
    for text in ('<tool_call>\nget_weather(city="Paris")\n</tool_call>', '<tool_call>\n{"arguments": {}}\n</tool_call>'):
        result = LENIENT.parse(text)
        assert result.errors and not result.calls, text


def test_next_call_may_start_without_the_previous_closing_tag_when_lenient() -> None:
    text = (
        '<tool_call>\n{"name": "a", "arguments": {}}\n'
        '<tool_call>\n{"name": "b", "arguments": {}}\n</tool_call>'
    )
    result = LENIENT.parse(text)
    assert result.ok and [c.name for c in result.calls] == ["a", "b"] and len(result.repairs) == 1
    strict = fmt.parse(text)
    assert [c.name for c in strict.calls] == ["b"] and "not closed" in strict.errors[0].message


def test_missing_arguments_means_empty_arguments() -> None:
    result = fmt.parse('<tool_call>\n{"name": "now"}\n</tool_call>')
    assert result.ok and result.calls[0].arguments == {}


def test_closing_tag_inside_a_json_string_is_an_argument() -> None:
    call = ToolCall(name="html", arguments={"body": "<b>x</b></tool_call><tool_call>{"})
    result = fmt.parse(fmt.render_calls([call]) + "\nok")
    assert result.ok and result.calls[0].arguments == call.arguments and result.content == "ok"


@pytest.mark.parametrize(
    ("text", "message", "at"),
    [
        (
            '<tool_call>\n{"name": "a", "arguments": {"x": 1}\n</tool_call>',
            "Expecting ',' delimiter",
            "\n</tool_call>",
        ),
        ('<tool_call>\n{"name": "a", "arguments": {"x": 1]}\n</tool_call>', "Expecting ',' delimiter", "]}"),
        ('<tool_call>\n{"arguments": {}}\n</tool_call>', '"name"', '{"arguments"'),
        ('<tool_call>\n{"name": 3}\n</tool_call>', '"name"', '{"name": 3}'),
        ('<tool_call>\n{"name": "a", "arguments": "x"}\n</tool_call>', "not JSON", '{"name"'),
        ('<tool_call>\n{"name": "a", "arguments": 7}\n</tool_call>', "must be a JSON object", '{"name"'),
        ("<tool_call>\n[1, 2]\n</tool_call>", "expected a JSON object", "[1, 2]"),
        ('<tool_call>\n{"name": "a", "name": "b"}\n</tool_call>', "conflicting", '{"name"'),
        ('<tool_call>\n{"name": "a"} and more\n</tool_call>', "unexpected text after", "and more"),
    ],
)
def test_errors_say_what_and_where(text: str, message: str, at: str) -> None:
    result = fmt.parse(text)
    assert not result.calls and result.attempted
    (error,) = result.errors
    assert message in error.message
    assert text[error.offset :].startswith(at) or text[error.offset :].lstrip().startswith(at.lstrip())


@pytest.mark.parametrize(
    "text",
    [
        '<tool_call>\n{"name": "a", "arguments": {"x": ',
        '<tool_call>\n{"name": "a", "argu',
        "<tool_call>\n",
        "<tool_call>",
    ],
)
def test_truncated_call_is_an_error_at_the_call(text: str) -> None:
    result = fmt.parse("Sure.\n" + text)
    assert result.content == "Sure." and not result.calls
    (error,) = result.errors
    assert error.offset == len("Sure.\n") and "ended inside a tool call" in error.message


def test_a_bad_call_does_not_hide_the_next_one() -> None:
    text = '<tool_call>\n{"name": "a", "arguments": {"x": "oops\n</tool_call>\n' + fmt.render_calls(CALLS[1:])
    result = fmt.parse(text)
    assert [c.name for c in result.calls] == ["now"] and len(result.errors) == 1


def test_streaming_announces_the_name_early_and_streams_the_arguments() -> None:
    text = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris", "days": [1]}}\n</tool_call>'
    parser = fmt.stream()
    seen = []
    for i, ch in enumerate(text):
        for ev in parser.feed(ch):
            seen.append((ev.kind, i))
    kinds = [k for k, _ in seen]
    assert kinds[0] == "call_started" and kinds[-1] == "call_finished"
    assert seen[0][1] == text.index('get_weather"') + len("get_weather")  # the closing quote of the name
    assert seen[-1][1] == len(text) - 1  # finished exactly on the '>' of </tool_call>
    parser.finish()


def test_arguments_before_name_are_streamed_after_the_announcement() -> None:
    text = '<tool_call>{"arguments": {"a": "]"}, "name": "f"}</tool_call>'
    parser = fmt.stream()
    events = [ev for ch in text for ev in parser.feed(ch)] + parser.finish()
    assert [e.kind for e in events][0] == "call_started"
    assert "".join(e.text for e in events if e.kind == "arguments_delta") == '{"a": "]"}'
    assert events[-1].call == ToolCall(name="f", arguments={"a": "]"})


_json = json_values(st.text(), st.text(max_size=5))


@settings(max_examples=100, deadline=None)
@given(
    calls=tool_calls(st.text(alphabet="abcXYZ_.-019", min_size=1, max_size=16), st.text(max_size=8), _json),
    content=st.text(max_size=20).map(str.strip),
)
def test_round_trip_property(calls: list[ToolCall], content: str) -> None:
    if "<tool_call>" in content:
        return
    assert_round_trip([fmt], fmt.render_assistant(content, calls), calls, content)
