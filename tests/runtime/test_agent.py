import json
import time
from typing import Literal

import pytest

from toolschool.backends.scripted import ScriptedBackend
from toolschool.formats import get_format
from toolschool.runtime import Agent, ToolExecutor
from toolschool.tools import tool
from toolschool.types import Conversation, ToolCall, read_jsonl

STARTS: list[tuple[str, float]] = []


@tool
def weather(location: str) -> dict:
    """Current weather.

    Args:
        location: city name.
    """
    STARTS.append((location, time.perf_counter()))
    time.sleep(0.05)
    return {"location": location, "temp_c": {"Oslo": 4, "Paris": 12}.get(location, 20)}


@tool
def calculator(expression: str) -> str:
    """Evaluate arithmetic.

    Args:
        expression: e.g. 12-4.
    """
    a, b = expression.split("-")
    return str(int(a) - int(b))


TOOLS = [weather, calculator]
SCHEMAS = [t.schema for t in TOOLS]


def tu(name, **args):
    return get_format("tool_use").render_calls([ToolCall(name=name, arguments=args)])


def hermes(*calls):
    return get_format("hermes").render_calls([ToolCall(name=n, arguments=a) for n, a in calls])


def make(turns, fmt="tool_use", **kw):
    backend = ScriptedBackend(turns, chunk_chars=kw.pop("chunk_chars", 4), delay_s=kw.pop("delay_s", 0.0))
    agent = Agent(backend, ToolExecutor(TOOLS), SCHEMAS, get_format(fmt), **kw)
    return agent, backend


@pytest.mark.parametrize("early", [True, False])
def test_single_call_then_answer(early):
    agent, backend = make([tu("weather", location="Oslo"), "It is 4 °C in Oslo."], early_execution=early)
    result = agent.run("weather in Oslo?")
    assert result.answer == "It is 4 °C in Oslo." and result.stopped_by == "answer" and result.steps == 2
    roles = [m.role for m in result.conversation.messages]
    assert roles == ["user", "assistant", "tool", "assistant"]
    call_msg, tool_msg = result.conversation.messages[1], result.conversation.messages[2]
    assert call_msg.tool_calls[0].name == "weather" and call_msg.tool_calls[0].id == "call_0_0"
    assert tool_msg.tool_call_id == "call_0_0" and json.loads(tool_msg.content)["temp_c"] == 4
    # the second request carried the tool result back to the model
    assert backend.requests[1].messages[-1].role == "tool"
    assert result.step_log[0].early is early and result.outcomes[0].ok


def test_parallel_calls_hermes():
    turn = hermes(("weather", {"location": "Oslo"}), ("weather", {"location": "Paris"}))
    agent, _ = make([turn, "Oslo 4, Paris 12."], fmt="hermes")
    result = agent.run("weather in Oslo and Paris")
    step = result.step_log[0]
    assert [c.arguments["location"] for c in step.calls] == ["Oslo", "Paris"]
    assert [c.id for c in step.calls] == ["call_0_0", "call_0_1"]
    tools = [m for m in result.conversation.messages if m.role == "tool"]
    assert [json.loads(m.content)["location"] for m in tools] == ["Oslo", "Paris"]
    assert result.answer == "Oslo 4, Paris 12."


def test_chained_calls_use_earlier_results():
    """The second call's arguments come from the first result (the script reads them from the
    request the backend received, as a model would from its prompt)."""

    class Chained(ScriptedBackend):
        def stream(self, request):
            if len(self.requests) == 1:  # second turn: build the call from the tool result
                temp = json.loads(request.messages[-1].content)["temp_c"]
                self.turns[1] = tu("calculator", expression=f"20-{temp}")
            return super().stream(request)

    backend = Chained([tu("weather", location="Oslo"), "", "16 degrees colder than 20."])
    agent = Agent(backend, ToolExecutor(TOOLS), SCHEMAS, get_format("tool_use"), system="Be brief.")
    result = agent.run("how much colder than 20 is Oslo?")
    assert [s.calls[0].name for s in result.step_log[:2]] == ["weather", "calculator"]
    assert result.step_log[1].calls[0].arguments == {"expression": "20-4"}
    assert result.outcomes[1].content == "16" and result.steps == 3
    first = result.conversation.messages[0]
    assert first.role == "system" and first.content == "Be brief."
    assert backend.requests[0].messages[0].content == "Be brief."


def test_max_steps_stop():
    agent, _ = make([tu("weather", location="Oslo")] * 3, max_steps=3)
    result = agent.run("loop forever")
    assert result.stopped_by == "max_steps" and result.steps == 3 and result.answer == ""
    assert len(result.outcomes) == 3 and result.conversation.messages[-1].role == "tool"


def test_malformed_call_text_becomes_the_answer():
    raw = 'TOOL_USE[weather:{"location": "Oslo"'
    agent, _ = make([raw])
    result = agent.run("weather?")
    assert result.stopped_by == "answer" and result.answer == raw
    assert result.step_log[0].parse_errors and not result.outcomes


