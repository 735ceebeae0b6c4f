"""Aggregate metrics over checked items: accuracy, tool selection, arguments, syntax, latency.

:func:`compute_metrics` checks every item (:func:`toolschool.eval.checker.check_item`) and
returns a :class:`Metrics` (pydantic; ``metrics.model_dump_json()`` is the ``metrics.json``
of a run, ``Metrics.model_validate_json`` reads it back). Definitions, exactly as computed
(a ratio whose denominator is 0 is ``None``, never 0 or NaN):

* ``accuracy`` — items whose check is ``correct`` / all items. An item without a prediction
  is wrong in every metric (counted in ``n_missing``), as in BFCL (§6 of BFCL_SEMANTICS.md).
* ``tool_selection_accuracy`` — items whose multiset of predicted call names equals the
  multiset of expected names (``no_tool``: no call made and no unparsable attempt) / items.
* ``argument_accuracy`` — over expected calls whose tool was selected (a predicted call of
  that name was assigned to it), the share whose listed arguments all pass.
* ``syntax_validity`` — over predictions (for items of the set) that attempted a call
  (``attempted`` flag set, or at least one call parsed), the share with ``error`` ``None``;
  ``None`` when nothing was attempted. ``repaired`` counts the attempts a lenient parser
  had to repair (0 when parsing strictly, the default).
* ``no_tool_precision`` / ``no_tool_recall`` — the positive class is "no call made": a
  prediction with no parsed call and no attempt. Precision = abstentions on items that
  expect no call / all abstentions; recall = the same / items that expect no call.
* ``parallel_accuracy``, ``chained_accuracy`` — ``accuracy`` within that category.
* ``per_category`` — category → n, correct, accuracy, tool-selection accuracy.
* ``per_tool`` — expected tool name → the same over items whose expected calls include the
  tool, plus calls / selected / argument accuracy over that tool's expected calls; the row
  ``no_tool`` covers items that expect no call.
* ``confusion`` — items expecting at most one call: row = the expected tool or ``no_tool``;
  column = the first predicted call's name, ``no_tool`` (no call, no attempt), ``(invalid)``
  (a call attempted, none parsed) or ``(missing)`` (no prediction).
* ``failure_kinds`` — failure kind → wrong items of that kind (only kinds that occur, in the
  order of :data:`FAILURE_KINDS`). Every wrong item gets exactly one kind, the first that
  applies in this precedence (:func:`classify_failure`):

  1. ``missing_prediction`` — no prediction for the item.
  2. ``bad_syntax`` — a call was attempted but none parsed (``ItemCheck.invalid_attempt``).
     An output where some calls parsed and others did not is judged on the parsed calls.
  3. ``extra_call`` — more calls parsed than expected; includes a call on a ``no_tool`` item
     (the no-tool false positive).
  4. ``missing_call`` — fewer calls parsed than expected; includes no call at all where one
     was expected (a false abstention).
  5. ``wrong_tool`` — as many calls as expected, but the multiset of names differs.
  6. ``bad_arguments`` — the right tools, but an argument of some call failed.

  Counts come before names, and names before arguments, so a wrong item is blamed on its
  coarsest visible problem. ``argument_failures`` splits ``bad_arguments`` further: the
  :class:`~toolschool.eval.checker.ArgFailure` kinds (``missing`` argument, ``unknown``
  argument, ``bad_value`` — a wrong value or a value of the wrong type) → count, over the
  calls of ``bad_arguments`` items. Each ``failures`` entry carries its ``kind``, the last
  user message (``request``) and the expected calls, for per-kind examples.
* ``latency`` — p50, p95 (linear interpolation between order statistics) and mean of
  ``latency_ms`` over the predictions of the set that have one.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

from pydantic import BaseModel, Field

from toolschool.errors import DataError
from toolschool.eval.checker import ArgFailure, CallCheck, ItemCheck, check_item
from toolschool.eval.items import KNOWN_CATEGORIES, EvalItem, Prediction
from toolschool.types import ToolSchema

NO_TOOL = "no_tool"
INVALID = "(invalid)"
MISSING = "(missing)"
#: Characters of raw model output kept per failure example.
RAW_LIMIT = 1000
#: Failure kinds of wrong items, in precedence order (module docstring).
FAILURE_KINDS = (
    "missing_prediction", "bad_syntax", "extra_call", "missing_call", "wrong_tool", "bad_arguments",
)


class CategoryRow(BaseModel):
    """One row of ``per_category``."""

    n: int
    correct: int
    accuracy: float | None
    tool_selection_accuracy: float | None


class ToolRow(BaseModel):
    """One row of ``per_tool``: item-level numbers plus call-level argument numbers."""

    n: int
    correct: int
    accuracy: float | None
    tool_selection_accuracy: float | None
    calls: int = 0
    selected: int = 0
    argument_accuracy: float | None = None


class ConfusionMatrix(BaseModel):
    """``counts[i][j]`` = items with expected label ``rows[i]`` and predicted label ``columns[j]``."""

    rows: list[str] = Field(default_factory=list)
    columns: list[str] = Field(default_factory=list)
    counts: list[list[int]] = Field(default_factory=list)

    def get(self, row: str, column: str) -> int:
        """The count of one cell (0 for labels that do not occur)."""
        if row not in self.rows or column not in self.columns:
            return 0
        return self.counts[self.rows.index(row)][self.columns.index(column)]


class LatencyStats(BaseModel):
    """Latency in milliseconds over ``n`` predictions; all ``None`` when ``n`` is 0."""

    n: int = 0
    p50: float | None = None
    p95: float | None = None
    mean: float | None = None


class FailureExample(BaseModel):
    """A wrong item, for reports: its kind, reason, request, expected and parsed calls, raw output.

    ``kind`` is one of :data:`FAILURE_KINDS` (``""`` in ``metrics.json`` files written before
    failure kinds existed); ``expected`` lists the expected calls with their acceptable values.
    """

    id: str
    category: str
    reason: str
    kind: str = ""
    missing_prediction: bool = False
    request: str = ""
    expected: list[str] = Field(default_factory=list)
    raw: str = ""
    calls: list[str] = Field(default_factory=list)


class Metrics(BaseModel):
    """All metrics of one evaluation (definitions in the module docstring)."""

    n: int
    n_correct: int
    n_missing: int
    n_unmatched_predictions: int = 0
    accuracy: float | None
    tool_selection_accuracy: float | None
    argument_accuracy: float | None
    argument_calls: int = 0
    syntax_validity: float | None
    attempted: int = 0
    repaired: int = 0
    no_tool_precision: float | None
    no_tool_recall: float | None
    parallel_accuracy: float | None
    chained_accuracy: float | None
    per_category: dict[str, CategoryRow] = Field(default_factory=dict)
    per_tool: dict[str, ToolRow] = Field(default_factory=dict)
    confusion: ConfusionMatrix = Field(default_factory=ConfusionMatrix)
    latency: LatencyStats = Field(default_factory=LatencyStats)
    failure_kinds: dict[str, int] = Field(default_factory=dict)
    argument_failures: dict[str, int] = Field(default_factory=dict)
    failures: list[FailureExample] = Field(default_factory=list)


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0–100) by linear interpolation between order statistics.

    Returns ``None`` for no values. Raises ``ValueError`` if ``q`` is outside 0–100.
    """
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    if not values:
        return None
    ordered = sorted(values)
    rank = q / 100 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _index_predictions(predictions: Iterable[Prediction]) -> dict[str, Prediction]:
    by_id: dict[str, Prediction] = {}
    for pred in predictions:
        if pred.id in by_id:
            raise DataError(f"predictions: duplicate prediction for item id {pred.id!r}")
        by_id[pred.id] = pred
    return by_id


