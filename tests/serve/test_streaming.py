"""Token-level streaming of toolschool serve, through the real ``openai`` client against uvicorn on
127.0.0.1: streamed and non-streamed answers agree (scripted turns and the tiny random model), the
first chunk arrives before generation ends (an ordering check: the backend waits for the client),
a client that disconnects stops generation and frees its slot, and errors are reported."""

from __future__ import annotations

import json
import threading
import time

import httpx
import openai
import pytest

from tests.serve.support import FMT, TIME, USER, WEATHER, Server, accumulate, call_turn, scripted
from toolschool.backends.local import NamedTool
from toolschool.backends.scripted import ScriptedBackend
from toolschool.backends.spec import OpenedBackend
from toolschool.serve.app import ServeLimits, create_app

NAMED = {"type": "function", "function": {"name": "weather"}}


class Gated:
    """Wraps a backend; its stream records each piece it produces, waits for ``go`` (at most
    20 s) before producing piece ``gate_at``, and records being closed early."""

    def __init__(self, inner, gate_at: int | None = None):
        self.inner, self.gate_at = inner, gate_at
        self.go = threading.Event()
        self.produced: list[str] = []
        self.closed_early = False
        self.waited_out = False

    def complete(self, requests, on_batch=None):
        return self.inner.complete(requests, on_batch)

    def stream(self, request):
        pieces = self.inner.stream(request)
        try:
            while True:
                if len(self.produced) == self.gate_at and not self.go.wait(20):
                    self.waited_out = True
                try:
                    piece = next(pieces)
                except StopIteration as stop:
                    return stop.value
                self.produced.append(piece)
                yield piece
        except GeneratorExit:
            self.closed_early = True
            raise
        finally:
            pieces.close()


class CompleteOnly:
    """A backend with ``complete`` only (like an OpenAI-compatible endpoint): no token streaming."""

    def __init__(self, inner):
        self.inner = inner

    def complete(self, requests, on_batch=None):
        return self.inner.complete(requests, on_batch)


def served(backend, limits: ServeLimits | None = None, fmt=FMT) -> Server:
    server = Server(create_app(OpenedBackend(backend, fmt, None, "test"), "m", limits))
    server.backend = backend
    return server


def summary_of(completion) -> tuple:
    message = completion.choices[0].message
    calls = [(c.function.name, json.loads(c.function.arguments)) for c in message.tool_calls or []]
    return message.content or "", calls, completion.choices[0].finish_reason


def streamed_summary(stream, keep: list | None = None) -> tuple:
    content, calls, finish, chunks = accumulate(stream)
    if keep is not None:
        keep += chunks
    return content, [(calls[i]["name"], json.loads(calls[i]["arguments"])) for i in sorted(calls)], finish


CASES = [  # (assistant text, request extras)
    ("A plain answer, long enough to come in several pieces.", {}),
    (call_turn(("weather", {"location": "Oslo"}), content="Let me check."), {"tools": [WEATHER]}),
    (call_turn(("weather", {"location": "Oslo"}), ("clock", {"city": "Oslo"})), {"tools": [WEATHER, TIME]}),
    (call_turn(("weather", {"location": "Oslo"}), ("clock", {"city": "Oslo"})),
     {"tools": [WEATHER, TIME], "parallel_tool_calls": False}),
    (call_turn(("clock", {"city": "Oslo"}), ("weather", {"location": "Oslo"})),
     {"tools": [WEATHER, TIME], "tool_choice": NAMED}),
    (call_turn(("weather", {"location": "Oslo"}), content="Checking."),
     {"tools": [WEATHER], "tool_choice": "none"}),
    ('Let me see. TOOL_USE[weather:{"location": "Os', {"tools": [WEATHER]}),  # cut off: the text answers
    ('TOOL_USE[weather:{"location": "Oslo", "units": ["c", "]"], "note": "ünï 🌍"}]\nDone.',
     {"tools": [WEATHER]}),
]


