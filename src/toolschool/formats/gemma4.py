"""Gemma 4 tool calls: ``<|tool_call>call:name{key:value,…}<tool_call|>``.

Source: Google's official Gemma 4 chat template, the 2026-07-09 revision
(``google-gemma-4-31B-it.2026-07.jinja`` / ``google-gemma-4-E2B-it.2026-07.jinja`` in
``/work/shared/chat_templates``). Every string here is what that template writes:

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
* an assistant turn is calls first, then the (trimmed) content — the template's order.

Not representable: a string containing ``<|"|>``, and keys containing ``:``, ``,``,
brackets or ``<``. Parsing accepts what the template writes plus whitespace between
tokens and ``<|"|>``-quoted keys; a call whose arguments closed but whose
``<tool_call|>`` never came (the model stopped there) is still a call. Anything else is
a :class:`~toolschool.formats.base.ParseError` at the offending character.

FunctionGemma (:mod:`toolschool.formats.functiongemma`) writes the same syntax with other
markers and ``<escape>`` as the string delimiter, so the renderers, :class:`ValueParser`
and :class:`Gemma4StreamParser` take the delimiter and markers as parameters (class
attributes on the parser); the defaults are Gemma 4's. ``ValueParser(lenient=True)`` and
the parser's ``lenient`` attribute (single-quoted strings, trailing commas) are used by
FunctionGemma's lenient mode; Gemma 4 itself parses strictly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from toolschool.formats.base import StreamEvent, ToolFormat
from toolschool.formats.delimited import DelimitedStreamParser
from toolschool.types import ToolCall, ToolResult, ToolSchema

Q = '<|"|>'
CALL_START = "<|tool_call>"
CALL_END = "<tool_call|>"
CALL_HEAD = "call:"

_STANDARD_KEYS = ("description", "type", "properties", "required", "nullable")
_MISSING = object()
_MAX_DEPTH = 200


# -- rendering (a transcription of the template's macros) --------------------------------


def _dictsort(mapping: Mapping[Any, Any]) -> list[tuple[Any, Any]]:
    """Jinja ``dictsort``: by key, case-insensitive, stable."""
    return sorted(mapping.items(), key=lambda kv: kv[0].lower() if isinstance(kv[0], str) else kv[0])


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


def render_value(value: Any, escape_keys: bool = True, quote: str = Q) -> str:
    """Macro ``format_argument``: a Python/JSON value in Gemma 4 syntax.

    ``render_value({"b": [1, None], "a": "x"}, escape_keys=False)`` →
    ``{a:<|"|>x<|"|>,b:[1,null]}``. Calls and results use ``escape_keys=False``;
    declarations (``enum``, ``items``) use the default, which quotes keys with ``<|"|>``.
    ``quote`` is the string delimiter (FunctionGemma: ``<escape>``).
    """
    if value is None:
        return "null"
    if isinstance(value, str):
        return quote + value + quote
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        parts = []
        for key, item in _dictsort(value):
            name = quote + str(key) + quote if escape_keys else str(key)
            parts.append(f"{name}:{render_value(item, escape_keys, quote)}")
        return "{" + ",".join(parts) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(render_value(item, escape_keys, quote) for item in value) + "]"
    return str(value)


def _render_parameters(properties: Mapping[str, Any], filter_keys: bool = False, q: str = Q) -> str:
    """Macro ``format_parameters``: the ``properties`` body of a declaration."""
    rendered = []
    for key, value in _dictsort(properties):
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
    for key, value in _dictsort(items):
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


# -- parsing the argument syntax ---------------------------------------------------------


class GemmaSyntaxError(ValueError):
    """Text that is not valid Gemma 4 argument syntax.

    Attributes:
        message: what was wrong.
        pos: 0-based offset in the parsed text.
    """

    def __init__(self, message: str, pos: int):
        super().__init__(f"{message} (at char {pos})")
        self.message = message
        self.pos = pos


_BARE = re.compile(r"[^\s,:{}\[\]<]+")
_KEY = re.compile(r"[^,:{}\[\]<]+")
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_WORDS: dict[str, Any] = {
    "true": True,
    "false": False,
    "null": None,
    "None": None,  # the April 2026 template's rendering of None
    "True": True,
    "False": False,
}
_SPACE = re.compile(r"\s*")


def parse_value(text: str, quote: str = Q) -> Any:
    """Parse one Gemma 4 value (as :func:`render_value` writes it) into Python.

    ``parse_value('{a:<|"|>x<|"|>,b:[1,2.5,true,null]}')`` → ``{"a": "x", "b": [1, 2.5, True, None]}``.
    Integers without ``.``/exponent become ``int``, others ``float``. ``quote`` is the
    string delimiter. Same as ``ValueParser(quote).parse(text)``.

    Raises:
        GemmaSyntaxError: with the offset of the first problem (also for nesting deeper
            than 200 levels).
    """
    return ValueParser(quote).parse(text)


class ValueParser:
    """Parser for the Gemma argument syntax with a given string delimiter.

    Args:
        quote: the string delimiter (``<|"|>`` for Gemma 4, ``<escape>`` for FunctionGemma).
        lenient: also accept ``'single-quoted'`` strings (raw, up to the next ``'``) where a
            value or key starts, and a trailing comma before ``}`` or ``]``; each is recorded
            in :attr:`repairs`.

    Attributes:
        repairs: ``(message, offset)`` for each lenient fix of the last :meth:`parse`.
    """

    def __init__(self, quote: str = Q, lenient: bool = False) -> None:
        self.quote = quote
        self.lenient = lenient
        self.repairs: list[tuple[str, int]] = []

    def parse(self, text: str) -> Any:
        """Parse one value filling the whole ``text`` (surrounding whitespace allowed).

        Raises:
            GemmaSyntaxError: with the offset of the first problem.
        """
        self.repairs = []
        value, end = self._parse(text, _SPACE.match(text, 0).end(), 0)
        end = _SPACE.match(text, end).end()
        if end != len(text):
            raise GemmaSyntaxError(f"unexpected {text[end]!r} after the value", end)
        return value

    def _parse(self, s: str, i: int, depth: int) -> tuple[Any, int]:
        q = self.quote
        if depth > _MAX_DEPTH:
            raise GemmaSyntaxError("nested too deeply", i)
        if s.startswith(q, i):
            close = s.find(q, i + len(q))
            if close < 0:
                raise GemmaSyntaxError(f"unterminated {q} string", i)
            return s[i + len(q) : close], close + len(q)
        if i >= len(s):
            raise GemmaSyntaxError("expected a value", i)
        if s[i] == "{":
            return self._parse_object(s, i, depth + 1)
        if s[i] == "[":
            return self._parse_array(s, i, depth + 1)
        if s[i] == "'" and self.lenient:
            close = s.find("'", i + 1)
            if close < 0:
                raise GemmaSyntaxError("unterminated single-quoted string", i)
            self.repairs.append((f"read a single-quoted string as a {q} string", i))
            return s[i + 1 : close], close + 1
        match = _BARE.match(s, i)
        if not match:
            raise GemmaSyntaxError(f"unexpected {s[i]!r}; expected a value", i)
        word = match.group()
        if word in _WORDS:
            return _WORDS[word], match.end()
        if _NUMBER.fullmatch(word):
            return (float(word) if any(ch in word for ch in ".eE") else int(word)), match.end()
        raise GemmaSyntaxError(f"bare word {word!r}: strings need {q} quotes", i)

    def _trailing_comma(self, s: str, comma: int, i: int, close: str) -> bool:
        """Lenient: ``,`` at ``comma`` followed by ``close`` at ``i`` is dropped (recorded)."""
        if self.lenient and s.startswith(close, i):
            self.repairs.append((f"dropped a trailing comma before {close!r}", comma))
            return True
        return False

    def _parse_object(self, s: str, i: int, depth: int) -> tuple[dict[str, Any], int]:
        result: dict[str, Any] = {}
        i = _SPACE.match(s, i + 1).end()
        if s.startswith("}", i):
            return result, i + 1
        while True:
            if s.startswith(self.quote, i) or (self.lenient and s.startswith("'", i)):
                key, i = self._parse(s, i, depth)
            else:
                match = _KEY.match(s, i)
                if not match or not match.group().strip():
                    raise GemmaSyntaxError("expected a key", i)
                key, i = match.group().strip(), match.end()
            i = _SPACE.match(s, i).end()
            if not s.startswith(":", i):
                raise GemmaSyntaxError(f"expected ':' after key {key!r}", i)
            result[key], i = self._parse(s, _SPACE.match(s, i + 1).end(), depth)
            i = _SPACE.match(s, i).end()
            if s.startswith(",", i):
                comma, i = i, _SPACE.match(s, i + 1).end()
                if self._trailing_comma(s, comma, i, "}"):
                    return result, i + 1
            elif s.startswith("}", i):
                return result, i + 1
            else:
                raise GemmaSyntaxError("expected ',' or '}'", i)

    def _parse_array(self, s: str, i: int, depth: int) -> tuple[list[Any], int]:
        result: list[Any] = []
        i = _SPACE.match(s, i + 1).end()
        if s.startswith("]", i):
            return result, i + 1
        while True:
            value, i = self._parse(s, i, depth)
            result.append(value)
            i = _SPACE.match(s, i).end()
            if s.startswith(",", i):
                comma, i = i, _SPACE.match(s, i + 1).end()
                if self._trailing_comma(s, comma, i, "]"):
                    return result, i + 1
            elif s.startswith("]", i):
                return result, i + 1
            else:
                raise GemmaSyntaxError("expected ',' or ']'", i)


# -- the format ---------------------------------------------------------------------------


class Gemma4Format(ToolFormat):
    """The Gemma 4 wire format (see the module docstring for the rules and their source)."""

    name = "gemma4"
    result_role = "tool"
    call_start = CALL_START

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
            CALL_START
            + CALL_HEAD
            + call.name
            + "{"
            + ",".join(f"{k}:{render_value(v, escape_keys=False)}" for k, v in _dictsort(call.arguments))
            + "}"
            + CALL_END
            for call in calls
        )

    def render_assistant(self, content: str, calls: list[ToolCall]) -> str:
        """Calls first, then the content trimmed — the order and trim of the Gemma 4 template."""
        return self.render_calls(calls) + content.strip()

    def render_results(self, results: list[ToolResult]) -> str:
        """``<|tool_response>response:name{value:<|"|>content<|"|>}<tool_response|>`` per result.

        An empty name becomes ``unknown``, the template's fallback.
        """
        return "".join(
            f"<|tool_response>response:{r.name or 'unknown'}"
            f"{{value:{render_value(r.content, escape_keys=False)}}}<tool_response|>"
            for r in results
        )

    def stream(self) -> Gemma4StreamParser:
        return Gemma4StreamParser()

    def decode_arguments(self, raw: str) -> dict:
        """Arguments from Gemma-syntax deltas (``{city:<|"|>Paris<|"|>}``).

        Raises:
            ValueError: not a Gemma 4 object (:class:`GemmaSyntaxError` is a ValueError).
        """
        value = parse_value(raw) if raw.strip() else {}
        if not isinstance(value, dict):
            raise ValueError(f"arguments must be an object, got {type(value).__name__}")
        return value


_HEAD, _NAME, _ARGS, _POST, _BROKEN = range(5)
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


class Gemma4StreamParser(DelimitedStreamParser):
    """Incremental Gemma 4 parser.

    Events: ``call_started`` when the ``{`` after ``call:name`` arrives;
    ``arguments_delta`` with the raw Gemma-syntax argument text (``{city:<|"|>Paris<|"|>}``;
    the deltas joined are that text); ``call_finished`` when ``<tool_call|>`` arrives, or at
    ``finish`` when the arguments closed but the end marker never came.

    Class attributes ``start``, ``end``, ``head`` (``call:``) and ``quote`` are the markers;
    with ``lenient`` true the arguments may also hold ``'single-quoted'`` strings and
    trailing commas (see :class:`ValueParser`), recorded as repairs. Subclasses override
    :meth:`_unclosed` to change what a call without its end marker is.
    """

    start = CALL_START
    end = CALL_END
    head = CALL_HEAD
    quote = Q
    lenient = False

    def _begin_call(self) -> None:
        self._phase = _HEAD
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

    def _flush_arguments(self, events: list[StreamEvent]) -> None:
        if self._announced and self._args_limit > self._delta_pos:
            self._delta(events, (self._call or "")[self._delta_pos : self._args_limit])
            self._delta_pos = self._args_limit

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
