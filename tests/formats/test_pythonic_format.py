"""Pythonic format: rendering as vLLM's Llama 3.2 pythonic template, parsing, strict vs lenient."""

from __future__ import annotations

import itertools
import json
import keyword

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolschool.formats.pythonic import (
    INSTRUCTIONS,
    PythonicFormat,
    PythonicSyntaxError,
    parse_arguments,
    render_value,
)
from toolschool.types import ToolCall, ToolResult, ToolSchema

fmt = PythonicFormat()
lenient = PythonicFormat(lenient=True)

NOW = ToolSchema.model_validate(
    {"type": "function", "function": {"name": "now", "description": "Current time."}}
)
WEATHER = ToolSchema.model_validate(
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather in °C.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
)


def calls_of(result) -> list[tuple[str, dict]]:
    return [(c.name, c.arguments) for c in result.calls]


def events_of(text: str, chunks: list[str] | None = None, fmt_=fmt):
    parser = fmt_.stream()
    events = [ev for chunk in (chunks if chunks is not None else [text]) for ev in parser.feed(chunk)]
    return events + parser.finish(), parser.result()


# -- rendering ----------------------------------------------------------------------------------


def test_system_prompt_is_the_llama32_pythonic_template_text() -> None:
    # tool_chat_template_llama3.2_pythonic.jinja: instruction, tojson(indent=4) + "\n\n" per tool,
    # then the trimmed system message
    expected = (
        "You have access to the following functions. To call functions, please respond with a python list "
        "of the calls. Respond in the format [func_name1(params_name1=params_value1, "
        "params_name2=params_value2...), func_name2(params)] Do not use variables.\n\n"
        "{\n"
        '    "type": "function",\n'
        '    "function": {\n'
        '        "name": "now",\n'
        '        "description": "Current time.",\n'
        '        "parameters": {\n'
        '            "type": "object",\n'
        '            "properties": {}\n'
        "        }\n"
        "    }\n"
        "}\n\n"
        "Be brief."
    )
    assert fmt.render_system([NOW], "  Be brief.\n") == expected
    assert fmt.render_system([], "  Be brief.\n") == "  Be brief.\n"
    two = fmt.render_system([NOW, WEATHER], "S")
    assert two.startswith(INSTRUCTIONS) and two.endswith("}\n\nS")
    assert '"description": "Weather in °C."' in two  # ensure_ascii=False, like transformers' tojson
    assert fmt.render_tools([NOW, WEATHER]).count("\n}\n\n{\n") == 1


def test_calls_and_results_render_exactly() -> None:
    calls = [
        ToolCall(name="get_weather", arguments={"city": "São Paulo", "days": 3, "metric": True, "x": None}),
        ToolCall(name="now", arguments={}),
        ToolCall(name="math.add", arguments={"a": -1.5, "b": [1, {"k": "v"}]}),
    ]
    assert fmt.render_calls(calls) == (
        '[get_weather(city="São Paulo", days=3, metric=True, x=None), now(), math.add(a=-1.5, b=[1, {"k": "v"}])]'
    )
    assert fmt.render_assistant("Checking.", calls[1:2]) == "Checking.\n[now()]"
    results = [
        ToolResult(name="get_weather", content='{"temp": 21}'),
        ToolResult(name="now", content="10:00"),
    ]
    assert fmt.render_results(results) == (
        '{"name": "get_weather", "output": "{\\"temp\\": 21}"}\n{"name": "now", "output": "10:00"}'
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "None"),
        (False, "False"),
        (7, "7"),
        (2.5, "2.5"),
        (1e-07, "1e-07"),
        (float("inf"), "1e999"),
        (float("-inf"), "-1e999"),
        ('say "hi" \\ [x] (y)\n', '"say \\"hi\\" \\\\ [x] (y)\\n"'),
        ("\ud800", '"\\ud800"'),
        ((1, "a"), '[1, "a"]'),
        ({"a": {"b": []}}, '{"a": {"b": []}}'),
    ],
)
def test_values_are_python_literals(value: object, text: str) -> None:
    assert render_value(value) == text


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (ToolCall(name="get weather", arguments={}), ValueError),
        (ToolCall(name="f", arguments={"not-an-identifier": 1}), ValueError),
        (ToolCall(name="f", arguments={"x": float("nan")}), ValueError),
        (ToolCall(name="f", arguments={"x": {1: 2}}), TypeError),
        (ToolCall(name="f", arguments={"x": {1, 2}}), TypeError),
    ],
)
def test_unrepresentable_calls_raise(call: ToolCall, error: type[Exception]) -> None:
    with pytest.raises(error):
        fmt.render_calls([call])


