"""``toolschool train``: LoRA fine-tuning on a conversations JSONL file — or, when the ``-c``
file says so, a causal-LM stage (``kind: causal_lm``) or a staged recipe (``stages:``), run by
:mod:`toolschool.cli.staged`. So ``toolschool train -c <dir>/config.yaml`` runs again whatever
stage wrote that file."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from toolschool.cli.errors import user_errors
from toolschool.cli.render import RichProgress, console


def train(
    overrides: Optional[list[str]] = typer.Argument(None, help="key=value overrides, e.g. lora.r=8"),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="TrainConfig YAML"),
    data: Optional[Path] = typer.Option(
        None, "--data", "-d", help="training conversations (the config's data)"
    ),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="output directory (the config's out_dir)"),
) -> None:
    """Fine-tune a model with LoRA and assistant-only loss."""
    from toolschool.cli.staged import is_staged_or_causal_lm, train_staged_or_causal_lm

    if is_staged_or_causal_lm(config):
        return train_staged_or_causal_lm(config, overrides, data, out)
    from toolschool.config import load_config
    from toolschool.train.config import TrainConfig
    from toolschool.train.stage import run as run_training

    with user_errors():
        options = {"data": str(data) if data else None, "out_dir": str(out) if out else None}
        cfg = load_config(TrainConfig, config, overrides or [], options)
        with RichProgress() as progress:
            result = run_training(cfg, progress)
    console.print(
        f"{result.steps} steps, {result.n_examples} conversations, {result.tokens_per_second:.0f} tokens/s, "
        f"loss {result.first_loss:.3f} → {result.final_loss:.3f}; adapter: [bold]{result.adapter_dir}[/]"
    )
