"""The protocol every wire format implements.

A wire format translates the canonical conversation pieces to and from model text:

* ``render_tools(tools)`` — the tool declarations block,
* ``render_system(tools, system)`` — a full system-message body that instructs the model
  and declares the tools,
* ``render_assistant(content, calls)`` — the body of an assistant turn,
* ``render_calls(calls)`` — just the calls,
* ``render_results(results)`` — the body of the turn that feeds tool results back, in the
  role ``result_role`` (Hermes/Qwen put results in a ``user`` turn),
* ``parse(text)`` — model text → :class:`ParseResult` (calls, remaining content, errors),
* ``stream()`` — an incremental :class:`StreamParser`; ``parse`` is that parser run to
  completion, so streaming and non-streaming agree by construction.

Strict and lenient: every format is constructed as ``Format(lenient=False)``. Strict
parsing reports any departure from the format as a :class:`ParseError`. Lenient parsing
recovers what models predictably get wrong (a missing closing tag at the end of output, a
fenced JSON block, a trailing comma or single quotes, ...) and records each fix as a
:class:`Repair` in :attr:`ParseResult.repairs`, so callers can count and audit them. JSON
repair uses the ``json-repair`` library, never hand-rolled guessing, through
:func:`~toolschool.formats.json_object.mend_json`, which leaves JSON longer than
:data:`~toolschool.formats.json_object.MEND_LIMIT` characters unrepaired (an error) to keep
lenient parsing linear in time.

Turn wrapping (``<|im_start|>role`` … ``<|im_end|>``) is the chat template's job
(:mod:`toolschool.chat`), not the format's. Bad model output is data: parsers never raise
on it; they report :class:`ParseError` entries with the character offset where it went wrong.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from toolschool.types import ToolCall, ToolResult, ToolSchema

if TYPE_CHECKING:
    from toolschool.formats.grammar import CallSyntax


class ArgumentSyntaxError(ValueError):
    """Arguments text that is not valid in a format's own argument syntax (raised by the
    value readers behind ``decode_arguments``; parsers turn it into a :class:`ParseError`).

    Attributes:
        message: what was wrong.
        pos: 0-based offset in the parsed text.
    """

    def __init__(self, message: str, pos: int):
        super().__init__(f"{message} (at char {pos})")
        self.message = message
        self.pos = pos


@dataclass(frozen=True)
class ParseError:
    """A problem found in model output.

    Attributes:
        message: what was wrong.
        offset: 0-based character offset in the parsed text where the problem starts.
        snippet: up to ~60 characters of the offending text.
    """

    message: str
    offset: int
    snippet: str = ""

    def __str__(self) -> str:
        return f"at char {self.offset}: {self.message}" + (f" near {self.snippet!r}" if self.snippet else "")


@dataclass(frozen=True)
class Repair:
    """A fix applied by a lenient parser.

    Attributes:
        message: what was repaired (``"added the missing closing </tool_call>"``).
        offset: 0-based character offset in the parsed text where the repaired part starts.
    """

    message: str
    offset: int

    def __str__(self) -> str:
        return f"at char {self.offset}: {self.message}"


@dataclass
class ParseResult:
    """What a parser found: tool calls, the text that was not part of a call, and errors.

    ``attempted`` is True when the text contained the start of a call (a marker or a
    call-shaped object), whether or not it parsed; eval's syntax validity uses it.
    ``repairs`` lists what a lenient parser fixed (always empty when strict).
    ``reasoning`` holds reasoning text a format marks as such (TOOL_USE's think-marker
    lines, Gemma 4's thought channels), one piece per line; it is not part of ``content``.
    """

    calls: list[ToolCall] = field(default_factory=list)
    content: str = ""
    errors: list[ParseError] = field(default_factory=list)
    attempted: bool = False
    repairs: list[Repair] = field(default_factory=list)
    reasoning: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class StreamEvent:
    """One event of a streaming parse.

    kinds:
        ``content`` — ``text`` is plain content that is not part of any call;
        ``call_started`` — a call with ``name`` began at position ``index``;
        ``arguments_delta`` — ``text`` is more raw argument text of call ``index``;
        ``call_finished`` — call ``index`` is complete; ``call`` holds it, so a runtime
        can start executing the tool while generation continues;
        ``error`` — ``error`` describes malformed output.
    """

    kind: Literal["content", "call_started", "arguments_delta", "call_finished", "error"]
    text: str = ""
    index: int = -1
    name: str | None = None
    call: ToolCall | None = None
    error: ParseError | None = None


class StreamParser(ABC):
    """Incremental parser: ``feed`` chunks of model text, then ``finish``."""

    @abstractmethod
    def feed(self, chunk: str) -> list[StreamEvent]:
        """Consume more text; return the events it completes (possibly none)."""

    @abstractmethod
    def finish(self) -> list[StreamEvent]:
        """Signal end of output; flush buffered text and report unterminated calls."""

    def result(self) -> ParseResult:
        """The :class:`ParseResult` accumulated from all events so far."""
        if not hasattr(self, "_result"):
            self._result = ParseResult()
        pieces = getattr(self, "_content_pieces", None)
        if pieces:  # content is kept in pieces: ``+=`` on a growing string would be O(n²)
            self._result.content += "".join(pieces)
            pieces.clear()
        return self._result

    # Subclasses append to this as they emit events; see ``_emit``.
    _result: ParseResult

    def _repair(self, message: str, offset: int) -> None:
        """Record a lenient fix (not an event: the repaired call is emitted as usual)."""
        if not hasattr(self, "_result"):
            self._result = ParseResult()
        self._result.repairs.append(Repair(message, offset))

    def _emit(self, events: list[StreamEvent], event: StreamEvent) -> None:
        if not hasattr(self, "_result"):
            self._result = ParseResult()
        if event.kind == "content":
            if not hasattr(self, "_content_pieces"):
                self._content_pieces: list[str] = []
            self._content_pieces.append(event.text)
        elif event.kind == "call_started":
            self._result.attempted = True
        elif event.kind == "call_finished" and event.call is not None:
            self._result.calls.append(event.call)
        elif event.kind == "error" and event.error is not None:
            self._result.attempted = True
            self._result.errors.append(event.error)
        events.append(event)


class ToolFormat(ABC):
    """A tool-call wire format. Instances are immutable and cheap to construct.

    Args:
        lenient: recover predictable model slips and record them as repairs (see the
            module docstring); strict (the default) reports them as errors.

    Attributes:
        name: registry name (``"hermes"``, ``"tool_use"``, ``"gemma4"``…).
        result_role: role of the turn that carries tool results (``"tool"`` or ``"user"``).
        call_start: the text that opens a call; decoders may use it as a trigger.
    """

    name: str = ""
    result_role: str = "tool"
    call_start: str = ""

    def __init__(self, *, lenient: bool = False) -> None:
        self.lenient = lenient

    @abstractmethod
    def render_tools(self, tools: list[ToolSchema]) -> str:
        """The tool declarations block."""

    @abstractmethod
    def render_system(self, tools: list[ToolSchema], system: str) -> str:
        """Full system-message body: ``system`` plus instructions and declarations.

        With no tools, returns ``system`` unchanged.
        """

    @abstractmethod
    def render_calls(self, calls: list[ToolCall]) -> str:
        """The text of one or more calls, as the model should emit them."""

    def render_assistant(self, content: str, calls: list[ToolCall]) -> str:
        """Body of an assistant turn: content, then calls (separated by a newline)."""
        if not calls:
            return content
        rendered = self.render_calls(calls)
        return f"{content}\n{rendered}" if content else rendered

    @abstractmethod
    def render_results(self, results: list[ToolResult]) -> str:
        """Body of the turn (role :attr:`result_role`) carrying these tool results."""

    @abstractmethod
    def stream(self) -> StreamParser:
        """A fresh incremental parser for one model output (strict or lenient as constructed)."""

    def call_syntax(self, tools: list[ToolSchema], special: Iterable[str] = ()) -> CallSyntax:
        """How this format writes calls of ``tools``, for a grammar (:mod:`toolschool.formats.grammar`).

        ``special``: the tokenizer's special-token strings (literals made of them are matched
        as those tokens).

        Raises:
            GrammarError: the format has no call grammar, or a tool schema cannot be read.
        """
        from toolschool.formats.grammar import GrammarError

        raise GrammarError(f"format {self.name!r} has no call grammar")

    def grammar(
        self,
        tools: list[ToolSchema],
        tool_choice: str = "auto",
        parallel: bool = True,
        special: Iterable[str] = (),
    ) -> str:
        """The llguidance Lark grammar of an answer: text, or valid calls of ``tools``
        (``tool_choice="required"``: calls only; ``parallel=False``: one call). See
        :func:`toolschool.formats.grammar.build_grammar`.

        Raises:
            GrammarError: no tools, duplicate names, or a schema that cannot be read.
        """
        from toolschool.formats.grammar import build_grammar, name_of

        name_of(tools)
        return build_grammar(self.call_syntax(tools, special), tool_choice, parallel, special)

    def decode_arguments(self, raw: str) -> dict:
        """Arguments from the joined ``arguments_delta`` texts of one finished call.

        The default reads JSON (the argument syntax of most formats), including a JSON string
        that holds the object (OpenAI's ``"arguments": "{...}"``); when lenient, JSON that
        :mod:`json` rejects is mended with ``json_repair``
        (:func:`~toolschool.formats.json_object.repair_arguments`), as the parser mended it.
        Formats with their own argument syntax (Gemma 4, pythonic, FunctionGemma) override
        it. Stream invariant: for every finished call, ``decode_arguments(joined deltas) ==
        call.arguments``.

        Raises:
            ValueError: ``raw`` is not a complete arguments text of this format (lenient:
                not even after repair).
        """
        import json

        try:
            value = json.loads(raw) if raw.strip() else {}
            if isinstance(value, str):
                value = json.loads(value) if value.strip() else {}
            if not isinstance(value, dict):
                raise ValueError(f"arguments must be an object, got {type(value).__name__}")
        except ValueError:
            if not self.lenient:
                raise
            from toolschool.formats.json_object import repair_arguments

            return repair_arguments(raw)
        return value

    def parse(self, text: str) -> ParseResult:
        """Parse a complete model output. Never raises on bad output."""
        parser = self.stream()
        parser.feed(text)
        parser.finish()
        return parser.result()

    def may_call(self, text: str) -> bool:
        """Whether an unfinished output ``text`` has begun, or may be beginning, a tool call.

        True when parsing ``text`` finds a call or an attempted one
        (:attr:`ParseResult.attempted`), when ``text`` ends with a proper prefix of
        :attr:`call_start` (the opener is being written), or when the format declares no
        ``call_start``. Decoders use it as a *call window*: an answer that is still False after
        its first N tokens is prose, and later tokens cannot change which calls it made.
        """
        if not self.call_start or self.call_start in text:
            return True
        result = self.parse(text)
        if result.calls or result.attempted:
            return True
        tail = text.rstrip() if not self.call_start[0].isspace() else text
        return any(tail.endswith(self.call_start[:k]) for k in range(1, len(self.call_start)))
