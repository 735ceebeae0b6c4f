"""Conformance suite shared by every wire format.

For each format and each text (content only, one call, parallel calls, content + call,
tricky strings, unicode, malformed and truncated output):

* streaming in chunks of 1, 2, 3 and 7 characters, and in two chunks cut at every
  position, gives exactly what ``parse`` gives (calls, content, errors, attempted);
* the event sequence, with adjacent content and adjacent argument deltas merged, does not
  depend on the chunking;
* stream invariants hold: each call is announced once, indices start at 0 and only grow,
  deltas and ``call_finished`` belong to the open call, no content while a call is open,
  and the argument deltas of a finished call join to its raw arguments.

The suite runs over the format registry itself (``format_names()``): a newly registered
format is tested at once, and fails until it has its rows here — ``MALFORMED``,
``IRREGULAR`` with ``IRREGULAR_CALLS``, ``LENIENT`` (an empty list for a format that parses
strictly either way), ``_FRAGMENTS`` and ``CALL_OPENERS``
(``test_every_registered_format_has_every_conformance_row``).

How fast parsing is lives in ``benchmarks/bench_formats.py`` (wall time, with a threshold on
its growth); here, a deterministic count of the parser's function calls must grow linearly.
"""

from __future__ import annotations

import json
import sys

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from toolschool.formats import ParseResult, StreamEvent, ToolFormat, format_names, get_format
from toolschool.formats.delimited import DelimitedStreamParser
from toolschool.types import ToolCall

#: every registered format: the suite is parametrized over the registry, not a hand-kept list
FORMAT_NAMES = format_names()

WEATHER = ToolCall(name="get_weather", arguments={"city": "Paris", "days": 3, "metric": True})
SEARCH = ToolCall(
    name="web_search", arguments={"query": "tool calling", "limit": 2.5, "filters": {"lang": ["en", "fr"]}}
)
NOARGS = ToolCall(name="now", arguments={})
TRICKY = ToolCall(
    name="echo",
    arguments={
        "text": 'brackets ] } [ { and < > </tool_call> <tool_call|> TOOL_USE[x:{}] "quoted" \\ ,:',
        "nested": {"list": [1, None, False, {"deep": "]"}]},
    },
)
UNICODE = ToolCall(name="translate", arguments={"text": "Grüße, 世界 🌍 — ça va?", "to": "日本"})

