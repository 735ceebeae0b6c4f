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
    paths = {"train": result.train_path, "val": result.val_path, "test": result.test_path}
    for split, path in paths.items():
        table.add_row(split, str(path), str(result.counts.get(split, 0)))
    console.print(table)
    console.print(f"data card: {result.card_path}; test requests near a train request: {result.leakage_share:.1%}")
