"""``toolschool run``: the whole pipeline on one model, with progress and a summary table."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from toolschool.cli.errors import user_errors
from toolschool.cli.render import RichProgress, console, metrics_table


def run(
    overrides: Optional[list[str]] = typer.Argument(None, help="key=value overrides, e.g. train.epochs=2"),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="RunConfig YAML (default: built-in)"),
    tools: Optional[str] = typer.Option(
        None, "--tools", help="your own tools: a YAML/JSON file, python:module, a .py file, 'mcp:COMMAND …'"
    ),
) -> None:
    """Generate data, evaluate the base model, fine-tune with LoRA, evaluate again, report."""
    from toolschool.config import load_config
    from toolschool.pipeline import RunConfig
    from toolschool.pipeline import run as run_pipeline
    from toolschool.train.distributed import refuse_multi_process

    with user_errors():
        refuse_multi_process("run", "it also generates data and evaluates; run `toolschool run` once to "
                             "make the data, `accelerate launch -m toolschool train -c CONFIG` to train, "
                             "then `toolschool eval` on the adapter")
        cfg = load_config(RunConfig, config, overrides or [], {"tools": tools})
        taught = f"tools {cfg.tools}" if cfg.tools else f"toolkit {cfg.toolkit}"
        console.print(f"[bold]toolschool run[/]: {cfg.model}, format {cfg.format}, {taught}")
        with RichProgress() as progress:
            result = run_pipeline(cfg, progress)
    labelled = {"fine-tuned": result.finetuned.metrics}
    if result.base is not None:
        labelled = {"base": result.base.metrics, **labelled}
    console.print(metrics_table(labelled, f"held-out test split ({result.metrics['test_items']} items)"))
    tr = result.train
    console.print(
        f"training: {tr.steps} steps on {tr.n_examples} conversations, {tr.tokens_per_second:.0f} tokens/s, "
        f"loss {tr.first_loss:.3f} → {tr.final_loss:.3f}; layout {result.finetuned.layout}"
    )
    console.print("wall time: " + ", ".join(f"{k} {v:.0f}s" for k, v in result.timings.items()))
    console.print(f"report: [bold]{result.report_path}[/]")
