"""Run tool calls safely: validate, gate, time out, convert, truncate — never raise.

:class:`ToolExecutor` turns a :class:`~toolschool.types.ToolCall` into a
:class:`ToolOutcome`. Every problem a *tool call* can have becomes text the model sees (in
:attr:`ToolOutcome.error`, and as the result content of :meth:`ToolOutcome.to_result`):

* an unknown tool (the message lists the known ones),
* a tool outside the allow-list,
* arguments that do not validate against the tool's JSON Schema (each problem names the
  argument, from :func:`~toolschool.tools.schema.validate_arguments`),
* a call the user declined (safe mode: ``confirm`` is asked for tools in
  ``needs_confirmation``),
* a call that ran longer than ``timeout_s`` (``timed_out=True``),
* an exception raised by the tool (its type and message; no traceback).

Only misuse of the executor itself raises (a bad ``timeout_s``, two tools with one name).

Timeouts: the tool function runs in a daemon worker thread and the executor stops *waiting*
for it after ``timeout_s``. **A Python thread cannot be killed**: a timed-out function keeps
running in the background until it returns (its result is then dropped). Tools that run
untrusted or long-running code must therefore run it in the sandbox
(:mod:`toolschool.tools.sandbox`), which kills the process it started; the executor's
timeout only protects the agent loop from waiting forever.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from toolschool.tools.schema import Tool, validate_arguments
from toolschool.types import ToolCall, ToolResult, ToolSchema


@dataclass
class ToolOutcome:
    """What running one tool call produced.

    Attributes:
        call_id: the call's id (None when the call had none).
        name: the tool name the model asked for.
        content: the tool's output as text ("" when the call failed).
        error: why the call failed, phrased for the model (``"Error: …"``); None on success.
        duration_ms: wall time of the call in milliseconds (validation included; for a
            timeout, the time waited).
        truncated: the output was longer than ``max_output_chars`` and was cut.
        timed_out: the tool did not return within ``timeout_s``.
        started: ``time.perf_counter()`` when the executor began this call (seconds).
        finished: ``time.perf_counter()`` when the outcome was ready (seconds).
    """

    call_id: str | None
    name: str
    content: str = ""
    error: str | None = None
    duration_ms: float = 0.0
    truncated: bool = False
    timed_out: bool = False
    started: float = 0.0
    finished: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the tool ran and returned (``error`` is None)."""
        return self.error is None

    def to_result(self) -> ToolResult:
        """The :class:`~toolschool.types.ToolResult` fed back to the model: the output, or
        the error text when the call failed."""
        content = self.content if self.error is None else self.error
        return ToolResult(call_id=self.call_id, name=self.name, content=content)


