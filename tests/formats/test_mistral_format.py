"""Mistral format: byte-exact against the Mistral Nemo template, both call forms, strict vs lenient."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.formats.roundtrip import TOOL_NAMES, assert_round_trip, json_values, strings_with, tool_calls
from tests.shared_data import chat_template
from toolschool.chat.templates import MistralLayout
from toolschool.formats.mistral import MistralFormat, mistral_id
from toolschool.types import Message, ToolCall, ToolResult, ToolSchema

NEMO = "mistralai-Mistral-Nemo-Instruct-2407.jinja"

fmt = MistralFormat()
v11 = MistralFormat(v11=True)
lenient = MistralFormat(lenient=True)

TOOLS = [
    ToolSchema.model_validate(
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Current weather — °C.",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string", "description": 'e.g. "Paris"'}},
                    "required": ["city"],
                },
            },
        }
    ),
    ToolSchema.model_validate({"type": "function", "function": {"name": "now"}}),
]
CALLS = [
    ToolCall(id="abc123XYZ", name="get_weather", arguments={"city": "São Paulo", "q": 'a "b" ] }'}),
    ToolCall(id="def456UVW", name="now", arguments={}),
]
RESULTS = [
    ToolResult(call_id="abc123XYZ", name="get_weather", content='{"temp": 21}'),
    ToolResult(call_id="def456UVW", name="now", content="10:00"),
]


def official(messages: list[dict]) -> str:
    pytest.importorskip("transformers")
    from transformers.utils.chat_template_utils import render_jinja_template

    rendered, _ = render_jinja_template(
        [messages],
        tools=[t.to_openai() for t in TOOLS],
        chat_template=chat_template(NEMO),
        bos_token="<s>",
        eos_token="</s>",
    )
    return rendered[0]


def hf(call: ToolCall) -> dict:
    return {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}


@pytest.mark.parametrize("last_is_user", [True, False])
def test_conversation_is_byte_identical_to_the_nemo_template(last_is_user: bool) -> None:
    ours = [
        Message(role="system", content="You are helpful."),
        Message(role="user", content=" Weather in São Paulo, and the time? "),
        Message(role="assistant", content="", tool_calls=CALLS),
        *(Message(role="tool", tool_call_id=r.call_id, content=r.content) for r in RESULTS),
        Message(role="assistant", content="21 °C at 10:00."),
        *([Message(role="user", content="Thanks!")] if last_is_user else []),
    ]
    theirs = [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": " Weather in São Paulo, and the time? "},
        {"role": "assistant", "content": "", "tool_calls": [hf(c) for c in CALLS]},
        *({"role": "tool", "tool_call_id": r.call_id, "content": r.content} for r in RESULTS),
        {"role": "assistant", "content": "21 °C at 10:00."},
        *([{"role": "user", "content": "Thanks!"}] if last_is_user else []),
    ]
    expected = official(theirs)
    assert MistralLayout().render(ours, TOOLS, fmt) == expected
    assert ("You are helpful." in expected) == last_is_user  # the template's system placement


def test_pieces_are_the_template_strings() -> None:
    assert fmt.render_tools(TOOLS) == (
        '[AVAILABLE_TOOLS][{"type": "function", "function": {"name": "get_weather", "description": '
        '"Current weather — °C.", "parameters": {"type": "object", "properties": {"city": {"type": "string", '
        '"description": "e.g. \\"Paris\\""}}, "required": ["city"]}}}, {"type": "function", "function": '
        '{"name": "now", "description": "", "parameters": {"type": "object", "properties": {}}}}]'
        "[/AVAILABLE_TOOLS]"
    )
    assert fmt.render_calls(CALLS) == (
        '[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "São Paulo", "q": "a \\"b\\" ] }"}, '
        '"id": "abc123XYZ"}, {"name": "now", "arguments": {}, "id": "def456UVW"}]'
    )
    assert fmt.render_results(RESULTS) == (
        '[TOOL_RESULTS]{"content": {"temp": 21}, "call_id": "abc123XYZ"}[/TOOL_RESULTS]'
        '[TOOL_RESULTS]{"content": 10:00, "call_id": "def456UVW"}[/TOOL_RESULTS]'
    )
    assert fmt.render_system(TOOLS, "S") == fmt.render_tools(TOOLS) + "S"
    assert fmt.render_system([], "S") == "S" and fmt.render_tools([]) == ""


def test_v11_form() -> None:
    assert v11.render_calls(CALLS) == (
        '[TOOL_CALLS]get_weather[ARGS]{"city": "São Paulo", "q": "a \\"b\\" ] }"}[TOOL_CALLS]now[ARGS]{}'
    )
    assert v11.render_results(RESULTS[1:]) == "[TOOL_RESULTS]10:00[/TOOL_RESULTS]"
    for f in (fmt, v11):  # both parsers read both forms
        for text in (fmt.render_calls(CALLS), v11.render_calls(CALLS)):
            result = f.parse(text)
            assert result.ok and [(c.name, c.arguments) for c in result.calls] == [
                (c.name, c.arguments) for c in CALLS
            ]


def test_ids() -> None:
    assert mistral_id("abc123XYZ", 5) == "abc123XYZ"
    assert mistral_id(None, 2) == "call00002" and mistral_id("", 0) == "call00000"
    derived = mistral_id("call_1", 0)
    assert (
        len(derived) == 9
        and derived.isalnum()
        and derived == mistral_id("call_1", 7) != mistral_id("call_2", 0)
    )
    # a call and its result stay linked whatever the ids are
    call, result = ToolCall(id="call_1", name="f"), ToolResult(call_id="call_1", name="f", content="x")
    assert f'"id": "{derived}"' in fmt.render_calls(
        [call]
    ) and f'"call_id": "{derived}"' in fmt.render_results([result])
    parsed = fmt.parse(fmt.render_calls(CALLS)).calls
    assert [c.id for c in parsed] == ["abc123XYZ", "def456UVW"]
    assert fmt.parse('[TOOL_CALLS]f[CALL_ID]k9[ARGS]{"a": 1}').calls == [
        ToolCall(id="k9", name="f", arguments={"a": 1})
    ]


@pytest.mark.parametrize(
    "text",
    [
        '[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "abc123XYZ"}]</s>',
        '[TOOL_CALLS] [ {"arguments": {"city": "Paris"}, "name": "get_weather"} ]',
        '[TOOL_CALLS][{"name": "get_weather", "parameters": {"city": "Paris"}}]',
        '[TOOL_CALLS][{"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}]',
        '[TOOL_CALLS]get_weather[ARGS]{"city": "Paris"}',
        '[TOOL_CALLS]get_weather[ARGS] {\n  "city": "Paris"\n}',
    ],
)
def test_accepted_forms(text: str) -> None:
    result = fmt.parse(text)
    assert result.ok, result.errors
    assert [(c.name, c.arguments) for c in result.calls] == [("get_weather", {"city": "Paris"})]
    assert result.content in ("", "</s>") and not result.repairs


def test_content_around_calls() -> None:
    text = "Let me check.\n" + v11.render_calls(CALLS) + "\nDone."
    result = fmt.parse(text)
    assert result.ok and len(result.calls) == 2 and result.content == "Let me check.\nDone."
    assert fmt.parse("[TOOL_CALLS is not a marker]").content == "[TOOL_CALLS is not a marker]"


@pytest.mark.parametrize(
    ("text", "message", "at"),
    [
        ('[TOOL_CALLS][{"name": "a", "arguments": {"x": 1]}}]', "invalid JSON", "]}}]"),
        ('[TOOL_CALLS][{"arguments": {}}]', '"name"', '{"arguments"'),
        ('[TOOL_CALLS][{"name": "a", "arguments": [1]}]', "must be a JSON object", '{"name"'),
        ("[TOOL_CALLS][]", "empty", "]"),
        ('[TOOL_CALLS]{"name": "a"}', "expected '[' or a tool name", '{"name"'),
        ('[TOOL_CALLS]a{"x": 1}', "expected [ARGS]", '{"x"'),
        ('[TOOL_CALLS]a[ARGS]["x"]', "expected a JSON object", '["x"]'),
        ('[TOOL_CALLS][{"name": "a", "arguments": {}} {"name": "b"}]', "expected ',' or ']'", '{"name": "b"'),
        ('[TOOL_CALLS][{"name": "a", "arguments": {"x": "y', "output ended inside a tool call", '{"name"'),
        ("[TOOL_CALLS]", "output ended inside a tool call", "[TOOL_CALLS]"),
    ],
)
def test_strict_errors_say_what_and_where(text: str, message: str, at: str) -> None:
    result = fmt.parse(text)
    assert result.attempted and len(result.errors) == 1, result.errors
    assert message in result.errors[0].message, result.errors
    assert text[result.errors[0].offset :].startswith(at), text[result.errors[0].offset :]


def test_an_unclosed_list_keeps_its_calls_but_is_an_error() -> None:
    result = fmt.parse('[TOOL_CALLS][{"name": "a", "arguments": {}}, {"name": "b", "arguments": {}}')
    assert [c.name for c in result.calls] == ["a", "b"]
    assert "not closed with ']'" in result.errors[0].message


@pytest.mark.parametrize(
    ("text", "repair", "calls"),
    [
        ('[TOOL_CALLS][{"name": "a", "arguments": {"x": [1, 2,],}}]', "invalid JSON", [("a", {"x": [1, 2]})]),
        ("[TOOL_CALLS][{'name': 'a', 'arguments': {'x': 'it is'}}]", "invalid JSON", [("a", {"x": "it is"})]),
        ('[TOOL_CALLS][{"name": "a", "arguments": {"x": {"y": "z', "cut off", [("a", {"x": {"y": "z"}})]),
        ('[TOOL_CALLS][{"name": "a", "arguments": {}}', "missing ']'", [("a", {})]),
        ('[TOOL_CALLS]{"name": "a", "arguments": {}}', "missing '['", [("a", {})]),
        ('[TOOL_CALLS]a[ARGS]{"x": 1,}', "invalid JSON", [("a", {"x": 1})]),
    ],
)
def test_lenient_repairs_are_recorded(text: str, repair: str, calls: list) -> None:
    assert fmt.parse(text).errors
    result = lenient.parse(text)
    assert result.ok, result.errors
    assert [(c.name, c.arguments) for c in result.calls] == calls
    assert any(repair in r.message for r in result.repairs), result.repairs
    assert not fmt.parse(text).repairs


def test_streaming_finishes_each_call_on_its_closing_brace() -> None:
    text = fmt.render_calls(CALLS)
    parser = fmt.stream()
    seen = [(ev, i) for i, ch in enumerate(text) for ev in parser.feed(ch)]
    parser.finish()
    started = [i for ev, i in seen if ev.kind == "call_started"]
    finished = [i for ev, i in seen if ev.kind == "call_finished"]
    assert started[0] == text.index('get_weather"') + len("get_weather")
    first_end = text.index('"abc123XYZ"}') + len('"abc123XYZ"}') - 1
    assert finished == [first_end, len(text) - 2]  # before ", " and before the closing ']'
    raw = "".join(ev.text for ev, _ in seen if ev.kind == "arguments_delta" and ev.index == 0)
    assert fmt.decode_arguments(raw) == CALLS[0].arguments


def test_v11_announces_at_args() -> None:
    text = '[TOOL_CALLS]get_weather[ARGS]{"city": "Paris"}'
    parser = fmt.stream()
    seen = [(ev.kind, i) for i, ch in enumerate(text) for ev in parser.feed(ch)]
    assert seen[0] == ("call_started", text.index("[ARGS]") + len("[ARGS]") - 1)
    assert seen[-1] == ("call_finished", len(text) - 1)


def test_one_megabyte_parses() -> None:
    big = ToolCall(
        name="write", arguments={"text": '[TOOL_CALLS]x[ARGS]{"a": "]"} ' * 40000, "n": list(range(2000))}
    )
    rest = [ToolCall(name=f"f{i}", arguments={"i": i}) for i in range(3000)]
    text = fmt.render_calls([big, *rest]) + "\n" + v11.render_calls(rest[:500])
    assert len(text) > 1_000_000
    result = fmt.parse(text)
    assert result.ok and len(result.calls) == 3501
    assert result.calls[0].arguments == big.arguments and result.calls[-1].arguments == {"i": 499}


_STRINGS = strings_with(
    ["[TOOL_CALLS]", "[ARGS]", "[CALL_ID]", "[TOOL_RESULTS]", "]", "}", "[{", ", ", '"id"']
)


@settings(max_examples=150, deadline=None)
@given(
    calls=tool_calls(TOOL_NAMES, _STRINGS, json_values(_STRINGS)),
    content=st.text(max_size=20).map(str.strip).filter(lambda s: "[TOOL_CALLS]" not in s),
    form=st.sampled_from([fmt, v11]),
)
def test_round_trip_property(calls: list[ToolCall], content: str, form: MistralFormat) -> None:
    assert_round_trip((fmt, lenient), form.render_assistant(content, calls), calls, content)
