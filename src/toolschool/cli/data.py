"""``toolschool data``: the data commands — ``generate`` (training conversations and held-out
test items from template families); each other subcommand lives in its own module and is
registered on :data:`app` here (``import``/``export``/``dedup``/``split``/``verify``/``card``:
:mod:`toolschool.cli.data_interop`)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from toolschool.cli import data_interop
from toolschool.cli.errors import user_errors
from toolschool.cli.render import RichProgress, console

app = typer.Typer(help="Training data: generate, and more.", no_args_is_help=True)


@app.command("generate")
def generate(
    overrides: Optional[list[str]] = typer.Argument(None, help="key=value overrides, e.g. n_train=800"),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="DataConfig YAML"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="output directory (the config's out_dir)"),
) -> None:
    """Write train.jsonl, val.jsonl, test.jsonl, data_card.json and config.yaml."""
    from rich.table import Table

    from toolschool.config import load_config
    from toolschool.datagen import DataConfig
    from toolschool.datagen.stage import run as run_data

    with user_errors():
        cfg = load_config(DataConfig, config, overrides or [], {"out_dir": str(out) if out else None})
        with RichProgress() as progress:
            result = run_data(cfg, progress)
    rejected = ", ".join(f"{n} rejected: {r}" for r, n in sorted(result.rejected.items())) or "none rejected"
    console.print(f"verified before writing ({cfg.format}): {rejected}; "
                  f"exact duplicate draws redrawn: {result.duplicate_rate:.1%}")
    table = Table(title=f"data written to {cfg.out_dir}")
    table.add_column("split")
    table.add_column("file")
    table.add_column("items", justify="right")
    paths = {"train": result.train_path, "val": result.val_path, "test": result.test_path}
    for split, path in paths.items():
        table.add_row(split, str(path), str(result.counts.get(split, 0)))
    console.print(table)
    console.print(f"data card: {result.card_path}; test requests near a train request: {result.leakage_share:.1%}")

from toolschool.cli import data_label as _data_label  # noqa: E402,F401  (registers `data label`)

app.command("import")(data_interop.import_)
app.command("export")(data_interop.export)
app.command("dedup")(data_interop.dedup)
app.command("split")(data_interop.split)
app.command("verify")(data_interop.verify)
app.command("card")(data_interop.card)