def output_text(value: Any) -> str:
    """A tool's return value as text: ``str`` as is, ``None`` as ``""``, anything else as
    JSON (pydantic models and dataclasses as their fields; unknown objects via ``str``)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return json.dumps(value, ensure_ascii=False, default=str)


class ToolExecutor:
    """Validate and run tool calls (see the module docstring for what can go wrong).

    Args:
        tools: the runnable tools (:class:`~toolschool.tools.schema.Tool`, e.g. from ``@tool``).
        timeout_s: wall-clock limit per call, in seconds (> 0).
        max_output_chars: outputs longer than this are cut to this many characters and
            ``"\\n[truncated: N of M characters]"`` is appended.
        allow: names of the tools that may run; None allows every tool in ``tools``.
        confirm: asked ``confirm(call) -> bool`` before running a tool in
            ``needs_confirmation`` (safe mode); False declines the call. Calls to it are
            serialised (one at a time) even when calls run in parallel. With
            ``needs_confirmation`` set and no ``confirm``, those tools are declined.
        needs_confirmation: names of the tools that need ``confirm``.

    Raises:
        ValueError: ``timeout_s`` or ``max_output_chars`` is not positive, or two tools share a name.
    """

    def __init__(
        self,
        tools: Sequence[Tool],
        timeout_s: float = 5.0,
        max_output_chars: int = 8000,
        allow: set[str] | None = None,
        confirm: Callable[[ToolCall], bool] | None = None,
        needs_confirmation: set[str] | frozenset[str] = frozenset(),
    ):
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be > 0 seconds, got {timeout_s}")
        if max_output_chars < 1:
            raise ValueError(f"max_output_chars must be >= 1, got {max_output_chars}")
        self.tools: dict[str, Tool] = {}
        for t in tools:
            if t.name in self.tools:
                raise ValueError(f"two tools are named {t.name!r}")
            self.tools[t.name] = t
        self.timeout_s = timeout_s
        self.max_output_chars = max_output_chars
        self.allow = None if allow is None else set(allow)
        self.confirm = confirm
        self.needs_confirmation = frozenset(needs_confirmation)
        self._confirm_lock = threading.Lock()

    @property
    def schemas(self) -> list[ToolSchema]:
        """The :class:`~toolschool.types.ToolSchema` of every tool that may run (allow-list applied)."""
        return [t.schema for t in self.tools.values() if self.allow is None or t.name in self.allow]

    def _gate(self, call: ToolCall) -> tuple[Tool | None, str | None]:
        tool = self.tools.get(call.name)
        if tool is None:
            known = ", ".join(sorted(self.tools)) or "(none)"
            return None, f"Error: unknown tool {call.name!r}; known tools: {known}"
        if self.allow is not None and call.name not in self.allow:
            allowed = ", ".join(sorted(self.allow)) or "(none)"
            return None, f"Error: tool {call.name!r} is not allowed here; allowed tools: {allowed}"
        problems = validate_arguments(tool.schema, call.arguments)
        if problems:
            return None, f"Error: invalid arguments for {call.name}: " + "; ".join(problems)
        if call.name in self.needs_confirmation:
            if self.confirm is None:
                return None, f"Error: the call to {call.name} needs confirmation and no one can confirm it"
            with self._confirm_lock:
                try:
                    accepted = bool(self.confirm(call))
                except Exception as exc:  # a broken confirm callback declines
                    why = f"{type(exc).__name__}: {exc}"
                    return None, f"Error: confirming the call to {call.name} failed ({why})"
            if not accepted:
                return None, f"Error: the user declined the call to {call.name}"
        return tool, None

    def _invoke(self, tool: Tool, arguments: dict[str, Any]) -> tuple[str | None, str | None, bool]:
        """(text, error, timed_out) of running ``tool.fn`` in a daemon thread with the timeout."""
        box: dict[str, Any] = {}
        done = threading.Event()

        def work() -> None:
            try:
                box["text"] = output_text(tool.fn(**arguments))
            except BaseException as exc:  # noqa: BLE001 - everything a tool raises is data
                box["error"] = f"Error: {tool.name} raised {type(exc).__name__}: {exc}"
            finally:
                done.set()

        threading.Thread(target=work, name=f"tool-{tool.name}", daemon=True).start()
        if not done.wait(self.timeout_s):
            return None, (
                f"Error: {tool.name} timed out after {self.timeout_s:g} s (no result; "
                "the call may still be running in the background)"
            ), True
        return box.get("text"), box.get("error"), False

    def run(self, call: ToolCall) -> ToolOutcome:
        """Run one call; never raises for tool problems (see the module docstring)."""
        started = time.perf_counter()
        outcome = ToolOutcome(call_id=call.id, name=call.name, started=started)
        tool, refusal = self._gate(call)
        if tool is None:
            outcome.error = refusal
        else:
            text, error, timed_out = self._invoke(tool, call.arguments)
            outcome.error, outcome.timed_out = error, timed_out
            if text is not None:
                if len(text) > self.max_output_chars:
                    text = text[: self.max_output_chars] + (
                        f"\n[truncated: {self.max_output_chars} of {len(text)} characters]"
                    )
                    outcome.truncated = True
                outcome.content = text
        outcome.finished = time.perf_counter()
        outcome.duration_ms = (outcome.finished - started) * 1000
        return outcome

    def submit(self, pool: ThreadPoolExecutor, call: ToolCall) -> Future[ToolOutcome]:
        """Start ``run(call)`` on ``pool`` (early execution); the future never raises."""
        return pool.submit(self.run, call)

    def run_many(self, calls: Iterable[ToolCall], parallel: bool = True) -> list[ToolOutcome]:
        """Run several independent calls, concurrently when ``parallel`` (one thread per
        call), else one after another. Outcomes are in call order."""
        calls = list(calls)
        if not parallel or len(calls) < 2:
            return [self.run(c) for c in calls]
        with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="toolschool-call") as pool:
            futures = [self.submit(pool, c) for c in calls]
            return [f.result() for f in futures]
