"""TOOL_USE format: declarations, instructions, results, strict parsing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolschool.formats.tool_use import INSTRUCTIONS, ToolUseFormat, describe_type, render_declaration
from toolschool.types import ToolCall, ToolResult, ToolSchema

fmt = ToolUseFormat()

WEATHER = ToolSchema.model_validate(
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the current weather\n for a city.",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string", "description": 'City name, e.g. "Paris".'},
                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"},
                    "days": {"type": "integer"},
                },
                "required": ["city"],
            },
        },
    }
)
NOW = ToolSchema.model_validate(
    {"type": "function", "function": {"name": "now", "description": "Current time."}}
)


def test_declarations_are_compact_and_complete() -> None:
    assert fmt.render_tools([WEATHER, NOW]) == (
        "Available tools:\n"
        '- get_weather(city: string, unit?: "celsius"|"fahrenheit" = "celsius", days?: integer)'
        " — Get the current weather for a city.\n"
        '    city: City name, e.g. "Paris".\n'
        "- now() — Current time."
    )


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "array", "items": {"type": "string"}}, "string[]"),
        ({"type": "array", "items": {"enum": [1, 2]}}, "(1|2)[]"),
        ({"type": "array"}, "array"),
        ({"type": ["string", "null"]}, "string|null"),
        ({"type": "number", "nullable": True}, "number|null"),
        ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, "string|integer"),
        ({"const": "fixed"}, '"fixed"'),
        ({}, "any"),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "boolean"}, "b": {"type": "string"}},
                "required": ["a"],
            },
            "{a: boolean, b?: string}",
        ),
        ({"type": "object"}, "object"),
    ],
)
def test_describe_type(schema: dict, expected: str) -> None:
    assert describe_type(schema) == expected


def test_declaration_without_description_or_parameters() -> None:
    tool = ToolSchema.model_validate({"type": "function", "function": {"name": "ping"}})
    assert render_declaration(tool) == "- ping()"


def test_system_is_system_then_instructions_then_declarations() -> None:
    declarations = fmt.render_tools([NOW])
    assert fmt.render_system([NOW], "Be brief.") == f"Be brief.\n\n{INSTRUCTIONS}\n\n{declarations}"
    assert fmt.render_system([NOW], "") == f"{INSTRUCTIONS}\n\n{fmt.render_tools([NOW])}"
    assert fmt.render_system([], "Be brief.") == "Be brief."
    assert "TOOL_USE[name:{" in INSTRUCTIONS


def test_calls_and_results_shapes() -> None:
    calls = [ToolCall(name="get_weather", arguments={"city": "Zürich"}), ToolCall(name="now", arguments={})]
    assert fmt.render_calls(calls) == 'TOOL_USE[get_weather:{"city": "Zürich"}]\nTOOL_USE[now:{}]'
    results = [
        ToolResult(name="get_weather", content='{"temp": 21}'),
        ToolResult(name="now", content="10:00"),
    ]
    assert fmt.render_results(results) == 'TOOL_RESULT[get_weather:{"temp": 21}]\nTOOL_RESULT[now:10:00]'
    assert fmt.result_role == "tool"


def test_json_may_contain_brackets_and_span_lines() -> None:
    text = 'Checking.\nTOOL_USE[search:{\n  "q": "a]b}c[d{",\n  "n": [1, 2]\n}]\nTOOL_USE[now:{}]'
    result = fmt.parse(text)
    assert result.ok and result.content == "Checking."
    expected = [("search", {"q": "a]b}c[d{", "n": [1, 2]}), ("now", {})]
    assert [(c.name, c.arguments) for c in result.calls] == expected


def test_spaces_around_the_json_are_allowed() -> None:
    result = fmt.parse('TOOL_USE[now: {} ]  TOOL_USE[f:{"a": 1}]')
    assert result.ok and [c.name for c in result.calls] == ["now", "f"]


@pytest.mark.parametrize(
    ("text", "message", "at"),
    [
        ('TOOL_USE[get_weather:{"city": "Paris"]\nok', "Expecting ',' delimiter", "]"),
        ('TOOL_USE[get weather:{"city": "Paris"}]\nok', "expected ':' after the tool name", " weather"),
        ('TOOL_USE[get_weather:{"city": Paris}]\nok', "Expecting value", "Paris"),
        ('TOOL_USE[get_weather:"Paris"]\nok', "expected '{'", '"Paris"'),
        ('TOOL_USE[get_weather:{"city": "Paris"}}\nok', "expected ']'", "}"),
        ('TOOL_USE[get_weather:{"city": "Pa\nris"}]\nok', "Invalid control character", "\nris"),
    ],
)
def test_errors_skip_the_rest_of_the_line(text: str, message: str, at: str) -> None:
    result = fmt.parse(text)
    (error,) = result.errors
    assert message in error.message and text[error.offset :].startswith(at)
    assert result.content == "ok" and not result.calls


def test_unterminated_call_is_an_error_even_with_complete_json() -> None:
    result = fmt.parse('Sure.\nTOOL_USE[now:{"a": 1}')
    (error,) = result.errors
    assert error.offset == len("Sure.\n") and "no closing ']'" in error.message
    assert result.content == "Sure." and not result.calls


def test_deltas_join_to_the_json_object() -> None:
    text = 'TOOL_USE[f:{"a": "]", "b": {"c": [1]}}]'
    parser = fmt.stream()
    events = [ev for ch in text for ev in parser.feed(ch)] + parser.finish()
    assert events[0].kind == "call_started" and events[0].name == "f"
    assert "".join(e.text for e in events if e.kind == "arguments_delta") == '{"a": "]", "b": {"c": [1]}}'
    assert events[-1].kind == "call_finished"


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=100, deadline=None)
@given(
    calls=st.lists(
        st.builds(
            ToolCall,
            name=st.text(alphabet="abcXYZ_.-019", min_size=1, max_size=16),
            arguments=st.dictionaries(st.text(max_size=8), _json, max_size=4),
        ),
        min_size=1,
        max_size=3,
    ),
    content=st.text(max_size=20).map(str.strip),
)
def test_round_trip_property(calls: list[ToolCall], content: str) -> None:
    if "TOOL_USE[" in content:
        return
    result = fmt.parse(fmt.render_assistant(content, calls))
    assert result.ok
    assert [(c.name, c.arguments) for c in result.calls] == [(c.name, c.arguments) for c in calls]
    assert result.content == content
