"""The vLLM-independent core of the vLLM plugin: model text → OpenAI tool calls and stream deltas."""

import json
import random

import pytest

from toolschool.formats import format_names, get_format
from toolschool.integrations.tool_calls import ToolCallStream, extract_tool_calls
from toolschool.types import ToolCall

CALLS = [
    ToolCall(name="get_weather", arguments={"city": "São Paulo", "unit": "celsius"}),
    ToolCall(name="search", arguments={"query": 'tea "green" </tool_call> ]', "count": 3, "tags": ["a"]}),
]


def answer(name):
    fmt = get_format(name)
    return fmt.render_assistant("Let me check.", CALLS)


def chunkings(text):
    rng = random.Random(7)
    cuts = [sorted(rng.sample(range(1, len(text)), 6)) for _ in range(3)]
    pieces = [[text[a:b] for a, b in zip([0, *c], [*c, len(text)])] for c in cuts]
    return [[text], list(text), *pieces]


def collect(stream, chunks):
    deltas = [stream.feed(c) for c in chunks] + [stream.finish()]
    return [d for d in deltas if d is not None]


@pytest.mark.parametrize("name", format_names())
def test_a_whole_answer_gives_the_calls_the_format_parses(name):
    fmt = get_format(name)
    text = answer(name)
    parsed = fmt.parse(text)
    out = extract_tool_calls(fmt, text)
    assert out.tools_called and not out.errors
    assert [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in out.tool_calls] == [
        (c.name, c.arguments) for c in parsed.calls
    ] == [(c.name, c.arguments) for c in CALLS]
    assert all(c["type"] == "function" and c["id"] for c in out.tool_calls)
    assert len({c["id"] for c in out.tool_calls}) == 2
    assert out.content == (parsed.content if parsed.content.strip() else None)


@pytest.mark.parametrize("name", format_names())
def test_streaming_sends_each_call_once_whole_and_agrees_with_the_whole_answer(name):
    fmt = get_format(name, lenient=True)
    text = answer(name)
    whole = extract_tool_calls(fmt, text)
    for chunks in chunkings(text):
        deltas = collect(ToolCallStream(fmt), chunks)
        content = "".join(d["content"] or "" for d in deltas)
        calls = [c for d in deltas for c in d["tool_calls"]]
        assert [c["index"] for c in calls] == [0, 1]
        assert [c["function"] for c in calls] == [c["function"] for c in whole.tool_calls]
        assert all(c["type"] == "function" for c in calls) and len({c["id"] for c in calls}) == 2
        assert content == fmt.parse(text).content


def test_content_before_a_call_streams_before_the_call_is_done():
    stream = ToolCallStream(get_format("tool_use"))
    assert stream.feed("Sure, checking.\nTOOL_") == {"content": "Sure, checking.", "tool_calls": []}
    assert stream.feed('USE[get_weather:{"city": "Os') is None  # the call is not finished
    delta = stream.feed('lo"}]')
    assert delta["tool_calls"][0]["function"] == {"name": "get_weather", "arguments": '{"city": "Oslo"}'}
    assert stream.calls == [{"name": "get_weather", "arguments": '{"city": "Oslo"}'}]
    assert stream.finish() is None and stream.feed("more") is None


def test_output_without_a_call_that_parses_is_kept_as_content():
    text = 'I will call it: TOOL_USE[get_weather:{"city": Oslo}]'
    out = extract_tool_calls(get_format("tool_use"), text)
    assert (out.tools_called, out.tool_calls, out.content) == (False, [], text)
    assert out.errors and "at char" in out.errors[0]
    plain = extract_tool_calls(get_format("hermes"), "Just text.")
    assert (plain.tools_called, plain.content, plain.errors) == (False, "Just text.", [])


def test_lenient_repairs_apply_when_the_stream_is_finished():
    text = '<tool_call>\n{"name": "now", "arguments": {}}'  # the closing tag never came
    assert not extract_tool_calls(get_format("hermes"), text).tools_called
    assert extract_tool_calls(get_format("hermes", lenient=True), text).tools_called
    stream = ToolCallStream(get_format("hermes", lenient=True))
    assert stream.feed(text) is None
    assert stream.finish()["tool_calls"][0]["function"] == {"name": "now", "arguments": "{}"}


def test_a_call_id_the_format_carries_is_kept():
    text = '[TOOL_CALLS][{"name": "now", "arguments": {}, "id": "abcDEF123"}]'
    out = extract_tool_calls(get_format("mistral"), text)
    assert out.tool_calls[0]["id"] == "abcDEF123"
