"""A load generator for ``toolschool serve`` (used by tests/serve/test_load.py and
benchmarks/bench_serve_load.py): the real command as a subprocess with a ``script:`` model, and
N concurrent raw HTTP/1.1 connections (asyncio sockets) mixing valid requests (plain,
streamed, and streamed but abandoned after the status line), malformed JSON, bodies over
``--max-body-bytes`` (with a Content-Length, and chunked without one) and ``tool_choice``
naming an unknown tool. Every connection must get a whole
HTTP response; a reset, an early close or a timeout is recorded as ``"dropped"``.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[2] / "src")
KINDS = ("valid", "valid_stream", "abandon_stream", "malformed", "huge", "huge_chunked", "unknown_tool")
#: the status codes each kind may get
ALLOWED = {
    "valid": {200, 503}, "valid_stream": {200, 503}, "abandon_stream": {200, 503}, "malformed": {400},
    "huge": {413}, "huge_chunked": {413}, "unknown_tool": {400},
}
WEATHER = {"type": "function", "function": {"name": "weather", "parameters": {
    "type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}}
MESSAGES = [{"role": "user", "content": "Weather in Oslo?"}]


def raise_fd_limit(needed: int) -> None:
    """Raise the soft limit on open files to at least ``needed`` (up to the hard limit), for this
    process and the server processes it starts."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed if hard == resource.RLIM_INFINITY
                                                    else min(needed, hard), hard))


def proc_status_kb(pid: int, field: str) -> int:
    """A ``kB`` field of ``/proc/<pid>/status`` (``VmRSS``: resident now, ``VmHWM``: peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServeProcess:
    """``toolschool serve -m script:FILE`` on a free port of 127.0.0.1 (a context manager).

    The script holds ``turns`` answers (alternating a plain answer and a tool call), enough
    that every admitted request gets one (a scripted backend out of turns would answer 500).
    """

    def __init__(self, workdir: Path, turns: int, max_queue: int = 16, max_body_bytes: int = 65_536):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        script = workdir / "turns.json"
        call = {"calls": [{"name": "weather", "arguments": {"location": "Oslo"}}]}
        script.write_text(json.dumps(["It is sunny in Oslo today." if i % 2 else call for i in range(turns)]))
        self.args = [sys.executable, "-m", "toolschool.cli.app", "serve", "-m", f"script:{script}",
                     "--port", str(self.port), "--max-queue", str(max_queue),
                     "--max-body-bytes", str(max_body_bytes), "--served-name", "load"]
        self.max_body_bytes = max_body_bytes
        self.log = workdir / "server.log"

    def __enter__(self) -> ServeProcess:
        env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self._log = self.log.open("wb")
        self.proc = subprocess.Popen(self.args, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(20)
        self._log.close()

    def rss_kb(self) -> int:
        return proc_status_kb(self.proc.pid, "VmRSS")

    def peak_kb(self) -> int:
        return proc_status_kb(self.proc.pid, "VmHWM")


def request_bytes(kind: str, port: int, max_body_bytes: int, close: bool = False) -> tuple[bytes, bytes]:
    """(head, body) of one request of ``kind`` (``huge_chunked`` has its body chunk-framed);
    ``close`` asks the server to close the connection after the response."""
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Content-Type: application/json\r\n")
    if close:
        head += "Connection: close\r\n"
    if kind in ("valid", "valid_stream", "abandon_stream"):
        body = json.dumps({"model": "load", "messages": MESSAGES, "tools": [WEATHER],
                           "stream": kind != "valid"}).encode()
    elif kind == "malformed":
        body = b'{"model": "load", "messages": [{"role": "user", "content": "unterminated'
    elif kind == "unknown_tool":
        choice = {"type": "function", "function": {"name": "no_such_tool"}}
        body = json.dumps({"model": "load", "messages": MESSAGES, "tools": [WEATHER],
                           "tool_choice": choice}).encode()
    else:  # huge: four times the limit, a valid request padded with a long message
        pad = "x" * (4 * max_body_bytes)
        body = json.dumps({"model": "load", "messages": [{"role": "user", "content": pad}]}).encode()
        if kind == "huge_chunked":
            step = 16_384
            framed = b"".join(b"%x\r\n%s\r\n" % (len(body[i : i + step]), body[i : i + step])
                              for i in range(0, len(body), step))
            return (head + "Transfer-Encoding: chunked\r\n\r\n").encode(), framed + b"0\r\n\r\n"
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode(), body


@dataclass
class Outcome:
    """One connection: its kind, the status (None when dropped), why it was dropped, seconds taken
    and whether a 200 stream ended with ``data: [DONE]``."""

    kind: str
    status: int | None
    error: str = ""
    seconds: float = 0.0
    complete_stream: bool = True


async def _read_response(
    reader: asyncio.StreamReader, status_only: bool = False
) -> tuple[int, bytes, dict[str, str]]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed before a status line")
    status = int(status_line.split()[1])
    if status_only:
        return status, b"", {}
    headers: dict[str, str] = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        parts = []
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            parts.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        body = b"".join(p[:-2] for p in parts)
    else:
        body = await reader.read()
    return status, body, headers


async def one_request(
    kind: str, port: int, max_body_bytes: int, timeout: float, close: bool = False
) -> Outcome:
    """Send one request on its own connection and read the whole response (``abandon_stream``:
    its status line only, then hang up) while the body is still being written (a server may
    answer 413 before reading it)."""
    start = time.perf_counter()
    head, body = request_bytes(kind, port, max_body_bytes, close)
    writer = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)

            async def send() -> None:
                writer.write(head)
                for i in range(0, len(body), 65_536):
                    writer.write(body[i : i + 65_536])
                    await writer.drain()

            sending = asyncio.ensure_future(send())
            try:
                status, data, _ = await _read_response(reader, status_only=kind == "abandon_stream")
            finally:
                if not sending.done():
                    sending.cancel()
                await asyncio.gather(sending, return_exceptions=True)
        complete = status != 200 or kind != "valid_stream" or data.rstrip().endswith(b"data: [DONE]")
        return Outcome(kind, status, seconds=time.perf_counter() - start, complete_stream=complete)
    except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError, IndexError) as exc:
        return Outcome(kind, None, f"{type(exc).__name__}: {exc}", time.perf_counter() - start)
    finally:
        if writer is not None:
            writer.close()


async def burst(port: int, n: int, max_body_bytes: int, timeout: float = 60.0) -> list[Outcome]:
    """``n`` connections at once, kinds in rotation (:data:`KINDS`), every other round with
    ``Connection: close``."""
    rounds = [(KINDS[i % len(KINDS)], (i // len(KINDS)) % 2 == 1) for i in range(n)]
    return list(await asyncio.gather(*(one_request(k, port, max_body_bytes, timeout, close)
                                       for k, close in rounds)))


def summarize(outcomes: list[Outcome]) -> dict:
    """Counts per (kind, status), dropped connections, wrong statuses and incomplete streams."""
    by = Counter((o.kind, o.status) for o in outcomes)
    return {
        "statuses": {f"{k}:{s}": c for (k, s), c in sorted(by.items(), key=str)},
        "dropped": [f"{o.kind}: {o.error}" for o in outcomes if o.status is None],
        "unexpected": [f"{o.kind}: {o.status}" for o in outcomes
                       if o.status is not None and o.status not in ALLOWED[o.kind]],
        "incomplete_streams": sum(not o.complete_stream for o in outcomes),
    }


async def health(port: int) -> dict:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        status, body, _ = await _read_response(reader)
    finally:
        writer.close()
    assert status == 200, status
    return json.loads(body)
