"""Checks run before LoRA training starts: settings that are known to train badly, and the chat
template the model will be prompted with afterwards.

* :func:`setting_warnings` — loud warnings (not errors) for a learning rate outside the usual
  LoRA range, gradient clipping turned off with ``force_unsafe_grad_norm``, and ``fp16`` on a
  CPU without fp16 kernels (:func:`toolschool.models.precision.precision_note`).
* :func:`untrained_token_warnings` — special tokens the answers must write whose output-embedding
  row is the same as another special token's (never trained: Qwen2.5-Coder's ``<tool_call>`` and
  ``</tool_call>``). LoRA leaves those rows alone, so the model cannot learn to write them apart.
* :func:`check_chat_template` — the model's own chat template against toolschool's format and
  layout, byte for byte, on the fixed samples of :func:`toolschool.chat.templates.check_template`
  (tool declarations, calls, results, answers, follow-up turns). A model served through its own
  template (vLLM, transformers' ``apply_chat_template``) must see the text it was trained on;
  a difference stops training with the diff (``template_check: error``), or is logged
  (``warn``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

from toolschool.chat.prompt import Layout
from toolschool.chat.resolve import TokenizerTemplateLayout, template_text
from toolschool.chat.templates import (
    TemplateCheck,
    TemplateSample,
    check_template,
    detect_template_format,
    render_with_template,
    samples,
)
from toolschool.errors import ConfigError
from toolschool.models.precision import precision_note
from toolschool.train.config import TrainConfig

__all__ = ["LORA_LR_RANGE", "TemplateGuard", "check_chat_template", "setting_warnings",
           "untrained_token_warnings"]

log = logging.getLogger(__name__)

#: learning rates outside ``[low, high]`` get a warning. Sources: Thinking Machines' "LoRA
#: Without Regret" (Schulman et al., 2025) finds the best LoRA learning rate ~10x the full
#: fine-tuning one; their tinker-cookbook ``hyperparam_utils.get_lr`` gives
#: ``5e-5 * 10 * (2000 / hidden_size) ** 0.781`` for Llama-style models, 1.3e-3 for
#: SmolLM2-135M (hidden 576) and 4.5e-4 at hidden 2048; Unsloth's LoRA hyperparameter guide
#: starts at 2e-4; Hu et al. 2021 (LoRA) used 2e-4 to 5e-4. Our default, 2e-3, was measured
#: best on SmolLM2-135M (docs/decisions.md). Below 1e-5 the adapter, whose B starts at zero,
#: hardly moves in a short run; above 5e-3 (4x tinker's value for a 135M model) Adam's
#: steps on B are large enough to make the loss spike.
LORA_LR_RANGE = (1e-5, 5e-3)


def setting_warnings(config: TrainConfig) -> list[str]:
    """Warnings for settings that are allowed but known to train badly (empty when none).

    The caller logs them (they are also kept in ``TrainResult.warnings``): a learning rate
    outside :data:`LORA_LR_RANGE`, clipping turned off (``max_grad_norm <= 0`` with
    ``force_unsafe_grad_norm``), and ``precision: fp16`` where it runs as something else.
    """
    out = []
    low, high = LORA_LR_RANGE
    if not low <= config.learning_rate <= high:
        side = "below" if config.learning_rate < low else "above"
        out.append(
            f"learning_rate={config.learning_rate:g} is {side} the usual LoRA range {low:g}..{high:g} "
            f"(sources in toolschool.train.guards.LORA_LR_RANGE; the default is 2e-3): "
            + ("the adapter will hardly move" if side == "below" else "the loss may spike or diverge")
        )
    if config.max_grad_norm <= 0:
        watch = (
            "the spectrum monitor stops a frozen or collapsed run"
            if config.spectrum_every
            else "and spectrum_every=0 leaves nothing watching for a frozen or collapsed run"
        )
        out.append(
            f"GRADIENT CLIPPING IS OFF (max_grad_norm={config.max_grad_norm:g} with force_unsafe_grad_norm): "
            f"unclipped LoRA training is known to collapse (loss -> 0, frozen weights); {watch}"
        )
    note = precision_note(config.precision)
    if note:
        out.append(note)
    return out


@dataclass(frozen=True)
class TemplateGuard:
    """The outcome of :func:`check_chat_template`.

    Attributes:
        status: ``identical`` (every compared sample), ``differs`` (logged with
            ``template_check: warn``), or ``skipped`` (``message`` says why).
        message: one line for logs and ``TrainResult.template_check``; with ``differs`` also
            the diff of each differing sample.
        check: the per-sample comparison, when one ran.
    """

    status: Literal["identical", "differs", "skipped"]
    message: str
    check: TemplateCheck | None = None


def _special_tokens(tokenizer: Any) -> dict[str, str]:
    """The tokenizer's special tokens as template variables (what ``apply_chat_template`` passes)."""
    mapping = getattr(tokenizer, "special_tokens_map", {}) or {}
    return {k: v for k, v in mapping.items() if isinstance(v, str)}


def _renders_tools(text: str, tokens: dict[str, str]) -> tuple[bool, str]:
    """``(the template writes something for tool declarations, why not)``: a first turn
    rendered with and without the sample tools."""
    first = samples("")[0]
    try:
        with_tools = render_with_template(text, first, "", tokens)
    except Exception as exc:  # noqa: BLE001 - whatever the template raises is the reason
        return False, f"the chat template fails on a first turn with tools ({type(exc).__name__}: {exc})"
    try:
        without = render_with_template(text, TemplateSample(first.name, first.messages, []), "", tokens)
    except Exception:  # noqa: BLE001 - it needs tools (Hermes 2 Pro's tool_use): it renders them
        return True, ""
    if with_tools == without:
        return False, "the model's chat template writes nothing for tools (the same text with and without)"
    return True, ""