# -- parsing --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "calls", "content"),
    [
        ('[get_weather(city="Paris")]', [("get_weather", {"city": "Paris"})], ""),
        (
            'Let me check.\n[get_weather(city="Paris"), now()]\nBack soon.',
            [("get_weather", {"city": "Paris"}), ("now", {})],
            "Let me check.\nBack soon.",
        ),
        (
            '[ mod.sub.fn(a=\'x"y\', b=(1, 2.5), c="""tri"ple\nline""", d=-3, e=r"\\d+", f="a" \'b\') ]',
            [
                (
                    "mod.sub.fn",
                    {"a": 'x"y', "b": [1, 2.5], "c": 'tri"ple\nline', "d": -3, "e": "\\d+", "f": "ab"},
                )
            ],
            "",
        ),
        ("[f(x={'k': [None, True, {}]}, y=+1e3,)]", [("f", {"x": {"k": [None, True, {}]}, "y": 1000.0})], ""),
        ("[\n  f(x=1),\n  g(y='\\u00e9\\n'),\n]", [("f", {"x": 1}), ("g", {"y": "é\n"})], ""),
        (
            "[translate(from='en', to='fr', class=None)]",
            [("translate", {"from": "en", "to": "fr", "class": None})],
            "",
        ),
        ("[get-weather(city='Paris')]", [("get-weather", {"city": "Paris"})], ""),
        ("See [1], [the docs](url) and [note (x)].", [], "See [1], [the docs](url) and [note (x)]."),
        ("print(x) is how you print", [], "print(x) is how you print"),
        ('[f(s="]) [g(")] then [g()]', [("f", {"s": "]) [g("}), ("g", {})], "then"),
    ],
)
def test_parse(text: str, calls: list, content: str) -> None:
    for f in (fmt, lenient):
        result = f.parse(text)
        assert result.ok, result.errors
        assert calls_of(result) == calls
        assert result.content == content
        assert result.attempted == bool(calls)
        assert not result.repairs


@pytest.mark.parametrize(
    ("text", "message", "at"),
    [
        ('[get_weather("Paris")]', "positional argument", '"Paris"'),
        ("[f(x=1, *rest)]", "'*' unpacking", "*rest"),
        ("[f(**opts)]", "'**' unpacking", "**opts"),
        ("[f(x=Paris)]", "the name 'Paris' is not a literal", "Paris"),
        ("[f(x=open('a'))]", "Call is not a literal", "open("),
        ("[f(x=1 + 2)]", "BinOp is not a literal", "1 + 2"),
        ("[f(x={1, 2})]", "Set is not a literal", "{1, 2}"),
        ("[f(x=b'raw')]", "bytes values are not supported", "b'raw'"),
        ("[f(x=1j)]", "complex values are not supported", "1j"),
        ("[f(x={1: 'a'})]", "dict keys must be strings", "1: "),
        ("[f(x={**d})]", "'**' unpacking", "d}"),
        ("[f(x=1, x=2)]", "argument 'x' given twice", "x=2"),
        ("[f(x=)]", "missing value for 'x'", ")]"),
        ("[f(x=1,, y=2)]", "unexpected ','", ", y=2"),
        ("[f(x=1 2)]", "invalid syntax. Perhaps you forgot a comma?", "1 2)]"),
        ("[f(x=true)]", "'true' is not a Python literal; write True", "true"),
        ("[f(x='é', y=z)]", "the name 'z'", "z)]"),
        ("[f(x=1) g()]", "expected ',' or ']'", "g()]"),
        ("[f(x=[1)]", "unexpected ')' (expected ']')", ")]"),
        ('[f(x="ab\ncd")]', "unterminated string literal", '"ab'),
        ("[f(x=1), g h()]", "in a tool name", " h()]"),
        ("[f(x=1), 3]", "expected a tool name", "3]"),
        ("[f(x=1), a.-b()]", "unexpected '-' in a tool name", "-b()]"),
    ],
)
def test_errors_say_what_and_where(text: str, message: str, at: str) -> None:
    result = fmt.parse("Sure. " + text)
    assert result.attempted and len(result.errors) == 1, result.errors
    (error,) = result.errors
    assert message in error.message
    assert ("Sure. " + text)[error.offset :].startswith(at), (error, at)
    assert error.snippet and ("Sure. " + text).find(error.snippet) == error.offset


def test_a_bad_call_does_not_hide_the_next_one_in_the_list() -> None:
    result = fmt.parse("[a(x=y), b(x=1)]")
    assert calls_of(result) == [("b", {"x": 1})] and len(result.errors) == 1
    events, _ = events_of("[a(x=y), b(x=1)]")
    assert [(e.kind, e.index) for e in events if e.kind != "arguments_delta"] == [
        ("call_started", 0),
        ("error", 0),
        ("call_started", 1),
        ("call_finished", 1),
    ]


