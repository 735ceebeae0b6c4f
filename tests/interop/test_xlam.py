"""xLAM / APIGen records ⇄ canonical conversations: the published sample, round trips, errors."""

from __future__ import annotations

import json
import re

import pytest

from tests.interop.sample_files import SAMPLES
from toolschool.errors import DataError, UnrepresentableError
from toolschool.interop.canonical import canonical_ids
from toolschool.interop.source import iter_source
from toolschool.interop.xlam import python_type_to_schema, read_xlam, schema_to_python_type, write_xlam

SAMPLE = SAMPLES / "xlam_sample.json"


def _sample():
    return [(where, record, read_xlam(record, where)) for where, record in iter_source(SAMPLE)]


def test_sample_reads_into_user_and_calls():
    (_, _, parallel), (_, _, typed), (_, _, irrelevant) = _sample()
    assert [m.role for m in parallel.messages] == ["user", "assistant"]
    assert [(c.name, c.arguments) for c in parallel.messages[1].tool_calls] == [
        ("get_forecast", {"city": "Lyon", "days": 2}), ("get_forecast", {"city": "Porto", "days": 2})]
    forecast = parallel.tools[0].function.parameters
    assert forecast["required"] == ["city"]  # "int, optional" is not required
    assert forecast["properties"]["days"] == {"type": "integer", "description": "How many days ahead (1-7).",
                                              "default": 3}
    props = typed.tools[0].properties
    assert props["scores"]["type"] == "array" and props["scores"]["items"] == {"type": "number"}
    assert props["labels"]["type"] == "object" and props["round_result"]["type"] == "boolean"
    assert irrelevant.messages[1].tool_calls == [] and irrelevant.messages[1].content == ""
    assert parallel.meta == {"source": "xlam", "id": "0"}


def _base(kind: str) -> tuple[dict, bool]:
    optional = bool(re.search(r",\s*optional$", kind))
    return python_type_to_schema(re.sub(r",\s*optional$", "", kind)), optional


def test_sample_to_canonical_to_xlam_is_equivalent():
    for _, record, conversation in _sample():
        written = write_xlam(conversation, 0)
        assert written["id"] == str(record["id"])
        assert written["query"] == record["query"]
        assert json.loads(written["answers"]) == json.loads(record["answers"])
        before, after = json.loads(record["tools"]), json.loads(written["tools"])
        assert [(t["name"], t["description"]) for t in after] == [
            (t["name"], t["description"]) for t in before]
        for old, new in zip(before, after):
            assert old["parameters"].keys() == new["parameters"].keys()
            for name, spec in old["parameters"].items():
                again = new["parameters"][name]
                assert _base(again["type"]) == _base(spec["type"])  # same type and optionality
                rest = {k: v for k, v in spec.items() if k != "type"}
                assert {k: v for k, v in again.items() if k != "type"} == rest


def test_canonical_to_xlam_to_canonical_is_equal(conversations):
    written = 0
    for i, conversation in enumerate(conversations):
        try:
            record = write_xlam(conversation, i)
        except UnrepresentableError as exc:  # results, final answers, several turns or a system prompt
            assert "xLAM holds" in str(exc)
            continue
        back = read_xlam(json.loads(json.dumps(record)), "x")
        assert canonical_ids(back).messages == canonical_ids(conversation).messages
        assert back.tools == conversation.tools
        written += 1
    assert written >= 20


@pytest.mark.parametrize("text, schema", [
    ("str", {"type": "string"}), ("Int", {"type": "integer"}), ("float", {"type": "number"}),
    ("List[int]", {"type": "array", "items": {"type": "integer"}}), ("list", {"type": "array"}),
    ("Dict[str, Any]", {"type": "object"}), ("Optional[str]", {"type": "string"}), ("Any", {}),
    ("Tuple[int, int]", {"type": "array"}), ("callable", {}),
])
def test_python_type_strings(text, schema):
    assert python_type_to_schema(text) == schema
    assert python_type_to_schema(schema_to_python_type(schema)) == schema


@pytest.mark.parametrize("record, message", [
    ({"tools": "[]", "answers": "[]"}, "missing field 'query'"),
    ({"query": "q", "tools": "[{\"name\": \"f\", \"parameters\": {\"x\": \"str\"}}]", "answers": "[]"},
     "tool 'f': parameter 'x' must be an object"),
    ({"query": "q", "tools": "[]", "answers": "[{\"arguments\": {}}]"}, r"answers\[0\] must be"),
    ({"query": "q", "tools": "[]", "answers": "[{\"name\": \"f\", \"arguments\": [1]}]"},
     r"answers\[0\].arguments must be an object"),
    ({"query": "q", "tools": "not json", "answers": "[]"}, "field 'tools' is a string but not JSON"),
])
def test_bad_records_name_the_place(record, message):
    with pytest.raises(DataError, match=f"^data.json:7: .*{message}"):
        read_xlam(record, "data.json:7")


def test_text_answers_are_not_xlam(conversations):
    chat = next(c for c in conversations if c.meta["id"] == "hand_chat")
    with pytest.raises(UnrepresentableError, match="'hand_chat': xLAM holds one user request"):
        write_xlam(chat, 0)
