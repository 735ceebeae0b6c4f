"""JSON pieces shared by the formats whose calls hold JSON: decoding without raising,
scanning an object as it arrives, a call's arguments, and mending broken JSON.

* :func:`decode_json` — :mod:`json` that reports a problem and its position instead of raising.
* :class:`JsonObjectScanner` (and :class:`QuoteTolerantScanner`, which also skips
  ``'single-quoted'`` strings) — finds where an object ends, one character at a time, for the
  formats whose calls close with a marker (Hermes, TOOL_USE, block).
* :class:`ObjectScanner` — for the formats whose calls are bare JSON objects (``llama3_json``,
  ``mistral``): they must know, while the object is still arriving, its first key, the
  ``"name"`` string and where the arguments value starts and ends — to announce a call early
  and stream its arguments — and exactly where the object ends, since no closing marker
  follows it. It skips strings and nested values with regular expressions (a megabyte
  argument is a few searches) and records the top-level members; values are decoded
  afterwards with :mod:`json` (or :func:`mend_json` when lenient), which also gives the
  precise error positions. :func:`next_arguments_delta` is what such a format streams.
* :func:`tojson` — transformers' chat-template ``tojson`` filter, with which the templates
  write calls and declarations.
* :func:`mend_json` — the one way lenient parsers repair JSON (``json_repair``, capped at
  :data:`MEND_LIMIT` characters to stay linear in time); :func:`repair_arguments` applies it
  to an arguments text.
* :func:`arguments_value`, :func:`decode_call` — a decoded call object's arguments, and the
  call itself, or the reason it is not one; :func:`decode_arguments_text` — arguments from
  the raw text of an arguments value.
* :class:`JsonValueSkipper` — skips a JSON value by its brackets and strings, fast (OpenAI
  JSON, whose values are checked by :mod:`json` at the end).
"""

from __future__ import annotations

import json
import re
from typing import Any

from toolschool.types import ToolCall

JSON_WS = re.compile(r"[ \t\r\n]*")
_STRING_RUN = re.compile(r'[^"\\\x00-\x1f]*')
_SINGLE_RUN = re.compile(r"[^'\\]*")
_BARE_RUN = re.compile(r"[0-9a-zA-Z+\-.]+")
_BARE_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+-.")
_DEEP = re.compile(r"[^ \t\r\n:,+\-.0-9a-zA-Z]")  # characters that matter below the top level
_STRING_END = {'"': re.compile(r'["\\\x00-\x1f]'), "'": re.compile(r"['\\\x00-\x1f]")}
_STRING_END_LOOSE = {'"': re.compile(r'["\\]'), "'": re.compile(r"['\\]")}
_MISSING = object()


def decode_json(raw: str, prefix_only: bool = False) -> tuple[Any, str | None, int]:
    """Decode JSON without ever raising on bad input.

    Returns ``(value, None, end)`` on success or ``(None, message, position)`` on failure
    (``position`` is relative to ``raw``). With ``prefix_only``, text after the first
    value is allowed (``raw_decode``). Nesting too deep for the decoder is a failure, not
    a ``RecursionError``.
    """
    try:
        if prefix_only:
            value, end = json.JSONDecoder().raw_decode(raw)
            return value, None, end
        return json.loads(raw), None, len(raw)
    except json.JSONDecodeError as exc:
        return None, exc.msg.removesuffix(" at"), exc.pos
    except RecursionError:
        return None, "JSON nested too deeply", 0



def token_value(token: str) -> Any:
    """A quoted key or string token: JSON-decoded, or (single quotes) unquoted; None if neither."""
    if token.startswith("'"):
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    return decode_json(token)[0]


