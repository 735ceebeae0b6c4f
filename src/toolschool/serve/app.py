"""The FastAPI app: ``POST /v1/chat/completions``, ``GET /v1/models``, ``GET /health``.

One generation runs at a time, on a single worker thread (the event loop stays responsive);
requests beyond the one running and ``max_queue`` waiting get 503 with ``Retry-After``.
The backend's raw text is parsed with the wire format (unless the backend returns
structured calls) and answered in OpenAI's ``chat.completion`` shape
(:mod:`toolschool.serve.answer` has the rules).

``stream: true`` answers with ``chat.completion.chunk`` server-sent events as the model
generates, when the backend has ``stream(request)`` (local models, scripted turns): its
pieces of text go through the format's stream parser on the worker thread, content is sent
as it is parsed and each call when it is complete (name, then its arguments as JSON; see
:class:`~toolschool.serve.answer.StreamAssembler`); the stream ends with ``finish_reason``,
a usage chunk when ``stream_options.include_usage`` asks for it (local models), and
``data: [DONE]``. The response starts once the first piece is generated, so a failure before
it is a plain 500; a later one is an ``{"error": …}`` event. A client that disconnects stops
generation before the next piece and frees its slot. A backend without ``stream`` (an
OpenAI-compatible endpoint) is answered in full, then sent as chunks.

``tool_choice`` and ``parallel_tool_calls`` reach the backend in the :class:`ChatRequest`
(a local model enforces ``"required"`` and a named function with its tool-call grammar; other
backends take them as hints). Here, ``"none"`` renders the prompt without tools and never
returns calls; for a named function only that tool is offered and only its calls are
returned; ``parallel_tool_calls: false`` returns the first call only. This module does not
enforce ``"required"``: when the model made no call the answer is its text.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import ValidationError

from toolschool.backends.local import ChatRequest, Completion, NamedTool, ToolChoice
from toolschool.backends.spec import OpenedBackend
from toolschool.serve.answer import Answer, CallPolicy, StreamAssembler, answer_from_completion
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


def tool_choice_of(req: ChatCompletionRequest) -> ToolChoice:
    """The request's ``tool_choice`` as a :class:`ChatRequest` takes it (absent: ``"auto"``)."""
    choice = req.tool_choice
    if choice is None:
        return "auto"
    if isinstance(choice, str):
        return choice  # type: ignore[return-value]
    return NamedTool(choice.function.name)


def offer(req: ChatCompletionRequest) -> tuple[list[ToolSchema], CallPolicy]:
    """The tools the prompt offers and which calls the answer keeps.

    ``tool_choice: "none"`` offers no tools; a named choice offers that tool only (its name is
    checked by :func:`parse_request`).
    """
    tools_in = req.tools or []
    choice = req.tool_choice
    allowed: frozenset[str] | None = None
    if choice == "none":
        tools_in = []
    elif choice is not None and not isinstance(choice, str):
        allowed = frozenset({choice.function.name})
        tools_in = [t for t in tools_in if t.function.name in allowed]
    tools = [ToolSchema.model_validate(t.model_dump()) for t in tools_in]
    return tools, CallPolicy(tools_offered=bool(tools), allowed=allowed, parallel=req.parallel_tool_calls)


@contextmanager
def _max_new_tokens(backend: Any, max_tokens: int | None) -> Iterator[None]:
    """The request's ``max_tokens`` as the backend's ``max_new_tokens`` for one generation."""
    default = getattr(backend, "max_new_tokens", None)
    if max_tokens is not None and default is not None:
        backend.max_new_tokens = max_tokens
    try:
        yield
    finally:
        if default is not None:
            backend.max_new_tokens = default


class StreamJob:
    """One streamed generation: the worker thread puts items, the event loop gets them.

    Items: ``("deltas", [delta, ...])`` per piece of text, ``("end", deltas, finish_reason,
    usage)``, ``("answer", Answer)`` (a backend without ``stream``: generated in full) or
    ``("error", exception)``. :meth:`cancel` asks the worker to stop (it closes the backend's
    generator before the next piece) and drops the job if it has not started. The queue is
    not bounded: a client that reads slowly holds at most one answer's pieces (``max_tokens``).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.queue: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        self._cancelled = threading.Event()
        self.future: Future[None] | None = None

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called (or the event loop is gone)."""
        return self._cancelled.is_set()

    def cancel(self) -> None:
        """Stop the generation before its next piece; idempotent, callable from any thread."""
        self._cancelled.set()
        if self.future is not None:
            self.future.cancel()  # only succeeds while the job waits for the worker

    def put(self, item: tuple[Any, ...]) -> None:
        """Called on the worker thread; a closed event loop (server gone) cancels the job."""
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, item)
        except RuntimeError:
            self._cancelled.set()


