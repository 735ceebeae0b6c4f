"""From a model's answer to BFCL's decoded shape ``[{name: {param: value}}, ...]`` (§4).

Two decoders (BFCL_SEMANTICS.md §4; ``bfcl_eval/model_handler/utils.py`` and the FC handlers of
``ShishirPatil/gorilla`` at ``6ea5797``):

* :func:`decode_calls` — FC models: the calls the wire format parsed, JSON arguments keeping
  JSON types. Calls that did not parse are dropped and no call gives ``[]``, as BFCL's
  self-hosted FC handler (Qwen FC: malformed ``<tool_call>`` blocks silently dropped) does.
* :func:`decode_python` — prompt mode, Python return format (``default_decode_ast_prompting``):
  strip backticks, newlines and spaces at the ends; add ``[``/``]`` if missing; strip
  wrapping ``'``; parse as one Python expression that must be a call or a list of calls.
  Names are rebuilt from attribute chains (``math.factorial``); only keyword arguments are
  read; values: literals (``...`` → ``"..."``), lists, dicts, tuples (kept as tuples),
  a unary operator on a literal (negated, whatever the operator, as BFCL does), arithmetic,
  a bare name → its text, a call without keywords → its source text, a call with keywords →
  a nested ``{name: {...}}``, a subscript → its source text; anything else (lambdas,
  comprehensions, attributes, f-strings, sets...) fails the whole output.

  One deliberate difference: BFCL evaluates an arithmetic value with ``eval``; toolschool does
  not run model text, so it evaluates arithmetic over literals only (``2*3``, ``-1.5+2``,
  ``[1]+[2]``), with size limits, and an operand that is a name or a call (which ``eval``
  might resolve, e.g. ``len(x)+1``) fails decoding.
"""

from __future__ import annotations

import ast
import operator
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from toolschool.types import ToolCall


@dataclass
class Decoded:
    """A decoding outcome: ``value`` (BFCL's decoded output) or ``error`` (decoding failed)."""

    value: Any = None
    error: str | None = None


def decode_calls(calls: Sequence[ToolCall]) -> list[dict[str, dict[str, Any]]]:
    """Parsed tool calls in BFCL's decoded shape, in output order (``[]`` for none)."""
    return [{call.name: dict(call.arguments)} for call in calls]


class _DecodeFailure(Exception):
    """Raised inside the Python decoder; becomes :attr:`Decoded.error`."""


_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
    ast.BitAnd: operator.and_,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_, ast.Invert: operator.invert}
#: Limits of arithmetic on literals (BFCL has none; these keep a hostile answer from hanging us).
MAX_EXPONENT = 10_000
MAX_REPEAT = 100_000


def _arith(node: ast.AST) -> Any:
    """The value of an arithmetic expression over literals (what ``eval`` would give)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_arith(e) for e in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict) and all(k is not None for k in node.keys):
        return {_arith(k): _arith(v) for k, v in zip(node.keys, node.values)}  # type: ignore[arg-type]
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_arith(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _arith(node.left), _arith(node.right)
        if (
            isinstance(node.op, (ast.Pow, ast.LShift))
            and isinstance(right, (int, float))
            and abs(right) > MAX_EXPONENT
        ):
            raise _DecodeFailure(f"exponent or shift {right!r} is too large to evaluate")
        if isinstance(node.op, ast.Mult):
            for seq, times in ((left, right), (right, left)):
                if (
                    isinstance(seq, (str, bytes, list, tuple))
                    and isinstance(times, int)
                    and times > MAX_REPEAT
                ):
                    raise _DecodeFailure(f"repeating a sequence {times} times is too large to evaluate")
        return _BINARY[type(node.op)](left, right)
    raise _DecodeFailure(
        f"arithmetic over {type(node).__name__} is not evaluated (BFCL would run it with eval; "
        "toolschool evaluates literals only)"
    )


def _call(node: ast.Call) -> dict[str, dict[str, Any]]:
    """``{dotted.name: {keyword: value}}``; positional arguments are dropped (BFCL)."""
    parts: list[str] = []
    func = node.func
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    arguments = {kw.arg: _value(kw.value) for kw in node.keywords}
    return {".".join(reversed(parts)): arguments}  # type: ignore[dict-item]


def _value(node: ast.AST) -> Any:
    """BFCL's ``resolve_ast_by_type``."""
    if isinstance(node, ast.Constant):
        return "..." if node.value is Ellipsis else node.value
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.operand, ast.Constant):
            raise _DecodeFailure(f"unary operator on {type(node.operand).__name__}")
        return -node.operand.value  # BFCL negates whatever the operator (``+5`` → -5)
    if isinstance(node, ast.List):
        return [_value(e) for e in node.elts]
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise _DecodeFailure("Unsupported AST type: NoneType (a ** in a dict)")
        return {_value(k): _value(v) for k, v in zip(node.keys, node.values)}  # type: ignore[arg-type]
    if isinstance(node, ast.BinOp):
        return _arith(node)
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return ast.unparse(node) if not node.keywords else _call(node)
    if isinstance(node, ast.Tuple):
        return tuple(_value(e) for e in node.elts)
    if isinstance(node, ast.Subscript):
        return ast.unparse(node.value) + "[" + ast.unparse(node.slice) + "]"
    raise _DecodeFailure(f"Unsupported AST type: {type(node)}")


def decode_python(text: str) -> Decoded:
    """BFCL's prompt-mode decoder for the Python return format (module docstring).

    Returns:
        :class:`Decoded` with the calls as ``[{name: {param: value}}]``, or with ``error`` set
        when BFCL's decoder would raise. Never raises on model output.
    """
    text = text.strip("`\n ")
    if not text.startswith("["):
        text = "[" + text
    if not text.endswith("]"):
        text = text + "]"
    text = text.strip().strip("'")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in model strings
            body = ast.parse(text, mode="eval").body
        if isinstance(body, ast.Call):
            return Decoded([_call(body)])
        elements = getattr(body, "elts", None)
        if elements is None:
            raise _DecodeFailure(f"expected a call or a list of calls, got {type(body).__name__}")
        calls = []
        for element in elements:
            if not isinstance(element, ast.Call):
                raise _DecodeFailure(f"list element is {type(element).__name__}, not a call")
            calls.append(_call(element))
        return Decoded(calls)
    except (
        _DecodeFailure,
        SyntaxError,
        ValueError,
        TypeError,
        ArithmeticError,
        MemoryError,
        RecursionError,
        AttributeError,
    ) as exc:
        return Decoded(error=f"{type(exc).__name__}: {exc}")
