"""OpenAIBackend against a real HTTP server on 127.0.0.1 (stdlib), through the real openai client:
recorded chat-completions replies — a tool call, then the final answer — drive an Agent."""

from __future__ import annotations

import json

import pytest

from tests.openai_server import ANSWER, CALL
from tests.openai_server import OpenAIServer as _Server
from tests.openai_server import reply as _reply
from toolschool.backends.local import ChatRequest
from toolschool.backends.openai_http import EndpointError, OpenAIBackend, to_openai_messages
from toolschool.formats import get_format
from toolschool.runtime import Agent, ToolExecutor
from toolschool.tools import get_toolkit
from toolschool.tools.assistant import assistant_tools
from toolschool.types import Message, ToolCall


def test_agent_runs_a_structured_call_from_the_endpoint_and_answers(tmp_path, monkeypatch):
    monkeypatch.setenv("TS_TEST_KEY", "sk-test-123")
    with _Server([(200, CALL), (200, ANSWER)]) as server:
        backend = OpenAIBackend(server.url, "tiny-agent", api_key_env="TS_TEST_KEY", timeout_s=10)
        executor = ToolExecutor(assistant_tools())
        calculator = [s for s in executor.schemas if s.name == "calculator"]
        agent = Agent(backend, executor, calculator, get_format("tool_use"), system="Be brief.",
                      trace_path=tmp_path / "trace.jsonl")
        result = agent.run("What is 17 * 23?")

    assert result.answer == "17 × 23 = 391." and result.steps == 2 and result.stopped_by == "answer"
    assert [o.name for o in result.outcomes] == ["calculator"] and result.outcomes[0].ok
    assert "391" in result.outcomes[0].content
    first, second = server.bodies
    assert server.headers[0]["authorization"] == "Bearer sk-test-123"
    assert first["model"] == "tiny-agent"
    assert first["messages"] == [{"role": "system", "content": "Be brief."},
                                 {"role": "user", "content": "What is 17 * 23?"}]
    assert [t["function"]["name"] for t in first["tools"]] == ["calculator"]
    assert first["tools"][0]["type"] == "function"
    # the second request carries the assistant's call (same id) and the tool's result
    assistant, tool = second["messages"][2:]
    assert assistant["role"] == "assistant" and assistant["tool_calls"][0]["id"] == "call_abc"
    assert json.loads(assistant["tool_calls"][0]["function"]["arguments"]) == {"expression": "17 * 23"}
    assert tool["role"] == "tool" and tool["tool_call_id"] == "call_abc" and "391" in tool["content"]
    # the trace is the canonical conversation with the structured call
    calls = result.conversation.messages[2].tool_calls
    assert calls == [ToolCall(id="call_abc", name="calculator", arguments={"expression": "17 * 23"})]


def test_completion_is_structured_and_bad_arguments_are_repaired():
    broken = _reply({"content": "", "tool_calls": [{
        "id": "c1", "type": "function",
        "function": {"name": "calculator", "arguments": "{'expression': '2+2'"},
    }]}, "tool_calls")
    with _Server([(200, ANSWER), (200, broken)]) as server:
        backend = OpenAIBackend(server.url, "m", api_key_env=None)
        plain, repaired = backend.complete([ChatRequest([Message(role="user", content="hi")], [])] * 2)
    assert plain.raw == "17 × 23 = 391." and plain.calls == [] and plain.new_tokens == 12
    assert repaired.raw == "" and repaired.calls == [ToolCall(id="c1", name="calculator",
                                                              arguments={"expression": "2+2"})]
    assert "tools" not in server.bodies[0]


def test_endpoint_errors_are_clear():
    with _Server([(500, {"error": {"message": "model crashed"}})]) as server:
        backend = OpenAIBackend(server.url, "m", api_key_env=None)
        with pytest.raises(EndpointError, match="HTTP 500"):
            backend.complete([ChatRequest([Message(role="user", content="hi")], [])])
    with pytest.raises(EndpointError, match="127.0.0.1:9"):
        OpenAIBackend("http://127.0.0.1:9/v1", "m", api_key_env=None, timeout_s=2).complete(
            [ChatRequest([Message(role="user", content="hi")], [])])


def test_messages_without_ids_pair_up():
    wire = to_openai_messages([
        Message(role="user", content="a"),
        Message(role="assistant", tool_calls=[ToolCall(name="x"), ToolCall(name="y")]),
        Message(role="tool", content="1"), Message(role="tool", content="2"),
    ])
    assert [c["id"] for c in wire[1]["tool_calls"]] == ["call_1_0", "call_1_1"]
    assert wire[1]["content"] is None
    assert [m["tool_call_id"] for m in wire[2:]] == ["call_1_0", "call_1_1"]


def test_tool_choice_and_parallel_calls_are_sent_as_the_api_names_them():
    from toolschool.backends.local import NamedTool

    tools = get_toolkit("assistant")[:2]
    user = [Message(role="user", content="hi")]
    with _Server([(200, CALL)] * 3) as server:
        backend = OpenAIBackend(server.url, "m", api_key_env=None)
        backend.complete([ChatRequest(user, tools), ChatRequest(user, tools, "required", False),
                          ChatRequest(user, tools, NamedTool(tools[1].name))])
    auto, required, named = server.bodies
    assert "tool_choice" not in auto and "parallel_tool_calls" not in auto
    assert required["tool_choice"] == "required" and required["parallel_tool_calls"] is False
    assert named["tool_choice"] == {"type": "function", "function": {"name": tools[1].name}}


def test_prompt_mode_puts_declarations_and_calls_in_text_and_parses_nothing_itself():
    fmt = get_format("hermes")
    tools = get_toolkit("assistant")[:2]
    call = ToolCall(id="c1", name=tools[0].name, arguments={"x": 1})
    messages = [Message(role="user", content="hi"), Message(role="assistant", content="", tool_calls=[call]),
                Message(role="tool", content="42", tool_call_id="c1", name=tools[0].name)]
    text = fmt.render_assistant("", [call])
    with _Server([(200, _reply({"content": text}, "stop"))]) as server:
        backend = OpenAIBackend(server.url, "m", api_key_env=None, mode="prompt", fmt=fmt, system="Be brief.")
        (answer,) = backend.complete([ChatRequest(messages, tools)])
    (body,) = server.bodies
    assert "tools" not in body
    assert body["messages"][0] == {"role": "system", "content": fmt.render_system(tools, "Be brief.")}
    assert body["messages"][2] == {"role": "assistant", "content": text}
    assert body["messages"][3] == {"role": "tool", "tool_call_id": "c1", "content": "42",
                                   "name": tools[0].name}
    assert answer.calls is None and answer.raw == text  # the caller parses it with the format
    with pytest.raises(ValueError, match="wire format"):
        OpenAIBackend(server.url, "m", mode="completions")
    with pytest.raises(ValueError, match="mode must be one of"):
        OpenAIBackend(server.url, "m", mode="raw", fmt=fmt)
