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
bytes, complex numbers, non-string keys are errors). Positional arguments, ``*``/``**``,
non-literals, a repeated keyword, unbalanced brackets, unterminated strings and text between
calls other than ``,`` are :class:`~toolschool.formats.base.ParseError` at the offending
character; a broken list drops the rest of its line. Comments inside calls are not supported.

Lenient (``lenient=True``), each fix recorded as a repair: a missing final ``]`` at the end of
output or before a closing fence; a fenced ```` ```python ```` block; JSON ``true``/``false``/
``null``; a bare call without the list when it is the whole output (strict: an error). Only the
end of output shows that, so a bare call's events come at ``finish``.
"""

from __future__ import annotations

import ast
import json
import math
import re
import warnings
from collections.abc import Mapping
from typing import Any

from toolschool.formats.base import ParseError, StreamEvent, ToolFormat
from toolschool.formats.delimited import DelimitedStreamParser
from toolschool.types import ToolCall, ToolResult, ToolSchema

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
_SURROGATE = re.compile("[\ud800-\udfff]")
_SNIPPET = 60


# -- rendering ----------------------------------------------------------------------------------


def _quote(text: str) -> str:
    """A double-quoted Python string literal (JSON escapes are Python escapes)."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))


def render_value(value: Any) -> str:
    """A JSON-like value as a Python literal: ``{"a": (1, None)}`` → ``{"a": [1, None]}``.

    Raises:
        ValueError: NaN (no Python literal). TypeError: a value JSON cannot hold, a non-string key.
    """
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        if math.isnan(value):
            raise ValueError("NaN has no Python literal; pythonic calls cannot carry it")
        return repr(value) if not math.isinf(value) else "1e999" if value > 0 else "-1e999"
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(render_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("dict keys must be strings")
        return "{" + ", ".join(f"{_quote(k)}: {render_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as a Python literal")


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


# -- finding a call's closing parenthesis -----------------------------------------------------------

_PLAIN = re.compile(r"[^\"'()\[\]{},]*")
_STRING_BODY = {
    '"': re.compile(r'[^"\\\r\n]*'),
    "'": re.compile(r"[^'\\\r\n]*"),
    '"""': re.compile(r'[^"\\]*'),
    "'''": re.compile(r"[^'\\]*"),
}
_CLOSERS = {"(": ")", "[": "]", "{": "}"}


class CallScanner:
    """Finds the ``)`` that closes a call's arguments, incrementally (start it after the ``(``).

    Tracks brackets and Python string literals (``"``, ``'``, triple quotes, backslash escapes;
    a prefix such as ``r`` is just a letter before the quote).

    Attributes:
        end: index of the closing ``)`` once found, else -1.
        error: ``(message, index)`` for an unbalanced bracket or a one-line string that meets
            a line end; scanning stops there.
        quote / str_start: the open string's quote (``""`` outside strings) and its index.
        commas: indices of the top-level commas (between arguments).
    """

    def __init__(self) -> None:
        self.stack = [")"]
        self.quote = ""
        self.str_start = 0
        self.end = -1
        self.error: tuple[str, int] | None = None
        self.commas: list[int] = []

    def scan(self, text: str, i: int, final: bool) -> int:
        """Scan ``text`` from ``i``; return where to resume (a pending quote or escape waits)."""
        n = len(text)
        while i < n:
            if self.quote:
                i = _STRING_BODY[self.quote].match(text, i).end()
                if i >= n:
                    break
                c = text[i]
                if c == "\\":
                    if i + 1 >= n or (text[i + 1] == "\r" and i + 2 >= n and not final):
                        break  # the escaped character (or a \r\n pair) is not here yet
                    i += 3 if text.startswith("\r\n", i + 1) else 2
                elif c != self.quote[0]:  # a line end in a one-line string
                    self.error = ("unterminated string literal", self.str_start)
                    return i
                elif len(self.quote) == 1 or text.startswith(self.quote, i):
                    i += len(self.quote)
                    self.quote = ""
                elif not final and n - i < 3 and self.quote.startswith(text[i:]):
                    break  # maybe the closing triple quote, cut by the chunk boundary
                else:
                    i += 1
                continue
            i = _PLAIN.match(text, i).end()
            if i >= n:
                break
            c = text[i]
            if c == '"' or c == "'":
                if not text.startswith(c * 3, i) and not final and n - i < 3 and (c * 3).startswith(text[i:]):
                    break  # '"' or '""' at the end: an empty string or a triple quote
                self.quote = c * 3 if text.startswith(c * 3, i) else c
                self.str_start, i = i, i + len(self.quote)
            elif c in _CLOSERS:
                self.stack.append(_CLOSERS[c])
                i += 1
            elif c == ",":
                if len(self.stack) == 1:
                    self.commas.append(i)
                i += 1
            elif c != self.stack[-1]:
                self.error = (f"unexpected {c!r} (expected {self.stack[-1]!r})", i)
                return i
            else:
                self.stack.pop()
                if not self.stack:
                    self.end = i
                    return i + 1
                i += 1
        return i


# -- reading the arguments ------------------------------------------------------------------------


class PythonicSyntaxError(ValueError):
    """Arguments text that is not ``key=literal, …``: ``message`` at offset ``pos`` of that text."""

    def __init__(self, message: str, pos: int):
        super().__init__(f"{message} (at char {pos})")
        self.message = message
        self.pos = pos


_KEYWORD = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)")
_LINE_END = re.compile(r"\r\n|\r|\n")
_JSON_WORDS = {"true": True, "false": False, "null": None}


class _Source:
    """The text handed to ``ast`` (the arguments with one character added at each end), mapping
    its positions (1-based line, UTF-8 byte column) back to offsets in the arguments text."""

    def __init__(self, source: str):
        self.source = source
        self._starts: list[int] | None = None

    def offset(self, lineno: int, col: int, col_is_bytes: bool = True) -> int:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in _LINE_END.finditer(self.source)]
        lineno = min(max(lineno, 1), len(self._starts))
        start = self._starts[lineno - 1]
        if col_is_bytes:
            stop = self.source.find("\n", start)
            line = self.source[start : stop if stop >= 0 else None].encode("utf-8", "surrogatepass")
            col = len(line[:col].decode("utf-8", "ignore"))
        return min(max(0, start + col - 1), len(self.source) - 2)

    def at(self, node: ast.AST) -> int:
        return self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]


def parse_arguments(text: str, lenient: bool = False) -> tuple[dict[str, Any], list[tuple[str, int]]]:
    """Read ``city="Paris", days=3`` into ``{"city": "Paris", "days": 3}``.

    Returns the arguments and the lenient fixes applied, as ``(message, offset)`` pairs. The
    keyword names are replaced by spaces and the values parsed at once as the list
    ``[ "Paris", 3]``, so offsets stay those of ``text``.

    Raises:
        PythonicSyntaxError: with the offset (in ``text``) of the first problem.
    """
    scanner = CallScanner()
    scanner.scan(text + ")", 0, final=True)
    if scanner.error is not None:
        raise PythonicSyntaxError(*scanner.error)
    if scanner.end != len(text):
        if scanner.end >= 0:
            raise PythonicSyntaxError("unexpected ')'", scanner.end)
        if scanner.quote:
            raise PythonicSyntaxError("unterminated string literal", scanner.str_start)
        raise PythonicSyntaxError("unclosed bracket", len(text))
    bounds = [-1, *scanner.commas, len(text)]
    names: list[tuple[str, int]] = []
    seen: set[str] = set()
    pieces: list[str] = []
    for k in range(len(bounds) - 1):
        start, segment = bounds[k] + 1, text[bounds[k] + 1 : bounds[k + 1]]
        if not segment.strip():
            if k == len(bounds) - 2:  # no arguments at all, or a trailing comma
                pieces.append(segment)
                continue
            raise PythonicSyntaxError("unexpected ','; expected name=value", bounds[k + 1])
        match = _KEYWORD.match(segment)
        if match is None:
            lead = len(segment) - len(segment.lstrip())
            rest = segment[lead:]
            what = "'**' unpacking" if rest[:2] == "**" else "'*' unpacking" if rest[:1] == "*" else None
            what = f"{what} is not supported" if what else "positional argument"
            raise PythonicSyntaxError(f"{what}; every argument must be written name=value", start + lead)
        name = match.group(1)
        if name in seen:
            raise PythonicSyntaxError(f"argument {name!r} given twice", start + match.start(1))
        if not segment[match.end() :].strip():
            raise PythonicSyntaxError(f"missing value for {name!r}", start + match.end())
        seen.add(name)
        names.append((name, start + match.end()))
        pieces.append(" " * match.end() + segment[match.end() :])
    source = _Source("[" + ",".join(pieces) + "]")
    tree = _parse_expression(source)
    elements = tree.elts if isinstance(tree, ast.List) else []
    if len(elements) != len(names):  # e.g. a comprehension
        raise PythonicSyntaxError("invalid argument values", names[0][1] if names else 0)
    repairs: list[tuple[str, int]] = []
    arguments = {name: _literal(node, source, lenient, repairs) for (name, _), node in zip(names, elements)}
    return arguments, repairs


def _parse_expression(source: _Source) -> ast.expr:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in the model's strings
            return ast.parse(source.source, mode="eval").body
    except SyntaxError as exc:
        message = (exc.msg or "invalid syntax").split(" (")[0]
        pos = source.offset(exc.lineno or 1, (exc.offset or 1) - 1, col_is_bytes=False)
    except ValueError as exc:  # null bytes (Python 3.11), lone surrogates (UnicodeEncodeError)
        message = "lone surrogate character" if isinstance(exc, UnicodeEncodeError) else str(exc)
        pos = source.offset(1, exc.start if isinstance(exc, UnicodeEncodeError) else -1, col_is_bytes=False)
    except (RecursionError, MemoryError):
        message, pos = "nested too deeply", 0
    if "null bytes" in message:
        pos = source.offset(1, source.source.find("\0"), col_is_bytes=False)
    raise PythonicSyntaxError(message, pos)


def _literal(node: ast.expr, source: _Source, lenient: bool, repairs: list[tuple[str, int]]) -> Any:
    """The JSON-compatible value of a literal node (``ast.literal_eval``'s subset)."""
    if isinstance(node, ast.Constant):
        if node.value is None or isinstance(node.value, (bool, int, float, str)):
            return node.value
        raise PythonicSyntaxError(f"{type(node.value).__name__} values are not supported", source.at(node))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _literal(node.operand, source, lenient, repairs)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value if isinstance(node.op, ast.USub) else value
        raise PythonicSyntaxError("a sign applies only to numbers", source.at(node))
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(item, source, lenient, repairs) for item in node.elts]
    if isinstance(node, ast.Dict):
        result: dict[str, Any] = {}
        for key_node, value_node in zip(node.keys, node.values):
            if key_node is None:
                raise PythonicSyntaxError("'**' unpacking is not supported", source.at(value_node))
            key = _literal(key_node, source, lenient, repairs)
            if not isinstance(key, str):
                raise PythonicSyntaxError("dict keys must be strings", source.at(key_node))
            result[key] = _literal(value_node, source, lenient, repairs)
        return result
    if isinstance(node, ast.Name) and node.id in _JSON_WORDS:
        value = _JSON_WORDS[node.id]
        if not lenient:
            raise PythonicSyntaxError(f"{node.id!r} is not a Python literal; write {value}", source.at(node))
        repairs.append((f"read JSON {node.id!r} as {value!r}", source.at(node)))
        return value
    what = f"the name {node.id!r}" if isinstance(node, ast.Name) else type(node).__name__
    raise PythonicSyntaxError(f"{what} is not a literal value (no variables or expressions)", source.at(node))


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
_FENCE_OPEN = re.compile(r"(?:^|\n)[ \t]*```[A-Za-z0-9_+-]*[ \t]*$")
_FENCE_TAIL = re.compile(r"(?:^|(?<=\n))[ \t]*(?:```[A-Za-z0-9_+-]*|``?)$")
_FENCE = "```"


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


