"""``toolschool config``: every key of a stage's config, and checking a config file."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from toolschool.cli.errors import user_errors
from toolschool.cli.render import console

app = typer.Typer(help="Stage configs: list their keys, check a file.", no_args_is_help=True,
                  add_completion=False)

#: stage name → "module:Class" of its config
STAGES = {
    "run": "toolschool.pipeline:RunConfig",
    "data": "toolschool.datagen.config:DataConfig",
    "train": "toolschool.train.config:TrainConfig",
    "eval": "toolschool.eval.config:EvalConfig",
    "teacher": "toolschool.datagen.teacher_config:TeacherConfig",
    "pretrain": "toolschool.train.pretrain_config:PretrainConfig",
    "staged": "toolschool.train.staged:StagedConfig",
}


def config_class(stage: str) -> type:
    """The config class of ``stage``.

    Raises:
        ConfigError: unknown stage (the message lists the stages).
    """
    import importlib

    from toolschool.errors import ConfigError

    if stage not in STAGES:
        raise ConfigError(f"unknown stage {stage!r}; stages: {', '.join(STAGES)}")
    module, _, name = STAGES[stage].partition(":")
    return getattr(importlib.import_module(module), name)


def kind_of_content(path: Path) -> str | None:
    """``staged`` for a file with a top-level ``stages:`` list (a recipe), ``pretrain`` for one
    with ``kind: causal_lm`` (a causal-LM stage), else None (the content does not say)."""
    from toolschool.config import read_config_file
    from toolschool.errors import ConfigError

    try:
        data = read_config_file(path)
    except ConfigError:  # a missing or broken file is reported when it is loaded
        return None
    if isinstance(data.get("stages"), list):
        return "staged"
    if data.get("kind") == "causal_lm":
        return "pretrain"
    return None


def stage_of(path: Path) -> str:
    """The stage a config file is for: from its content (:func:`kind_of_content`), else from
    its folder (``configs/train/x.yaml``, ``<run>/data/config.yaml``), else ``run``."""
    kind = kind_of_content(path)
    if kind is not None:
        return kind
    for part in reversed(path.resolve().parent.parts):
        if part in STAGES:
            return part
        if part == "finetuned" or part == "base":
            return "eval"
    return "run"


@app.command("show")
def show(stage: str = typer.Argument(..., help=f"one of: {', '.join(STAGES)}")) -> None:
    """Print every key of STAGE's config with its default and a one-line description."""
    from rich.table import Table

    from toolschool.config import describe_config

    with user_errors():
        cls = config_class(stage)
    table = Table(title=f"{stage} config ({cls.__name__})")
    table.add_column("key", no_wrap=True)
    table.add_column("default")
    table.add_column("description")
    for key in describe_config(cls):
        table.add_row(key.key, key.default, key.description)
    console.print(table)


@app.command("validate")
def validate(
    file: Path = typer.Argument(..., help="a config YAML file"),
    stage: Optional[str] = typer.Option(
        None, "--stage", "-s", help="default: from the file's folder, else run"
    ),
) -> None:
    """Check FILE as a stage config without running anything (exit 0 valid, 2 invalid)."""
    from toolschool.config import load_config

    name = stage or stage_of(file)
    with user_errors():
        load_config(config_class(name), file)
    console.print(f"{file}: a valid {name} config")