#: hand-written bad outputs per format (each must parse without raising, with errors)
MALFORMED = {
    "pythonic": [
        '[get_weather("Paris")]',
        "[get_weather(city=Paris)]",
        '[get_weather(city="Paris"]\n[now()]',
        '[get_weather(city="Paris") now()]',
        '[get_weather(city="Pa\nris")]\nok',
        "[f(**opts)]",
        "[f(x=1, x=2)]",
        "[f(x=1),, g()]",
        "[f(x={1, 2}), g(y=1 2)]",
        'get_weather(city="Paris")',
        "Sure. [f(x=true)] and [g.(x=1)]",
    ],
    "openai": [
        '{"tool_calls": [{"function": {"arguments": "{}"}}]}',
        '{"name": "a", "arguments": [1]}',
        '{"name": "a", "arguments": "{\\"x\\": 1"}',
        '{"tool_calls": [{"type": "tool", "function": {"name": "a", "arguments": "{}"}}]}',
        '{"name": "a", "arguments": {"x": 1]}}\n{"name": "b", "arguments": {}}',
        '{"name": "a" "arguments": {}}',
        '{"tool_calls": "a"}',
        '{"name": "a", "arguments": {}, "extra": 1}',
        "{'name': 'a', 'arguments': {}}",
        '{"name": "a", "arguments": {"x": 1,}}',
        '[{"name": "a", "arguments": {}}, 5]',
        '{"name": "a", "arguments": {"x": "un\nterminated"}}',
    ],
    "hermes": [
        '<tool_call>\n{"name": "a", "arguments": {"x": 1}\n</tool_call>',
        '<tool_call>\n{"arguments": {}}\n</tool_call>',
        "<tool_call>\nget_weather(city='Paris')\n</tool_call>\nThen text.",
        '<tool_call>\n{"name": "a", "arguments": {"x": "unterminated\n</tool_call>',
        '<tool_call>\n{"name": "a", "arguments": [1]}\n</tool_call>',
        '<tool_call>\n{"name": "a", "arguments": {}}}\n</tool_call>\n'
        '<tool_call>\n{"name": "b"}\n</tool_call>',
        '<tool_call>\n{"name": "a", "arguments": {"x": 1]}\n</tool_call>',
        '<tool_call>\n{"name": "a" "arguments": {}}\n</tool_call>',
        "<tool_call></tool_call>",
    ],
    "tool_use": [
        'TOOL_USE[get_weather:{"city": "Paris"]\nTOOL_USE[now:{}]',
        'TOOL_USE[get weather:{"city": "Paris"}]',
        'TOOL_USE[get_weather{"city": "Paris"}]',
        'TOOL_USE[get_weather:{"city": Paris}]',
        'TOOL_USE[get_weather:{"city": "Paris"}} trailing\nok',
        'TOOL_USE[get_weather:{"city": "Pa\nris"}]',
        "TOOL_USE[:{}]",
        'TOOL_USE[get_weather:["Paris"]]',
    ],
    "gemma4": [
        "<|tool_call>call:get_weather{city:Paris}<tool_call|>",
        '<|tool_call>call:get_weather{city:<|"|>Paris<|"|><tool_call|>After.',
        '<|tool_call>get_weather{city:<|"|>Paris<|"|>}<tool_call|>',
        '<|tool_call>call:get weather{city:<|"|>Paris<|"|>}<tool_call|>',
        '<|tool_call>call:get_weather{city:<|"|>Paris<|"|>]}<tool_call|><|tool_call>call:now{}<tool_call|>',
        '<|tool_call>call:get_weather{city:<|"|>Paris<|"|>} extra<tool_call|>',
        "<|tool_call>call:f{a:1,,b:2}<tool_call|>",
        '<|tool_call>call:f{a:<|"|>x}<tool_call|>',
    ],
    "functiongemma": [
        "<start_function_call>call:get_weather{city:Paris}<end_function_call>",
        "<start_function_call>call:get_weather{city:<escape>Paris<escape><end_function_call>After.",
        "<start_function_call>get_weather{city:<escape>Paris<escape>}<end_function_call>",
        "<start_function_call>call:get weather{city:<escape>Paris<escape>}<end_function_call>",
        "<start_function_call>call:f{a:<escape>x<escape>]}<end_function_call>"
        "<start_function_call>call:now{}<end_function_call>",
        "<start_function_call>call:f{a:1} extra<end_function_call>",
        "<start_function_call>call:f{a:1,,b:2}<end_function_call>",
        "<start_function_call>call:f{a:<escape>x}<end_function_call>",
        "<start_function_call>call:f{a:'x'}<end_function_call>",
        "<start_function_call>call:f{a:1,}<end_function_call>",
        "Sure.<start_function_call>call:f{a:1}",
    ],
    "block": [
        "<|tool_call|>\nTool: get weather\nArguments: {}\n<|end|>",
        '<|tool_call|>\nTool: get_weather\nArguments: {"city": Paris}\n<|end|>',
        '<|tool_call|>\nTool: get_weather\nArguments: {"city": "Paris"]\n<|end|>\n'
        "<|tool_call|>\nTool: now\nArguments: {}\n<|end|>",
        "<|tool_call|>\nName: get_weather\nArguments: {}\n<|end|>",
        '<|tool_call|>\nTool: get_weather\nArguments: ["Paris"]\n<|end|>',
        '<|tool_call|>\nTool: get_weather\nArguments: {"city": "Paris"} extra\n<|end|>After.',
        "<|tool_call|>\ntool: now\narguments: {}\n<|end|>",
        '<|tool_call|>\nTool: f\nArguments: {"a": 1,}\n<|end|>',
        "<|tool_call|>\nTool: f\nArguments: {'a': 1}\n<|end|>",
        "Sure.\n<|tool_call|>\nTool: now\nArguments: {}",
        "<|tool_call|>\nTool: now\n<|end|><|tool_call|><|tool_call|>\nTool: b\nArguments: {}\n<|end|>",
    ],
    "llama3_json": [
        '{"name": "a", "parameters": {"x": 1}\n',
        '{"name": "a", "parameters": [1]}',
        '{"name": 3, "parameters": {}}',
        '{"name": "a", "parameters": {"x": 1]}} after',
        '<|python_tag|>get_weather(city="Paris")\nThen text.',
        '{"name": "a", "parameters": {}, "arguments": {}}',
        '{"name": "a", "parameters": "not json"}',
        '{"name": "a", "parameters": {"x": "unterminated\n"}}\n{"name": "b", "parameters": {}}',
        '{"name": "a" "parameters": {}}',
        "<|python_tag|>",
        "{'name': 'a', 'parameters': {}}",
        '{"name": "a", "parameters": {}, "name": "b"}',
    ],
    "mistral": [
        '[TOOL_CALLS][{"name": "a", "arguments": {"x": 1}}',
        '[TOOL_CALLS][{"name": "a", "arguments": {"x": 1]}}]\n[TOOL_CALLS]b[ARGS]{}',
        '[TOOL_CALLS][{"arguments": {}}]',
        '[TOOL_CALLS][{"name": "a", "arguments": [1]}]',
        "[TOOL_CALLS][]",
        "[TOOL_CALLS] get_weather(city='Paris')\nThen text.",
        '[TOOL_CALLS]a[ARGS]["x"]',
        '[TOOL_CALLS]a{"x": 1}',
        '[TOOL_CALLS][{"name": "a", "arguments": {}} {"name": "b", "arguments": {}}]',
        '[TOOL_CALLS]{"name": "a", "arguments": {}}',
        "[TOOL_CALLS]",
        '[TOOL_CALLS]a[ARGS]{"x": "un\nterminated"}',
    ],
}


