"""``toolschool formats``: list wire formats, parse model text, check a chat template."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from toolschool.cli.errors import user_errors
from toolschool.cli.render import console

app = typer.Typer(
    help="Tool-call wire formats: list them, parse model output, check a chat template.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command("list")
def list_() -> None:
    """List the registered formats and the text that opens a call in each."""
    from rich.table import Table

    from toolschool.formats import format_names, get_format

    table = Table(title="tool-call formats")
    table.add_column("format")
    table.add_column("call starts with")
    table.add_column("results in role")
    for name in format_names():
        fmt = get_format(name)
        table.add_row(name, repr(fmt.call_start), fmt.result_role)
    console.print(table)


@app.command("parse")
def parse(
    fmt: str = typer.Option(..., "--format", "-f", help="format name (see `toolschool formats list`)"),
    lenient: bool = typer.Option(False, "--lenient", help="recover predictable slips and report the repairs"),
    stream: bool = typer.Option(False, "--stream", help="print the streaming events as JSON lines instead"),
) -> None:
    """Read model text from stdin; print the calls, content, errors and repairs as JSON.

    Exit status 0 when the text parsed without errors, 3 when it has parse errors, 2 for an
    unknown format.
    """
    from toolschool.formats import get_format

    with user_errors():
        format_ = get_format(fmt, lenient=lenient)
    text = sys.stdin.read()
    if stream:
        parser = format_.stream()
        for event in [*parser.feed(text), *parser.finish()]:
            record = {"kind": event.kind, "index": event.index}
            if event.text:
                record["text"] = event.text
            if event.name:
                record["name"] = event.name
            if event.call is not None:
                record["arguments"] = event.call.arguments
            if event.error is not None:
                record["error"] = str(event.error)
            typer.echo(json.dumps(record, ensure_ascii=False))
        result = parser.result()
    else:
        result = format_.parse(text)
        out = {
            "calls": [{"name": c.name, "arguments": c.arguments} for c in result.calls],
            "content": result.content,
            "errors": [{"message": e.message, "offset": e.offset, "snippet": e.snippet} for e in result.errors],
            "repairs": [{"message": r.message, "offset": r.offset} for r in result.repairs],
        }
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
    if result.errors:
        raise typer.Exit(3)


@app.command("check")
def check(
    template: Path = typer.Option(..., "--template", "-t", exists=True, dir_okay=False,
                                  help="a Jinja chat template file (.jinja)"),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="format to compare with (default: detected)"),
) -> None:
    """Detect which tool-call format a chat template speaks and whether toolschool renders
    it byte for byte. Exit status 0 when every sample matches, 3 when one differs, 2 for an
    error (unknown format, a template that does not compile or has no tool-call format)."""
    from toolschool.chat.templates import check_template, detect_template_format
    from toolschool.errors import ConfigError
    from toolschool.formats import FORMATS

    with user_errors():
        text = template.read_text(encoding="utf-8")
        _compile(template, text)
        if fmt is not None:
            FORMATS.get(fmt)
        detected = detect_template_format(text)
        name = fmt or detected
        console.print(f"template {template.name}: speaks [bold]{detected or 'no tool-call format'}[/]")
        if name is None:
            raise ConfigError(f"{template}: nothing to compare, the template has no tool-call format "
                              "toolschool knows (give one with -f)")
        result = check_template(text, name)
    for sample in result.samples:
        mark = "[green]identical[/]" if sample.identical else "[red]differs[/]"
        console.print(f"  {sample.name}: {mark}")
        if not sample.identical and sample.diff:
            console.print(sample.diff, markup=False, highlight=False)
    for name, why in result.skipped.items():
        console.print(f"  {name}: [yellow]skipped[/] (the template refuses it: {why})")
    if not result.identical:
        raise typer.Exit(3)


def _compile(path: Path, text: str) -> None:
    """Compile ``text`` with transformers' sandboxed Jinja environment.

    Raises:
        ConfigError: the template does not compile (line and message).
    """
    from jinja2 import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from toolschool.errors import ConfigError

    try:
        ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                      extensions=["jinja2.ext.loopcontrols"]).parse(text)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f"{path}:{line}" if line else str(path)
        raise ConfigError(f"{where}: the template does not compile: {exc}") from None
