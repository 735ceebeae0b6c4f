"""Gemma 4 tool calls: ``<|tool_call>call:name{key:value,…}<tool_call|>``.

Source: Google's official Gemma 4 chat template, the 2026-07-09 revision
(``google-gemma-4-31B-it.2026-07.jinja`` / ``google-gemma-4-E2B-it.2026-07.jinja`` in
the workplace's ``shared/chat_templates``). Every string here is what that template writes:

* declarations (macro ``format_function_declaration``), one per tool, in the system turn
  right after the trimmed system text::

      <|tool>declaration:get_weather{description:<|"|>Current weather<|"|>,parameters:{
      properties:{city:{description:<|"|>City<|"|>,type:<|"|>STRING<|"|>}},
      required:[<|"|>city<|"|>],type:<|"|>OBJECT<|"|>}}<tool|>

  (one line in reality). Property keys are sorted case-insensitively (Jinja
  ``dictsort``); types are upper-cased; the template's quirks are kept byte for byte
  (e.g. a ``parameters`` without ``type`` gets no closing brace).
* calls (the ``tool_calls`` loop)::

      <|tool_call>call:get_weather{city:<|"|>Paris<|"|>,days:3,metric:true}<tool_call|>

  Several calls are concatenated with nothing between them. Argument values follow the
  macro ``format_argument``: strings between ``<|"|>`` delimiters, raw (no escapes);
  ``true``/``false``; ``null`` for None (the April 2026 template wrote ``None``; both are
  parsed); numbers as Python ``str``; objects ``{key:value,…}`` with unquoted keys in
  ``dictsort`` order; arrays ``[a,b]``.
* results (macro ``format_tool_response_block`` for a string tool message)::

      <|tool_response>response:get_weather{value:<|"|>{"temp": 21}<|"|>}<tool_response|>

  concatenated; the chat layer puts them in the model turn (``result_role`` ``"tool"``).
* an assistant turn is the reasoning (when kept, below), the calls, then the content with its
  thought channels removed and trimmed (macro ``strip_thinking``) — the template's order.
* reasoning (thinking): with thinking on (the template variable ``enable_thinking``, which
  writes ``<|think|>\\n`` at the top of the system turn) the model first writes its reasoning
  in the thought channel, ``<|channel>thought\\n…<channel|>``, then its calls or answer. The
  templates write a message's ``reasoning`` / ``reasoning_content`` back as
  ``<|channel>thought\\n`` + reasoning + ``\\n<channel|>`` before the calls, but only in the
  current exchange: the July template for model messages after the last user message (and,
  with ``preserve_thinking``, for earlier ones with calls), the April template
  (``google-gemma-4-31B-it.jinja``) for those after the last user message that have calls;
  everywhere else it is dropped, and a thought channel inside ``content`` is always removed.
  llama.cpp's interleaved variant (``llama-cpp-gemma-4-31B-it-interleaved.jinja``, not
  Google's) also keeps it on the calls turns after the last user message, written without the
  ``\\n`` before ``<channel|>``. Without thinking, the 26B/31B generation prompt ends with an
  empty channel ``<|channel>thought\\n<channel|>``, so the model writes none.

  :class:`Gemma4Format` ``(keep_reasoning=False)`` chooses between the two rules, since a
  format does not know where a turn stands in the conversation: ``keep_reasoning=True``
  writes the reasoning first in the turn, before the calls (interleaved thinking: the rule for
  the turns after the last user message; on a turn without calls, before its content, as the
  July template does), the default drops it (the rule for earlier turns). The canonical
  :class:`~toolschool.types.Message` has no reasoning field, so reasoning travels inside
  ``content`` as thought channels, the way Qwen3's ``<think>`` blocks do
  (:class:`~toolschool.chat.prompt.ChatMLLayout`); ``render_assistant`` also takes it as
  an argument. Parsing moves the text of each thought channel (the ``thought`` name line
  dropped, stripped; several joined by ``"\\n"``) to ``ParseResult.reasoning`` and out of
  ``content``, in strict and lenient mode alike. Inside a channel only ``<channel|>`` counts:
  ``<|tool_call>`` there is reasoning, not a call. A channel the output never closes is
  reasoning up to the end (not an error: it holds no call). The July template ends the
  generation prompt after tool results with an open ``<|channel>thought\\n`` when thinking is
  on; ``Gemma4Format().stream(in_thought=True)`` parses such an output, which starts inside
  the channel.

Not representable: a string containing ``<|"|>`` (strings are raw, so the delimiter would end
them), keys containing ``:``, ``,``, brackets or ``<`` or with surrounding whitespace, and
content holding a call or thought-channel marker (it would be read as one). Parsing accepts
what the template writes plus whitespace between tokens and ``<|"|>``-quoted keys; a call
whose arguments closed but whose ``<tool_call|>`` never came (the model stopped there) is
still a call. Anything else is a :class:`~toolschool.formats.base.ParseError` at the
offending character.

FunctionGemma (:mod:`toolschool.formats.functiongemma`) writes the same syntax with other
markers and ``<escape>`` as the string delimiter and has no thought channel, so the value
syntax lives in :mod:`toolschool.formats.gemma_values` (:func:`render_value`,
:class:`ValueParser`, :func:`parse_value`, re-exported here) with the delimiter as a
parameter, and :class:`Gemma4StreamParser` takes its markers as class attributes; the
defaults are Gemma 4's. ``ValueParser(lenient=True)`` and
the parser's ``lenient`` attribute (single-quoted strings, trailing commas) are used by
FunctionGemma's lenient mode; Gemma 4 itself parses strictly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from toolschool.formats.base import StreamEvent, ToolFormat
from toolschool.formats.delimited import DelimitedStreamParser
from toolschool.formats.gemma_values import (
    GemmaSyntaxError,
    Q,
    ValueParser,
    dictsort,
    parse_value,
    render_value,
)
from toolschool.types import ToolCall, ToolResult, ToolSchema

if TYPE_CHECKING:
    from toolschool.formats.grammar import CallSyntax

__all__ = [
    "CALL_END",
    "CALL_HEAD",
    "CALL_START",
    "Gemma4Format",
    "Gemma4StreamParser",
    "GemmaSyntaxError",
    "Q",
    "THINK",
    "THOUGHT_END",
    "THOUGHT_START",
    "ValueParser",
    "parse_value",
    "render_declaration",
    "render_value",
    "split_thinking",
    "strip_thinking",
]
CALL_START = "<|tool_call>"
CALL_END = "<tool_call|>"
CALL_HEAD = "call:"
THOUGHT_START = "<|channel>"
THOUGHT_END = "<channel|>"
THOUGHT_NAME = "thought"
#: the token at the top of the system turn that turns thinking on (template: ``enable_thinking``)
THINK = "<|think|>"

_STANDARD_KEYS = ("description", "type", "properties", "required", "nullable")
_MISSING = object()


# -- rendering (a transcription of the template's macros) --------------------------------


def _get(value: Any, key: str) -> Any:
    """Jinja ``value[key]``: undefined (``_MISSING``) when absent or not a mapping."""
    return value.get(key, _MISSING) if isinstance(value, Mapping) else _MISSING


def _text(value: Any) -> str:
    """Jinja ``{{ value }}``: undefined renders as ``""``."""
    return "" if value is _MISSING else str(value)


def _upper(value: Any) -> str:
    """Jinja ``value | upper``."""
    return _text(value).upper()


def _truthy(value: Any) -> bool:
    return value is not _MISSING and bool(value)


def _quoted_list(items: Any, q: str = Q) -> str:
    return "[" + ",".join(q + _text(item) + q for item in items) + "]"


def _render_parameters(properties: Mapping[str, Any], filter_keys: bool = False, q: str = Q) -> str:
    """Macro ``format_parameters``: the ``properties`` body of a declaration."""
    rendered = []
    for key, value in dictsort(properties):
        if filter_keys and key in _STANDARD_KEYS:
            continue
        parts = []
        if _truthy(_get(value, "description")):
            parts.append(f"description:{q}{_text(value['description'])}{q}")
        kind = _upper(_get(value, "type"))
        if kind == "STRING" and _truthy(_get(value, "enum")):
            parts.append("enum:" + render_value(value["enum"], quote=q))
        elif kind == "ARRAY":
            items = _get(value, "items")
            if isinstance(items, Mapping) and items:
                parts.append("items:{" + _render_items(items, q) + "}")
        if _truthy(_get(value, "nullable")):
            parts.append("nullable:true")
        if kind == "OBJECT":
            nested = _get(value, "properties")
            if isinstance(nested, Mapping):
                parts.append("properties:{" + _render_parameters(nested, q=q) + "}")
            elif isinstance(value, Mapping):
                parts.append("properties:{" + _render_parameters(value, filter_keys=True, q=q) + "}")
            if _truthy(_get(value, "required")):
                parts.append("required:" + _quoted_list(value["required"], q))
        parts.append(f"type:{q}{kind}{q}")
        rendered.append(f"{key}:{{" + ",".join(parts) + "}")
    return ",".join(rendered)


def _render_items(items: Mapping[str, Any], q: str = Q) -> str:
    """The ``items:{…}`` body of an array property (inside ``format_parameters``)."""
    parts = []
    for key, value in dictsort(items):
        if value is None:
            continue
        if key == "properties":
            body = _render_parameters(value, q=q) if isinstance(value, Mapping) else ""
            parts.append("properties:{" + body + "}")
        elif key == "required":
            parts.append("required:" + _quoted_list(value, q))
        elif key == "type":
            kind = value.upper() if isinstance(value, str) else [_upper(v) for v in value]
            parts.append("type:" + render_value(kind, quote=q))
        else:
            parts.append(f"{key}:" + render_value(value, quote=q))
    return ",".join(parts)


def render_declaration(tool: ToolSchema, quote: str = Q) -> str:
    """Macro ``format_function_declaration`` (trimmed): ``declaration:name{…}``.

    ``quote`` is the string delimiter (FunctionGemma: ``<escape>``).
    """
    q = quote
    function = tool.to_openai()["function"]
    out = f"declaration:{function['name']}{{description:{q}{_text(function.get('description', _MISSING))}{q}"
    params = function.get("parameters")
    if params:
        out += ",parameters:{"
        if _truthy(_get(params, "properties")) and isinstance(params["properties"], Mapping):
            out += "properties:{" + _render_parameters(params["properties"], q=q) + "},"
        if _truthy(_get(params, "required")):
            out += "required:" + _quoted_list(params["required"], q) + ","
        if _truthy(_get(params, "type")):
            out += f"type:{q}{_upper(params['type'])}{q}}}"
    return (out + "}").strip()


# -- the format ---------------------------------------------------------------------------


_NAME_LINE = re.compile(r"\A" + THOUGHT_NAME + r"(?:\n|\Z)")


def _thought_text(channel: str, named: bool = True) -> str:
    """A thought channel's reasoning: its ``thought`` name line dropped (when ``named``), stripped."""
    return (_NAME_LINE.sub("", channel, count=1) if named else channel).strip()