#: irregular outputs a format accepts (lenient cases), streamed like the rest
IRREGULAR = {
    "pythonic": [
        "[ mod.get_weather(city='Paris', days=+3, tags=('a', \"b\"),) ,\n  now( ) ]",
        '[f(text="""multi\nline "q" """, raw=r"\\d+", n=-1.5e3, k={"a": (None,)})]',
        'Text [1] first [f(x=[1, {"k": None}])] more [a](b)',
    ],
    "openai": [
        '{"role": "assistant", "content": "Checking.", "tool_calls": [{"id": "call_1", "type": "function",'
        ' "function": {"name": "a", "arguments": "{\\"x\\": [1, \\"]\\"]}"}}]}',
        '[{"function": {"name": "a", "arguments": {"x": 1}}}, {"name": "b", "parameters": {}}]\nDone.',
        '{"name": "a", "arguments": {"x": "}"}}\n{"id": "c", "type": "function", "function": {"name": "b"}}',
        '{"answer": 1} then [1] then {"name": "a", "arguments": null}',
    ],
    "hermes": [
        '<tool_call>{"arguments": "{\\"x\\": 1}", "name": "a"}</tool_call>',
        '<tool_call>\n{"name": "b", "parameters": {"x": 1}}\n</tool_call>',
    ],
    "tool_use": ['TOOL_USE[a: {"x": [1, "]"]} ]TOOL_USE[b:{\n}]'],
    "gemma4": [
        '<|tool_call>call:a{ x : <|"|>1<|"|> , y:None }<tool_call|><|tool_call>call:b{}',
        "Hm <|channel>thought\nnot <|tool_call>call:x{}<tool_call|> yet<channel|> "
        "<|tool_call>call:a{}<tool_call|><|channel>thought\ncut off <channel|",
    ],
    "functiongemma": [
        "<start_function_call>call:a{ x : <escape>1<escape> , y:None, <escape>k e<escape>:[ ] }"
        "<end_function_call>"
        "<start_function_call>call:b{}\n<end_function_call>"
    ],
    "block": [
        '<|tool_call|>Tool:a  \r\n\n  Arguments:\n{"x": [1, "<|end|>"]}  <|end|>'
        "<|tool_call|>\nTool: b\nArguments: {}\n<|end|>"
    ],
    "llama3_json": [
        '<|python_tag|>{"name": "a", "arguments": {"x": 1}}<|eom_id|>',
        '{"type": "function", "name": "a", "parameters": {"x": "}; {"}};\n{"parameters": {}, "name": "b"}',
        '{"name": "a", "parameters": "{\\"x\\": 1}"}\n\n{"name": "b", "parameters": null} ; ',
    ],
    "mistral": [
        '[TOOL_CALLS] [ {"id": "abc123XYZ", "arguments": "{\\"x\\": 1}", "name": "a"} ,{"name": "b"}]</s>',
        '[TOOL_CALLS]a[CALL_ID]abc123XYZ[ARGS] {"x": "[TOOL_CALLS]"}[TOOL_CALLS]b[ARGS]{}\nDone.',
        '[TOOL_CALLS][{"name": "a", "parameters": {"x": [1, "]"]}, "id": "x"}]',
    ],
}


#: the calls each ``IRREGULAR`` output holds, in order (as ``(name, arguments)``)
IRREGULAR_CALLS = {
    "pythonic": [
        [("mod.get_weather", {"city": "Paris", "days": 3, "tags": ["a", "b"]}), ("now", {})],
        [("f", {"text": 'multi\nline "q" ', "raw": "\\d+", "n": -1500.0, "k": {"a": [None]}})],
        [("f", {"x": [1, {"k": None}]})],
    ],
    "openai": [
        [("a", {"x": [1, "]"]})],
        [("a", {"x": 1}), ("b", {})],
        [("a", {"x": "}"}), ("b", {})],
        [("a", {})],
    ],
    "hermes": [[("a", {"x": 1})], [("b", {"x": 1})]],
    "tool_use": [[("a", {"x": [1, "]"]}), ("b", {})]],
    "gemma4": [[("a", {"x": "1", "y": None}), ("b", {})], [("a", {})]],  # a call inside a thought is no call
    "functiongemma": [[("a", {"x": "1", "y": None, "k e": []}), ("b", {})]],
    "block": [[("a", {"x": [1, "<|end|>"]}), ("b", {})]],
    "llama3_json": [[("a", {"x": 1})], [("a", {"x": "}; {"}), ("b", {})], [("a", {"x": 1}), ("b", {})]],
    "mistral": [
        [("a", {"x": 1}), ("b", {})],
        [("a", {"x": "[TOOL_CALLS]"}), ("b", {})],
        [("a", {"x": [1, "]"]})],
    ],
}