class Generator:
    """Runs one generation at a time on a single worker thread and turns it into an :class:`Answer`
    (:meth:`generate`) or into stream deltas (:meth:`stream`)."""

    def __init__(self, backend: OpenedBackend | Callable[[], OpenedBackend]):
        self._source = backend
        self._opened = backend if isinstance(backend, OpenedBackend) else None
        self._lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="toolschool-serve")

    @property
    def opened(self) -> OpenedBackend:
        """The backend (opened by the factory on first use, on the worker thread)."""
        if self._opened is None:
            self._opened = self._source()  # type: ignore[operator]
        return self._opened

    def _request(
        self, opened: OpenedBackend, req: ChatCompletionRequest, tools: list[ToolSchema]
    ) -> ChatRequest:
        messages = to_messages(req.messages)
        if opened.system is not None and messages[0].role != "system":
            messages.insert(0, Message(role="system", content=opened.system))
        return ChatRequest(messages, tools, tool_choice=tool_choice_of(req),
                           parallel_tool_calls=req.parallel_tool_calls)

    @staticmethod
    def _usage(backend: Any, request: ChatRequest, completion_tokens: int) -> dict[str, int] | None:
        if not (hasattr(backend, "tokenizer") and hasattr(backend, "prompt")):
            return None
        prompt_tokens = len(backend.tokenizer(backend.prompt(request), add_special_tokens=False)["input_ids"])
        return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens}

    def generate(self, req: ChatCompletionRequest, tools: list[ToolSchema], policy: CallPolicy,
                 max_tokens: int | None) -> Answer:
        """Generate the whole answer (on the worker thread). Backend errors propagate."""
        with self._lock:
            return self._generate(req, tools, policy, max_tokens)

    def _generate(self, req: ChatCompletionRequest, tools: list[ToolSchema], policy: CallPolicy,
                  max_tokens: int | None) -> Answer:
        opened = self.opened
        backend = opened.backend
        request = self._request(opened, req, tools)
        with _max_new_tokens(backend, max_tokens):
            completion: Completion = backend.complete([request])[0]
        answer = answer_from_completion(opened.fmt, completion, policy)
        answer.usage = self._usage(backend, request, completion.new_tokens)
        return answer

    def stream(self, job: StreamJob, req: ChatCompletionRequest, tools: list[ToolSchema], policy: CallPolicy,
               max_tokens: int | None) -> None:
        """Generate on the worker thread, putting :class:`StreamJob` items as the text arrives.

        The backend's ``stream(request)`` runs here, one ``next()`` per piece; each piece goes
        through a :class:`~toolschool.serve.answer.StreamAssembler`. Between pieces a cancelled
        job stops generation (the backend's generator is closed). A backend without ``stream``
        answers in full (one ``"answer"`` item). Errors become an ``"error"`` item.
        """
        if job.cancelled:
            return
        try:
            with self._lock:
                opened = self.opened
                backend = opened.backend
                if not callable(getattr(backend, "stream", None)):
                    job.put(("answer", self._generate(req, tools, policy, max_tokens)))
                    return
                request = self._request(opened, req, tools)
                assembler = StreamAssembler(opened.fmt, policy)
                done: Any = None
                with _max_new_tokens(backend, max_tokens):
                    pieces = backend.stream(request)
                    try:
                        while not job.cancelled:
                            try:
                                piece = next(pieces)
                            except StopIteration as stop:
                                done = stop.value
                                break
                            job.put(("deltas", assembler.feed(piece)))
                    finally:
                        close = getattr(pieces, "close", None)
                        if close is not None:
                            close()
                if job.cancelled:
                    return
                deltas, reason = assembler.finish(getattr(done, "finish_reason", "stop"))
                new_tokens = getattr(done, "new_tokens", None)
                usage = self._usage(backend, request, new_tokens) if new_tokens is not None else None
            job.put(("end", deltas, reason, usage))
        except Exception as exc:  # reported to the client (500 before the first chunk, else an error event)
            job.put(("error", exc))


def _openai_call(call: ToolCall) -> dict[str, Any]:
    return {"id": call.id, "type": "function",
            "function": {"name": call.name, "arguments": json.dumps(call.arguments, ensure_ascii=False)}}


