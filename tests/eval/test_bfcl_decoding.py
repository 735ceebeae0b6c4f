"""BFCL decoding (BFCL_SEMANTICS.md §4): prompt-mode Python text and FC calls → decoded calls."""

from __future__ import annotations

import pytest

from toolschool.eval.bfcl.data import BfclEntry
from toolschool.eval.bfcl.decoding import decode_calls, decode_python
from toolschool.eval.bfcl.stage import judge
from toolschool.eval.items import Prediction
from toolschool.types import Message, ToolCall


@pytest.mark.parametrize(
    ("text", "decoded"),
    [
        ("[math.factorial(number=5)]", [{"math.factorial": {"number": 5}}]),  # attribute chain → dotted name
        ("f(x=1)", [{"f": {"x": 1}}]),  # a bare call without brackets
        ("```\n[f(x=1)]\n```", [{"f": {"x": 1}}]),  # a bare fence is stripped
        ("[f(x=1), g.h(y='a')]", [{"f": {"x": 1}}, {"g.h": {"y": "a"}}]),
        ("[f(1, x=2)]", [{"f": {"x": 2}}]),  # positional arguments are dropped
        ("[f(unit=celsius)]", [{"f": {"unit": "celsius"}}]),  # a bare name becomes its text
        ("[f(x=g(1, 2))]", [{"f": {"x": "g(1, 2)"}}]),  # a call without keywords → its source
        ("[f(x=g(a=1))]", [{"f": {"x": {"g": {"a": 1}}}}]),  # ... with keywords → nested call
        ("[f(x=...)]", [{"f": {"x": "..."}}]),
        ("[f(x=-5, y=+5)]", [{"f": {"x": -5, "y": -5}}]),  # BFCL negates under any unary operator
        ("[f(x=2*3, y=-1.5+2, z=[1]+[2])]", [{"f": {"x": 6, "y": 0.5, "z": [1, 2]}}]),  # arithmetic evaluated
        ("[f(x=(1, 2), y={'a': [None, True]})]", [{"f": {"x": (1, 2), "y": {"a": [None, True]}}}]),
        ("[f(x=a[0])]", [{"f": {"x": "a[0]"}}]),  # a subscript becomes its text
        ("'[f(x=1)]'", None),  # quotes are stripped only after the brackets were added: fails
        ("[]", []),
    ],
)
def test_python_decoder_values(text, decoded):
    result = decode_python(text)
    if decoded is None:
        assert result.error is not None
    else:
        assert result.error is None and result.value == decoded


@pytest.mark.parametrize(
    "text",
    [
        "Sure! [f(x=1)]",  # leading prose
        "```python\n[f(x=1)]\n```",  # a fence with a language tag
        "I cannot help with that.",
        "[f(x=lambda: 1)]",  # lambda values fail (BFCL parser bug)
        "[f(x=[i for i in range(3)])]",  # comprehensions
        "[f(x=a.b)]",  # an attribute value
        "[f(x=-a)]",
        "[f(x=1/0)]",
        "[1, 2]",  # not calls
        "[f(x=len(y) + 1)]",  # arithmetic over a call: toolschool does not run model text
        "[f(x=2**10**9)]",  # too large to evaluate
    ],
)
def test_python_decoder_failures(text):
    result = decode_python(text)
    assert result.value is None and result.error


def test_fc_decoding_keeps_json_types_and_output_order():
    calls = [ToolCall(name="b", arguments={"n": 5, "x": 5.0}), ToolCall(name="a")]
    assert decode_calls(calls) == [{"b": {"n": 5, "x": 5.0}}, {"a": {}}]
    assert decode_calls([]) == []


def _entry(category: str, truth):
    f = {
        "name": "geo.area",
        "description": "d",
        "parameters": {
            "type": "dict",
            "properties": {"r": {"type": "integer", "description": "r"}},
            "required": ["r"],
        },
    }
    return BfclEntry(f"{category}_0", category, [Message(role="user", content="q")], [f], truth, "test")


def test_judge_decodes_raw_text_with_the_python_decoder():
    entry = _entry("simple_python", [{"geo.area": {"r": [2]}}])
    assert judge(
        entry, Prediction(id=entry.id, raw="[geo.area(r=2)]"), "python", underscore_to_dot=False
    ).valid
    failed = judge(
        entry, Prediction(id=entry.id, raw="Sure: [geo.area(r=2)]"), "python", underscore_to_dot=False
    )
    assert failed.error_type == "ast_decoder:decoder_failed" and failed.decode_error
    missing = judge(entry, None)
    assert not missing.valid and missing.error_type == "missing_prediction"


def test_judge_credits_an_unparsed_attempt_on_irrelevance_and_flags_it():
    verdict = judge(
        _entry("irrelevance", None), Prediction(id="irrelevance_0", raw="TOOL_USE[geo_area:{", attempted=True)
    )
    assert verdict.valid and verdict.attempted_unparsed