#: slips a strict parser reports and a lenient one repairs (recording a Repair); every
#: format should list the predictable slips of its models here
LENIENT = {
    "pythonic": [
        '[get_weather(city="Paris")',
        '```python\n[f(x=true, y=[null, false])]\n```\nDone.',
        'get_weather(city="Paris")',
        'Sure.\n```python\n[f(x=1),\n g(y="]")\n```',
    ],
    "openai": [
        '```json\n{"name": "a", "arguments": {"x": [1, 2,]}}\n```\nDone.',
        "{'name': 'a', 'arguments': {'x': 'it is'}} and then",
        'Sure.\n{"tool_calls": [{"function": {"name": "a", "arguments": {"x": {"y": 1',
        '{"tool_calls": [{"type": "function", "function": {"name": "a", "arguments": "{}"}, "extra": 1}]}',
    ],
    "hermes": [
        '<tool_call>\n{"name": "a"}\n<tool_call>\n{"name": "b", "parameters": {"x": 1}}',
        '<tool_call>\n```json\n{"name": "a", "arguments": {"x": [1, 2,]}}\n```\n</tool_call>',
        "<tool_call>\n{'name': 'a', 'arguments': {'x': 'it is'}}\n</tool_call> and then",
    ],
    "tool_use": [
        'Sure.\nTOOL_USE[a:{"x": 1}',
        "TOOL_USE[a:{'x': 'b]', 'y': [1,],}]\nAfter.",
        'TOOL_USE[a:{"x": 1}\nTOOL_USE[b:{}]',
    ],
    "functiongemma": [
        "<start_function_call>call:get_weather{city:'Paris',days:3}<end_function_call>",
        "<start_function_call>call:f{a:[1,2,],b:<escape>x<escape>,}<end_function_call> and then",
        "Sure.<start_function_call>call:f{a:<escape>x<escape>}",
    ],
    "block": [
        '<|tool_call|>\ntool: a\narguments: {"x": 1}\n<|end|>',
        "<|tool_call|>\nTool: a\nArguments: {'x': 'it is', 'y': [1,],}\n<|end|> then",
        'Sure.\n<|tool_call|>\nTool: a\nArguments: {"x": 1}',
    ],
    "llama3_json": [
        '```json\n{"name": "a", "parameters": {"x": [1, 2,]}}\n```\nDone.',
        "{'name': 'a', 'parameters': {'x': 'it is'}} and then",
        'Sure.\n{"name": "a", "parameters": {"x": {"y": "z',
        '{"name": "now"}',
    ],
    "mistral": [
        '[TOOL_CALLS][{"name": "a", "arguments": {"x": [1, 2,]}}]',
        "[TOOL_CALLS][{'name': 'a', 'arguments': {'x': 'it is'}}] and then",
        'Sure.\n[TOOL_CALLS][{"name": "a", "arguments": {"x": {"y": "z',
        '[TOOL_CALLS]{"name": "a", "arguments": {}}',
        '[TOOL_CALLS]a[ARGS]{"x": 1,}',
    ],
}


LENIENT["hermes_pro"] = LENIENT["hermes"]  # the hermes parser (see MALFORMED["hermes_pro"] below)
LENIENT["gemma4"] = []  # Gemma 4 parses strictly in lenient mode too (see its module docstring)


