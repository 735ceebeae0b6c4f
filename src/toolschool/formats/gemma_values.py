"""The Gemma argument syntax: values as Gemma 4 and FunctionGemma write them, and their parser.

Source: macro ``format_argument`` of Google's Gemma 4 chat template (the 2026-07-09
revision, ``google-gemma-4-31B-it.2026-07.jinja`` in the workplace's ``shared/chat_templates``), and
Google's FunctionGemma formatting page, which writes the same syntax with ``<escape>`` as
the string delimiter:

* strings between two delimiters (``<|"|>`` for Gemma 4), raw: no escapes, so a string
  cannot contain its own delimiter;
* ``true`` / ``false``; ``null`` for None (the April 2026 template wrote ``None``: both parse);
* numbers as Python ``str`` (``3``, ``2.5``, ``1e-05``);
* objects ``{key:value,…}``, keys in Jinja ``dictsort`` order (case-insensitive), unquoted in
  calls and results and delimiter-quoted in declarations; arrays ``[a,b]``.

:func:`render_value` writes a value, :class:`ValueParser` (and :func:`parse_value`) reads one
back; both take the string delimiter as a parameter. :mod:`toolschool.formats.gemma4` and
:mod:`toolschool.formats.functiongemma` build their calls, results and declarations on them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from toolschool.formats.base import ArgumentSyntaxError

#: Gemma 4's string delimiter
Q = '<|"|>'

_MAX_DEPTH = 200


def dictsort(mapping: Mapping[Any, Any]) -> list[tuple[Any, Any]]:
    """Jinja ``dictsort``: by key, case-insensitive, stable."""
    return sorted(mapping.items(), key=lambda kv: kv[0].lower() if isinstance(kv[0], str) else kv[0])


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
        for key, item in dictsort(value):
            name = quote + str(key) + quote if escape_keys else str(key)
            parts.append(f"{name}:{render_value(item, escape_keys, quote)}")
        return "{" + ",".join(parts) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(render_value(item, escape_keys, quote) for item in value) + "]"
    return str(value)


class GemmaSyntaxError(ArgumentSyntaxError):
    """Text that is not valid Gemma argument syntax (``message`` at offset ``pos``)."""


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
