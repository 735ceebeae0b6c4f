"""``toolschool train``: LoRA fine-tuning on a conversations JSONL file."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from toolschool.cli.errors import user_errors
from toolschool.cli.render import RichProgress, console


def train(
    data: Path = typer.Option(..., "--data", "-d", help="training conversations (JSONL)"),
    out: Path = typer.Option(..., "--out", "-o", help="output directory (adapter, log, config)"),
    overrides: Optional[list[str]] = typer.Argument(None, help="key=value overrides, e.g. lora.r=8"),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="TrainConfig YAML"),
) -> None:
    """Fine-tune a model with LoRA and assistant-only loss."""
    from toolschool.config import load_config
    from toolschool.train.config import TrainConfig
    from toolschool.train.stage import run as run_training

    with user_errors():
        cfg = load_config(TrainConfig, config, overrides or [])
        with RichProgress() as progress:
            result = run_training(cfg, data, out, progress)
    console.print(
        f"{result.steps} steps, {result.n_examples} conversations, {result.tokens_per_second:.0f} tokens/s, "
        f"loss {result.first_loss:.3f} → {result.final_loss:.3f}; adapter: [bold]{result.adapter_dir}[/]"
    )