def _tools_for(
    item: EvalItem,
    tools_by_item: Mapping[str, Sequence[ToolSchema]] | None,
    default_tools: Sequence[ToolSchema] | None,
) -> Sequence[ToolSchema] | None:
    if tools_by_item is not None and item.id in tools_by_item:
        return tools_by_item[item.id]
    if item.tools is not None:
        return item.tools
    return default_tools


def _missing_check(item: EvalItem) -> ItemCheck:
    return ItemCheck(
        id=item.id,
        category=item.category or "",
        n_expected=len(item.expected),
        n_predicted=0,
        correct=False,
        tool_selection_correct=False,
        arguments_correct=False if item.expected else None,
        calls=[
            CallCheck(expected_name=e.name, failures=[ArgFailure(kind="no_call", detail="no prediction")])
            for e in item.expected
        ],
        missing_prediction=True,
        reason="no prediction for this item",
    )


def check_predictions(
    items: Sequence[EvalItem],
    predictions: Iterable[Prediction],
    tools_by_item: Mapping[str, Sequence[ToolSchema]] | None = None,
    *,
    default_tools: Sequence[ToolSchema] | None = None,
) -> list[ItemCheck]:
    """Check every item against its prediction (one :class:`ItemCheck` per item, in order).

    Tools per item: ``tools_by_item[item.id]``, else ``item.tools``, else ``default_tools``
    (e.g. the ``assistant`` toolkit for the dev set), else none (no unknown-argument rule).
    An item without a prediction gets a wrong check with ``missing_prediction`` set.

    Raises:
        DataError: two predictions share an id.
    """
    by_id = _index_predictions(predictions)
    checks = []
    for item in items:
        pred = by_id.get(item.id)
        if pred is None:
            checks.append(_missing_check(item))
        else:
            tools = _tools_for(item, tools_by_item, default_tools)
            checks.append(check_item(item, pred.calls, tools, attempted=pred.attempted))
    return checks


