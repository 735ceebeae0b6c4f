"""The ``toolschool`` command: a thin typer app; each command lives in its own module.

Importing this module must not import torch (``toolschool --help`` stays fast); commands
import their stage lazily.
"""

from __future__ import annotations

from typing import Optional

import typer

from toolschool.cli import ablate as ablate_cmd
from toolschool.cli import chat as chat_cmd
from toolschool.cli import compare as compare_cmd
from toolschool.cli import config as config_cmd
from toolschool.cli import data as data_cmd
from toolschool.cli import eval as eval_cmd
from toolschool.cli import export as export_cmd
from toolschool.cli import formats as formats_cmd
from toolschool.cli import mcp as mcp_cmd
from toolschool.cli import run as run_cmd
from toolschool.cli import serve as serve_cmd
from toolschool.cli import train as train_cmd

app = typer.Typer(
    name="toolschool",
    help="Teach small language models to call tools: data, LoRA training, evaluation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from toolschool import __version__

        typer.echo(f"toolschool {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Optional[bool] = typer.Option(
        None, "--version", callback=_version, is_eager=True, help="print the version and exit"
    ),
) -> None:
    """Teach small language models to call tools: data, LoRA training, evaluation."""


app.command("run")(run_cmd.run)
app.command("ablate")(ablate_cmd.ablate)
app.command("compare")(compare_cmd.compare)
app.command("train")(train_cmd.train)
app.command("eval")(eval_cmd.eval_)
app.command("chat")(chat_cmd.chat)
app.command("serve")(serve_cmd.serve)
app.command("export")(export_cmd.export)
app.add_typer(data_cmd.app, name="data")
app.add_typer(formats_cmd.app, name="formats")
app.add_typer(config_cmd.app, name="config")
app.add_typer(mcp_cmd.app, name="mcp")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
