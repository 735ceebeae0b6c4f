"""ShareGPT (LLaMA-Factory) records ⇄ canonical conversations: the sample, round trips, errors."""

from __future__ import annotations

import json

import pytest

from tests.interop.sample_files import SAMPLES
from toolschool.errors import DataError, UnrepresentableError
from toolschool.interop.canonical import canonical_ids
from toolschool.interop.sharegpt import read_sharegpt, write_sharegpt
from toolschool.interop.source import iter_source
from toolschool.types import Conversation, Message, ToolCall

SAMPLE = SAMPLES / "sharegpt_sample.json"


def _sample():
    return [(record, read_sharegpt(record, where)) for where, record in iter_source(SAMPLE)]


def test_sample_reads_calls_parallel_results_and_system():
    (_, area), (_, clocks), (_, plain) = _sample()
    assert [m.role for m in area.messages] == ["user", "assistant", "tool", "assistant"]
    assert area.messages[1].tool_calls[0].arguments == {"width": 3.5, "height": 1.2}
    assert [t.name for t in area.tools] == ["rectangle_area", "current_time"]
    calls = clocks.messages[1].tool_calls
    assert [c.arguments["tz"] for c in calls] == ["Asia/Tokyo", "America/Lima"]
    results = clocks.messages[2:4]
    assert [(m.tool_call_id, json.loads(m.content)) for m in results] == [
        (calls[0].id, {"time": "22:05"}), (calls[1].id, {"time": "08:05"})]
    assert plain.messages[0] == Message(role="system", content="You are a calm, brief assistant.")


def test_sample_to_canonical_to_sharegpt_is_equal():
    for record, conversation in _sample():
        written = write_sharegpt(conversation, 0)
        assert written["conversations"] == record["conversations"]
        assert json.loads(written["tools"]) == json.loads(record["tools"])
        assert written.get("system") == record.get("system")


def test_canonical_to_sharegpt_to_canonical_is_equal(conversations):
    for i, conversation in enumerate(conversations):
        back = read_sharegpt(json.loads(json.dumps(write_sharegpt(conversation, i))), "s")
        assert canonical_ids(back).messages == canonical_ids(conversation).messages, conversation.meta["id"]
        assert back.tools == conversation.tools


@pytest.mark.parametrize("turns, message", [
    ([{"from": "gpt", "value": "hi"}], r"conversations\[0\]: role 'gpt' where LLaMA-Factory expects human or "
                                        "observation"),
    ([{"from": "human", "value": "q"}, {"from": "function_call", "value": "{not json"}],
     r"conversations\[1\]: function_call value is not JSON"),
    ([{"from": "human", "value": "q"}, {"from": "function_call", "value": '{"arguments": {}}'}],
     r"conversations\[1\]: function_call 0 must be"),
    ([{"from": "human"}], r"conversations\[0\]: each turn needs 'from' and a string 'value'"),
    ([{"from": "system", "value": 3}], r"conversations\[0\]: field 'value' must be a string"),
])
def test_bad_records_name_the_turn(turns, message):
    with pytest.raises(DataError, match=f"^s.json:9: {message}"):
        read_sharegpt({"conversations": turns}, "s.json:9")
    with pytest.raises(DataError, match="^s.json:9: field 'system' must be a string"):
        read_sharegpt({"conversations": [], "system": ["x"]}, "s.json:9")


def test_what_llama_factory_cannot_take_is_refused():
    call = ToolCall(name="f", arguments={})
    mixed = Conversation(messages=[Message(role="user", content="q"),
                                   Message(role="assistant", content="let me see", tool_calls=[call])])
    with pytest.raises(UnrepresentableError, match="holds calls only"):
        write_sharegpt(mixed, 0)
    unanswered = Conversation(messages=[Message(role="user", content="q")])
    with pytest.raises(UnrepresentableError, match="ends on a human turn"):
        write_sharegpt(unanswered, 0)
