"""``toolschool train``: LoRA SFT, a causal-LM stage, or a staged recipe — as the config file says.

* a file with a top-level ``stages:`` list is a staged recipe (:mod:`toolschool.train.staged`);
* a file with ``kind: causal_lm`` is one causal-LM stage (:mod:`toolschool.train.pretrain`);
* anything else (or no file) is LoRA SFT on conversations (:mod:`toolschool.train.stage`).

So ``toolschool train -c <dir>/config.yaml`` runs again whatever wrote that file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from toolschool.cli.errors import user_errors
from toolschool.cli.render import RichProgress, console


def train(
    overrides: Optional[list[str]] = typer.Argument(
        None, help="key=value overrides, e.g. lora.r=8; in a recipe stages.<i or name>.max_steps=5"
    ),
    config: Optional[Path] = typer.Option(
        None, "--config", "-c",
        help="TrainConfig YAML, a causal-LM stage (kind: causal_lm) or a recipe (stages:)",
    ),
    data: Optional[Path] = typer.Option(
        None, "--data", "-d", help="training conversations (the config's data; LoRA SFT only)"
    ),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="output directory (the config's out_dir)"),
) -> None:
    """Fine-tune with LoRA and assistant-only loss, train a causal LM on a corpus, or run a staged recipe."""
    from toolschool.cli.config import kind_of_content
    from toolschool.config import load_config
    from toolschool.errors import ConfigError

    with user_errors():
        kind = kind_of_content(config) if config is not None else None
        if kind is not None and data is not None:
            what = "staged recipe" if kind == "staged" else "causal-LM stage"
            raise ConfigError(f"--data is for LoRA SFT configs; {config} is a {what} (set data/corpus in it)")
        options: dict[str, Any] = {"out_dir": str(out) if out else None}
        if kind == "staged":
            from toolschool.train.staged import StagedConfig
            from toolschool.train.staged import run as run_recipe

            recipe = load_config(StagedConfig, config, overrides or [], options)
            with RichProgress() as progress:
                staged = run_recipe(recipe, progress)
        elif kind == "pretrain":
            from toolschool.train.pretrain import run as run_causal_lm
            from toolschool.train.pretrain_config import PretrainConfig

            cfg = load_config(PretrainConfig, config, overrides or [], options)
            with RichProgress() as progress:
                pretrained = run_causal_lm(cfg, progress)
        else:
            from toolschool.train.config import TrainConfig
            from toolschool.train.stage import run as run_training

            options["data"] = str(data) if data else None
            cfg = load_config(TrainConfig, config, overrides or [], options)
            with RichProgress() as progress:
                result = run_training(cfg, progress)
    if kind == "staged":
        _print_stages(staged)
    elif kind == "pretrain":
        console.print(_causal_lm_line(pretrained))
    else:
        console.print(
            f"{result.steps} steps, {result.n_examples} conversations, "
            f"{result.tokens_per_second:.0f} tokens/s, loss {result.first_loss:.3f} → "
            f"{result.final_loss:.3f}; adapter: [bold]{result.adapter_dir}[/]"
        )


def _causal_lm_line(r: Any) -> str:
    return (f"{r.steps} steps, {r.n_train_blocks} blocks of {r.block_size} tokens, {r.tokens_per_second:.0f} "
            f"tokens/s; val loss {r.initial_val_loss:.3f} → {r.best_val_loss:.3f} (perplexity "
            f"{r.best_val_perplexity:.1f}, step {r.best_step}); checkpoint: [bold]{r.checkpoint_dir}[/]")


def _print_stages(staged: Any) -> None:
    from rich.table import Table

    table = Table(title=f"staged recipe: {staged.run_dir}")
    for column in ("stage", "from", "steps", "loss", "tokens/s", "seconds"):
        table.add_column(column)
    for o in staged.stages:
        r = o.result
        if o.kind == "causal_lm":
            loss = f"val {r.initial_val_loss:.3f} → {r.best_val_loss:.3f} (ppl {r.best_val_perplexity:.1f})"
        else:
            loss = f"train {r.first_loss:.3f} → {r.final_loss:.3f}"
        start = o.started_from
        if start.startswith(str(staged.run_dir)):  # the previous stage's checkpoint
            start = str(Path(start).relative_to(staged.run_dir))
        table.add_row(f"{o.index}-{o.name} ({o.kind})", start, str(r.steps), loss,
                      f"{r.tokens_per_second:.0f}", f"{o.seconds:.0f}")
    console.print(table)
    console.print(f"final model: [bold]{staged.final}[/]")
