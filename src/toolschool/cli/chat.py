"""``toolschool chat``: an interactive terminal agent.

A read-eval-print loop around :class:`~toolschool.runtime.agent.Agent`: the user types at
``you> ``, the model answers; every tool call is shown as it runs (a panel with the tool
name and its arguments, then one with its result, cut for display at
:data:`SHOW_CHARS` characters / :data:`SHOW_LINES` lines — the model still gets the
executor's full, separately truncated output), then the final answer. The conversation goes
on across inputs until ``/reset``.

``--model`` takes (see :func:`toolschool.backends.spec.open_backend`):

* a run or train directory (``toolschool run``/``train`` output): the fine-tuned model with
  the format, layout and system prompt it was trained with;
* a bundled name, ``tiny``, a local model directory, a ``.gguf`` file or a hub id, prompted
  in ``--format`` (default ``tool_use``) and the layout of its tokenizer;
* ``http://…``/``https://…``: an OpenAI-compatible endpoint
  (:class:`~toolschool.backends.openai_http.OpenAIBackend`, model name ``--api-model``, key
  from the environment variable ``--api-key-env``);
* ``script:PATH``: scripted turns, for demos and tests — a JSON list (or ``{"turns": [...]}``)
  whose items are raw assistant texts in ``--format``, or ``{"content": "…", "calls":
  [{"name", "arguments"}]}`` objects rendered with that format
  (:class:`~toolschool.backends.scripted.ScriptedBackend`).

Toolkits: ``assistant`` (the nine assistant tools; the web ones need network) and ``coding``
(bound to a bubblewrap :class:`~toolschool.tools.sandbox.Sandbox` whose workspace is
``--workspace`` or a temporary directory deleted at exit). Safe mode (``--safe``, the
default) asks ``Run <tool>? [y/N]`` before every tool in
:data:`~toolschool.tools.toolkits.coding.CONFIRMED`, through the executor's
``needs_confirmation``/``confirm``; a declined call reaches the model as the executor's
``Error: the user declined …`` result. Calls of one turn run one after another here (no
early execution), so panels and questions never interleave.

Commands: ``/exit`` (or Ctrl-D), ``/reset`` (a new conversation), ``/tools``, ``/help``.
User errors (a model that cannot be loaded, a missing ``bwrap`` for ``coding``, a bad
script) exit with status 2 and one message; errors during a turn (an endpoint down, a script
out of turns) are printed and the loop goes on.

Importing this module imports no model code (``toolschool --help`` stays fast).
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Optional

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text

from toolschool.cli.errors import user_errors
from toolschool.cli.render import console, err_console

SHOW_CHARS = 1500
"""Characters of a tool result shown on screen (the model gets more; see the executor)."""
SHOW_LINES = 25
"""Lines of a tool result shown on screen."""

HELP = "commands: /tools (list tools), /reset (new conversation), /exit (or Ctrl-D)"


def _shown(text: str) -> str:
    """``text`` cut to :data:`SHOW_CHARS`/:data:`SHOW_LINES` for the screen, saying how much is left."""
    lines = text.splitlines()
    cut = "\n".join(lines[:SHOW_LINES])[:SHOW_CHARS]
    return cut if len(cut) >= len(text.rstrip("\n")) else f"{cut}\n… ({len(text) - len(cut)} more characters)"


def _pretty(content: str) -> str:
    try:
        value = json.loads(content)
    except (json.JSONDecodeError, TypeError):
        return content
    if not isinstance(value, (dict, list)):
        return content
    if isinstance(value, dict):  # multi-line strings (stdout, file text) read better unescaped
        return "\n".join(f"{k}: {_plain(v)}" for k, v in value.items())
    return json.dumps(value, ensure_ascii=False, indent=2)


def _plain(value: Any) -> str:
    """A result field for the screen: text as is (multi-line text indented below), else JSON."""
    if isinstance(value, str):
        text = value.rstrip("\n")
        return ("\n  " + text.replace("\n", "\n  ")) if "\n" in text else text
    return json.dumps(value, ensure_ascii=False)


def _arg(value: Any) -> str:
    """An argument for the screen: one-line text quoted (``'print(1)'``), multi-line text
    indented below, anything else JSON."""
    if isinstance(value, str) and "\n" not in value.rstrip("\n"):
        return repr(value)
    return _plain(value)


class _View:
    """Draws calls, results and answers on the console."""

    def call(self, call: Any) -> None:
        body = "\n".join(f"{k} = {_arg(v)}" for k, v in call.arguments.items()) or "(no arguments)"
        console.print(
            Panel(
                Text(body),
                title=f"[bold cyan]call {escape(call.name)}[/]",
                title_align="left",
                border_style="cyan",
                expand=False,
            )
        )

    def outcome(self, outcome: Any) -> None:
        if outcome.ok:
            title, style, text = f"result {outcome.name}", "green", _pretty(outcome.content)
        else:
            title, style, text = f"error {outcome.name}", "red", outcome.error or ""
        note = f" [dim]({outcome.duration_ms:.0f} ms)[/]"
        console.print(
            Panel(
                Text(_shown(text) or "(empty)"),
                title=f"[bold {style}]{escape(title)}[/]{note}",
                title_align="left",
                border_style=style,
                expand=False,
            )
        )

    def answer(self, text: str) -> None:
        console.print(Text("assistant> ", style="bold magenta") + Text(text or "(empty answer)"))


def _ask(call: Any) -> bool:
    """Safe mode: ``Run <tool>? [y/N]``; only y/yes accepts (Ctrl-D or Ctrl-C decline)."""
    try:
        reply = console.input(f"[bold yellow]Run {escape(call.name)}? {escape('[y/N]')}[/] ")
    except (EOFError, KeyboardInterrupt):
        console.print()
        return False
    return reply.strip().lower() in ("y", "yes")


def _executor(tools: list[Any], view: _View, **options: Any) -> Any:
    from toolschool.runtime.executor import ToolExecutor

    class ShowingExecutor(ToolExecutor):
        """A :class:`ToolExecutor` that draws each call before it runs and its outcome after."""

        def run(self, call):  # type: ignore[no-untyped-def]
            view.call(call)
            outcome = super().run(call)
            view.outcome(outcome)
            return outcome

    return ShowingExecutor(tools, **options)


def chat(
    model: str = typer.Option(
        ...,
        "--model",
        "-m",
        help="run directory, bundled name, local dir, hub id, http(s)://…/v1 endpoint, "
        "or script:FILE (scripted turns, for demos and tests)",
    ),
    fmt: Optional[str] = typer.Option(
        None, "--format", "-f", help="wire format (default: the run's, else tool_use)"
    ),
    toolkit: str = typer.Option("assistant", "--toolkit", "-t", help="assistant | coding"),
    workspace: Optional[Path] = typer.Option(
        None, "--workspace", "-w", help="coding: sandbox workspace directory (default: a temporary one)"
    ),
    safe: bool = typer.Option(
        True, "--safe/--no-safe", help="coding: ask before running code or writing files"
    ),
    max_steps: int = typer.Option(8, "--max-steps", min=1, help="most model turns per request"),
    trace: Optional[Path] = typer.Option(
        None, "--trace", help="append each exchange as a Conversation to this JSONL"
    ),
    system: Optional[str] = typer.Option(
        None, "--system", help="system prompt (default: the run's or the backend's)"
    ),
    api_model: Optional[str] = typer.Option(None, "--api-model", help="endpoint: the model name it serves"),
    api_key_env: str = typer.Option(
        "OPENAI_API_KEY", "--api-key-env", help="endpoint: env variable with the key"
    ),
    max_new_tokens: int = typer.Option(256, "--max-new-tokens", min=1, help="cap per model turn"),
    constrained: bool = typer.Option(
        False, "--constrained", help="local model: decode under the tool-call grammar (valid calls only)"
    ),
    tool_timeout: float = typer.Option(30.0, "--tool-timeout", min=0.1, help="seconds per tool call"),
) -> None:
    """Chat with a model that calls tools, in the terminal; each call and result is shown."""
    from toolschool.errors import ConfigError

    with user_errors(), ExitStack() as stack:
        if toolkit not in ("assistant", "coding"):
            raise ConfigError(f"unknown toolkit {toolkit!r}; choose assistant or coding")
        view = _View()
        confirmed: frozenset[str] = frozenset()
        if toolkit == "coding":
            from toolschool.tools.sandbox import Sandbox
            from toolschool.tools.toolkits.coding import CONFIRMED, coding_tools

            box = stack.enter_context(Sandbox(workspace))
            tools = coding_tools(box, timeout_s=max(1.0, tool_timeout - 1))
            confirmed = CONFIRMED if safe else frozenset()
            where = f", workspace {box.workspace}"
        else:
            from toolschool.tools.assistant import assistant_tools

            tools, where = assistant_tools(), ""
        executor = _executor(tools, view, timeout_s=tool_timeout, needs_confirmation=confirmed, confirm=_ask)
        from toolschool.backends.spec import open_backend

        with console.status("loading the model…"):
            chosen = open_backend(model, fmt, api_model, api_key_env, system, max_new_tokens,
                                  constrained=constrained)

        from toolschool.runtime.agent import Agent

        agent = Agent(
            chosen.backend,
            executor,
            executor.schemas,
            chosen.fmt,
            system=chosen.system,
            max_steps=max_steps,
            parallel=False,
            trace_path=trace,
        )
        mode = "safe mode: asks before running code" if confirmed else "no confirmations"
        console.print(
            f"[bold]toolschool chat[/] — {escape(chosen.label)}; toolkit {toolkit} "
            f"({len(tools)} tools, {mode}){escape(where)}",
            highlight=False,
        )
        console.print(f"[dim]{HELP}[/]", highlight=False)
        _loop(agent, executor, view)


def _loop(agent: Any, executor: Any, view: _View) -> None:
    from toolschool.types import Message

    try:
        import readline  # noqa: F401  (line editing and history for input())
    except ImportError:  # pragma: no cover - not on every platform
        pass
    history: list[Message] = []
    while True:
        try:
            line = console.input("[bold green]you>[/] ").strip()
        except EOFError:
            console.print()
            return
        except KeyboardInterrupt:
            console.print("\n[dim](Ctrl-D or /exit to leave)[/]")
            continue
        if not line:
            continue
        if line.startswith("/"):
            command = line.split()[0].lower()
            if command in ("/exit", "/quit"):
                return
            if command == "/reset":
                history = []
                console.print("[dim]new conversation[/]")
            elif command == "/tools":
                for t in executor.schemas:
                    ask = " [yellow](asks first)[/]" if t.name in executor.needs_confirmation else ""
                    first = (t.function.description or "").strip().splitlines()[:1]
                    console.print(
                        f"[bold]{escape(t.name)}[/]{ask} — {escape(first[0] if first else '')}",
                        highlight=False,
                    )
            elif command == "/help":
                console.print(HELP, highlight=False)
            else:
                console.print(f"[red]unknown command {escape(command)}[/]; {HELP}", highlight=False)
            continue
        try:
            result = agent.run([*history, Message(role="user", content=line)])
        except KeyboardInterrupt:
            console.print("[dim]interrupted[/]")
            continue
        except Exception as exc:  # noqa: BLE001 - the model failing one turn must not end the session
            err_console.print(
                f"[bold red]error:[/] {escape(f'{type(exc).__name__}: {exc}')}", highlight=False
            )
            continue
        history = result.conversation.messages  # the agent keeps a system message it finds first
        if result.stopped_by == "answer":
            view.answer(result.answer)
        else:
            console.print(f"[yellow]stopped after {result.steps} steps without an answer[/]")
