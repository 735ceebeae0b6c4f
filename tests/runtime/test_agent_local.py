"""The agent loop with real generation (tiny random model): whatever it writes, the loop
terminates and the trace is a valid Conversation."""

import pytest

from toolschool.backends import LocalBackend, prepare_for_inference
from toolschool.formats import get_format
from toolschool.runtime import Agent, ToolExecutor
from toolschool.tools import tool
from toolschool.types import Conversation, read_jsonl


@tool
def weather(location: str) -> str:
    """Current weather.

    Args:
        location: city name.
    """
    return f"4 °C in {location}"


@pytest.mark.parametrize("fmt_name,early", [("tool_use", True), ("hermes", False)])
def test_agent_with_local_backend(tiny, tmp_path, fmt_name, early):
    fmt = get_format(fmt_name)
    model = prepare_for_inference(tiny.model, "float32")
    backend = LocalBackend(model, tiny.tokenizer, fmt, max_new_tokens=16)
    executor = ToolExecutor([weather])
    path = tmp_path / "trace.jsonl"
    agent = Agent(backend, executor, executor.schemas, fmt, system="Be brief.", max_steps=2,
                  early_execution=early, trace_path=path)
    result = agent.run("What is the weather in Oslo?")
    assert 1 <= result.steps <= 2 and result.stopped_by in ("answer", "max_steps")
    assert result.step_log[0].raw and result.step_log[0].early is early
    (trace,) = read_jsonl(path, Conversation)
    assert trace.messages[0].content == "Be brief." and trace.messages[1].role == "user"
    assert trace.messages == result.conversation.messages and trace.tool_names() == ["weather"]