class PythonicStreamParser(DelimitedStreamParser):
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
        super().__init__()
        self._lenient = lenient
        self._scan = 0  # where in _buf to look for the next '['
        self._probe_at = -1  # index in _buf of a '[' being checked
        self._probe_i = self._probe_phase = 0
        self._fence_close = False  # lenient: drop a ``` after the list
        self._fresh = True  # _buf starts at the output's start or just after a list (a line start)
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
        buf = self._buf
        if self._strip_leading:
            self._fresh = True
            stripped = buf.lstrip()
            self._buf_offset += len(buf) - len(stripped)
            buf = self._buf = stripped
            if not buf:
                return False
            self._strip_leading = False
        if self._fence_close:
            if buf.startswith(_FENCE):
                self._buf, self._buf_offset = buf[len(_FENCE) :], self._buf_offset + len(_FENCE)
                self._fence_close, self._strip_leading = False, True
                return True  # go round again: strip what follows the fence
            if not final and _FENCE.startswith(buf):
                return False
            self._fence_close = False
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
        if self._lenient and not final:
            tail = _FENCE_TAIL.search(buf, 0, keep)
            if tail is not None and (tail.start() > 0 or self._fresh):
                keep = len(buf[: tail.start()].rstrip())
        self._emit_content(events, buf[:keep])
        self._fresh = self._fresh and keep == 0
        self._buf, self._buf_offset = buf[keep:], self._buf_offset + keep
        self._scan = max(0, self._scan - keep)
        if self._probe_at >= 0:
            self._probe_at -= keep
            self._probe_i -= keep
        return False

    def _open_list(self, events: list[StreamEvent], buf: str, at: int) -> bool:
        before = buf[:at].rstrip()
        fence = _FENCE_OPEN.search(before) if self._lenient else None
        if fence is not None and (fence.group().startswith("\n") or self._fresh):
            start = fence.start() + fence.group().startswith("\n")
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
        if not self._lenient:
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
                fenced = self._lenient and self._fence_close
                if c == ",":
                    self._phase, self._name_phase, self._after_comma = _BEFORE, _SPACE, True
                    i += 1
                elif c == "]":
                    end = i + 1
                elif fenced and text.startswith(_FENCE, i):
                    self._repair("added the missing ']' before the closing ```", self._body_offset + i)
                    end = i
                elif fenced and not final and n - i < 3 and _FENCE.startswith(text[i:]):
                    break  # maybe the closing fence, cut by the chunk boundary
                elif c:
                    self._fail(events, i, f"unexpected {c!r} after a call; expected ',' or ']'")
        self._pos = i
        self._flush_arguments(events)
        if end is not None or not final:
            return end
        between = self._phase == _BEFORE and self._after_comma and self._name_phase == _SPACE
        if self._phase == _AFTER or between:
            if self._lenient:
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

    def _flush_arguments(self, events: list[StreamEvent]) -> None:
        if self._announced and self._args_limit > self._delta_pos:
            self._delta(events, (self._call or "")[self._delta_pos : self._args_limit])
            self._delta_pos = self._args_limit

    def _next_call(self) -> None:
        if self._announced:
            self._index += 1
            self._announced = False

    def _error(self, events: list[StreamEvent], message: str, offset: int) -> None:
        """Emit an ``error`` at ``offset``; the snippet comes from the list (or bare call) text."""
        self._flush_arguments(events)
        rel = max(0, offset - self._body_offset)
        error = ParseError(message, offset, (self._call or "")[rel : rel + _SNIPPET])
        self._emit(events, StreamEvent("error", index=self._index if self._announced else -1, error=error))

    def _fail(self, events: list[StreamEvent], i: int, message: str) -> None:
        self._phase = _SKIP
        self._error(events, message, self._body_offset + i)
        self._next_call()

    def _conclude(self, events: list[StreamEvent], text: str) -> None:
        """Read the finished call's arguments and emit it, or an error."""
        try:
            arguments, repairs = parse_arguments(text[self._args_start : self._args_limit], self._lenient)
        except PythonicSyntaxError as exc:
            offset = self._body_offset + self._args_start + exc.pos
            self._error(events, f"invalid arguments: {exc.message}", offset)
        else:
            for message, pos in repairs:
                self._repair(message, self._body_offset + self._args_start + pos)
            self._finish_call(events, ToolCall(name=self._announced_name, arguments=arguments))
        self._next_call()
