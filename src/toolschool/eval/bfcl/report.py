"""The BFCL ``report.md`` and ``bfcl.png``: per-category accuracy, leaderboard columns, failures."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from toolschool.eval.bfcl.scores import BfclScores, BfclVerdict, ColumnScore
from toolschool.eval.items import Prediction
from toolschool.eval.report import _fence, markdown_table

#: Failed items shown per category, and characters of raw output per item.
EXAMPLES = 3
RAW_LIMIT = 400


def _pct(value: float) -> str:
    return f"{100 * value:.2f}%"


def _display(column: ColumnScore) -> str:
    return "N/A" if column.display == "N/A" else _pct(column.accuracy)


def category_rows(scores: BfclScores) -> list[list[str]]:
    """One row per category run: category, leaderboard column, correct/total, accuracy, top errors."""
    rows = []
    for name, s in scores.categories.items():
        errors = ", ".join(f"{kind} {n}" for kind, n in list(s.error_types.items())[:3]) or "—"
        rows.append([name, s.column, f"{s.correct}/{s.total}", _pct(s.accuracy), errors])
    return rows


def render_bfcl_report(
    scores: BfclScores,
    verdicts: Sequence[BfclVerdict],
    predictions: Mapping[str, Prediction],
    title: str,
    context: Mapping[str, str],
    plot: str | None = None,
) -> str:
    """Markdown: context, per-category accuracy, the leaderboard columns, failed examples.

    Args:
        scores: the aggregate scores.
        verdicts: one per item, in item order.
        predictions: item id → its prediction (raw output for the examples).
        title: the heading.
        context: ``label → value`` lines under the heading (model, format, wall time...).
        plot: file name of the accuracy plot beside the report, if any.
    """
    lines = [f"# {title}", ""]
    lines += [f"- **{key}**: {value}" for key, value in context.items()]
    names = "dots replaced by _ (BFCL FC conversion)" if scores.underscore_names else "as in BFCL"
    lines += [
        f"- **tool names**: {names}",
        f"- **decoding**: {'the format' if scores.decoder == 'calls' else 'BFCL prompt-mode Python'}",
    ]
    if scores.partial:
        lines.append(
            "- **partial**: some categories were scored on fewer items than BFCL publishes "
            "(BFCL's --partial-eval)"
        )
    lines += ["", "## Per category (BFCL AST checker)", ""]
    lines += markdown_table(
        ["category", "leaderboard column", "correct", "accuracy", "most common errors"], category_rows(scores)
    )
    credited = {c: s.credited_unparsed for c, s in scores.categories.items() if s.credited_unparsed}
    if credited:
        lines += [
            "",
            "Irrelevance items credited although the answer attempted a call that did not parse "
            "(BFCL counts decode failures as abstentions; gorilla #443, #1362): "
            + ", ".join(f"{c} {n}" for c, n in credited.items())
            + ".",
        ]
    if plot:
        lines += ["", f"![per-category accuracy]({plot})"]
    lines += [
        "",
        "## Leaderboard columns",
        "",
        "N/A: a category the column needs was not run (BFCL counts it as 0 in the means).",
        "",
    ]
    lines += markdown_table(
        ["column", "accuracy", "missing categories as 0", "items"],
        [[name, _display(c), _pct(c.accuracy), str(c.total_count)] for name, c in scores.leaderboard.items()],
    )
    failures = [v for v in verdicts if not v.valid]
    if failures:
        lines += ["", "## Failed examples", ""]
        for category in scores.categories:
            for verdict in [v for v in failures if v.category == category][:EXAMPLES]:
                first = verdict.errors[0] if verdict.errors else ""
                lines += [f"**{verdict.id}** — `{verdict.error_type}`: {str(first)[:300]}", ""]
                raw = predictions[verdict.id].raw if verdict.id in predictions else "(no prediction)"
                lines += _fence(raw[:RAW_LIMIT] + ("…" if len(raw) > RAW_LIMIT else "")) + [""]
    return "\n".join(lines).rstrip() + "\n"


def plot_bfcl(scores: BfclScores, path: str | os.PathLike[str], title: str = "BFCL accuracy") -> Path:
    """A horizontal bar per category run: accuracy in %, labelled ``correct/total``."""
    from toolschool.eval.plots import _figure, _save

    names = list(scores.categories)
    fig = _figure(7.0, 0.5 + 0.45 * max(len(names), 1))
    ax = fig.add_subplot(1, 1, 1)
    values = [100 * scores.categories[n].accuracy for n in names]
    bars = ax.barh(names, values, color="#4c72b0")
    for bar, name in zip(bars, names):
        s = scores.categories[name]
        ax.text(
            bar.get_width() + 1,
            bar.get_y() + bar.get_height() / 2,
            f"{s.correct}/{s.total}",
            va="center",
            fontsize=8,
        )
    ax.set_xlim(0, 110)
    ax.invert_yaxis()
    ax.set_xlabel("accuracy (%)")
    ax.set_title(title)
    return _save(fig, path)
