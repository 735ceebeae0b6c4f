"""Python keyword arguments with literal values: the argument syntax of pythonic tool calls.

Source: vLLM's ``pythonic`` tool parser (``vllm/entrypoints/openai/tool_parsers/
pythonic_tool_parser.py``), which reads a call's arguments as Python keyword arguments with
literal values; :mod:`toolschool.formats.pythonic` holds the format itself (the call list,
the prompt, the streaming parser) and builds on this module:

* :func:`render_value` writes a JSON-like value as the Python literal a model must emit:
  ``None``, ``True``, ints, floats (``repr``; infinities ``1e999``), double-quoted strings
  with JSON escapes (lone surrogates ``\\uXXXX``), lists, dicts (NaN: ``ValueError``);
* :class:`CallScanner` finds the ``)`` that closes a call's arguments, incrementally (any
  string quotes, prefixes, triple quotes, escapes; brackets);
* :func:`parse_arguments` reads ``key=literal, …`` with ``ast.parse(…, mode="eval")`` and a
  walk over ``ast.literal_eval``'s subset that maps to JSON (tuples become lists; sets, bytes,
  complex numbers, non-string keys are errors), raising :class:`PythonicSyntaxError` with
  the offset of the first problem; lenient, JSON ``true``/``false``/``null`` are read too.
"""

from __future__ import annotations

import ast
import json
import math
import re
import warnings
from collections.abc import Mapping
from typing import Any

from toolschool.formats.base import ArgumentSyntaxError

_SURROGATE = re.compile("[\ud800-\udfff]")


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


class PythonicSyntaxError(ArgumentSyntaxError):
    """Arguments text that is not ``key=literal, …``: ``message`` at offset ``pos`` of that text."""


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