def _category_order(names: Iterable[str]) -> list[str]:
    names = set(names)
    return [c for c in KNOWN_CATEGORIES if c in names] + sorted(names - set(KNOWN_CATEGORIES))


def _confusion(
    items: Sequence[EvalItem], checks: Sequence[ItemCheck], by_id: Mapping[str, Prediction]
) -> ConfusionMatrix:
    cells: Counter[tuple[str, str]] = Counter()
    for item, check in zip(items, checks):
        if len(item.expected) > 1:
            continue
        row = item.expected[0].name if item.expected else NO_TOOL
        pred = by_id.get(item.id)
        if pred is None:
            column = MISSING
        elif check.invalid_attempt:
            column = INVALID
        elif not pred.calls:
            column = NO_TOOL
        else:
            column = pred.calls[0].name
        cells[(row, column)] += 1
    row_names = {r for r, _ in cells}
    rows = sorted(row_names - {NO_TOOL}) + ([NO_TOOL] if NO_TOOL in row_names else [])
    col_names = {c for _, c in cells}
    specials = [NO_TOOL, INVALID, MISSING]
    columns = [r for r in rows if r != NO_TOOL]
    columns += sorted(col_names - set(columns) - set(specials))
    columns += [s for s in specials if s in col_names or (s == NO_TOOL and NO_TOOL in rows)]
    counts = [[cells[(r, c)] for c in columns] for r in rows]
    return ConfusionMatrix(rows=rows, columns=columns, counts=counts)


def classify_failure(check: ItemCheck) -> str | None:
    """The failure kind of a checked item (precedence in the module docstring), ``None`` if correct.

    Returns one of :data:`FAILURE_KINDS`.
    """
    if check.correct:
        return None
    if check.missing_prediction:
        return "missing_prediction"
    if check.invalid_attempt:
        return "bad_syntax"
    if check.n_predicted > check.n_expected:
        return "extra_call"
    if check.n_predicted < check.n_expected:
        return "missing_call"
    if not check.tool_selection_correct:
        return "wrong_tool"
    return "bad_arguments"


def _request(item: EvalItem) -> str:
    users = [m.content for m in item.messages if m.role == "user" and isinstance(m.content, str)]
    return users[-1] if users else ""


def _format_call(name: str, arguments: dict) -> str:
    return f"{name}({json.dumps(arguments, ensure_ascii=False, sort_keys=True, default=str)})"


