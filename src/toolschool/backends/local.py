"""Local transformers backend: batched greedy generation on CPU.

Requests are rendered in the model's turn layout and the tool format, sorted by prompt length
(so each batch pads little) and decoded greedily in batches, by default with
:class:`~toolschool.backends.generation.PrefixCachedDecoder` (shared system prompt computed
once), or with plain ``model.generate``.
Generation stops at the layout's end-of-turn marker(s). :meth:`LocalBackend.stream` decodes one
request token by token and yields the text as it is generated (for early tool execution).
Use bf16 *weights* for speed on CPU (bf16 autocast slows ``generate`` here);
:func:`prepare_for_inference` does that and merges a LoRA adapter first, so no adapter
overhead is paid per token.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Literal

from toolschool.backends.generation import PrefixCachedDecoder
from toolschool.chat.prompt import DEFAULT_SYSTEM, ChatMLLayout, Layout
from toolschool.formats.base import ToolFormat
from toolschool.types import Message, ToolCall, ToolSchema


@dataclass(frozen=True)
class NamedTool:
    """``tool_choice`` that forces a call of one tool (OpenAI's ``{"type": "function", "function": {"name"}}``)."""

    name: str


ToolChoice = Literal["auto", "none", "required"] | NamedTool
"""What the answer may do (OpenAI's ``tool_choice``): ``auto`` text or calls, ``none`` text only,
``required`` at least one call, :class:`NamedTool` calls of that tool only."""


@dataclass
class ChatRequest:
    """The conversation so far and the tools offered; the backend answers the next turn.

    Attributes:
        messages: the conversation so far.
        tools: the tools offered.
        tool_choice: what the answer may do (see :data:`ToolChoice`); backends that cannot
            enforce ``required`` or a named tool (no constrained decoding) treat it as a hint.
        parallel_tool_calls: False allows at most one call in the answer.
    """

    messages: list[Message]
    tools: list[ToolSchema]
    tool_choice: ToolChoice = "auto"
    parallel_tool_calls: bool = True


@dataclass
class Completion:
    """One answer.

    Attributes:
        raw: the generated assistant text (stop marker removed).
        calls: tool calls when the backend returns them structured (OpenAI-style HTTP);
            ``None`` when the caller must parse ``raw`` with the wire format.
        latency_ms: wall time from the start of this request's batch to its last token.
        new_tokens: number of generated tokens.
        batch_size: how many requests shared the forward passes.
        finish_reason: ``"stop"`` (end-of-turn token), ``"length"`` (``max_new_tokens``) or
            ``"call_window"`` (no call opened within the backend's call window).
    """

    raw: str
    calls: list[ToolCall] | None = None
    latency_ms: float = 0.0
    new_tokens: int = 0
    batch_size: int = 1
    finish_reason: str = "stop"


def prepare_for_inference(model: Any, dtype: str = "auto") -> Any:
    """Merge a peft adapter into the base weights (if any), cast, and set eval mode.

    ``dtype``: ``float32``, ``bfloat16``, ``auto`` (bfloat16 only where this CPU has bf16
    kernels; see :mod:`toolschool.models.precision`), or ``int8``: bf16 with every
    ``nn.Linear`` (the LM head too) holding int8 weights per output channel
    (:func:`toolschool.models.quantize.quantize_int8_weights`). Decoding one token is bound by
    reading the weights, so halving their bytes again pays (see ``docs/decisions.md``).
    Greedy answers can differ from bf16's at near-ties.

    Raises:
        ValueError: an unknown ``dtype``.
    """
    import torch

    from toolschool.models.precision import resolve_weight_dtype

    if hasattr(model, "merge_and_unload"):
        model = model.merge_and_unload()
    if dtype == "int8":
        from toolschool.models.quantize import quantize_int8_weights

        return quantize_int8_weights(model)
    return model.to(getattr(torch, resolve_weight_dtype(dtype))).eval()


class LocalBackend:
    """Answer :class:`ChatRequest` batches with a local causal LM.

    Args:
        model: a transformers causal LM (already merged/cast; see
            :func:`prepare_for_inference`).
        tokenizer: its tokenizer (left padding is set here).
        fmt: the wire format used to render tool declarations and results.
        system: system prompt text (tool declarations are appended by ``fmt``).
        batch_size: prompts per ``generate`` call.
        max_new_tokens: cap on generated tokens per answer.
        prefix_cache: decode with :class:`PrefixCachedDecoder` (the shared system prompt is
            computed once; rows leave the batch when done). ``False`` uses plain
            ``model.generate`` with left padding (the reference path).
        call_window: stop an answer that has not begun a tool call
            (:meth:`ToolFormat.may_call`) after this many tokens; its prose is cut there
            (``finish_reason="call_window"``). ``None`` decodes every answer in full.
            Only the prefix-cached decoder applies it.
        layout: the model's turn layout (:func:`toolschool.chat.resolve.resolve_layout`);
            None: :class:`~toolschool.chat.prompt.ChatMLLayout`. Prompts are rendered with
            ``layout.render`` and tokenised with ``add_special_tokens=False`` (a BOS the layout
            writes is not doubled).
        constrained: decode every answer under the tool-call grammar of its request
            (:mod:`toolschool.backends.constrained`): the answer is text, or calls in ``fmt`` of
            offered tools with schema-valid arguments. Requests with ``tool_choice``
            ``"required"`` or a named tool are always decoded under their grammar (that is what
            makes them hold), ``"none"`` never.
        close_calls: under a grammar, steer an answer still inside a call when
            ``max_new_tokens`` is near to close it (budget-aware closing:
            :func:`~toolschool.backends.constrained.closing_bitmask`), so a call the model
            would have left open at the cap is valid.
        prompt_lookup: a lone answer (batch of one, and :meth:`stream`) drafts up to this
            many tokens by prompt lookup and verifies them in one forward pass
            (:func:`~toolschool.backends.generation.lookup_draft`): the same greedy answer in
            fewer passes when it copies the conversation (arguments, URLs, quoted results).
            0 = off (the default: batched evaluation has no lone rows to speak of).
        stream_cache: :meth:`stream` keeps the key/value cache of the last lone answer
            (:class:`~toolschool.backends.sequence.SequenceCache`) and reuses the part that the
            next prompt shares (an agent's conversation grows turn by turn,
            so only the new turns are prefilled). Measured with SmolLM2-135M (bf16, 2-core
            CPU): an agent's second turn began streaming after 137 ms instead of 1136 ms.

    Stopping: each string of ``layout.stops`` that the tokenizer encodes as one token is a
    stop id, and so is the tokenizer's ``eos_token_id``. A stop string that is several tokens
    for this tokenizer (e.g. ``<end_of_turn>`` with a tokenizer that lacks the token) cannot
    stop decoding by id: decoding then runs to EOS or ``max_new_tokens``, and the answer is
    cut at the first occurrence of the stop string in its decoded text (``finish_reason``
    ``"stop"`` when it was found). :attr:`stop_strings` lists such strings.

    Attributes:
        layout: the layout in use.
        stop_ids: the token ids that end an answer.
        stop_strings: stop strings that are not single tokens (trimmed after decoding).
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        fmt: ToolFormat,
        system: str = DEFAULT_SYSTEM,
        batch_size: int = 16,
        max_new_tokens: int = 128,
        prefix_cache: bool = True,
        call_window: int | None = None,
        layout: Layout | None = None,
        stream_cache: bool = True,
        constrained: bool = False,
        prompt_lookup: int = 0,
        close_calls: bool = True,
    ):
        if call_window is not None and call_window < 1:
            raise ValueError(f"call_window must be >= 1 or None, got {call_window}")
        self.model = model
        self.tokenizer = tokenizer
        self.fmt = fmt
        self.system = system
        self.batch_size = batch_size
        self.max_new_tokens = max_new_tokens
        self.call_window = call_window
        self.layout = ChatMLLayout() if layout is None else layout
        self.tokenizer.padding_side = "left"
        ids = {tokenizer.eos_token_id}
        self.stop_strings: list[str] = []
        for stop in self.layout.stops:
            encoded = tokenizer.encode(stop, add_special_tokens=False)
            if len(encoded) == 1 and encoded[0] != tokenizer.unk_token_id:
                ids.add(encoded[0])
            else:
                self.stop_strings.append(stop)
        self.stop_ids = sorted(i for i in ids if i is not None and i >= 0)
        self.stream_cache = stream_cache
        self.decoder = (
            PrefixCachedDecoder(model, self.stop_ids, tokenizer.pad_token_id) if prefix_cache else None
        )
        from toolschool.backends.sequence import SequenceCache

        # the cache of lone answers, shared by stream() and a lone complete()
        self.sequence = self.decoder.sequence if self.decoder is not None else SequenceCache(model)
        self.constrained = constrained
        self.prompt_lookup = prompt_lookup
        self.close_calls = close_calls
        self._constraint: Any = None
        self.masker: Any = None  # the Masker of the last constrained decode (its timings)
        from toolschool.backends.constrained import ConstraintStats

        self.constraint_stats = ConstraintStats()  # summed over every constrained decode

    @property
    def constraint(self) -> Any:
        """The :class:`~toolschool.backends.constrained.CallConstraint` for this model (made on first use)."""
        if self._constraint is None:
            from toolschool.backends.constrained import CallConstraint

            vocab = int(self.model.get_output_embeddings().out_features)
            self._constraint = CallConstraint(self.tokenizer, self.fmt, vocab, self.stop_ids)
        return self._constraint

    def matcher(self, request: ChatRequest) -> Any:
        """The grammar matcher for one answer, or None when it is decoded freely (see ``constrained``).

        Raises:
            ConstraintError: a ``tool_choice`` that cannot be enforced, or a format/schema with no grammar.
        """
        choice = request.tool_choice
        if choice == "none" or (choice == "auto" and not self.constrained):
            return None
        return self.constraint.matcher(request.tools, choice, request.parallel_tool_calls)

    def _masker(self) -> Any:
        from toolschool.backends.constrained import Masker

        self.masker = Masker(self.constraint.vocab_size, self.constraint.closing if self.close_calls else None)
        return self.masker

    def _gives_up(self, tokens: list[int]) -> bool:
        return not self.fmt.may_call(self.tokenizer.decode(tokens, skip_special_tokens=False))

    def _generate(
        self, prompts: list[list[int]], matchers: list[Any] | None = None
    ) -> list[tuple[list[int], float, str]]:
        constrained = matchers is not None and any(m is not None for m in matchers)
        masker = self._masker() if constrained else None
        if self.decoder is not None:
            window = self.call_window or 0
            generated = self.decoder.generate(
                prompts, self.max_new_tokens, self._gives_up if window else None, window,
                matchers=matchers if constrained else None, masker=masker, lookup=self.prompt_lookup,
            )
            if constrained:
                self.constraint_stats.add(masker, len(prompts), sum(len(g.tokens) for g in generated))
            return [(g.tokens, g.latency_ms, g.finish_reason) for g in generated]
        import torch

        width = max(len(p) for p in prompts)
        ids = torch.full((len(prompts), width), self.tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for r, p in enumerate(prompts):  # left padding
            ids[r, width - len(p) :] = torch.tensor(p)
            mask[r, width - len(p) :] = 1
        processors = None
        if constrained:
            from transformers import LogitsProcessorList

            from toolschool.backends.constrained import grammar_logits_processor

            processor = grammar_logits_processor(matchers, width, self.constraint.vocab_size)
            self.masker = processor.masker
            processors = LogitsProcessorList([processor])
        start = time.perf_counter()
        with torch.inference_mode():
            out = self.model.generate(
                input_ids=ids, attention_mask=mask, max_new_tokens=self.max_new_tokens, do_sample=False,
                eos_token_id=self.stop_ids, pad_token_id=self.tokenizer.pad_token_id,
                logits_processor=processors,
            )
        elapsed = (time.perf_counter() - start) * 1000
        results = []
        for row in out[:, width:].tolist():
            n = next((k for k, t in enumerate(row) if t in self.stop_ids), len(row))
            results.append((row[:n], elapsed, "stop" if n < len(row) else "length"))
        if constrained:
            self.constraint_stats.add(self.masker, len(prompts), sum(len(r[0]) for r in results))
        return results

    def prompt(self, request: ChatRequest) -> str:
        """Prompt text for one request (generation prompt included)."""
        return self.layout.render(
            request.messages, request.tools, self.fmt, self.system, add_generation_prompt=True
        )

    def complete(
        self, requests: list[ChatRequest], on_batch: Callable[[int], None] | None = None
    ) -> list[Completion]:
        """Generate one answer per request, greedily, in length-sorted batches.

        ``on_batch(n)`` is called after each batch with the number of requests it answered.
        """
        prompts = [self.prompt(r) for r in requests]
        matchers = [self.matcher(r) for r in requests]
        encoded = [self.tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts]
        order = sorted(range(len(prompts)), key=lambda i: len(encoded[i]))
        answers: list[Completion | None] = [None] * len(prompts)
        for b in range(0, len(order), self.batch_size):
            idx = order[b : b + self.batch_size]
            generated = self._generate([encoded[i] for i in idx], [matchers[i] for i in idx])
            for (tokens, latency_ms, reason), i in zip(generated, idx):
                text = self.tokenizer.decode(tokens, skip_special_tokens=False)
                cut = min((k for k in (text.find(s) for s in self.stop_strings) if k >= 0), default=-1)
                if cut >= 0:
                    text, reason = text[:cut], "stop"
                answers[i] = Completion(
                    raw=text, latency_ms=latency_ms, new_tokens=len(tokens), batch_size=len(idx),
                    finish_reason=reason,
                )
            if on_batch:
                on_batch(len(idx))
        return [a for a in answers if a is not None]

    def stream(self, request: ChatRequest) -> Generator[str, None, Completion]:
        """Generate one answer greedily and yield its text in pieces as tokens are produced.

        :func:`~toolschool.backends.sequence.decode_sequence` on :attr:`sequence` (batch 1, no
        call window), stopping at a stop id or after ``max_new_tokens``. With ``stream_cache``
        the positions this prompt shares with the sequence cached before it (by a stream or a
        lone :meth:`complete`) are reused and only the rest is prefilled (not thread-safe: one
        answer at a time per backend). Text is decoded incrementally:
        each step decodes the tokens so far and yields what is new, holding back a trailing
        incomplete character (``\ufffd``, a multi-byte character split across tokens) and
        trailing whitespace (which tokenizer clean-up may still change) until more text
        arrives; a multi-token stop string (:attr:`stop_strings`) is held back while it may
        be forming and ends the answer where it begins. The joined pieces equal
        :meth:`complete`'s ``raw`` for the same request (greedy; tested on the tiny model in
        float32 — in bf16 different kernels may break near-ties differently). Each step costs
        one forward pass plus one decode of the answer so far.

        The model runs in the consumer's thread, between ``next()`` calls; closing the
        generator early stops generation. The generator's return value (``StopIteration.value``)
        is the :class:`Completion`: the joined text, ``new_tokens`` and ``finish_reason``
        (``"stop"`` or ``"length"``).
        """
        from toolschool.backends.sequence import decode_sequence

        matcher = self.matcher(request)
        prompt = self.tokenizer(self.prompt(request), add_special_tokens=False)["input_ids"]
        if not self.stream_cache:
            self.sequence.reset()
        masker = self._masker() if matcher is not None else None
        steps = decode_sequence(self.sequence, prompt, self.max_new_tokens, self.stop_ids, matcher, masker,
                                self.prompt_lookup)
        tokens: list[int] = []
        sent = ""
        while True:
            try:
                tokens += next(steps)
            except StopIteration as end:
                tokens, reason = end.value
                break
            text = self.tokenizer.decode(tokens, skip_special_tokens=False)
            cut = min((k for k in (text.find(s) for s in self.stop_strings) if k >= 0), default=-1)
            if cut >= 0:
                steps.close()
                text = text[:cut]
                if masker is not None:
                    self.constraint_stats.add(masker, 1, len(tokens))
                if text[len(sent) :]:
                    yield text[len(sent) :]
                return Completion(raw=text, new_tokens=len(tokens), finish_reason="stop")
            ready = len(text.rstrip("\ufffd").rstrip())
            for stop in self.stop_strings:  # hold back a stop string that may be forming
                for k in range(min(len(stop) - 1, ready), 0, -1):
                    if text[:ready].endswith(stop[:k]):
                        ready -= k
                        break
            if ready > len(sent) and text.startswith(sent):
                yield text[len(sent) : ready]
                sent = text[:ready]
        if masker is not None:
            self.constraint_stats.add(masker, 1, len(tokens))
        text = self.tokenizer.decode(tokens, skip_special_tokens=False)
        if text[len(sent) :]:
            yield text[len(sent) :]
        return Completion(raw=text, new_tokens=len(tokens), finish_reason=reason)
