"""Gemma 4 format: byte-exact against the official templates, argument syntax, parsing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.formats.roundtrip import assert_round_trip, json_values, tool_calls
from tests.shared_data import chat_template
from toolschool.chat.layouts import Gemma4Layout
from toolschool.formats.gemma4 import (
    Gemma4Format,
    GemmaSyntaxError,
    parse_value,
    render_declaration,
    render_value,
    split_thinking,
    strip_thinking,
)
from toolschool.types import Message, ToolCall, ToolResult, ToolSchema

JULY_2026 = ["google-gemma-4-31B-it.2026-07.jinja", "google-gemma-4-E2B-it.2026-07.jinja"]
APRIL_2026 = "google-gemma-4-31B-it.jinja"

fmt = Gemma4Format()


def tool(name: str, description: str, parameters: dict | None = None) -> ToolSchema:
    function = {"name": name, "description": description}
    if parameters is not None:
        function["parameters"] = parameters
    return ToolSchema.model_validate({"type": "function", "function": function})


WEATHER = tool(
    "get_weather",
    "Get the current weather.",
    {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "City name"},
            "Unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "description": "How many days", "nullable": True},
            "hourly": {"type": "boolean"},
        },
        "required": ["city"],
    },
)
BOOKING = tool(
    "book",
    "Book rooms.",
    {
        "type": "object",
        "properties": {
            "guests": {
                "type": "array",
                "description": "People",
                "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
                    "required": ["name"],
                },
            },
            "tags": {"type": "array", "items": {"type": ["string", "null"], "enum": ["a", "b"]}},
            "options": {
                "type": "object",
                "description": "Extras",
                "properties": {"breakfast": {"type": "boolean"}, "note": {"type": "string"}},
                "required": ["breakfast"],
            },
            "meta": {"type": "object", "additionalProperties": {"type": "string"}},
            "price": {"type": "number"},
        },
        "required": ["guests", "options"],
    },
)
NOW = tool("now", "")
KEYWORDS = tool(  # property names that the April template filtered out
    "label",
    "Label a thing.",
    {"type": "object", "properties": {"type": {"type": "string"}, "description": {}}},
)
NO_TYPE = tool(  # the template leaves the parameters block unclosed; we copy that
    "odd", "Parameters without a type.", {"properties": {"x": {"type": "string"}}, "required": ["x"]}
)

CALLS = [
    ToolCall(
        id="c1",
        name="get_weather",
        arguments={"city": "São Paulo", "days": 3, "hourly": False, "Unit": "celsius", "ratio": 0.5},
    ),
    ToolCall(
        id="c2",
        name="book",
        arguments={
            "guests": [{"name": "Ann", "age": 31}, {"name": 'Bob "B" ]}', "age": None}],
            "options": {"breakfast": True, "note": "late, <b>arrival</b>: {ok}"},
            "price": -12.75,
            "empty": {},
            "none": [],
        },
    ),
    ToolCall(id="c3", name="now", arguments={}),
]
RESULTS = [
    ToolResult(call_id="c1", name="get_weather", content='{"temp": 21, "sky": "clear"}'),
    ToolResult(call_id="c2", name="book", content="Booked: #A-17"),
    ToolResult(call_id="c3", name="now", content="10:00"),
]


def results_for(calls: list[ToolCall]) -> list[ToolResult]:
    return [r for r in RESULTS if r.call_id in {c.id for c in calls}]


def render_official(
    template: str, system: str, tools: list[ToolSchema], calls: list[ToolCall], final: str
) -> str:
    pytest.importorskip("transformers")
    from transformers.utils.chat_template_utils import render_jinja_template

    messages = [
        {"role": "system", "content": system},
        {"role": "user", "content": "Plan my trip."},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for c in calls
            ],
        },
        *({"role": "tool", "tool_call_id": r.call_id, "content": r.content} for r in results_for(calls)),
        {"role": "assistant", "content": final},
    ]
    rendered, _ = render_jinja_template(
        [messages], tools=[t.to_openai() for t in tools], chat_template=chat_template(template)
    )
    return rendered[0]


def render_ours(system: str, tools: list[ToolSchema], calls: list[ToolCall], final: str) -> str:
    return (
        f"<|turn>system\n{fmt.render_system(tools, system)}<turn|>\n"
        "<|turn>user\nPlan my trip.<turn|>\n"
        f"<|turn>model\n{fmt.render_assistant('', calls)}{fmt.render_results(results_for(calls))}"
        f"{fmt.render_assistant(final, [])}<turn|>\n"
    )


@pytest.mark.parametrize("template", JULY_2026)
def test_conversation_is_byte_identical_to_the_official_template(template: str) -> None:
    tools = [WEATHER, BOOKING, NOW, KEYWORDS]
    expected = render_official(template, "  You plan trips.\n", tools, CALLS, "All set.")
    assert render_ours("  You plan trips.\n", tools, CALLS, "All set.") == expected


@pytest.mark.parametrize("template", [*JULY_2026, APRIL_2026])
def test_pieces_match_every_official_revision_where_they_agree(template: str) -> None:
    # the April 2026 template wrote None as "None" and dropped properties named like schema keys
    calls = [CALLS[0], CALLS[2]]
    tools = [WEATHER, NOW, NO_TYPE]
    expected = render_official(template, "Sys.", tools, calls, "Done.")
    assert render_ours("Sys.", tools, calls, "Done.") == expected


def test_piece_shapes() -> None:
    assert render_declaration(NOW) == (
        'declaration:now{description:<|"|><|"|>,parameters:{type:<|"|>OBJECT<|"|>}}'
    )
    assert fmt.render_calls([ToolCall(name="f", arguments={"b": [1, None], "a": "x y", "C": True})]) == (
        '<|tool_call>call:f{a:<|"|>x y<|"|>,b:[1,null],C:true}<tool_call|>'
    )
    assert fmt.render_results([ToolResult(name="f", content="ok")]) == (
        '<|tool_response>response:f{value:<|"|>ok<|"|>}<tool_response|>'
    )
    unnamed = fmt.render_results([ToolResult(name="", content="ok")])
    assert unnamed.startswith("<|tool_response>response:unknown{")
    assert fmt.render_system([NOW], " S ") == "S<|tool>" + render_declaration(NOW) + "<tool|>"
    assert fmt.render_system([], " S ") == " S "
    assert fmt.render_assistant(" Done. ", CALLS[2:]) == "<|tool_call>call:now{}<tool_call|>Done."


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('{a:<|"|>x<|"|>,b:[1,2.5,true,false,null]}', {"a": "x", "b": [1, 2.5, True, False, None]}),
        ("{n:-3,f:1e-05,g:1e+20,h:.5}", {"n": -3, "f": 1e-05, "g": 1e20, "h": 0.5}),
        ("{old:None,T:True}", {"old": None, "T": True}),
        (
            '{ first name : <|"|> spaced <|"|> , <|"|>quoted key<|"|>:{} }',
            {"first name": " spaced ", "quoted key": {}},
        ),
        ('<|"|>raw \\n "text" {not:parsed}<|"|>', 'raw \\n "text" {not:parsed}'),
        ("[[],[[]],{}]", [[], [[]], {}]),
    ],
)
def test_parse_value(text: str, value: object) -> None:
    assert parse_value(text) == value


@pytest.mark.parametrize(
    ("text", "pos"),
    [
        ("{a:Paris}", 3),
        ("{a:1,,b:2}", 5),
        ("{a 1}", 4),
        ('{a:<|"|>x}', 3),
        ("{a:1", 4),
        ("[1 2]", 3),
        ("{a:1} x", 6),
        ("[" * 300 + "]" * 300, 201),
    ],
)
def test_parse_value_errors_have_positions(text: str, pos: int) -> None:
    with pytest.raises(GemmaSyntaxError) as info:
        parse_value(text)
    assert info.value.pos == pos


def test_unclosed_end_marker_is_still_a_call_but_unclosed_arguments_are_not() -> None:
    ok = fmt.parse('<|tool_call>call:f{a:<|"|>x<|"|>}')
    assert ok.ok and ok.calls[0].arguments == {"a": "x"}
    bad = fmt.parse('<|tool_call>call:f{a:<|"|>x<|"|>')
    assert not bad.calls and bad.errors[0].offset == 0


def test_string_delimiter_split_across_chunks() -> None:
    text = '<|tool_call>call:f{a:<|"|>x<|"|>,b:<|"|>]}<|"|>}<tool_call|>'
    for cut in range(len(text)):
        parser = fmt.stream()
        parser.feed(text[:cut])
        parser.feed(text[cut:])
        parser.finish()
        assert parser.result().calls[0].arguments == {"a": "x", "b": "]}"}


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    result = fmt.parse("<|tool_call>call:f{a:" + "[" * 1000 + "]" * 1000 + "}<tool_call|>")
    assert not result.calls and "nested too deeply" in result.errors[0].message


_keys = st.text(alphabet="abcXYZ_019", min_size=1, max_size=8)
_strings = st.text(max_size=12).filter(lambda s: '<|"|>' not in s)  # strings are raw between <|"|>


@settings(max_examples=100, deadline=None)
@given(
    calls=tool_calls(
        st.text(alphabet="abcXYZ_.-019", min_size=1, max_size=16), _keys, json_values(_strings, _keys)
    ),
    content=st.text(max_size=20).map(str.strip),
)
def test_round_trip_property(calls: list[ToolCall], content: str) -> None:
    if any(marker in content for marker in ("<|tool_call>", "<|channel>", "<channel|>")):
        return
    assert_round_trip([fmt], fmt.render_assistant(content, calls), calls, content)
    for call in calls:
        assert parse_value(render_value(call.arguments, escape_keys=False)) == call.arguments


# -- thinking -------------------------------------------------------------------------------

thinking = Gemma4Format(keep_reasoning=True)
PLAN = "Need the weather first.\nThen <|tool_call>book it."  # a call marker inside reasoning


def official(template: str, messages: list[dict], tools: list[ToolSchema]) -> str:
    pytest.importorskip("transformers")
    from transformers.utils.chat_template_utils import render_jinja_template

    rendered, _ = render_jinja_template(
        [messages], tools=[t.to_openai() for t in tools], chat_template=chat_template(template),
        bos_token="<bos>",
    )
    return rendered[0]


def thinking_conversation(then_user: bool) -> tuple[list[dict], list[Message]]:
    """A calls turn and a final answer with reasoning (as ``reasoning_content`` for the template,
    as a thought channel in ``content`` for us), optionally followed by another user turn."""
    call = CALLS[0]
    function = {"name": call.name, "arguments": call.arguments}
    tool_call = {"id": call.id, "type": "function", "function": function}
    channel = f"<|channel>thought\n{PLAN}<channel|>"
    theirs = [
        {"role": "system", "content": "Sys."},
        {"role": "user", "content": "Plan my trip."},
        {"role": "assistant", "content": channel, "reasoning_content": PLAN, "tool_calls": [tool_call]},
        {"role": "tool", "tool_call_id": call.id, "content": RESULTS[0].content},
        {
            "role": "assistant",
            "content": "<|channel>thought\nSum up.<channel|>All set.",
            "reasoning_content": "Sum up.",
        },
    ]
    ours = [
        Message(role="system", content="Sys."),
        Message(role="user", content="Plan my trip."),
        Message(role="assistant", content=channel, tool_calls=[call]),
        Message(role="tool", tool_call_id=call.id, name=call.name, content=RESULTS[0].content),
        Message(role="assistant", content="<|channel>thought\nSum up.<channel|>All set."),
    ]
    if then_user:
        theirs.append({"role": "user", "content": "Thanks."})
        ours.append(Message(role="user", content="Thanks."))
    return theirs, ours


@pytest.mark.parametrize("template", JULY_2026)
def test_kept_reasoning_is_what_the_template_writes_after_the_last_user_message(template: str) -> None:
    theirs, ours = thinking_conversation(then_user=False)
    expected = official(template, theirs, [WEATHER])
    assert f"<|channel>thought\n{PLAN}\n<channel|><|tool_call>" in expected  # before the calls
    assert "<|channel>thought\nSum up.\n<channel|>All set." in expected
    assert Gemma4Layout().render(ours, [WEATHER], thinking) == expected
    assert Gemma4Layout().render(ours, [WEATHER], fmt) != expected


@pytest.mark.parametrize("template", JULY_2026)  # the April template closes turns differently
def test_dropped_reasoning_is_what_the_template_writes_before_the_last_user_message(template: str) -> None:
    theirs, ours = thinking_conversation(then_user=True)
    expected = official(template, theirs, [WEATHER])
    assert "<|channel>" not in expected and PLAN not in expected
    assert Gemma4Layout().render(ours, [WEATHER], fmt) == expected


def test_april_template_writes_the_same_reasoning_before_calls() -> None:
    theirs, ours = thinking_conversation(then_user=False)
    expected = official(APRIL_2026, theirs[:4], [WEATHER])  # the calls turn and its result
    assert f"<|channel>thought\n{PLAN}\n<channel|><|tool_call>" in expected
    # the April template also closes a turn that ends on results; the July one (our layout) does not
    assert Gemma4Layout().render(ours[:4], [WEATHER], thinking) + "<turn|>\n" == expected


def test_render_assistant_writes_or_drops_reasoning() -> None:
    calls = [CALLS[2]]
    content = " <|channel>thought\nA.<channel|>Done. "
    assert fmt.render_assistant(content, calls) == "<|tool_call>call:now{}<tool_call|>Done."
    assert fmt.render_assistant("Done.", calls, reasoning="A.") == "<|tool_call>call:now{}<tool_call|>Done."
    written = "<|channel>thought\nA.\n<channel|><|tool_call>call:now{}<tool_call|>Done."
    assert thinking.render_assistant(content, calls) == written
    assert thinking.render_assistant("Done.", calls, reasoning="A.") == written
    assert thinking.render_assistant(content, calls, reasoning="Z.") == written.replace("A.", "Z.\nA.")
    assert thinking.render_assistant("Done.", calls) == "<|tool_call>call:now{}<tool_call|>Done."
    assert thinking.render_assistant("<|channel>thought\n<channel|>Hi", []) == "Hi"  # empty channel


@pytest.mark.parametrize(
    ("text", "reasoning", "content"),
    [
        (" A<|channel>thought\nx<channel|>B ", "x", "AB"),
        ("A<channel|>B", "", "AB"),  # a stray end marker goes
        ("A<|channel>thought\nnever closed", "never closed", "A"),
        ("<|channel>thought\nx<channel|>-<|channel>y<channel|>", "x\ny", "-"),
        ("<|channel>thoughtful<channel|>", "thoughtful", ""),  # a name line is "thought" alone
    ],
)
def test_strip_thinking_is_the_template_macro(text: str, reasoning: str, content: str) -> None:
    assert split_thinking(text) == (reasoning, content)
    assert strip_thinking(text) == content


def test_parse_moves_reasoning_out_of_content() -> None:
    text = thinking.render_assistant("Booking now.", CALLS[:2], reasoning=PLAN)
    result = fmt.parse(text)
    assert result.ok and result.reasoning == PLAN and result.content == "Booking now."
    assert [c.name for c in result.calls] == ["get_weather", "book"]  # not the marker in the reasoning
    for cut in range(len(text) + 1):  # every cut, including inside both channel markers
        parser = fmt.stream()
        events = parser.feed(text[:cut]) + parser.feed(text[cut:]) + parser.finish()
        got = parser.result()
        assert (got.reasoning, got.content, got.calls, got.errors) == (PLAN, "Booking now.", result.calls, [])
        assert [e.name for e in events if e.kind == "call_started"] == ["get_weather", "book"]
        assert all(PLAN not in e.text for e in events)


def test_reasoning_pieces_and_their_edges() -> None:
    several = fmt.parse(
        "Hi <|channel>thought\nOne.<channel|> there<|channel>thought\n<channel|><|channel>Two.<channel|>"
    )
    assert (several.reasoning, several.content, several.attempted) == ("One.\nTwo.", "Hi\nthere", False)
    cut_off = fmt.parse('<|channel>thought\nStill thinking <|tool_call>call:f{a:<|"|>x<|"|>}<tool_call|>')
    assert cut_off.ok and not cut_off.calls and cut_off.content == ""
    assert cut_off.reasoning == 'Still thinking <|tool_call>call:f{a:<|"|>x<|"|>}<tool_call|>'
    in_call = fmt.parse('<|tool_call>call:f{a:<|"|><|channel>x<channel|><|"|>}<tool_call|>')
    assert in_call.calls[0].arguments == {"a": "<|channel>x<channel|>"} and in_call.reasoning == ""
    lenient = Gemma4Format(lenient=True).parse("<|channel>thought\nR<channel|>Ok")
    assert (lenient.reasoning, lenient.content, lenient.repairs) == ("R", "Ok", [])


def test_output_that_starts_inside_the_prompts_thought_channel() -> None:
    # the July template ends the prompt after tool results with "<|channel>thought\n" (thinking on)
    text = "thought about it <|tool_call>x<channel|><|tool_call>call:now{}<tool_call|>"
    for cut in range(len(text) + 1):
        parser = fmt.stream(in_thought=True)
        parser.feed(text[:cut])
        parser.feed(text[cut:])
        parser.finish()
        got = parser.result()
        assert got.ok and got.reasoning == "thought about it <|tool_call>x"  # no name line to drop
        assert [c.name for c in got.calls] == ["now"]
    assert fmt.parse(text).reasoning == ""  # without the option the end marker is content


_MARKERS = ("<|tool_call>", "<|channel>", "<channel|>")


@settings(max_examples=100, deadline=None)
@given(
    calls=st.lists(st.builds(ToolCall, name=st.from_regex(r"[a-z_]{1,8}", fullmatch=True)), max_size=2),
    reasoning=st.text(max_size=30).filter(lambda s: "<channel|>" not in s),
    content=st.text(max_size=20).filter(lambda s: not any(m in s for m in _MARKERS)),
)
def test_reasoning_round_trip_property(calls: list[ToolCall], reasoning: str, content: str) -> None:
    text = thinking.render_assistant(content, calls, reasoning=reasoning)
    result = fmt.parse(text)
    assert result.ok and result.reasoning == reasoning.strip()
    assert result.content == content.strip() and [c.name for c in result.calls] == [c.name for c in calls]
    assert fmt.parse(fmt.render_assistant(content, calls, reasoning=reasoning)).reasoning == ""
