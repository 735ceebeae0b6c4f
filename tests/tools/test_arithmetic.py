"""The safe calculator-expression evaluator behind the ``_numeric`` rule."""

from __future__ import annotations

import ast

import pytest

from toolschool.tools import arithmetic as expression
from toolschool.tools.arithmetic import MAX_EXPONENT, evaluate_expression


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1250*12", 15000),
        ("1250 - 15% of 1250", 1062.5),
        ("18% of 2350", 423),
        ("15% of (60+20)", 12),
        ("(10+5)% of 80", 12),
        ("-5% of 200", -10),
        ("50%", 0.5),
        ("10% + 3", 3.1),
        ("10 % 3", 1),
        ("7 // 2", 3),
        ("2^10", 1024),
        ("2 ^ 3 ^ 2", 512),  # right-associative, like **
        ("7225^0.5", 85),
        ("7225**0.5", 85),
        ("sqrt(7225)", 85),
        ("cbrt(2197)", 13),
        ("cbrt(-8)", -2),
        ("abs(-3)", 3),
        ("389,000/103,000", 389000 / 103000),
        ("5000*(1+0.045)^10", 5000 * 1.045**10),
        ("-(-3)", 3),
        ("+4", 4),
        (".5 * 4", 2),
        ("1e3 + 1", 1001),
        ("6 × 7 ÷ 2", 21),
    ],
)
def test_values(text, value):
    assert evaluate_expression(text) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os')",
        "__import__ (1)",
        "os",
        "x + 1",
        "pi * 2",
        "(1).__class__",
        "().__class__.__bases__",
        "open('/etc/passwd')",
        "True + 1",
        "1j",
        "[1, 2]",
        "{1: 2}",
        "1 if 1 else 2",
        "lambda: 1",
        "3 < 4",
        "'a' * 3",
        "1, 2",
        "1 of 2",
        "%",
        "sqrt(1, 2)",
        "abs(x=1)",
        "exit()",
        "",
        "   ",
        "1/0",
        "5 // 0",
        "(-8)^(1/3)",
        "sqrt(-1)",
        "1e400",
        "10 ** 400",
        "9**9**9",
        "2^(MAX)",
        "(" * 300 + "1" + ")" * 300,
    ],
)
def test_rejects_unsafe_or_invalid(text):
    with pytest.raises(ValueError):
        evaluate_expression(text)


#: exponents far past the cap; ``benchmarks/bench_arithmetic.py`` times their refusal
HUGE_POWERS = [
    "9**9**9", "2^99999999", "10^10^10", f"2^{MAX_EXPONENT + 1}", "(2^500)^(2^500)", f"2^-{MAX_EXPONENT + 1}"
]


@pytest.mark.parametrize("text", HUGE_POWERS)
def test_huge_exponents_are_refused_by_the_cap_before_the_power_is_computed(text):
    """Refused by the exponent check (its message), not by computing the power and then
    overflowing (``the result is too large``) or running out of time: the check comes first.
    How fast the refusal is: ``benchmarks/bench_arithmetic.py``."""
    with pytest.raises(ValueError, match=rf"^exponent -?[\d.e+]+ is larger than {MAX_EXPONENT}$"):
        evaluate_expression(text)


def test_the_exponent_cap_is_inclusive():
    assert evaluate_expression(f"1^{MAX_EXPONENT}") == 1.0
    assert evaluate_expression(f"2^{MAX_EXPONENT}") == 2.0**MAX_EXPONENT
    assert evaluate_expression(f"2^-{MAX_EXPONENT}") == 2.0**-MAX_EXPONENT
    assert evaluate_expression(f"(-1)^{MAX_EXPONENT}") == 1.0


def test_non_strings_are_rejected():
    with pytest.raises(ValueError):
        evaluate_expression(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "source",
    ["(1).real", "x", "__import__('os')", "[1][0]", "f(1)", "'a'", "not 1", "1 < 2", "(lambda: 1)()"],
)
def test_interpreter_rejects_non_arithmetic_nodes(source):
    # the tokenizer already refuses most of these; the AST walker must refuse them on its own too
    with pytest.raises(ValueError):
        expression._walk(ast.parse(source, mode="eval"))
