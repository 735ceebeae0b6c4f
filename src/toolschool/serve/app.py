"""The FastAPI app: ``POST /v1/chat/completions``, ``GET /v1/models``, ``GET /health``.

One generation runs at a time, on a single worker thread (the event loop stays responsive);
requests beyond the one running and ``max_queue`` waiting get 503 with ``Retry-After``.
The backend's raw text is parsed with the wire format (unless the backend returns
structured calls) and answered in OpenAI's ``chat.completion`` shape. ``stream: true``
answers with ``chat.completion.chunk`` server-sent events — in this slice the answer is
generated in full first and then sent as chunks (token-level streaming comes later).

``tool_choice``: ``"none"`` renders the prompt without tools and never returns calls;
``"required"`` and a named function are *not* guaranteed (that needs constrained decoding):
for a named function only that tool is offered and only its calls are returned; when the model
made no such call the answer is its text with ``finish_reason: "stop"``.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import ValidationError

from toolschool.backends.local import ChatRequest, Completion
from toolschool.backends.spec import OpenedBackend
from toolschool.serve.schema import ChatCompletionRequest, MessageIn
from toolschool.types import Message, ToolCall, ToolSchema


@dataclass
class ServeLimits:
    """Request limits.

    Attributes:
        max_queue: requests that may wait while one generates; more get 503.
        max_body_bytes: largest request body; larger gets 413.
        max_messages: most messages per request; more gets 400.
        max_tokens: largest ``max_tokens`` a request may ask for.
        retry_after_s: the ``Retry-After`` header of a 503.
    """

    max_queue: int = 16
    max_body_bytes: int = 1_000_000
    max_messages: int = 512
    max_tokens: int = 4096
    retry_after_s: int = 1


class APIError(Exception):
    """An error answered in OpenAI's shape ``{"error": {"message", "type", "param", "code"}}``."""

    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None,
                 type_: str = "invalid_request_error", headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code
        self.type, self.headers = type_, headers

    def response(self) -> JSONResponse:
        body = {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def _validation_message(exc: ValidationError) -> tuple[str, str | None]:
    err = exc.errors()[0]
    param = ".".join(str(p) for p in err["loc"]) or None
    msg = err["msg"].removeprefix("Value error, ")
    return (f"{param}: {msg}" if param else msg), param


def to_messages(messages: list[MessageIn]) -> list[Message]:
    """OpenAI messages → toolschool messages (``developer`` is read as ``system``; a tool
    message gets the name of the call it answers)."""
    names: dict[str, str] = {}
    out = []
    for m in messages:
        calls = [ToolCall(id=c.id, name=c.function.name, arguments=c.function.arguments)
                 for c in m.tool_calls or []]
        names.update({c.id: c.name for c in calls if c.id})
        role = "system" if m.role == "developer" else m.role
        name = m.name or (names.get(m.tool_call_id or "") if role == "tool" else None)
        out.append(Message(role=role, content=m.content, tool_calls=calls,
                           tool_call_id=m.tool_call_id, name=name))
    return out


@dataclass
class Answer:
    content: str | None
    calls: list[ToolCall]
    finish_reason: str
    usage: dict[str, int] | None


class Generator:
    """Runs one generation at a time on a single worker thread and turns it into an :class:`Answer`."""

    def __init__(self, backend: OpenedBackend | Callable[[], OpenedBackend]):
        self._source = backend
        self._opened = backend if isinstance(backend, OpenedBackend) else None
        self._lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="toolschool-serve")

    @property
    def opened(self) -> OpenedBackend:
        if self._opened is None:
            self._opened = self._source()  # type: ignore[operator]
        return self._opened

    def generate(self, req: ChatCompletionRequest, tools: list[ToolSchema], allowed: set[str] | None,
                 max_tokens: int | None) -> Answer:
        with self._lock:
            opened = self.opened
            backend, fmt = opened.backend, opened.fmt
            messages = to_messages(req.messages)
            if opened.system is not None and messages[0].role != "system":
                messages.insert(0, Message(role="system", content=opened.system))
            request = ChatRequest(messages, tools)
            default = getattr(backend, "max_new_tokens", None)
            if max_tokens is not None and default is not None:
                backend.max_new_tokens = max_tokens
            try:
                completion: Completion = backend.complete([request])[0]
            finally:
                if default is not None:
                    backend.max_new_tokens = default
            usage = None
            if hasattr(backend, "tokenizer") and hasattr(backend, "prompt"):
                ids = backend.tokenizer(backend.prompt(request), add_special_tokens=False)["input_ids"]
                prompt_tokens = len(ids)
                usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion.new_tokens,
                         "total_tokens": prompt_tokens + completion.new_tokens}
        if completion.calls is not None:
            calls, content = list(completion.calls), completion.raw
        else:
            parsed = fmt.parse(completion.raw)
            calls = parsed.calls
            content = parsed.content if parsed.calls or not parsed.errors else completion.raw
        if allowed is not None:
            calls = [c for c in calls if c.name in allowed]
        if not tools:
            calls = []
        if calls and not req.parallel_tool_calls:
            calls = calls[:1]
        calls = [c.model_copy(update={"id": c.id or f"call_{uuid.uuid4().hex[:24]}"}) for c in calls]
        content = content.strip() or None
        if calls:
            reason = "tool_calls"
        else:
            reason = "length" if completion.finish_reason == "length" else "stop"
            content = content or ""
        return Answer(content, calls, reason, usage)


def _openai_call(call: ToolCall) -> dict[str, Any]:
    return {"id": call.id, "type": "function",
            "function": {"name": call.name, "arguments": json.dumps(call.arguments, ensure_ascii=False)}}


