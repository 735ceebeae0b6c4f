"""Number formatting for generated tool results and answers.

Expressions themselves are evaluated by :func:`toolschool.tools.arithmetic.evaluate_expression`,
the one safe arithmetic evaluator of the project (shared with the eval checker).
"""

from __future__ import annotations

from toolschool.tools.arithmetic import evaluate_expression


def evaluate_arithmetic(expression: str) -> float:
    """Value of a calculator expression, rounded to 10 decimals (for stable generated text).

    Raises:
        ValueError: the expression is empty, malformed, or uses anything but arithmetic.
    """
    return round(evaluate_expression(expression), 10)


def format_number(value: float) -> str:
    """Human form of a result: ``54.0`` → ``"54"``, ``3.14159265`` → ``"3.1416"``."""
    if abs(value - round(value)) < 1e-9:
        return f"{int(round(value)):,}" if abs(value) >= 10000 else str(int(round(value)))
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text
