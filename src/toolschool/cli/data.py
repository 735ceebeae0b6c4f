"""``toolschool data``: generate training conversations and held-out test items."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from toolschool.cli.errors import user_errors
from toolschool.cli.render import console


def data(
    out: Path = typer.Option(Path("data"), "--out", "-o", help="output directory"),
    overrides: Optional[list[str]] = typer.Argument(None, help="key=value overrides, e.g. n_train=800"),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="DataConfig YAML"),
) -> None:
    """Write train.jsonl, val.jsonl, test.jsonl and data_card.json."""
    from rich.table import Table

    from toolschool.config import load_config
    from toolschool.datagen import DataConfig, generate

    with user_errors():
        cfg = load_config(DataConfig, config, overrides or [])
        result = generate(cfg, out)
    table = Table(title=f"data written to {out}")
    table.add_column("split")
    table.add_column("file")
    table.add_column("items", justify="right")
    for split, path, n in result.summary_rows():
        table.add_row(split, str(path), str(n))
    console.print(table)