def _chunks(answer: Answer, cid: str, created: int, model: str) -> Iterator[str]:
    def event(delta: dict[str, Any], finish: str | None = None) -> str:
        chunk = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                 "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

    yield event({"role": "assistant", "content": ""})
    text = answer.content or ""
    for i in range(0, len(text), 16):
        yield event({"content": text[i : i + 16]})
    for index, call in enumerate(answer.calls):
        yield event({"tool_calls": [{"index": index, "id": call.id, "type": "function",
                                     "function": {"name": call.name, "arguments": ""}}]})
        arguments = _openai_call(call)["function"]["arguments"]
        yield event({"tool_calls": [{"index": index, "function": {"arguments": arguments}}]})
    yield event({}, answer.finish_reason)
    yield "data: [DONE]\n\n"


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise APIError(413, f"request body is larger than {limit} bytes", code="body_too_large")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise APIError(413, f"request body is larger than {limit} bytes", code="body_too_large")
    return bytes(body)


def parse_request(body: bytes, limits: ServeLimits) -> ChatCompletionRequest:
    """Decode and validate a request body.

    Raises:
        APIError: 400 for a body that is empty, not UTF-8, not JSON or not a valid request.
    """
    if not body.strip():
        raise APIError(400, "the request body is empty (expected a JSON object)")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise APIError(400, f"the request body is not UTF-8 (byte {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise APIError(400, f"the request body is not valid JSON: {where}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise APIError(400, "the request body must be a JSON object")
    if isinstance(data.get("messages"), list) and len(data["messages"]) > limits.max_messages:
        raise APIError(400, f"too many messages: {len(data['messages'])} (limit {limits.max_messages})",
                       param="messages")
    try:
        req = ChatCompletionRequest.model_validate(data)
    except ValidationError as exc:
        message, param = _validation_message(exc)
        raise APIError(400, message, param=param) from None
    for name in ("max_tokens", "max_completion_tokens"):
        value = getattr(req, name)
        if value is not None and value > limits.max_tokens:
            raise APIError(400, f"{name} {value} is above this server's limit {limits.max_tokens}",
                           param=name)
    names = [t.function.name for t in req.tools or []]
    if len(set(names)) != len(names):
        raise APIError(400, "tools: tool names must be unique", param="tools")
    choice = req.tool_choice
    if choice is not None and not isinstance(choice, str) and choice.function.name not in names:
        raise APIError(400, f"tool_choice names {choice.function.name!r}, which is not in tools",
                       param="tool_choice")
    if choice == "required" and not names:
        raise APIError(400, 'tool_choice "required" needs tools', param="tool_choice")
    return req


def create_app(
    backend: OpenedBackend | Callable[[], OpenedBackend],
    model_name: str,
    limits: ServeLimits | None = None,
) -> FastAPI:
    """The server app for one model.

    Args:
        backend: an opened backend (:func:`toolschool.backends.spec.open_backend`), or a
            function that opens one (called on the worker thread by the first request).
        model_name: the id ``/v1/models`` lists and answers carry.
        limits: request limits (defaults: :class:`ServeLimits`).
    """
    limits = limits or ServeLimits()
    generator = Generator(backend)
    state = {"admitted": 0}  # requests holding a slot (running + waiting); event-loop thread only
    app = FastAPI(title="toolschool serve", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.generator = generator
    app.state.limits = limits

    @app.exception_handler(APIError)
    async def _api_error(request: Request, exc: APIError) -> JSONResponse:
        return exc.response()

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "model": model_name, "admitted": state["admitted"]}

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list",
                "data": [{"id": model_name, "object": "model", "created": 0, "owned_by": "toolschool"}]}

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Any:
        body = await _read_body(request, limits.max_body_bytes)
        req = parse_request(body, limits)
        if state["admitted"] >= limits.max_queue + 1:
            raise APIError(503, "the server is busy: too many requests are waiting; retry later",
                           type_="server_error", code="queue_full",
                           headers={"Retry-After": str(limits.retry_after_s)})
        tools_in = req.tools or []
        choice = req.tool_choice
        allowed: set[str] | None = None
        if choice == "none":
            tools_in = []
        elif choice is not None and not isinstance(choice, str):
            allowed = {choice.function.name}
            tools_in = [t for t in tools_in if t.function.name in allowed]
        tools = [ToolSchema.model_validate(t.model_dump()) for t in tools_in]
        max_tokens = req.max_completion_tokens or req.max_tokens
        state["admitted"] += 1
        try:
            loop = asyncio.get_running_loop()
            answer = await loop.run_in_executor(
                generator.pool, generator.generate, req, tools, allowed, max_tokens
            )
        except Exception as exc:  # a backend failure is the server's error, said plainly
            raise APIError(500, f"generation failed: {type(exc).__name__}: {exc}", type_="server_error",
                           code="generation_failed") from None
        finally:
            state["admitted"] -= 1
        cid, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
        if req.stream:
            chunks = _chunks(answer, cid, created, model_name)
            return StreamingResponse(
                chunks, media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
            )
        message: dict[str, Any] = {"role": "assistant", "content": answer.content}
        if answer.calls:
            message["tool_calls"] = [_openai_call(c) for c in answer.calls]
        out: dict[str, Any] = {
            "id": cid, "object": "chat.completion", "created": created, "model": model_name,
            "choices": [{"index": 0, "message": message, "finish_reason": answer.finish_reason}],
        }
        if answer.usage:
            out["usage"] = answer.usage
        return out

    return app
