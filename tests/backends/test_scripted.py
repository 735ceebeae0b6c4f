import time

import pytest

from toolschool.backends import ChatRequest
from toolschool.backends.scripted import ScriptedBackend
from toolschool.types import Message

REQ = ChatRequest([Message(role="user", content="hi")], [])


def test_turns_in_order_and_requests_recorded():
    backend = ScriptedBackend(["first answer", "second"], chunk_chars=3)
    assert list(backend.stream(REQ)) == ["fir", "st ", "ans", "wer"]
    (done,) = backend.complete([REQ])
    assert done.raw == "second" and done.new_tokens == 2
    assert backend.requests == [REQ, REQ] and backend.remaining == 0
    with pytest.raises(ValueError, match="only 2 turns"):
        backend.complete([REQ])


def test_delay_per_chunk():
    backend = ScriptedBackend(["abcdefgh"] * 2, chunk_chars=2, delay_s=0.02)
    start = time.perf_counter()
    list(backend.stream(REQ))
    assert time.perf_counter() - start >= 0.08
    assert backend.complete([REQ])[0].latency_ms >= 80


def test_bad_arguments():
    with pytest.raises(ValueError, match="chunk_chars"):
        ScriptedBackend([], chunk_chars=0)
    with pytest.raises(ValueError, match="delay_s"):
        ScriptedBackend([], delay_s=-1)


def test_stream_returns_the_completion():
    gen = ScriptedBackend(["abcdefg"], chunk_chars=3).stream(REQ)
    assert [next(gen), next(gen), next(gen)] == ["abc", "def", "g"]
    with pytest.raises(StopIteration) as stop:
        next(gen)
    done = stop.value.value  # pytest's ExceptionInfo.value is the StopIteration; its .value the return
    assert (done.raw, done.new_tokens, done.finish_reason) == ("abcdefg", 3, "stop")