def test_streamed_and_non_streamed_answers_agree_on_scripted_turns():
    turns = [text for text, _ in CASES for _ in range(2)]
    with scripted(turns) as server:
        client = server.client()
        for text, extra in CASES:
            whole = summary_of(client.chat.completions.create(model="m", messages=USER, **extra))
            stream = client.chat.completions.create(model="m", messages=USER, stream=True, **extra)
            assert streamed_summary(stream) == whole, text
    requests = server.backend.requests
    assert [r.tool_choice for r in requests[:2]] == ["auto", "auto"]
    assert [r.parallel_tool_calls for r in requests[6:8]] == [False, False]
    assert [r.tool_choice for r in requests[8:12]] == [NamedTool("weather")] * 2 + ["none"] * 2
    assert [len(r.tools) for r in requests[8:12]] == [1, 1, 0, 0]


def test_the_first_chunk_arrives_before_the_last_piece_is_produced():
    text = "Streaming means the client reads this sentence while it is still being written."
    backend = Gated(ScriptedBackend([text], chunk_chars=4), gate_at=len(text) // 4 - 1)  # before the last
    with served(backend) as server:
        stream = server.client().chat.completions.create(model="m", messages=USER, stream=True)
        content, produced_at_first_content = "", None
        for chunk in stream:
            content += chunk.choices[0].delta.content or ""
            if content and produced_at_first_content is None:
                produced_at_first_content = len(backend.produced)
                backend.go.set()
    assert not backend.waited_out, "the client saw no content until the backend gave up waiting"
    assert produced_at_first_content is not None and produced_at_first_content < len(text) // 4
    assert content == text


def test_a_client_that_disconnects_stops_generation_and_frees_its_slot():
    long_turn = "word " * 400  # 500 pieces of 4 characters, 10 ms each: 5 s if nobody stops it
    backend = Gated(ScriptedBackend([long_turn, "Next answer."], delay_s=0.01))
    with served(backend, ServeLimits(max_queue=0)) as server:  # one slot: a leaked one would 503 below
        with httpx.stream("POST", server.url + "/v1/chat/completions",
                          json={"model": "m", "messages": USER, "stream": True}, timeout=30) as response:
            lines = response.iter_lines()
            assert next(lines).startswith("data: ")
        for _ in range(500):
            if backend.closed_early and httpx.get(server.url + "/health").json()["admitted"] == 0:
                break
            time.sleep(0.01)
        assert backend.closed_early and len(backend.produced) < 100
        after = server.client().chat.completions.create(model="m", messages=USER)
    assert after.choices[0].message.content == "Next answer."


def test_a_client_that_leaves_while_queued_never_runs():
    backend = Gated(ScriptedBackend(["first answer", "second answer"]), gate_at=1)
    with served(backend) as server:
        url = server.url + "/v1/chat/completions"
        body = {"model": "m", "messages": USER, "stream": True}
        with httpx.stream("POST", url, json=body, timeout=30) as first:
            lines = first.iter_lines()
            assert next(lines).startswith("data: ")  # running, held at its gate
            with pytest.raises(httpx.ReadTimeout):  # queued behind it; its client gives up
                with httpx.stream("POST", url, json=body, timeout=0.5):
                    pass
            for _ in range(300):  # its slot is freed while the first still runs
                if httpx.get(server.url + "/health").json()["admitted"] == 1:
                    break
                time.sleep(0.01)
            assert httpx.get(server.url + "/health").json()["admitted"] == 1
            backend.go.set()
            events = [json.loads(line[6:]) for line in lines if line.startswith("data: {")]
        third = server.client().chat.completions.create(model="m", messages=USER)
    assert "".join(e["choices"][0]["delta"].get("content") or "" for e in events) == "first answer"
    assert third.choices[0].message.content == "second answer"  # the queued request took no turn


def test_a_backend_without_stream_is_answered_in_full_then_chunked():
    turn = call_turn(("weather", {"location": "Oslo"}), content="Checking.")
    with served(CompleteOnly(ScriptedBackend([turn, turn]))) as server:
        client = server.client()
        whole = summary_of(client.chat.completions.create(model="m", messages=USER, tools=[WEATHER]))
        stream = client.chat.completions.create(model="m", messages=USER, tools=[WEATHER], stream=True)
        assert streamed_summary(stream) == whole == ("Checking.", [("weather", {"location": "Oslo"})],
                                                     "tool_calls")


class Failing:
    """Streams ``ok`` pieces, then raises."""

    def __init__(self, ok: int):
        self.ok = ok

    def stream(self, request):
        for i in range(self.ok):
            yield f"piece {i} "
        raise RuntimeError("the model fell over")


def test_a_failure_before_the_first_piece_is_a_500_and_after_it_an_error_event():
    with served(Failing(0)) as server:
        with pytest.raises(openai.InternalServerError) as early:
            server.client().chat.completions.create(model="m", messages=USER, stream=True)
    assert "the model fell over" in early.value.body["message"]
    with served(Failing(3)) as server:
        stream = server.client().chat.completions.create(model="m", messages=USER, stream=True)
        with pytest.raises(openai.APIError, match="the model fell over"):
            list(stream)
        assert httpx.get(server.url + "/health").json()["admitted"] == 0


def test_stream_options_without_stream_is_400():
    with scripted(["unused"]) as server:
        response = httpx.post(server.url + "/v1/chat/completions", json={
            "model": "m", "messages": USER, "stream_options": {"include_usage": True}})
    assert response.status_code == 400 and "stream_options" in response.json()["error"]["message"]


def _tiny_backend(tiny, max_new_tokens: int = 64):
    from toolschool.backends.local import LocalBackend, prepare_for_inference

    model = prepare_for_inference(tiny.model, "float32")
    return LocalBackend(model, tiny.tokenizer, FMT, batch_size=1, max_new_tokens=max_new_tokens)


def test_tiny_model_streams_what_it_answers_whole_with_usage(tiny):
    backend = _tiny_backend(tiny)
    questions = ["Weather in Oslo?", "What time is it in Lima?", "hi"]
    with served(backend) as server:
        client = server.client()
        for question, max_tokens in zip(questions, (12, 30, 5)):
            messages = [{"role": "user", "content": question}]
            whole = client.chat.completions.create(
                model="m", messages=messages, tools=[WEATHER, TIME], max_tokens=max_tokens)
            stream = client.chat.completions.create(
                model="m", messages=messages, tools=[WEATHER, TIME], max_tokens=max_tokens, stream=True,
                stream_options={"include_usage": True})
            chunks = []
            assert streamed_summary(stream, chunks) == summary_of(whole)
            usage = chunks[-1]
            assert usage.choices == [] and usage.usage.model_dump() == whole.usage.model_dump()
            assert all(c.usage is None for c in chunks[:-1])
    assert backend.max_new_tokens == 64


def test_tiny_model_first_chunk_arrives_before_the_second_piece_is_produced(tiny):
    backend = Gated(_tiny_backend(tiny), gate_at=1)
    with served(backend) as server:
        stream = server.client().chat.completions.create(model="m", messages=USER, max_tokens=24, stream=True)
        produced_at_first_chunk = None
        for chunk in stream:
            if produced_at_first_chunk is None:
                produced_at_first_chunk = len(backend.produced)
                backend.go.set()
    assert not backend.waited_out and produced_at_first_chunk == 1 and len(backend.produced) > 1


def test_tool_choice_reaches_a_local_model_that_enforces_it(tiny):
    """A local backend decodes a named tool_choice under its tool-call grammar: the random model's
    answer opens a call of that tool, streamed or not (serve passes tool_choice through)."""
    backend = _tiny_backend(tiny)
    named = {"type": "function", "function": {"name": "clock"}}
    with served(backend) as server:
        client = server.client()
        whole = client.chat.completions.create(
            model="m", messages=USER, tools=[WEATHER, TIME], tool_choice=named, max_tokens=10)
        stream = client.chat.completions.create(
            model="m", messages=USER, tools=[WEATHER, TIME], tool_choice=named, max_tokens=10, stream=True)
        streamed = streamed_summary(stream)
    assert summary_of(whole) == streamed
    assert streamed[0].startswith("TOOL_USE[clock:")  # cut by max_tokens: the text is the answer
