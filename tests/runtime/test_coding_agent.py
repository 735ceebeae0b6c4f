"""End to end: an agent writes a function, runs its tests in the real bubblewrap sandbox, reads
the failure, fixes the code and passes — the scripted turns are a model's, every tool runs for real."""

from __future__ import annotations

import json
import shutil

import pytest

from toolschool.backends import ScriptedBackend
from toolschool.formats import get_format
from toolschool.runtime import Agent, ToolExecutor
from toolschool.tools.sandbox import Sandbox
from toolschool.tools.toolkits.coding import CODING_TOOLS, coding_tools
from toolschool.types import Conversation, ToolCall, read_jsonl

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed")

BUGGY = "def mean(xs):\n    return sum(xs) / (len(xs) + 1)\n"
FIXED = (
    "def mean(xs):\n    if not xs:\n        raise ValueError('mean of nothing')\n"
    "    return sum(xs) / len(xs)\n"
)
TESTS = (
    "import pytest\nfrom stats import mean\n\n\ndef test_mean():\n    assert mean([1, 2, 3]) == 2\n\n\n"
    "def test_empty():\n    with pytest.raises(ValueError):\n        mean([])\n"
)


def _turn(*calls: ToolCall) -> str:
    return get_format("hermes").render_calls(list(calls))


def test_coding_agent_writes_tests_reads_the_failure_fixes_and_passes(tmp_path):
    turns = [
        _turn(ToolCall(name="write_file", arguments={"path": "stats.py", "content": BUGGY}),
              ToolCall(name="write_file", arguments={"path": "test_stats.py", "content": TESTS})),
        _turn(ToolCall(name="run_tests", arguments={"path": "test_stats.py"})),
        _turn(ToolCall(name="read_file", arguments={"path": "stats.py"})),
        _turn(ToolCall(name="write_file", arguments={"path": "stats.py", "content": FIXED})),
        _turn(ToolCall(name="run_tests", arguments={"path": "test_stats.py"})),
        "Fixed: mean() divided by len + 1 and accepted an empty list; both tests pass now.",
    ]
    trace = tmp_path / "trace.jsonl"
    with Sandbox(tmp_path / "workspace") as box:
        executor = ToolExecutor(coding_tools(box), timeout_s=60)
        agent = Agent(ScriptedBackend(turns), executor, CODING_TOOLS, get_format("hermes"), trace_path=trace)
        result = agent.run("Write mean(xs) in stats.py with tests; make the tests pass.")
        assert (box.workspace / "stats.py").read_text() == FIXED

    assert result.stopped_by == "answer" and result.steps == 6
    names = [o.name for o in result.outcomes]
    assert names == ["write_file", "write_file", "run_tests", "read_file", "write_file", "run_tests"]
    assert all(o.ok for o in result.outcomes), [o.content for o in result.outcomes]
    first, second = (json.loads(o.content) for o in result.outcomes if o.name == "run_tests")
    # the first run really failed both tests in the sandbox, and the model saw why
    assert (first["passed"], first["failed"], first["exit_code"]) == (0, 2, 1), first
    assert [(f["test"], f["message"]) for f in first["failures"]] == [
        ("test_stats.py::test_mean", "assert 1.5 == 2"),
        ("test_stats.py::test_empty", "Failed: DID NOT RAISE ValueError"),
    ]
    assert (second["passed"], second["failed"], second["exit_code"]) == (2, 0, 0), second
    assert json.loads(result.outcomes[3].content)["content"] == BUGGY
    # the trace is a training conversation: calls, their results, the final answer
    [saved] = read_jsonl(trace, Conversation)
    assert saved == result.conversation
    assert [m.role for m in saved.messages].count("tool") == 6
    assert saved.messages[-1].content.startswith("Fixed:")
