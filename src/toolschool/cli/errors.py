"""Turning toolschool's own errors into a clear message on stderr and exit code 2 (no traceback)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.markup import escape

from toolschool.cli.render import err_console
from toolschool.errors import ToolschoolError


@contextmanager
def user_errors() -> Iterator[None]:
    """Print a :class:`ToolschoolError` as one red message on stderr and exit with status 2."""
    try:
        yield
    except ToolschoolError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True, highlight=False)
        raise typer.Exit(2) from None
