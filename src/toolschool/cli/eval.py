"""``toolschool eval``: score a model or a trained run on an eval JSONL file."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from toolschool.cli.errors import user_errors
from toolschool.cli.render import RichProgress, bfcl_table, console, err_console, metrics_table


def eval_(
    overrides: Optional[list[str]] = typer.Argument(None, help="key=value overrides, e.g. batch_size=8"),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="EvalConfig YAML"),
    data: Optional[Path] = typer.Option(None, "--data", "-d", help="eval items JSONL"),
    model: Optional[str] = typer.Option(
        None, "--model", "-m", help="run directory, bundled name, local dir or hub id"
    ),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="output directory"),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="wire format (default: the run's)"),
    bfcl: Optional[list[Path]] = typer.Option(
        None, "--bfcl", help="BFCL question file, scored by BFCL's checker (repeatable; instead of --data)"
    ),
) -> None:
    """Generate answers, parse them, and report tool-calling metrics (or BFCL scores with --bfcl)."""
    from toolschool.config import load_config
    from toolschool.eval.config import EvalConfig
    from toolschool.eval.stage import run as run_eval

    with user_errors():
        options = {"data": str(data) if data else None, "model": model,
                   "out_dir": str(out) if out else None, "format": fmt,
                   "bfcl": [str(p) for p in bfcl] if bfcl else None}
        cfg = load_config(EvalConfig, config, overrides or [], options).require()
        with RichProgress() as progress:
            result = run_eval(cfg, progress)
    for warning in result.warnings:
        err_console.print(f"[bold yellow]warning:[/] {escape(warning)}", highlight=False)
    if result.bfcl is not None:
        console.print(bfcl_table(result.bfcl, f"BFCL: {cfg.model}"))
    if result.metrics is None:
        if result.report_path is not None:
            console.print(f"format {result.format}, layout {result.layout}; {result.seconds:.0f}s; "
                          f"report: [bold]{result.report_path}[/]")
        return
    console.print(metrics_table({Path(str(cfg.model)).name: result.metrics},
                                f"{cfg.data} ({result.metrics.n} items)"))
    console.print(f"format {result.format}, layout {result.layout}; {result.seconds:.0f}s; "
                  f"report: [bold]{result.report_path}[/]")
