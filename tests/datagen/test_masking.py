"""Hammer-style masking: random tool names applied consistently to tools, calls and results."""

from __future__ import annotations

import random

import pytest

from toolschool.datagen.masking import mask_conversation, mask_share
from toolschool.formats import get_format
from toolschool.tools.schema import validate_arguments
from toolschool.types import Conversation, FunctionSpec, Message, ToolCall, ToolSchema

WEATHER = ToolSchema(function=FunctionSpec(
    name="weather", description="Current weather for a place.",
    parameters={"type": "object", "properties": {"location": {"type": "string"}, "days": {"type": "integer"}},
                "required": ["location"]}))
CLOCK = ToolSchema(function=FunctionSpec(
    name="clock", description="Current time in a time zone.",
    parameters={"type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"]}))
CALLS = [ToolCall(id="c0", name="weather", arguments={"location": "Oslo"}),
         ToolCall(id="c1", name="clock", arguments={"tz": "Europe/Oslo"})]
CONVERSATION = Conversation(
    messages=[Message(role="user", content="weather in Oslo and the time there?"),
              Message(role="assistant", tool_calls=CALLS),
              Message(role="tool", tool_call_id="c0", name="weather", content="-2 C"),
              Message(role="tool", tool_call_id="c1", name="clock", content="10:00"),
              Message(role="assistant", content="It's -2 C and 10:00 in Oslo.")],
    tools=[WEATHER, CLOCK], meta={"id": "x"})


@pytest.mark.parametrize("parameters", [False, True])
def test_names_change_together_and_descriptions_stay(parameters):
    masked = mask_conversation(CONVERSATION, random.Random(0), parameters=parameters)
    mapping = masked.meta["masked"]["functions"]
    assert set(mapping) == {"weather", "clock"} and not set(mapping.values()) & {"weather", "clock"}
    by_name = {t.name: t for t in masked.tools}
    assert set(by_name) == set(mapping.values())
    assert by_name[mapping["weather"]].function.description == WEATHER.function.description
    calls = masked.messages[1].tool_calls
    assert [c.name for c in calls] == [mapping["weather"], mapping["clock"]]
    assert [m.name for m in masked.messages[2:4]] == [mapping["weather"], mapping["clock"]]
    for call in calls:  # masked calls still validate against the masked tools
        assert validate_arguments(by_name[call.name], call.arguments) == []
    renamed = masked.meta["masked"]["parameters"]
    if parameters:
        assert list(calls[0].arguments) == [renamed["weather"]["location"]]
        assert by_name[mapping["weather"]].required == [renamed["weather"]["location"]]
    else:
        assert renamed == {} and calls[0].arguments == {"location": "Oslo"}
    assert masked.messages[0] == CONVERSATION.messages[0] and masked.messages[4] == CONVERSATION.messages[4]
    assert CONVERSATION.tools[0].name == "weather"  # the input is not modified
    text = get_format("pythonic").render_calls(calls)  # identifiers every format can write
    assert get_format("pythonic").parse(text).calls[0].name == mapping["weather"]


def test_share_is_seeded_and_skips_conversations_without_tools():
    plain = Conversation(messages=[Message(role="user", content="hi"),
                                   Message(role="assistant", content="hey")])
    data = [CONVERSATION] * 300 + [plain] * 20
    out, count = mask_share(data, 0.3, seed=1)
    assert out == mask_share(data, 0.3, seed=1)[0]
    assert 60 <= count <= 120
    assert sum("masked" in c.meta for c in out) == count
    assert all(c is plain for c in out[300:])
    with pytest.raises(ValueError, match="mask share"):
        mask_share(data, 1.5, seed=1)
