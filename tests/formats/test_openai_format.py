"""OpenAI/Ollama JSON format: exact rendering, the accepted shapes, errors, strict vs lenient, streaming."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolschool.formats.base import ToolFormat
from toolschool.formats.openai import INSTRUCTIONS, PREAMBLE, OpenAIFormat
from toolschool.types import ToolCall, ToolResult, ToolSchema

fmt = OpenAIFormat()
lenient = OpenAIFormat(lenient=True)

NOW = ToolSchema.model_validate(
    {"type": "function", "function": {"name": "now", "description": "Current time."}}
)
WEATHER = ToolCall(name="get_weather", arguments={"city": "São Paulo", "days": 3})


def calls_of(result) -> list[tuple[str, dict]]:
    return [(c.name, c.arguments) for c in result.calls]


def run(text: str, chunks: list[str] | None = None, fmt_: OpenAIFormat = fmt):
    parser = fmt_.stream()
    events = [ev for chunk in (chunks if chunks is not None else [text]) for ev in parser.feed(chunk)]
    return events + parser.finish(), parser.result()


# -- rendering ----------------------------------------------------------------------------------


def test_calls_render_as_a_tool_calls_object() -> None:
    calls = [WEATHER, ToolCall(id="abc", name="now", arguments={})]
    assert fmt.render_calls(calls) == (
        '{"tool_calls": [{"id": "call_0", "type": "function", "function": {"name": "get_weather", '
        '"arguments": "{\\"city\\": \\"São Paulo\\", \\"days\\": 3}"}}, '
        '{"id": "abc", "type": "function", "function": {"name": "now", "arguments": "{}"}}]}'
    )
    assert fmt.render_assistant("Checking.", calls[1:]).startswith('Checking.\n{"tool_calls": [{"id": "abc"')


def test_declarations_system_and_results() -> None:
    assert fmt.render_tools([NOW]) == (
        '[{"type": "function", "function": {"name": "now", "description": "Current time.", '
        '"parameters": {"type": "object", "properties": {}}}}]'
    )
    assert fmt.render_system([NOW], "Be brief.") == (
        "Be brief.\n\n" + PREAMBLE + "\n" + fmt.render_tools([NOW]) + "\n\n" + INSTRUCTIONS
    )
    assert fmt.render_system([NOW], "").startswith(PREAMBLE)
    assert fmt.render_system([], "Be brief.") == "Be brief."
    results = [
        ToolResult(name="get_weather", content='{"temp": 21}'),
        ToolResult(call_id="abc", name="now", content="10:00"),
    ]
    assert fmt.render_results(results) == (
        '{"role": "tool", "tool_call_id": "call_0", "content": "{\\"temp\\": 21}"}\n'
        '{"role": "tool", "tool_call_id": "abc", "content": "10:00"}'
    )


# -- the accepted shapes -----------------------------------------------------------------------------

_NESTED = '{"id": "call_7", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}'


@pytest.mark.parametrize(
    ("text", "calls", "content"),
    [
        (
            '{"role": "assistant", "content": "Let me check.", "tool_calls": [' + _NESTED + "]}",
            [("get_weather", {"city": "Paris"})],
            "Let me check.",
        ),
        ('{"tool_calls": [' + _NESTED + "]}", [("get_weather", {"city": "Paris"})], ""),
        (
            "[" + _NESTED + ', {"function": {"name": "now", "arguments": {}}}]',
            [("get_weather", {"city": "Paris"}), ("now", {})],
            "",
        ),
        (_NESTED, [("get_weather", {"city": "Paris"})], ""),
        ('{"name": "get_weather", "arguments": {"city": "Paris"}}', [("get_weather", {"city": "Paris"})], ""),
        (
            '{"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}',
            [("get_weather", {"city": "Paris"})],
            "",
        ),
        ('{"arguments": {"city": "Paris"}, "name": "get_weather"}', [("get_weather", {"city": "Paris"})], ""),
        (
            '{"name": "get_weather", "parameters": {"city": "Paris"}}',
            [("get_weather", {"city": "Paris"})],
            "",
        ),
        (
            '{"name": "now"} {"name": "now", "arguments": null} {"name": "now", "arguments": ""}',
            [("now", {})] * 3,
            "",
        ),
        (
            'Sure.\n{"name": "a", "arguments": {"q": "} ] {\\"name\\": \\"x\\"}"}}\nThen:\n[{"name": "b", "arguments": {}}]\nDone.',
            [("a", {"q": '} ] {"name": "x"}'}), ("b", {})],
            "Sure.\nThen:\nDone.",
        ),
        ('{"role": "assistant", "content": "Just text.", "tool_calls": null}', [], "Just text."),
        ('{"role": "assistant", "content": null}', [], ""),
    ],
)
def test_shapes(text: str, calls: list, content: str) -> None:
    for f in (fmt, lenient):
        result = f.parse(text)
        assert result.ok, result.errors
        assert calls_of(result) == calls and result.content == content
        assert result.attempted == bool(calls) and not result.repairs


def test_ids_are_kept() -> None:
    result = fmt.parse("[" + _NESTED + ', {"name": "now", "arguments": {}}]')
    assert [c.id for c in result.calls] == ["call_7", None]


@pytest.mark.parametrize(
    "text",
    [
        '{"answer": 42}',
        "[1, 2, 3]",
        '[{"id": 5, "title": "x"}]',
        '{"id": 5, "title": "x"}',
        '{"type": "object", "properties": {"name": {"type": "string"}}}',
        "Use {braces} and [brackets], {} [] [[{",
        '{"id": "x"',
        "{'answer': 42}",
    ],
)
def test_json_that_is_not_a_call_shape_is_content(text: str) -> None:
    for f in (fmt, lenient):
        result = f.parse(text)
        assert result.ok and not result.calls and not result.attempted and result.content == text


@pytest.mark.parametrize(
    ("text", "message", "at"),
    [
        ('{"tool_calls": [{"function": {"arguments": "{}"}}]}', 'no "name" string', '{"function"'),
        ('{"name": "a", "arguments": [1]}', '"arguments" must be a JSON object, got list', "[1]"),
        ('{"name": "a", "arguments": "[1]"}', '"arguments" must be a JSON object', '"[1]"'),
        ('{"name": "a", "arguments": "{\\"x\\": 1"}', "is a string that is not JSON", '"{'),
        (
            '{"tool_calls": [{"type": "tool", "function": {"name": "a"}}]}',
            '"type" must be "function"',
            '{"type"',
        ),
        ('{"id": 5, "function": {"name": "a"}}', '"id" must be a string', '{"id"'),
        ('{"name": "a", "arguments": {}, "extra": 1}', "unexpected key 'extra'", '{"name"'),
        ('{"function": {"name": "a", "description": "x"}}', "unexpected key 'description'", '{"function"'),
        ('{"name": "a", "function": {"name": "b"}}', "unexpected key 'name'", '{"name"'),
        ('{"name": "a", "arguments": {}, "name": "b"}', 'conflicting "name" values', '{"name"'),
        ('{"name": "a", "arguments": {"x": 1]}}', "invalid JSON: Expecting ',' delimiter", "]}}"),
        ('{"name": "a", "arguments": {"x": 1 "y": 2}}', "invalid JSON in tool call: Expecting ','", '"y"'),
        ('{"name": "a", "arguments": {"x": 1,}}', "invalid JSON in tool call", "}}"),
        ('{"name": "a" "arguments": {}}', "invalid JSON: Expecting ',' delimiter", '"arguments"'),
        ('{"name": "a", "arguments": {"x": tru}}', "invalid JSON in tool call: Expecting value", "tru}"),
        ('{"name": "a", "arguments": {}, "id": nul}', "invalid JSON: Expecting value", "nul}"),
        ("{'name': 'a', 'arguments': {}}", "Expecting property name enclosed in double quotes", "'name'"),
        ('{"tool_calls": {"name": "a"}}', '"tool_calls" must be an array', '{"name"'),
        ('{"content": 5, "tool_calls": []}', '"content" must be a string', "5,"),
        ('[{"name": "a", "arguments": {}}, "b"]', "a tool call must be a JSON object", '"b"]'),
        ('{"name": "a", "arguments": {"x": "line\nbreak"}}', "Invalid control character", "\nbreak"),
        ('{"name": "a", "arguments": {"x": [1, 2', "output ended inside the JSON tool call", '{"name"'),
        ('{"tool_calls": [{"name": "a"}]', "output ended inside the JSON tool call", '{"tool_calls"'),
    ],
)
def test_errors_say_what_and_where(text: str, message: str, at: str) -> None:
    full = "Sure.\n" + text
    result = fmt.parse(full)
    assert result.attempted and result.errors, result
    error = result.errors[0]
    assert message in error.message, error
    assert full[error.offset :].startswith(at), (error, at)
    assert full.find(error.snippet) == error.offset


def test_a_broken_call_drops_the_rest_of_its_line_only() -> None:
    text = '{"name": "a", "arguments": {"x": 1]}} more\n{"name": "b", "arguments": {}}\nok'
    result = fmt.parse(text)
    assert calls_of(result) == [("b", {})] and len(result.errors) == 1 and result.content == "ok"


# -- strict versus lenient ------------------------------------------------------------------------


def repairs_of(result) -> list[tuple[str, int]]:
    return [(r.message, r.offset) for r in result.repairs]


def test_fenced_json_block() -> None:
    text = 'Sure:\n```json\n{"name": "a", "arguments": {"x": 1}}\n```\nDone.'
    strict = fmt.parse(text)
    assert (
        strict.ok and calls_of(strict) == [("a", {"x": 1})] and strict.content == "Sure:\n```json\n```\nDone."
    )
    repaired = lenient.parse(text)
    assert calls_of(repaired) == [("a", {"x": 1})] and repaired.content == "Sure:\nDone."
    assert repairs_of(repaired) == [("removed the ``` fence around the JSON", text.index("```"))]


def test_single_quotes_and_trailing_commas() -> None:
    text = "{'name': 'a', 'arguments': {'x': 'it is', 'y': [1, 2,],},}"
    assert not fmt.parse(text).calls
    repaired = lenient.parse(text)
    assert repaired.ok and calls_of(repaired) == [("a", {"x": "it is", "y": [1, 2]})]
    assert repairs_of(repaired) == [
        ("repaired the tool call's JSON with json_repair", 0),
        ("repaired the arguments' JSON with json_repair", text.index("{'x'")),
    ]


def test_unknown_keys_are_ignored_when_lenient() -> None:
    repaired = lenient.parse('{"name": "a", "arguments": {}, "extra": 1}')
    assert calls_of(repaired) == [("a", {})]
    assert repairs_of(repaired) == [("ignored unknown keys ['extra'] in the tool call", 0)]
    answer = lenient.parse('{"name": "Ann", "age": 3}')  # no arguments: data, not a call
    assert not answer.calls and answer.errors[0].message == "unexpected key 'age' in the tool call"


def test_missing_closing_brackets_at_the_end() -> None:
    text = 'Sure.\n{"tool_calls": [{"function": {"name": "a", "arguments": {"x": {"y": [1, 2'
    assert fmt.parse(text).errors[0].message == "output ended inside the JSON tool call"
    events, repaired = run(text, fmt_=lenient)
    assert repaired.ok and calls_of(repaired) == [("a", {"x": {"y": [1, 2]}})]
    assert repairs_of(repaired) == [("added the missing ']}}}}]}' at the end of output", len(text))]
    deltas = "".join(e.text for e in events if e.kind == "arguments_delta")
    assert deltas == '{"x": {"y": [1, 2]}}'  # the added closers are sent as the last delta
    assert json.loads(deltas) == repaired.calls[0].arguments


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "a", "arguments": {"x": "trunc',  # inside a string: the value would change
        '{"name": "a", "arguments": {"x": ',
        '{"name": "a", "arguments": ',
        '{"name": "a", "arg',
    ],
)
def test_truncated_values_are_not_invented(text: str) -> None:
    result = lenient.parse(text)
    assert not result.calls and result.errors[0].message == "output ended inside the JSON tool call"


def test_lenient_changes_nothing_on_valid_json() -> None:
    text = fmt.render_assistant("Sure.", [WEATHER, ToolCall(name="now", arguments={})])
    assert lenient.parse(text) == fmt.parse(text)


# -- streaming --------------------------------------------------------------------------------------


def test_events_come_as_early_as_the_text_allows() -> None:
    text = fmt.render_calls([WEATHER, ToolCall(name="now", arguments={})]) + "\nDone."
    parser = fmt.stream()
    seen = [(ev.kind, i, ev) for i, ch in enumerate(text) for ev in parser.feed(ch)] + [
        (ev.kind, len(text), ev) for ev in parser.finish()
    ]
    starts = [i for k, i, _ in seen if k == "call_started"]
    finishes = [i for k, i, _ in seen if k == "call_finished"]
    assert starts == [text.index('get_weather"') + len("get_weather"), text.index('now"') + len("now")]
    first_close = text.index('}"}}') + len('}"}}') - 1
    assert finishes == [first_close, text.index('"{}"}}') + len('"{}"}}') - 1]
    raw = "".join(ev.text for k, _, ev in seen if k == "arguments_delta" and ev.index == 0)
    assert raw == json.dumps(json.dumps(WEATHER.arguments, ensure_ascii=False), ensure_ascii=False)
    assert ToolFormat.decode_arguments(fmt, raw) == WEATHER.arguments  # the base JSON reading
    assert [ev.text for k, _, ev in seen if k == "content"] == ["D", "o", "n", "e", "."]


def test_arguments_before_the_name_are_sent_after_the_announcement() -> None:
    events, result = run('{"arguments": {"a": "]"}, "name": "f"}')
    assert [e.kind for e in events] == ["call_started", "arguments_delta", "call_finished"]
    assert events[1].text == '{"a": "]"}' and result.calls[0].arguments == {"a": "]"}


def test_a_candidate_is_held_until_its_first_key() -> None:
    parser = fmt.stream()
    assert [e.text for e in parser.feed('Hi {"na')] == ["Hi"]
    assert parser.feed('me": "f"')[0].kind == "call_started"
    parser = fmt.stream()
    parser.feed('Hi {"an')
    assert [e.text for e in parser.feed('swer": 1}')] == [' {"answer": 1}']


@pytest.mark.parametrize(
    ("raw", "args"),
    [("", {}), ("null", {}), ('""', {}), ('{"a": [1]}', {"a": [1]}), ('"{\\"a\\": 1}"', {"a": 1})],
)
def test_decode_arguments(raw: str, args: dict) -> None:
    assert fmt.decode_arguments(raw) == args


@pytest.mark.parametrize("raw", ["[1]", '"x"', "{", '"{\\"a\\": 1"'])
def test_decode_arguments_rejects_non_objects(raw: str) -> None:
    with pytest.raises(ValueError):
        fmt.decode_arguments(raw)


# -- properties ------------------------------------------------------------------------------------

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.sampled_from(['"', "\\", "{", "}", "[", "]", '{"name": "x"}', "```", "'", "\n"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=10,
)
_calls = st.builds(
    ToolCall,
    id=st.none() | st.text(max_size=8),
    name=st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True),
    arguments=st.dictionaries(st.text(max_size=8), _json, max_size=4),
)


@settings(max_examples=150, deadline=None)
@given(
    calls=st.lists(_calls, min_size=1, max_size=3),
    content=st.text(max_size=20).map(lambda s: s.replace("{", "").replace("[", "").replace("`", "").strip()),
    cuts=st.lists(st.integers(0, 600), max_size=5),
)
def test_round_trip_property(calls: list[ToolCall], content: str, cuts: list[int]) -> None:
    text = fmt.render_assistant(content, calls)
    expected = [(c.name, c.arguments, c.id or f"call_{i}") for i, c in enumerate(calls)]
    result = fmt.parse(text)
    assert result.ok, result.errors
    assert [(c.name, c.arguments, c.id) for c in result.calls] == expected and result.content == content
    bounds = sorted({0, len(text), *(c for c in cuts if c < len(text))})
    events, streamed = run(text, [text[a:b] for a, b in itertools.pairwise(bounds)])
    assert calls_of(streamed) == calls_of(result) and streamed.content == content
    deltas: dict[int, str] = {}
    for ev in events:
        if ev.kind == "arguments_delta":
            deltas[ev.index] = deltas.get(ev.index, "") + ev.text
    for i, call in enumerate(calls):
        assert ToolFormat.decode_arguments(fmt, deltas[i]) == call.arguments


def test_a_megabyte_parses() -> None:
    blob = '"}]{[ \\ é 🌍 {"name": "x"} ' * 30_000
    calls = [ToolCall(name="echo", arguments={"text": blob, "n": list(range(1000))})] + [
        ToolCall(name="f", arguments={"i": i}) for i in range(1000)
    ]
    text = "Intro {x} [1] " * 10_000 + "\n" + fmt.render_calls(calls) + "\nThe end."
    assert len(text) > 1_000_000
    result = fmt.parse(text)
    assert result.ok
    assert result.calls[0].arguments == calls[0].arguments and len(result.calls) == 1001
    assert result.calls[-1].arguments == {"i": 999}
    assert result.content == ("Intro {x} [1] " * 10_000).rstrip() + "\nThe end."
