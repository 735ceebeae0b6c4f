"""Model text → OpenAI tool calls with toolschool's format parsers, in vLLM's field names.

The vLLM plugin (:mod:`toolschool.integrations.vllm_tool_parser`) is a thin shell around these
two pieces, which do not import vLLM and are tested on their own:

* :func:`extract_tool_calls` — a whole answer → :class:`ExtractedCalls` (the fields of vLLM's
  ``ExtractedToolCallInformation``: ``tools_called``, ``tool_calls``, ``content``), parsed by the
  format's ``parse`` exactly as toolschool parses it;
* :class:`ToolCallStream` — the answer as it is generated → one delta per step in the shape of
  vLLM's ``DeltaMessage`` (``content`` and ``tool_calls`` of ``{index, id, type, function: {name,
  arguments}}``), from the format's incremental parser (:meth:`~toolschool.formats.base.ToolFormat.stream`).

Calls are OpenAI-shaped: ``{"id", "type": "function", "function": {"name", "arguments"}}`` with
``arguments`` a JSON string (``json.dumps(..., ensure_ascii=False)``). Streaming sends each call
whole — id, name and all its arguments in one delta — when the parser reports it finished
(``call_finished``, the moment its last character arrives), not argument fragments: arguments
are only sent once they parse, so a client never receives a half-written call, and formats whose
arguments are not JSON (pythonic, Gemma 4, FunctionGemma) stream valid JSON too. The
concatenated deltas equal the non-streaming result (tested for every format).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from toolschool.formats.base import ToolFormat
from toolschool.types import ToolCall

__all__ = ["ExtractedCalls", "ToolCallStream", "extract_tool_calls", "openai_call"]


def _new_id() -> str:
    return f"call_{uuid.uuid4().hex[:24]}"


def openai_call(call: ToolCall, new_id: Callable[[], str] = _new_id) -> dict[str, Any]:
    """``call`` as an OpenAI tool call: ``{"id", "type": "function", "function": {"name", "arguments"}}``.

    The call's own id is kept when the format carries one (Mistral), else ``new_id()``;
    ``arguments`` is the JSON text of the arguments (UTF-8 kept).
    """
    return {
        "id": call.id or new_id(),
        "type": "function",
        "function": {"name": call.name, "arguments": json.dumps(call.arguments, ensure_ascii=False)},
    }


@dataclass
class ExtractedCalls:
    """A whole answer, parsed (vLLM's ``ExtractedToolCallInformation`` fields).

    Attributes:
        tools_called: at least one call parsed.
        tool_calls: the calls (:func:`openai_call` dicts), in order.
        content: with calls, the text outside them (None when it is blank); without calls, the
            whole answer as generated, so text of a call that failed to parse is not lost.
        errors: the parser's error messages (``"at char 12: …"``), for logging.
    """

    tools_called: bool
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    content: str | None = None
    errors: list[str] = field(default_factory=list)


def extract_tool_calls(fmt: ToolFormat, text: str, new_id: Callable[[], str] = _new_id) -> ExtractedCalls:
    """Parse a whole answer with ``fmt`` (strict or lenient as constructed).

    Never raises on bad model output: calls that do not parse are left out and reported in
    :attr:`ExtractedCalls.errors`.
    """
    result = fmt.parse(text)
    errors = [str(e) for e in result.errors]
    if not result.calls:
        return ExtractedCalls(False, [], text, errors)
    content = result.content if result.content.strip() else None
    return ExtractedCalls(True, [openai_call(c, new_id) for c in result.calls], content, errors)


class ToolCallStream:
    """Incremental tool-call extraction for one answer.

    :meth:`feed` the generated text piece by piece, then :meth:`finish`; each returns a delta
    ``{"content": str | None, "tool_calls": [{"index", "id", "type", "function": {"name",
    "arguments"}}]}`` or None when there is nothing new. ``index`` counts the finished calls from
    0; content is passed on as soon as the parser knows it is not the start of a call (it holds
    back a possible call opener, such as a trailing ``TOOL_`` or ``<tool``, until it is decided).

    Attributes:
        calls: the calls sent so far, ``{"name", "arguments"}`` with arguments as sent (JSON text).
        errors: the parser's error messages so far.
    """

    def __init__(self, fmt: ToolFormat, new_id: Callable[[], str] = _new_id) -> None:
        self._parser = fmt.stream()
        self._new_id = new_id
        self._finished = False
        self.calls: list[dict[str, str]] = []
        self.errors: list[str] = []

    def feed(self, text: str) -> dict[str, Any] | None:
        """Consume more generated text; the delta it completes, or None."""
        if self._finished or not text:
            return None
        return self._delta(self._parser.feed(text))

    def finish(self) -> dict[str, Any] | None:
        """End of the answer: flush held-back content and calls the parser completes at the end
        (lenient repairs such as a missing closing tag). Later calls return None."""
        if self._finished:
            return None
        self._finished = True
        return self._delta(self._parser.finish())

    def _delta(self, events: list[Any]) -> dict[str, Any] | None:
        content: list[str] = []
        calls: list[dict[str, Any]] = []
        for event in events:
            if event.kind == "content":
                content.append(event.text)
            elif event.kind == "call_finished" and event.call is not None:
                call = openai_call(event.call, self._new_id)
                calls.append({"index": len(self.calls), **call})
                self.calls.append(dict(call["function"]))
            elif event.kind == "error" and event.error is not None:
                self.errors.append(str(event.error))
        text = "".join(content)
        if not text and not calls:
            return None
        return {"content": text or None, "tool_calls": calls}
