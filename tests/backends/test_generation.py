import pytest

from toolschool.backends import ChatRequest, LocalBackend, prepare_for_inference
from toolschool.backends.generation import common_prefix_length
from toolschool.formats import get_format
from toolschool.tools import get_toolkit
from toolschool.types import Message

REQUESTS = [
    "weather in Oslo?",
    "hi",
    "please convert 12 km to miles, I am running a long race tomorrow",
    "define serendipity",
    "what is 2^10",
]


def test_common_prefix_length():
    assert common_prefix_length([[1, 2, 3], [1, 2, 4], [1, 2]]) == 2
    assert common_prefix_length([[5], [6]]) == 0
    assert common_prefix_length([]) == 0


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_prefix_cached_decoder_equals_generate(tiny_fresh, dtype):
    """fp32: token-for-token equal to ``generate``. bf16: the random tiny model is chaotic, so
    rounding differences between padded layouts may change the text after a while; the
    answers still depend on the prompt and begin as ``generate``'s do (measured: all five
    identical on this CPU; at least three are required)."""
    model = prepare_for_inference(tiny_fresh.model, dtype)
    tools = [t for t in get_toolkit("assistant") if t.name in ("weather", "calculator")]
    requests = [ChatRequest([Message(role="user", content=q)], tools) for q in REQUESTS]
    fmt = get_format("tool_use")
    fast = LocalBackend(model, tiny_fresh.tokenizer, fmt, batch_size=3, max_new_tokens=24, prefix_cache=True)
    plain = LocalBackend(model, tiny_fresh.tokenizer, fmt, batch_size=3, max_new_tokens=24, prefix_cache=False)
    a, b = fast.complete(requests), plain.complete(requests)
    if dtype == "float32":
        assert [x.raw for x in a] == [x.raw for x in b]
        assert len({x.raw for x in a}) > 1  # prompt-dependent answers, not one repeated string
    else:
        assert all(x.raw for x in a) and len(a) == len(requests)
        assert len({x.raw for x in a}) > 1
        assert sum(x.raw[:8] == y.raw[:8] for x, y in zip(a, b)) >= 3
    assert all(x.new_tokens <= 24 for x in a)
    assert all(x.latency_ms > 0 for x in a)


def test_lone_prompts_reuse_the_cached_system_part_across_calls(tiny_fresh):
    """One request at a time (a server): each prompt prefills only what it does not share with
    the sequence cached before it (a static cache, whichever of complete() and stream() left
    it); answers equal ``generate``'s (fp32)."""
    model = prepare_for_inference(tiny_fresh.model, "float32")
    tools = [t for t in get_toolkit("assistant") if t.name in ("weather", "calculator")]
    requests = [ChatRequest([Message(role="user", content=q)], tools) for q in REQUESTS[:4]]
    fmt = get_format("tool_use")
    fast = LocalBackend(model, tiny_fresh.tokenizer, fmt, batch_size=1, max_new_tokens=16)
    plain = LocalBackend(model, tiny_fresh.tokenizer, fmt, batch_size=1, max_new_tokens=16, prefix_cache=False)
    prompts = [tiny_fresh.tokenizer(fast.prompt(r), add_special_tokens=False)["input_ids"] for r in requests]
    prefilled = []
    begin = fast.sequence.begin

    def recording_begin(prompt, room):
        rest = begin(prompt, room)
        prefilled.append(len(rest))
        return rest

    fast.sequence.begin = recording_begin
    for k, request in enumerate(requests):
        expected = plain.complete([request])[0].raw
        answer = "".join(fast.stream(request)) if k == 2 else fast.complete([request])[0].raw
        assert answer == expected
    assert fast.sequence.static
    system = common_prefix_length(prompts)
    assert system >= 16
    assert prefilled[0] == len(prompts[0])
    for k in (1, 2, 3):
        shared = common_prefix_length([prompts[k - 1], prompts[k]])
        assert shared >= system and prefilled[k] == len(prompts[k]) - shared


