"""Constrained decoding: token masks from a tool-call grammar (llguidance).

A :class:`CallConstraint` is made once per model (tokenizer, vocabulary size, stop tokens) and
hands out an ``LLMatcher`` per answer (:meth:`CallConstraint.matcher`) for the grammar of the
request's tools, format and ``tool_choice`` (:meth:`~toolschool.formats.base.ToolFormat.grammar`).
Decoders then, at every step,

1. fill the row's allowed-token bitmask (:meth:`Masker.fill`, llguidance computes it in Rust),
2. set disallowed logits to ``-inf`` (:func:`apply_bitmask`) and pick the next token,
3. tell the matcher (``consume_token``), and
4. with one row, ask it for *forced* tokens (``compute_ff_tokens``: bytes the grammar allows in
   only one way, cut back to a canonical tokenisation) and feed them in the same forward pass
   (jump-forward decoding, as SGLang and llguidance's fast-forward tokens do).

The layout's stop tokens are the matcher's end-of-sequence tokens: the answer may end only
where the grammar accepts. :class:`GrammarLogitsProcessor` does steps 1–3 inside
``model.generate`` for callers that use transformers' own loop.

Grammars are compiled once per (tools, format, choice, parallel) and copied per answer
(``LLMatcher.deep_copy``); :meth:`CallConstraint.matcher` keeps the last 64.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from toolschool.formats.base import ToolFormat
from toolschool.types import ToolSchema

_CACHE_SIZE = 64


class ConstraintError(ValueError):
    """A grammar llguidance rejects, or a ``tool_choice`` that cannot be enforced."""


def special_strings(tokenizer: Any) -> dict[str, int]:
    """The tokenizer's special added tokens, text → id (``<|im_end|>``, ``<|tool_call>``…): in a
    grammar these must be matched as tokens, not as the characters they are written with."""
    out: dict[str, int] = {}
    for token_id, token in getattr(tokenizer, "added_tokens_decoder", {}).items():
        if getattr(token, "special", False):
            out[str(token.content)] = int(token_id)
    for name in getattr(tokenizer, "all_special_tokens", []) or []:
        token_id = tokenizer.convert_tokens_to_ids(name)
        if isinstance(token_id, int) and token_id >= 0:
            out.setdefault(name, token_id)
    return out


def apply_bitmask(logits: Any, bitmask: Any) -> None:
    """Set ``logits[r, t] = -inf`` where bit ``t`` of row ``r`` of ``bitmask`` is 0, in place.

    Args:
        logits: float tensor ``(rows, vocab)``.
        bitmask: int32 tensor ``(rows, ceil(vocab / 32))``, llguidance's layout (bit ``t % 32``
            of word ``t // 32``).
    """
    import torch

    rows, vocab = logits.shape
    shifts = torch.arange(32, dtype=torch.int32)
    bits = ((bitmask[:rows].unsqueeze(-1) >> shifts) & 1).reshape(rows, -1)[:, :vocab]
    logits.masked_fill_(bits == 0, float("-inf"))


#: characters of the tokens that close an open call: a double-quoted string, an object, an array,
#: an argument list (see :func:`closing_bitmask`). Gemma's ``<|"|>``/``<escape>`` strings are not
#: steered: their delimiters' characters can also continue the string.
CLOSING_CHARS = frozenset('"}])')

#: tokens left in the budget at which an answer inside a call is steered to close it
CLOSING_RESERVE = 16


def closing_bitmask(tokenizer: Any, vocab_size: int, stop_ids: Sequence[int] = ()) -> Any:
    """Int32 bitmasks (llguidance layout), shape ``(3, words)``, in order of preference: the
    stop tokens; the tokens made only of :data:`CLOSING_CHARS` that contain ``"``; all tokens
    made only of them. With the grammar's mask, the ways to finish: end (where the grammar
    allows it), else close a string (its ``"``; inside a string ``}`` or ``)`` would only
    lengthen it), else close brackets.

    Budget-aware closing: an answer that has opened a call, when ``max_new_tokens`` is
    :data:`CLOSING_RESERVE` tokens away, is masked to the first of these sets the grammar
    allows any of, so a string the model keeps repeating is closed and the call ends valid
    instead of being cut, and no new call is begun. The grammar forces what follows a closed
    argument (``]``, ``</tool_call>``…). Where none is allowed (a required key still missing)
    decoding goes on unsteered.
    """
    import numpy as np
    import torch

    words = (vocab_size + 31) // 32
    bits = np.zeros((3, words * 32), dtype=bool)
    bits[0, [i for i in stop_ids if 0 <= i < vocab_size]] = True
    size = min(len(tokenizer), vocab_size)
    texts = tokenizer.batch_decode([[i] for i in range(size)], skip_special_tokens=False)
    for token_id, text in enumerate(texts):
        if text and set(text) <= CLOSING_CHARS:
            bits[2, token_id] = True
            bits[1, token_id] = '"' in text
    weights = np.left_shift(np.uint64(1), np.arange(32, dtype=np.uint64))
    packed = (bits.reshape(3, words, 32).astype(np.uint64) * weights).sum(axis=2).astype(np.uint32)
    return torch.from_numpy(packed.view(np.int32).copy())


class CallBudget:
    """One answer's calls, for budget-aware closing (:func:`closing_bitmask`).

    :meth:`closing` is asked before each masked step: True once the answer has opened a call
    and the tokens left are at most :data:`CLOSING_RESERVE` or the longest call so far plus 2
    (so a call is not begun where one like it would not fit).
    """

    def __init__(self) -> None:
        self.inside = False
        self.opened = False
        self.start = 0
        self.outside = 0  # tokens written when last seen outside a call
        self.longest = 0

    def closing(self, matcher: Any, used: int, cap: int) -> bool:
        """Whether to steer this step (``used`` tokens of ``cap`` generated so far)."""
        if matcher is None:
            return False
        inside = not matcher.is_accepting()
        if inside and not self.inside:
            self.start = self.outside  # a call's length counts its opener (maybe forced, unseen)
        elif not inside:
            if self.inside:
                self.longest = max(self.longest, used - self.start)
            self.outside = used
        self.inside = inside
        self.opened = self.opened or inside
        return self.opened and cap - used <= max(CLOSING_RESERVE, self.longest + 2)


class CallConstraint:
    """Tool-call grammars for one model.

    Args:
        tokenizer: the model's fast (``tokenizers``-backed) Hugging Face tokenizer.
        fmt: the wire format the model writes calls in.
        vocab_size: the model's logits width (may exceed the tokenizer's vocabulary).
        stop_ids: tokens that end an answer (the layout's end-of-turn, EOS).

    Raises:
        ConstraintError: a tokenizer llguidance cannot read (a slow, Python-only tokenizer).
    """

    def __init__(self, tokenizer: Any, fmt: ToolFormat, vocab_size: int, stop_ids: Sequence[int]):
        import llguidance
        import llguidance.hf

        try:
            self.ll_tokenizer = llguidance.hf.from_tokenizer(
                tokenizer, n_vocab=vocab_size, eos_token=list(stop_ids)
            )
        except ValueError as exc:
            raise ConstraintError(f"constrained decoding needs a fast tokenizer: {exc}") from None
        self.fmt = fmt
        self.vocab_size = vocab_size
        self.special = special_strings(tokenizer)
        self.closing = closing_bitmask(tokenizer, vocab_size, stop_ids)
        self._compiled: OrderedDict[str, Any] = OrderedDict()
        self._llg = llguidance

    def grammar(
        self, tools: list[ToolSchema], tool_choice: Any = "auto", parallel: bool = True
    ) -> str | None:
        """The Lark grammar for one answer, or None when the answer is unconstrained text
        (no tools, or ``tool_choice="none"``).

        ``tool_choice``: ``"auto"``, ``"required"``, or an object with a ``name`` (a named
        tool: calls of that tool only).

        Raises:
            ConstraintError: a named tool that is not among ``tools``; a format or schema with
                no grammar (the message says which).
        """
        from toolschool.formats.grammar import GrammarError

        if tool_choice == "none" or not tools:
            if tool_choice not in ("auto", "none"):
                raise ConstraintError(f"tool_choice {tool_choice!r} needs tools")
            return None
        choice = "auto" if tool_choice == "auto" else "required"
        name = getattr(tool_choice, "name", None)
        if name is not None:
            tools = [t for t in tools if t.name == name]
            if not tools:
                raise ConstraintError(f"tool_choice names {name!r}, which is not among the tools offered")
        elif tool_choice not in ("auto", "required"):
            raise ConstraintError(
                f'tool_choice must be "auto", "none", "required" or a tool, got {tool_choice!r}'
            )
        try:
            return self.fmt.grammar(tools, choice, parallel, self.special)
        except GrammarError as exc:
            raise ConstraintError(str(exc)) from None

    def matcher(self, tools: list[ToolSchema], tool_choice: Any = "auto", parallel: bool = True) -> Any:
        """A fresh ``llguidance.LLMatcher`` for one answer, or None (see :meth:`grammar`).

        Raises:
            ConstraintError: as :meth:`grammar`, or llguidance rejects the grammar.
        """
        name = getattr(tool_choice, "name", None)
        key = json.dumps([[t.model_dump() for t in tools], str(tool_choice), name, parallel], sort_keys=True)
        compiled = self._compiled.get(key)
        if compiled is None:
            lark = self.grammar(tools, tool_choice, parallel)
            if lark is None:
                return None
            compiled = self._llg.LLMatcher(
                self.ll_tokenizer, self._llg.LLMatcher.grammar_from_lark(lark), log_level=0
            )
            if compiled.is_error():
                raise ConstraintError(
                    f"llguidance rejected the {self.fmt.name} grammar: {compiled.get_error()}"
                )
            self._compiled[key] = compiled
            while len(self._compiled) > _CACHE_SIZE:
                self._compiled.popitem(last=False)
        else:
            self._compiled.move_to_end(key)
        return compiled.deep_copy()


@dataclass
class ConstraintStats:
    """What constrained decoding cost, summed over answers.

    Attributes:
        answers: answers decoded under a grammar.
        tokens: tokens in those answers.
        masked_steps: model steps whose logits were masked.
        forced_tokens: tokens fed by jump-forward (no model step of their own).
        mask_ms: wall time computing and applying masks and forced tokens (ms).
    """

    answers: int = 0
    tokens: int = 0
    masked_steps: int = 0
    forced_tokens: int = 0
    mask_ms: float = 0.0

    def add(self, masker: Masker, answers: int, tokens: int) -> None:
        """Count one decode: ``answers`` answers of ``tokens`` tokens in all, masked by ``masker``."""
        self.answers += answers
        self.tokens += tokens
        self.masked_steps += masker.masked_steps
        self.forced_tokens += masker.forced_tokens
        self.mask_ms += masker.mask_ms

    def as_dict(self) -> dict[str, float]:
        """The counts plus ``mask_ms_per_step`` and ``forced_share`` (forced tokens / tokens)."""
        return {**asdict(self), "mask_ms_per_step": round(self.mask_ms / max(self.masked_steps, 1), 4),
                "forced_share": round(self.forced_tokens / max(self.tokens, 1), 4)}

    def summary(self) -> str:
        """One line for reports."""
        d = self.as_dict()
        return (f"on: {d['mask_ms_per_step']:.2f} ms of masking per model step; "
                f"{100 * d['forced_share']:.0f}% of {self.tokens} tokens forced (jump-forward)")


class Masker:
    """Fills and applies token masks for a batch of matchers, and times it.

    Attributes:
        mask_ms: total wall time spent computing and applying masks (ms).
        masked_steps: row-steps that were masked; forced_tokens: tokens jump-forward fed.
        closing_steps: row-steps narrowed to closing tokens (budget-aware closing).
    """

    def __init__(self, vocab_size: int, closing_mask: Any = None):
        import torch

        self.vocab_size = vocab_size
        self.closing_mask = closing_mask
        self.closing_steps = 0
        self.words = (vocab_size + 31) // 32
        self._bitmask = torch.full((1, self.words), -1, dtype=torch.int32)
        self.mask_ms = 0.0
        self.masked_steps = 0
        self.forced_tokens = 0

    def apply(self, logits: Any, matchers: Sequence[Any], closing: Sequence[bool] | None = None) -> None:
        """Mask ``logits`` ``(rows, vocab)`` in place; row ``r`` by ``matchers[r]`` (None: no mask).

        ``closing[r]``: also keep only :attr:`closing_mask` tokens in row ``r`` when that leaves
        any (budget-aware closing; see :func:`closing_bitmask`).
        """
        import torch
        from llguidance.torch import fill_next_token_bitmask

        live = [(r, m) for r, m in enumerate(matchers) if m is not None]
        if not live:
            return
        start = time.perf_counter()
        rows = logits.shape[0]
        if self._bitmask.shape[0] < rows:
            self._bitmask = torch.full((rows, self.words), -1, dtype=torch.int32)
        bitmask = self._bitmask[:rows]
        bitmask.fill_(-1)
        for r, m in live:
            fill_next_token_bitmask(m, bitmask, r)
            if closing is not None and closing[r] and self.closing_mask is not None:
                for preferred in self.closing_mask:  # stop, else a string's closing quote, else brackets
                    narrowed = bitmask[r] & preferred
                    if bool(narrowed.any()):
                        bitmask[r] = narrowed
                        self.closing_steps += 1
                        break
        width = logits.shape[1]
        if width > self.words * 32:  # logits wider than the matcher's vocabulary: never allowed
            logits[:, self.words * 32 :] = float("-inf")
        apply_bitmask(logits[:, : min(width, self.words * 32)], bitmask)
        self.masked_steps += len(live)
        self.mask_ms += (time.perf_counter() - start) * 1000

    def advance(self, matcher: Any, token: int) -> None:
        """Tell ``matcher`` the chosen ``token``.

        Raises:
            ConstraintError: the matcher refused a token its own mask allowed (an llguidance
                fault; the message carries its error).
        """
        if matcher is not None and not matcher.is_stopped() and not matcher.consume_token(token):
            raise ConstraintError(f"the grammar refused token {token}: {matcher.get_error()}")

    def forced(self, matcher: Any, limit: int) -> list[int]:
        """Tokens the grammar forces next (jump-forward), at most ``limit``; consumed by ``matcher``."""
        if matcher is None or limit <= 0 or matcher.is_stopped():
            return []
        start = time.perf_counter()
        tokens = list(matcher.compute_ff_tokens())[:limit]
        if tokens and not matcher.consume_tokens(tokens):
            raise ConstraintError(f"the grammar refused its own forced tokens: {matcher.get_error()}")
        self.mask_ms += (time.perf_counter() - start) * 1000
        self.forced_tokens += len(tokens)
        return tokens


def grammar_logits_processor(matchers: Sequence[Any], prompt_width: int, vocab_size: int) -> Any:
    """A transformers ``LogitsProcessor`` that masks ``model.generate`` with ``matchers``.

    Args:
        matchers: one ``LLMatcher`` (or None) per row of the batch.
        prompt_width: the (padded) prompt length; tokens after it are generated ones.
        vocab_size: the logits width.
    """
    from transformers import LogitsProcessor

    class GrammarLogitsProcessor(LogitsProcessor):
        """Masks each row's scores with its grammar; feeds it the row's last generated token."""

        def __init__(self) -> None:
            self.masker = Masker(vocab_size)
            self.seen = prompt_width

        def __call__(self, input_ids: Any, scores: Any) -> Any:
            width = input_ids.shape[1]
            if width > self.seen:  # one new token per row since the last call
                for row, m in enumerate(matchers):
                    self.masker.advance(m, int(input_ids[row, -1]))
                self.seen = width
            self.masker.apply(scores, matchers)
            return scores

    return GrammarLogitsProcessor()