def texts_for(fmt: ToolFormat) -> list[str]:
    one = fmt.render_calls([WEATHER])
    three = fmt.render_calls([WEATHER, SEARCH, NOARGS])
    almost_marker = "x " + fmt.call_start[:-1] + " y " + fmt.call_start[:3]
    return [
        "",
        "Hello there, no tool is needed.\n",
        "Grüße 🌍 — unicode content\n\n  with spaces  ",
        almost_marker,
        one,
        three,
        fmt.render_assistant("Let me check the weather.", [WEATHER]),
        fmt.render_assistant("Two things:", [WEATHER, TRICKY]),
        fmt.render_calls([TRICKY]),
        fmt.render_calls([UNICODE]),
        one + "\nDone, it is sunny.",
        "Before.\n" + one + "\n\nAfter.",
        one[: len(one) // 2],
        one[:-1],
        three[: len(three) - 5],
        *MALFORMED[fmt.name],
        *IRREGULAR[fmt.name],
    ]


def chunkings(text: str) -> list[list[str]]:
    out = [[text[i : i + size] for i in range(0, len(text), size)] for size in (1, 2, 3, 7)]
    out += [[text[:cut], text[cut:]] for cut in range(len(text) + 1)]
    return out


def run(fmt: ToolFormat, chunks: list[str]) -> tuple[list[StreamEvent], ParseResult]:
    parser = fmt.stream()
    events: list[StreamEvent] = []
    for chunk in chunks:
        events += parser.feed(chunk)
    events += parser.finish()
    return events, parser.result()


def summary(result: ParseResult) -> tuple:
    calls = [(c.name, c.arguments) for c in result.calls]
    errors = [(e.message, e.offset) for e in result.errors]
    return calls, result.content, errors, result.attempted, result.reasoning


def merged(events: list[StreamEvent]) -> list[tuple]:
    """Events with adjacent content and adjacent deltas of one call merged."""
    out: list[tuple] = []
    for ev in events:
        same = bool(out) and out[-1][0] == ev.kind and out[-1][1] == ev.index
        if same and ev.kind in ("content", "arguments_delta"):
            out[-1] = (ev.kind, ev.index, out[-1][2] + ev.text)
        elif ev.kind in ("content", "arguments_delta"):
            out.append((ev.kind, ev.index, ev.text))
        elif ev.kind == "error":
            out.append((ev.kind, ev.index, ev.error.message, ev.error.offset))
        else:
            out.append((ev.kind, ev.index, ev.name, ev.call.arguments if ev.call else None))
    return out


def check_invariants(fmt: ToolFormat, events: list[StreamEvent]) -> None:
    started: list[str] = []
    open_index: int | None = None
    finished: set[int] = set()
    deltas: dict[int, str] = {}
    for ev in events:
        if ev.kind == "call_started":
            assert ev.index == len(started), "indices start at 0 and grow by one"
            assert ev.name
            started.append(ev.name)
            open_index = ev.index
        elif ev.kind == "arguments_delta":
            assert ev.index == open_index and ev.index not in finished
            assert ev.text
            deltas[ev.index] = deltas.get(ev.index, "") + ev.text
        elif ev.kind == "call_finished":
            assert ev.index == open_index and ev.index not in finished, "finished once, after its start"
            assert ev.call is not None and ev.call.name == started[ev.index] == ev.name
            finished.add(ev.index)
            open_index = None
            raw = deltas.get(ev.index, "")
            if raw and not fmt.lenient:  # a repaired call's raw deltas are the unrepaired text
                assert fmt.decode_arguments(raw) == ev.call.arguments
        elif ev.kind == "error":
            assert ev.error is not None and ev.error.offset >= 0
            open_index = None  # a call that errored is over
        else:
            assert ev.kind == "content" and ev.text
            assert open_index is None, "no content while a call is open"


def test_every_registered_format_has_every_conformance_row() -> None:
    registered = set(format_names())
    assert len(registered) >= 10
    for table in ("MALFORMED", "IRREGULAR", "IRREGULAR_CALLS", "LENIENT", "_FRAGMENTS", "CALL_OPENERS"):
        covered = set(globals()[table])
        assert covered == registered, (
            f"{table}: missing {sorted(registered - covered)}, unknown {sorted(covered - registered)}"
        )
    assert set(UNREPRESENTABLE) <= registered
    for name in registered:
        fmt = get_format(name)
        assert fmt.name == name and fmt.call_start
        assert MALFORMED[name] and IRREGULAR[name] and _FRAGMENTS[name] and CALL_OPENERS[name], name


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_streaming_equals_parse_for_every_chunking(name: str) -> None:
    fmt = get_format(name)
    for text in texts_for(fmt):
        whole_events, whole = run(fmt, [text])
        assert summary(fmt.parse(text)) == summary(whole)
        check_invariants(fmt, whole_events)
        reference = merged(whole_events)
        for chunks in chunkings(text):
            events, result = run(fmt, chunks)
            assert summary(result) == summary(whole), (text, chunks)
            assert merged(events) == reference, (text, chunks)
            check_invariants(fmt, events)


@pytest.mark.parametrize("name", FORMAT_NAMES)
@pytest.mark.parametrize(
    ("content", "calls"),
    [
        ("", [WEATHER]),
        ("Let me look that up.", [WEATHER]),
        ("", [WEATHER, SEARCH, NOARGS]),
        ("Three at once:", [TRICKY, UNICODE, NOARGS]),
        ("Just an answer, no tools.", []),
    ],
)
def test_render_parse_round_trip(name: str, content: str, calls: list[ToolCall]) -> None:
    fmt = get_format(name)
    result = fmt.parse(fmt.render_assistant(content, calls))
    assert result.ok, result.errors
    assert [(c.name, c.arguments) for c in result.calls] == [(c.name, c.arguments) for c in calls]
    assert result.content == content
    assert result.attempted == bool(calls)


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_call_finished_comes_before_later_content(name: str) -> None:
    fmt = get_format(name)
    text = "Before." + ("\n" if name != "gemma4" else "") + fmt.render_calls([WEATHER]) + "\nAfter."
    kinds = [(k, i) for k, i, *_ in merged(run(fmt, list(text))[0])]
    assert kinds == [
        ("content", -1),
        ("call_started", 0),
        ("arguments_delta", 0),
        ("call_finished", 0),
        ("content", -1),
    ]
    assert fmt.parse(text).content == "Before.\nAfter."


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_irregular_output_is_accepted(name: str) -> None:
    fmt = get_format(name)
    assert len(IRREGULAR_CALLS[name]) == len(IRREGULAR[name])
    for text, expected in zip(IRREGULAR[name], IRREGULAR_CALLS[name]):
        result = fmt.parse(text)
        assert result.ok, (text, result.errors)
        got = [(c.name, typed(c.arguments)) for c in result.calls]
        assert got == [(n, typed(a)) for n, a in expected], text


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_lenient_repairs_what_strict_reports_for_every_chunking(name: str) -> None:
    strict, lenient = get_format(name), get_format(name, lenient=True)
    if not LENIENT[name]:  # a format that parses strictly either way: lenient repairs nothing
        for text in MALFORMED[name]:
            result = lenient.parse(text)
            assert summary(result) == summary(strict.parse(text)) and not result.repairs, text
    for text in LENIENT[name]:
        assert strict.parse(text).errors, text
        whole = lenient.parse(text)
        assert whole.ok and whole.calls and whole.repairs, (text, whole.errors)
        for chunks in chunkings(text):
            events, result = run(lenient, chunks)
            assert summary(result) == summary(whole) and result.repairs == whole.repairs, (text, chunks)


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_lenient_mode_changes_nothing_on_well_formed_output(name: str) -> None:
    strict, lenient = get_format(name), get_format(name, lenient=True)
    for calls in ([WEATHER], [WEATHER, SEARCH, NOARGS], [TRICKY, UNICODE]):
        text = strict.render_assistant("Sure.", calls)
        a, b = strict.parse(text), lenient.parse(text)
        assert summary(a) == summary(b) and not b.repairs


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_malformed_output_is_data(name: str) -> None:
    fmt = get_format(name)
    for text in MALFORMED[name]:
        result = fmt.parse(text)
        assert result.errors, text
        assert result.attempted
        for error in result.errors:
            assert 0 <= error.offset <= len(text)
            assert error.snippet == "" or error.snippet in text
            assert str(error).startswith(f"at char {error.offset}: ")


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_call_is_announced_before_it_is_complete(name: str) -> None:
    fmt = get_format(name)
    text = fmt.render_calls([SEARCH])
    parser = fmt.stream()
    for i, ch in enumerate(text):
        if any(ev.kind == "call_started" for ev in parser.feed(ch)):
            break
    else:
        pytest.fail("never announced")
    assert i < len(text) - 10  # well before the closing marker
    assert text[: i + 1].count("web_search") == 1


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_feed_after_finish_is_misuse(name: str) -> None:
    parser = get_format(name).stream()
    parser.finish()
    with pytest.raises(RuntimeError):
        parser.feed("x")


_FRAGMENTS = {
    "pythonic": [
        "[", "f(", "m.g(", "x=", '"a]"', "'b)'", '"""', ")", "]", ",", "True", "None", "```python\n", "```", "*",
    ],
    "openai": [
        '{"tool_calls": [',
        '{"name": "f"',
        '"arguments": ',
        '"{\\"x\\": 1}"',
        '{"function": {',
        '"id": "c"',
        '"content": "x"',
        "```json\n",
        "```",
        "'",
    ],
    "hermes": ["<tool_call>", "</tool_call>", '{"name": "f"', '"arguments": {', '"x": "]<"'],
    "tool_use": ["TOOL_USE[", "f:", '{"x": "]"', "]", "TOOL_RESULT["],
    "gemma4": [
        "<|tool_call>", "call:f", '<|"|>', "<tool_call|>", "<|", "a:1", "<|channel>", "thought\n",
        "<channel|>",
    ],
    "functiongemma": ["<start_function_call>", "call:f", "<escape>", "<end_function_call>", "<start_", "'"],
    "block": ["<|tool_call|>", "Tool: f\n", "Arguments: ", '{"x": "<|end|>"', "<|end|>", "<|", "tool:", "'"],
    "llama3_json": ['{"name": "f"', '"parameters": {', "<|python_tag|>", ";", "<|eom_id|>", "```json\n", "```", "'"],
    "mistral": ["[TOOL_CALLS]", "[ARGS]", "[CALL_ID]", '{"name": "f"', '"arguments": {', '"id": "x"', "f", "'", "[TOOL_"],
}
# hermes_pro: the hermes calls and parser (only declarations and the result role differ)
MALFORMED["hermes_pro"] = MALFORMED["hermes"]
IRREGULAR["hermes_pro"] = IRREGULAR["hermes"]
IRREGULAR_CALLS["hermes_pro"] = IRREGULAR_CALLS["hermes"]
_FRAGMENTS["hermes_pro"] = _FRAGMENTS["hermes"]
_COMMON = ["{", "}", "[", "]", ",", ":", '"', "\n", " ", "\\", "<", "x", "é", "12", "true", "null"]


@pytest.mark.parametrize("lenient", [False, True], ids=["strict", "lenient"])
@pytest.mark.parametrize("name", FORMAT_NAMES)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_fuzz_never_raises_and_chunking_never_matters(name: str, lenient: bool, data: st.DataObject) -> None:
    fmt = get_format(name, lenient=lenient)
    pieces = data.draw(st.lists(st.sampled_from(_FRAGMENTS[name] + _COMMON), max_size=30))
    text = "".join(pieces)
    whole_events, whole = run(fmt, [text])
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=6)))
    chunks = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]
    events, result = run(fmt, chunks)
    assert summary(result) == summary(whole)
    assert merged(events) == merged(whole_events)
    check_invariants(fmt, events)