class JsonObjectScanner:
    """Finds where a JSON object (or array) ends, one character at a time.

    It tracks strings (with backslash escapes) and a bracket stack, which is enough to
    tell that ``{"q": "a ] } < b"}`` ends at its last ``}`` without decoding anything;
    the caller decodes the finished text with :mod:`json` to get values and precise
    errors.

    Args:
        strict_strings: treat a raw control character (a newline…) inside a string as
            broken JSON, as :func:`json.loads` does. Hermes uses this to resynchronise on
            ``</tool_call>`` after an unterminated string; TOOL_USE turns it off so that a
            multi-line string is still scanned to its end (and then reported by ``json``).

    Attributes:
        in_string: inside a string literal.
        depth: number of open brackets.
        done: the first bracket was closed; the value is complete.
        broken: a character that cannot occur there in JSON was seen (a closing bracket
            of the wrong kind, a raw control character inside a string when strict, or a character
            outside strings that no JSON token contains, such as ``<`` or ``'``). After
            that the scanner stops; the caller decides how to recover.
    """

    _BARE = frozenset(" \t\r\n:,+-.0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

    def __init__(self, strict_strings: bool = True) -> None:
        self._strict = strict_strings
        self._stack: list[str] = []
        self.in_string = False
        self._escape = False
        self.done = False
        self.broken = False

    @property
    def depth(self) -> int:
        return len(self._stack)

    def skip_string(self, text: str, i: int) -> int:
        """Index of the next character at or after ``i`` that :meth:`step` must see.

        Inside a string (and not after a backslash) every character but ``"``, ``\\`` and
        control characters is inert, so a caller may jump over the run in one regex match
        instead of stepping through it; elsewhere returns ``i``.
        """
        if self.in_string and not self._escape and not self.done and not self.broken:
            return _STRING_RUN.match(text, i).end()
        return i

    def step(self, ch: str) -> None:
        """Consume one character (ignored once ``done`` or ``broken``)."""
        if self.done or self.broken:
            return
        if self.in_string:
            if self._escape:
                self._escape = False
            elif ch == "\\":
                self._escape = True
            elif ch == '"':
                self.in_string = False
            elif ch < " " and self._strict:
                self.broken = True
        elif ch == '"':
            self.in_string = True
        elif ch == "{" or ch == "[":
            self._stack.append("}" if ch == "{" else "]")
        elif ch == "}" or ch == "]":
            if not self._stack or self._stack[-1] != ch:
                self.broken = True
            else:
                self._stack.pop()
                self.done = not self._stack
        elif ch not in self._BARE:
            self.broken = True


class QuoteTolerantScanner(JsonObjectScanner):
    """A :class:`JsonObjectScanner` that also skips
    ``'single-quoted'`` strings (with backslash escapes), for lenient parsers whose JSON
    :func:`mend_json` will repair. Raw newlines in strings are allowed (``strict_strings``
    off), as ``json_repair`` accepts them.
    """

    def __init__(self) -> None:
        super().__init__(strict_strings=False)
        self._single = False
        self._single_escape = False

    def skip_string(self, text: str, i: int) -> int:
        """As the base method, for ``'…'`` strings too (their inert runs have no ``'`` or ``\\``)."""
        if self._single and not self._single_escape:
            return _SINGLE_RUN.match(text, i).end()
        return super().skip_string(text, i)

    def step(self, ch: str) -> None:
        if self._single:
            if self._single_escape:
                self._single_escape = False
            elif ch == "\\":
                self._single_escape = True
            elif ch == "'":
                self._single = False
        elif ch == "'" and not self.in_string and not self.done and not self.broken:
            self._single = True
        else:
            super().step(ch)


class ObjectScanner:
    """Scans one JSON object incrementally and records its top-level members.

    Call :meth:`scan` with the text so far and the index to continue from (the first call at
    the opening ``{``); it returns where it stopped (the end of the text, just after the
    closing ``}`` — then :attr:`done` — or at a character that cannot occur there — then
    :attr:`broken` and :attr:`break_at`). Strings and nested values are skipped with regular
    expressions, so a long argument costs a few searches, not a Python step per character.

    Args:
        single_quotes: scan ``'single-quoted'`` strings as strings (so a call written with
            them is seen whole, for an error or for ``json_repair`` to mend).
        loose_strings: allow raw control characters (a newline…) inside strings; without
            it they break the object, as in :mod:`json`.

    Attributes:
        keys: the top-level keys seen (decoded; None for an undecodable one).
        first_key: the first key, or None before it is complete.
        strings: top-level string values by key (first occurrence).
        value_starts / value_ends: index of the first character of a key's value, and of the
            ``,``/``}`` after it (first occurrence of each key).
        current: the key whose value is being scanned (first occurrence), else None.
    """

    def __init__(self, *, single_quotes: bool = False, loose_strings: bool = False) -> None:
        self._single = single_quotes
        self._ends = _STRING_END_LOOSE if loose_strings else _STRING_END
        self.done = False
        self.broken = False
        self.break_at = -1
        self.end = -1
        self.keys: set[Any] = set()
        self.first_key: Any = None
        self.strings: dict[Any, Any] = {}
        self.value_starts: dict[Any, int] = {}
        self.value_ends: dict[Any, int] = {}
        self.current: Any = None
        self._stack: list[str] = []
        self._in_string = False
        self._quote = '"'
        self._expect = "open"  # open | key | colon | value | in_value | comma
        self._key: Any = _MISSING
        self._tok_start = 0
        self._val_start = 0

    @property
    def in_string(self) -> bool:
        return self._in_string

    @property
    def depth(self) -> int:
        return len(self._stack)

    def missing_closers(self) -> str:
        """The brackets (and quote) that would close what is open, innermost first."""
        return (self._quote if self._in_string else "") + "".join(reversed(self._stack))

    def scan(self, t: str, i: int) -> int:
        """Scan ``t`` from ``i``; return the index where scanning stopped (see the class doc)."""
        n = len(t)
        stack = self._stack
        ends = self._ends
        while i < n:
            if self._in_string:
                m = ends[self._quote].search(t, i)
                if m is None:
                    return n
                j = m.start()
                c = t[j]
                if c == "\\":
                    if j + 1 >= n:
                        return j  # the escaped character is in the next chunk
                    i = j + 2
                elif c == self._quote:
                    self._in_string = False
                    if len(stack) == 1:
                        self._string_closed(t, j)
                    i = j + 1
                else:
                    return self._break(j)  # raw control character (strict)
            elif len(stack) > 1:
                m = _DEEP.search(t, i)
                if m is None:
                    return n
                j = m.start()
                c = t[j]
                if c == '"' or (c == "'" and self._single):
                    self._in_string, self._quote = True, c
                elif c == "{" or c == "[":
                    stack.append("}" if c == "{" else "]")
                elif (c == "}" or c == "]") and stack[-1] == c:
                    stack.pop()
                else:
                    return self._break(j)
                i = j + 1
            else:
                i = self._top(t, i)
                if self.done or self.broken:
                    return i
        return n

    def _top(self, t: str, i: int) -> int:
        """One token at depth 0 (the opening brace) or 1 (the object's own members)."""
        c = t[i]
        if self._expect == "open":
            if c != "{":
                return self._break(i)
            self._stack.append("}")
            self._expect = "key"
            return i + 1
        if c in " \t\r\n":
            return JSON_WS.match(t, i).end()
        if c == '"' or (c == "'" and self._single):
            self._tok_start = i
            if self._expect == "value":
                self._start_value(i)
            self._in_string, self._quote = True, c
            return i + 1
        if c == "{" or c == "[":
            if self._expect == "value":
                self._start_value(i)
            self._stack.append("}" if c == "{" else "]")
            return i + 1
        if c == "}":
            self._end_value(i)
            self._stack.pop()
            self.done, self.end = True, i + 1
            return i + 1
        if c == ":":
            if self._expect == "colon":
                self._expect = "value"
            return i + 1
        if c == ",":
            self._end_value(i)
            self._expect = "key"
            return i + 1
        if c in _BARE_CHARS:
            if self._expect == "value":
                self._start_value(i)
            return _BARE_RUN.match(t, i).end()
        return self._break(i)

    def _break(self, j: int) -> int:
        self.broken, self.break_at = True, j
        return j

    def _start_value(self, i: int) -> None:
        self._expect, self._val_start = "in_value", i
        key = self._key
        if key is not _MISSING and key not in self.value_starts:
            self.value_starts[key] = i
            self.current = key
        else:
            self.current = None

    def _end_value(self, i: int) -> None:
        if self._expect == "in_value" and self.current is not None:
            self.value_ends[self.current] = i
        self.current = None
        self._expect = "comma"

    def _string_closed(self, t: str, j: int) -> None:
        token = t[self._tok_start : j + 1]
        if self._expect == "key":
            self._key = token_value(token)
            if not self.keys:
                self.first_key = self._key
            self.keys.add(self._key)
            self._expect = "colon"
        elif self._expect == "in_value" and self._val_start == self._tok_start and self.current is not None:
            self.strings[self.current] = token_value(token)

    def arguments_span(self, keys: tuple[str, ...], pos: int) -> tuple[int, int] | None:
        """``(start, limit)`` of the first ``keys`` value known so far (``pos``: scan position).

        Only object and string values are spans (their text is the streamed arguments); the
        limit is where the value ended, or ``pos`` while it is being scanned.
        """
        key = next((k for k in self.value_starts if k in keys), None)
        if key is None:
            return None
        start = self.value_starts[key]
        if key in self.value_ends:
            return start, self.value_ends[key]
        if self.current == key:
            return start, pos
        return start, self.end if self.done else pos


#: a JSON string's body up to its closing quote, by ``(quote, loose)``: ``loose`` allows raw
#: control characters; ``'`` strings (lenient readers) are always loose. Possessive (``*+``), so
#: that ``re`` keeps no backtracking state per escape (super-linear on long escaped strings)
JSON_STRING_BODY = {
    ('"', False): re.compile(r'[^"\\\x00-\x1f]*+(?:\\.[^"\\\x00-\x1f]*+)*+', re.DOTALL),
    ('"', True): re.compile(r'[^"\\]*+(?:\\.[^"\\]*+)*+', re.DOTALL),
    ("'", True): re.compile(r"[^'\\]*+(?:\\.[^'\\]*+)*+", re.DOTALL),
}
JSON_STRING_BODY["'", False] = JSON_STRING_BODY["'", True]  # strict: only to check (and report) one
_PLAIN = re.compile(r"[ \t\r\n:,+\-.0-9a-zA-Z]*")  # what JSON has outside strings and brackets


class JsonValueSkipper:
    """Skips the rest of one JSON value by its brackets and strings (``json`` checks the rest).

    Start it just after the value's opening bracket (``closer`` is the bracket that closes
    it); :meth:`scan` goes on from where the last call stopped, a string or bracket run at a
    time. Lenient, strings may be single-quoted and hold raw control characters (a newline…).
    """

    def __init__(self, closer: str, lenient: bool):
        self.stack, self.quote, self.lenient = [closer], "", lenient

    def scan(self, text: str, i: int) -> tuple[int, bool | None]:
        """``(index, True)`` just after the value, ``(index, False)`` at a character JSON cannot
        have there, ``(index, None)`` when the text ran out."""
        n = len(text)
        while i < n:
            if self.quote:
                i = JSON_STRING_BODY[self.quote, self.lenient].match(text, i).end()
                if i >= n or text[i] == "\\":
                    return i, None  # the string (or an escape) goes on in the next chunk
                if text[i] != self.quote:
                    return i, False  # a raw control character
                self.quote, i = "", i + 1
                continue
            i = _PLAIN.match(text, i).end()
            if i >= n:
                break
            c = text[i]
            if c == '"' or (c == "'" and self.lenient):
                self.quote = c
            elif c == "{" or c == "[":
                self.stack.append("}" if c == "{" else "]")
            elif c != self.stack[-1]:
                return i, False
            else:
                self.stack.pop()
                if not self.stack:
                    return i + 1, True
            i += 1
        return i, None


def next_arguments_delta(text: str, span: tuple[int, int] | None, delta_pos: int) -> tuple[str, int]:
    """What to stream next of a call's arguments value: ``(piece, new delta position)``.

    ``span`` is ``(start, limit)`` of the value in ``text`` so far (:meth:`ObjectScanner.arguments_span`),
    None when it has not begun; ``delta_pos`` is where streaming got to, -1 before it began.
    Only an object or a string is streamed (``null`` or a number is left to the call's end),
    and trailing whitespace waits: it may lie after the value.
    """
    if span is None:
        return "", delta_pos
    start, limit = span
    if delta_pos < 0:
        if text[start] not in "{\"'":
            return "", delta_pos
        delta_pos = start
    piece = text[delta_pos:limit].rstrip()
    return piece, delta_pos + len(piece)


def tojson(value: Any, indent: int | None = None) -> str:
    """The chat-template ``tojson`` filter of transformers (``utils/chat_template_utils.py``):
    ``json.dumps(value, ensure_ascii=False)`` with default separators (``", "``, ``": "``),
    not Jinja's HTML-escaping one."""
    return json.dumps(value, ensure_ascii=False, indent=indent)


#: longest JSON text handed to ``json_repair``: it is slow on long strings (about 2 µs a
#: character, and super-linear on long single-quoted ones), so longer broken JSON stays an error
MEND_LIMIT = 100_000


def mend_json(raw: str) -> Any:
    """``json_repair.loads(raw)``, or None when it fails (it is best-effort and may raise) or
    ``raw`` is longer than :data:`MEND_LIMIT` (keeps lenient parsing linear in time)."""
    import json_repair

    if len(raw) > MEND_LIMIT:
        return None
    try:
        return json_repair.loads(raw)
    except Exception:  # noqa: BLE001 - json_repair is best effort: any failure means "cannot mend"
        return None


def arguments_value(args: Any, key: str) -> dict | str:
    """A call's arguments value as a dict, or why it is not one.

    An object is itself; a JSON string holding an object is decoded (OpenAI's wire shape);
    ``null`` or an empty string is empty arguments. ``key`` names the member in messages.
    """
    if args is None:
        return {}
    if isinstance(args, str):
        args, problem, _ = decode_json(args) if args.strip() else ({}, None, 0)
        if problem is not None:
            return f'"{key}" is a string that is not JSON: {problem}'
    if not isinstance(args, dict):
        return f'"{key}" must be a JSON object, got {type(args).__name__}'
    return args


def decode_call(
    obj: Any, keys: tuple[str, ...] = ("arguments", "parameters"), call_id: str | None = None
) -> ToolCall | str:
    """A decoded call object ``{"name", "arguments"?, "id"?}`` as a :class:`ToolCall`, or why not.

    The arguments are the first of ``keys`` present (see :func:`arguments_value`; none of them:
    empty arguments); a string ``"id"`` is kept as the call's id, else ``call_id``.
    """
    if not isinstance(obj, dict):
        return f"a tool call must be a JSON object, got {type(obj).__name__}"
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        return 'the tool call has no "name" string'
    key = next((k for k in keys if k in obj), keys[0])
    args = arguments_value(obj.get(key), key)
    if isinstance(args, str):
        return args
    ident = obj.get("id")
    return ToolCall(name=name, arguments=args, id=ident if isinstance(ident, str) else call_id)


def repair_arguments(raw: str) -> dict:
    """Arguments from raw JSON text that :func:`mend_json` mends (the lenient ``decode_arguments``).

    Raises:
        ValueError: not an object even after repair.
    """
    value = mend_json(raw)
    if isinstance(value, str):
        value = mend_json(value) if value.strip() else {}
    if not isinstance(value, dict):
        raise ValueError(f"arguments must be an object, got {type(value).__name__}")
    return value


def decode_arguments_text(raw: str, lenient: bool = False) -> tuple[dict[str, Any], bool]:
    """Arguments from the raw JSON text of an ``arguments`` value, and whether it was repaired.

    Reads an object, a JSON string holding one, ``""``, ``null`` or no text (no arguments);
    lenient, ``json_repair`` mends what :mod:`json` rejects.

    Raises:
        ValueError: not JSON (strict), or not an object.
    """
    value: Any = raw
    repaired = False
    for what in ('"arguments" is not valid JSON', '"arguments" is a string that is not JSON'):
        if not value.strip():
            return {}, repaired
        decoded, problem, _ = decode_json(value)
        if problem is not None:
            if not lenient:
                raise ValueError(f"{what}: {problem}")
            decoded, repaired = mend_json(value), True
        value = decoded
        if not isinstance(value, str):
            break
    if value is None:
        return {}, repaired
    if not isinstance(value, dict):
        raise ValueError(f'"arguments" must be a JSON object, got {type(value).__name__}')
    return value, repaired
