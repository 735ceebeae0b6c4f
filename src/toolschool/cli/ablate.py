"""``toolschool ablate``: one run per value of a config knob, then the comparison table and plots."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from toolschool.cli.errors import user_errors
from toolschool.cli.render import RichProgress, console


def ablate(
    sweep: str = typer.Argument(..., help="KNOB=V1,V2,… e.g. format=tool_use,hermes or train.lora.r=4,16"),
    overrides: Optional[list[str]] = typer.Argument(None, help="key=value overrides shared by every run"),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="base RunConfig YAML"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="default runs/ablate-KNOB"),
    seeds: int = typer.Option(1, "--seeds", help="training seeds per value (train.seed = 0…N-1)"),
    force: bool = typer.Option(False, "--force", help="compare runs tested on other items"),
) -> None:
    """Run `toolschool run` once per value (and seed) of one knob, resumably; then `toolschool compare`."""
    from toolschool import ablate as sweep_mod

    with user_errors():
        planned = sweep_mod.plan(sweep, overrides or [], out, config_path=config, seeds=seeds)
        todo = [r.name for r in planned.runs if not sweep_mod.is_finished(r.run_dir)]
        console.print(f"[bold]toolschool ablate[/] {planned.knob} over {', '.join(planned.values)}"
                      + (f" × {seeds} seeds" if seeds > 1 else "")
                      + f": {len(planned.runs)} runs in {planned.out_dir} ({len(todo)} to run)")
        for warning in planned.warnings:
            console.print(f"[bold yellow]warning:[/] {warning}")
        with RichProgress() as progress:
            result = sweep_mod.run(planned, progress, report=console.print, force=force)
    if result.comparison is not None:
        from toolschool.cli.compare import print_comparison

        print_comparison(result.comparison)
    if result.failed:
        console.print("[bold red]failed runs[/] (run the same command again to retry them):")
        for name, message in result.failed.items():
            console.print(f"  {name}: {message}")
        raise typer.Exit(1)
