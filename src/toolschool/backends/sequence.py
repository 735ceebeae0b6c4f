"""Greedy decoding of one sequence at a time: the path of a lone request (``serve``, ``chat``,
the agent) and of every streamed answer.

A :class:`SequenceCache` holds the key/value cache of the last sequence and the token ids in
it. The next prompt prefills only what it does not share with them (a server's requests share
the system prompt and tool declarations; an agent's conversation grows turn by turn). Where
the model's layers allow it, the cache is a transformers ``StaticCache``: positions are
written in place and cutting it back is moving its write position, so a decode step does not
concatenate 30 layers' growing key/value tensors. Measured here (SmolLM2-135M, int8 weights,
2-core CPU, ~500 cached tokens): 22.6 vs 27.1 ms per step (``docs/decisions.md``). Models
with sliding-window layers (Gemma 3) keep a ``DynamicCache``, which is reused only where
:func:`~toolschool.backends.generation.can_crop` allows.

:func:`decode_sequence` is the loop: greedy, with three ways to need fewer forward passes
that never change the greedy answer:

* under a grammar, tokens it forces are fed in the same pass as the model's choice
  (jump-forward; also before the first pass: ``TOOL_USE[`` when a call is required), and the
  answer ends without a pass once only the stop token is allowed;
* prompt-lookup drafts (:func:`~toolschool.backends.generation.next_draft`) ride along in each
  pass; the model's own argmax decides each draft token
  (:func:`~toolschool.backends.generation.verify_draft`) and rejected positions are dropped;
* budget-aware closing (:class:`~toolschool.backends.constrained.CallBudget`) near
  ``max_new_tokens``.
"""

from __future__ import annotations

from collections.abc import Collection, Generator, Sequence
from typing import Any

#: static caches grow in steps of this many positions (a new size re-prefills the sequence)
STATIC_BLOCK = 128


def _static_supported(model: Any) -> bool:
    config = model.config
    if hasattr(config, "get_text_config"):
        config = config.get_text_config(decoder=True)
    types = getattr(config, "layer_types", None)
    if types and any(t != "full_attention" for t in types):
        return False
    return not getattr(config, "sliding_window", None) or getattr(config, "use_sliding_window", True) is False