def test_tool_errors_are_fed_back():
    agent, backend = make([tu("weather", city="Oslo") + "\n" + tu("stocks", symbol="X"), "Sorry."])
    result = agent.run("?")
    errors = [o.error for o in result.outcomes]
    assert "invalid arguments for weather" in errors[0] and "unknown tool 'stocks'" in errors[1]
    tool_msgs = [m for m in backend.requests[1].messages if m.role == "tool"]
    assert [m.content for m in tool_msgs] == errors


def test_trace_jsonl_is_written_and_valid(tmp_path):
    path = tmp_path / "traces" / "agent.jsonl"
    agent, _ = make([tu("weather", location="Oslo"), "4 °C.", "Hello!"], trace_path=path, system="S")
    agent.run("weather in Oslo?")
    agent.run("hi")
    convs = read_jsonl(path, Conversation)
    assert len(convs) == 2
    assert [m.role for m in convs[0].messages] == ["system", "user", "assistant", "tool", "assistant"]
    assert convs[0].tool_names() == ["weather", "calculator"]
    assert convs[0].meta["agent"]["stopped_by"] == "answer" and convs[0].meta["agent"]["format"] == "tool_use"
    assert convs[1].messages[-1].content == "Hello!"


def test_early_execution_starts_tools_before_generation_ends_and_matches_late():
    """Two calls, then 200 characters of prose, streamed at 5 ms per 4 characters: with early
    execution the first tool starts long before the turn's last chunk; the outcomes, the
    trace and the answer equal those of executing after generation."""
    turn = tu("weather", location="Oslo") + "\n" + tu("weather", location="Paris") + "\n" + "x" * 200
    results = {}
    for early in (True, False):
        STARTS.clear()
        agent, _ = make([turn, "Done."], delay_s=0.005, early_execution=early)
        result = agent.run("weather in Oslo and Paris")
        step = result.step_log[0]
        end_of_generation = step.started + step.generate_ms / 1000
        results[early] = (result, [s for _, s in STARTS], end_of_generation)
    early_result, early_starts, early_gen_end = results[True]
    late_result, late_starts, late_gen_end = results[False]
    assert early_starts[0] < early_gen_end - 0.1  # ≥ 50 chunks x 5 ms of prose were still to come
    assert min(late_starts) >= late_gen_end - 0.01
    assert early_result.step_log[0].early and not late_result.step_log[0].early
    strip = [(o.call_id, o.name, o.content, o.error) for o in early_result.outcomes]
    assert strip == [(o.call_id, o.name, o.content, o.error) for o in late_result.outcomes]
    assert early_result.answer == late_result.answer
    dump = lambda r: [m.model_dump() for m in r.conversation.messages]  # noqa: E731
    assert dump(early_result) == dump(late_result)


def test_backend_without_stream_uses_complete():
    class CompleteOnly:
        def __init__(self, inner):
            self.inner = inner

        def complete(self, requests):
            return self.inner.complete(requests)

    inner = ScriptedBackend([tu("weather", location="Oslo"), "ok"])
    agent = Agent(CompleteOnly(inner), ToolExecutor(TOOLS), SCHEMAS, get_format("tool_use"))
    assert not agent.streams
    result = agent.run("?")
    assert result.answer == "ok" and not result.step_log[0].early


def test_misuse():
    with pytest.raises(ValueError, match="max_steps"):
        make(["x"], max_steps=0)
    agent, _ = make(["a"])
    agent.run("one")
    with pytest.raises(ValueError, match="only 1 turns"):
        agent.run("two")


@tool
def pick(n: Literal[1, 2, 3], label: Literal["a", "b"]) -> str:
    """Pick an item.

    Args:
        n: which one.
        label: its label.
    """
    return f"picked {n}{label}"


def test_a_constrained_local_agent_makes_its_first_turn_a_valid_call(tiny):
    """The agent runtime with constrained decoding (the tiny random model): tool_choice names
    the tool for the first turn, which is then a schema-valid call that runs; later turns are auto."""
    from toolschool.backends.local import LocalBackend, NamedTool

    assert pick.schema.function.parameters["properties"]["n"]["enum"] == [1, 2, 3]
    fmt = get_format("tool_use")
    backend = LocalBackend(tiny.model, tiny.tokenizer, fmt, batch_size=1, max_new_tokens=48, constrained=True)
    agent = Agent(backend, ToolExecutor([pick]), [pick.schema], fmt, max_steps=2, tool_choice=NamedTool("pick"))
    result = agent.run("pick one")
    first = result.step_log[0]
    assert [c.name for c in first.calls] == ["pick"] and not first.parse_errors
    assert result.outcomes[0].error is None and result.outcomes[0].content.startswith("picked ")
    assert len(result.step_log) == 2  # the second turn was auto: the random model may write anything
