"""LocalBackend.stream: greedy token-by-token text equal to complete()'s."""

import pytest

from toolschool.backends import ChatRequest, LocalBackend, prepare_for_inference
from toolschool.formats import get_format
from toolschool.tools import get_toolkit
from toolschool.types import Message

QUESTIONS = ["weather in Oslo?", "hi", "what is 2^10, and how do you say ø in Danish?"]


@pytest.mark.parametrize("fmt_name", ["tool_use", "hermes"])
def test_stream_equals_complete(tiny, fmt_name):
    model = prepare_for_inference(tiny.model, "float32")
    tools = [t for t in get_toolkit("assistant") if t.name in ("weather", "calculator")]
    backend = LocalBackend(model, tiny.tokenizer, get_format(fmt_name), max_new_tokens=20)
    for q in QUESTIONS:
        request = ChatRequest([Message(role="user", content=q)], tools)
        pieces = list(backend.stream(request))
        (done,) = backend.complete([request])
        assert "".join(pieces) == done.raw
        assert len(pieces) > 1 and all(pieces)


def test_stream_stops_at_a_multi_token_stop_string(tiny):
    """A stop string that is several tokens ends the streamed text where it begins, as
    complete() cuts it."""
    model = prepare_for_inference(tiny.model, "float32")
    backend = LocalBackend(model, tiny.tokenizer, get_format("tool_use"), max_new_tokens=24)
    request = ChatRequest([Message(role="user", content="hi")], [])
    free = "".join(backend.stream(request))
    assert len(free) > 6
    stop = free[3:6]  # a string the model is about to write
    backend.stop_strings = [stop]
    text = "".join(backend.stream(request))
    assert text == free[: free.find(stop)]
    assert text == backend.complete([request])[0].raw


def test_stream_can_be_closed_early(tiny):
    model = prepare_for_inference(tiny.model, "float32")
    backend = LocalBackend(model, tiny.tokenizer, get_format("tool_use"), max_new_tokens=50)
    gen = backend.stream(ChatRequest([Message(role="user", content="hi")], []))
    first = next(gen)
    gen.close()
    assert first
