"""Loading eval items and predictions: the dev set, category inference, error messages."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.shared_data import NATURAL_DEV as DEV_SET
from tests.shared_data import needs_shared
from toolschool.errors import DataError
from toolschool.eval.items import (
    EvalItem,
    ExpectedCall,
    Prediction,
    infer_category,
    load_items,
    load_predictions,
)

needs_dev_set = needs_shared("eval", "natural_dev.jsonl")


def write_lines(path: Path, rows: list) -> Path:
    lines = [(r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows]
    path.write_text("".join(lines), encoding="utf-8")
    return path


USER = {"role": "user", "content": "hi"}


@needs_dev_set
def test_dev_set_loads_with_readme_counts():
    items = load_items(DEV_SET)
    assert len(items) == 52
    assert Counter(i.category for i in items) == {"single": 28, "parallel": 6, "no_tool": 12, "chained": 6}
    assert len({i.id for i in items}) == 52
    # the stated category agrees with the inference rule on every item
    for item in items:
        assert infer_category(item.messages, item.expected) == item.category, item.id
    # special rules were read from the underscore keys
    by_id = {i.id: i for i in items}
    assert by_id["nat-0011"].expected[1].loose == ["query"]
    assert by_id["nat-0011"].expected[1].keywords == {"query": ["sartre"]}
    assert by_id["nat-0033"].expected[1].numeric == {"expression": 1062.5}
    chained = by_id["nat-0040"]
    assert chained.messages[1].tool_calls[0].name == "dictionary"
    assert chained.messages[1].tool_calls[0].arguments == {"word": "petrichor"}
    assert chained.messages[2].role == "tool"
    assert all(i.tools is None for i in items)


def test_category_inference(tmp_path):
    tool_turns = [
        USER,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{
                "id": "c1", "type": "function",
                "function": {"name": "wikipedia", "arguments": '{"query": "Iceland"}'},
            }],
        },
        {"role": "tool", "tool_call_id": "c1", "name": "wikipedia", "content": "Iceland is..."},
    ]
    call = {"name": "weather", "arguments": {"location": ["Paris"]}}
    path = write_lines(
        tmp_path / "items.jsonl",
        [
            {"id": "a", "messages": [USER], "expected": []},
            {"id": "b", "messages": [USER], "expected": [call]},
            {"id": "c", "messages": [USER], "expected": [call, call]},
            {"id": "d", "messages": tool_turns, "expected": [call]},
            {"id": "e", "messages": [USER], "expected": [call], "category": "parallel"},
            "",
        ],
    )
    items = load_items(path)
    assert [i.category for i in items] == ["no_tool", "single", "parallel", "chained", "parallel"]
    # nested OpenAI tool_calls with JSON-string arguments were flattened and decoded
    assert items[3].messages[1].tool_calls[0].arguments == {"query": "Iceland"}
    assert items[3].messages[1].content == ""


def test_extra_keys_are_ignored_and_tools_read(tmp_path):
    parameters = {"type": "object", "properties": {}}
    tool = {"type": "function", "function": {"name": "weather", "parameters": parameters}}
    row = {
        "id": "x",
        "tool": "weather",
        "_note": "anything",
        "messages": [USER],
        "expected": [{"name": "weather", "arguments": {}}],
        "tools": json.dumps([tool]),
    }
    (item,) = load_items(write_lines(tmp_path / "i.jsonl", [row]))
    assert item.tools is not None and item.tools[0].name == "weather"
    assert not hasattr(item, "tool")


@pytest.mark.parametrize(
    ("row", "fragments"),
    [
        ({"id": "x", "messages": [USER]}, ["expected", "Field required"]),
        ({"id": "x", "messages": [], "expected": []}, ["messages"]),
        (
            {"id": "x", "messages": [USER], "expected": [{"name": "f", "arguments": {"a": "Paris"}}]},
            ["expected.0.arguments", "list of acceptable values"],
        ),
        (
            {"id": "x", "messages": [USER],
             "expected": [{"name": "f", "arguments": {"q": ["a"]}, "_keyword": {}}]},
            ["expected.0._keyword"],
        ),
        (
            {"id": "x", "messages": [USER], "expected": [{"name": "f", "arguments": {}, "_loose": ["q"]}]},
            ["_loose names 'q'"],
        ),
        (
            {"id": "x", "messages": [USER],
             "expected": [{"name": "f", "arguments": {"e": []}, "_numeric": {"e": "4"}}]},
            ["_numeric"],
        ),
        ({"id": "x", "messages": [USER], "expected": [{"name": "f"}], "category": "no_tool"}, ["no_tool"]),
        ({"id": "x", "messages": [{"role": "robot", "content": ""}], "expected": []}, ["messages.0.role"]),
    ],
)
def test_bad_items_name_file_line_and_field(tmp_path, row, fragments):
    path = write_lines(tmp_path / "bad.jsonl", [{"id": "ok", "messages": [USER], "expected": []}, row])
    with pytest.raises(DataError) as info:
        load_items(path)
    message = str(info.value)
    assert f"{path}:2" in message
    for fragment in fragments:
        assert fragment in message


def test_bad_json_and_duplicates(tmp_path):
    path = write_lines(tmp_path / "a.jsonl", [{"id": "a", "messages": [USER], "expected": []}, "{not json"])
    with pytest.raises(DataError, match=r"a\.jsonl:2: column 2: invalid JSON"):
        load_items(path)
    path = write_lines(tmp_path / "b.jsonl", ["[1, 2]"])
    with pytest.raises(DataError, match=r"b\.jsonl:1: expected a JSON object"):
        load_items(path)
    row = {"id": "a", "messages": [USER], "expected": []}
    path = write_lines(tmp_path / "c.jsonl", [row, row])
    with pytest.raises(DataError, match=r"c\.jsonl:2: duplicate id 'a' \(first on line 1\)"):
        load_items(path)
    with pytest.raises(DataError, match="cannot read"):
        load_items(tmp_path / "missing.jsonl")


def test_expected_call_accepts_names_and_aliases():
    by_alias = ExpectedCall.model_validate(
        {"name": "f", "arguments": {"q": ["x"]}, "_loose": ["q"], "_keywords": {"q": ["x"]}}
    )
    by_name = ExpectedCall(name="f", arguments={"q": ["x"]}, loose=["q"], keywords={"q": ["x"]})
    assert by_alias == by_name


def test_predictions_load_both_call_shapes(tmp_path):
    rows = [
        {"id": "a", "raw": "r", "calls": [{"name": "weather", "arguments": {"location": "Paris"}}],
         "error": None, "attempted": True, "latency_ms": 12.5},
        {"id": "b", "raw": "r", "attempted": True,
         "calls": [{"type": "function", "function": {"name": "f", "arguments": "{\"x\": 1}"}}]},
        {"id": "c", "raw": "plain text", "calls": None},
    ]
    preds = load_predictions(write_lines(tmp_path / "p.jsonl", rows))
    assert preds[0].calls[0].arguments == {"location": "Paris"} and preds[0].latency_ms == 12.5
    assert preds[1].calls[0].name == "f" and preds[1].calls[0].arguments == {"x": 1}
    assert preds[2].calls == [] and not preds[2].attempted_call and preds[2].latency_ms is None
    assert Prediction(id="d", calls=[{"name": "f"}]).attempted_call  # parsed calls imply an attempt
    bad = write_lines(tmp_path / "q.jsonl", [{"id": "a", "latency_ms": -1}])
    with pytest.raises(DataError, match=r"q\.jsonl:1.*latency_ms"):
        load_predictions(bad)


def test_item_round_trips_through_json():
    item = EvalItem.model_validate(
        {"id": "a", "messages": [USER],
         "expected": [{"name": "f", "arguments": {"n": [1]}, "_numeric": {"n": 1}}]}
    )
    again = EvalItem.model_validate_json(item.model_dump_json(by_alias=True))
    assert again == item