class _Chunks:
    """``chat.completion.chunk`` server-sent events of one answer."""

    def __init__(self, cid: str, created: int, model: str, include_usage: bool):
        self.base = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model}
        self.include_usage = include_usage

    def _sse(self, chunk: dict[str, Any]) -> str:
        if self.include_usage:
            chunk.setdefault("usage", None)
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

    def delta(self, delta: dict[str, Any], finish: str | None = None) -> str:
        return self._sse({**self.base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})

    def end(self, finish: str, usage: dict[str, int] | None) -> str:
        """The finish chunk, the usage chunk (when asked for and known) and ``[DONE]``."""
        out = self.delta({}, finish)
        if self.include_usage and usage is not None:
            out += self._sse({**self.base, "choices": [], "usage": usage})
        return out + "data: [DONE]\n\n"

    def error(self, exc: Exception) -> str:
        failed = _generation_failed(exc)
        body = {"error": {"message": failed.message, "type": failed.type, "param": None, "code": failed.code}}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    def answer(self, answer: Answer) -> Iterator[str]:
        """A whole answer as chunks (for a backend that cannot stream)."""
        yield self.delta({"role": "assistant", "content": ""})
        text = answer.content or ""
        for i in range(0, len(text), 16):
            yield self.delta({"content": text[i : i + 16]})
        for index, call in enumerate(answer.calls):
            yield self.delta({"tool_calls": [{"index": index, "id": call.id, "type": "function",
                                              "function": {"name": call.name, "arguments": ""}}]})
            arguments = _openai_call(call)["function"]["arguments"]
            yield self.delta({"tool_calls": [{"index": index, "function": {"arguments": arguments}}]})
        yield self.end(answer.finish_reason, answer.usage)


async def _events(job: StreamJob, first: tuple[Any, ...], chunks: _Chunks) -> AsyncIterator[str]:
    """The SSE text of a streamed job, starting from its ``first`` item."""
    if first[0] == "answer":
        for text in chunks.answer(first[1]):
            yield text
        return
    yield chunks.delta({"role": "assistant", "content": ""})
    item = first
    while True:
        if item[0] == "deltas":
            if item[1]:
                yield "".join(chunks.delta(d) for d in item[1])
        elif item[0] == "end":
            _, deltas, finish, usage = item
            yield "".join(chunks.delta(d) for d in deltas) + chunks.end(finish, usage)
            return
        else:
            yield chunks.error(item[1])
            return
        item = await job.queue.get()


class _EventStream(StreamingResponse):
    """A streaming response that calls ``on_close`` however it ends (done, or the client left)."""

    def __init__(self, content: AsyncIterator[str], on_close: Callable[[], None]):
        super().__init__(content, media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
        self._on_close = on_close

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._on_close()


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


def _generation_failed(exc: BaseException) -> APIError:
    from toolschool.backends.constrained import ConstraintError

    if isinstance(exc, ConstraintError):  # the request's tools/tool_choice have no grammar: its fault
        return APIError(400, f"tools: {exc}", param="tools", code="invalid_tools")
    return APIError(500, f"generation failed: {type(exc).__name__}: {exc}", type_="server_error",
                    code="generation_failed")


async def _first_item(job: StreamJob, request: Request, poll_s: float = 0.25) -> tuple[Any, ...] | None:
    """The job's first item; None (and the job cancelled) when the client disconnects first."""
    get = asyncio.ensure_future(job.queue.get())
    try:
        while True:
            done, _ = await asyncio.wait({get}, timeout=poll_s)
            if done:
                return get.result()
            if await request.is_disconnected():
                job.cancel()
                return None
    finally:
        get.cancel()


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

    def release() -> None:
        state["admitted"] -= 1

    async def _stream(request: Request, req: ChatCompletionRequest, tools: list[ToolSchema],
                      policy: CallPolicy, max_tokens: int | None, chunks: _Chunks) -> Response:
        """Start a streamed generation; answer once its first piece (or its error) is there."""
        loop = asyncio.get_running_loop()
        job = StreamJob(loop)
        state["admitted"] += 1
        job.future = generator.pool.submit(generator.stream, job, req, tools, policy, max_tokens)

        def on_done(_: Future[None]) -> None:  # worker thread (or here, if cancelled before it ran)
            try:
                loop.call_soon_threadsafe(release)
            except RuntimeError:  # the event loop is gone: so is the server
                pass

        job.future.add_done_callback(on_done)
        try:
            first = await _first_item(job, request)
        except BaseException:
            job.cancel()
            raise
        if first is None:  # the client left while its request waited
            return Response(status_code=499)
        if first[0] == "error":
            raise _generation_failed(first[1])
        return _EventStream(_events(job, first, chunks), on_close=job.cancel)

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Any:
        body = await _read_body(request, limits.max_body_bytes)
        req = parse_request(body, limits)
        if state["admitted"] >= limits.max_queue + 1:
            raise APIError(503, "the server is busy: too many requests are waiting; retry later",
                           type_="server_error", code="queue_full",
                           headers={"Retry-After": str(limits.retry_after_s)})
        tools, policy = offer(req)
        max_tokens = req.max_completion_tokens or req.max_tokens
        cid, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
        loop = asyncio.get_running_loop()
        if req.stream:
            return await _stream(request, req, tools, policy, max_tokens, _Chunks(
                cid, created, model_name, bool(req.stream_options and req.stream_options.include_usage)
            ))
        state["admitted"] += 1
        try:
            answer = await loop.run_in_executor(
                generator.pool, generator.generate, req, tools, policy, max_tokens
            )
        except Exception as exc:  # a backend failure is the server's error, said plainly
            raise _generation_failed(exc) from None
        finally:
            state["admitted"] -= 1
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
