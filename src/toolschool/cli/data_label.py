"""``toolschool data label``: a teacher model behind an OpenAI-compatible endpoint labels or
paraphrases requests (:mod:`toolschool.datagen.teacher`); registered on ``toolschool data``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from toolschool.cli.data import app
from toolschool.cli.errors import user_errors
from toolschool.cli.render import RichProgress, console, err_console


@app.command("label")
def label(
    overrides: Optional[list[str]] = typer.Argument(None, help="key=value overrides, e.g. concurrency=8"),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="TeacherConfig YAML"),
    data: Optional[Path] = typer.Option(None, "--data", "-d", help="requests JSONL"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="output directory (the config's out_dir)"),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="the teacher model the endpoint serves"),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="e.g. http://127.0.0.1:8000/v1"),
    task: Optional[str] = typer.Option(None, "--task", help="label (answer with calls) or paraphrase"),
    tools: Optional[str] = typer.Option(None, "--tools", "-t", help="a toolkit name or an OpenAI tools JSON"),
    resume: bool = typer.Option(False, "--resume", help="continue out_dir's journal, skip finished requests"),
) -> None:
    """Ask a teacher model for tool calls (label) or rephrasings (paraphrase); every answer is
    checked, journaled at once, and written to conversations.jsonl / rejects.jsonl."""
    from rich.table import Table

    from toolschool.config import load_config
    from toolschool.datagen.teacher import run
    from toolschool.datagen.teacher_config import TeacherConfig

    with user_errors():
        options = {"data": str(data) if data else None, "out_dir": str(out) if out else None, "model": model,
                   "base_url": base_url, "task": task, "tools": tools, "resume": True if resume else None}
        cfg = load_config(TeacherConfig, config, overrides or [], options)
        with RichProgress() as progress:
            result = run(cfg, progress)
    for warning in result.warnings:
        err_console.print(f"[bold yellow]warning:[/] {escape(warning)}", highlight=False)
    table = Table(title=f"teacher {cfg.task}: {cfg.model} at {cfg.base_url}")
    table.add_column("")
    table.add_column("count", justify="right")
    table.add_row("requests", str(result.total))
    table.add_row("done (journal)", f"{result.done} ({result.resumed} before this run)")
    table.add_row("conversations written", str(result.outputs))
    for reason, n in sorted(result.rejects.items()):
        table.add_row(f"rejected: {reason}", str(n))
    for kind, n in sorted(result.failures.items()):
        table.add_row(f"failed requests: {kind}", str(n))
    for key in result.keys:
        table.add_row(f"key {key['name']}", f"{key['state']}: {key['ok']}/{key['requests']} answered")
    console.print(table)
    console.print(f"conversations: [bold]{result.conversations_path}[/]; rejects: {result.rejects_path}; "
                  f"card: {result.card_path}")
    if result.unfinished:
        err_console.print(f"[bold red]{len(result.unfinished)} request(s) failed after every retry[/] "
                          f"(not journaled; --resume asks them again), e.g. "
                          f"{escape(next(iter(result.unfinished.items()))[1])}", highlight=False)
        raise typer.Exit(1)