def strip_thinking(text: str) -> str:
    """Macro ``strip_thinking``: ``text`` without its thought channels, trimmed.

    Every ``<|channel>…<channel|>`` goes, and so does a ``<|channel>`` never closed with all
    that follows it; a stray ``<channel|>`` is removed. ``strip_thinking(" A<|channel>x<channel|>B ")``
    → ``"AB"``.
    """
    return split_thinking(text)[1]


def split_thinking(text: str) -> tuple[str, str]:
    """``(reasoning, content)`` of a text holding thought channels.

    ``content`` is :func:`strip_thinking`'s result; ``reasoning`` the text of each channel
    (name line dropped, stripped), joined by ``"\\n"``.
    """
    kept, thoughts = [], []
    for part in text.split(THOUGHT_END):
        before, opened, channel = part.partition(THOUGHT_START)
        kept.append(before)
        if opened and _thought_text(channel):
            thoughts.append(_thought_text(channel))
    return "\n".join(thoughts), "".join(kept).strip()


class Gemma4Format(ToolFormat):
    """The Gemma 4 wire format (see the module docstring for the rules and their source).

    Args:
        lenient: accepted for the common constructor; Gemma 4 parses strictly either way.
        keep_reasoning: write an assistant turn's reasoning as a thought channel before its
            calls (interleaved thinking, as the templates do after the last user message);
            by default it is dropped, as they do before it.
    """

    name = "gemma4"
    result_role = "tool"
    call_start = CALL_START

    def __init__(self, *, lenient: bool = False, keep_reasoning: bool = False) -> None:
        super().__init__(lenient=lenient)
        self.keep_reasoning = keep_reasoning

    def render_tools(self, tools: list[ToolSchema]) -> str:
        """``<|tool>declaration:…<tool|>`` per tool, concatenated."""
        return "".join(f"<|tool>{render_declaration(tool)}<tool|>" for tool in tools)

    def render_system(self, tools: list[ToolSchema], system: str) -> str:
        """The system-turn body: ``system`` trimmed (as the template does), then the declarations."""
        if not tools:
            return system
        return system.strip() + self.render_tools(tools)

    def render_calls(self, calls: list[ToolCall]) -> str:
        """``<|tool_call>call:name{k:v,…}<tool_call|>`` per call, concatenated."""
        return "".join(
            CALL_START + CALL_HEAD + call.name + render_value(call.arguments, escape_keys=False) + CALL_END
            for call in calls
        )

    def render_assistant(self, content: str, calls: list[ToolCall], *, reasoning: str = "") -> str:
        """The reasoning (with ``keep_reasoning``), the calls, then the content without its
        thought channels, trimmed — the order and trim of the Gemma 4 template.

        The reasoning is ``reasoning`` and the thought channels found in ``content`` (see
        :meth:`render_thought`). ``render_assistant("<|channel>thought\\nCheck.<channel|>OK", [])``
        is ``"OK"``, or with ``keep_reasoning`` ``"<|channel>thought\\nCheck.\\n<channel|>OK"``.
        """
        return self.render_thought(content, reasoning) + self.render_calls(calls) + strip_thinking(content)

    def render_thought(self, content: str = "", reasoning: str = "") -> str:
        """The thought channel an assistant turn starts with: ``""`` unless ``keep_reasoning``.

        ``<|channel>thought\\n`` + the reasoning + ``\\n<channel|>`` (the templates' bytes), the
        reasoning being ``reasoning`` as given followed by the thought channels of ``content``
        (:func:`split_thinking`), joined by ``"\\n"``; ``""`` when there is none.
        """
        if not self.keep_reasoning:
            return ""
        found = split_thinking(content)[0]
        text = "\n".join(r for r in (reasoning if reasoning.strip() else "", found) if r)
        return f"{THOUGHT_START}{THOUGHT_NAME}\n{text}\n{THOUGHT_END}" if text else ""

    def render_results(self, results: list[ToolResult]) -> str:
        """``<|tool_response>response:name{value:<|"|>content<|"|>}<tool_response|>`` per result.

        An empty name becomes ``unknown``, the template's fallback.
        """
        return "".join(
            f"<|tool_response>response:{r.name or 'unknown'}"
            f"{{value:{render_value(r.content, escape_keys=False)}}}<tool_response|>"
            for r in results
        )

    def call_syntax(self, tools: list[ToolSchema], special: Iterable[str] = ()) -> CallSyntax:
        """``<|tool_call>call:name{k:v,…}<tool_call|>`` per call; text may follow the calls."""
        from toolschool.formats import grammar

        return grammar.styled_syntax(
            tools,
            grammar.gemma_style(Q, special),
            lambda n: (f"{CALL_HEAD}{n}", CALL_END),
            CALL_START,
            "",
            special,
            content_after=True,
        )

    def stream(self, *, in_thought: bool = False) -> Gemma4StreamParser:
        """A fresh parser; ``in_thought``: the output starts inside a thought channel whose
        ``<|channel>thought\\n`` the prompt wrote (see the module docstring)."""
        return Gemma4StreamParser(in_thought=in_thought)

    def decode_arguments(self, raw: str) -> dict:
        """Arguments from Gemma-syntax deltas (``{city:<|"|>Paris<|"|>}``).

        Raises:
            ValueError: not a Gemma 4 object (:class:`GemmaSyntaxError` is a ValueError).
        """
        value = parse_value(raw) if raw.strip() else {}
        if not isinstance(value, dict):
            raise ValueError(f"arguments must be an object, got {type(value).__name__}")
        return value


