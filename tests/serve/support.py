"""Shared by the serve tests: the app under uvicorn on a free port of 127.0.0.1 (a background
thread), a scripted backend, tool definitions, and a stream accumulator as a client does it."""

from __future__ import annotations

import socket
import threading
import time

import openai
import uvicorn

from toolschool.backends.scripted import ScriptedBackend
from toolschool.backends.spec import OpenedBackend
from toolschool.formats import get_format
from toolschool.serve.app import ServeLimits, create_app
from toolschool.types import ToolCall

FMT = get_format("tool_use", lenient=True)
WEATHER = {"type": "function", "function": {
    "name": "weather", "description": "Current weather in a city.",
    "parameters": {"type": "object", "properties": {"location": {"type": "string"}},
                   "required": ["location"]},
}}
TIME = {"type": "function", "function": {
    "name": "clock", "description": "Current time in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}}
USER = [{"role": "user", "content": "Weather in Oslo?"}]


def call_turn(*calls: tuple[str, dict], content: str = "") -> str:
    return FMT.render_assistant(content, [ToolCall(name=n, arguments=a) for n, a in calls])


class Server:
    """The app under uvicorn in a thread, on a socket bound to a free port of 127.0.0.1."""

    def __init__(self, app):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", limit_concurrency=None))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        for _ in range(500):
            if self.server.started:
                return self
            time.sleep(0.01)
        raise RuntimeError("server did not start")

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()

    def client(self) -> openai.OpenAI:
        return openai.OpenAI(base_url=self.url + "/v1", api_key="unused", max_retries=0, timeout=60)


def scripted(turns: list[str], limits: ServeLimits | None = None, delay_s: float = 0.0) -> Server:
    backend = ScriptedBackend(turns, delay_s=delay_s)
    opened = OpenedBackend(backend, FMT, None, "scripted")
    server = Server(create_app(opened, "scripted-model", limits))
    server.backend = backend
    return server


def accumulate(stream) -> tuple[str, dict[int, dict], str | None, list]:
    """(content, {index: {id, name, arguments}}, finish_reason, chunks) of an openai client stream."""
    content, calls, finish, chunks = "", {}, None, []
    for chunk in stream:
        chunks.append(chunk)
        assert chunk.object == "chat.completion.chunk"
        if not chunk.choices:  # the usage chunk of stream_options.include_usage
            continue
        delta = chunk.choices[0].delta
        content += delta.content or ""
        for tc in delta.tool_calls or []:
            slot = calls.setdefault(tc.index, {"id": None, "name": "", "arguments": ""})
            if tc.id:
                assert slot["id"] is None, "id sent twice"
                slot["id"] = tc.id
            if tc.function and tc.function.name:
                assert not slot["name"], "function name repeated across deltas"
                slot["name"] += tc.function.name
            if tc.function and tc.function.arguments:
                slot["arguments"] += tc.function.arguments
        finish = chunk.choices[0].finish_reason or finish
    return content, calls, finish, chunks
