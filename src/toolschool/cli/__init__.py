"""Command-line interface (typer); see :mod:`toolschool.cli.app`."""
