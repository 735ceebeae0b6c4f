"""Pythonic tool calls: a Python list of keyword-argument calls, as Llama 3.2 and Llama 4 write them.

Sources: vLLM's ``examples/tool_chat_template_llama3.2_pythonic.jinja`` (prompt, assistant
calls) and its ``pythonic`` tool parser (``vllm/entrypoints/openai/tool_parsers/
pythonic_tool_parser.py``: a Python list of calls with keyword arguments and literal values)::

    [get_weather(city="Paris", days=3), now()]

* declarations: :data:`INSTRUCTIONS`, then ``tojson(indent=4)`` (``json.dumps(tool,
  ensure_ascii=False, indent=4)``) + ``"\\n\\n"`` per tool, then the trimmed system text;
* calls: ``[`` + ``name(key=value, …)`` joined by ``", "`` + ``]``, arguments in dict order.
  The template's ``"%s" | format(value)`` drops string quotes; we write the Python literals
  the model must emit: ``None``, ``True``, ints, floats (``repr``; infinities ``1e999``),
  double-quoted strings with JSON escapes (lone surrogates ``\\uXXXX``), lists, dicts (NaN:
  ``ValueError``);
* results: one ``{"name": …, "output": …}`` JSON line each (the template writes ``{"output":
  …}`` per ``ipython`` turn; one toolschool turn holds several, so the name tells them apart).

Parsing (strict): content may surround the list, which starts at a ``[`` followed (after
optional whitespace) by a name and ``(``; other ``[`` are content. Names are ASCII identifiers
joined by dots, ``-`` allowed after the first character (schema names use it); keyword names
are ASCII identifiers, Python keywords included (we read them, not Python). A hand-written
scanner finds each ``)`` (any string quotes, prefixes, triple quotes, escapes; brackets); the
arguments are split at top-level commas and the values read by ``ast.parse(…, mode="eval")``
and a walk over ``ast.literal_eval``'s subset that maps to JSON (tuples become lists; sets,
bytes, complex numbers, non-string keys are errors) — the value syntax lives in
:mod:`toolschool.formats.python_values` (re-exported here). Positional arguments, ``*``/``**``,
non-literals, a repeated keyword, unbalanced brackets, unterminated strings and text between
calls other than ``,`` are :class:`~toolschool.formats.base.ParseError` at the offending
character; a broken list drops the rest of its line. Comments inside calls are not supported.

Lenient (``lenient=True``), each fix recorded as a repair: a missing final ``]`` at the end of
output or before a closing fence; a fenced ```` ```python ```` block; JSON ``true``/``false``/
``null``; a bare call without the list when it is the whole output (strict: an error). Only the
end of output shows that, so a bare call's events come at ``finish``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from toolschool.formats.base import ParseError, StreamEvent, ToolFormat
from toolschool.formats.fences import FENCE, FencedStreamParser
from toolschool.formats.python_values import CallScanner, PythonicSyntaxError, parse_arguments, render_value
from toolschool.types import ToolCall, ToolResult, ToolSchema

if TYPE_CHECKING:
    from toolschool.formats.grammar import CallSyntax

__all__ = [
    "CALL_START",
    "INSTRUCTIONS",
    "KEYWORD_RE",
    "NAME_RE",
    "CallScanner",
    "PythonicFormat",
    "PythonicStreamParser",
    "PythonicSyntaxError",
    "parse_arguments",
    "render_call",
    "render_value",
]

CALL_START = "["

#: the instruction of vLLM's Llama 3.2 pythonic template, before the declarations
INSTRUCTIONS = (
    "You have access to the following functions. To call functions, please respond with a python list "
    "of the calls. Respond in the format [func_name1(params_name1=params_value1, "
    "params_name2=params_value2...), func_name2(params)] Do not use variables.\n\n"
)

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*")
KEYWORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_IDENT_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NAME_CHARS = _IDENT_START | frozenset("0123456789-")
_SNIPPET = 60


# -- rendering ----------------------------------------------------------------------------------


def render_call(call: ToolCall) -> str:
    """``name(key=value, …)``.

    Raises:
        ValueError: a tool name not matching :data:`NAME_RE`, an argument name not matching
            :data:`KEYWORD_RE`, or a NaN value.
    """
    if not NAME_RE.fullmatch(call.name):
        raise ValueError(f"tool name {call.name!r} cannot be written as a pythonic call")
    bad = [key for key in call.arguments if not KEYWORD_RE.fullmatch(key)]
    if bad:
        raise ValueError(f"argument name {bad[0]!r} of {call.name!r} is not an identifier")
    return f"{call.name}(" + ", ".join(f"{k}={render_value(v)}" for k, v in call.arguments.items()) + ")"


# -- the format -----------------------------------------------------------------------------------------


class PythonicFormat(ToolFormat):
    """The pythonic wire format (see the module docstring for the rules and their source)."""

    name = "pythonic"
    result_role = "tool"
    call_start = CALL_START

    def render_tools(self, tools: list[ToolSchema]) -> str:
        """``tojson(indent=4)`` per tool, separated by blank lines."""
        return "\n\n".join(json.dumps(t.to_openai(), ensure_ascii=False, indent=4) for t in tools)

    def render_system(self, tools: list[ToolSchema], system: str) -> str:
        """:data:`INSTRUCTIONS`, the declarations (each followed by a blank line), ``system`` trimmed."""
        if not tools:
            return system
        return INSTRUCTIONS + self.render_tools(tools) + "\n\n" + system.strip()

    def render_calls(self, calls: list[ToolCall]) -> str:
        """``[name(key=value, …), …]`` (see :func:`render_call`)."""
        return "[" + ", ".join(render_call(call) for call in calls) + "]"

    def render_results(self, results: list[ToolResult]) -> str:
        """``{"name": …, "output": …}`` per result, one per line (``json.dumps``, UTF-8 kept)."""
        lines = (json.dumps({"name": r.name, "output": r.content}, ensure_ascii=False) for r in results)
        return "\n".join(lines)

    def call_syntax(self, tools: list[ToolSchema], special: Iterable[str] = ()) -> CallSyntax:
        """``[name(key=value, …), …]``: one list of calls."""
        from toolschool.formats import grammar

        return grammar.styled_syntax(
            tools,
            grammar.pythonic_style(),
            lambda n: (f"{n}(", ")"),
            "[",
            ", ",
            special,
            each=False,
            close="]",
        )

    def stream(self) -> PythonicStreamParser:
        return PythonicStreamParser(lenient=self.lenient)

    def decode_arguments(self, raw: str) -> dict:
        """Arguments from the keyword-argument source text (``city="Paris", days=3``).

        Raises:
            ValueError: not ``key=literal, …`` (:class:`PythonicSyntaxError`).
        """
        return parse_arguments(raw, self.lenient)[0]


# phases of the name automaton (shared by the list check, the bare-call check and the list),
# then of a bare call and of the list
_SPACE, _WORD, _DOT, _INARGS, _TRAIL = range(5)
_BEFORE, _ARGS, _AFTER, _SKIP = range(4)

_WS = re.compile(r"\s*")
#: where a call list can start: ``[`` before a name's first character (or the end, undecided)
_LIST_START = re.compile(r"\[\s*(?:[A-Za-z_]|\Z)")


def _scan_name(text: str, i: int, phase: int) -> tuple[int, int, bool | None]:
    """Run the ``whitespace* name`` automaton from ``i``: ``(index, phase, verdict)``, the
    verdict True at the ``(`` after a valid name, False at a character that cannot come next,
    None when the text ran out."""
    n = len(text)
    while i < n:
        c = text[i]
        if phase == _SPACE and c.isspace():
            i += 1
        elif phase != _WORD and c in _IDENT_START:
            phase, i = _WORD, i + 1
        elif phase == _WORD and c in _NAME_CHARS:
            i += 1
        elif phase == _WORD and (c == "." or c == "("):
            if c == "(":
                return i, phase, True
            phase, i = _DOT, i + 1
        else:
            return i, phase, False
    return i, phase, None


class PythonicStreamParser(FencedStreamParser):
    """Incremental pythonic parser.

    Events: ``call_started`` when a call's name and ``(`` have arrived; ``arguments_delta``
    with the raw keyword-argument source as it arrives (joined: the text between the
    parentheses, read by :meth:`PythonicFormat.decode_arguments`); ``call_finished`` at the
    call's ``)``. A ``[`` is held back until the text after it shows whether it opens a list.

    Raises:
        RuntimeError: ``feed`` or ``finish`` after ``finish``.
    """

    start = CALL_START

    def __init__(self, lenient: bool = False) -> None:
        super().__init__(lenient)
        self._scan = 0  # where in _buf to look for the next '['
        self._probe_at = -1  # index in _buf of a '[' being checked
        self._probe_i = self._probe_phase = 0
        self._bare: int | None = _SPACE  # bare-call check phase, while the output may be one call
        self._bare_i = 0
        self._bare_scanner = CallScanner()
        self._in_bare = False
        self._begin_call()

    # -- outside the list ---------------------------------------------------------------------

    def _outside_step(self, events: list[StreamEvent], final: bool) -> bool:
        if self._bare is not None:
            verdict = self._bare_step(final)
            if verdict is None:
                return False
            if verdict:
                return self._open_bare(events)
        lead = self._lead_in(final)
        if lead is not None:
            return lead
        buf = self._buf
        while True:
            if self._probe_at < 0:
                found = _LIST_START.search(buf, self._scan)
                if found is None:
                    break
                self._probe_at, self._probe_i, self._probe_phase = found.start(), found.start() + 1, _SPACE
            self._probe_i, self._probe_phase, verdict = _scan_name(buf, self._probe_i, self._probe_phase)
            if verdict is None and not final:
                break
            at, self._probe_at = self._probe_at, -1
            if verdict:
                return self._open_list(events, buf, at)
            self._scan = at + 1
        limit = self._probe_at if self._probe_at >= 0 else len(buf)
        keep = limit if final else len(buf[:limit].rstrip())
        keep = self._content_end(buf, 0, keep, final)
        self._send(events, buf[:keep])
        self._buf, self._buf_offset = buf[keep:], self._buf_offset + keep
        self._scan = max(0, self._scan - keep)
        if self._probe_at >= 0:
            self._probe_at -= keep
            self._probe_i -= keep
        return False

    def _open_list(self, events: list[StreamEvent], buf: str, at: int) -> bool:
        before = buf[:at].rstrip()
        start = self._fence_before(buf, 0, len(before))
        if start >= 0:
            self._repair("removed the ``` fence around the call list", self._buf_offset + start)
            before, self._fence_close = before[:start].rstrip(), True
        self._emit_content(events, before)
        self._call_offset = self._body_offset = self._buf_offset + at
        self._call, self._buf, self._scan, self._in_bare = buf[at:], "", 0, False
        self._begin_call()
        return True

    def _bare_step(self, final: bool) -> bool | None:
        """Is the whole output one ``name(…)`` call? None: not known yet."""
        buf, scanner = self._buf, self._bare_scanner
        if self._bare in (_SPACE, _WORD, _DOT):
            self._bare_i, self._bare, verdict = _scan_name(buf, self._bare_i, self._bare)
            if verdict is None and not final:
                return None
            if not verdict:
                self._bare = None
                return False
            self._bare, self._bare_i = _INARGS, self._bare_i + 1
        if self._bare == _INARGS:
            self._bare_i = scanner.scan(buf, self._bare_i, final)
            if scanner.error is None and scanner.end < 0 and not final:
                return None
            if scanner.error is not None or scanner.end < 0:
                self._bare = None
                return False
            self._bare = _TRAIL
        self._bare_i = _WS.match(buf, self._bare_i).end()
        if self._bare_i < len(buf):
            self._bare = None
            return False
        return True if final else None

    def _open_bare(self, events: list[StreamEvent]) -> bool:
        self._bare = None
        at = len(self._buf) - len(self._buf.lstrip())
        text = self._buf.strip()
        offset = self._buf_offset + at
        self._buf, self._buf_offset = "", offset + len(text)
        if not self.lenient:
            error = ParseError("a call must be written inside a list: [name(...)]", offset, text[:_SNIPPET])
            self._emit(events, StreamEvent("error", error=error))
            return False
        self._repair("read a bare call without the surrounding [...] list", offset)
        self._call_offset = self._body_offset = offset
        self._call, self._in_bare = text, True
        self._begin_call()
        self._pos = 0
        return True

    # -- inside the list ----------------------------------------------------------------------------

    def _begin_call(self) -> None:
        self._phase, self._pos, self._name_phase, self._after_comma = _BEFORE, 1, _SPACE, False
        self._name_start = self._args_start = self._args_limit = self._delta_pos = 0
        self._scanner = CallScanner()

    def _call_step(self, events: list[StreamEvent], final: bool) -> int | None:
        text = self._call or ""
        i, n = self._pos, len(text)
        end: int | None = None
        while i < n and end is None:
            phase = self._phase
            if phase == _BEFORE:
                if self._name_phase == _SPACE:
                    i = _WS.match(text, i).end()
                    if i < n and text[i] == "]" and self._after_comma:
                        end = i + 1
                        continue
                    self._name_start = i
                i, self._name_phase, verdict = _scan_name(text, i, self._name_phase)
                if verdict:
                    self._open_call(events, text, i)
                    i += 1
                elif verdict is False:
                    what = "; expected a tool name" if self._name_phase == _SPACE else " in a tool name"
                    self._fail(events, i, f"unexpected {text[i]!r}{what}")
            elif phase == _ARGS:
                scanner = self._scanner
                i = scanner.scan(text, i, final)
                self._args_limit = i if scanner.end < 0 else scanner.end
                if scanner.error is not None:
                    self._fail(events, scanner.error[1], scanner.error[0])
                elif scanner.end < 0:
                    break
                else:
                    self._conclude(events, text)
                    self._phase = _AFTER
                    end = i if self._in_bare else None
            elif phase == _SKIP:  # the rest of the line belongs to the broken list
                newline = -1 if self._in_bare else text.find("\n", i)
                end, i = (newline, i) if newline >= 0 else (None, n)
            else:  # _AFTER
                i = _WS.match(text, i).end()
                c = text[i : i + 1]
                fenced = self.lenient and self._fence_close
                if c == ",":
                    self._phase, self._name_phase, self._after_comma = _BEFORE, _SPACE, True
                    i += 1
                elif c == "]":
                    end = i + 1
                elif fenced and text.startswith(FENCE, i):
                    self._repair("added the missing ']' before the closing ```", self._body_offset + i)
                    end = i
                elif fenced and not final and n - i < 3 and FENCE.startswith(text[i:]):
                    break  # maybe the closing fence, cut by the chunk boundary
                elif c:
                    self._fail(events, i, f"unexpected {c!r} after a call; expected ',' or ']'")
        self._pos = i
        self._flush_arguments(events)
        if end is not None or not final:
            return end
        between = self._phase == _BEFORE and self._after_comma and self._name_phase == _SPACE
        if self._phase == _AFTER or between:
            if self.lenient:
                self._repair("added the missing ']' at the end of output", self._body_offset + n)
            else:
                self._error(events, "output ended before the ']' closing the call list", self._call_offset)
        elif self._phase != _SKIP:
            self._fail(events, self._name_start, "output ended inside a call")
        return n

    def _open_call(self, events: list[StreamEvent], text: str, i: int) -> None:
        self._announce(events, text[self._name_start : i])
        self._phase = _ARGS
        self._args_start = self._args_limit = self._delta_pos = i + 1
        self._scanner = CallScanner()

    def _fail(self, events: list[StreamEvent], i: int, message: str) -> None:
        self._phase = _SKIP
        self._error(events, message, self._body_offset + i)
        self._end_call()

    def _conclude(self, events: list[StreamEvent], text: str) -> None:
        """Read the finished call's arguments and emit it, or an error."""
        try:
            arguments, repairs = parse_arguments(text[self._args_start : self._args_limit], self.lenient)
        except PythonicSyntaxError as exc:
            offset = self._body_offset + self._args_start + exc.pos
            self._error(events, f"invalid arguments: {exc.message}", offset)
        else:
            for message, pos in repairs:
                self._repair(message, self._body_offset + self._args_start + pos)
            self._finish_call(events, ToolCall(name=self._announced_name, arguments=arguments))
        self._end_call()