def check_chat_template(
    tokenizer: Any, layout: Layout, fmt_name: str, mode: Literal["error", "warn", "off"] = "error"
) -> TemplateGuard:
    """Compare the tokenizer's chat template with toolschool's ``fmt_name`` in ``layout``.

    The comparison is :func:`~toolschool.chat.templates.check_template` with the training
    layout (a :class:`~toolschool.chat.resolve.TokenizerTemplateLayout` is compared through
    the toolschool layout its training segments come from) and the tokenizer's special tokens.
    It is skipped, with the reason in the message, when there is nothing to compare: no
    template; a template that writes nothing for tools (SmolLM2's, Gemma 3's: the same text
    with and without tools); one whose tool format toolschool does not know; or one that
    writes another format than the one taught (the texts differ by design; ``toolschool
    export`` writes a template that prompts as trained).

    Args:
        tokenizer: the model's tokenizer (its ``chat_template`` and special tokens).
        layout: the turn layout training renders in.
        fmt_name: the format taught.
        mode: ``error`` raises on a difference, ``warn`` logs it, ``off`` skips the check.

    Raises:
        ConfigError: ``mode="error"`` and a sample renders differently; the message has a
            unified diff (``template`` → ``toolschool``) per differing sample.
    """
    if mode == "off":
        return TemplateGuard("skipped", "template check skipped: template_check is off")
    text = template_text(tokenizer)
    if text is None:
        return TemplateGuard("skipped", "template check skipped: the tokenizer has no chat template")
    tokens = _special_tokens(tokenizer)
    renders, why = _renders_tools(text, tokens)
    if not renders:
        return TemplateGuard("skipped", f"template check skipped: {why}, so there is nothing to compare")
    native = detect_template_format(text)
    if native is None:
        why = "the chat template writes tools in a format toolschool does not know"
        return TemplateGuard("skipped", f"template check skipped: {why}")
    if native != fmt_name:
        return TemplateGuard(
            "skipped",
            f"template check skipped: the chat template writes {native!r} and this run teaches {fmt_name!r}, "
            "which differ by design (serve with the template `toolschool export` writes)",
        )
    ours = layout.layout if isinstance(layout, TokenizerTemplateLayout) else layout
    result = check_template(text, fmt_name, layout=ours, tokens=tokens)
    if not result.samples:
        return TemplateGuard(
            "skipped", f"template check skipped: the template refused every sample ({result.skipped})", result
        )
    if result.identical:
        return TemplateGuard(
            "identical",
            f"template check: the model's chat template and toolschool's {fmt_name!r} in the {ours.name!r} "
            f"layout render {len(result.samples)} samples byte for byte alike",
            result,
        )
    diffs = "\n".join(f"[{s.name}] {s.diff}" for s in result.samples if not s.identical)
    message = (
        f"the model's chat template and toolschool's {fmt_name!r} in the {ours.name!r} layout render "
        f"{', '.join(result.differing)} differently, so the model would be trained on other text than "
        f"its template prompts it with:\n{diffs}"
    )
    if mode == "error":
        raise ConfigError(message + "\n(set template_check=warn to train anyway, or choose another layout)")
    log.warning(message)
    return TemplateGuard("differs", message, result)


#: Output-embedding rows closer than this cosine are one row (Qwen2.5-Coder-0.5B's untrained
#: ``<tool_call>``/``</tool_call>``: 0.99999; its trained ``<|im_start|>``/``<|im_end|>``: < 0.9).
SAME_ROW_COSINE = 0.9999


def untrained_token_warnings(model: Any, tokenizer: Any, labels: Any) -> list[str]:
    """Warnings for added (special) tokens in the labels whose output-embedding row matches
    another added token's: such rows were never trained, and LoRA does not change them, so the
    model cannot learn to write the token apart from its twin (measured on
    Qwen2.5-Coder-0.5B-Instruct with ``hermes``: it wrote ``<|im_start|>`` for ``<tool_call>``
    and no call parsed; docs/decisions.md).

    Args:
        model: a causal LM with ``get_output_embeddings()``.
        tokenizer: its tokenizer (``get_added_vocab()`` gives the tokens checked).
        labels: token ids the training answers contain (any iterable of ints; ``-100`` ignored).

    Returns:
        One message per labelled token that shares its row; empty when none does.
    """
    import torch

    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    added = getattr(tokenizer, "get_added_vocab", lambda: {})()
    if head is None or not added:
        return []
    weight = head.weight
    names = {i: t for t, i in added.items() if 0 <= i < weight.shape[0]}
    labelled = sorted({int(x) for x in labels if int(x) in names})
    if not labelled or len(names) < 2:
        return []
    ids = sorted(names)
    with torch.no_grad():
        rows = torch.nn.functional.normalize(weight[ids].float(), dim=1)
        cosine = rows @ rows.T
    out = []
    for token in labelled:
        i = ids.index(token)
        twins = [names[ids[j]] for j in range(len(ids)) if j != i and cosine[i, j] >= SAME_ROW_COSINE]
        if twins:
            more = f" and {len(twins) - 3} more" if len(twins) > 3 else ""
            shown = ", ".join(repr(t) for t in twins[:3]) + more
            out.append(f"the answers write {names[token]!r}, but its output-embedding row is the same as "
                       f"{shown}'s (cosine >= {SAME_ROW_COSINE}: never trained); "
                       "LoRA does not change that row, so the model cannot learn to write it apart. Pick a "
                       "format whose tags are plain text (e.g. tool_use) or train those rows")
    return out
