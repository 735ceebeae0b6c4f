"""Markdown reports comparing labelled metric sets, and summary rows for the CLI.

:func:`render_report` puts one or more :class:`~toolschool.eval.metrics.Metrics` side by side
(e.g. ``{"base": m0, "fine-tuned": m1}``; the first label is the baseline for the Δ columns):
headline metrics, per-category and per-tool tables, the most common confusions, and a few
failed items per category with the model's raw output. :func:`summary_rows` gives the
headline numbers of one metric set as ``(label, value)`` strings for a terminal table.
Missing values (``None``: a ratio with an empty denominator) print as ``—`` (``n/a`` in rows).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from toolschool.eval.metrics import FAILURE_KINDS, NO_TOOL, Metrics

Kind = Literal["pct", "int", "ms"]

#: Headline rows: (label, dotted path read from Metrics by :func:`read_metric`, kind).
HEADLINE: list[tuple[str, str, Kind]] = [
    ("Items", "n", "int"),
    ("Accuracy", "accuracy", "pct"),
    ("Tool selection", "tool_selection_accuracy", "pct"),
    ("Argument accuracy", "argument_accuracy", "pct"),
    ("Syntax validity", "syntax_validity", "pct"),
    ("No-tool precision", "no_tool_precision", "pct"),
    ("No-tool recall", "no_tool_recall", "pct"),
    ("Parallel accuracy", "parallel_accuracy", "pct"),
    ("Chained accuracy", "chained_accuracy", "pct"),
    ("Missing predictions", "n_missing", "int"),
    ("Latency p50", "latency.p50", "ms"),
    ("Latency p95", "latency.p95", "ms"),
    ("Latency mean", "latency.mean", "ms"),
]


def read_metric(metrics: Metrics, path: str) -> float | None:
    """The value at a dotted attribute path of ``metrics`` (``"accuracy"``, ``"latency.p50"``)."""
    value: object = metrics
    for part in path.split("."):
        value = getattr(value, part)
    return value  # type: ignore[return-value]


def format_value(value: float | None, kind: Kind, missing: str = "—") -> str:
    """``0.712`` as ``71.2%`` (pct), ``12.3`` as ``12 ms`` (ms), else ``%g``; ``None`` as ``missing``."""
    if value is None:
        return missing
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "ms":
        return f"{value:.0f} ms"
    return f"{value:g}"


def _delta(new: float | None, base: float | None, kind: Kind) -> str:
    if new is None or base is None:
        return "—"
    diff = new - base
    if kind == "pct":
        return f"{100 * diff:+.1f} pp"
    if kind == "ms":
        return f"{diff:+.0f} ms"
    return f"{diff:+g}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table as lines: first column left-aligned, the others right; ``|`` escaped."""
    lines = ["| " + " | ".join(_cell(h) for h in header) + " |"]
    lines.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|")
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _fence(text: str) -> list[str]:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + "text", text, fence]


def _side_by_side(
    labelled: Mapping[str, Metrics],
    keys: list[str],
    attr: str,
    columns: list[tuple[str, str]],
    first_header: str,
) -> list[str]:
    """A table with one row per key and, per column field, one cell per label plus Δ cells."""
    labels = list(labelled)
    header = [first_header, "n"]
    for title, _ in columns:
        header += [f"{label} {title}" for label in labels]
        header += [f"Δ {title} ({label})" for label in labels[1:]]
    rows = []
    for key in keys:
        rows_of = {label: getattr(m, attr).get(key) for label, m in labelled.items()}
        n = next((r.n for r in rows_of.values() if r is not None), 0)
        row = [key, str(n)]
        for _, field in columns:
            values = {label: (getattr(r, field) if r is not None else None) for label, r in rows_of.items()}
            row += [format_value(values[label], "pct") for label in labels]
            row += [_delta(values[label], values[labels[0]], "pct") for label in labels[1:]]
        rows.append(row)
    return markdown_table(header, rows)


def ordered_keys(labelled: Mapping[str, Metrics], attr: str) -> list[str]:
    """The union of the keys of ``per_category`` or ``per_tool`` (``attr``) over the metric sets,
    in first-seen order (tools sorted, ``no_tool`` last)."""
    keys: dict[str, None] = {}
    for metrics in labelled.values():
        keys.update(dict.fromkeys(getattr(metrics, attr)))
    if attr == "per_tool":
        return sorted(keys, key=lambda k: (k == NO_TOOL, k))
    return list(keys)


