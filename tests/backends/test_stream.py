"""LocalBackend.stream: greedy token-by-token text equal to complete()'s."""

import pytest

from toolschool.backends import ChatRequest, LocalBackend, prepare_for_inference
from toolschool.backends.sequence import SequenceCache
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


def _drain(gen):
    pieces = []
    while True:
        try:
            pieces.append(next(gen))
        except StopIteration as stop:
            return pieces, stop.value


@pytest.mark.parametrize("max_new_tokens", [3, 40])
def test_stream_returns_the_completion(tiny, max_new_tokens):
    """The generator's return value is the Completion complete() gives: text, tokens, finish reason."""
    model = prepare_for_inference(tiny.model, "float32")
    backend = LocalBackend(model, tiny.tokenizer, get_format("tool_use"), max_new_tokens=max_new_tokens)
    reasons = set()
    for q in QUESTIONS:
        request = ChatRequest([Message(role="user", content=q)], [])
        pieces, streamed = _drain(backend.stream(request))
        (done,) = backend.complete([request])
        assert (streamed.raw, streamed.new_tokens, streamed.finish_reason) == (
            done.raw, done.new_tokens, done.finish_reason)
        assert "".join(pieces) == streamed.raw
        reasons.add(streamed.finish_reason)
    if max_new_tokens == 3:
        assert reasons == {"length"}


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


class _FixedTokens:
    """A stand-in causal LM that emits ``tokens`` in order (then ``stop``), one per forward."""

    def __init__(self, tokens, stop, vocab):
        self.queue = list(tokens) + [stop]
        self.vocab = vocab

    def __call__(self, input_ids, past_key_values=None, use_cache=True, logits_to_keep=1):
        import types

        import torch

        logits = torch.zeros((1, 1, self.vocab))
        logits[0, -1, self.queue.pop(0)] = 1.0
        return types.SimpleNamespace(logits=logits, past_key_values=past_key_values)


def test_stream_never_splits_a_multi_byte_character(tiny):
    """Byte-level tokens of ü, 世界 and 🌍 are partial characters on their own; no streamed
    piece holds a replacement character and the pieces join to the decoded text."""
    tok = tiny.tokenizer
    text = 'Grüße 世界 🌍 TOOL_USE[weather:{"location": "São Paulo"}]'
    tokens = tok.encode(text, add_special_tokens=False)
    assert any("\ufffd" in tok.decode(tokens[:k]) for k in range(1, len(tokens)))  # the case is exercised
    backend = LocalBackend(tiny.model, tok, get_format("tool_use"), max_new_tokens=100)
    backend.model = _FixedTokens(tokens, backend.stop_ids[0], len(tok))
    backend.sequence = SequenceCache(backend.model, static=False)
    pieces = list(backend.stream(ChatRequest([Message(role="user", content="hi")], [])))
    assert "".join(pieces) == text
    assert not any("\ufffd" in p for p in pieces) and len(pieces) > 5


def test_stream_reuses_the_cache_of_the_previous_turn(tiny):
    """A conversation that grows (as an agent's does) prefills only its new tokens, and the
    answer equals a fresh backend's complete()."""
    from toolschool.types import ToolCall

    model = prepare_for_inference(tiny.model, "float32")
    seen = []

    class Recorder:
        config = model.config

        def __call__(self, input_ids, **kw):
            seen.append(input_ids.shape[1])
            return model(input_ids=input_ids, **kw)

    fmt = get_format("hermes")
    tools = [t for t in get_toolkit("assistant") if t.name in ("weather", "calculator")]
    backend = LocalBackend(Recorder(), tiny.tokenizer, fmt, max_new_tokens=12)
    fresh = LocalBackend(model, tiny.tokenizer, fmt, max_new_tokens=12, stream_cache=False)
    messages = [Message(role="user", content="weather in Oslo?")]
    first = "".join(backend.stream(ChatRequest(messages, tools)))
    full_prefill = seen[0]
    call = ToolCall(id="c1", name="weather", arguments={"location": "Oslo"})
    messages += [
        Message(role="assistant", content=first, tool_calls=[call]),
        Message(role="tool", content="4 °C", tool_call_id="c1", name="weather"),
    ]
    seen.clear()
    request = ChatRequest(messages, tools)
    second = "".join(backend.stream(request))
    assert seen[0] < full_prefill / 2  # only the new turns were prefilled
    assert second == fresh.complete([request])[0].raw == "".join(fresh.stream(request))


def test_stream_on_a_sliding_window_model_does_not_reuse_the_cache():
    """Gemma 3's sliding-window layers cannot be cut back: the cache is not reused and the
    second turn still equals complete()."""
    from toolschool.models import load_model

    lm = load_model("tiny-gemma3")
    model = prepare_for_inference(lm.model, "float32")
    backend = LocalBackend(model, lm.tokenizer, get_format("tool_use"), max_new_tokens=8, layout=lm.layout())
    first = "".join(backend.stream(ChatRequest([Message(role="user", content="hi")], [])))
    messages = [Message(role="user", content="hi"), Message(role="assistant", content=first),
                Message(role="user", content="and now?")]
    request = ChatRequest(messages, [])
    assert "".join(backend.stream(request)) == backend.complete([request])[0].raw
