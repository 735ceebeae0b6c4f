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
    resume: bool = typer.Option(
        False, "--resume", help="continue from the newest checkpoint in the output directory (resume: true)"
    ),
) -> None:
    """Fine-tune a model with LoRA and assistant-only loss (also under `accelerate launch`)."""
    from toolschool.cli.staged import is_staged_or_causal_lm, train_staged_or_causal_lm

    if is_staged_or_causal_lm(config):
        from toolschool.train.distributed import refuse_multi_process

        with user_errors():
            refuse_multi_process(f"train -c {config}", "staged recipes and causal_lm stages train in "
                                 "one process; launch only LoRA SFT configs with more than one")
        return train_staged_or_causal_lm(config, overrides, data, out)
    from toolschool.config import load_config
    from toolschool.progress import NullProgress
    from toolschool.train.config import TrainConfig
    from toolschool.train.distributed import is_main_process
    from toolschool.train.stage import run as run_training

    with user_errors():
        options = {"data": str(data) if data else None, "out_dir": str(out) if out else None,
                   "resume": True if resume else None}
        cfg = load_config(TrainConfig, config, overrides or [], options)
        if not is_main_process():  # `accelerate launch`: the other ranks train quietly
            run_training(cfg, NullProgress())
            return
        with RichProgress() as progress:
            result = run_training(cfg, progress)
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    console.print(result.template_check, highlight=False)
    resumed = f" (resumed at step {result.resumed_from_step})" if result.resumed_from_step else ""
    console.print(
        f"{result.steps} steps{resumed}, {result.n_examples} conversations, "
        f"{result.tokens_per_second:.0f} tokens/s, loss {result.first_loss:.3f} → {result.final_loss:.3f}; "
        f"adapter: [bold]{result.adapter_dir}[/]"
    )
    if result.stop_reason in ("frozen", "collapse"):
        console.print(f"[red]stopped early:[/] {result.stop_message}", highlight=False)
        raise typer.Exit(3)
