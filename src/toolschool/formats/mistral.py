"""Mistral tool calls: ``[TOOL_CALLS][{"name": …, "arguments": {…}, "id": "abc123XYZ"}]``.

Source: the official Mistral-Nemo-Instruct-2407 chat template
(``mistralai-Mistral-Nemo-Instruct-2407.jinja`` in the workplace's ``shared/chat_templates``). What it
writes, and who writes it here:

* declarations (format, :meth:`MistralFormat.render_tools`)::

      [AVAILABLE_TOOLS][{"type": "function", "function": {"name": "get_weather", "description":
      "Current weather", "parameters": {…}}}, …][/AVAILABLE_TOOLS]

  one entry per tool, the ``function`` members in their order (``return`` left out); a
  string value is written raw between quotes (not JSON-escaped: the template's quirk, kept),
  any other value with ``tojson``. The template puts the block right before the *last* user
  message, and the system message inside that same ``[INST]`` — but only when that user
  message is the last message of the conversation (otherwise the system message is not
  written at all). That placement is turn wrapping
  (:class:`toolschool.chat.layouts.MistralLayout`); :meth:`render_system` — the body used
  when the format is put in other turns — is the block followed by the system text.
* calls (format): ``[TOOL_CALLS][`` + per call ``tojson({"name", "arguments"})`` without its
  last ``}`` + ``, "id": "ID"}``, joined by ``", "``, + ``]``. The template then writes the
  end-of-sequence token (``</s>``: turn wrapping) and drops the assistant message's content;
  :meth:`render_assistant` keeps content (content, newline, calls) for other layouts.
* results (format): ``[TOOL_RESULTS]{"content": CONTENT, "call_id": "ID"}[/TOOL_RESULTS]``
  per result, concatenated; CONTENT is written raw (a JSON result reads as JSON, text does
  not: the template's choice). ``result_role`` is ``"tool"``.
* ids: the template requires 9 alphanumerics. A call's ``ToolCall.id`` (a result's
  ``call_id``) is used when it is one; any other id is mapped to 9 characters of its
  SHA-256 in base 62 (so a call and its result stay linked); no id at all becomes
  ``call00000``, ``call00001``… from the position in the list (results are matched to calls
  by position, as the template's turns are).

``MistralFormat(v11=True)`` writes the newer tokenizer-v11 form instead (Mistral Small 3.x,
Devstral): ``[TOOL_CALLS]name[ARGS]{…}`` per call, concatenated, and
``[TOOL_RESULTS]content[/TOOL_RESULTS]`` per result. No v11 template is in
the workplace's ``shared/chat_templates`` (its README names them), so that form is not checked byte
for byte. Declarations are written as above in both forms.

Parsing accepts both forms (and v13's ``[TOOL_CALLS]name[CALL_ID]id[ARGS]{…}``) whichever the
format was built with: ``[TOOL_CALLS]`` then either a JSON list of call objects (a
``"name"`` string, ``"arguments"`` — or ``"parameters"`` — as an object, a JSON string holding
one, ``null`` or missing; an optional string ``"id"``, kept as ``ToolCall.id`` and not
checked), or ``name[ARGS]`` and a JSON object, repeated for several calls. A call is
announced when its name is known (the ``"name"`` string; the ``[ARGS]`` marker), its
arguments are streamed as ``arguments_delta`` (the JSON text), and it finishes on its
object's closing ``}`` — before the list's ``]``.

Strict errors (:class:`~toolschool.formats.base.ParseError`, never exceptions): invalid JSON
(the rest of the line is then skipped), a call object without a name, non-object arguments,
an empty list, anything else after ``[TOOL_CALLS]``, a list not closed with ``]`` (the calls
before it still count), and output that ends inside a call. Lenient repairs (each recorded):
JSON that ``json_repair`` mends (trailing commas, single quotes…), a call cut off at the end
of output, a missing closing ``]``, and a call object written without the list brackets.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from toolschool.formats.base import StreamEvent, ToolFormat
from toolschool.formats.delimited import DelimitedStreamParser
from toolschool.formats.json_object import (
    JSON_WS,
    ObjectScanner,
    decode_call,
    decode_json,
    mend_json,
    next_arguments_delta,
    tojson,
)
from toolschool.types import ToolCall, ToolResult, ToolSchema

if TYPE_CHECKING:
    from toolschool.formats.grammar import CallSyntax

CALL_START = "[TOOL_CALLS]"
ARGS = "[ARGS]"
CALL_ID = "[CALL_ID]"
TOOLS_START = "[AVAILABLE_TOOLS]"
TOOLS_END = "[/AVAILABLE_TOOLS]"
RESULTS_START = "[TOOL_RESULTS]"
RESULTS_END = "[/TOOL_RESULTS]"

_VALID_ID = re.compile(r"[A-Za-z0-9]{9}")
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_ID_CHARS = frozenset(_BASE62 + "_-")
_ARG_KEYS = ("arguments", "parameters")


def mistral_id(call_id: str | None, index: int) -> str:
    """The 9-alphanumeric id written for a call (or result) at ``index`` (see the module doc).

    ``mistral_id("abc123XYZ", 0) == "abc123XYZ"``; ``mistral_id(None, 2) == "call00002"``.
    """
    if call_id is None or call_id == "":
        return f"call{index:05d}"
    if _VALID_ID.fullmatch(call_id):
        return call_id
    number = int.from_bytes(hashlib.sha256(call_id.encode()).digest()[:8], "big")
    digits = []
    for _ in range(9):
        number, digit = divmod(number, 62)
        digits.append(_BASE62[digit])
    return "".join(digits)


def render_declaration(tool: ToolSchema) -> str:
    """One ``{"type": "function", "function": {…}}`` entry, written as the Nemo template does."""
    members = []
    for key, value in tool.to_openai()["function"].items():
        if key == "return":
            continue
        members.append(f'"{key}": "{value}"' if isinstance(value, str) else f'"{key}": {tojson(value)}')
    return '{"type": "function", "function": {' + ", ".join(members) + "}}"


class MistralFormat(ToolFormat):
    """The Mistral tool-call format (see the module docstring).

    Args:
        lenient: see :class:`~toolschool.formats.base.ToolFormat`.
        v11: write ``[TOOL_CALLS]name[ARGS]{…}`` calls and bare ``[TOOL_RESULTS]`` instead of
            the Nemo (v3) form. Parsing accepts both either way.
    """

    name = "mistral"
    result_role = "tool"
    call_start = CALL_START

    def __init__(self, *, lenient: bool = False, v11: bool = False) -> None:
        super().__init__(lenient=lenient)
        self.v11 = v11

    def render_tools(self, tools: list[ToolSchema]) -> str:
        """``[AVAILABLE_TOOLS][…][/AVAILABLE_TOOLS]`` (empty without tools)."""
        if not tools:
            return ""
        return TOOLS_START + "[" + ", ".join(render_declaration(t) for t in tools) + "]" + TOOLS_END

    def render_system(self, tools: list[ToolSchema], system: str) -> str:
        """The declarations block followed by ``system`` (``system`` alone without tools)."""
        return self.render_tools(tools) + system

    def render_calls(self, calls: list[ToolCall]) -> str:
        """``[TOOL_CALLS][{"name": …, "arguments": …, "id": …}, …]``.

        v11: ``[TOOL_CALLS]name[ARGS]{…}`` per call, concatenated.
        """
        if self.v11:
            return "".join(f"{CALL_START}{c.name}{ARGS}{tojson(c.arguments)}" for c in calls)
        items = (
            tojson({"name": c.name, "arguments": c.arguments})[:-1] + f', "id": "{mistral_id(c.id, i)}"}}'
            for i, c in enumerate(calls)
        )
        return CALL_START + "[" + ", ".join(items) + "]"

    def render_results(self, results: list[ToolResult]) -> str:
        """``[TOOL_RESULTS]{"content": …, "call_id": "…"}[/TOOL_RESULTS]`` per result.

        v11: ``[TOOL_RESULTS]content[/TOOL_RESULTS]``.
        """
        if self.v11:
            return "".join(f"{RESULTS_START}{r.content}{RESULTS_END}" for r in results)
        return "".join(
            f'{RESULTS_START}{{"content": {r.content}, "call_id": "{mistral_id(r.call_id, i)}"}}{RESULTS_END}'
            for i, r in enumerate(results)
        )

    def call_syntax(self, tools: list[ToolSchema], special: Iterable[str] = ()) -> CallSyntax:
        """``[TOOL_CALLS][{"name": …, "arguments": {json}, "id": "…"}, …]``; v11:
        ``[TOOL_CALLS]name[ARGS]{json}`` per call."""
        from toolschool.formats import grammar

        if self.v11:
            return grammar.json_syntax(tools, lambda n: (f"{n}{ARGS}", ""), CALL_START, "", special)
        syntax = grammar.json_syntax(
            tools,
            lambda n: (f'{{"name": "{n}", "arguments": ', ', "id": "'),
            CALL_START + "[",
            ", ",
            special,
            each=False,
            close="]",
        )
        bodies = {n: f'{b} /[A-Za-z0-9]{{9}}/ "\\"}}"' for n, b in syntax.bodies.items()}
        return replace(syntax, bodies=bodies)

    def stream(self) -> MistralStreamParser:
        return MistralStreamParser(lenient=self.lenient)


_HEAD, _NEXT, _OBJ, _AFTER, _NAME, _ID, _GAP, _BROKEN = range(8)


class MistralStreamParser(DelimitedStreamParser):
    """Incremental Mistral parser (both forms; see the module docstring).

    Events: ``call_started`` when a call object's ``"name"`` string is complete (Nemo) or at
    ``[ARGS]`` / ``[CALL_ID]`` (v11/v13); ``arguments_delta`` with the raw JSON arguments;
    ``call_finished`` on the closing ``}`` of the call's object. One ``[TOOL_CALLS]`` region
    may hold several calls (the Nemo list), each with its own index.
    """

    start = CALL_START

    def __init__(self, lenient: bool = False) -> None:
        super().__init__()
        self.lenient = lenient

    def _begin_call(self) -> None:
        self._phase = _HEAD
        self._pos = 0
        self._v11 = False
        self._bare = False  # lenient: a call object written without the list brackets
        self._count = 0  # call objects opened in this region
        self._mark = 0  # start of the v11 name or v13 id being read
        self._v11_name = ""
        self._v11_id: str | None = None
        self._new_object()

    def _new_object(self) -> None:
        self._scanner = ObjectScanner(single_quotes=True, loose_strings=self.lenient)
        self._obj_start = -1
        self._delta_pos = -1

    # -- scanning -------------------------------------------------------------------------

    def _call_step(self, events: list[StreamEvent], final: bool) -> int | None:
        text = self._call or ""
        i, n = self._pos, len(text)
        end: int | None = None
        while i < n and end is None:
            phase = self._phase
            if phase in (_HEAD, _NEXT, _AFTER, _GAP):
                i = JSON_WS.match(text, i).end()
                if i >= n:
                    break
            c = text[i]
            if phase == _HEAD:
                if c == "[":
                    self._phase, i = _NEXT, i + 1
                elif c in _NAME_CHARS:
                    self._phase, self._mark, self._v11 = _NAME, i, True
                elif c == "{" and self.lenient:
                    self._repair("added the missing '[' around the tool call object", self._body_offset + i)
                    self._bare = True
                    self._open_object(i)
                else:
                    self._fail(events, i, f"unexpected {c!r}; expected '[' or a tool name after {CALL_START}")
            elif phase == _NEXT or phase == _GAP:
                if c == "{":
                    self._open_object(i)
                elif phase == _NEXT and c == "]" and self._count == 0:
                    self._fail(events, i, "the tool call list is empty")
                else:
                    what = "a tool call object" if phase == _NEXT else f"a JSON object after {ARGS}"
                    self._fail(events, i, f"unexpected {c!r}; expected {what}")
            elif phase == _OBJ:
                i = self._object_step(events, text, i)
                if self._phase == _OBJ:
                    break
                if self._v11 and self._phase == _AFTER:
                    end = i  # a v11 call ends with its object
            elif phase == _AFTER:
                if c == ",":
                    self._phase, i = _NEXT, i + 1
                elif c == "]":
                    end = i + 1
                elif self._bare:
                    end = i
                else:
                    self._fail(events, i, f"unexpected {c!r}; expected ',' or ']' after the tool call")
            elif phase == _NAME or phase == _ID:
                i, wait = self._marker_step(events, text, i, final)
                if wait:
                    break
            else:  # _BROKEN: the rest of the line belongs to the failed call
                newline = text.find("\n", i)
                i = n if newline < 0 else newline
                end = newline if newline >= 0 else None
        self._pos = i
        self._flush_arguments(events)
        if end is not None or not final:
            return end
        self._at_end(events, n)
        return n

    def _open_object(self, i: int) -> None:
        self._new_object()
        self._obj_start = i
        self._count += 1
        self._phase = _OBJ

    def _marker_step(self, events: list[StreamEvent], text: str, i: int, final: bool) -> tuple[int, bool]:
        """A v11 name (or v13 id) up to its marker; returns ``(next index, wait for more text)``."""
        reading_name = self._phase == _NAME
        chars = _NAME_CHARS if reading_name else _ID_CHARS
        while i < len(text) and text[i] in chars:
            i += 1
        rest = text[i : i + len(CALL_ID)]
        markers = (ARGS, CALL_ID) if reading_name else (ARGS,)
        for marker in markers:
            if text.startswith(marker, i):
                value = text[self._mark : i]
                if reading_name:
                    self._v11_name = value
                    self._announce(events, value)
                else:
                    self._v11_id = value
                self._phase, self._mark = (_ID if marker == CALL_ID else _GAP), i + len(marker)
                return i + len(marker), False
        if not final and any(m.startswith(rest) for m in markers):
            return i, True
        what = "the tool name" if reading_name else "the call id"
        self._fail(events, i, f"unexpected {rest[:1]!r}; expected {ARGS} after {what}")
        return i, False

    def _object_step(self, events: list[StreamEvent], text: str, i: int) -> int:
        sc = self._scanner
        self._pos = sc.scan(text, i)
        if not self._v11 and not self._announced:
            name = sc.strings.get("name")
            if isinstance(name, str) and name:
                self._announce(events, name)
        self._flush_arguments(events)
        if sc.done:
            self._pos = sc.end
            self._conclude(events, text)
            self._phase = _AFTER
            return sc.end
        if sc.broken:
            return self._broken(events, text, sc.break_at)
        return self._pos

    def _flush_arguments(self, events: list[StreamEvent]) -> None:
        if not self._announced or self._obj_start < 0:
            return
        sc, text = self._scanner, self._call or ""
        if self._v11:
            span: tuple[int, int] | None = (self._obj_start, sc.end if sc.done else self._pos)
        else:
            span = sc.arguments_span(_ARG_KEYS, self._pos)
        piece, self._delta_pos = next_arguments_delta(text, span, self._delta_pos)
        self._delta(events, piece)

    def _decode(self, obj: Any) -> ToolCall | str:
        if not self._v11:
            return decode_call(obj, _ARG_KEYS)
        if not isinstance(obj, dict):
            return f"the arguments must be a JSON object, got {type(obj).__name__}"
        return ToolCall(name=self._v11_name, arguments=obj, id=self._v11_id)

    def _conclude(self, events: list[StreamEvent], text: str) -> None:
        """The call object closed: emit the call or an error."""
        raw = text[self._obj_start : self._scanner.end]
        where = self._body_offset + self._obj_start
        obj, problem, at = decode_json(raw)
        if problem is not None:
            call = self._decode(mend_json(raw)) if self.lenient else problem
            if isinstance(call, ToolCall) and self._same_name(call):
                self._repair(f"repaired invalid JSON in the tool call ({problem})", where + at)
                self._finish_call(events, call)
            else:
                self._error(events, f"invalid JSON in tool call: {problem}", where + at)
        else:
            call = self._decode(obj)
            if isinstance(call, ToolCall) and not self._same_name(call):
                call = 'the tool call has conflicting "name" keys'
            if isinstance(call, str):
                self._error(events, call, where)
            else:
                self._finish_call(events, call)
        self._next_call()

    def _broken(self, events: list[StreamEvent], text: str, j: int) -> int:
        """The object cannot be JSON at ``j``: repair it (lenient) or report it; skip the line."""
        if self.lenient:
            call = self._decode(mend_json(text[self._obj_start : j]))
            if isinstance(call, ToolCall) and self._same_name(call):
                self._repair("repaired malformed JSON in the tool call", self._body_offset + self._obj_start)
                self._finish_call(events, call)
                self._next_call()
                self._phase = _BROKEN  # the rest of the line went with the broken object
                return j
        _, problem, at = decode_json(text[self._obj_start : j + 1], prefix_only=True)
        if problem is None:
            self._fail(events, j, f"unexpected {text[j]!r} in the JSON object")
        else:
            self._fail(events, self._obj_start + at, f"invalid JSON in tool call: {problem}")
        return j

    def _at_end(self, events: list[StreamEvent], n: int) -> None:
        """The output ended inside the ``[TOOL_CALLS]`` region."""
        phase = self._phase
        if phase == _OBJ:
            text = self._call or ""
            if self.lenient:
                call = self._decode(mend_json(text[self._obj_start :]))
                if isinstance(call, ToolCall) and self._same_name(call):
                    closers = self._scanner.missing_closers()
                    message = f"closed the tool call cut off at the end of output (added {closers!r})"
                    self._repair(message, self._body_offset + n)
                    self._finish_call(events, call)
                    self._next_call()
                    self._close_list(events, n)
                    return
            at = self._call_offset if self._v11 else self._body_offset + self._obj_start
            self._error(events, "output ended inside a tool call (no complete JSON object)", at)
            self._next_call()
        elif phase in (_NEXT, _AFTER) and self._count:
            self._close_list(events, n)
        elif phase != _BROKEN:
            self._error(events, "output ended inside a tool call", self._call_offset)
            self._next_call()

    def _close_list(self, events: list[StreamEvent], n: int) -> None:
        """End of output where the Nemo list's ``]`` should be."""
        if self._v11 or self._bare:
            return
        if self.lenient:
            self._repair("added the missing ']' closing the tool call list", self._body_offset + n)
        else:
            self._error(events, "the tool call list is not closed with ']'", self._body_offset + n)

    def _same_name(self, call: ToolCall) -> bool:
        return not self._announced or call.name == self._announced_name

    def _next_call(self) -> None:
        """The current call is over (finished or failed): the next one gets the next index."""
        self._end_call()
        self._new_object()

    def _fail(self, events: list[StreamEvent], i: int, message: str) -> None:
        self._error(events, message, self._body_offset + i)
        self._next_call()
        self._phase = _BROKEN
