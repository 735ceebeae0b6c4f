"""TOOL_USE format: declarations, instructions, results, strict parsing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.formats.roundtrip import TOOL_NAMES, assert_round_trip, json_values, tool_calls
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


_json = json_values(st.text(), st.text(max_size=5))


@settings(max_examples=100, deadline=None)
@given(
    calls=tool_calls(st.text(alphabet="abcXYZ_.-019", min_size=1, max_size=16), st.text(max_size=8), _json),
    content=st.text(max_size=20).map(str.strip),
)
def test_round_trip_property(calls: list[ToolCall], content: str) -> None:
    if "TOOL_USE[" in content:
        return
    assert_round_trip([fmt], fmt.render_assistant(content, calls), calls, content)


# -- lenient mode -----------------------------------------------------------------------------

lenient = ToolUseFormat(lenient=True)
REPAIRED_QUOTES = (
    "repaired the JSON arguments with json_repair (Expecting property name enclosed in double quotes)"
)


@pytest.mark.parametrize(
    ("text", "arguments", "repairs"),
    [
        ('Sure.\nTOOL_USE[f:{"a": 1}', {"a": 1}, [("added the missing closing ']'", "")]),
        ('TOOL_USE[f:{"a": 1} \nAfter.', {"a": 1}, [("added the missing closing ']'", "\nAfter")]),
        (
            "TOOL_USE[f:{'a': 'x]', 'b': [1, 2,],}]\nAfter.",
            {"a": "x]", "b": [1, 2]},
            [(REPAIRED_QUOTES, "'a': '")],
        ),
        (
            'TOOL_USE[f:{"a": 1,}',
            {"a": 1},
            [
                (REPAIRED_QUOTES, "}"),
                ("added the missing closing ']'", ""),
            ],
        ),
    ],
)  # fmt: skip
def test_lenient_repairs_what_strict_reports(text: str, arguments: dict, repairs: list) -> None:
    strict = fmt.parse(text)
    assert strict.errors and not strict.calls and not strict.repairs
    result = lenient.parse(text)
    assert result.ok and [c.arguments for c in result.calls] == [arguments]
    assert [(r.message, text[r.offset :][:6]) for r in result.repairs] == repairs
    assert result.content == strict.content


@pytest.mark.parametrize(
    "text", ['TOOL_USE[f:{"a": <b>}]', 'TOOL_USE[f:{"a": 1]', 'TOOL_USE[f:{"a": 1} x]', 'TOOL_USE[f:{"a": ']
)
def test_lenient_keeps_real_errors(text: str) -> None:
    result = lenient.parse(text)
    assert result.errors and not result.calls and not result.repairs


def test_lenient_deltas_decode_with_the_lenient_decoder() -> None:
    text = "TOOL_USE[f:{'a': 'it\\'s', 'b': [1,],}]"
    parser = lenient.stream()
    events = [ev for ch in text for ev in parser.feed(ch)] + parser.finish()
    raw = "".join(ev.text for ev in events if ev.kind == "arguments_delta")
    assert raw == "{'a': 'it\\'s', 'b': [1,],}"
    assert lenient.decode_arguments(raw) == events[-1].call.arguments == {"a": "it's", "b": [1]}
    with pytest.raises(ValueError):
        fmt.decode_arguments(raw)


# -- markers ------------------------------------------------------------------------------------

MARKED = ToolUseFormat(think_marker="THINK:", success_marker="✓", transition_marker="THEN:")
WEATHER_CALL = ToolCall(name="get_weather", arguments={"city": "Paris"})


def run_chunks(f: ToolUseFormat, chunks: list[str]) -> tuple[list[tuple], tuple]:
    parser = f.stream()
    events = [ev for chunk in chunks for ev in parser.feed(chunk)] + parser.finish()
    merged: list[tuple] = []  # adjacent content / argument deltas joined
    for ev in events:
        if ev.kind in ("content", "arguments_delta"):
            if merged and merged[-1][:2] == (ev.kind, ev.index):
                merged[-1] = (ev.kind, ev.index, merged[-1][2] + ev.text)
            else:
                merged.append((ev.kind, ev.index, ev.text))
        else:
            merged.append((ev.kind, ev.index, ev.name, ev.call.arguments if ev.call else None))
    r = parser.result()
    summary = ([(c.name, c.arguments) for c in r.calls], r.content, r.reasoning, r.errors, r.repairs)
    return merged, summary


def test_without_markers_output_is_unchanged() -> None:
    calls = [WEATHER_CALL, ToolCall(name="now")]
    plain = fmt.render_assistant("Checking.", calls)
    assert plain == 'Checking.\nTOOL_USE[get_weather:{"city": "Paris"}]\nTOOL_USE[now:{}]'
    assert fmt.render_assistant("Checking.", calls, after_results=True) == plain
    assert ToolUseFormat(lenient=True).render_assistant("Checking.", calls, after_results=True) == plain
    # with no think marker, a reasoning-looking line is content (content events)
    result = fmt.parse('THINK: I need it\n✓ THEN: TOOL_USE[now:{}]')
    assert result.content == "THINK: I need it\n✓ THEN:" and result.reasoning == ""


def test_markers_render_the_turn_after_a_result() -> None:
    assert MARKED.render_assistant("I need the weather", [WEATHER_CALL]) == (
        'THINK: I need the weather\nTOOL_USE[get_weather:{"city": "Paris"}]'
    )
    now = [ToolCall(name="now")]
    two_lines = MARKED.render_assistant("  Now the time.\n\n  Then done. ", now, after_results=True)
    assert two_lines == "✓\nTHINK: Now the time.\nTHINK:\nTHINK: Then done.\nTHEN: TOOL_USE[now:{}]"
    assert MARKED.render_assistant("It is sunny.", [], after_results=True) == "✓\nIt is sunny."
    assert MARKED.render_assistant("It is sunny.", []) == "It is sunny."
    assert MARKED.render_assistant("", [WEATHER_CALL, ToolCall(name="now")], after_results=True) == (
        '✓\nTHEN: TOOL_USE[get_weather:{"city": "Paris"}]\nTOOL_USE[now:{}]'
    )
    only_success = ToolUseFormat(success_marker="OK.")
    assert only_success.render_assistant("Reason", [ToolCall(name="now")], after_results=True) == (
        "OK.\nReason\nTOOL_USE[now:{}]"
    )


def test_markers_are_parsed_out() -> None:
    text = (
        "✓\nTHINK: Now convert it  \nTHINK: carefully\n"
        'THEN: TOOL_USE[convert:{"value": 21}]\nTHEN:TOOL_USE[now:{}] THINK: late TOOL_USE[x:{}]\nDone.'
    )
    merged, (calls, content, reasoning, errors, repairs) = run_chunks(MARKED, [text])
    assert calls == [("convert", {"value": 21}), ("now", {}), ("x", {})]
    assert content == "Done." and reasoning == "Now convert it\ncarefully\nlate"
    assert not errors and not repairs
    assert [m[0] for m in merged].count("content") == 1  # no reasoning in content events
    mixed = MARKED.parse("Hello\nTHINK: x\nWorld ✓")
    assert mixed.content == "Hello\nWorld" and mixed.reasoning == "x" and not mixed.attempted


@pytest.mark.parametrize(
    "text",
    [
        '✓\nTHINK: Now convert it\nTHEN: TOOL_USE[convert:{"value": 2, "s": "THINK: ✓ THEN:"}]\nDone ✓',
        'Hi THINK: a TOOL_USE[f:{}]THEN:THINK:\nTHIN THE ✓✓ TOOL_USE[g:{"a": 1}',
        "THINK: unfinished reasoning TOOL_US",
    ],
)
def test_markers_do_not_depend_on_chunking(text: str) -> None:
    marked_lenient = ToolUseFormat(
        lenient=True, think_marker="THINK:", success_marker="✓", transition_marker="THEN:"
    )
    for f in (MARKED, marked_lenient):
        reference = run_chunks(f, [text])
        for cut in range(len(text) + 1):
            assert run_chunks(f, [text[:cut], text[cut:]]) == reference, (text, cut)
        assert run_chunks(f, list(text)) == reference


@pytest.mark.parametrize(
    "markers",
    [
        {"think_marker": ""},
        {"think_marker": " THINK:"},
        {"success_marker": "a\nb"},
        {"think_marker": "THINK", "transition_marker": "THINK:"},
        {"success_marker": "✓", "transition_marker": "✓"},
        {"transition_marker": "USE["},
    ],
)
def test_markers_that_cannot_be_told_apart_are_rejected(markers: dict) -> None:
    with pytest.raises(ValueError):
        ToolUseFormat(**markers)


@settings(max_examples=100, deadline=None)
@given(
    calls=st.lists(
        st.builds(ToolCall, name=TOOL_NAMES, arguments=st.dictionaries(st.text(max_size=8), _json, max_size=3)),
        max_size=3,
    ),
    content=st.text(max_size=30).map(str.strip),
    after_results=st.booleans(),
)
def test_round_trip_property_with_markers(calls: list[ToolCall], content: str, after_results: bool) -> None:
    if any(m in content for m in ("TOOL_USE[", "THINK:", "✓", "THEN:")):
        return
    result = MARKED.parse(MARKED.render_assistant(content, calls, after_results=after_results))
    assert result.ok
    assert [(c.name, c.arguments) for c in result.calls] == [(c.name, c.arguments) for c in calls]
    if calls and content:
        assert result.reasoning == "\n".join(line.strip() for line in content.split("\n"))
        assert result.content == ""
    else:
        assert result.content == content and result.reasoning == ""


def test_a_megabyte_parses() -> None:
    big = 'brackets ] } [ { "q" \\ TOOL_USE[x:{}] ü\n' * 25_000
    many = [ToolCall(name=f"f{i}", arguments={"a": i, "b": "x]y"}) for i in range(5_000)]
    for f in (fmt, lenient, MARKED):
        text = f.render_assistant("Start.", [ToolCall(name="big", arguments={"s": big}), *many])
        assert len(text) > 1_000_000
        result = f.parse(text + "\nEnd.")
        assert result.ok and len(result.calls) == 5_001
        assert result.calls[0].arguments == {"s": big}
        assert result.calls[-1].arguments == {"a": 4_999, "b": "x]y"}
        if f is MARKED:
            assert result.reasoning == "Start." and result.content == "End."
        else:
            assert result.content == "Start.\nEnd."
