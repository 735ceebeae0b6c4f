"""Incremental scanning of one JSON object, with its top-level members.

Shared by the formats whose calls are bare JSON objects (``llama3_json``, ``mistral``):
they must know, while the object is still arriving, its first key, the ``"name"`` string
and where the arguments value starts and ends — to announce a call early and stream its
arguments — and exactly where the object ends, since no closing marker follows it.
:class:`ObjectScanner` tracks strings (with escapes) and a bracket stack like
:class:`~toolschool.formats.delimited.JsonObjectScanner`, but skips strings and nested
values with regular expressions (a megabyte argument is a few searches) and records the
top-level members; values are decoded afterwards with :mod:`json` (or ``json_repair`` when
lenient), which also gives the precise error positions.
"""

from __future__ import annotations

import re
from typing import Any

from toolschool.formats.delimited import decode_json

JSON_WS = re.compile(r"[ \t\r\n]*")
_BARE_RUN = re.compile(r"[0-9a-zA-Z+\-.]+")
_BARE_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+-.")
_DEEP = re.compile(r"[^ \t\r\n:,+\-.0-9a-zA-Z]")  # characters that matter below the top level
_STRING_END = {'"': re.compile(r'["\\\x00-\x1f]'), "'": re.compile(r"['\\\x00-\x1f]")}
_STRING_END_LOOSE = {'"': re.compile(r'["\\]'), "'": re.compile(r"['\\]")}
_MISSING = object()


def token_value(token: str) -> Any:
    """A quoted key or string token: JSON-decoded, or (single quotes) unquoted; None if neither."""
    if token.startswith("'"):
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    return decode_json(token)[0]


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


def repair_object(text: str) -> Any:
    """``json_repair.loads(text)``, or None when it cannot make sense of it."""
    import json_repair

    try:
        return json_repair.loads(text)
    except Exception:  # json_repair is best effort: any failure means "cannot mend"
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


def repair_arguments(raw: str) -> dict:
    """Arguments from raw JSON text that ``json_repair`` mends (the lenient ``decode_arguments``).

    Raises:
        ValueError: not an object even after repair.
    """
    value = repair_object(raw)
    if isinstance(value, str):
        value = repair_object(value) if value.strip() else {}
    if not isinstance(value, dict):
        raise ValueError(f"arguments must be an object, got {type(value).__name__}")
    return value