# -- cross-format round trip: every delimiter of every format inside the arguments --------------

#: every marker, quote and separator any format gives meaning to (argument strings draw from these)
DELIMITERS = [
    "TOOL_USE[", "TOOL_RESULT[", "[", "]", "<tool_call>", "</tool_call>", "<tool_response>",
    "<|tool_call>", "<tool_call|>", '<|"|>', "call:", "<|tool_response>", "<|channel>", "<channel|>",
    "<escape>", "<start_function_call>", "<end_function_call>", "<start_function_response>",
    "<|tool_call|>", "<|tool_result|>", "<|end|>", "Tool:", "Arguments:", "[TOOL_CALLS]", "[ARGS]",
    "[CALL_ID]", "[TOOL_RESULTS]", "<|python_tag|>", "<|eom_id|>", "<|eot_id|>", '{"name": "',
    '{"tool_calls": [', '"arguments": ', "f(x=1)", '"', "'", '"""', "\\", "\\n", "\\u00e9", "{", "}",
    "(", ")", "\n", "\r\n", "\t", ";", ",", ":", "=", "```", "```json\n", " ",
]
#: what a format cannot carry inside a string, and why (each also in the format's docstring)
UNREPRESENTABLE = {
    "gemma4": ['<|"|>'],  # strings are raw between <|"|> delimiters: one inside would end the string
    "functiongemma": ["<escape>"],  # the same, with <escape> as the delimiter
}
#: what starts a call (or a reasoning block) in a format, so plain content cannot hold it
CALL_OPENERS = {
    "tool_use": ["TOOL_USE["],
    "block": ["<|tool_call|>"],
    "gemma4": ["<|tool_call>", "<|channel>", "<channel|>"],  # render_assistant drops thought markers
    "functiongemma": ["<start_function_call>"],
    "hermes": ["<tool_call>"],
    "hermes_pro": ["<tool_call>"],
    "llama3_json": ["{", "<|python_tag|>"],  # any object may be a call (no marker)
    "mistral": ["[TOOL_CALLS]"],
    "openai": ["{", "["],  # any object or list may be a call shape
    "pythonic": ["["],  # a list may start at any '['
}
_WORDS = ["Sure", "the", "weather", "é", "世界", "🌍", "42", "-", ".", "!", "?", "\n", " "]
# keys are identifiers: pythonic keyword arguments and Gemma's unquoted keys need them
_KEY = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
_TOOL_NAME = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,20}", fullmatch=True)
_TEXT = st.lists(st.sampled_from(DELIMITERS) | st.text(max_size=4), max_size=8).map("".join)
_ARGUMENT = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEY, inner, max_size=3),
    max_leaves=10,
)
_CALLS = st.lists(
    st.builds(ToolCall, name=_TOOL_NAME, arguments=st.dictionaries(_KEY, _ARGUMENT, max_size=4)),
    min_size=1,
    max_size=3,
)
_CONTENT = st.lists(st.sampled_from(_WORDS + DELIMITERS), max_size=10).map(lambda ps: "".join(ps).strip())