def compute_metrics(
    items: Sequence[EvalItem],
    predictions: Iterable[Prediction],
    tools_by_item: Mapping[str, Sequence[ToolSchema]] | None = None,
    *,
    default_tools: Sequence[ToolSchema] | None = None,
) -> Metrics:
    """Check all items and aggregate (definitions in the module docstring).

    Args:
        items: the eval items.
        predictions: at most one per item id; predictions for unknown ids are counted in
            ``n_unmatched_predictions`` and otherwise ignored.
        tools_by_item: item id → tools offered (see :func:`check_predictions`).
        default_tools: tools for items found neither in ``tools_by_item`` nor carrying their own.

    Raises:
        DataError: two predictions share an id.
    """
    by_id = _index_predictions(predictions)
    checks = check_predictions(items, by_id.values(), tools_by_item, default_tools=default_tools)
    item_ids = {item.id for item in items}
    present = [by_id[item.id] for item in items if item.id in by_id]

    n = len(items)
    n_correct = sum(c.correct for c in checks)
    selected_calls = [call for c in checks for call in c.calls if call.name_ok]
    attempted = [p for p in present if p.attempted_call]
    abstained = {p.id for p in present if not p.calls and not p.attempted}
    no_tool_ids = {item.id for item in items if not item.expected}

    by_category: dict[str, list[ItemCheck]] = defaultdict(list)
    for check in checks:
        by_category[check.category].append(check)
    per_category = {
        cat: CategoryRow(
            n=len(group),
            correct=sum(c.correct for c in group),
            accuracy=_ratio(sum(c.correct for c in group), len(group)),
            tool_selection_accuracy=_ratio(sum(c.tool_selection_correct for c in group), len(group)),
        )
        for cat in _category_order(by_category)
        for group in [by_category[cat]]
    }

    tool_items: dict[str, list[ItemCheck]] = defaultdict(list)
    tool_calls: dict[str, list[CallCheck]] = defaultdict(list)
    for item, check in zip(items, checks):
        for name in dict.fromkeys(item.expected_names) or [NO_TOOL]:
            tool_items[name].append(check)
        for call in check.calls:
            tool_calls[call.expected_name].append(call)
    per_tool = {}
    for name in sorted(tool_items, key=lambda t: (t == NO_TOOL, t)):
        group = tool_items[name]
        calls = tool_calls.get(name, [])
        selected = [c for c in calls if c.name_ok]
        per_tool[name] = ToolRow(
            n=len(group),
            correct=sum(c.correct for c in group),
            accuracy=_ratio(sum(c.correct for c in group), len(group)),
            tool_selection_accuracy=_ratio(sum(c.tool_selection_correct for c in group), len(group)),
            calls=len(calls),
            selected=len(selected),
            argument_accuracy=_ratio(sum(c.arguments_ok for c in selected), len(selected)),
        )

    latencies = [p.latency_ms for p in present if p.latency_ms is not None]
    latency = LatencyStats(
        n=len(latencies),
        p50=percentile(latencies, 50),
        p95=percentile(latencies, 95),
        mean=sum(latencies) / len(latencies) if latencies else None,
    )

    failures = []
    kinds: Counter[str] = Counter()
    arg_kinds: Counter[str] = Counter()
    for item, check in zip(items, checks):
        kind = classify_failure(check)
        if kind is None:
            continue
        kinds[kind] += 1
        if kind == "bad_arguments":
            arg_kinds.update(f.kind for call in check.calls for f in call.failures)
        pred = by_id.get(check.id)
        failures.append(
            FailureExample(
                id=check.id,
                category=check.category,
                reason=check.reason or "wrong",
                kind=kind,
                missing_prediction=check.missing_prediction,
                request=_request(item)[:RAW_LIMIT],
                expected=[_format_call(e.name, e.arguments) for e in item.expected],
                raw=(pred.raw[:RAW_LIMIT] + ("…" if len(pred.raw) > RAW_LIMIT else "")) if pred else "",
                calls=[_format_call(c.name, c.arguments) for c in pred.calls] if pred else [],
            )
        )

    def category_accuracy(name: str) -> float | None:
        row = per_category.get(name)
        return row.accuracy if row else None

    return Metrics(
        n=n,
        n_correct=n_correct,
        n_missing=sum(c.missing_prediction for c in checks),
        n_unmatched_predictions=sum(1 for pid in by_id if pid not in item_ids),
        accuracy=_ratio(n_correct, n),
        tool_selection_accuracy=_ratio(sum(c.tool_selection_correct for c in checks), n),
        argument_accuracy=_ratio(sum(c.arguments_ok for c in selected_calls), len(selected_calls)),
        argument_calls=len(selected_calls),
        syntax_validity=_ratio(sum(p.error is None for p in attempted), len(attempted)),
        attempted=len(attempted),
        repaired=sum(bool(p.repairs) for p in attempted),
        no_tool_precision=_ratio(len(abstained & no_tool_ids), len(abstained)),
        no_tool_recall=_ratio(len(abstained & no_tool_ids), len(no_tool_ids)),
        parallel_accuracy=category_accuracy("parallel"),
        chained_accuracy=category_accuracy("chained"),
        per_category=per_category,
        per_tool=per_tool,
        confusion=_confusion(items, checks, by_id),
        latency=latency,
        failure_kinds={k: kinds[k] for k in FAILURE_KINDS if kinds[k]},
        argument_failures=dict(arg_kinds.most_common()),
        failures=failures,
    )
