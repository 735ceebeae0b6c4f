"""Llama 3 JSON format: byte-exact against the Llama 3.1/3.2 templates, parsing, strict vs lenient."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.formats.roundtrip import TOOL_NAMES, assert_round_trip, json_values, strings_with, tool_calls
from tests.shared_data import chat_template
from toolschool.chat.templates import Llama3Layout
from toolschool.formats.llama3_json import Llama3JsonFormat
from toolschool.types import Message, ToolCall, ToolResult, ToolSchema

LLAMA = ["meta-llama-Llama-3.1-8B-Instruct.jinja", "meta-llama-Llama-3.2-3B-Instruct.jinja"]

fmt = Llama3JsonFormat()
lenient = Llama3JsonFormat(lenient=True)

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
CALL = ToolCall(id="c1", name="get_weather", arguments={"city": "São Paulo", "q": 'a "b" ; {c}'})


def official(template: str, messages: list[dict], **options) -> str:
    pytest.importorskip("transformers")
    from transformers.utils.chat_template_utils import render_jinja_template

    rendered, _ = render_jinja_template(
        [messages],
        tools=[t.to_openai() for t in TOOLS],
        chat_template=chat_template(template),
        bos_token="<|begin_of_text|>",
        date_string="09 Jul 2026",
        **options,
    )
    return rendered[0]


@pytest.mark.parametrize("template", LLAMA)
@pytest.mark.parametrize("in_user", [True, False])
def test_conversation_is_byte_identical_to_the_official_templates(template: str, in_user: bool) -> None:
    messages = [
        Message(role="system", content="  You are helpful.\n"),
        Message(role="user", content=" Weather in São Paulo? "),
        Message(role="assistant", content="", tool_calls=[CALL]),
        Message(role="tool", tool_call_id="c1", content='{"temp": 21}'),
        Message(role="assistant", content="It is 21 °C. "),
    ]
    hf = [
        {"role": "system", "content": "  You are helpful.\n"},
        {"role": "user", "content": " Weather in São Paulo? "},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"type": "function", "function": CALL.model_dump()}],
        },
        {"role": "tool", "content": '{"temp": 21}'},
        {"role": "assistant", "content": "It is 21 °C. "},
    ]
    expected = official(template, hf, tools_in_user_message=in_user)
    layout = Llama3Layout(date_string="09 Jul 2026", tools_in_user_message=in_user)
    assert layout.render(messages, TOOLS, fmt) == expected


def test_pieces_are_the_template_strings() -> None:
    declarations = "".join(json.dumps(t.to_openai(), ensure_ascii=False, indent=4) + "\n\n" for t in TOOLS)
    assert fmt.render_tools(TOOLS) == declarations
    assert "°C" in declarations and '\\"Paris\\"' in declarations
    assert fmt.render_user(TOOLS, " Hi ") == (
        "Given the following functions, please respond with a JSON for a function call with its proper "
        'arguments that best answers the given prompt.\n\nRespond in the format {"name": function name, '
        '"parameters": dictionary of argument name and its value}.Do not use variables.\n\n'
        + declarations
        + "Hi"
    )
    assert fmt.render_system(TOOLS, " S ") == (
        "Environment: ipython\n\nYou have access to the following functions. To call a function, please "
        'respond with JSON for a function call.Respond in the format {"name": function name, "parameters": '
        "dictionary of argument name and its value}.Do not use variables.\n\n" + declarations + "S"
    )
    assert fmt.render_system([], " S ") == " S "
    assert fmt.render_calls([CALL]) == (
        '{"name": "get_weather", "parameters": {"city": "São Paulo", "q": "a \\"b\\" ; {c}"}}'
    )
    assert fmt.render_calls([CALL, ToolCall(name="now")]).endswith('}; {"name": "now", "parameters": {}}')
    # a string result is written as a JSON string (the template's "is iterable" branch)
    assert fmt.render_results([ToolResult(name="x", content='{"t": 1}')]) == '"{\\"t\\": 1}"'
    assert fmt.result_role == "ipython"


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "get_weather", "parameters": {"city": "Paris"}}',
        '<|python_tag|>{"name": "get_weather", "parameters": {"city": "Paris"}}<|eom_id|>',
        '{"name": "get_weather", "arguments": {"city": "Paris"}}<|eot_id|>',
        '{"type": "function", "name": "get_weather", "parameters": {"city": "Paris"}}',
        '{"parameters": {"city": "Paris"}, "name": "get_weather"}',
        '{"name": "get_weather", "parameters": "{\\"city\\": \\"Paris\\"}"}',
        '{\n  "name": "get_weather",\n  "parameters": {\n    "city": "Paris"\n  }\n}\n',
    ],
)
def test_accepted_forms(text: str) -> None:
    result = fmt.parse(text)
    assert result.ok, result.errors
    assert [(c.name, c.arguments) for c in result.calls] == [("get_weather", {"city": "Paris"})]
    assert result.content == "" and not result.repairs


@pytest.mark.parametrize("separator", ["; ", ";", "\n", " ;\n", "\n\n"])
def test_several_calls_separated_by_semicolons_or_newlines(separator: str) -> None:
    text = separator.join(['{"name": "a", "parameters": {}}', '{"name": "b", "parameters": {"x": [1]}}'])
    result = fmt.parse(text + "\nDone.")
    assert result.ok and [(c.name, c.arguments) for c in result.calls] == [("a", {}), ("b", {"x": [1]})]
    assert result.content == "Done."


@pytest.mark.parametrize(
    "text",
    [
        'A record: {"id": 1, "name": "x"} and {x} {"a": [1, 2]} {}',
        '{"a": "unterminated\nline',
        'Use {"kind": "thing", "name": "x"} here',
        "{'key': 'python repr'}",
    ],
)
def test_objects_that_are_not_calls_stay_content(text: str) -> None:
    for f in (fmt, lenient):
        result = f.parse(text)
        assert result.ok and not result.calls and not result.attempted
        assert result.content == text


def test_an_object_whose_first_key_is_name_is_a_call_attempt() -> None:
    result = fmt.parse('{"name": "Alice", "age": 3}')
    assert not result.calls and result.attempted and 'no "parameters"' in result.errors[0].message


@pytest.mark.parametrize(
    ("text", "message", "at"),
    [
        ('{"name": "a", "parameters": {"x": 1]}}', "invalid JSON", "]}}"),
        ('{"name": "a", "parameters": [1]}', "must be a JSON object", '{"name"'),
        ('{"name": 3, "parameters": {}}', '"name"', '{"name"'),
        ('{"name": "a", "parameters": {}, "arguments": {}}', "both", '{"name"'),
        ('{"name": "a", "parameters": {}, "name": "b"}', "conflicting", '{"name"'),
        ('{"name": "a", "parameters": {"x": 1,}}', "invalid JSON", "}}"),
        ("{'name': 'a', 'parameters': {}}", "invalid JSON", "'name'"),
        ("<|python_tag|>brave_search.call(query='x')", "expected a JSON object", "brave_search"),
        ('{"name": "a", "parameters": {"x": "y"', "output ended inside a tool call", '{"name"'),
        ("<|python_tag|>  ", "output ended after <|python_tag|>", "<|python_tag|>"),
    ],
)
def test_strict_errors_say_what_and_where(text: str, message: str, at: str) -> None:
    result = fmt.parse(text)
    assert not result.calls and result.attempted
    (error,) = result.errors
    assert message in error.message, error
    assert text[error.offset :].startswith(at), (error, text[error.offset :])


def test_a_broken_call_skips_its_line_and_the_next_call_still_parses() -> None:
    text = '{"name": "a", "parameters": {"x": "oops\n{"name": "b", "parameters": {}}'
    result = fmt.parse(text)
    assert [c.name for c in result.calls] == ["b"] and len(result.errors) == 1


@pytest.mark.parametrize(
    ("text", "repair", "calls", "content"),
    [
        ('```json\n{"name": "a", "parameters": {"x": 1}}\n```\nDone.', "fence", [("a", {"x": 1})], "Done."),
        ('{"name": "a", "parameters": {"x": [1, 2,],}}', "invalid JSON", [("a", {"x": [1, 2]})], ""),
        ("{'name': 'a', 'parameters': {'x': 'it is'}}", "invalid JSON", [("a", {"x": "it is"})], ""),
        ('Sure.\n{"name": "a", "parameters": {"x": {"y": "z', "cut off", [("a", {"x": {"y": "z"}})], "Sure."),
        ('{"name": "now"}', 'only a "name"', [("now", {})], ""),
        ('{"type": "function", "name": "now"} ok', 'only a "name"', [("now", {})], "ok"),
    ],
)
def test_lenient_repairs_are_recorded(text: str, repair: str, calls: list, content: str) -> None:
    strict = fmt.parse(text)
    result = lenient.parse(text)
    assert (strict.calls, strict.content, strict.errors) != (result.calls, result.content, result.errors)
    assert not strict.repairs
    assert result.ok, result.errors
    assert [(c.name, c.arguments) for c in result.calls] == calls
    assert result.content == content
    assert any(repair in r.message for r in result.repairs), result.repairs


def test_strict_keeps_a_fence_as_content() -> None:
    result = fmt.parse('```json\n{"name": "a", "parameters": {}}\n```')
    assert result.ok and result.calls[0].name == "a" and result.content == "```json\n```"


def test_a_fence_that_opens_mid_line_is_not_removed() -> None:
    text = 'x ```json\n{"name": "a", "parameters": {}}'
    for chunks in ([text], list(text)):
        parser = lenient.stream()
        for chunk in chunks:
            parser.feed(chunk)
        parser.finish()
        assert parser.result().content == "x ```json" and not parser.result().repairs


def test_streaming_announces_early_and_finishes_on_the_closing_brace() -> None:
    text = '{"name": "get_weather", "parameters": {"city": "Paris", "days": [1, 2]}}\nAfter.'
    parser = fmt.stream()
    seen = [(ev, i) for i, ch in enumerate(text) for ev in parser.feed(ch)] + [
        (ev, -1) for ev in parser.finish()
    ]
    kinds = [ev.kind for ev, _ in seen]
    assert kinds[0] == "call_started" and seen[0][1] == text.index('er"') + 2  # the name's closing quote
    finished = next(i for ev, i in seen if ev.kind == "call_finished")
    assert finished == text.index("}}") + 1  # on the last brace: not at the newline, not at finish()
    assert (
        "".join(ev.text for ev, _ in seen if ev.kind == "arguments_delta")
        == '{"city": "Paris", "days": [1, 2]}'
    )
    assert "".join(ev.text for ev, _ in seen if ev.kind == "content") == "After."


def test_deltas_join_to_the_arguments_and_decode() -> None:
    text = '{"parameters": {"a": "]}", "b": [1, {"c": null}]}, "name": "f"}'
    parser = fmt.stream()
    events = [ev for ch in text for ev in parser.feed(ch)] + parser.finish()
    assert events[0].kind == "call_started"
    raw = "".join(e.text for e in events if e.kind == "arguments_delta")
    assert raw == '{"a": "]}", "b": [1, {"c": null}]}'
    assert fmt.decode_arguments(raw) == events[-1].call.arguments == {"a": "]}", "b": [1, {"c": None}]}


def test_lenient_decode_arguments_mends_what_it_streamed() -> None:
    assert lenient.decode_arguments("{'a': 1,}") == {"a": 1}
    with pytest.raises(ValueError):
        fmt.decode_arguments("{'a': 1,}")


def test_one_megabyte_parses() -> None:
    big = ToolCall(
        name="write", arguments={"text": 'x; {"name": "y"} <|python_tag|> ' * 30000, "n": list(range(2000))}
    )
    many = "\n".join(fmt.render_calls([ToolCall(name=f"f{i}", arguments={"i": i})]) for i in range(5000))
    text = fmt.render_calls([big]) + "\n" + many
    assert len(text) > 1_000_000
    result = fmt.parse(text)
    assert result.ok and len(result.calls) == 5001
    assert result.calls[0].arguments == big.arguments and result.calls[-1].arguments == {"i": 4999}


_STRINGS = strings_with(
    ['{"name": "', '"parameters": {', "<|python_tag|>", ";", "<|eom_id|>", "```", "}", "{", "\n"]
)


@settings(max_examples=150, deadline=None)
@given(
    calls=tool_calls(TOOL_NAMES, _STRINGS, json_values(_STRINGS)),
    content=st.text(max_size=20).map(str.strip).filter(lambda s: "{" not in s and "<|" not in s),
)
def test_round_trip_property(calls: list[ToolCall], content: str) -> None:
    assert_round_trip((fmt, lenient), fmt.render_assistant(content, calls), calls, content)