class SequenceCache:
    """The key/value cache of one sequence, kept from call to call.

    Args:
        model: a transformers causal LM.
        static: use a ``StaticCache`` where the model has only full-attention layers (see the
            module docstring); False always uses a ``DynamicCache``.

    Attributes:
        held: the token ids whose keys and values are in the cache, in order.
        drafted / accepted: prompt-lookup tokens proposed / kept, summed over every decode.
        static: whether the cache in use is a ``StaticCache``.
    """

    def __init__(self, model: Any, static: bool = True):
        self.model = model
        self.static = static and _static_supported(model)
        self.held: list[int] = []
        self.cache: Any = None
        self.capacity = 0
        self.drafted = 0
        self.accepted = 0

    def reset(self) -> None:
        """Forget the cached sequence (the next prompt is prefilled in full)."""
        self.held, self.cache, self.capacity = [], None, 0

    def begin(self, prompt: Sequence[int], room: int) -> list[int]:
        """Prepare to decode after ``prompt`` with up to ``room`` more positions.

        Keeps the cached positions ``prompt`` shares with :attr:`held` (at most
        ``len(prompt) - 1``: the last prompt token is always fed, its logits start the answer)
        and returns the ids still to feed.
        """
        from toolschool.backends.generation import common_prefix_length, crop_to

        prompt = list(prompt)
        keep = min(common_prefix_length([self.held, prompt]), len(prompt) - 1)
        held, self.held = self.held, []  # a forward that fails leaves no half-updated state
        need = len(prompt) + room
        if self.static and (self.cache is None or need > self.capacity):
            keep = self._allocate(need, keep)
        if self.static:
            self._rewind(keep)
        elif self.cache is None or keep <= 0 or not crop_to(self.cache, keep):
            self.cache, keep = None, 0  # nothing to reuse: a fresh DynamicCache
        self.held = held[:keep]
        return prompt[keep:]

    def _allocate(self, need: int, keep: int) -> int:
        """A static cache with room for ``need`` positions (rounded up to :data:`STATIC_BLOCK`)
        holding the first ``keep`` positions of the old one; returns how many it holds."""
        from transformers import StaticCache

        limit = getattr(self.model.config, "max_position_embeddings", None) or need
        size = min(-(-need // STATIC_BLOCK) * STATIC_BLOCK, max(limit, need))
        cache = StaticCache(config=self.model.config, max_cache_len=size)
        if not all(type(layer).__name__ == "StaticLayer" for layer in cache.layers):
            # a layer kind whose write position cannot simply be moved back
            self.static, self.cache, self.capacity = False, None, 0
            return 0
        old, self.cache, self.capacity = self.cache, cache, size
        if old is None or keep <= 0 or not all(layer.is_initialized for layer in old.layers):
            return 0
        for mine, theirs in zip(cache.layers, old.layers):  # an agent's conversation outgrew it
            mine.lazy_initialization(theirs.keys[:, :, :1], theirs.values[:, :, :1])
            mine.keys[:, :, :keep] = theirs.keys[:, :, :keep]
            mine.values[:, :, :keep] = theirs.values[:, :, :keep]
        return keep

    def _rewind(self, length: int) -> None:
        for layer in self.cache.layers:
            layer.cumulative_length.fill_(length)

    def feed(self, ids: Sequence[int], keep_logits: int = 1) -> Any:
        """Run the model on ``ids`` after :attr:`held`; returns the logits of the last
        ``keep_logits`` positions, shape ``(keep_logits, vocab)``."""
        import torch

        start, held = len(self.held), self.held
        self.held = []
        kwargs: dict[str, Any] = {}
        if self.static:
            kwargs["cache_position"] = torch.arange(start, start + len(ids))
        out = self.model(input_ids=torch.tensor([list(ids)]), past_key_values=self.cache, use_cache=True,
                         logits_to_keep=keep_logits, **kwargs)
        self.cache = out.past_key_values
        self.held = held + list(ids)
        return out.logits[0]

    def can_drop(self) -> bool:
        """Whether positions can be taken back (drafts need it)."""
        from toolschool.backends.generation import can_crop

        return self.static or (self.cache is not None and can_crop(self.cache))

    def drop(self, count: int) -> None:
        """Take back the last ``count`` positions (a rejected draft)."""
        if count <= 0:
            return
        keep = len(self.held) - count
        if self.static:
            self._rewind(keep)
        else:
            self.cache.crop(-count)
        self.held = self.held[:keep]


def decode_sequence(
    cache: SequenceCache,
    prompt: Sequence[int],
    max_new_tokens: int,
    stop_ids: Collection[int],
    matcher: Any = None,
    masker: Any = None,
    lookup: int = 0,
) -> Generator[list[int], None, tuple[list[int], str]]:
    """Decode one answer greedily after ``prompt`` (token ids), reusing ``cache``.

    Yields the new token ids of each forward pass (the model's choice with the forced tokens
    after it, after the draft tokens it kept); the first yield may also carry tokens forced
    before any choice. Returns ``(tokens, finish_reason)``: every new id (stop token
    excluded) and ``"stop"`` (a stop id, or a grammar that allows nothing else) or
    ``"length"`` (``max_new_tokens``). Closing the generator early leaves ``cache`` holding
    a consistent prefix of the answer.

    ``matcher``: an llguidance matcher for this answer, applied by ``masker``
    (:class:`~toolschool.backends.constrained.Masker`); ``lookup``: prompt-lookup draft size
    (0 = off). Runs under ``torch.inference_mode``.
    """
    import torch

    from toolschool.backends.constrained import CallBudget
    from toolschool.backends.generation import next_draft, verify_draft

    stop_ids = set(stop_ids)
    budget = CallBudget()
    tokens: list[int] = []
    pending: list[int] = []  # chosen and forced ids not yet fed
    if matcher is not None:
        pending = masker.forced(matcher, max_new_tokens - 1)
        tokens = list(pending)
        if pending:
            yield list(pending)
    draft: list[int] = []
    with torch.inference_mode():
        ids = cache.begin(prompt, max_new_tokens + lookup + 1) + pending
        while len(tokens) < max_new_tokens:
            logits = cache.feed(ids + draft, len(draft) + 1)
            accepted = verify_draft(logits, draft, matcher, masker) if draft else 0
            cache.drop(len(draft) - accepted)
            cache.drafted += len(draft)
            cache.accepted += accepted
            row = logits[accepted : accepted + 1]
            if matcher is not None:
                row = row.to(torch.float32, copy=True)  # an inference tensor cannot be masked in place
                closing = budget.closing(matcher, len(tokens) + accepted, max_new_tokens)
                masker.apply(row, [matcher], [closing])
            token = int(row[0].argmax())
            kept = draft[:accepted]
            tokens.extend(kept)
            if token in stop_ids:
                if kept:
                    yield kept
                return tokens, "stop"
            step = kept + [token]
            tokens.append(token)
            if matcher is not None:
                masker.advance(matcher, token)
                forced = masker.forced(matcher, max_new_tokens - len(tokens))
                tokens.extend(forced)
                step += forced
            yield step
            if matcher is not None and matcher.is_stopped():
                return tokens, "stop"  # only the stop token is left: no forward pass for it
            ids = step[len(kept):]
            draft = []
            if lookup and cache.can_drop():
                limit = min(lookup, max_new_tokens - len(tokens) - 1)
                draft = next_draft(cache.held + ids, limit, stop_ids, matcher)
    return tokens, "length"
