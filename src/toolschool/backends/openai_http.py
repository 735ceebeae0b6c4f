"""A backend for any OpenAI-compatible ``/v1/chat/completions`` endpoint (vLLM, llama.cpp
server, Ollama, OpenAI…), through the official ``openai`` client.

The conversation is sent in OpenAI's own shape, so no wire format is involved on the way out:

* ``messages``: system/user messages as ``{"role", "content"}``; an assistant turn with calls
  as ``{"role": "assistant", "content": text or None, "tool_calls": [{"id", "type":
  "function", "function": {"name", "arguments": "<JSON string>"}}]}``; a tool result as
  ``{"role": "tool", "tool_call_id", "content"}`` (:func:`to_openai_messages`);
* ``tools``: :meth:`ToolSchema.to_openai` of each tool offered (omitted when none).

The answer comes back *structured*: :class:`~toolschool.backends.local.Completion` has
``raw`` = the message content (``""`` when null) and ``calls`` = the message's
``tool_calls`` as :class:`~toolschool.types.ToolCall` (an empty list when none, never None),
which :class:`~toolschool.runtime.agent.Agent` and the eval runner take as they are instead
of parsing ``raw``. Call arguments that are not valid JSON are repaired with
``json_repair``; what still is not a JSON object becomes ``{}`` (the tool executor then
reports the missing arguments to the model).

Two more ways to ask an endpoint, for models whose server does not parse tool calls (a
fine-tuned model served by a plain llama.cpp server or Ollama without a tool template; BFCL's
"prompt" models) — the answer is then text that the caller parses with a toolschool wire
format (``calls`` is None):

* ``mode="prompt"``: ``/v1/chat/completions`` without ``tools``; the system message carries
  the declarations as ``fmt.render_system`` writes them, assistant turns carry their calls as
  text (``fmt.render_assistant``), tool results go as ``tool`` messages for the server's chat
  template to place (:func:`to_prompt_messages`).
* ``mode="completions"``: ``/v1/completions`` with the whole prompt rendered by a toolschool
  layout (the served model's turns, e.g. ``chatml``) and its stop strings.

Against ``toolschool serve`` both give the very prompt a local evaluation renders (tested).

Errors of the endpoint (unreachable, timeout, an HTTP error status, a reply without
choices) raise :class:`EndpointError` with the URL and the reason. There is no streaming
(the agent then executes calls after each turn).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any

from toolschool.backends.local import ChatRequest, Completion, NamedTool
from toolschool.errors import ToolschoolError
from toolschool.types import Message, ToolCall

#: how a request is put to the endpoint (see the module docstring)
API_MODES = ("tools", "prompt", "completions")


class EndpointError(ToolschoolError, RuntimeError):
    """An OpenAI-compatible endpoint could not be reached or answered with an error."""


def to_openai_messages(messages: list[Message]) -> list[dict[str, Any]]:
    """The messages in OpenAI chat-completions shape (see the module docstring).

    Calls without an id get ``call_{m}_{i}`` (message and call index), and a tool message
    without ``tool_call_id`` is matched to the pending call of the same position, since
    OpenAI-compatible servers require the ids to pair up.
    """
    out: list[dict[str, Any]] = []
    pending: list[str] = []
    for m, message in enumerate(messages):
        if message.role == "assistant" and message.tool_calls:
            calls = []
            pending = []
            for i, call in enumerate(message.tool_calls):
                wire = call.to_openai()
                wire["id"] = call.id or f"call_{m}_{i}"
                pending.append(wire["id"])
                calls.append(wire)
            out.append({"role": "assistant", "content": message.content or None, "tool_calls": calls})
        elif message.role == "tool":
            call_id = message.tool_call_id or (pending[0] if pending else f"call_{m}")
            if call_id in pending:
                pending.remove(call_id)
            out.append({"role": "tool", "tool_call_id": call_id, "content": message.content})
        else:
            out.append({"role": message.role, "content": message.content})
    return out


def to_prompt_messages(
    messages: list[Message], tools: list[Any], fmt: Any, system: str
) -> list[dict[str, Any]]:
    """The messages for ``mode="prompt"``: calls and declarations as ``fmt`` writes them in text.

    A leading system message replaces ``system``; when ``tools`` are offered the system
    message is ``fmt.render_system(tools, system)``. Assistant turns become
    ``fmt.render_assistant(content, calls)`` with no ``tool_calls`` field; tool messages keep
    their role, content and call id, plus the tool's ``name`` (no structured call names it;
    vLLM, Ollama and ``toolschool serve`` read it), and the server's template places them.
    """
    if messages and messages[0].role == "system":
        system, messages = messages[0].content, messages[1:]
    head = fmt.render_system(tools, system) if tools else system
    out: list[dict[str, Any]] = [{"role": "system", "content": head}]
    for wire, message in zip(to_openai_messages(messages), messages):
        if message.role == "assistant":
            text = fmt.render_assistant(message.content, message.tool_calls)
            out.append({"role": "assistant", "content": text})
        elif message.role == "tool" and message.name:
            out.append({**wire, "name": message.name})  # no structured call names it here
        else:
            out.append(wire)
    return out


def _arguments(text: str | None) -> dict[str, Any]:
    if not text or not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        import json_repair

        value = json_repair.loads(text)
    return value if isinstance(value, dict) else {}


class OpenAIBackend:
    """Answer :class:`ChatRequest` lists with an OpenAI-compatible chat-completions endpoint.

    Args:
        base_url: the API root, e.g. ``http://127.0.0.1:8000/v1`` (the client appends
            ``/chat/completions``).
        model: the model name the server expects (``"model"`` of the request body).
        api_key_env: name of the environment variable holding the API key; when unset or
            empty, the key ``"none"`` is sent (local servers ignore it).
        timeout_s: seconds per request (connect and read) before :class:`EndpointError`.
        max_tokens: cap on generated tokens per answer (None: the server's default).
        temperature: sampling temperature (0: greedy, reproducible answers).
        max_retries: retries of the ``openai`` client on connection errors and 5xx/429.
        mode: ``"tools"`` (native ``tools``/``tool_calls``), ``"prompt"`` or ``"completions"``
            (text parsed with ``fmt``; see the module docstring).
        fmt: the wire format of the prompt modes (required there).
        layout: the served model's turn layout for ``"completions"`` (default ChatML).
        system: the system prompt of the prompt modes when the conversation has none.

    Raises:
        ValueError: an unknown ``mode``, or a prompt mode without ``fmt``.

    Attributes:
        client: the ``openai.OpenAI`` client.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key_env: str | None = "OPENAI_API_KEY",
        timeout_s: float = 60.0,
        max_tokens: int | None = None,
        temperature: float = 0.0,
        max_retries: int = 0,
        mode: str = "tools",
        fmt: Any = None,
        layout: Any = None,
        system: str | None = None,
    ):
        from openai import OpenAI

        from toolschool.chat.prompt import DEFAULT_SYSTEM, ChatMLLayout

        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be > 0, got {timeout_s}")
        if mode not in API_MODES:
            raise ValueError(f"mode must be one of {', '.join(API_MODES)}, got {mode!r}")
        if mode != "tools" and fmt is None:
            raise ValueError(f"mode {mode!r} parses text answers: give the wire format (fmt)")
        self.mode, self.fmt = mode, fmt
        self.layout = layout or ChatMLLayout()
        self.system = DEFAULT_SYSTEM if system is None else system
        key = os.environ.get(api_key_env, "") if api_key_env else ""
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.client = OpenAI(base_url=self.base_url, api_key=key or "none", timeout=timeout_s,
                             max_retries=max_retries)

    def _body(self, request: ChatRequest) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "temperature": self.temperature}
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        if self.mode == "completions":
            body["prompt"] = self.layout.render(request.messages, request.tools, self.fmt, self.system,
                                                add_generation_prompt=True)
            if self.layout.stops:
                body["stop"] = list(self.layout.stops)
        elif self.mode == "prompt":
            body["messages"] = to_prompt_messages(request.messages, request.tools, self.fmt, self.system)
        else:
            body["messages"] = to_openai_messages(request.messages)
            if request.tools:
                body["tools"] = [t.to_openai() for t in request.tools]
                choice = request.tool_choice
                if isinstance(choice, NamedTool):
                    body["tool_choice"] = {"type": "function", "function": {"name": choice.name}}
                elif choice != "auto":
                    body["tool_choice"] = choice
                if not request.parallel_tool_calls:
                    body["parallel_tool_calls"] = False
        return body

    def _one(self, request: ChatRequest) -> Completion:
        import openai

        body = self._body(request)
        start = time.perf_counter()
        try:
            if self.mode == "completions":
                response = self.client.completions.create(**body)
            else:
                response = self.client.chat.completions.create(**body)
        except openai.APIStatusError as exc:
            raise EndpointError(f"{self.base_url}: HTTP {exc.status_code}: {exc.message}") from None
        except openai.APIError as exc:  # connection errors, timeouts, bad replies
            raise EndpointError(f"{self.base_url}: {type(exc).__name__}: {exc}") from None
        latency_ms = (time.perf_counter() - start) * 1000
        if not response.choices:
            raise EndpointError(f"{self.base_url}: the reply has no choices")
        choice = response.choices[0]
        usage = response.usage
        tokens = usage.completion_tokens if usage is not None else 0
        if self.mode != "tools":
            text = choice.text if self.mode == "completions" else choice.message.content
            return Completion(raw=text or "", calls=None, latency_ms=latency_ms, new_tokens=tokens,
                              finish_reason=choice.finish_reason or "stop")
        message = choice.message
        calls = [
            ToolCall(id=c.id or None, name=c.function.name, arguments=_arguments(c.function.arguments))
            for c in (message.tool_calls or [])
            if getattr(c, "function", None) is not None
        ]
        return Completion(
            raw=message.content or "",
            calls=calls,
            latency_ms=latency_ms,
            new_tokens=tokens,
            finish_reason=choice.finish_reason or "stop",
        )

    def complete(
        self, requests: list[ChatRequest], on_batch: Callable[[int], None] | None = None
    ) -> list[Completion]:
        """One :class:`Completion` per request, asked one after another.

        Raises:
            EndpointError: the endpoint is unreachable, timed out or answered with an error.
        """
        answers = [self._one(r) for r in requests]
        if on_batch:
            on_batch(len(requests))
        return answers
