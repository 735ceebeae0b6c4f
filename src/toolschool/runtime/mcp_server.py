"""MCP server: toolschool tools served over the Model Context Protocol (stdio).

``toolschool mcp serve --toolkit assistant|coding`` runs :func:`serve_stdio`. It uses the
official ``mcp`` SDK's *low-level* ``Server`` (``mcp.server.lowlevel.Server`` with
``on_list_tools`` / ``on_call_tool`` handlers and ``mcp.server.stdio.stdio_server``, see
https://github.com/modelcontextprotocol/python-sdk) rather than ``MCPServer`` (v1's
``FastMCP``), because the tools already have their JSON Schemas, which must reach the client
exactly as the model was trained on them, not re-derived from Python signatures.

Shapes (MCP specification, *Server features → Tools*,
https://modelcontextprotocol.io/specification/2025-11-25/server/tools):

* ``tools/list``: one ``{"name", "description", "inputSchema"}`` per tool, ``inputSchema``
  being the tool's ``ToolSchema.function.parameters`` unchanged;
* ``tools/call {"name", "arguments"}`` runs through a :class:`~toolschool.runtime.ToolExecutor`
  (unknown tool, schema validation naming the argument, timeout, output conversion and
  truncation); the result is one ``TextContent`` with the executor's text. A failed call is
  ``isError: true`` with the executor's ``Error: …`` text — a tool *execution* error the
  model can read, never a JSON-RPC protocol error.

The executor is synchronous; each call runs in a worker thread (``anyio.to_thread``), so
several calls can run at once. While serving, the SDK points fd 1 at stderr so stray output
of tools and their children cannot corrupt the JSON-RPC stream on stdout.
"""

from __future__ import annotations

from typing import Any

from toolschool.runtime.executor import ToolExecutor
from toolschool.types import ToolCall

__all__ = ["build_server", "serve_stdio"]


def build_server(executor: ToolExecutor, name: str = "toolschool", version: str = "") -> Any:
    """A low-level ``mcp.server.lowlevel.Server`` serving ``executor``'s tools (allow-list applied).

    Args:
        executor: runs the calls; its :attr:`~toolschool.runtime.ToolExecutor.schemas` are listed.
        name: the server name sent in the ``initialize`` answer.
        version: the server version sent with it.
    """
    import anyio.to_thread
    import mcp_types as types
    from mcp.server.lowlevel import Server

    listing = [
        types.Tool(name=s.name, description=s.function.description or None,
                   input_schema=s.function.parameters)
        for s in executor.schemas
    ]

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=listing)

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        call = ToolCall(name=params.name, arguments=dict(params.arguments or {}))
        outcome = await anyio.to_thread.run_sync(executor.run, call, abandon_on_cancel=True)
        text = outcome.content if outcome.ok else (outcome.error or "Error")
        content = [types.TextContent(type="text", text=text)]
        return types.CallToolResult(content=content, is_error=not outcome.ok)

    return Server(name, version=version, on_list_tools=list_tools, on_call_tool=call_tool)


def serve_stdio(executor: ToolExecutor, name: str = "toolschool", version: str = "") -> None:
    """Serve ``executor``'s tools over stdin/stdout until the client closes stdin."""
    import anyio
    from mcp.server.stdio import stdio_server

    server = build_server(executor, name, version)

    async def main() -> None:
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    anyio.run(main)
