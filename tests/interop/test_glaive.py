"""Glaive function-calling v2 records ⇄ canonical conversations: the published sample, round
trips, the single-quoted arguments, errors."""

from __future__ import annotations

import json

import pytest

from tests.interop.sample_files import SAMPLES
from toolschool.errors import DataError, UnrepresentableError
from toolschool.interop.canonical import canonical_ids
from toolschool.interop.glaive import parse_call, read_glaive, write_glaive
from toolschool.interop.source import iter_source

SAMPLE = SAMPLES / "glaive_sample.json"


def _sample():
    return [(record, read_glaive(record, where)) for where, record in iter_source(SAMPLE)]


def test_sample_reads_turns_calls_and_results():
    (_, loan), (_, translate), (_, plain) = _sample()
    assert [m.role for m in loan.messages] == ["user", "assistant", "tool", "assistant", "user", "assistant"]
    call = loan.messages[1].tool_calls[0]
    assert (call.name, call.arguments) == ("calculate_loan_payment", {"principal": 20000, "annual_rate": 4.5,
                                                                      "years": 5})
    assert loan.messages[2].tool_call_id == call.id and loan.messages[2].name == "calculate_loan_payment"
    assert loan.messages[3].content == "Your monthly payment would be about $372.86."  # <|endoftext|> removed
    assert loan.tools[0].required == ["principal", "annual_rate", "years"]
    assert [t.name for t in translate.tools] == ["get_random_quote", "translate_text"]
    assert translate.messages[1].content == "Sure, let me translate that."  # text before <functioncall>
    assert plain.tools == [] and [m.role for m in plain.messages] == ["user", "assistant"]
    assert all(m.role != "system" for _, c in _sample() for m in c.messages)  # the standard sentences drop


def test_sample_to_canonical_to_glaive_is_byte_equal():
    for record, conversation in _sample():
        written = write_glaive(conversation, 0)
        assert written["system"] == record["system"]
        assert written["chat"] == record["chat"]


def test_canonical_to_glaive_to_canonical_is_equal(conversations):
    written = 0
    for i, conversation in enumerate(conversations):
        try:
            record = write_glaive(conversation, i)
        except UnrepresentableError as exc:
            assert "one call per assistant turn" in str(exc)
            continue
        back = read_glaive(json.loads(json.dumps(record)), "g")
        assert canonical_ids(back).messages == canonical_ids(conversation).messages, conversation.meta["id"]
        assert back.tools == conversation.tools
        written += 1
    assert written >= 40


def test_a_custom_system_prompt_takes_the_sentence_place(conversations):
    typed = next(c for c in conversations if c.meta["id"] == "hand_typed")
    record = write_glaive(typed, 0)
    assert record["system"].startswith("SYSTEM: Be brief.\n{")
    assert read_glaive(record, "g").messages[0].content == "Be brief."


@pytest.mark.parametrize("text, expected", [
    ("{\"name\": \"f\", \"arguments\": '{\"a\": \"it's\"}'}", ("f", {"a": "it's"})),
    ('{"name": "f", "arguments": {"a": 1}}', ("f", {"a": 1})),
    ('{"name": "f", "arguments": "{\\"a\\": 1}"}', ("f", {"a": 1})),
    ("{\"name\": \"f\", \"arguments\": ''}", ("f", {})),
])
def test_call_spellings(text, expected):
    assert parse_call(text, "g") == expected


@pytest.mark.parametrize("chat, message", [
    ("FUNCTION RESPONSE: {}\n", "chat turn 1: a tool result with no call before it"),
    ("USER: hi\nASSISTANT: <functioncall> {\"name\": \"f\", \"arguments\": '{oops}'} <|endoftext|>",
     "chat turn 2: the function call's arguments are not JSON"),
    ("hello\nUSER: hi", "field 'chat' must begin with"),
])
def test_bad_chats_name_the_turn(chat, message):
    with pytest.raises(DataError, match=f"^g.json:4: {message}"):
        read_glaive({"system": "SYSTEM: x", "chat": chat}, "g.json:4")


def test_bad_functions_are_reported():
    with pytest.raises(DataError, match="g.json:4: field 'system': function 2 is not JSON"):
        read_glaive({"system": 'SYSTEM: x -\n{"name": "a"}\n\n{"name": ', "chat": "USER: hi"}, "g.json:4")
