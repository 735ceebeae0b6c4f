"""The agent loop: ask the model, run the tools it calls, feed the results back, repeat.

One *step* is one assistant turn::

    ask the backend for the next turn ─► parse calls with the wire format
        no call  ─► that turn is the final answer (stopped_by="answer")
        calls    ─► run them (independent calls concurrently) ─► append the assistant
                    message (with its calls, given ids if missing) and one tool message
                    per call ─► next step, until ``max_steps`` (stopped_by="max_steps")

**Early execution.** When the backend can stream (it has ``stream(request) -> Iterator[str]``,
as :class:`~toolschool.backends.local.LocalBackend` and
:class:`~toolschool.backends.scripted.ScriptedBackend` do) and ``early_execution`` is on, the
chunks are fed to ``fmt.stream()`` as they arrive and each call is submitted to a thread pool
the moment the parser reports ``call_finished``, while the model is still writing the next
call; when the turn ends the loop waits for all outcomes. Calls, ids, results and the trace
are the same as executing after generation (a test checks it); only the wall time differs
(``benchmarks/bench_early_execution.py`` measures it).

**Malformed calls.** Bad model output is data. Calls that parse are run even when other
parts of the turn have parse errors; the errors are recorded in :attr:`Step.parse_errors`.
When *no* call parses, the turn ends the loop: the raw text (stripped) becomes the final
answer, and the parse errors stay in the step record — the loop does not feed parse errors
back to the model (a small model asked to repair its syntax mostly repeats it).

**Traces.** With ``trace_path`` every run appends its conversation (system message, user
messages, assistant turns with their calls, tool messages, final answer) as one JSONL line
of :class:`~toolschool.types.Conversation`, readable with
``read_jsonl(path, Conversation)``, so agent traces can become training data.
``meta["agent"]`` records the format, steps, stopped_by and timings.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal, Protocol

from toolschool.backends.local import ChatRequest, Completion, ToolChoice
from toolschool.formats.base import ParseError, ParseResult, ToolFormat
from toolschool.runtime.executor import ToolExecutor, ToolOutcome
from toolschool.types import Conversation, Message, ToolCall, ToolSchema, append_jsonl


class Backend(Protocol):
    """What the agent needs from a backend (``stream`` is optional, for early execution)."""

    def complete(self, requests: list[ChatRequest]) -> list[Completion]: ...


@dataclass
class Step:
    """One assistant turn of a run.

    Attributes:
        index: 0-based step number.
        raw: the model's raw text for this turn.
        calls: the parsed calls, with ids (``call_{step}_{i}`` when the model gave none).
        outcomes: one :class:`ToolOutcome` per call, in call order.
        parse_errors: what the format could not parse in ``raw``.
        early: the calls were submitted while the turn was being generated.
        generate_ms: wall time of generating the turn (ms).
        wait_ms: wall time from the end of generation until every outcome was ready (ms);
            with early execution, tool time that overlapped generation is not in it.
        first_call_ms: from the step's start until its first call was submitted (ms; None
            without calls).
        total_ms: the whole step (ms).
        started: ``time.perf_counter()`` at the step's start (seconds), to compare with
            :attr:`ToolOutcome.started`.
    """

    index: int
    raw: str
    calls: list[ToolCall] = field(default_factory=list)
    outcomes: list[ToolOutcome] = field(default_factory=list)
    parse_errors: list[ParseError] = field(default_factory=list)
    early: bool = False
    generate_ms: float = 0.0
    wait_ms: float = 0.0
    first_call_ms: float | None = None
    total_ms: float = 0.0
    started: float = 0.0


@dataclass
class AgentResult:
    """What :meth:`Agent.run` returns.

    Attributes:
        answer: the final answer text ("" when stopped by ``max_steps``).
        conversation: the full trace (messages and the tools offered), a valid
            :class:`~toolschool.types.Conversation`.
        steps: the number of assistant turns generated.
        stopped_by: ``"answer"`` (a turn without calls) or ``"max_steps"``.
        step_log: one :class:`Step` per turn, with its timings.
        outcomes: every tool outcome of the run, in order.
        wall_ms: wall time of the whole run (ms).
    """

    answer: str
    conversation: Conversation
    steps: int
    stopped_by: Literal["answer", "max_steps"]
    step_log: list[Step]
    outcomes: list[ToolOutcome]
    wall_ms: float


def _with_id(call: ToolCall, step: int, index: int) -> ToolCall:
    return call if call.id else call.model_copy(update={"id": f"call_{step}_{index}"})


class Agent:
    """Run a model with tools until it answers.

    Args:
        backend: answers :class:`~toolschool.backends.local.ChatRequest` lists with
            ``complete(requests) -> list[Completion]`` and, optionally, streams one with
            ``stream(request) -> Iterator[str]``. The backend renders the prompt (its
            layout and wire format); it should use the same format as ``fmt``.
        executor: runs the calls (:class:`~toolschool.runtime.executor.ToolExecutor`).
        tools: the tool schemas offered to the model (usually ``executor.schemas``).
        fmt: the wire format used to parse the model's calls.
        system: a system prompt put first in the conversation when it has none (None: the
            backend's own default system prompt applies and the trace has no system message).
        max_steps: the most assistant turns per run (>= 1).
        early_execution: with a streaming backend, run calls as soon as they are parsed.
        parallel: run the calls of one turn concurrently (else in order, one at a time;
            early execution is then off too).
        trace_path: append each run's conversation to this JSONL file.
        tool_choice: ``tool_choice`` of each run's first turn (``"required"`` or a
            :class:`~toolschool.backends.local.NamedTool`: a backend with constrained decoding
            makes that turn a call); later turns are ``"auto"``, so the model can answer once it
            has the results (the OpenAI Agents SDK's ``reset_tool_choice``).

    Raises:
        ValueError: ``max_steps`` < 1.
    """

    def __init__(
        self,
        backend: Backend,
        executor: ToolExecutor,
        tools: list[ToolSchema],
        fmt: ToolFormat,
        system: str | None = None,
        max_steps: int = 8,
        early_execution: bool = True,
        parallel: bool = True,
        trace_path: str | os.PathLike[str] | None = None,
        tool_choice: ToolChoice = "auto",
    ):
        if max_steps < 1:
            raise ValueError(f"max_steps must be >= 1, got {max_steps}")
        self.backend = backend
        self.executor = executor
        self.tools = list(tools)
        self.fmt = fmt
        self.system = system
        self.max_steps = max_steps
        self.early_execution = early_execution
        self.parallel = parallel
        self.trace_path = trace_path
        self.tool_choice = tool_choice

    @property
    def streams(self) -> bool:
        """Whether turns are streamed and calls executed early."""
        return self.early_execution and self.parallel and callable(getattr(self.backend, "stream", None))

    def _turn_streaming(self, request: ChatRequest, step: Step, pool: ThreadPoolExecutor) -> ParseResult:
        start = time.perf_counter()
        parser = self.fmt.stream()
        pieces: list[str] = []
        futures: list[Future[ToolOutcome]] = []
        calls: list[ToolCall] = []

        def take(events) -> None:
            for event in events:
                if event.kind == "call_finished" and event.call is not None:
                    call = _with_id(event.call, step.index, len(calls))
                    if not calls:
                        step.first_call_ms = (time.perf_counter() - start) * 1000
                    calls.append(call)
                    futures.append(self.executor.submit(pool, call))

        for chunk in self.backend.stream(request):
            pieces.append(chunk)
            take(parser.feed(chunk))
        take(parser.finish())
        step.generate_ms = (time.perf_counter() - start) * 1000
        step.raw = "".join(pieces)
        step.early = True
        step.calls = calls
        step.outcomes = [f.result() for f in futures]
        step.wait_ms = (time.perf_counter() - start) * 1000 - step.generate_ms
        return parser.result()

    def _turn_complete(self, request: ChatRequest, step: Step) -> ParseResult:
        start = time.perf_counter()
        completion = self.backend.complete([request])[0]
        step.generate_ms = (time.perf_counter() - start) * 1000
        step.raw = completion.raw
        parsed = self.fmt.parse(completion.raw)
        if completion.calls is not None:  # structured calls (an OpenAI-style backend)
            parsed.calls = list(completion.calls)
        step.calls = [_with_id(c, step.index, i) for i, c in enumerate(parsed.calls)]
        if step.calls:
            step.first_call_ms = step.generate_ms
        step.outcomes = self.executor.run_many(step.calls, parallel=self.parallel)
        step.wait_ms = (time.perf_counter() - start) * 1000 - step.generate_ms
        return parsed

    def run(self, messages: list[Message] | str) -> AgentResult:
        """Run the loop on a conversation (or one user message) until an answer or ``max_steps``.

        Tool problems and bad model output never raise (they are results and parse errors);
        errors of the backend itself (e.g. a :class:`ScriptedBackend` out of turns) propagate.
        """
        run_start = time.perf_counter()
        if isinstance(messages, str):
            messages = [Message(role="user", content=messages)]
        history = [m.model_copy(deep=True) for m in messages]
        if self.system is not None and not (history and history[0].role == "system"):
            history.insert(0, Message(role="system", content=self.system))
        log: list[Step] = []
        answer, stopped_by = "", "max_steps"
        pool = None
        if self.streams:
            pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="toolschool-early")
        try:
            for index in range(self.max_steps):
                step_start = time.perf_counter()
                step = Step(index=index, raw="", started=step_start)
                choice = self.tool_choice if index == 0 else "auto"  # reset after the first turn
                request = ChatRequest(messages=list(history), tools=self.tools, tool_choice=choice)
                if pool is not None:
                    parsed = self._turn_streaming(request, step, pool)
                else:
                    parsed = self._turn_complete(request, step)
                step.parse_errors = list(parsed.errors)
                step.total_ms = (time.perf_counter() - step_start) * 1000
                log.append(step)
                if not step.calls:
                    answer = (step.raw if parsed.errors else parsed.content).strip()
                    history.append(Message(role="assistant", content=answer))
                    stopped_by = "answer"
                    break
                content = parsed.content.strip()
                history.append(Message(role="assistant", content=content, tool_calls=step.calls))
                for outcome in step.outcomes:
                    r = outcome.to_result()
                    tool_msg = Message(role="tool", content=r.content, tool_call_id=r.call_id, name=r.name)
                    history.append(tool_msg)
        finally:
            if pool is not None:
                pool.shutdown(wait=False)
        wall_ms = (time.perf_counter() - run_start) * 1000
        conversation = Conversation(
            messages=history,
            tools=self.tools,
            meta={"agent": {
                "format": self.fmt.name, "steps": len(log), "stopped_by": stopped_by,
                "early_execution": pool is not None, "wall_ms": round(wall_ms, 1),
                "step_ms": [round(s.total_ms, 1) for s in log],
                "parse_errors": [str(e) for s in log for e in s.parse_errors],
            }},
        )
        if self.trace_path is not None:
            append_jsonl(self.trace_path, conversation)
        return AgentResult(
            answer=answer, conversation=conversation, steps=len(log), stopped_by=stopped_by,  # type: ignore[arg-type]
            step_log=log, outcomes=[o for s in log for o in s.outcomes], wall_ms=wall_ms,
        )