def _confusions(metrics: Metrics, top: int) -> list[tuple[str, str, int]]:
    cm = metrics.confusion
    cells = [
        (row, col, cm.counts[i][j])
        for i, row in enumerate(cm.rows)
        for j, col in enumerate(cm.columns)
        if row != col and cm.counts[i][j] > 0
    ]
    return sorted(cells, key=lambda c: (-c[2], c[0], c[1]))[:top]


def _code_list(calls: Sequence[str]) -> str:
    """Formatted calls as comma-separated inline code (backticks inside become quotes)."""
    return ", ".join("`" + call.replace("`", "'") + "`" for call in calls)


def _failure_kinds(labelled: Mapping[str, Metrics], examples: int, raw_chars: int) -> list[str]:
    """The "Failures by kind" section: a count table (share of wrong items) and examples per kind."""
    kinds = [k for k in FAILURE_KINDS if any(m.failure_kinds.get(k) for m in labelled.values())]
    out = ["## Failures by kind", ""]
    if not any(m.n - m.n_correct for m in labelled.values()):
        return out + ["No failures.", ""]
    if not kinds:
        return out + ["Not recorded (metrics written before failure kinds existed).", ""]
    out += ["Each wrong item has one kind, the first that applies: missing prediction, bad syntax, "
            "extra call, missing call, wrong tool, bad arguments (see `toolschool.eval.metrics`). "
            "Cells: items (share of wrong items).", ""]
    rows = []
    for kind in kinds:
        row = [kind]
        for m in labelled.values():
            count, wrong = m.failure_kinds.get(kind, 0), m.n - m.n_correct
            row.append(f"{count} ({format_value(count / wrong, 'pct')})" if wrong else "0")
        rows.append(row)
    rows.append(["wrong items", *[str(m.n - m.n_correct) for m in labelled.values()]])
    out += markdown_table(["kind", *labelled], rows) + [""]
    for label, m in labelled.items():
        if m.argument_failures:
            split = ", ".join(f"{k} {v}" for k, v in m.argument_failures.items())
            out += [f"- **{label}** argument failures in `bad_arguments` items: {split}"]
    out.append("")
    for label, m in labelled.items():
        for kind in kinds:
            shown = [f for f in m.failures if f.kind == kind][:examples]
            if not shown:
                continue
            out += [f"### {label}: {kind} ({m.failure_kinds.get(kind, 0)})", ""]
            for failure in shown:
                request = failure.request.replace("\n", " ")
                out.append(f"- `{failure.id}` ({failure.category}): {request[:200]}")
                out += [f"  expected: {_code_list(failure.expected) or 'no call'}",
                        f"  predicted: {_code_list(failure.calls) or 'no call'}"]
                if not failure.missing_prediction:
                    raw = failure.raw if len(failure.raw) <= raw_chars else failure.raw[:raw_chars] + "…"
                    out += ["", *_fence(raw if raw.strip() else "(empty output)"), ""]
            out.append("")
    return out