def test_a_broken_list_drops_the_rest_of_its_line() -> None:
    result = fmt.parse("[f(x=[1)] g(y=2)]\nNext line.")
    assert not result.calls and len(result.errors) == 1 and result.content == "Next line."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[get_weather(city='Par", "output ended inside a call"),
        ("[get_weather(", "output ended inside a call"),
        ("[get_weather(city='Paris'), now(", "output ended inside a call"),
    ],
)
def test_truncated_output_is_an_error_in_both_modes(text: str, message: str) -> None:
    for f in (fmt, lenient):
        result = f.parse(text)
        assert result.errors[-1].message == message


# -- strict versus lenient --------------------------------------------------------------------------


def test_missing_final_bracket() -> None:
    text = '[get_weather(city="Paris"), now()'
    strict = fmt.parse(text)
    assert calls_of(strict) == [("get_weather", {"city": "Paris"}), ("now", {})]  # finished as they closed
    assert [(e.message, e.offset) for e in strict.errors] == [
        ("output ended before the ']' closing the call list", 0)
    ]
    repaired = lenient.parse(text)
    assert repaired.ok and len(repaired.calls) == 2
    assert [(r.message, r.offset) for r in repaired.repairs] == [
        ("added the missing ']' at the end of output", len(text))
    ]


def test_fenced_block() -> None:
    text = 'Here you go:\n```python\n[get_weather(city="Paris")]\n```\nDone.'
    strict = fmt.parse(text)
    assert strict.ok and strict.content == "Here you go:\n```python\n```\nDone."
    repaired = lenient.parse(text)
    assert calls_of(repaired) == [("get_weather", {"city": "Paris"})]
    assert repaired.content == "Here you go:\nDone."
    assert [(r.message, r.offset) for r in repaired.repairs] == [
        ("removed the ``` fence around the call list", text.index("```"))
    ]
    no_bracket = lenient.parse("```py\n[f(x=1)\n```")
    assert no_bracket.ok and calls_of(no_bracket) == [("f", {"x": 1})] and no_bracket.content == ""
    assert [r.message for r in no_bracket.repairs] == [
        "removed the ``` fence around the call list",
        "added the missing ']' before the closing ```",
    ]


def test_json_literals() -> None:
    text = "[f(a=true, b=[null, false])]"
    assert not fmt.parse(text).calls
    repaired = lenient.parse(text)
    assert calls_of(repaired) == [("f", {"a": True, "b": [None, False]})]
    assert [(r.message, r.offset) for r in repaired.repairs] == [
        ("read JSON 'true' as True", text.index("true")),
        ("read JSON 'null' as None", text.index("null")),
        ("read JSON 'false' as False", text.index("false")),
    ]
    assert lenient.decode_arguments("a=true") == {"a": True}
    with pytest.raises(ValueError):
        fmt.decode_arguments("a=true")


@pytest.mark.parametrize("text", ['get_weather(city="Paris")', '\n  mod.fn(x=[1, ")"])  \n'])
def test_bare_call_is_the_whole_output(text: str) -> None:
    strict = fmt.parse(text)
    assert not strict.calls and strict.attempted and strict.content == ""
    assert strict.errors[0].message == "a call must be written inside a list: [name(...)]"
    assert strict.errors[0].offset == len(text) - len(text.lstrip())
    repaired = lenient.parse(text)
    assert repaired.ok and len(repaired.calls) == 1 and repaired.content == ""
    assert [r.message for r in repaired.repairs] == ["read a bare call without the surrounding [...] list"]


@pytest.mark.parametrize("text", ['get_weather(city="Paris") is the call', "f(x) and [g()]", "f(x='unclosed"])
def test_a_bare_call_with_anything_around_it_is_not_a_call(text: str) -> None:
    result = lenient.parse(text)
    assert not result.repairs
    assert [c.name for c in result.calls] == (["g"] if "[g()]" in text else [])


# -- streaming --------------------------------------------------------------------------------------


