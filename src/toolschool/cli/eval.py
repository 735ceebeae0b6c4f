"""``toolschool eval``: score a model or a trained run on an eval JSONL file."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from toolschool.cli.errors import user_errors
from toolschool.cli.render import RichProgress, console, metrics_table


def eval_(
    data: Path = typer.Option(..., "--data", "-d", help="eval items JSONL"),
    model: str = typer.Option(..., "--model", "-m", help="run directory, bundled name, local dir or hub id"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="output directory"),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="wire format (default: the run's)"),
    overrides: Optional[list[str]] = typer.Argument(None, help="key=value overrides, e.g. batch_size=8"),
) -> None:
    """Generate answers, parse them, and report tool-calling metrics."""
    from toolschool.config import validate_config
    from toolschool.config import apply_overrides
    from toolschool.eval.stage import EvalConfig
    from toolschool.eval.stage import run as run_eval

    with user_errors():
        base = {"data": str(data), "model": model, "out_dir": str(out) if out else None, "format": fmt}
        cfg = validate_config(EvalConfig, apply_overrides(base, overrides or []), "eval options")
        with RichProgress() as progress:
            result = run_eval(cfg, progress)
    console.print(metrics_table({Path(model).name: result.metrics}, f"{data} ({result.metrics.n} items)"))
    console.print(f"format {result.format}; {result.seconds:.0f}s; report: [bold]{result.report_path}[/]")
