"""MCP client: the tools of a Model Context Protocol server as toolschool :class:`Tool` objects.

::

    from toolschool.runtime.mcp import MCPClient

    with MCPClient.stdio("python", ["my_server.py"]) as client:   # or MCPClient.http(url)
        executor = ToolExecutor(client.tools())
        agent = Agent(backend, executor, executor.schemas, fmt)

Shapes (MCP specification, *Server features → Tools*,
https://modelcontextprotocol.io/specification/2025-11-25/server/tools; the official ``mcp``
Python SDK, https://github.com/modelcontextprotocol/python-sdk, its ``ClientSession``,
``stdio_client`` and ``streamable_http_client``):

* an MCP tool ``{"name", "description", "inputSchema"}`` becomes
  ``ToolSchema(function=FunctionSpec(name, description, parameters=inputSchema))``, so the
  model sees the server's JSON Schema unchanged and toolschool validates calls against it;
* a call is ``tools/call {"name", "arguments"}``; its ``CallToolResult`` becomes text: the
  ``text`` of every ``TextContent`` item joined by newlines, a bracketed note for every other
  item (``[image: image/png, 1234 base64 characters]``, ``[resource link: uri]``,
  ``[embedded resource: uri]`` — an embedded *text* resource contributes its text), and the
  ``structuredContent`` as JSON when there is no content at all;
* ``isError: true`` raises :class:`~toolschool.errors.MCPToolError` with the server's text,
  which :class:`~toolschool.runtime.ToolExecutor` turns into an ``Error: …`` result.

The SDK is asynchronous; toolschool's tools are synchronous. :class:`MCPClient` owns one
event loop on a background daemon thread; one task there holds the transport and the
``ClientSession`` open (anyio cancel scopes must be entered and left in the same task), and
each call is a coroutine submitted to that loop with ``run_coroutine_threadsafe``, so calls
from several threads (parallel tool calls) share one session. ``close()`` (or leaving the
``with`` block) ends the session; for stdio the SDK then closes the server's stdin, waits
2 s, and terminates (then kills) the server's process group.

Errors (:class:`~toolschool.errors.MCPServerError`, each naming the server): the command is
not found or not executable, the server exits or breaks the protocol before the handshake
completes (the message ends with the tail of its stderr), no handshake within
``startup_timeout_s``, the connection closes mid-session, a call gets no answer within
``call_timeout_s``. Importing this module does not import ``mcp``; the SDK is imported when a
client starts.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import tempfile
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from toolschool.errors import MCPServerError, MCPToolError
from toolschool.tools.schema import Tool
from toolschool.types import FunctionSpec, ToolSchema

__all__ = ["MCPClient", "result_text", "tool_schema"]

_STDERR_TAIL = 2000  # characters of a server's stderr quoted in an error


def tool_schema(mcp_tool: Any) -> ToolSchema:
    """The :class:`~toolschool.types.ToolSchema` of an MCP ``Tool`` (``mcp.types.Tool`` or its
    JSON dict): name, description (``""`` when absent) and ``inputSchema`` as ``parameters``."""
    if isinstance(mcp_tool, dict):
        name, description = mcp_tool["name"], mcp_tool.get("description")
        params = mcp_tool.get("inputSchema") or mcp_tool.get("input_schema")
    else:
        name, description, params = mcp_tool.name, mcp_tool.description, mcp_tool.input_schema
    parameters = dict(params) if params else {"type": "object", "properties": {}}
    return ToolSchema(function=FunctionSpec(name=name, description=description or "", parameters=parameters))


def _content_text(item: Any) -> str:
    kind = getattr(item, "type", None)
    if kind == "text":
        return item.text
    if kind in ("image", "audio"):
        return f"[{kind}: {item.mime_type}, {len(item.data)} base64 characters]"
    if kind == "resource_link":
        return f"[resource link: {item.uri}]"
    if kind == "resource":
        resource = item.resource
        text = getattr(resource, "text", None)
        return text if text is not None else f"[embedded resource: {resource.uri}]"
    return f"[{kind or type(item).__name__} content]"


def result_text(result: Any) -> str:
    """The text of an MCP ``CallToolResult`` (see the module docstring for each content type)."""
    parts = [_content_text(item) for item in (result.content or [])]
    if not parts and result.structured_content is not None:
        return json.dumps(result.structured_content, ensure_ascii=False)
    return "\n".join(parts)


def _leaf(exc: BaseException) -> BaseException:
    """The first non-group exception inside (anyio task groups wrap errors in groups)."""
    while getattr(exc, "exceptions", None):  # BaseExceptionGroup (3.11+, or the backport)
        exc = exc.exceptions[0]  # type: ignore[attr-defined]
    return exc


class MCPClient:
    """A connection to one MCP server, used from synchronous code (see the module docstring).

    Build it with :meth:`stdio` or :meth:`http`, then ``with client:`` (or :meth:`start` and
    :meth:`close`). While open, :meth:`tools` gives the server's tools as runnable
    :class:`~toolschool.tools.schema.Tool` objects and :meth:`call` calls one directly.

    Args:
        connect: ``connect(stderr_path)`` makes the SDK transport (an async context manager
            yielding ``(read_stream, write_stream, …)``); :meth:`stdio` and :meth:`http` build it.
        label: how errors name the server (its command line or URL).
        startup_timeout_s: seconds allowed for start-up, the handshake and the tool listing.
        call_timeout_s: seconds a ``tools/call`` may take before :class:`MCPServerError`.
        capture_stderr: give ``connect`` a temporary file for the server's stderr (stdio); its
            tail is quoted in errors and it is deleted on :meth:`close`.

    Raises:
        ValueError: a timeout is not positive.
    """

    def __init__(
        self,
        connect: Callable[[str | None], AbstractAsyncContextManager[Any]],
        label: str,
        *,
        startup_timeout_s: float = 20.0,
        call_timeout_s: float = 30.0,
        capture_stderr: bool = False,
    ):
        if startup_timeout_s <= 0 or call_timeout_s <= 0:
            raise ValueError("startup_timeout_s and call_timeout_s must be > 0 seconds")
        self._connect = connect
        self.label = label
        self.startup_timeout_s = startup_timeout_s
        self.call_timeout_s = call_timeout_s
        self._capture_stderr = capture_stderr
        self._stderr_path: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._main: concurrent.futures.Future[None] | None = None
        self._ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._stop: asyncio.Event | None = None
        self._session: Any = None
        self._lost: str | None = None  # why an established connection ended, for later errors
        self._listing: list[Any] = []
        self.server_name: str | None = None
        self.server_version: str | None = None

    # ---- construction -----------------------------------------------------------------
    @classmethod
    def stdio(
        cls,
        command: str,
        args: Sequence[str] = (),
        env: dict[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        *,
        startup_timeout_s: float = 20.0,
        call_timeout_s: float = 30.0,
    ) -> MCPClient:
        """A client that starts ``command args…`` as a subprocess and speaks MCP over its
        stdin/stdout (newline-delimited JSON-RPC; the SDK's ``stdio_client``).

        ``env`` is added to the SDK's safe default environment (``HOME``, ``PATH``, ``USER``…),
        not to the whole of ``os.environ``. The server's stderr goes to a temporary file whose
        tail is quoted when the server fails.
        """
        label = " ".join([command, *args])

        def connect(stderr_path: str | None) -> AbstractAsyncContextManager[Any]:
            from mcp.client.stdio import StdioServerParameters

            params = StdioServerParameters(
                command=command, args=list(args), env=env, cwd=None if cwd is None else os.fspath(cwd)
            )
            return _stdio_transport(params, stderr_path or os.devnull)

        return cls(connect, label, startup_timeout_s=startup_timeout_s, call_timeout_s=call_timeout_s,
                   capture_stderr=True)

    @classmethod
    def http(cls, url: str, *, startup_timeout_s: float = 20.0, call_timeout_s: float = 30.0) -> MCPClient:
        """A client for a server at a Streamable HTTP endpoint (e.g. ``http://127.0.0.1:8000/mcp``)."""

        def connect(stderr_path: str | None) -> AbstractAsyncContextManager[Any]:
            from mcp.client.streamable_http import streamable_http_client

            return streamable_http_client(url)

        return cls(connect, url, startup_timeout_s=startup_timeout_s, call_timeout_s=call_timeout_s)

    # ---- lifecycle --------------------------------------------------------------------
    def start(self) -> MCPClient:
        """Start the server connection: handshake (``initialize``) and ``tools/list``.

        Raises:
            MCPServerError: the server could not be started or reached, failed the
                handshake, or took longer than ``startup_timeout_s``.
        """
        if self._thread is not None:
            raise RuntimeError("this MCPClient was already started")
        if self._capture_stderr:
            fd, self._stderr_path = tempfile.mkstemp(prefix="toolschool-mcp-", suffix=".stderr")
            os.close(fd)
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="toolschool-mcp", daemon=True)
        self._thread.start()
        self._main = asyncio.run_coroutine_threadsafe(self._hold_session(), loop)
        try:
            self._ready.result(self.startup_timeout_s)
        except concurrent.futures.TimeoutError:
            self.close()
            raise MCPServerError(self._describe(f"no answer to the MCP handshake within "
                                                f"{self.startup_timeout_s:g} s")) from None
        except MCPServerError:
            self.close()
            raise
        return self

    def close(self) -> None:
        """End the session and the transport (stdio: the server process ends), then the loop.

        Idempotent; waits at most a few seconds (the SDK's bounded shutdown)."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if self._main is not None and not self._main.done():
            if self._stop is not None:
                loop.call_soon_threadsafe(self._stop.set)
            try:
                self._main.result(10.0)
            except concurrent.futures.TimeoutError:
                self._main.cancel()
            except BaseException:  # noqa: BLE001 - the failure was already reported
                pass
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5.0)
        if not thread.is_alive():
            loop.close()
        self._loop = None
        self._session = None
        self._lost = self._lost or "the client was closed"
        if self._stderr_path is not None:
            try:
                os.unlink(self._stderr_path)
            except OSError:
                pass
            self._stderr_path = None

    def __enter__(self) -> MCPClient:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def _hold_session(self) -> None:
        """The task that owns the transport and the session from handshake to close."""
        self._stop = asyncio.Event()
        try:
            from mcp import ClientSession

            async with self._connect(self._stderr_path) as streams:
                async with ClientSession(streams[0], streams[1]) as session:
                    init = await session.initialize()
                    self.server_name = init.server_info.name
                    self.server_version = init.server_info.version
                    self._listing = await self._list_all(session)
                    self._session = session
                    self._ready.set_result(None)
                    await self._stop.wait()
        except BaseException as exc:  # noqa: BLE001 - reported to whoever waits
            if self._session is not None and not self._stop.is_set():
                self._lost = self._lost or f"the connection ended ({type(_leaf(exc)).__name__}: {_leaf(exc)})"
            self._session = None
            if not self._ready.done():
                self._ready.set_exception(self._startup_error(_leaf(exc)))
            if isinstance(exc, asyncio.CancelledError):
                raise

    @staticmethod
    async def _list_all(session: Any) -> list[Any]:
        from mcp.types import PaginatedRequestParams

        listed, cursor = [], None
        while True:
            params = None if cursor is None else PaginatedRequestParams(cursor=cursor)
            page = await session.list_tools(params=params)
            listed.extend(page.tools)
            cursor = page.next_cursor
            if not cursor:
                return listed

    # ---- errors -----------------------------------------------------------------------
    def _stderr_tail(self) -> str:
        if not self._stderr_path:
            return ""
        try:
            with open(self._stderr_path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            return ""
        return text.strip()[-_STDERR_TAIL:]

    def _describe(self, what: str) -> str:
        message = f"MCP server {self.label!r}: {what}"
        tail = self._stderr_tail()
        return message + (f"\n--- server stderr (end) ---\n{tail}" if tail else "")

    def _startup_error(self, exc: BaseException) -> MCPServerError:
        if isinstance(exc, FileNotFoundError):
            return MCPServerError(self._describe(f"command not found ({exc.strerror}: {exc.filename!r})"))
        if isinstance(exc, PermissionError):
            return MCPServerError(self._describe(f"command cannot be run ({exc.strerror}: {exc.filename!r})"))
        if type(exc).__name__ == "MCPError" and getattr(exc, "code", None) == -32000:  # CONNECTION_CLOSED
            return MCPServerError(self._describe("the server closed the connection before the handshake "
                                                 "completed (it exited or crashed on start)"))
        return MCPServerError(self._describe(f"could not connect ({type(exc).__name__}: {exc})"))

    # ---- use --------------------------------------------------------------------------
    def _require_session(self) -> Any:
        if self._session is None:
            if self._lost:
                raise MCPServerError(self._describe(f"not connected: {self._lost}"))
            raise MCPServerError(self._describe("not connected (use `with client:` or client.start())"))
        return self._session

    def schemas(self) -> list[ToolSchema]:
        """The server's tools as :class:`~toolschool.types.ToolSchema` (as listed at start-up)."""
        self._require_session()
        return [tool_schema(t) for t in self._listing]

    def call(self, name: str, arguments: dict[str, Any] | None = None, timeout_s: float | None = None) -> str:
        """Call tool ``name`` with ``arguments``; its result as text (see :func:`result_text`).

        Raises:
            MCPToolError: the server answered with an error result (``isError``), or a
                protocol error (e.g. an unknown tool); the message is the server's text.
            MCPServerError: not connected, the connection closed, or no answer within
                ``timeout_s`` (default ``call_timeout_s``).
        """
        from mcp import MCPError

        session = self._require_session()
        assert self._loop is not None
        timeout = self.call_timeout_s if timeout_s is None else timeout_s
        future = asyncio.run_coroutine_threadsafe(
            session.call_tool(name, arguments or {}, read_timeout_seconds=timeout), self._loop
        )
        try:
            result = future.result(timeout + 2.0)
        except concurrent.futures.TimeoutError:
            future.cancel()
            why = f"tool {name!r} gave no answer within {timeout:g} s"
            raise MCPServerError(self._describe(why)) from None
        except MCPError as exc:
            if exc.code == -32001:  # REQUEST_TIMEOUT
                why = f"tool {name!r} gave no answer within {timeout:g} s"
                raise MCPServerError(self._describe(why)) from None
            if exc.code == -32000:  # CONNECTION_CLOSED
                self._session = None
                why = f"the connection closed during the call to {name!r}"
                self._lost = why
                raise MCPServerError(self._describe(why)) from None
            raise MCPToolError(f"{name}: {exc.message}") from None
        text = result_text(result)
        if result.is_error:
            raise MCPToolError(text or f"{name}: the MCP server reported an error without text")
        return text

    def tools(self) -> list[Tool]:
        """The server's tools as runnable :class:`~toolschool.tools.schema.Tool` objects
        (``tool(**arguments)`` validates against the server's schema, then calls it)."""
        return [Tool(schema=schema, fn=self._caller(schema.name)) for schema in self.schemas()]

    def _caller(self, name: str) -> Callable[..., str]:
        def call_mcp_tool(**arguments: Any) -> str:
            return self.call(name, arguments)

        call_mcp_tool.__name__ = f"mcp_{name}"
        return call_mcp_tool


@asynccontextmanager
async def _stdio_transport(params: Any, stderr_path: str) -> AsyncIterator[Any]:
    """The SDK's ``stdio_client(params)`` with the server's stderr written to ``stderr_path``."""
    from mcp.client.stdio import stdio_client

    with open(stderr_path, "w", encoding="utf-8") as log:
        async with stdio_client(params, errlog=log) as streams:
            yield streams
