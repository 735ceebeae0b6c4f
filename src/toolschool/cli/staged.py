"""What ``toolschool train -c FILE`` does when FILE is a staged recipe or a causal-LM stage.

* a file with a top-level ``stages:`` list is a staged recipe (:mod:`toolschool.train.staged`);
* a file with ``kind: causal_lm`` is one causal-LM stage (:mod:`toolschool.train.pretrain`);
* anything else is LoRA SFT (:mod:`toolschool.cli.train`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from toolschool.cli.errors import user_errors
from toolschool.cli.render import RichProgress, console


def is_staged_or_causal_lm(config: Path | None) -> bool:
    """True when the ``-c`` file is a staged recipe or a causal-LM stage config."""
    from toolschool.cli.config import kind_of_content

    return config is not None and kind_of_content(config) is not None


def train_staged_or_causal_lm(config: Path, overrides: list[str] | None, data: Path | None,
                              out: Path | None) -> None:
    """Run the recipe or causal-LM stage in ``config`` (``-o`` sets its ``out_dir``) and print
    its results; ``-d`` is refused (the file names its data)."""
    from toolschool.cli.config import kind_of_content
    from toolschool.config import load_config
    from toolschool.errors import ConfigError

    kind = kind_of_content(config)
    with user_errors():
        if data is not None:
            what = "staged recipe" if kind == "staged" else "causal-LM stage"
            raise ConfigError(f"--data is for LoRA SFT configs; {config} is a {what} (set data/corpus in it)")
        options: dict[str, Any] = {"out_dir": str(out) if out else None}
        if kind == "staged":
            from toolschool.train.staged import StagedConfig
            from toolschool.train.staged import run as run_recipe

            recipe = load_config(StagedConfig, config, overrides or [], options)
            with RichProgress() as progress:
                staged = run_recipe(recipe, progress)
        else:
            from toolschool.train.pretrain import run as run_causal_lm
            from toolschool.train.pretrain_config import PretrainConfig

            cfg = load_config(PretrainConfig, config, overrides or [], options)
            with RichProgress() as progress:
                pretrained = run_causal_lm(cfg, progress)
    if kind == "staged":
        _print_stages(staged)
    else:
        console.print(_causal_lm_line(pretrained))


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
