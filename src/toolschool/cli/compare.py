"""``toolschool compare``: runs side by side, the ablation table and plots, each number with its noise."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer
from rich.table import Table

from toolschool.cli.errors import user_errors
from toolschool.cli.render import console

if TYPE_CHECKING:
    from toolschool.compare import Comparison


def print_comparison(comparison: Comparison) -> None:
    """The fine-tuned headline table (± one standard error) and where the report and plots are."""
    knobs = ", ".join(comparison.knobs) or "runs"
    table = Table(title=f"{knobs}: fine-tuned model, % ± 1 s.e. ({comparison.columns[0].runs[0].finetuned.n} "
                        "test items)")
    table.add_column("metric")
    for column in comparison.columns:
        table.add_column(column.label, justify="right")
    for row in comparison.headline_rows():
        table.add_row(*[cell.replace("**", "") for cell in row])
    console.print(table)
    for warning in comparison.warnings:
        console.print(f"[bold yellow]warning:[/] {warning}")
    console.print(f"report: [bold]{comparison.report_path}[/]; plots: "
                  + ", ".join(p.name for p in comparison.plots))


def compare(
    runs: Optional[list[Path]] = typer.Argument(None, help="run directories made by `toolschool run`"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="default: the runs' parent"),
    label: Optional[list[str]] = typer.Option(None, "--label", help="NAME=RUN: a column's name (repeatable)"),
    force: bool = typer.Option(False, "--force", help="compare runs tested on different items"),
) -> None:
    """Compare runs: tables per metric, per tool and per category with their noise, and plots."""
    from toolschool.compare import compare as compare_runs
    from toolschool.compare import parse_labels

    with user_errors():
        labels = parse_labels(label or [])
        result = compare_runs([*(runs or []), *labels], out, labels=labels, force=force)
    print_comparison(result)