def test_rows_leave_the_batch_when_they_stop(tiny_fresh):
    import torch

    from toolschool.backends.generation import PrefixCachedDecoder

    model = prepare_for_inference(tiny_fresh.model, "float32")
    tok = tiny_fresh.tokenizer
    prompts = [tok(f"<|im_start|>system\nshared prefix text<|im_end|>\n<|im_start|>user\n{q}<|im_end|>\n",
                   add_special_tokens=False)["input_ids"] for q in REQUESTS]
    free = PrefixCachedDecoder(model, [], tok.pad_token_id).generate(prompts, 16)
    # pick a stop token that one row emits early and another row never emits
    stop = next(t for g in free for t in g.tokens[2:6] if any(t not in h.tokens for h in free))
    stopped = PrefixCachedDecoder(model, [stop], tok.pad_token_id).generate(prompts, 16)
    assert any(g.stopped for g in stopped) and not all(g.stopped for g in stopped)
    for g, ref_prompt in zip(stopped, prompts):
        ids = torch.tensor([ref_prompt])
        ref = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=16,
                             do_sample=False, eos_token_id=[stop], pad_token_id=tok.pad_token_id)
        expected = ref[0, len(ref_prompt):].tolist()
        if stop in expected:
            expected = expected[: expected.index(stop)]
        assert g.tokens == expected


def test_give_up_cuts_only_the_rows_it_rejects(tiny_fresh):
    """The call window: rows ``give_up`` rejects at token k end there (finish_reason
    call_window); every other row decodes exactly as without the window."""
    from toolschool.backends.generation import PrefixCachedDecoder

    model = prepare_for_inference(tiny_fresh.model, "float32")
    tok = tiny_fresh.tokenizer
    prompts = [tok(f"<|im_start|>system\nshared prefix text<|im_end|>\n<|im_start|>user\n{q}<|im_end|>\n",
                   add_special_tokens=False)["input_ids"] for q in REQUESTS]
    decoder = PrefixCachedDecoder(model, [], tok.pad_token_id)
    free = decoder.generate(prompts, 12)
    assert {g.finish_reason for g in free} == {"length"}
    rejected = {tuple(g.tokens[:4]) for g in free[:2]}
    asked: list[int] = []

    def give_up(tokens: list[int]) -> bool:
        asked.append(len(tokens))
        return tuple(tokens) in rejected

    windowed = decoder.generate(prompts, 12, give_up, give_up_after=4)
    assert asked and set(asked) == {4}  # asked once per row, at exactly 4 tokens
    for g, f in zip(windowed, free):
        if tuple(f.tokens[:4]) in rejected:
            assert g.tokens == f.tokens[:4] and g.finish_reason == "call_window" and not g.stopped
        else:
            assert g.tokens == f.tokens and g.finish_reason == "length"
    assert windowed[0].finish_reason == "call_window"
    assert any(g.finish_reason == "length" for g in windowed)  # prompt-dependent answers


def test_local_backend_call_window_keeps_answers_that_open_a_call(tiny_fresh):
    """A window of 1 token: only answers whose first token may begin a call run on."""
    model = prepare_for_inference(tiny_fresh.model, "float32")
    tools = [t for t in get_toolkit("assistant") if t.name in ("weather", "calculator")]
    requests = [ChatRequest([Message(role="user", content=q)], tools) for q in REQUESTS]
    fmt = get_format("tool_use")
    full = LocalBackend(model, tiny_fresh.tokenizer, fmt, batch_size=5, max_new_tokens=10).complete(requests)
    cut = LocalBackend(model, tiny_fresh.tokenizer, fmt, batch_size=5, max_new_tokens=10, call_window=1)
    for a, b in zip(cut.complete(requests), full):
        if a.finish_reason == "call_window":
            assert a.new_tokens == 1 and not fmt.may_call(a.raw) and b.raw.startswith(a.raw)
        else:
            assert a.raw == b.raw
    with pytest.raises(ValueError, match="call_window"):
        LocalBackend(model, tiny_fresh.tokenizer, fmt, call_window=0)