def render_report(
    metrics: Mapping[str, Metrics] | Metrics,
    *,
    title: str = "Evaluation report",
    examples_per_category: int = 2,
    raw_chars: int = 400,
    top_confusions: int = 5,
    examples_per_kind: int = 2,
    context: Mapping[str, str] | None = None,
    plots: Sequence[str] | None = None,
) -> str:
    """A Markdown report comparing labelled metric sets.

    Args:
        metrics: label → metrics, in display order (the first is the Δ baseline), or a
            single :class:`Metrics` (labelled ``model``).
        title: the level-1 heading.
        examples_per_category: failed items shown per category and label.
        raw_chars: raw output characters shown per failed item.
        top_confusions: off-diagonal confusion cells listed per label.
        examples_per_kind: failed items shown per failure kind and label.
        context: ``{name: text}`` facts shown under the title (model, format, wall time…).
        plots: image paths relative to the report (e.g. ``["per_tool.png"]``), embedded in a
            "Plots" section.

    Returns:
        Markdown text ending in a newline. ``None`` values print as ``—``.

    Raises:
        ValueError: no metric sets were given.
    """
    labelled: dict[str, Metrics] = {"model": metrics} if isinstance(metrics, Metrics) else dict(metrics)
    if not labelled:
        raise ValueError("render_report needs at least one labelled Metrics")
    labels = list(labelled)
    base = labels[0]
    out = [f"# {title}", ""]
    if context:
        out += [f"- **{key}**: {value}" for key, value in context.items()] + [""]
    if len(labels) > 1:
        out += [f"Compared: {', '.join(f'**{label}**' for label in labels)}; Δ is against **{base}**.", ""]

    out += ["## Headline", ""]
    header = ["metric", *labels, *[f"Δ {label}" for label in labels[1:]]]
    rows = []
    for name, path, kind in HEADLINE:
        values = {label: read_metric(m, path) for label, m in labelled.items()}
        row = [name, *[format_value(values[label], kind) for label in labels]]
        row += [_delta(values[label], values[base], kind) for label in labels[1:]]
        rows.append(row)
    out += markdown_table(header, rows) + [""]

    out += ["## Per category", ""]
    out += _side_by_side(
        labelled,
        ordered_keys(labelled, "per_category"),
        "per_category",
        [("accuracy", "accuracy"), ("tool sel.", "tool_selection_accuracy")],
        "category",
    )
    out += ["", "## Per tool", ""]
    out += [
        "Items whose expected calls include the tool (`no_tool`: items that expect no call); "
        "arguments = share of the tool's selected calls with all arguments right.",
        "",
    ]
    out += _side_by_side(
        labelled,
        ordered_keys(labelled, "per_tool"),
        "per_tool",
        [("accuracy", "accuracy"), ("arguments", "argument_accuracy")],
        "tool",
    )

    out += ["", "## Most common confusions", ""]
    out += ["Items expecting at most one call: expected → first predicted.", ""]
    for label, m in labelled.items():
        cells = _confusions(m, top_confusions)
        listed = "; ".join(f"{row} → {col} ({count})" for row, col, count in cells) or "none"
        out.append(f"- **{label}**: {listed}")
    out.append("")

    out += _failure_kinds(labelled, examples_per_kind, raw_chars)

    if plots:
        out += ["## Plots", ""]
        out += [f"![{Path(plot).stem}]({Path(plot).as_posix()})" for plot in plots] + [""]

    out += ["## Example failures", ""]
    for label, m in labelled.items():
        out += [f"### {label}", ""]
        if not m.failures:
            out += ["No failures.", ""]
            continue
        by_category: dict[str, list] = {}
        for failure in m.failures:
            by_category.setdefault(failure.category, []).append(failure)
        for category, failures in by_category.items():
            out += [f"#### {category} ({len(failures)} wrong)", ""]
            for failure in failures[:examples_per_category]:
                out.append(f"- `{failure.id}`: {failure.reason}")
                if failure.calls:
                    out.append(f"  parsed: {_code_list(failure.calls)}")
                if failure.missing_prediction:
                    continue
                raw = failure.raw if len(failure.raw) <= raw_chars else failure.raw[:raw_chars] + "…"
                out += ["", *_fence(raw if raw.strip() else "(empty output)"), ""]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def summary_rows(metrics: Metrics) -> list[tuple[str, str]]:
    """Headline ``(label, value)`` pairs for a terminal table; ``None`` values read ``n/a``.

    Ratios carry their counts, e.g. ``("Accuracy", "71.2% (37/52)")``.
    """
    rows: list[tuple[str, str]] = []
    for name, path, kind in HEADLINE:
        value = read_metric(metrics, path)
        text = format_value(value, kind, missing="n/a")
        if path == "accuracy" and value is not None:
            text += f" ({metrics.n_correct}/{metrics.n})"
        elif path == "argument_accuracy" and value is not None:
            text += f" of {metrics.argument_calls} calls"
        elif path == "syntax_validity" and value is not None:
            text += f" of {metrics.attempted} attempts"
        rows.append((name, text))
    if metrics.n_unmatched_predictions:
        rows.append(("Predictions for unknown ids", str(metrics.n_unmatched_predictions)))
    return rows
