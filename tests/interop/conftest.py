"""A fixture of canonical conversations covering what the formats must carry."""

from __future__ import annotations

import pytest

from toolschool.types import Conversation, FunctionSpec, Message, ToolCall, ToolSchema


def _tool(name: str, properties: dict, required: list[str], description: str = "") -> ToolSchema:
    return ToolSchema(function=FunctionSpec(name=name, description=description or f"the {name} tool",
                                            parameters={"type": "object", "properties": properties,
                                                        "required": required}))


@pytest.fixture(scope="session")
def conversations() -> list[Conversation]:
    """Generated training conversations (single, parallel, chained, no-tool, final answers) plus
    hand-written ones with a system prompt, typed parameters and text before a call."""
    import tempfile

    from toolschool.datagen import DataConfig, generate
    from toolschool.types import read_jsonl

    with tempfile.TemporaryDirectory() as out:
        result = generate(DataConfig(seed=3, n_train=80, n_val=0, n_test=0), out)
        generated = read_jsonl(result.train_path, Conversation)
    properties = {"values": {"type": "array", "items": {"type": "number"}, "description": "numbers"},
                  "mode": {"type": "string", "enum": ["mean", "median"], "default": "mean"},
                  "strict": {"type": "boolean"}, "options": {"type": "object"}, "count": {"type": "integer"}}
    stats = _tool("stats", properties, ["values"])
    arguments = {"values": [1, 2.5], "mode": "median", "options": {"k": 1}}
    call = ToolCall(id="a1", name="stats", arguments=arguments)
    typed = Conversation(messages=[Message(role="system", content="Be brief."),
                                   Message(role="user", content="median of 1 and 2.5?"),
                                   Message(role="assistant", tool_calls=[call])],
                         tools=[stats], meta={"id": "hand_typed"})
    chat = Conversation(
        messages=[Message(role="user", content="hi"), Message(role="assistant", content="Hello!"),
                  Message(role="user", content="median of 4 and 6?"),
                  Message(role="assistant", tool_calls=[call.model_copy(update={"id": "b"})]),
                  Message(role="tool", tool_call_id="b", name="stats", content='{"median": 5}'),
                  Message(role="assistant", content="It's 5.")],
        tools=[stats], meta={"id": "hand_chat"})
    return [*generated, typed, chat]
