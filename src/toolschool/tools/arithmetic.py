"""Safe evaluation of calculator expressions, for the ``_numeric`` checking rule.

The dev set (``shared/eval/README.md``) accepts a calculator expression when it evaluates to
the expected number, with ``^`` as power and ``N% of M`` as N/100*M. This module evaluates
such text without ``eval``: the text is tokenised, rewritten into Python syntax, parsed with
:mod:`ast` and walked by an interpreter that knows only arithmetic.

Supported: numbers (``12``, ``0.85``, ``.5``, ``1e3``, thousands separators ``1,250``),
``+ - * / // % ** ^``, ``×`` and ``÷``, parentheses, unary ``+``/``-``, ``N%`` (N/100),
``N% of M`` (N/100*M; N may be a parenthesised group), and the functions ``sqrt``, ``cbrt``,
``abs`` with one argument.

``%`` is the percent sign when nothing that could be an operand follows it (end of text, a
closing parenthesis, an operator, or ``of``); followed by a number, ``(`` or a name it is
the modulo operator (``10 % 3`` is 1, ``10% + 3`` is 3.1).

Everything else is rejected: names, attribute access, strings, calls to other functions,
comparisons, subscripts, lambdas, booleans, complex numbers. Limits keep evaluation cheap:
at most :data:`MAX_LENGTH` characters and exponents of magnitude at most
:data:`MAX_EXPONENT`; arithmetic is done in floats and a non-finite result is an error.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable

#: Longest expression text accepted, in characters.
MAX_LENGTH = 500
#: Largest accepted absolute value of an exponent (``2^1000`` passes, ``2^1001`` does not).
MAX_EXPONENT = 1000

_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "sqrt": math.sqrt,
    "cbrt": lambda x: math.copysign(abs(x) ** (1.0 / 3.0), x),
    "abs": abs,
}

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<op>\*\*|//|[-+*/%^()×÷])
  | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
    """,
    re.VERBOSE,
)
_OPERATORS_AFTER_PERCENT = {"+", "-", "*", "/", "//", "**", "^", "%", ")", "×", "÷"}


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ValueError(f"unexpected character {text[pos]!r} at position {pos}")
        kind = match.lastgroup or ""
        if kind != "space":
            value = match.group()
            if kind == "number":
                value = value.replace(",", "")
            tokens.append((kind, value))
        pos = match.end()
    return tokens


def _operand_start(out: list[str]) -> int:
    """Index in ``out`` where the operand ending at ``out[-1]`` starts (a number or a (group))."""
    if not out:
        raise ValueError("'%' without a number before it")
    if out[-1] != ")":
        if not re.fullmatch(r"[\d.]+(?:[eE][+-]?\d+)?", out[-1]):
            raise ValueError(f"'%' after {out[-1]!r}; expected a number or a parenthesised group")
        return len(out) - 1
    depth = 0
    for index in range(len(out) - 1, -1, -1):
        if out[index] == ")":
            depth += 1
        elif out[index] == "(":
            depth -= 1
            if depth == 0:
                # a function call's argument list belongs to the function: sqrt(16)% → (sqrt(16)/100)
                if index > 0 and out[index - 1] in _FUNCTIONS:
                    return index - 1
                return index
    raise ValueError("unbalanced ')' before '%'")


def to_python(text: str) -> str:
    """Rewrite calculator text into Python expression syntax (not yet validated).

    ``^``→``**``, ``×``→``*``, ``÷``→``/``, ``1,250``→``1250``, ``N%``→``(N/100)`` and
    ``N% of``→``(N/100)*``.

    Raises:
        ValueError: a character that cannot occur in an expression, or a misplaced ``%``/``of``.
    """
    tokens = _tokenize(text)
    out: list[str] = []
    index = 0
    while index < len(tokens):
        kind, value = tokens[index]
        nxt = tokens[index + 1] if index + 1 < len(tokens) else None
        if value == "%":
            percent_of = nxt is not None and nxt == ("name", "of")
            if percent_of or nxt is None or nxt[1] in _OPERATORS_AFTER_PERCENT:
                start = _operand_start(out)
                out[start:] = ["(", *out[start:], "/", "100", ")"]
                if percent_of:
                    out.append("*")
                    index += 1  # consume "of"
            else:
                out.append("%")
        elif kind == "name" and value == "of":
            raise ValueError("'of' is only allowed after a percentage ('15% of 80')")
        elif value == "^":
            out.append("**")
        elif value == "×":
            out.append("*")
        elif value == "÷":
            out.append("/")
        else:
            out.append(value)
        index += 1
    return " ".join(out)


def _finite(value: float) -> float:
    if isinstance(value, complex):
        raise ValueError("the result is not a real number")
    if not math.isfinite(value):
        raise ValueError("the result is too large")
    return value


_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Mod: lambda a, b: a % b,
}


def _walk(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _walk(node.body)
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ValueError(f"{node.value!r} is not a number")
        return _finite(float(node.value))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        operand = _walk(node.operand)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left, right = _walk(node.left), _walk(node.right)
        if isinstance(node.op, ast.Pow):
            if abs(right) > MAX_EXPONENT:
                raise ValueError(f"exponent {right:g} is larger than {MAX_EXPONENT}")
            return _finite(left**right)
        operation = _BINARY.get(type(node.op))
        if operation is None:
            raise ValueError(f"operator {type(node.op).__name__} is not allowed")
        return _finite(operation(left, right))
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
            raise ValueError(f"only the functions {', '.join(sorted(_FUNCTIONS))} may be called")
        if len(node.args) != 1 or node.keywords:
            raise ValueError(f"{node.func.id}() takes exactly one argument")
        return _finite(_FUNCTIONS[node.func.id](_walk(node.args[0])))
    if isinstance(node, ast.Name):
        raise ValueError(f"unknown name {node.id!r}")
    raise ValueError(f"{type(node).__name__} is not allowed in an arithmetic expression")


def evaluate_expression(text: str) -> float:
    """The value of a calculator expression, computed safely (no ``eval``, no names).

    Args:
        text: e.g. ``"1250 - 15% of 1250"``, ``"5000*(1+0.045)^10"``, ``"389,000/103,000"``.

    Returns:
        The value as a finite float.

    Raises:
        ValueError: empty or too long text, a character or construct outside the arithmetic
            subset, a name or attribute, division by zero, an exponent beyond
            :data:`MAX_EXPONENT`, a complex or non-finite result. Never anything else.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected a string, got {type(text).__name__}")
    if not text.strip():
        raise ValueError("empty expression")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"expression longer than {MAX_LENGTH} characters")
    source = to_python(text)
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, RecursionError, MemoryError) as exc:
        raise ValueError(f"not an arithmetic expression: {getattr(exc, 'msg', None) or exc}") from None
    try:
        return _walk(tree)
    except ZeroDivisionError:
        raise ValueError("division by zero") from None
    except (OverflowError, RecursionError):
        raise ValueError("the expression is too large to evaluate") from None
