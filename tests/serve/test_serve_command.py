"""``toolschool serve`` as a user runs it: a subprocess on a free port of 127.0.0.1 with a
``script:`` model, asked through the real openai client; a bad spec fails cleanly."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openai
from typer.testing import CliRunner

from toolschool.cli.app import app

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_command_answers_a_tool_call(tmp_path):
    script = tmp_path / "turns.json"
    script.write_text(json.dumps([{"calls": [{"name": "weather", "arguments": {"location": "Oslo"}}]}]))
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "toolschool.cli.app", "serve", "-m", f"script:{script}", "--port", str(port),
         "--served-name", "demo"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(url + "/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
            assert proc.poll() is None, proc.stdout.read().decode()
        client = openai.OpenAI(base_url=url + "/v1", api_key="unused", max_retries=0)
        tools = [{"type": "function", "function": {"name": "weather", "parameters": {
            "type": "object", "properties": {"location": {"type": "string"}}}}}]
        reply = client.chat.completions.create(
            model="demo", messages=[{"role": "user", "content": "Oslo?"}], tools=tools
        )
    finally:
        proc.terminate()
        proc.wait(20)
    (call,) = reply.choices[0].message.tool_calls
    assert call.function.name == "weather" and json.loads(call.function.arguments) == {"location": "Oslo"}
    assert reply.model == "demo"


def test_serve_with_a_missing_script_fails_cleanly(tmp_path):
    result = CliRunner().invoke(app, ["serve", "-m", f"script:{tmp_path / 'nope.json'}"])
    assert result.exit_code == 2, result.output
    assert "does not exist" in result.stderr and "Traceback" not in result.output


def test_toolschool_help_imports_no_server_or_model_code():
    code = ("import sys, toolschool, toolschool.cli.app; "
            "print(sorted(m for m in ('fastapi', 'uvicorn', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": SRC},
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
