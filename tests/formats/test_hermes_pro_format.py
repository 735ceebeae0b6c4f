"""Hermes 2 Pro format: declarations and system prompt byte-exact against the Hermes 2 Pro
``tool_use`` template, the ``tool`` result role, and the Hermes parser it inherits."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.formats.roundtrip import TOOL_NAMES, assert_round_trip, json_values, strings_with, tool_calls
from tests.shared_data import chat_template
from toolschool.formats import get_format
from toolschool.formats.hermes import HermesFormat
from toolschool.formats.hermes_pro import HermesProFormat, python_type, render_declaration
from toolschool.types import ToolCall, ToolResult, ToolSchema

TEMPLATE = "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja"

fmt = HermesProFormat()
LENIENT = HermesProFormat(lenient=True)


def tool(name: str, description: str = "", properties: dict | None = None, **parameters) -> ToolSchema:
    params = {"type": "object", **parameters}
    if properties is not None:
        params["properties"] = properties
    return ToolSchema.model_validate(
        {"type": "function", "function": {"name": name, "description": description, "parameters": params}}
    )


WEATHER = tool(
    "get_weather",
    "Current weather — in °C or °F.",
    {
        "city": {"type": "string", "description": ' City name, e.g. "Paris"\n'},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    required=["city"],
)
NOW = ToolSchema.model_validate({"type": "function", "function": {"name": "now", "description": "The time."}})


def template_system(tools: list[ToolSchema]) -> str:
    """The template's first system turn body for ``tools``."""
    pytest.importorskip("transformers")
    from transformers.utils.chat_template_utils import render_jinja_template

    rendered, _ = render_jinja_template(
        [[{"role": "user", "content": "u"}]],
        tools=[t.to_openai() for t in tools],
        chat_template=chat_template(TEMPLATE),
    )
    text = rendered[0]
    head = "<|im_start|>system\n"
    assert text.startswith(head)
    return text[len(head) : text.index("<|im_end|>\n")]


def test_render_system_is_the_documented_text() -> None:
    # written out by hand from the template, quirks included: no newline between the Args
    # lines, a raw '"' in a description, the unclosed object, "{}" without properties
    expected = (
        "You are a function calling AI model. You are provided with function signatures within "
        "<tools></tools> XML tags. You may call one or more functions to assist with the user query. "
        "Don't make assumptions about what values to plug into functions. "
        "Here are the available tools: <tools> "
        '{"type": "function", "function": {"name": "get_weather", "description": "get_weather(city: str, '
        "unit: str) - Current weather — in °C or °F.\n\n    Args:\n"
        '        city(str): City name, e.g. "Paris"        unit(str): ", "parameters": '
        + json.dumps(WEATHER.function.parameters, ensure_ascii=False)
        + "}\n"
        '{"type": "function", "function": {"name": "now", "description": "now() - The time.\n\n", '
        '"parameters": {}} </tools>'
        "Use the following pydantic model json schema for each tool call you will make: "
        '{"properties": {"name": {"title": "Name", "type": "string"}, "arguments": {"title": "Arguments", '
        '"type": "object"}}, "required": ["name", "arguments"], "title": "FunctionCall", "type": "object"}}\n'
        "For each function call return a json object with function name and arguments within "
        "<tool_call></tool_call> XML tags as follows:\n<tool_call>\n"
        '{"name": <function-name>, "arguments": <args-dict>}\n</tool_call>'
    )
    assert fmt.render_system([WEATHER, NOW], "") == expected
    assert fmt.render_system([WEATHER, NOW], "Be brief.") == expected + "\n\nBe brief."
    assert fmt.render_system([], "Be brief.") == "Be brief."
    assert fmt.render_tools([NOW]) == '<tools> {"type": "function", "function": {"name": "now", ' + (
        '"description": "now() - The time.\n\n", "parameters": {}} </tools>'
    )


@pytest.mark.parametrize(
    "tools",
    [
        [WEATHER, NOW],
        [NOW],
        [tool("empty_props", "No properties.", {})],
        [tool("no_props", "No properties key.")],
        [
            tool(
                "types",
                'Every "type" the macro knows.',
                {
                    "s": {"type": "string", "description": "   padded   "},
                    "n": {"type": "number"},
                    "i": {"type": "integer", "description": ""},
                    "b": {"type": "boolean", "description": 7},
                    "a": {"type": "array", "items": {"type": "string"}},
                    "o": {"type": "object", "properties": {"x": {"type": "string"}}},
                    "m": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "mm": {
                        "type": "object",
                        "additionalProperties": {"type": "object", "additionalProperties": True},
                    },
                    "t": {"type": "object", "additionalProperties": True},
                    "u": {"type": ["string", "integer", "array"]},
                    "any": {"anyOf": [{"type": "string"}, {"type": "integer"}], "description": "either"},
                    "none": {"type": None},
                    "日本": {"type": "string", "description": "unicode — 東京"},
                },
            )
        ],
    ],
    ids=["two", "no_args", "empty_properties", "no_properties_key", "types"],
)
def test_declarations_are_byte_identical_to_the_template(tools: list[ToolSchema]) -> None:
    assert fmt.render_system(tools, "") == template_system(tools)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"type": "string"}, "str"),
        ({"type": "array", "items": {"type": "integer"}}, "list[Union[]]"),
        ({"type": "object"}, "dict"),
        ({"type": "object", "additionalProperties": {"type": "number"}}, "dict[str, float]"),
        ({"type": "object", "additionalProperties": False}, "dict[str, Union[]]"),
        ({"type": ["string", "boolean"]}, "Union[str,bool]"),
        ({"oneOf": [{"type": "string"}]}, "Union[]"),
        ({"type": 3}, "Any"),
        # deviation: the template recurses until RecursionError on a type name it does not know
        ({"type": "null"}, "Any"),
        ({"type": ["string", "null"]}, "Union[str,Any]"),
    ],
)
def test_python_types(spec: dict, expected: str) -> None:
    assert python_type(spec) == expected


