"""Block format: rendered blocks and declarations, JSON scanning, strict vs lenient parsing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.formats.roundtrip import (
    TOOL_NAMES,
    assert_round_trip,
    events_of,
    json_values,
    strings_with,
    tool_calls,
)
from toolschool.formats import get_format
from toolschool.formats.block import INSTRUCTIONS, BlockFormat, render_declaration
from toolschool.types import ToolCall, ToolResult, ToolSchema

fmt = BlockFormat()
lenient = BlockFormat(lenient=True)

PYTHON = ToolSchema.model_validate(
    {
        "type": "function",
        "function": {
            "name": "execute_python",
            "description": "Run Python code\n  and return its output.",
            "parameters": {
                "type": "object",
                "properties": {"code": {"type": "string"}},
                "required": ["code"],
            },
        },
    }
)
NOW = ToolSchema.model_validate({"type": "function", "function": {"name": "now"}})


# -- rendering ----------------------------------------------------------------------------


def test_call_block_is_the_recipes() -> None:
    call = ToolCall(name="execute_python", arguments={"code": "print(1)"})
    assert fmt.render_calls([call]) == (
        '<|tool_call|>\nTool: execute_python\nArguments: {"code": "print(1)"}\n<|end|>'
    )
    two = fmt.render_assistant("Running it.", [call, ToolCall(name="now")])
    assert two == (
        'Running it.\n<|tool_call|>\nTool: execute_python\nArguments: {"code": "print(1)"}\n<|end|>\n'
        "<|tool_call|>\nTool: now\nArguments: {}\n<|end|>"
    )
    unicode = fmt.render_calls([ToolCall(name="f", arguments={"s": "Grüße"})])
    assert unicode.endswith('{"s": "Grüße"}\n<|end|>')


def test_results_are_one_block_each_with_output_verbatim() -> None:
    results = [
        ToolResult(name="execute_python", content="1\n<|end|> ]} stays"),
        ToolResult(name="now", content="10:00"),
    ]
    assert fmt.render_results(results) == (
        "<|tool_result|>\nTool: execute_python\nOutput: 1\n<|end|> ]} stays\n<|end|>\n"
        "<|tool_result|>\nTool: now\nOutput: 10:00\n<|end|>"
    )
    assert fmt.result_role == "tool" and get_format("block").name == "block"


def test_declarations_and_system() -> None:
    assert render_declaration(PYTHON) == (
        "Tool: execute_python\nDescription: Run Python code and return its output.\n"
        'Parameters: {"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]}'
    )
    assert render_declaration(NOW) == 'Tool: now\nParameters: {"type": "object", "properties": {}}'
    declarations = fmt.render_tools([PYTHON, NOW])
    assert declarations == f"Available tools:\n\n{render_declaration(PYTHON)}\n\n{render_declaration(NOW)}"
    one = fmt.render_tools([NOW])
    assert fmt.render_system([NOW], "Be brief.") == f"Be brief.\n\n{INSTRUCTIONS}\n\n{one}"
    assert fmt.render_system([NOW], "") == f"{INSTRUCTIONS}\n\n{one}"
    assert fmt.render_system([], "Be brief.") == "Be brief."
    # the instruction shows a block the parser reads
    example = INSTRUCTIONS[INSTRUCTIONS.index("<|tool_call|>") : INSTRUCTIONS.index("<|end|>") + 7]
    assert [(c.name, c.arguments) for c in fmt.parse(example).calls] == [("tool_name", {"argument": "value"})]


# -- parsing ------------------------------------------------------------------------------


def test_json_is_scanned_so_strings_may_hold_the_end_marker() -> None:
    text = (
        "I'll run it.\n<|tool_call|>\nTool: execute_python\nArguments: {\n"
        '  "code": "print(\\"<|end|>\\")\\n# ]} <|tool_call|>"\n}\n<|end|>\nDone.'
    )
    result = fmt.parse(text)
    assert result.ok and result.content == "I'll run it.\nDone."
    assert result.calls[0].arguments == {"code": 'print("<|end|>")\n# ]} <|tool_call|>'}


def test_whitespace_variants_are_strict_ok() -> None:
    text = (
        '<|tool_call|>Tool:f \r\n\n Arguments:\n  {"a": 1}   <|end|>'
        "<|tool_call|>\nTool:\tg\nArguments: {}\n<|end|>"
    )
    result = fmt.parse(text)
    assert result.ok and [(c.name, c.arguments) for c in result.calls] == [("f", {"a": 1}), ("g", {})]


def test_events_name_early_and_finish_at_the_end_marker() -> None:
    text = '<|tool_call|>\nTool: execute_python\nArguments: {"code": "x = [1]"}\n<|end|>'
    parser = fmt.stream()
    seen = []
    for i, ch in enumerate(text):
        for ev in parser.feed(ch):
            seen.append((ev.kind, i))
    assert seen[0] == ("call_started", text.index("\nArguments"))
    assert seen[-1] == ("call_finished", len(text) - 1)
    assert parser.finish() == []
    for cut in range(len(text) + 1):
        events = events_of(fmt, [text[:cut], text[cut:]])
        assert "".join(e.text for e in events if e.kind == "arguments_delta") == '{"code": "x = [1]"}'


@pytest.mark.parametrize(
    ("text", "message", "at"),
    [
        ("<|tool_call|>\nTool: get weather\nArguments: {}\n<|end|>\nOk.", "expected a newline", "weather"),
        ("<|tool_call|>\nName: f\nArguments: {}\n<|end|>\nOk.", "expected 'Tool:'", "Name"),
        ("<|tool_call|>\ntool: f\nArguments: {}\n<|end|>\nOk.", "expected 'Tool:'", "tool:"),
        ("<|tool_call|>\nTool: f\nArgs: {}\n<|end|>\nOk.", "expected 'Arguments:'", "Args"),
        ("<|tool_call|>\nTool: f\nArguments: []\n<|end|>\nOk.", "expected '{'", "[]"),
        ('<|tool_call|>\nTool: f\nArguments: {"a": x}\n<|end|>\nOk.', "Expecting value", "x}"),
        ('<|tool_call|>\nTool: f\nArguments: {"a": 1,}\n<|end|>\nOk.', "double quotes", "}"),
        ("<|tool_call|>\nTool: f\nArguments: {'a': 1}\n<|end|>\nOk.", "double quotes", "'a'"),
        ('<|tool_call|>\nTool: f\nArguments: {"a": 1} !\n<|end|>\nOk.', "expected <|end|>", "!"),
        ('<|tool_call|>\nTool: f\nArguments: {"a": 1]\n<|end|>\nOk.', "Expecting ',' delimiter", "]"),
        ('<|tool_call|>\nTool: f\nArguments: {"a": 1}', "output ended before <|end|>", "<|tool_call|>"),
        ('<|tool_call|>\nTool: f\nArguments: {"a": ', "output ended inside", "<|tool_call|>"),
    ],
)
def test_strict_errors_point_at_the_problem(text: str, message: str, at: str) -> None:
    result = fmt.parse(text)
    (error,) = result.errors
    assert message in error.message and text[error.offset :].startswith(at), error
    assert not result.calls and not result.repairs
    assert result.content == ("Ok." if text.endswith("Ok.") else "")


def test_a_broken_call_stops_at_the_next_call() -> None:
    text = "<|tool_call|>\nTool: a b\n<|tool_call|>\nTool: now\nArguments: {}\n<|end|>"
    result = fmt.parse(text)
    assert len(result.errors) == 1 and [c.name for c in result.calls] == ["now"]


def test_lenient_repairs_are_recorded_with_offsets() -> None:
    text = "Sure.\n<|tool_call|>\nTOOL: f\narguments: {'code': 'print(1)', 'n': [1, 2,],}"
    assert fmt.parse(text).errors
    result = lenient.parse(text)
    assert result.ok and result.content == "Sure."
    assert result.calls[0].arguments == {"code": "print(1)", "n": [1, 2]}
    repairs = [(r.message, text[r.offset :][:6]) for r in result.repairs]
    assert repairs == [
        ("read 'TOOL:' as 'Tool:'", "TOOL: "),
        ("read 'arguments:' as 'Arguments:'", "argume"),
        ("repaired the JSON arguments with json_repair (Expecting property name enclosed in double quotes)",
         "'code'"),
        ("added the missing <|end|>", ""),
    ]
    assert result.repairs[-1].offset == len(text)


def test_lenient_single_quoted_strings_may_hold_the_end_marker() -> None:
    text = "<|tool_call|>\nTool: f\nArguments: {'s': 'a <|end|> \\' \"b\" }'}\n<|end|>"
    result = lenient.parse(text)
    assert result.ok and result.calls[0].arguments == {"s": "a <|end|> ' \"b\" }"}


def test_lenient_leaves_unmendable_json_an_error() -> None:
    result = lenient.parse('<|tool_call|>\nTool: f\nArguments: {"a": <b>}\n<|end|>')
    assert result.errors and not result.calls and not result.repairs


# -- properties and size ------------------------------------------------------------------

_strings = strings_with(
    ["<|tool_call|>", "<|end|>", "<|tool_result|>", "Tool:", "Arguments:", "\n", "{", "}", "[", "]",
     '"', "'", "\\", ",", ":", "<|"], size=5
)  # fmt: skip
_keys = TOOL_NAMES | _strings


@settings(max_examples=150, deadline=None)
@given(
    calls=tool_calls(TOOL_NAMES, _keys, json_values(_strings, _keys, max_leaves=10)),
    content=st.text(max_size=20).map(str.strip),
)
def test_round_trip_property(calls: list[ToolCall], content: str) -> None:
    if "<|tool_call|>" in content:
        return
    assert_round_trip((fmt, lenient), fmt.render_assistant(content, calls), calls, content)


def test_a_megabyte_parses() -> None:
    code = "print('<|end|>', {\"k\": [1]})\n# ü\n" * 30_000
    many = [ToolCall(name=f"f{i}", arguments={"a": i, "b": "x<|end|>y"}) for i in range(4_000)]
    text = fmt.render_assistant("Start.", [ToolCall(name="execute_python", arguments={"code": code}), *many])
    text += "\nEnd."
    assert len(text) > 1_000_000
    for f in (fmt, lenient):
        result = f.parse(text)
        assert result.ok and result.content == "Start.\nEnd."
        assert len(result.calls) == 4_001 and result.calls[0].arguments == {"code": code}
        assert result.calls[-1].arguments == {"a": 3_999, "b": "x<|end|>y"}
