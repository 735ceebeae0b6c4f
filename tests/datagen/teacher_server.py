"""A teacher model for tests: a real OpenAI-compatible server on 127.0.0.1 (stdlib
``ThreadingHTTPServer``, any free port) that answers ``POST /v1/chat/completions`` by rule and
injects faults on schedule.

Answers (:func:`answer`): a label request ``Weather in X?`` (or ``… in X and Y?``) gets
``weather`` calls; ``BAD <kind>`` gets a bad call (``unknown``, ``schema``, ``json``, ``dup``)
or a truncated reply (``long``); anything else a plain text answer. A paraphrase request (the
system prompt asks for rephrasings) gets five rephrasings of which two keep the request's city
and are new, and three are rejectable (the request again, a lost city, a repeat).

Faults: ``faults`` are consumed one per request in arrival order, ``key_faults[key]`` one per
request made with that key (first); each is ``"500"``, ``"429"`` (a per-minute rate limit;
``("429", seconds)`` adds ``Retry-After``), ``"quota"`` (429 ``insufficient_quota``),
``"quota403"``, ``"401"``, ``"404"``, ``"400"``, ``"drop"`` (the socket is closed without a
reply), ``"slow"`` (the answer comes after ``slow_s``), ``"html"`` (200 with a web page),
``"empty"`` (200 with ``{}``) or ``"ok"``. ``quota_after[key]`` answers
that many requests of the key, then only ``insufficient_quota``; ``refused_keys`` get 401.
``hold_after``: after that many answers, requests hang until :meth:`release` and then get no
reply (a run can be killed with requests in flight). Every request is logged in ``hits``.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def reply(message: dict, finish: str = "stop") -> dict:
    return {"id": "chatcmpl-t", "object": "chat.completion", "created": 1765000000, "model": "teacher",
            "choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish}],
            "usage": {"prompt_tokens": 40, "completion_tokens": 10, "total_tokens": 50}}


def _call(name: str, arguments: Any, i: int = 0) -> dict:
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"id": f"call_x{i}", "type": "function", "function": {"name": name, "arguments": text}}


def user_text(body: dict) -> str:
    return [m for m in body["messages"] if m["role"] == "user"][-1]["content"]


def is_paraphrase(body: dict) -> bool:
    return "rephrasings" in body["messages"][0]["content"]


def answer(body: dict) -> tuple[dict, str]:
    """(message, finish_reason) of the rule-based teacher (module docstring)."""
    text = user_text(body)
    if is_paraphrase(body):
        city = re.search(r"in (\w+)", text)
        place = city.group(1) if city else "town"
        items = [f"What's the weather like in {place}?", f"Is it raining in {place} right now",
                 text.lower(), "How is the weather over there?", f"What's the weather like in {place}?"]
        return {"content": json.dumps({"paraphrases": items})}, "stop"
    bad = {
        "BAD unknown": [_call("teleport", {"to": "Mars"})],
        "BAD schema": [_call("weather", {"location": 5})],
        "BAD json": [_call("weather", "{location: Oslo")],
        "BAD dup": [_call("weather", {"location": "Oslo"}, 0), _call("weather", {"location": "Oslo"}, 1)],
    }
    if text in bad:
        return {"content": None, "tool_calls": bad[text]}, "tool_calls"
    if text == "BAD long":
        return {"content": "I will now explain at great"}, "length"
    found = re.match(r"Weather in (\w+)(?: and (\w+))?\?", text)
    if found:
        cities = [c for c in found.groups() if c]
        return {"content": "Let me check.", "tool_calls": [_call("weather", {"location": c}, i)
                                                          for i, c in enumerate(cities)]}, "tool_calls"
    return {"content": "Hello! How can I help?"}, "stop"


ERRORS = {
    "500": (500, {"message": "The server had an error", "type": "server_error"}),
    "429": (429, {"message": "Rate limit reached for requests per minute (RPM): limit 3", "type": "requests",
                  "code": "rate_limit_exceeded"}),
    "quota": (429, {"message": "You exceeded your current quota, please check your plan and billing details.",
                    "type": "insufficient_quota", "code": "insufficient_quota"}),
    "quota403": (403, {"message": "Daily request limit reached for this key", "type": "permission_error"}),
    "401": (401, {"message": "Incorrect API key provided", "type": "invalid_request_error",
                  "code": "invalid_api_key"}),
    "404": (404, {"message": "The model 'nope' does not exist", "type": "invalid_request_error",
                  "code": "model_not_found"}),
    "400": (400, {"message": "This model's maximum context length is 8192 tokens",
                  "type": "invalid_request_error", "code": "context_length_exceeded"}),
}


@dataclass
class Hit:
    """One request the server saw: the key it carried, what it did (a fault or ``ok``), the user text."""

    key: str
    fault: str
    text: str
    body: dict
    at: float


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # closing does not wait for held or slow answers

    def handle_error(self, request, client_address) -> None:  # a client that left: not a test failure
        pass


class TeacherServer:
    """The teacher on 127.0.0.1 (module docstring); ``url`` is the API root (``…/v1``)."""

    def __init__(self, faults=(), key_faults=None, quota_after=None, refused_keys=(), hold_after=None,
                 slow_s=60.0, delay_s=0.0):
        self.faults = list(faults)
        self.key_faults = {k: list(v) for k, v in (key_faults or {}).items()}
        self.quota_after = dict(quota_after or {})
        self.refused_keys = set(refused_keys)
        self.hold_after = hold_after
        self.slow_s, self.delay_s = slow_s, delay_s
        self.hits: list[Hit] = []
        self.answered: dict[str, int] = {}
        self.lock = threading.Lock()
        self.released = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                key = self.headers.get("Authorization", "").removeprefix("Bearer ")
                fault = outer._decide(key, body)
                if fault == "hold":
                    outer.released.wait(30)
                    self._drop()
                    return
                if fault == "drop":
                    self._drop()
                    return
                if fault == "slow":
                    time.sleep(outer.slow_s)
                if outer.delay_s:
                    time.sleep(outer.delay_s)
                retry_after = None
                if isinstance(fault, tuple):
                    fault, retry_after = fault
                if fault in ERRORS:
                    status, error = ERRORS[fault]
                    self._send(status, {"error": error}, retry_after)
                    return
                if fault in ("html", "empty"):
                    self._send(200, {} if fault == "empty" else "<html>Bad gateway</html>")
                    return
                message, finish = answer(body)
                self._send(200, reply(message, finish))

            def _drop(self) -> None:
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

            def _send(self, status: int, data: dict | str, retry_after: float | None = None) -> None:
                raw = data.encode() if isinstance(data, str) else json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html" if isinstance(data, str) else "application/json")
                self.send_header("Content-Length", str(len(raw)))
                if retry_after is not None:
                    self.send_header("Retry-After", str(retry_after))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args) -> None:
                pass

        self.httpd = _Quiet(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def _decide(self, key: str, body: dict) -> Any:
        with self.lock:
            fault: Any = "ok"
            if self.key_faults.get(key):
                fault = self.key_faults[key].pop(0)
            elif self.faults:
                fault = self.faults.pop(0)
            if fault == "ok":
                if key in self.refused_keys:
                    fault = "401"
                elif key in self.quota_after and self.answered.get(key, 0) >= self.quota_after[key]:
                    fault = "quota"
                elif self.hold_after is not None and sum(self.answered.values()) >= self.hold_after:
                    fault = "hold"
            if fault in ("ok", "slow"):
                self.answered[key] = self.answered.get(key, 0) + 1
            name = fault[0] if isinstance(fault, tuple) else fault
            self.hits.append(Hit(key, name, user_text(body), body, time.monotonic()))
            return fault

    def release(self) -> None:
        """Let held requests end (without a reply)."""
        self.released.set()

    def texts(self, fault: str = "ok") -> list[str]:
        """User texts of the requests that got ``fault``."""
        with self.lock:
            return [h.text for h in self.hits if h.fault == fault]

    def __enter__(self) -> TeacherServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
        self.httpd.shutdown()
        self.httpd.server_close()
