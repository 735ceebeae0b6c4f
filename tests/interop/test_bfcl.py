"""BFCL files ⇄ eval items, on the real ``shared/bfcl`` files: acceptable values kept, the
toolschool checker accepts the first-choice calls, and items write back to BFCL."""

from __future__ import annotations

import json

import pytest

from tests.shared_data import SHARED, needs_shared
from toolschool.errors import DataError, UnrepresentableError
from toolschool.eval.checker import check_item
from toolschool.eval.items import EvalItem
from toolschool.interop.bfcl import read_bfcl, write_bfcl
from toolschool.interop.bfcl_schema import BFCL_TO_JSON
from toolschool.interop.canonical import item_to_conversation
from toolschool.interop.source import iter_source

SIMPLE = SHARED / "bfcl" / "BFCL_v4_simple_python.json"
IRRELEVANCE = SHARED / "bfcl" / "BFCL_v4_irrelevance.json"
pytestmark = needs_shared("bfcl", SIMPLE.name)


@pytest.fixture(scope="module")
def simple() -> list[dict]:
    pairs = list(read_bfcl(SIMPLE))
    assert pairs[1][0] == f"{SIMPLE}:2"
    return [item for _, item in pairs]


def test_simple_python_reads_400_items_with_acceptable_values(simple):
    assert len(simple) == 400
    first = EvalItem.model_validate(simple[0])
    assert first.id == "simple_python_0" and first.category == "single"
    assert first.expected[0].name == "calculate_triangle_area"
    assert first.expected[0].arguments == {"base": [10], "height": [5], "unit": ["units", ""]}
    assert first.tools[0].function.parameters["type"] == "object"
    dotted = next(i for i in simple if i["id"] == "simple_python_1")
    assert dotted["tools"][0]["function"]["name"] == "math.factorial" == dotted["expected"][0]["name"]
    types = {p.get("type") for i in simple for t in i["tools"]
             for p in t["function"]["parameters"]["properties"].values()}
    assert types <= set(BFCL_TO_JSON.values())  # no BFCL-only names left (float, dict, tuple, any)


def test_the_checker_accepts_the_first_choice_of_every_item(simple):
    for record in simple:
        item = EvalItem.model_validate(record)
        conversation = item_to_conversation(record, record["id"])
        check = check_item(item, conversation.messages[-1].tool_calls, tools=item.tools)
        assert check.correct, (record["id"], check)


def test_underscore_names_apply_to_tools_and_answers():
    item = next(i for _, i in read_bfcl(SIMPLE, underscore_names=True) if i["id"] == "simple_python_1")
    assert item["tools"][0]["function"]["name"] == "math_factorial" == item["expected"][0]["name"]


@needs_shared("bfcl", IRRELEVANCE.name)
def test_irrelevance_items_expect_no_call():
    items = [item for _, item in read_bfcl(IRRELEVANCE)]
    assert len(items) == 240
    assert all(EvalItem.model_validate(i).category == "no_tool" for i in items)


def test_items_write_back_to_the_same_bfcl_lines(simple):
    answers = [a for _, a in iter_source(SIMPLE.parent / "possible_answer" / SIMPLE.name)]
    for (_, question), answer, item in zip(iter_source(SIMPLE), answers, simple):
        written_q, written_a = write_bfcl(EvalItem.model_validate(item))
        assert written_a == answer
        assert written_q["question"] == question["question"] and written_q["id"] == question["id"]
        for old, new in zip(question["function"], written_q["function"]):
            assert (old["name"], old["description"]) == (new["name"], new["description"])
            assert _typed(old["parameters"]) == _typed(new["parameters"])


def _typed(schema):
    """BFCL types compared by their JSON Schema meaning (tuple = array, any = string to the checker)."""
    if isinstance(schema, dict):
        return {k: (BFCL_TO_JSON.get(v, v) if k == "type" and isinstance(v, str) else _typed(v))
                for k, v in schema.items()}
    return [_typed(v) for v in schema] if isinstance(schema, list) else schema


def test_misaligned_answers_and_multi_turn_are_refused(tmp_path):
    questions = tmp_path / "BFCL_v4_simple_python.json"
    lines = SIMPLE.read_text(encoding="utf-8").splitlines()[:2]
    questions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "possible_answer").mkdir()
    answer_lines = (SIMPLE.parent / "possible_answer" / SIMPLE.name).read_text(encoding="utf-8").splitlines()
    (tmp_path / "possible_answer" / questions.name).write_text(answer_lines[1] + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="1 answers for 2 questions"):
        list(read_bfcl(questions))
    (tmp_path / "possible_answer" / questions.name).write_text("\n".join(answer_lines[1::-1]) + "\n",
                                                               encoding="utf-8")
    with pytest.raises(DataError, match=r":1: answer id 'simple_python_1' does not match question 'simple_"):
        list(read_bfcl(questions))
    record = json.loads(lines[0])
    record["question"].append([{"role": "user", "content": "and again"}])
    questions.write_text(json.dumps(record) + "\n", encoding="utf-8")
    (tmp_path / "possible_answer" / questions.name).write_text(answer_lines[0] + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=":1: 'simple_python_0' has 2 turns"):
        list(read_bfcl(questions))


def test_keyword_checks_have_no_bfcl_form():
    item = EvalItem.model_validate({
        "id": "t", "messages": [{"role": "user", "content": "news on tides"}],
        "tools": [{"type": "function", "function": {"name": "web_search", "parameters": {
            "type": "object", "properties": {"query": {"type": "string"}}}}}],
        "expected": [{"name": "web_search", "arguments": {"query": ["tides"]}, "_loose": ["query"],
                      "_keywords": {"query": ["tides"]}}]})
    with pytest.raises(UnrepresentableError, match="_loose/_numeric"):
        write_bfcl(item)
