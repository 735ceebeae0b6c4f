"""AST-style checking of predicted tool calls against expected calls.

Rules come from the dev-set README (``shared/eval/README.md``, "Checking rules") and, where
it is silent, from BFCL's AST checker (``shared/bfcl/BFCL_SEMANTICS.md`` §5):

* Names are compared exactly (case-sensitive; BFCL §5.1).
* A call matches when the name is equal and every *listed* argument has an acceptable value;
  arguments that are not listed are not checked (README). An argument the tool's schema does
  not declare is wrong (README; BFCL's "unexpected parameter"). A listed argument that is
  missing is wrong unless ``""`` is among its acceptable values (BFCL ``possible_answer``).
* Values (README): strings compare case-insensitively after trimming; numbers numerically,
  and a numeric string equals the number (``"68"`` = 68); ``bool`` is never a number.
  Lists compare element-wise in order; dicts follow BFCL's convention (each key maps to a list
  of acceptable values, ``""`` = may be omitted, no unknown keys).
* ``_loose`` arguments (README): a non-empty string containing every ``_keywords`` word
  case-insensitively passes (listed values pass too).
* ``_numeric`` arguments (README): a listed spelling passes, or any expression that evaluates
  (:func:`toolschool.eval.expression.evaluate_expression`) to the target within relative
  tolerance 1e-6.
* Items (README): ``no_tool`` is correct only if no call is made; otherwise the predicted calls
  must match the expected calls one to one, in any order, with no extra calls. The one-to-one
  assignment is a maximum bipartite matching (unlike BFCL's greedy first fit, §5.3, which can
  reject a valid set when one predicted call fits two expected calls).
* An output that attempted a call but produced none that parsed counts as a call made, not as
  an abstention (unlike BFCL's irrelevance rule, §5.3 and gorilla issues #443/#1362).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from toolschool.eval.items import EvalItem, ExpectedCall
from toolschool.tools.arithmetic import evaluate_expression
from toolschool.types import ToolCall, ToolSchema

#: Relative tolerance of the ``_numeric`` rule (dev-set README).
NUMERIC_REL_TOL = 1e-6
#: Relative tolerance for "numbers compare numerically" (absorbs float formatting only).
_EQUAL_REL_TOL = 1e-9
_NUMERIC_STRING = re.compile(r"[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")

FailureKind = Literal["wrong_name", "no_call", "missing", "bad_value", "unknown"]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _as_number(value: Any) -> float | None:
    """``value`` as a finite float if it is a number or a numeric string, else None."""
    if _is_number(value):
        try:
            number = float(value)
        except OverflowError:  # an int beyond float range
            return None
        return number if math.isfinite(number) else None
    if isinstance(value, str):
        text = value.strip()
        if _NUMERIC_STRING.fullmatch(text):
            number = float(text.replace(",", ""))
            return number if math.isfinite(number) else None
    return None


def _dict_match(pred: dict[str, Any], acceptable: dict[str, Any]) -> bool:
    if any(key not in acceptable for key in pred):
        return False
    for key, options in acceptable.items():
        options = options if isinstance(options, list) else [options]
        if key not in pred:
            if "" not in options:
                return False
        elif not match_value(pred[key], options):
            return False
    return True


def values_equal(pred: Any, acceptable: Any) -> bool:
    """Whether one predicted value equals one acceptable value under the value rules above."""
    if pred is None or acceptable is None:
        return pred is None and acceptable is None
    if isinstance(pred, bool) or isinstance(acceptable, bool):
        return isinstance(pred, bool) and isinstance(acceptable, bool) and pred == acceptable
    if _is_number(pred) or _is_number(acceptable):
        a, b = _as_number(pred), _as_number(acceptable)
        return a is not None and b is not None and math.isclose(a, b, rel_tol=_EQUAL_REL_TOL)
    if isinstance(pred, str) and isinstance(acceptable, str):
        return pred.strip().casefold() == acceptable.strip().casefold()
    if isinstance(acceptable, list):
        return (
            isinstance(pred, list)
            and len(pred) == len(acceptable)
            and all(values_equal(p, a) for p, a in zip(pred, acceptable))
        )
    if isinstance(acceptable, dict):
        return isinstance(pred, dict) and _dict_match(pred, acceptable)
    return False


def match_value(
    pred: Any,
    acceptable: Sequence[Any],
    *,
    loose: bool = False,
    keywords: Sequence[str] = (),
    numeric: float | None = None,
) -> bool:
    """Whether a predicted argument value is acceptable.

    Args:
        pred: the predicted value (any JSON value).
        acceptable: the acceptable values; any one passing is enough.
        loose: apply the ``_loose`` rule: a non-empty string containing every word of
            ``keywords`` (case-insensitive substring) passes.
        keywords: the ``_keywords`` words of a loose argument.
        numeric: apply the ``_numeric`` rule: a number, or a string that evaluates to it
            within relative tolerance 1e-6, passes.

    Returns:
        True if any rule accepts the value. Never raises on bad model output.
    """
    if any(values_equal(pred, option) for option in acceptable):
        return True
    if numeric is not None and not isinstance(pred, bool):
        if _is_number(pred):
            value: float | None = _as_number(pred)
        else:
            try:
                value = evaluate_expression(pred) if isinstance(pred, str) else None
            except ValueError:
                value = None
        if value is not None and math.isclose(value, numeric, rel_tol=NUMERIC_REL_TOL, abs_tol=1e-12):
            return True
    if loose and isinstance(pred, str) and pred.strip():
        folded = pred.casefold()
        return all(word.casefold() in folded for word in keywords)
    return False


class ArgFailure(BaseModel):
    """Why an expected call did not match: ``{"kind", "argument", "value", "detail"}``.

    ``kind`` is ``wrong_name`` (value = predicted name), ``no_call`` (no predicted call was
    left for this expected call), ``missing`` (a listed argument is absent), ``bad_value``
    (value = the predicted value) or ``unknown`` (an argument the tool schema lacks).
    """

    kind: FailureKind
    argument: str | None = None
    value: Any = None
    detail: str

    def __str__(self) -> str:
        return self.detail


class CallCheck(BaseModel):
    """The check of one expected call against the predicted call assigned to it.

    Attributes:
        expected_name: the expected tool.
        predicted_name: the assigned predicted call's tool, ``None`` if none was assigned.
        predicted_index: its position in the predicted calls, ``None`` if none.
        name_ok: a predicted call with the expected name was assigned (the tool was selected).
        arguments_ok: ``name_ok`` and no argument failure.
        failures: every reason it failed, empty when it matched.
    """

    expected_name: str
    predicted_name: str | None = None
    predicted_index: int | None = None
    name_ok: bool = False
    arguments_ok: bool = False
    failures: list[ArgFailure] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.name_ok and self.arguments_ok


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def match_call(pred: ToolCall, exp: ExpectedCall, tool: ToolSchema | None = None) -> CallCheck:
    """Check one predicted call against one expected call.

    Args:
        pred: the predicted call.
        exp: the expected call.
        tool: the schema of the expected tool; without it the unknown-argument rule is skipped.

    Returns:
        A :class:`CallCheck`; on a name mismatch only the ``wrong_name`` failure is reported.
        Never raises on bad model output.
    """
    check = CallCheck(expected_name=exp.name, predicted_name=pred.name)
    if pred.name != exp.name:
        check.failures.append(
            ArgFailure(
                kind="wrong_name",
                value=pred.name,
                detail=f"wrong tool: expected {exp.name!r}, got {pred.name!r}",
            )
        )
        return check
    check.name_ok = True
    if tool is not None:
        known = tool.properties
        for arg in pred.arguments:
            if arg not in known:
                check.failures.append(
                    ArgFailure(
                        kind="unknown",
                        argument=arg,
                        value=pred.arguments[arg],
                        detail=f"unknown argument {arg!r}: {exp.name!r} has no such parameter",
                    )
                )
    for arg, acceptable in exp.arguments.items():
        if arg not in pred.arguments:
            if "" not in acceptable:
                check.failures.append(
                    ArgFailure(kind="missing", argument=arg, detail=f"missing argument {arg!r}")
                )
            continue
        value = pred.arguments[arg]
        ok = match_value(
            value,
            acceptable,
            loose=arg in exp.loose,
            keywords=exp.keywords.get(arg, ()),
            numeric=exp.numeric.get(arg),
        )
        if not ok:
            if arg in exp.loose:
                wanted = f"a non-empty string containing {exp.keywords.get(arg, [])}"
            elif arg in exp.numeric:
                wanted = f"an expression equal to {exp.numeric[arg]:g} or one of {_short(acceptable)}"
            else:
                wanted = f"one of {_short(acceptable)}"
            check.failures.append(
                ArgFailure(
                    kind="bad_value",
                    argument=arg,
                    value=value,
                    detail=f"bad value for {arg!r}: {_short(value)} (expected {wanted})",
                )
            )
    check.arguments_ok = not check.failures
    return check


class ItemCheck(BaseModel):
    """The check of one item.

    Attributes:
        id, category: of the item.
        n_expected, n_predicted: call counts (an attempted call that did not parse counts 0).
        correct: the whole item is right (README rules above).
        tool_selection_correct: the multiset of predicted names equals the multiset of expected
            names (for ``no_tool``: no call made, and no unparsable attempt).
        arguments_correct: every expected call was assigned a predicted call with its name and
            all its listed arguments pass (extra calls do not matter); ``None`` when no call is
            expected.
        calls: one :class:`CallCheck` per expected call, in expected order.
        extra_calls: names of predicted calls assigned to no expected call.
        invalid_attempt: a call was attempted but none parsed.
        missing_prediction: there was no prediction for the item (set by
            :func:`toolschool.eval.metrics.check_predictions`; everything counts as wrong).
        reason: a one-line explanation when not correct, else ``None``.
    """

    id: str
    category: str
    n_expected: int
    n_predicted: int
    correct: bool
    tool_selection_correct: bool
    arguments_correct: bool | None
    calls: list[CallCheck] = Field(default_factory=list)
    extra_calls: list[str] = Field(default_factory=list)
    invalid_attempt: bool = False
    missing_prediction: bool = False
    reason: str | None = None


def _max_matching(edges: list[list[int]], n_right: int) -> list[int | None]:
    """Maximum bipartite matching (augmenting paths): for each left node, its right node or None."""
    right_owner: list[int | None] = [None] * n_right

    def augment(left: int, seen: list[bool]) -> bool:
        for right in edges[left]:
            if seen[right]:
                continue
            seen[right] = True
            owner = right_owner[right]
            if owner is None or augment(owner, seen):
                right_owner[right] = left
                return True
        return False

    for left in range(len(edges)):
        augment(left, [False] * n_right)
    assignment: list[int | None] = [None] * len(edges)
    for right, left in enumerate(right_owner):
        if left is not None:
            assignment[left] = right
    return assignment


def _tool_lookup(tools: Sequence[ToolSchema] | None) -> dict[str, ToolSchema] | None:
    if tools is None:
        return None
    return {t.name: t for t in tools}


def check_item(
    item: EvalItem,
    predicted_calls: Sequence[ToolCall],
    tools: Sequence[ToolSchema] | None = None,
    *,
    attempted: bool = False,
) -> ItemCheck:
    """Check the predicted calls of one item.

    Args:
        item: the eval item.
        predicted_calls: the calls parsed from the model output, in output order.
        tools: the tools offered (schemas for the unknown-argument rule); ``None`` falls back
            to ``item.tools``, and without either the unknown-argument rule is skipped.
        attempted: the output attempted a call (:attr:`Prediction.attempted`); with no parsed
            call this counts as an invalid call, never as an abstention.

    Returns:
        An :class:`ItemCheck`. Expected calls are assigned to predicted calls by a maximum
        bipartite matching on full matches; the rest are paired with leftover predicted calls
        of the same name (tool selected, arguments wrong), then of other names (wrong tool),
        so each failure names its cause. Never raises on bad model output.
    """
    lookup = _tool_lookup(tools if tools is not None else item.tools)
    preds = list(predicted_calls)
    expected = item.expected
    invalid = attempted and not preds

    grid: list[list[CallCheck | None]] = [
        [
            match_call(p, e, lookup.get(e.name) if lookup is not None else None) if p.name == e.name else None
            for p in preds
        ]
        for e in expected
    ]
    edges = [[j for j, c in enumerate(row) if c is not None and c.passed] for row in grid]
    assignment = _max_matching(edges, len(preds))
    used = {j for j in assignment if j is not None}

    # leftovers: same name first (fewest failures), then any name, in order
    for i, exp in enumerate(expected):
        if assignment[i] is None:
            same = [j for j in range(len(preds)) if j not in used and preds[j].name == exp.name]
            if same:
                best = min(same, key=lambda j: len(grid[i][j].failures))  # type: ignore[union-attr]
                assignment[i] = best
                used.add(best)
    for i in range(len(expected)):
        if assignment[i] is None:
            free = [j for j in range(len(preds)) if j not in used]
            if free:
                assignment[i] = free[0]
                used.add(free[0])

    calls: list[CallCheck] = []
    for i, exp in enumerate(expected):
        j = assignment[i]
        if j is None:
            if invalid:
                detail = f"no call for {exp.name!r}: the attempted call did not parse"
            elif preds:
                detail = f"no predicted call left for {exp.name!r}"
            else:
                detail = f"no call made (expected {exp.name!r})"
            calls.append(
                CallCheck(expected_name=exp.name, failures=[ArgFailure(kind="no_call", detail=detail)])
            )
            continue
        check = grid[i][j]
        if check is None:  # a different name
            check = match_call(preds[j], exp, None)
        check = check.model_copy(deep=True)
        check.predicted_index = j
        calls.append(check)

    extra = [preds[j].name for j in range(len(preds)) if j not in used]
    names_ok = not invalid and Counter(p.name for p in preds) == Counter(item.expected_names)
    all_args = all(c.passed for c in calls) if expected else None
    correct = not invalid and len(preds) == len(expected) and all(c.passed for c in calls)

    reason = None
    if not correct:
        if invalid:
            reason = "attempted a tool call that did not parse"
        elif not expected:
            reason = f"expected no call, got {len(preds)}: {', '.join(p.name for p in preds)}"
        else:
            parts = [str(f) for c in calls for f in c.failures]
            if extra:
                parts.append(f"extra call(s): {', '.join(extra)}")
            reason = "; ".join(parts) or f"expected {len(expected)} call(s), got {len(preds)}"
    return ItemCheck(
        id=item.id,
        category=item.category or "",
        n_expected=len(expected),
        n_predicted=len(preds),
        correct=correct,
        tool_selection_correct=names_ok,
        arguments_correct=all_args,
        calls=calls,
        extra_calls=extra,
        invalid_attempt=invalid,
        reason=reason,
    )
