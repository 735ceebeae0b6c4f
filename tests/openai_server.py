"""A real OpenAI-compatible chat-completions server for tests (stdlib, 127.0.0.1, any free port):
it answers ``POST /v1/chat/completions`` with recorded replies in order and records the bodies."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def reply(message: dict, finish: str) -> dict:
    return {
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1765000000, "model": "tiny-agent",
        "choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish}],
        "usage": {"prompt_tokens": 50, "completion_tokens": 12, "total_tokens": 62},
    }


CALL = reply({"content": None, "tool_calls": [{
    "id": "call_abc", "type": "function",
    "function": {"name": "calculator", "arguments": "{\"expression\": \"17 * 23\"}"},
}]}, "tool_calls")
ANSWER = reply({"content": "17 × 23 = 391."}, "stop")


class OpenAIServer:
    """Answers POST ``path`` (default /v1/chat/completions) with ``replies`` in order and records
    the bodies."""

    def __init__(self, replies: list[tuple[int, dict]], path: str = "/v1/chat/completions"):
        self.replies = list(replies)
        self.bodies: list[dict] = []
        self.headers: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                outer.bodies.append(json.loads(self.rfile.read(length)))
                outer.headers.append({k.lower(): v for k, v in self.headers.items()})
                status, reply = outer.replies.pop(0) if self.path == path else (404, {})
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> OpenAIServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


