"""``toolschool mcp``: serve a toolkit's runnable tools as an MCP server (stdio).

The ``mcp`` SDK, the tools and the sandbox are imported only when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from toolschool.cli.errors import user_errors

app = typer.Typer(
    help="Model Context Protocol: serve toolschool's toolkits to MCP clients.",
    no_args_is_help=True,
    add_completion=False,
)

RUNNABLE = ("assistant", "coding")


@app.command("serve")
def serve(
    toolkit: str = typer.Option(..., "--toolkit", "-t", help="toolkit to serve: assistant or coding"),
    workspace: Optional[Path] = typer.Option(
        None, "--workspace", "-w", help="coding: the sandbox's workspace directory (default: a temporary one)"
    ),
    timeout_s: float = typer.Option(30.0, "--timeout", help="seconds a tool call may take"),
    max_output_chars: int = typer.Option(8000, "--max-output-chars", help="longer outputs are truncated"),
) -> None:
    """Serve a toolkit over MCP on stdin/stdout (for an MCP client that starts this command).

    Tool names, descriptions and JSON Schemas are exactly the toolkit's; calls run through
    toolschool's ToolExecutor (validation, timeout, truncation) and failures come back as MCP
    error results. The coding toolkit runs code in a bubblewrap sandbox. The MCP client (the
    host) is the one to ask the user before a call; the server does not.
    """
    from toolschool import __version__
    from toolschool.errors import ConfigError
    from toolschool.runtime.executor import ToolExecutor
    from toolschool.runtime.mcp_server import serve_stdio

    with user_errors():
        if toolkit not in RUNNABLE:
            raise ConfigError(f"--toolkit {toolkit!r}: runnable toolkits are {', '.join(RUNNABLE)}")
        if workspace is not None and toolkit != "coding":
            raise ConfigError("--workspace is for the coding toolkit only")
        if toolkit == "assistant":
            from toolschool.tools.assistant import assistant_tools

            executor = ToolExecutor(assistant_tools(), timeout_s=timeout_s, max_output_chars=max_output_chars)
            serve_stdio(executor, name="toolschool-assistant", version=__version__)
            return
        from toolschool.tools.sandbox import Sandbox
        from toolschool.tools.toolkits.coding import coding_tools

        with Sandbox(workspace=workspace) as box:
            # the sandbox's own limit kills the process; the executor waits a little longer
            tools = coding_tools(box, timeout_s=timeout_s)
            executor = ToolExecutor(tools, timeout_s=timeout_s + 5.0, max_output_chars=max_output_chars)
            serve_stdio(executor, name="toolschool-coding", version=__version__)
