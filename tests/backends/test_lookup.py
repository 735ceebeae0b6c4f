"""Prompt-lookup drafting: the same greedy answer in fewer forward passes (tiny model, fp32)."""

from __future__ import annotations

import pytest

from toolschool.backends import generation
from toolschool.backends.generation import lookup_draft, verify_draft
from toolschool.backends.local import ChatRequest, LocalBackend, NamedTool
from toolschool.backends.sequence import SequenceCache
from toolschool.formats import get_format
from toolschool.types import Message


def test_lookup_draft_copies_what_followed_the_last_ngram():
    history = [5, 6, 7, 8, 9, 1, 2, 5, 6, 7]
    assert lookup_draft(history, 3) == [8, 9, 1]
    assert lookup_draft(history, 10) == [8, 9, 1, 2, 5, 6, 7]
    assert lookup_draft([1, 2, 3, 4], 5) == []  # the tail never occurred before
    assert lookup_draft(history, 0) == []
    # the most recent occurrence wins
    assert lookup_draft([1, 2, 9, 1, 2, 8, 1, 2], 1) == [8]


def test_verify_draft_accepts_the_prefix_greedy_would_choose():
    import torch

    logits = torch.full((4, 10), -1.0)
    for row, best in enumerate([3, 4, 0, 7]):
        logits[row, best] = 1.0
    assert verify_draft(logits, [3, 4, 5]) == 2
    assert verify_draft(logits, [3, 4, 0]) == 3
    assert verify_draft(logits, [9]) == 0


REQUESTS = [ChatRequest([Message(role="user", content=t)], []) for t in (
    "the quick brown fox jumps over the lazy dog", "Translate hello into French.", "0123456789 0123456789")]


def _oracle(answers: dict[tuple[int, ...], list[int]], wrong: int):
    """A draft source that proposes the true greedy continuation (3 tokens), then a wrong one."""

    def draft(history, limit, *args, **kwargs):
        for prompt, answer in answers.items():
            if tuple(history[: len(prompt)]) == prompt:
                done = len(history) - len(prompt)
                return (answer[done : done + 3] + [wrong])[:limit]
        return []

    return draft


@pytest.mark.parametrize("static", [True, False], ids=["static-cache", "dynamic-cache"])
@pytest.mark.parametrize("constrained", [False, True])
def test_drafts_the_model_agrees_with_are_kept_and_the_answer_is_unchanged(
    tiny, monkeypatch, constrained, static
):
    fmt = get_format("hermes")
    # the reference: transformers' own generate (no static cache, no jump-forward, no drafts)
    plain = LocalBackend(tiny.model, tiny.tokenizer, fmt, batch_size=1, max_new_tokens=40, prefix_cache=False)
    fast = LocalBackend(tiny.model, tiny.tokenizer, fmt, batch_size=1, max_new_tokens=40, prompt_lookup=8)
    fast.sequence = fast.decoder.sequence = SequenceCache(tiny.model, static=static)
    assert fast.sequence.static == static  # (rejected drafts: a write position moved back, or a crop)
    requests = REQUESTS
    if constrained:
        from tests.backends.test_constrained import ENUM_TOOLS

        requests = [ChatRequest(r.messages, ENUM_TOOLS, NamedTool("pick"), False) for r in REQUESTS]
    expected = [plain.complete([r])[0] for r in requests]
    answers = {}
    for request in requests:
        prompt = tiny.tokenizer(plain.prompt(request), add_special_tokens=False)["input_ids"]
        answers[tuple(prompt)] = plain._generate([prompt], [plain.matcher(request)])[0][0]  # its token ids
    wrong = tiny.tokenizer.convert_tokens_to_ids("<|im_start|>")
    monkeypatch.setattr(generation, "lookup_draft", _oracle(answers, wrong))
    streamed = [0, 0]  # drafted, accepted while streaming
    for request, answer in zip(requests, expected):
        assert fast.complete([request])[0].raw == answer.raw
        drafted, accepted = fast.sequence.drafted, fast.sequence.accepted
        assert "".join(fast.stream(request)) == answer.raw
        streamed[0] += fast.sequence.drafted - drafted
        streamed[1] += fast.sequence.accepted - accepted
    assert fast.decoder.accepted > streamed[1] > 0
    if not constrained:  # (under the grammar the wrong token is cut from the draft before it runs)
        assert fast.decoder.drafted > fast.decoder.accepted and streamed[0] > streamed[1]


def test_real_lookup_leaves_greedy_answers_unchanged(tiny):
    fmt = get_format("tool_use")
    plain = LocalBackend(tiny.model, tiny.tokenizer, fmt, batch_size=1, max_new_tokens=48, prefix_cache=False)
    fast = LocalBackend(tiny.model, tiny.tokenizer, fmt, batch_size=1, max_new_tokens=48, prompt_lookup=8)
    for request in REQUESTS:
        expected = plain.complete([request])[0].raw
        assert fast.complete([request])[0].raw == expected
        assert "".join(fast.stream(request)) == expected
    assert fast.decoder.drafted > 0
