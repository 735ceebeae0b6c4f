import json
import threading
import time

import pytest

from toolschool.runtime import ToolExecutor, ToolOutcome
from toolschool.tools import tool
from toolschool.types import ToolCall, ToolResult


@tool
def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: first.
        b: second.
    """
    return a + b


@tool
def echo(text: str) -> str:
    """Echo text."""
    return text


@tool
def lookup(city: str) -> dict:
    """A dict result."""
    return {"city": city, "temp_c": 21.5, "note": "ø"}


@tool
def boom(x: int) -> str:
    """Raises."""
    raise ValueError(f"bad x={x}")


@tool
def nap(seconds: float) -> str:
    """Sleeps."""
    time.sleep(seconds)
    return f"slept {seconds}"


@tool
def delete_file(path: str) -> str:
    """Pretend to delete."""
    return f"deleted {path}"


TOOLS = [add, echo, lookup, boom, nap, delete_file]


def call(name, **args):
    return ToolCall(id=f"id-{name}", name=name, arguments=args)


def test_success_str_and_json():
    ex = ToolExecutor(TOOLS)
    out = ex.run(call("add", a=2, b=3))
    assert out.ok and out.content == "5" and out.call_id == "id-add" and out.name == "add"
    assert out.duration_ms >= 0 and not out.truncated and not out.timed_out
    assert ex.run(call("echo", text="hi there")).content == "hi there"
    looked_up = json.loads(ex.run(call("lookup", city="Oslo")).content)
    assert looked_up == {"city": "Oslo", "temp_c": 21.5, "note": "ø"}
    assert out.to_result() == ToolResult(call_id="id-add", name="add", content="5")


def test_validation_error_names_the_argument():
    ex = ToolExecutor(TOOLS)
    out = ex.run(call("add", a="two", b=3))
    assert not out.ok and out.content == ""
    assert "invalid arguments for add" in out.error and "a:" in out.error
    missing = ex.run(call("add", a=1))
    assert "'b' is a required property" in missing.error
    extra = ex.run(call("add", a=1, b=2, c=3))
    assert "c" in extra.error
    assert extra.to_result().content == extra.error


def test_unknown_tool_lists_known():
    out = ToolExecutor(TOOLS).run(call("weather", city="Oslo"))
    assert "unknown tool 'weather'" in out.error
    assert "add, boom, delete_file, echo, lookup, nap" in out.error


def test_allow_list():
    ex = ToolExecutor(TOOLS, allow={"add"})
    assert ex.run(call("add", a=1, b=1)).content == "2"
    out = ex.run(call("echo", text="x"))
    assert "not allowed" in out.error and "allowed tools: add" in out.error
    assert [s.name for s in ex.schemas] == ["add"]


def test_confirmation_declined_and_accepted():
    asked = []

    def no(c):
        asked.append(c.name)
        return False

    ex = ToolExecutor(TOOLS, confirm=no, needs_confirmation={"delete_file"})
    out = ex.run(call("delete_file", path="/tmp/x"))
    assert "declined" in out.error and asked == ["delete_file"]
    assert ex.run(call("echo", text="x")).ok and asked == ["delete_file"]  # not asked for other tools
    yes = ToolExecutor(TOOLS, confirm=lambda c: True, needs_confirmation={"delete_file"})
    assert yes.run(call("delete_file", path="/tmp/x")).content == "deleted /tmp/x"
    nobody = ToolExecutor(TOOLS, needs_confirmation={"delete_file"})
    assert "needs confirmation" in nobody.run(call("delete_file", path="p")).error


def test_invalid_arguments_are_not_confirmed():
    asked = []
    ex = ToolExecutor(TOOLS, confirm=lambda c: asked.append(c) or True, needs_confirmation={"delete_file"})
    assert "invalid arguments" in ex.run(call("delete_file")).error and asked == []


def test_timeout():
    ex = ToolExecutor(TOOLS, timeout_s=0.1)
    start = time.perf_counter()
    out = ex.run(call("nap", seconds=2.0))
    assert time.perf_counter() - start < 1.0
    assert out.timed_out and "timed out after 0.1 s" in out.error and out.content == ""
    assert ex.run(call("nap", seconds=0.0)).ok


def test_exception_becomes_error_text():
    out = ToolExecutor(TOOLS).run(call("boom", x=3))
    assert out.error == "Error: boom raised ValueError: bad x=3"
    assert "Traceback" not in out.error and out.to_result().content == out.error


def test_truncation():
    ex = ToolExecutor(TOOLS, max_output_chars=10)
    out = ex.run(call("echo", text="x" * 25))
    assert out.truncated and out.content == "x" * 10 + "\n[truncated: 10 of 25 characters]"
    assert not ex.run(call("echo", text="x" * 10)).truncated


def test_parallel_is_faster_than_serial_and_keeps_order():
    ex = ToolExecutor(TOOLS)
    calls = [call("nap", seconds=s) for s in (0.3, 0.1, 0.2)] + [call("add", a=1, b=2)]
    start = time.perf_counter()
    par = ex.run_many(calls)
    par_s = time.perf_counter() - start
    start = time.perf_counter()
    ser = ex.run_many(calls, parallel=False)
    ser_s = time.perf_counter() - start
    expected = ["slept 0.3", "slept 0.1", "slept 0.2", "3"]
    assert [o.content for o in par] == expected == [o.content for o in ser]
    assert par_s < 0.55 < ser_s  # 0.3 s of sleep in parallel; 0.6 s in series
    assert all(isinstance(o, ToolOutcome) for o in par)


def test_confirm_calls_are_serialised_in_parallel():
    inside = []
    lock = threading.Lock()
    overlap = []

    def confirm(c):
        with lock:
            inside.append(1)
            overlap.append(len(inside))
        time.sleep(0.05)
        with lock:
            inside.pop()
        return True

    ex = ToolExecutor(TOOLS, confirm=confirm, needs_confirmation={"delete_file"})
    outs = ex.run_many([call("delete_file", path=str(i)) for i in range(4)])
    assert all(o.ok for o in outs) and max(overlap) == 1


def test_misuse_raises():
    with pytest.raises(ValueError, match="timeout_s"):
        ToolExecutor(TOOLS, timeout_s=0)
    with pytest.raises(ValueError, match="two tools"):
        ToolExecutor([add, add])