def test_the_template_cannot_render_a_null_type() -> None:
    with pytest.raises(RecursionError):
        template_system([tool("f", "", {"x": {"type": ["string", "null"]}})])
    assert "x: Union[str,Any]" in render_declaration(tool("f", "", {"x": {"type": ["string", "null"]}}))


def test_calls_and_results_are_hermes_in_a_tool_turn() -> None:
    hermes = HermesFormat()
    calls = [ToolCall(name="get_weather", arguments={"city": "Paris"}), ToolCall(name="now")]
    results = [ToolResult(name="get_weather", content='{"t": 21}'), ToolResult(name="now", content="10:00")]
    assert fmt.render_calls(calls) == hermes.render_calls(calls) == (
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n'
        '<tool_call>\n{"name": "now", "arguments": {}}\n</tool_call>'
    )
    assert fmt.render_results(results) == (
        '<tool_response>\n{"t": 21}\n</tool_response>\n<tool_response>\n10:00\n</tool_response>'
    )
    assert fmt.result_role == "tool" and hermes.result_role == "user"
    assert fmt.render_assistant("Sure.", calls[1:]) == "Sure.\n" + fmt.render_calls(calls[1:])
    registered = get_format("hermes_pro")
    assert isinstance(registered, HermesProFormat) and registered.name == "hermes_pro"
    assert get_format("hermes_pro", lenient=True).lenient


def test_parse_reads_calls_and_content() -> None:
    text = 'Checking.\n<tool_call>\n{"name": "now", "arguments": {}}\n</tool_call>\n<tool_call>\n' + (
        '{"name": "get_weather", "parameters": {"city": "Paris"}}\n</tool_call>'
    )
    result = fmt.parse(text)
    assert result.ok and result.content == "Checking."
    assert [(c.name, c.arguments) for c in result.calls] == [("now", {}), ("get_weather", {"city": "Paris"})]


@pytest.mark.parametrize(
    ("text", "repair"),
    [
        ('<tool_call>\n{"name": "now", "arguments": {}}', "missing </tool_call>"),
        ('<tool_call>\n```json\n{"name": "now", "arguments": {}}\n```\n</tool_call>', "Markdown code fence"),
        ("<tool_call>\n{'name': 'now', 'arguments': {}}\n</tool_call>", "malformed JSON"),
    ],
)
def test_strict_reports_and_lenient_repairs(text: str, repair: str) -> None:
    strict = fmt.parse(text)
    assert strict.errors and not strict.calls and not strict.repairs
    result = LENIENT.parse(text)
    assert result.ok and [(c.name, c.arguments) for c in result.calls] == [("now", {})]
    assert any(repair in r.message for r in result.repairs), result.repairs


def test_malformed_output_is_an_error_with_its_offset() -> None:
    text = 'Sure.\n<tool_call>\n{"name": "a", "arguments": {"x": 1]}\n</tool_call>'
    result = fmt.parse(text)
    (error,) = result.errors
    assert not result.calls and result.attempted and text[error.offset :].startswith("]}")


def test_one_megabyte_parses() -> None:
    big = ToolCall(name="store", arguments={"blob": "x</tool_call>{" * 70_000})
    calls = [big] + [ToolCall(name="f", arguments={"i": i}) for i in range(3000)]
    text = "Start.\n" + fmt.render_calls(calls)
    assert len(text) > 1_000_000
    result = fmt.parse(text)
    assert result.ok and len(result.calls) == 3001 and result.content == "Start."
    assert result.calls[0].arguments == big.arguments and result.calls[-1].arguments == {"i": 2999}


_STRINGS = strings_with(
    ["<tool_call>", "</tool_call>", "<tool_response>", "</tools>", "<|im_end|>", "{", "}", '"', "\\", "\n"]
)


@settings(max_examples=100, deadline=None)
@given(
    calls=tool_calls(TOOL_NAMES, _STRINGS, json_values(_STRINGS)),
    content=st.text(max_size=20).map(str.strip),
)
def test_round_trip_property(calls: list[ToolCall], content: str) -> None:
    if "<tool_call>" in content:
        return
    assert_round_trip([fmt], fmt.render_assistant(content, calls), calls, content)


_KNOWN_TYPES = st.sampled_from(["string", "number", "integer", "boolean", "array", "object"])
_SCHEMAS = st.recursive(
    st.fixed_dictionaries({"type": _KNOWN_TYPES})
    | st.fixed_dictionaries({"type": st.lists(_KNOWN_TYPES, min_size=1, max_size=3)})
    | st.just({"description": "no type"}),
    lambda inner: st.fixed_dictionaries(
        {"type": st.just("object"), "additionalProperties": inner | st.booleans()}
    ),
    max_leaves=3,
)
_PARAMS = st.dictionaries(
    TOOL_NAMES,
    st.tuples(_SCHEMAS, st.none() | st.text(max_size=12)).map(
        lambda pair: pair[0] if pair[1] is None else {**pair[0], "description": pair[1]}
    ),
    max_size=4,
)


@settings(max_examples=40, deadline=None)
@given(
    tools=st.lists(
        st.builds(tool, TOOL_NAMES, st.text(max_size=20), _PARAMS),
        min_size=1,
        max_size=3,
    )
)
def test_declarations_match_the_template_for_generated_schemas(tools: list[ToolSchema]) -> None:
    assert fmt.render_system(tools, "") == template_system(tools)
