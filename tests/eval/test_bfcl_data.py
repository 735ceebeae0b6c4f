"""BFCL files: loading (§2–§3), the FC tool conversion (§2, §7), and the real shared files end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.shared_data import shared_file
from toolschool.errors import DataError
from toolschool.eval.bfcl import (
    CATEGORIES,
    BfclEntry,
    answers_path,
    category_of,
    load_bfcl,
    load_entries,
    score_predictions,
    to_tool_schema,
)
from toolschool.eval.items import Prediction
from toolschool.formats import get_format
from toolschool.types import ToolCall

SAMPLES = Path(__file__).parent / "bfcl_samples"


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def question(item_id: str, text: str = "q", name: str = "f") -> dict[str, Any]:
    params = {"type": "dict", "properties": {"x": {"type": "integer", "description": "x"}}, "required": ["x"]}
    return {
        "id": item_id,
        "question": [[{"role": "user", "content": text}]],
        "function": [{"name": name, "description": "d", "parameters": params}],
    }


@pytest.mark.parametrize(
    ("item_id", "category"),
    [
        ("simple_python_17", "simple_python"),
        ("live_simple_30-8-0", "live_simple"),
        ("parallel_multiple_3", "parallel_multiple"),
        ("live_irrelevance_0-0-0", "live_irrelevance"),
        ("simple_0", "simple_python"),
    ],  # V3 name
)
def test_category_of_an_id(item_id, category):
    assert category_of(item_id) == category


def test_answers_are_read_beside_the_questions_and_aligned_by_line(tmp_path):
    path = write_jsonl(
        tmp_path / "BFCL_v4_simple_python.json", [question("simple_python_0"), question("simple_python_1")]
    )
    # BFCL aligns by index, not by id
    write_jsonl(
        answers_path(path),
        [
            {"id": "other_a", "ground_truth": [{"f": {"x": [1]}}]},
            {"id": "other_b", "ground_truth": [{"f": {"x": [2]}}]},
        ],
    )
    entries = load_bfcl(path)
    assert [e.ground_truth for e in entries] == [[{"f": {"x": [1]}}], [{"f": {"x": [2]}}]]
    assert entries[0].messages[0].content == "q" and entries[0].category == "simple_python"
    assert [e.id for e in load_bfcl(path, limit=1)] == ["simple_python_0"]


@pytest.mark.parametrize(
    ("questions", "answers", "message"),
    [
        ([question("simple_python_0")], None, "needs its possible answers"),
        ([question("simple_python_0")], [], "0 answers for 1 questions"),
        ([question("simple_java_0")], None, "'simple_java' is not supported"),
        ([question("multi_turn_base_0")], None, "not supported"),
        ([question("weird_0")], None, "not of a known BFCL category"),
        ([question("simple_python_0"), question("irrelevance_1")], None, "one category per file"),
        ([question("irrelevance_0"), question("irrelevance_0")], None, "duplicate id"),
        ([{"id": "irrelevance_0", "question": "hi", "function": []}], None, "'question' must be"),
        (
            [question("multiple_0")],
            [{"id": "multiple_0", "ground_truth": [{"g": {"x": [1]}}]}],
            "does not offer",
        ),
        (
            [question("simple_python_0")],
            [{"id": "simple_python_0", "ground_truth": [{"f": {"x": 1}}]}],
            "list of acceptable values",
        ),
    ],
)
def test_malformed_files_are_refused_with_file_and_line(tmp_path, questions, answers, message):
    path = write_jsonl(tmp_path / "BFCL_v4_x.json", questions)
    if answers is not None:
        write_jsonl(answers_path(path), answers)
    with pytest.raises(DataError, match=message) as info:
        load_bfcl(path)
    assert str(path.name) in str(info.value)


def test_unknown_parameter_type_is_refused_for_ast_categories(tmp_path):
    row = question("simple_python_0")
    row["function"][0]["parameters"]["properties"]["x"]["type"] = "complex"
    path = write_jsonl(tmp_path / "q.json", [row])
    write_jsonl(answers_path(path), [{"id": "simple_python_0", "ground_truth": [{"f": {"x": [1]}}]}])
    with pytest.raises(DataError, match=r"q.json:1 .*'complex', not a BFCL Python type"):
        load_bfcl(path)


def test_bad_json_names_the_line(tmp_path):
    path = tmp_path / "BFCL_v4_irrelevance.json"
    path.write_text(json.dumps(question("irrelevance_0")) + "\n{oops\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"BFCL_v4_irrelevance.json:2: column 2: invalid JSON"):
        load_bfcl(path)


def test_same_id_in_two_files_is_refused(tmp_path):
    a = write_jsonl(tmp_path / "a" / "BFCL_v4_irrelevance.json", [question("irrelevance_0")])
    b = write_jsonl(tmp_path / "b" / "BFCL_v4_irrelevance.json", [question("irrelevance_0")])
    with pytest.raises(DataError, match="also occurs in"):
        load_entries([str(a), str(b)])


def test_fc_tool_conversion_follows_bfcl():
    doc = {
        "name": "geo.route.plan",
        "description": "Plan a route.",
        "parameters": {
            "type": "dict",
            "required": ["stops"],
            "properties": {
                "stops": {"type": "tuple", "items": {"type": "string"}, "description": "Stops."},
                "speed": {"type": "float", "description": "Speed."},
                "options": {
                    "type": "dict",
                    "description": "Options.",
                    "properties": {
                        "tolls": {"type": "boolean", "description": "Tolls."},
                        "margin": {"type": "float", "description": "M."},
                    },
                },
                "legs": {
                    "type": "array",
                    "items": {"type": "dict", "properties": {"km": {"type": "float", "description": "K"}}},
                    "description": "Legs.",
                },
                "weights": {
                    "type": "array",
                    "items": {"type": "array", "items": {"type": "float"}},
                    "description": "W.",
                },
                "extra": {"type": "any", "description": "Anything."},
            },
        },
    }
    before = json.dumps(doc)
    tool = to_tool_schema(doc)
    assert json.dumps(doc) == before  # the BFCL doc is not modified
    assert tool.name == "geo_route_plan"
    assert tool.function.description == "Plan a route. Note that the provided function is in Python 3 syntax."
    params = tool.function.parameters
    props = params["properties"]
    assert params["type"] == "object" and params["required"] == ["stops"]
    assert props["stops"] == {"type": "array", "items": {"type": "string"}, "description": "Stops."}
    assert props["speed"] == {
        "type": "number",
        "format": "float",
        "description": "Speed. This is a float type value.",
    }
    assert props["options"]["type"] == "object"
    assert props["options"]["properties"]["margin"]["type"] == "number"
    assert props["options"]["properties"]["tolls"]["type"] == "boolean"
    assert (
        props["legs"]["items"]["type"] == "object"
        and props["legs"]["items"]["properties"]["km"]["type"] == "number"
    )
    assert props["weights"]["items"] == {"type": "array", "items": {"type": "number"}}
    assert props["extra"]["type"] == "string"
    assert to_tool_schema(doc, underscore_names=False).name == "geo.route.plan"


def truth_calls(entry: BfclEntry, underscore: bool) -> list[ToolCall]:
    """Calls built from an entry's ground truth: each parameter's first acceptable value; optional
    ones (``""`` listed) left out unless the schema requires them."""
    calls = []
    for call in entry.ground_truth or []:
        name, params = next(iter(call.items()))
        doc = (
            entry.functions[0]
            if entry.info.checker == "simple"
            else next(f for f in entry.functions if f["name"] == name)
        )
        required = doc["parameters"]["required"]
        arguments = {}
        for param, options in params.items():
            value = next((o for o in options if o != ""), None)
            if value is None or ("" in options and param not in required):
                continue
            if isinstance(value, dict):  # a dict answer maps keys to acceptable lists
                value = {k: v[0] for k, v in value.items() if v and v[0] != ""}
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                value = [{k: v[0] for k, v in d.items() if v and v[0] != ""} for d in value]
            arguments[param] = value
        calls.append(ToolCall(name=name.replace(".", "_") if underscore else name, arguments=arguments))
    return calls


def test_sample_files_of_every_category_load_and_score(tmp_path):
    files = sorted(str(p) for p in SAMPLES.glob("BFCL_v4_*.json"))
    entries = load_entries(files)
    assert {e.category for e in entries} == set(CATEGORIES) - {"simple_python", "irrelevance"}
    system_item = next(e for e in entries if e.id == "live_simple_0-0-0")
    assert [m.role for m in system_item.messages] == ["system", "user"]
    right = [Prediction(id=e.id, calls=truth_calls(e, True)) for e in entries]
    verdicts, scores = score_predictions(entries, right)
    wrong = [v for v in verdicts if not v.valid]
    assert [v.category for v in wrong] == ["live_relevance"]  # no call made: relevance fails
    assert scores.categories["live_irrelevance"].accuracy == 1.0
    # every AST answer is right; reversing parallel answers keeps them right (order-insensitive)
    flipped = [Prediction(id=p.id, calls=list(reversed(p.calls))) for p in right]
    assert [v.valid for v in score_predictions(entries, flipped)[0]] == [v.valid for v in verdicts]


def test_real_shared_files_end_to_end():
    """The shared BFCL files: all 640 items load, convert, render; right answers score 100%, wrong 0%."""
    simple = shared_file("bfcl", "BFCL_v4_simple_python.json")
    irrelevance = shared_file("bfcl", "BFCL_v4_irrelevance.json")
    entries = load_entries([str(simple), str(irrelevance)])
    assert [sum(e.category == c for e in entries) for c in ("simple_python", "irrelevance")] == [400, 240]
    fmt = get_format("tool_use")
    for e in entries:
        tools = [to_tool_schema(f) for f in e.functions]
        assert "." not in tools[0].name and tools[0].name in fmt.render_system(tools, "s")
    dotted = sum("." in e.functions[0]["name"] for e in entries if e.category == "simple_python")
    assert dotted == 167  # BFCL_SEMANTICS.md §1

    right = [Prediction(id=e.id, calls=truth_calls(e, True)) for e in entries]
    _, scores = score_predictions(entries, right)
    assert scores.categories["simple_python"].correct == 400
    assert scores.categories["irrelevance"].correct == 240
    assert scores.leaderboard["Irrelevance Detection"].display == "N/A"  # live_irrelevance not run
    # dotted names sent to a checker told the model saw underscores: every dotted item fails by name
    dotted_names = [Prediction(id=e.id, calls=truth_calls(e, False)) for e in entries]
    verdicts, scores = score_predictions(entries, dotted_names, underscore_names=True)
    assert scores.categories["simple_python"].correct == 400 - dotted
    assert {v.error_type for v in verdicts if not v.valid} == {"simple_function_checker:wrong_func_name"}
    # any call on an irrelevance item fails it, whatever its arguments
    calling = [Prediction(id=e.id, calls=[ToolCall(name="anything")]) for e in entries]
    _, scores = score_predictions(entries, calling)
    assert scores.categories["irrelevance"].correct == 0
    assert scores.categories["simple_python"].error_types == {"simple_function_checker:wrong_func_name": 400}
