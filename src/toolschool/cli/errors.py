"""Turning toolschool's own errors into a clear message and exit code 2 (no traceback)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from toolschool.cli.render import console
from toolschool.errors import ToolschoolError


@contextmanager
def user_errors() -> Iterator[None]:
    """Print a :class:`ToolschoolError` as one red message and exit with status 2."""
    try:
        yield
    except ToolschoolError as exc:
        console.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None
