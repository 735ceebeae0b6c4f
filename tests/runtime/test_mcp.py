"""MCP with real processes, no mocks: toolschool's toolkits served over stdio and read back with
:class:`MCPClient`, an SDK ``MCPServer`` script's tool used by an :class:`Agent`, and the errors."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from toolschool.backends import ScriptedBackend
from toolschool.errors import MCPServerError, MCPToolError
from toolschool.formats import get_format
from toolschool.runtime import Agent, ToolExecutor
from toolschool.runtime.mcp import MCPClient
from toolschool.tools.toolkits import get_toolkit
from toolschool.types import Conversation, ToolCall, read_jsonl

SRC = str(Path(__file__).resolve().parents[2] / "src")
ENV = {"PYTHONPATH": SRC}

SERVER_SCRIPT = textwrap.dedent('''
    import sys
    import time

    from mcp.server import MCPServer

    mcp = MCPServer("test-server")


    @mcp.tool()
    def reverse_words(text: str) -> str:
        """Reverse the order of the words in a text."""
        return " ".join(reversed(text.split()))


    @mcp.tool()
    def slow(seconds: float) -> str:
        """Sleep, then answer."""
        time.sleep(seconds)
        return "done"


    if __name__ == "__main__":
        if sys.argv[1:2] == ["http"]:
            mcp.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
        else:
            mcp.run()
''')


def _serve(*args: str, **kw) -> MCPClient:
    return MCPClient.stdio(sys.executable, ["-m", "toolschool.cli.app", "mcp", "serve", *args], env=ENV, **kw)


@pytest.fixture()
def script_server(tmp_path: Path) -> Path:
    path = tmp_path / "server.py"
    path.write_text(SERVER_SCRIPT)
    return path


def test_assistant_toolkit_over_mcp_has_the_exact_schemas_and_runs_calls():
    with _serve("--toolkit", "assistant") as client:
        assert client.server_name == "toolschool-assistant"
        expected = get_toolkit("assistant")
        served = client.schemas()
        assert [s.name for s in served] == [s.name for s in expected]
        assert [s.function.parameters for s in served] == [s.function.parameters for s in expected]
        assert [s.function.description for s in served] == [s.function.description for s in expected]

        tools = {t.name: t for t in client.tools()}
        assert json.loads(tools["calculator"](expression="2 * (3 + 4)"))["result"] == "14"
        # the server's ToolExecutor validated the arguments; its error text arrives as an isError result
        bad = r"invalid arguments for calculator: .*'expression' is a required"
        with pytest.raises(MCPToolError, match=bad):
            client.call("calculator", {"expr": "1 + 1"})
        with pytest.raises(MCPToolError, match="unknown tool 'nope'"):
            client.call("nope", {})


def test_agent_uses_a_tool_of_an_sdk_server_and_the_trace_holds_its_result(script_server, tmp_path):
    fmt = get_format("hermes")
    turns = [
        fmt.render_calls([ToolCall(name="reverse_words", arguments={"text": "one two three"})]),
        "Reversed: three two one.",
    ]
    trace = tmp_path / "trace.jsonl"
    with MCPClient.stdio(sys.executable, [str(script_server)]) as client:
        executor = ToolExecutor(client.tools(), timeout_s=10)
        assert [s.name for s in executor.schemas] == ["reverse_words", "slow"]
        assert executor.schemas[0].function.description == "Reverse the order of the words in a text."
        agent = Agent(ScriptedBackend(turns), executor, executor.schemas, fmt, trace_path=trace)
        result = agent.run("Reverse 'one two three'.")
    assert result.stopped_by == "answer" and result.answer == "Reversed: three two one."
    assert [(o.name, o.ok, o.content) for o in result.outcomes] == [("reverse_words", True, "three two one")]
    [saved] = read_jsonl(trace, Conversation)
    assert [m.content for m in saved.messages if m.role == "tool"] == ["three two one"]
    assert [t.name for t in saved.tools] == ["reverse_words", "slow"]


def test_call_timeout_is_a_clear_error_and_the_executor_reports_it(script_server):
    with MCPClient.stdio(sys.executable, [str(script_server)], call_timeout_s=0.5) as client:
        started = time.perf_counter()
        with pytest.raises(MCPServerError, match="tool 'slow' gave no answer within 0.5 s"):
            client.call("slow", {"seconds": 3})
        assert time.perf_counter() - started < 2.9
        executor = ToolExecutor(client.tools(), timeout_s=10)
        outcome = executor.run(ToolCall(name="slow", arguments={"seconds": 3}))
        assert not outcome.ok and "MCPServerError" in outcome.error and "no answer within" in outcome.error
        assert client.call("reverse_words", {"text": "a b"}) == "b a"  # the session is still usable


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_streamable_http_server(script_server):
    port = _free_port()
    url = f"http://127.0.0.1:{port}/mcp"
    with pytest.raises(MCPServerError, match="could not connect"):  # nothing listens yet
        MCPClient.http(url, startup_timeout_s=5).start()
    server = subprocess.Popen([sys.executable, str(script_server), "http", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.time() < deadline and server.poll() is None, "the HTTP server did not start"
                time.sleep(0.05)
        with MCPClient.http(url) as client:
            assert [s.name for s in client.schemas()] == ["reverse_words", "slow"]
            assert client.call("reverse_words", {"text": "over HTTP"}) == "HTTP over"
    finally:
        server.terminate()
        server.wait(10)


def test_nonexistent_server_command_is_a_clear_error(tmp_path):
    with pytest.raises(MCPServerError, match=r"no-such-mcp-server.*command not found"):
        MCPClient.stdio(str(tmp_path / "no-such-mcp-server")).start()


def test_server_crashing_on_start_is_a_clear_error_with_its_stderr(tmp_path):
    crash = tmp_path / "crash.py"
    crash.write_text("import sys\nprint('cannot open config.yaml', file=sys.stderr)\nsys.exit(3)\n")
    started = time.perf_counter()
    with pytest.raises(MCPServerError) as info:
        MCPClient.stdio(sys.executable, [str(crash)], startup_timeout_s=10).start()
    assert "closed the connection before the handshake" in str(info.value)
    assert "cannot open config.yaml" in str(info.value)
    assert time.perf_counter() - started < 8


def test_closing_the_client_ends_the_server_process(script_server):
    client = MCPClient.stdio(sys.executable, [str(script_server)]).start()
    pids = subprocess.run(["pgrep", "-f", str(script_server)], capture_output=True, text=True).stdout.split()
    assert pids, "the server process should be running"
    client.close()
    client.close()  # idempotent
    deadline = time.time() + 5
    while any(Path(f"/proc/{p}").exists() for p in pids) and time.time() < deadline:
        time.sleep(0.05)
    assert not any(Path(f"/proc/{p}").exists() for p in pids)
    with pytest.raises(MCPServerError, match="not connected: the client was closed"):
        client.call("reverse_words", {"text": "x"})


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed")
def test_coding_toolkit_over_mcp_writes_and_runs_python_in_the_sandbox(tmp_path):
    workspace = tmp_path / "ws"
    with _serve("--toolkit", "coding", "--workspace", str(workspace)) as client:
        assert [s.name for s in client.schemas()] == [s.name for s in get_toolkit("coding")]
        written = json.loads(client.call("write_file", {"path": "hello.py", "content": "print(6 * 7)\n"}))
        assert "error" not in written, written
        ran = json.loads(client.call("execute_python", {"code": "import runpy; runpy.run_path('hello.py')"}))
        assert ran["stdout"] == "42\n" and ran["exit_code"] == 0 and ran["sandboxed"] is True, ran
    assert (workspace / "hello.py").read_text() == "print(6 * 7)\n"  # --workspace is kept


def test_mcp_serve_rejects_an_unknown_toolkit():
    result = subprocess.run(
        [sys.executable, "-m", "toolschool.cli.app", "mcp", "serve", "--toolkit", "nope"],
        capture_output=True, text=True, env={**os.environ, **ENV}, timeout=60,
    )
    assert result.returncode == 2 and "runnable toolkits are assistant, coding" in result.stderr
    assert "Traceback" not in result.stderr


def test_importing_toolschool_and_the_mcp_client_module_does_not_import_mcp():
    code = (
        "import sys, toolschool, toolschool.runtime.mcp, toolschool.runtime.mcp_server, toolschool.cli.app; "
        "assert 'mcp' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, **ENV}, timeout=60)


def test_a_server_dying_mid_call_is_a_clear_error(tmp_path):
    script = tmp_path / "dies.py"
    script.write_text(textwrap.dedent('''
        import os

        from mcp.server import MCPServer

        mcp = MCPServer("dies")


        @mcp.tool()
        def die() -> str:
            """Exit the server process."""
            os._exit(1)


        mcp.run()
    '''))
    with MCPClient.stdio(sys.executable, [str(script)], call_timeout_s=5) as client:
        with pytest.raises(MCPServerError, match="the connection closed during the call to 'die'"):
            client.call("die", {})
        with pytest.raises(MCPServerError, match="not connected: the connection closed during the call"):
            client.call("die", {})


def test_result_text_of_each_content_type():
    import mcp_types as types

    from toolschool.runtime.mcp import result_text, tool_schema

    text = types.TextResourceContents(uri="file:///b", text="inline")
    blob = types.BlobResourceContents(uri="file:///c", blob="AA==")
    result = types.CallToolResult(content=[
        types.TextContent(type="text", text="first"),
        types.ImageContent(type="image", data="aGVsbG8=", mime_type="image/png"),
        types.ResourceLink(type="resource_link", uri="file:///a.txt", name="a.txt"),
        types.EmbeddedResource(type="resource", resource=text),
        types.EmbeddedResource(type="resource", resource=blob),
    ])
    assert result_text(result).split("\n") == [
        "first", "[image: image/png, 8 base64 characters]", "[resource link: file:///a.txt]", "inline",
        "[embedded resource: file:///c]",
    ]
    assert result_text(types.CallToolResult(content=[], structured_content={"n": 1})) == '{"n": 1}'
    params = {"type": "object", "properties": {"x": {"type": "integer"}}}
    schema = tool_schema({"name": "t", "inputSchema": params})
    assert (schema.name, schema.function.description, schema.function.parameters) == ("t", "", params)
