import json

import pytest

from toolschool.errors import DataError
from toolschool.types import Conversation, Message, ToolCall, append_jsonl, read_jsonl, write_jsonl


def test_tool_call_accepts_openai_nested_and_flat_shapes():
    nested = ToolCall.model_validate(
        {"id": "c1", "type": "function", "function": {"name": "weather", "arguments": '{"location": "Oslo"}'}}
    )
    flat = ToolCall.model_validate({"id": "c1", "name": "weather", "arguments": {"location": "Oslo"}})
    assert nested == flat
    assert nested.arguments == {"location": "Oslo"}
    assert json.loads(nested.to_openai()["function"]["arguments"]) == {"location": "Oslo"}


def test_tool_call_rejects_non_object_arguments():
    with pytest.raises(ValueError, match="arguments"):
        ToolCall.model_validate({"name": "x", "arguments": "[1, 2]"})


def test_message_none_content_and_calls():
    m = Message.model_validate({"role": "assistant", "content": None, "tool_calls": None})
    assert m.content == "" and m.tool_calls == []


def test_jsonl_round_trip_and_append(tmp_path):
    conv = Conversation(
        messages=[
            Message(role="user", content="weather in Oslo?"),
            Message(role="assistant", tool_calls=[ToolCall(id="a", name="weather", arguments={"location": "Oslo"})]),
        ],
        meta={"id": "x1"},
    )
    path = tmp_path / "d" / "c.jsonl"
    assert write_jsonl(path, [conv, conv]) == 2
    append_jsonl(path, conv)
    back = read_jsonl(path, Conversation)
    assert back == [conv, conv, conv]
    assert not list(path.parent.glob(".c.jsonl.*"))  # no temp file left behind


def test_bad_jsonl_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"messages": []}\n\n{"messages": [{"role": "robot"}]}\n')
    with pytest.raises(DataError, match=r"bad\.jsonl:3: .*messages\.0\.role"):
        read_jsonl(path, Conversation)


def test_tools_stored_as_json_string_are_decoded():
    tools = [{"type": "function", "function": {"name": "f", "description": "", "parameters": {"type": "object"}}}]
    conv = Conversation.model_validate({"messages": [], "tools": json.dumps(tools)})
    assert conv.tool_names() == ["f"]