def test_events_come_as_early_as_the_text_allows() -> None:
    text = 'Ok [get_weather(city="Paris", days=3), now()] done'
    parser = fmt.stream()
    seen = [(ev.kind, i, ev.text) for i, ch in enumerate(text) for ev in parser.feed(ch)] + [
        (ev.kind, len(text), ev.text) for ev in parser.finish()
    ]
    kinds = [(k, i) for k, i, _ in seen if k in ("call_started", "call_finished")]
    assert kinds == [
        ("call_started", text.index("(")),
        ("call_finished", text.index(")")),
        ("call_started", text.index("now(") + 3),
        ("call_finished", text.index("now()") + 4),
    ]
    content = [(i, t) for k, i, t in seen if k == "content"]
    assert content[0] == (2, "Ok")  # held while it might begin a bare call, until the space
    assert content[1] == (text.index("] d") + 2, "\nd") and "".join(t for _, t in content) == "Ok\ndone"
    deltas = "".join(t for k, _, t in seen if k == "arguments_delta")
    assert deltas == 'city="Paris", days=3'
    assert fmt.decode_arguments(deltas) == {"city": "Paris", "days": 3}


def test_a_bracket_is_held_until_it_is_known() -> None:
    parser = fmt.stream()
    assert [e.text for e in parser.feed("a [")] == ["a"]
    assert parser.feed("  b") == []
    assert [e.text for e in parser.feed(" c")] == [" [  b c"]


@pytest.mark.parametrize(
    ("raw", "args"),
    [
        ("", {}),
        ("  ", {}),
        ("x=1,", {"x": 1}),
        ("s='a,b', t=[1, (2, 3)]", {"s": "a,b", "t": [1, [2, 3]]}),
        ("\n  x = {'a': -0.5}\n", {"x": {"a": -0.5}}),
    ],
)
def test_decode_arguments(raw: str, args: dict) -> None:
    assert fmt.decode_arguments(raw) == args


@pytest.mark.parametrize(
    ("raw", "pos"), [("x=1)", 3), ("x=[1", 4), ("x='ab", 2), ("x=1, 2", 5), ("x=\x00", 2)]
)
def test_decode_arguments_rejects_bad_text_with_a_position(raw: str, pos: int) -> None:
    with pytest.raises(PythonicSyntaxError) as info:
        parse_arguments(raw)
    assert info.value.pos == pos


# -- properties ----------------------------------------------------------------------------------

_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)
_tricky = st.sampled_from(
    ['"', "'", "\\", "[", "]", "(", ")", "{", "}", ",", "=", "\n", '"""', "```", "é", "🌍"]
)
_strings = st.one_of(st.text(max_size=12), st.lists(_tricky, max_size=6).map("".join))
_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _strings,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_strings, inner, max_size=3),
    max_leaves=10,
)
_calls = st.builds(ToolCall, name=_names, arguments=st.dictionaries(_names, _values, max_size=4))


@settings(max_examples=150, deadline=None)
@given(
    calls=st.lists(_calls, min_size=1, max_size=3),
    content=st.text(max_size=20).map(lambda s: s.replace("[", "").replace("`", "").strip()),
    cuts=st.lists(st.integers(0, 400), max_size=5),
)
def test_round_trip_property(calls: list[ToolCall], content: str, cuts: list[int]) -> None:
    text = fmt.render_assistant(content, calls)
    expected = [(c.name, c.arguments) for c in calls]
    result = fmt.parse(text)
    assert result.ok, result.errors
    assert calls_of(result) == expected and result.content == content
    bounds = sorted({0, len(text), *(c for c in cuts if c < len(text))})
    events, streamed = events_of(text, [text[a:b] for a, b in itertools.pairwise(bounds)])
    assert calls_of(streamed) == expected and streamed.content == content
    deltas: dict[int, str] = {}
    for ev in events:
        if ev.kind == "arguments_delta":
            deltas[ev.index] = deltas.get(ev.index, "") + ev.text
    for i, call in enumerate(calls):
        assert fmt.decode_arguments(deltas.get(i, "")) == call.arguments


def test_python_keywords_are_names_too() -> None:
    calls = [ToolCall(name=word, arguments={word: word}) for word in keyword.kwlist]
    result = fmt.parse(fmt.render_calls(calls))
    assert result.ok and calls_of(result) == [(c.name, c.arguments) for c in calls]


def test_a_megabyte_parses() -> None:
    blob = 'x"]) [f(\\ é 🌍 ' * 60_000
    calls = [ToolCall(name="echo", arguments={"text": blob})] + [
        ToolCall(name="f", arguments={"i": i, "tags": ["a", "b"]}) for i in range(2000)
    ]
    text = "Intro [1] " * 10_000 + "\n" + fmt.render_calls(calls) + "\nThe end."
    assert len(text) > 1_000_000
    result = fmt.parse(text)
    assert result.ok
    assert result.calls[0].arguments == {"text": blob} and len(result.calls) == 2001
    assert result.calls[-1].arguments == {"i": 1999, "tags": ["a", "b"]}
    assert result.content == ("Intro [1] " * 10_000).rstrip() + "\nThe end."
    assert json.loads(json.dumps(result.calls[0].arguments)) == {"text": blob}