def typed(value: object) -> object:
    """``value`` with each leaf's type beside it, so ``True`` ≠ ``1`` ≠ ``1.0`` when compared."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return (type(value).__name__, value)


def strings_in(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_in(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return [value] if isinstance(value, str) else []


@pytest.mark.parametrize("lenient", [False, True], ids=["strict", "lenient"])
@pytest.mark.parametrize("name", FORMAT_NAMES)
@settings(max_examples=100, deadline=None)
@given(calls=_CALLS, content=_CONTENT, data=st.data())
def test_round_trip_with_every_delimiter_in_the_arguments(
    name: str, lenient: bool, calls: list[ToolCall], content: str, data: st.DataObject
) -> None:
    unrepresentable = UNREPRESENTABLE.get(name, [])
    for call in calls:
        for text in strings_in(call.arguments):
            assume(not any(bad in text for bad in unrepresentable))
    assume(not any(opener in content for opener in CALL_OPENERS[name]))
    assume(not (lenient and "```" in content))  # a fence line before a call is what lenient removes
    fmt = get_format(name, lenient=lenient)
    text = fmt.render_assistant(content, calls)
    expected = ([(c.name, typed(c.arguments)) for c in calls], content)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=8)))
    chunks = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]
    for result in (fmt.parse(text), run(fmt, chunks)[1]):
        assert not result.errors and not result.repairs, (text, result.errors, result.repairs)
        assert ([(c.name, typed(c.arguments)) for c in result.calls], result.content) == expected, text


# -- parsing is linear in the length of the output ------------------------------------------------


def delimiter_text(name: str, size: int) -> str:
    # ASCII: one byte a character, less memory traffic and steadier timings
    unit = "".join(d for d in DELIMITERS if d not in UNREPRESENTABLE.get(name, []) and d.isascii())
    return ((unit + " plain words ") * (size // len(unit) + 1))[:size]


#: the long outputs parsing must handle in linear time (also used by benchmarks/bench_formats.py)
LONG_SHAPES = ("one_long_call", "many_calls", "long_content", "long_json_content")


def long_output(name: str, shape: str, size: int) -> tuple[str, int, str]:
    """An output of about ``size`` characters: its text, how many calls it holds, its content."""
    fmt = get_format(name)
    small = ToolCall(
        name="get_weather", arguments={"city": delimiter_text(name, 120), "days": [1, 2.5, None]}
    )
    if shape == "one_long_call":
        call = ToolCall(name="echo", arguments={"text": delimiter_text(name, size), "n": 1})
        return fmt.render_assistant("Sure.", [call]), 1, "Sure."
    if shape == "many_calls":
        count = size // len(fmt.render_calls([small]))
        return fmt.render_assistant("Sure.", [small] * count), count, "Sure."
    if shape == "long_json_content":  # JSON that is no call: the formats without a marker hold it back
        held = name in ("openai", "llama3_json")  # (in the others, markers in it would be calls)
        words = delimiter_text(name, size) if held else "plain words " * (size // 12)
        content = json.dumps({"answer": words})
        return fmt.render_assistant(content, [small]), 1, content
    partial = fmt.call_start[:-1]  # text that might begin a call until the next character
    if any(opener in partial for opener in CALL_OPENERS[name]):
        partial = ""
    unit = f'Sure: {{x}} [1] (a) "q" 1, 2; {partial} e\n'
    content = (unit * (size // len(unit))).strip()
    return fmt.render_assistant(content, [small]), 1, content


def parse_in_small_pieces(fmt: ToolFormat, text: str) -> ParseResult:
    """``fmt.parse(text)``, with the delimited skeleton cutting the text in 512-character pieces
    (not 4096): a cost per piece that grows with the text (a buffer copied whole each time)
    then shows at 1 MB already."""
    parser = fmt.stream()
    if isinstance(parser, DelimitedStreamParser):
        parser.piece_size = 512
    parser.feed(text)
    parser.finish()
    return parser.result()


def count_calls(function, *args) -> int:
    """How many Python and C function calls ``function(*args)`` makes (deterministic)."""
    calls = 0

    def profile(_frame, event, _arg):
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        function(*args)
    finally:
        sys.setprofile(previous)
    return calls


@pytest.mark.parametrize("shape", LONG_SHAPES)
@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_a_megabyte_output_parses_completely(name: str, shape: str) -> None:
    fmt = get_format(name)
    text, count, content = long_output(name, shape, 1_000_000)
    result = parse_in_small_pieces(fmt, text)
    assert result.ok and len(result.calls) == count and result.content == content
    assert summary(result) == summary(fmt.parse(text))


@pytest.mark.parametrize("shape", LONG_SHAPES)
@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_parse_work_grows_linearly_with_the_output(name: str, shape: str) -> None:
    """4x the text makes the parser call its functions about 4x as often (measured 1.1-4.0x;
    a parser that re-scans what it has already seen, e.g. re-parsing the buffer on every
    piece, makes ~16x). Counted, not timed: wall-time growth (which also sees a buffer
    copied whole in C) is checked by ``benchmarks/bench_formats.py``."""
    fmt = get_format(name)
    work = []
    for size in (50_000, 200_000):
        text, count, content = long_output(name, shape, size)
        work.append(count_calls(parse_in_small_pieces, fmt, text))
        assert len(fmt.parse(text).calls) == count
    assert work[1] / work[0] < 6, f"50 kB: {work[0]} calls, 200 kB: {work[1]} calls"


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_may_call_holds_on_every_prefix_of_a_call_and_not_on_prose(name):
    """The call window (decoders stop answers for which ``may_call`` is False) never cuts a
    call: every non-empty prefix of a rendered call, also after some prose, may call."""
    fmt = get_format(name)
    for lead in ("", "Let me check. "):
        text = lead + fmt.render_calls([WEATHER, SEARCH])
        start = len(lead) + 1
        failing = [k for k in range(start, len(text) + 1) if not fmt.may_call(text[:k])]
        assert not failing, f"{name}: may_call False on prefix {text[:failing[0]]!r}"
    for prose in ("Sure! The capital of France is Paris.", "Hello, how can I help you today?"):
        assert not fmt.may_call(prose), f"{name}: prose {prose!r} counted as a call"
