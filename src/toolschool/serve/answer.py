"""From the model's text to the OpenAI answer: whole (:func:`answer_from_completion`) or
piece by piece as it is generated (:class:`StreamAssembler`).

Both apply the same rules, so a streamed answer assembles to the non-streamed one:

* the text is parsed with the wire format; calls become ``tool_calls``, the rest ``content``
  (stripped of surrounding whitespace; ``None`` beside calls when empty, ``""`` without);
* when the parser found errors and no call, ``content`` is the model's whole text (the
  client sees what the model wrote);
* no tools offered (``tool_choice: "none"``): no calls; a named ``tool_choice``: only that
  tool's calls; ``parallel_tool_calls: false``: the first call only. The text of a dropped
  call is not content;
* ``finish_reason``: ``tool_calls`` with calls, else ``length`` when generation hit
  ``max_tokens``, else ``stop``.

Streaming sends a call when the parser *finishes* it: one delta with its ``id``, ``type`` and
``function.name`` (``arguments: ""``), then one with ``arguments``, the JSON of the finished
call's arguments. Announcing a call as it starts and forwarding the model's raw argument
text would be earlier but not always right: a lenient parser repairs arguments (the repaired
JSON is not the raw text), non-JSON formats (pythonic, gemma4, functiongemma) write no JSON
at all, and a call that starts can still fail (malformed, or cut by ``max_tokens``) or be
dropped by ``parallel_tool_calls: false`` — none of which a sent delta can take back.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from toolschool.backends.local import Completion
from toolschool.formats.base import StreamEvent, ToolFormat
from toolschool.types import ToolCall


@dataclass
class Answer:
    """One answer in OpenAI terms.

    Attributes:
        content: the text beside the calls (``None`` when calls came with no text).
        calls: the tool calls, each with an id.
        finish_reason: ``"tool_calls"``, ``"stop"`` or ``"length"``.
        usage: ``prompt_tokens``/``completion_tokens``/``total_tokens`` when known.
    """

    content: str | None
    calls: list[ToolCall]
    finish_reason: str
    usage: dict[str, int] | None = None


@dataclass(frozen=True)
class CallPolicy:
    """Which parsed calls an answer keeps (the request's ``tools``/``tool_choice``/``parallel_tool_calls``).

    Attributes:
        tools_offered: False (no tools, or ``tool_choice: "none"``) keeps no call.
        allowed: tool names whose calls are kept (a named ``tool_choice``); None: any.
        parallel: False keeps the first kept call only.
    """

    tools_offered: bool = True
    allowed: frozenset[str] | None = None
    parallel: bool = True

    def keeps(self, call: ToolCall, kept_so_far: int) -> bool:
        """Whether ``call`` is kept when ``kept_so_far`` calls already were."""
        if not self.tools_offered or (self.allowed is not None and call.name not in self.allowed):
            return False
        return self.parallel or kept_so_far == 0


def _with_id(call: ToolCall) -> ToolCall:
    return call if call.id else call.model_copy(update={"id": f"call_{uuid.uuid4().hex[:24]}"})


def _finish_reason(calls: list[ToolCall], generation_reason: str) -> str:
    return "tool_calls" if calls else ("length" if generation_reason == "length" else "stop")


def answer_from_completion(fmt: ToolFormat, completion: Completion, policy: CallPolicy) -> Answer:
    """The answer to a whole completion (the rules in the module docstring).

    Structured calls (``completion.calls``, an OpenAI-compatible backend) are taken as they
    are, with ``completion.raw`` as content; otherwise ``completion.raw`` is parsed with ``fmt``.
    """
    if completion.calls is not None:
        parsed_calls, content = list(completion.calls), completion.raw
    else:
        parsed = fmt.parse(completion.raw)
        parsed_calls = parsed.calls
        content = parsed.content if parsed.calls or not parsed.errors else completion.raw
    calls: list[ToolCall] = []
    for call in parsed_calls:
        if policy.keeps(call, len(calls)):
            calls.append(_with_id(call))
    content = content.strip() or None
    if not calls:
        content = content or ""
    return Answer(content, calls, _finish_reason(calls, completion.finish_reason))


class _Strip:
    """Sends text with its leading and trailing whitespace removed, as it arrives: leading
    whitespace is dropped, trailing whitespace held until more text follows it."""

    def __init__(self) -> None:
        self.started = False
        self.pending = ""

    def feed(self, text: str) -> str:
        if not self.started:
            text = text.lstrip()
            if not text:
                return ""
            self.started = True
        core = text.rstrip()
        if not core:
            self.pending += text
            return ""
        out, self.pending = self.pending + core, text[len(core) :]
        return out


@dataclass
class _Pieces:
    """Text kept as a list of pieces (appending is O(1); joined when read)."""

    parts: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        if text:
            self.parts.append(text)

    def text(self) -> str:
        joined = "".join(self.parts)
        self.parts = [joined] if joined else []
        return joined


class StreamAssembler:
    """Turns model text, fed piece by piece, into OpenAI ``delta`` objects.

    ``feed(piece)`` and ``finish(generation_reason)`` return the deltas that are ready
    (``{"content": str}`` or ``{"tool_calls": [...]}``); ``finish`` also returns the
    ``finish_reason``. The deltas of one stream assemble to :func:`answer_from_completion`
    of the joined text (content concatenated, then stripped; calls by ``index``; arguments
    concatenated are ``json.dumps`` of the call's arguments).

    Content is sent as the parser releases it, as long as what was sent is a prefix of the
    model's text; content that is not (a marker or a call's text was left out) is held
    until a call finishes (then it is the answer's content) or the output ends (then it is
    the content, unless errors and no call make the whole text the content — which is why
    it was held). Content after a finished call is sent at once.

    Args:
        fmt: the wire format (a fresh stream parser is made from it).
        policy: which calls are kept.
    """

    def __init__(self, fmt: ToolFormat, policy: CallPolicy):
        self.parser = fmt.stream()
        self.policy = policy
        self.calls: list[ToolCall] = []
        self._strip = _Strip()
        self._unsent = _Pieces()  # model text after the content sent so far (while it matters)
        self._held: list[str] = []  # content that is not a continuation of the model's text
        self._diverged = False
        self._call_finished = False  # any call parsed (kept or not): content is then the parser's
        self._errors = False

    def feed(self, piece: str) -> list[dict[str, Any]]:
        """Deltas ready after one more piece of model text."""
        if not self._call_finished:
            self._unsent.add(piece)
        return self._handle(self.parser.feed(piece))

    def finish(self, generation_reason: str = "stop") -> tuple[list[dict[str, Any]], str]:
        """The last deltas and the ``finish_reason`` (``generation_reason``: the backend's,
        ``"length"`` when it hit ``max_tokens``)."""
        deltas = self._handle(self.parser.finish())
        if not self._call_finished and self._errors:
            rest = self._unsent.text()  # the whole text is the content: send what is left of it
            self._held.clear()
        else:
            rest = "".join(self._held)
        self._content(deltas, self._strip.feed(rest))
        return deltas, _finish_reason(self.calls, generation_reason)

    def _content(self, deltas: list[dict[str, Any]], text: str) -> None:
        if text:
            deltas.append({"content": text})

    def _handle(self, events: list[StreamEvent]) -> list[dict[str, Any]]:
        deltas: list[dict[str, Any]] = []
        for ev in events:
            if ev.kind == "content":
                self._on_content(deltas, ev.text)
            elif ev.kind == "call_finished" and ev.call is not None:
                if not self._call_finished:
                    self._call_finished = True
                    self._unsent = _Pieces()
                    held, self._held = "".join(self._held), []
                    self._content(deltas, self._strip.feed(held))
                if self.policy.keeps(ev.call, len(self.calls)):
                    self._send_call(deltas, _with_id(ev.call))
            elif ev.kind == "error":
                self._errors = True
        return deltas

    def _on_content(self, deltas: list[dict[str, Any]], text: str) -> None:
        if not self._call_finished and not self._diverged:
            unsent = self._unsent.text()
            if unsent.startswith(text):
                self._unsent = _Pieces([unsent[len(text) :]] if len(unsent) > len(text) else [])
            else:
                self._diverged = True
        if self._diverged and not self._call_finished:
            self._held.append(text)
        else:
            self._content(deltas, self._strip.feed(text))

    def _send_call(self, deltas: list[dict[str, Any]], call: ToolCall) -> None:
        index = len(self.calls)
        self.calls.append(call)
        deltas.append({"tool_calls": [{"index": index, "id": call.id, "type": "function",
                                       "function": {"name": call.name, "arguments": ""}}]})
        arguments = json.dumps(call.arguments, ensure_ascii=False)
        deltas.append({"tool_calls": [{"index": index, "function": {"arguments": arguments}}]})
