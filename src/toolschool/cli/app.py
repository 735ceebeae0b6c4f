"""The ``toolschool`` command: a thin typer app; each command lives in its own module.

Importing this module must not import torch (``toolschool --help`` stays fast); commands
import their stage lazily.
"""

from __future__ import annotations

import typer

from toolschool.cli import data as data_cmd
from toolschool.cli import eval as eval_cmd
from toolschool.cli import formats as formats_cmd
from toolschool.cli import run as run_cmd
from toolschool.cli import train as train_cmd

app = typer.Typer(
    name="toolschool",
    help="Teach small language models to call tools: data, LoRA training, evaluation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("run")(run_cmd.run)
app.command("data")(data_cmd.data)
app.command("train")(train_cmd.train)
app.command("eval")(eval_cmd.eval_)
app.add_typer(formats_cmd.app, name="formats")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