_HEAD, _NAME, _ARGS, _POST, _BROKEN, _THOUGHT = range(6)
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


class Gemma4StreamParser(DelimitedStreamParser):
    """Incremental Gemma 4 parser.

    Events: ``call_started`` when the ``{`` after ``call:name`` arrives;
    ``arguments_delta`` with the raw Gemma-syntax argument text (``{city:<|"|>Paris<|"|>}``;
    the deltas joined are that text); ``call_finished`` when ``<tool_call|>`` arrives, or at
    ``finish`` when the arguments closed but the end marker never came. A thought channel
    gives no event: its text goes to ``result().reasoning`` when ``<channel|>`` arrives (or
    at ``finish``).

    Class attributes ``start``, ``end``, ``head`` (``call:``), ``quote``, ``thought_start``
    and ``thought_end`` are the markers (``thought_start`` empty: no thought channel); with
    ``lenient`` true the arguments may also hold ``'single-quoted'`` strings and trailing
    commas (see :class:`ValueParser`), recorded as repairs. Subclasses override
    :meth:`_unclosed` to change what a call without its end marker is.

    Args:
        in_thought: the output starts inside a thought channel (the prompt opened it).
    """

    start = CALL_START
    end = CALL_END
    head = CALL_HEAD
    quote = Q
    thought_start = THOUGHT_START
    thought_end = THOUGHT_END
    lenient = False

    def __init__(self, in_thought: bool = False) -> None:
        super().__init__()
        if self.thought_start:
            self.starts = (self.start, self.thought_start)
        self._thoughts: list[str] = []
        self._named = True  # the open channel starts with its name line (not when the prompt wrote it)
        if in_thought and self.thought_start:
            self.opened, self._call, self._named = self.thought_start, "", False
            self._begin_call()

    def _begin_call(self) -> None:
        self._phase = _THOUGHT if self.thought_start and self.opened == self.thought_start else _HEAD
        self._pos = 0
        self._args_start = 0
        self._args_end = 0
        self._args_limit = 0
        self._stack: list[str] = []
        self._in_string = ""  # "" outside strings, else the delimiter that closes it
        self._at_token = True  # the last significant character was one of { [ , :
        self._string_at = 0
        self._delta_pos = 0

    def _call_step(self, events: list[StreamEvent], final: bool) -> int | None:
        if self._phase == _THOUGHT:
            return self._thought_step(final)
        text = self._call or ""
        head, end_marker = self.head, self.end
        i, n = self._pos, len(text)
        end: int | None = None
        while i < n and end is None:
            if self._phase == _HEAD:
                if text.startswith(head):
                    self._phase, i = _NAME, len(head)
                elif head.startswith(text):
                    break
                else:
                    self._break(events, 0, f"expected {head!r} after {self.start}")
            elif self._phase == _NAME:
                c = text[i]
                if c in _NAME_CHARS:
                    i += 1
                elif c == "{" and i > len(head):
                    self._announce(events, text[len(head) : i])
                    self._phase, self._args_start, self._delta_pos = _ARGS, i, i
                else:
                    what = "a tool name" if i == len(head) else "'{' after the tool name"
                    self._break(events, i, f"unexpected {c!r}; expected {what}")
            elif self._phase == _ARGS:
                i = self._args_step(events, text, i, final)
                if i < 0:  # need more text to decide
                    i = self._args_limit = -i - 1
                    break
                if self._phase == _ARGS:
                    self._args_limit = i
            elif self._phase == _POST:
                if text[i].isspace():
                    i += 1
                elif text.startswith(end_marker, i):
                    self._conclude(events, text)
                    end = i + len(end_marker)
                elif end_marker.startswith(text[i:]):
                    break
                else:
                    self._break(events, i, f"unexpected text after the arguments; expected {end_marker}")
            else:  # _BROKEN: skip to the end marker; the error is already reported
                at = text.find(end_marker, i)
                if at >= 0:
                    end = at + len(end_marker)
                else:
                    i = max(i, n - len(end_marker) + 1)
                    break
        self._pos = i
        self._flush_arguments(events)
        if end is not None or not final:
            return end
        if self._phase == _POST:  # arguments complete, no end marker: the model stopped there
            self._unclosed(events, text)
        elif self._phase != _BROKEN:
            self._error(events, "output ended inside a tool call", self._call_offset)
        return n

    def _thought_step(self, final: bool) -> int | None:
        """Inside a thought channel: everything up to ``<channel|>`` is reasoning."""
        text, marker = self._call or "", self.thought_end
        at = text.find(marker, self._pos)
        if at < 0 and not final:
            self._pos = max(self._pos, len(text) - len(marker) + 1)
            return None
        reasoning = _thought_text(text[: at if at >= 0 else len(text)], self._named)
        self._named = True
        if reasoning:
            self._thoughts.append(reasoning)
            self._result.reasoning = "\n".join(self._thoughts)
        return at + len(marker) if at >= 0 else len(text)

    def _args_step(self, events: list[StreamEvent], text: str, i: int, final: bool) -> int:
        """Scan argument text from ``i``; return the next index, or ``-(i + 1)`` to wait."""
        q = self.quote
        if self._in_string == "'":
            return self._single_quoted(events, text, i)
        if self._in_string:
            close = text.find(q, i)
            if close < 0:
                return -(max(i, len(text) - len(q) + 1) + 1)
            self._in_string = ""
            return close + len(q)
        c = text[i]
        at_token = self._at_token
        if not c.isspace():
            self._at_token = c in "{[,:"
        if c == "<":
            if text.startswith(q, i):
                self._in_string = q
                return i + len(q)
            if q.startswith(text[i:]) and not final:
                return -(i + 1)
            self._break(events, i, "unexpected '<' in the arguments (unclosed '{' or '['?)")
            return i  # it may begin the end marker
        if c == "'" and self.lenient and at_token:
            self._in_string, self._string_at = "'", i
            return i + 1
        if c == "{" or c == "[":
            self._stack.append("}" if c == "{" else "]")
        elif c == "}" or c == "]":
            if not self._stack or self._stack[-1] != c:
                self._break(events, i, f"unexpected {c!r} in the arguments")
                return i + 1
            self._stack.pop()
            if not self._stack:
                self._phase, self._args_end = _POST, i + 1
                self._args_limit = i + 1
        return i + 1

    def _single_quoted(self, events: list[StreamEvent], text: str, i: int) -> int:
        """Lenient: inside a ``'…'`` string, which ends at the next ``'``.

        The end marker before that ``'`` means the string was never closed: an error.
        """
        close = text.find("'", i)
        stop = text.find(self.end, i, close if close >= 0 else len(text))
        if stop >= 0:
            self._break(events, self._string_at, "unterminated single-quoted string")
            return stop
        if close < 0:
            return -(max(i, len(text) - len(self.end) + 1) + 1)
        self._in_string = ""
        return close + 1

    def _break(self, events: list[StreamEvent], i: int, message: str) -> None:
        self._phase = _BROKEN
        self._error(events, message, self._body_offset + i)

    def _unclosed(self, events: list[StreamEvent], text: str) -> None:
        """The arguments closed but the output ended before the end marker.

        Gemma 4: still a call (the model stopped at its stop token).
        """
        self._conclude(events, text)

    def _conclude(self, events: list[StreamEvent], text: str) -> bool:
        """Decode the arguments and emit the call (True), or an error (False)."""
        parser = ValueParser(self.quote, lenient=self.lenient)
        try:
            arguments = parser.parse(text[self._args_start : self._args_end])
        except GemmaSyntaxError as exc:
            offset = self._body_offset + self._args_start + exc.pos
            self._error(events, f"invalid arguments: {exc.message}", offset)
            return False
        for message, pos in parser.repairs:
            self._repair(message, self._body_offset + self._args_start + pos)
        self._finish_call(events, ToolCall(name=text[len(self.head) : self._args_start], arguments=arguments))
        return True
