"""Rich rendering for the CLI: progress bars and result tables (no logic of its own)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


class RichProgress:
    """A :class:`toolschool.progress.Progress` that draws one rich bar per task."""

    def __init__(self) -> None:
        self._bars = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[info]}"),
            console=console,
            transient=False,
        )
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> RichProgress:
        self._bars.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bars.__exit__(*exc)

    def start(self, task: str, total: int | None = None) -> None:
        if task in self._tasks:
            self._bars.update(self._tasks[task], total=total)
            return
        self._tasks[task] = self._bars.add_task(task, total=total, info="")

    def advance(self, task: str, n: int = 1, **fields: object) -> None:
        if task not in self._tasks:
            self.start(task)
        info = " ".join(f"{k}={v}" for k, v in fields.items())
        self._bars.update(self._tasks[task], advance=n, info=info)

    def finish(self, task: str) -> None:
        if task in self._tasks:
            t = self._bars.tasks[self._tasks[task]]
            total = t.total if t.total is not None else max(t.completed, 1)
            self._bars.update(self._tasks[task], total=total, completed=total)


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1%}" if 0 <= value <= 1 else f"{value:.1f}"
    return str(value)


HEADLINE = [
    ("accuracy", "accuracy (whole item)"),
    ("tool_selection_accuracy", "tool selection"),
    ("argument_accuracy", "arguments"),
    ("syntax_validity", "syntax validity"),
    ("no_tool_precision", "no-tool precision"),
    ("no_tool_recall", "no-tool recall"),
    ("parallel_accuracy", "parallel"),
    ("chained_accuracy", "chained"),
]


def metrics_table(metrics_by_label: dict[str, Any], title: str) -> Table:
    """A table of headline metrics, one column per label (e.g. base, fine-tuned)."""
    table = Table(title=title)
    table.add_column("metric")
    for label in metrics_by_label:
        table.add_column(label, justify="right")
    for key, name in HEADLINE:
        table.add_row(name, *[_fmt(getattr(m, key, None)) for m in metrics_by_label.values()])
    table.add_row(
        "latency p50 / p95 (ms, batched)",
        *[f"{_fmt(m.latency.p50)} / {_fmt(m.latency.p95)}" for m in metrics_by_label.values()],
    )
    table.add_row("items", *[str(m.n) for m in metrics_by_label.values()])
    return table


def bfcl_table(scores: Any, title: str) -> Table:
    """Per-category BFCL accuracy (:class:`~toolschool.eval.bfcl.scores.BfclScores`), one row each."""
    from rich.markup import escape

    from toolschool.eval.bfcl.report import category_rows

    table = Table(title=title)
    for name, justify in (("category", "left"), ("leaderboard column", "left"), ("correct", "right"),
                          ("accuracy", "right"), ("most common errors", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for row in category_rows(scores):
        table.add_row(*[escape(cell) for cell in row])
    return table
