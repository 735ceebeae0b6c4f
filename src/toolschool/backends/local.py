"""Local transformers backend: batched greedy generation on CPU.

Requests are rendered with the chat template and the tool format, sorted by prompt length
(so each batch pads little), left-padded and generated together with ``model.generate``.
Generation stops at the template's end-of-turn marker. Use bf16 *weights* for speed on
CPU (bf16 autocast slows ``generate`` here); :func:`prepare_for_inference` does that and
merges a LoRA adapter first, so no adapter overhead is paid per token.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from toolschool.chat.prompt import DEFAULT_SYSTEM, ChatMLTemplate
from toolschool.formats.base import ToolFormat
from toolschool.types import Message, ToolCall, ToolSchema


@dataclass
class ChatRequest:
    """The conversation so far and the tools offered; the backend answers the next turn."""

    messages: list[Message]
    tools: list[ToolSchema]


@dataclass
class Completion:
    """One answer.

    Attributes:
        raw: the generated assistant text (stop marker removed).
        calls: tool calls when the backend returns them structured (OpenAI-style HTTP);
            ``None`` when the caller must parse ``raw`` with the wire format.
        latency_ms: wall time from submitting this request's batch to its answer.
        new_tokens: number of generated tokens.
        batch_size: how many requests shared the forward passes.
    """

    raw: str
    calls: list[ToolCall] | None = None
    latency_ms: float = 0.0
    new_tokens: int = 0
    batch_size: int = 1


def prepare_for_inference(model: Any, dtype: str = "bfloat16") -> Any:
    """Merge a peft adapter into the base weights (if any), cast, and set eval mode."""
    import torch

    if hasattr(model, "merge_and_unload"):
        model = model.merge_and_unload()
    return model.to(getattr(torch, dtype)).eval()


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
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        fmt: ToolFormat,
        system: str = DEFAULT_SYSTEM,
        batch_size: int = 16,
        max_new_tokens: int = 128,
    ):
        self.model = model
        self.tokenizer = tokenizer
        self.fmt = fmt
        self.system = system
        self.batch_size = batch_size
        self.max_new_tokens = max_new_tokens
        self.template = ChatMLTemplate()
        self.tokenizer.padding_side = "left"
        stop_id = tokenizer.convert_tokens_to_ids(self.template.stop)
        self.stop_ids = [i for i in {stop_id, tokenizer.eos_token_id} if i is not None and i >= 0]

    def prompt(self, request: ChatRequest) -> str:
        """Prompt text for one request (generation prompt included)."""
        return self.template.render(
            request.messages, request.tools, self.fmt, self.system, add_generation_prompt=True
        )

    def complete(
        self, requests: list[ChatRequest], on_batch: Callable[[int], None] | None = None
    ) -> list[Completion]:
        """Generate one answer per request, greedily, in length-sorted batches.

        ``on_batch(n)`` is called after each batch with the number of requests it answered.
        """
        import torch

        prompts = [self.prompt(r) for r in requests]
        lengths = [len(self.tokenizer(p, add_special_tokens=False)["input_ids"]) for p in prompts]
        order = sorted(range(len(prompts)), key=lambda i: lengths[i])
        answers: list[Completion | None] = [None] * len(prompts)
        for b in range(0, len(order), self.batch_size):
            idx = order[b : b + self.batch_size]
            enc = self.tokenizer(
                [prompts[i] for i in idx], return_tensors="pt", padding=True, add_special_tokens=False
            )
            start = time.perf_counter()
            with torch.inference_mode():
                out = self.model.generate(
                    **enc,
                    max_new_tokens=self.max_new_tokens,
                    do_sample=False,
                    eos_token_id=self.stop_ids,
                    pad_token_id=self.tokenizer.pad_token_id,
                )
            elapsed = (time.perf_counter() - start) * 1000
            new = out[:, enc["input_ids"].shape[1] :]
            for row, i in enumerate(idx):
                tokens = new[row].tolist()
                n = len(tokens)
                for k, t in enumerate(tokens):
                    if t in self.stop_ids:
                        n = k
                        break
                text = self.tokenizer.decode(tokens[:n], skip_special_tokens=False)
                answers[i] = Completion(
                    raw=text, latency_ms=elapsed, new_tokens=n, batch_size=len(idx)
                )
            if on_batch:
                on_batch(len(idx))
        return [a for a in answers if a is not None]
