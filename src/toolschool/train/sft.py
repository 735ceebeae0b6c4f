"""LoRA supervised fine-tuning with assistant-only loss, in a plain PyTorch loop.

Why not TRL's ``SFTTrainer``: on this project's 2-core CPU it ran 28–37% slower than a
plain loop on the same batches (its default gradient checkpointing alone costs ~13%),
and SmolLM2's chat template has no ``{% generation %}`` markers, so its assistant-only
mode does not apply; labels come from :mod:`toolschool.chat.masks` instead. The loop is
the standard one: AdamW on the LoRA parameters, warm-up + cosine/linear schedule,
gradient clipping, bf16 autocast where the CPU has bf16 kernels (``precision: auto``; on an
AVX-512 CPU ~340 vs ~190 tokens/s fp32, on an AVX2-only CPU 13x *slower* than fp32).

Output in ``out_dir``: ``adapter/`` (peft ``save_pretrained``), ``train_log.jsonl`` (one
line per logged step, appended and flushed as training goes), ``train_result.json``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolschool.chat.masks import IGNORE_INDEX
from toolschool.chat.prompt import ChatMLLayout, Layout
from toolschool.chat.resolve import layout_name
from toolschool.errors import ConfigError, DataError
from toolschool.files import atomic_write_text
from toolschool.formats import get_format
from toolschool.models.precision import resolve_train_precision
from toolschool.train.config import LoraConfig, TrainConfig
from toolschool.train.dataset import EncodedSet, count_batches, encode_conversations, iterate_batches
from toolschool.types import Conversation, append_jsonl

if TYPE_CHECKING:
    import torch
    from peft import PeftModel

StepCallback = Callable[[int, int, float], None]


@dataclass
class TrainResult:
    """What a training run produced and measured.

    Attributes:
        adapter_dir: saved LoRA adapter.
        steps: optimizer steps taken.
        losses: ``[(step, mean loss over the logging window)]``.
        tokens_per_second: sequence tokens (prompt + completion, padding excluded) trained on
            per wall second; with a shared prefix fewer tokens are computed
            (``computed_tokens``) than trained on.
        trainable_parameters / total_parameters: LoRA vs whole model.
        planned_steps: steps the data and ``epochs``/``max_steps`` asked for; fewer were
            taken when ``stopped_by_time_budget``.
        model: the trained peft-wrapped model (adapter not merged), in eval mode.
        optimizer: the AdamW optimizer with its final learning rates.
    """

    adapter_dir: str
    steps: int
    losses: list[tuple[int, float]]
    seconds: float
    tokens_per_second: float
    n_examples: int
    n_tokens: int
    n_trainable_tokens: int
    n_truncated: int
    trainable_parameters: int
    total_parameters: int
    first_loss: float
    final_loss: float
    computed_tokens: int = 0
    planned_steps: int = 0
    stopped_by_time_budget: bool = False
    layout: str = "chatml"
    model: PeftModel | None = field(default=None, repr=False, compare=False)
    optimizer: torch.optim.Optimizer | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The numbers and paths (everything but ``model`` and ``optimizer``), JSON-ready."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("model", "optimizer")}


def lr_factor(kind: str, step: int, warmup: int, progress: float) -> float:
    """Multiplier of the peak learning rate for optimizer step ``step`` (0-based).

    Linear warm-up over the first ``warmup`` steps, then ``constant``, ``linear`` decay or
    ``cosine`` decay (to 0) as ``progress`` goes from 0 to 1. ``progress`` is the share of
    the run done after warm-up: by steps, or by wall time under a time budget, whichever is
    further (:func:`train`).
    """
    if warmup and step < warmup:
        return (step + 1) / warmup
    if kind == "constant":
        return 1.0
    progress = min(1.0, max(0.0, progress))
    if kind == "linear":
        return max(0.0, 1.0 - progress)
    return 0.5 * (1.0 + math.cos(math.pi * progress))


def shared_prefix_length(batch: dict[str, Any], minimum: int) -> int:
    """Length of the token prefix every row of ``batch`` shares and that carries no label.

    Returns 0 when the batch has one row or the shared prefix is shorter than ``minimum``.
    The prefix stops before the first trainable label of any row, so no loss term is lost.
    """
    import torch

    ids, labels, mask = batch["input_ids"], batch["labels"], batch["attention_mask"]
    if ids.shape[0] < 2:
        return 0
    same = (ids == ids[:1]).all(0) & mask.bool().all(0) & (labels == IGNORE_INDEX).all(0)
    differing = torch.nonzero(~same)
    length = int(differing[0, 0]) if len(differing) else ids.shape[1] - 1
    # the token right after the prefix is predicted from the prefix's last position; keep it
    # label-free so that dropping the prefix logits loses no loss term
    while length > 0 and bool((labels[:, length] != IGNORE_INDEX).any()):
        length -= 1
    return length if length >= minimum else 0


def decoder_and_head(model: Any) -> tuple[Any, Any, float | None] | None:
    """``(decoder, lm_head, final_logit_softcapping)`` of a (peft-wrapped) causal LM, or None.

    Llama, Qwen2/3, Gemma 3/4, Mistral… keep the transformer body as ``.model`` and the
    output projection as ``.lm_head``; LoRA layers live inside them, so calling them
    directly trains the adapter exactly as the full forward does.
    """
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    decoder, head = getattr(base, "model", None), getattr(base, "lm_head", None)
    if decoder is None or head is None:
        return None
    config = getattr(base, "config", None)
    cap = getattr(getattr(config, "get_text_config", lambda: config)(), "final_logit_softcapping", None)
    return decoder, head, cap


def labelled_loss(head: Any, hidden: Any, labels: Any, cap: float | None = None) -> Any:
    """Mean next-token cross-entropy over the labelled positions only.

    ``hidden[:, t]`` predicts ``labels[:, t + 1]`` (shapes ``[B, T, H]`` and ``[B, T]``). The
    output projection runs only on positions whose next label is not -100 — about 6% of the
    tokens of a tool-calling conversation — instead of on all ``B × T`` positions, so the
    ``[B, T, vocab]`` logits (1.2 GB in fp32 for 8 × 768 tokens and SmolLM2's 49k vocabulary)
    are never materialised. Equals transformers' ``ForCausalLMLoss`` (mean over labelled
    tokens), including Gemma's final logit soft-capping when ``cap`` is set.
    """
    import torch.nn.functional as F

    target = labels[:, 1:]
    keep = target != IGNORE_INDEX
    logits = head(hidden[:, :-1][keep]).float()
    if cap:
        logits = cap * (logits / cap).tanh()
    return F.cross_entropy(logits, target[keep])


def forward_loss(
    model: Any, batch: dict[str, Any], min_shared_prefix: int, prefix_gradient: bool = True
) -> tuple[Any, int]:
    """Loss of a batch; returns ``(loss, tokens actually run through the model)``.

    With a shared prefix (the system prompt and tool declarations, identical in every row),
    the prefix runs once with batch size 1, its key/value cache is repeated ``B`` times, and
    only the differing suffixes run per row. Gradients flow through the repeated cache, so
    the loss and its gradient equal the plain forward's, except that LoRA dropout on the
    prefix is drawn once for the batch instead of once per row. Logits are computed only
    where a label is (:func:`labelled_loss`); models without ``.model``/``.lm_head`` fall back
    to the full forward with ``labels``.

    With ``prefix_gradient=False`` the prefix runs under ``torch.no_grad()``: the forward and
    the loss are unchanged (the prefix still sees the current adapter), but the gradient keeps
    only the paths through the suffix tokens, so the backward pass skips the prefix — the
    same truncation as reusing a cached prompt's keys and values. Measured on SmolLM2-135M
    (bf16 autocast, length-grouped batches of 8, 2-core EPYC): 0.48 s per conversation vs
    0.77 s with the prefix gradient; ``benchmarks/bench_speed.py`` re-measures it.
    """
    import torch

    rows = batch["input_ids"].shape[0]
    prefix = shared_prefix_length(batch, min_shared_prefix) if min_shared_prefix else 0
    parts = decoder_and_head(model)
    if not prefix:
        if parts is None:
            return model(**batch).loss, int(batch["attention_mask"].sum())
        decoder, head, cap = parts
        hidden = decoder(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
        return labelled_loss(head, hidden, batch["labels"], cap), int(batch["attention_mask"].sum())
    run = parts[0] if parts is not None else model
    with torch.set_grad_enabled(prefix_gradient and torch.is_grad_enabled()):
        cache = run(input_ids=batch["input_ids"][:1, :prefix], use_cache=True).past_key_values
    cache.batch_repeat_interleave(rows)
    suffix = {
        "input_ids": batch["input_ids"][:, prefix:],
        "attention_mask": batch["attention_mask"],
        "past_key_values": cache,
        "use_cache": True,
    }
    computed = prefix + int(batch["attention_mask"][:, prefix:].sum())
    if parts is None:
        return model(**suffix, labels=batch["labels"][:, prefix:]).loss, computed
    decoder, head, cap = parts
    hidden = decoder(**suffix).last_hidden_state
    # the first suffix label is predicted by the prefix's last position, which
    # shared_prefix_length keeps label-free, so shifting within the suffix loses nothing
    return labelled_loss(head, hidden, batch["labels"][:, prefix:], cap), computed


class NEFTune:
    """Noisy embeddings for instruction fine-tuning (NEFTune; Jain et al. 2023, arXiv:2310.05914).

    A forward hook on the model's input embeddings adds ``Uniform(-1, 1) * alpha /
    sqrt(L * d)`` to every embedding while the embedding module is in training mode, where
    ``d`` is the embedding width and ``L`` the padded width of the current batch (set
    :attr:`length` before each forward; as in the paper, the whole sequence, also when the
    loop runs the shared prefix and the suffixes as separate calls). Evaluation and
    generation (``model.eval()``) see clean embeddings. ``remove()`` detaches the hook.

    Raises:
        ValueError: ``alpha`` is not positive.
    """

    def __init__(self, model: Any, alpha: float) -> None:
        if alpha <= 0:
            raise ValueError(f"neftune_noise_alpha must be > 0, got {alpha}")
        self.alpha = alpha
        self.length = 0
        self._handle = model.get_input_embeddings().register_forward_hook(self._hook)

    def _hook(self, module: Any, _inputs: Any, output: Any) -> Any:
        if not module.training:
            return output
        import torch

        length = self.length or output.shape[1]
        scale = self.alpha / math.sqrt(length * output.shape[-1])
        return output + torch.empty_like(output).uniform_(-scale, scale)

    def remove(self) -> None:
        """Detach the hook (idempotent)."""
        self._handle.remove()


def build_optimizer(model: Any, config: TrainConfig) -> Any:
    """AdamW over the trainable (adapter) parameters of ``model``.

    Each parameter group carries ``peak_lr``, the learning rate the schedule scales. With
    ``config.loraplus_lr_ratio`` set, the LoRA ``B`` matrices form their own group at
    ``ratio × learning_rate`` (LoRA+, Hayou et al. 2024, arXiv:2402.12354: with ``B``
    initialised to zero, equal learning rates leave the ``B`` updates too small for
    efficient feature learning); every other trainable parameter keeps ``learning_rate``.
    """
    import torch

    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    ratio = config.loraplus_lr_ratio
    if ratio is None:
        groups = [{"params": [p for _, p in named], "peak_lr": config.learning_rate}]
    else:
        b = [p for n, p in named if ".lora_B." in n]
        rest = [p for n, p in named if ".lora_B." not in n]
        groups = [{"params": rest, "peak_lr": config.learning_rate},
                  {"params": b, "peak_lr": config.learning_rate * ratio}]
        groups = [g for g in groups if g["params"]]
    for group in groups:
        group["lr"] = group["peak_lr"]
    return torch.optim.AdamW(groups, lr=config.learning_rate, weight_decay=config.weight_decay)


def lora_targets(model: Any, lora: LoraConfig) -> tuple[list[str], list[int] | None]:
    """``(target module suffixes present in model, decoder layers to adapt or None)``.

    ``model`` may be a weightless skeleton (:func:`toolschool.models.skeleton.model_skeleton`),
    so a run checks its LoRA settings before loading weights or generating data.

    Raises:
        ConfigError: none of ``lora.target_modules`` exists in the model (the message lists
            the linear layers it has), or ``lora.last_layers`` exceeds its decoder depth.
    """
    names = {n.rsplit(".", 1)[-1] for n, _ in model.named_modules()}
    targets = [t for t in lora.target_modules if t in names]
    if not targets:
        raise ConfigError(
            f"lora.target_modules {lora.target_modules} match no module of this model; "
            f"linear layers seen: {sorted(n for n in names if n.endswith('proj'))}"
        )
    if lora.last_layers is None:
        return targets, None
    text_config = getattr(model.config, "get_text_config", lambda: model.config)()
    depth = int(text_config.num_hidden_layers)
    if lora.last_layers > depth:
        raise ConfigError(f"lora.last_layers={lora.last_layers} but the model has only {depth} decoder layers")
    return targets, list(range(depth - lora.last_layers, depth))


def attach_lora(model: Any, config: TrainConfig) -> Any:
    """Wrap ``model`` with a fresh LoRA adapter (peft); only adapter weights train.

    With ``config.lora.last_layers = N`` only the last ``N`` decoder layers get adapters
    (peft ``layers_to_transform``); nothing below them needs a gradient, so autograd does not
    run the backward pass through the lower layers.

    Raises:
        ConfigError: see :func:`lora_targets`.
    """
    from peft import LoraConfig as PeftLoraConfig
    from peft import get_peft_model

    targets, layers = lora_targets(model, config.lora)
    peft_config = PeftLoraConfig(
        r=config.lora.r,
        layers_to_transform=layers,
        lora_alpha=config.lora.alpha,
        lora_dropout=config.lora.dropout,
        target_modules=targets,
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, peft_config)


def encode_training_set(
    config: TrainConfig, conversations: list[Conversation], tokenizer: Any, layout: Layout
) -> EncodedSet:
    """The conversations tokenised as :func:`train` trains on them (``config``'s format, system
    prompt and ``max_length``; assistant-only labels), so a run can check them before any long work.

    Raises:
        DataError: no conversation has an assistant token within ``max_length`` (e.g. a format
            whose tool declarations alone are longer).
    """
    encoded = encode_conversations(
        conversations, tokenizer, get_format(config.format), config.system_prompt, config.max_length,
        layout=layout,
    )
    if not encoded.examples:
        raise DataError(
            f"none of the {len(conversations)} training conversations has an assistant token within "
            f"max_length={config.max_length} tokens ({encoded.n_truncated} were longer and cut before "
            f"their first assistant token): raise max_length (the system prompt with the tools declared in "
            f"this format, or this tokenizer, needs more tokens)"
        )
    return encoded


def train(
    config: TrainConfig,
    conversations: list[Conversation],
    out_dir: Path,
    model: Any,
    tokenizer: Any,
    on_step: StepCallback | None = None,
    max_seconds: float | None = None,
    layout: Layout | None = None,
) -> TrainResult:
    """Fine-tune ``model`` (a float32 causal LM) with LoRA on ``conversations``.

    Args:
        config: the resolved training config.
        conversations: training conversations (assistant turns are the targets).
        out_dir: where the adapter, log and result go (created).
        model, tokenizer: from :func:`toolschool.models.load_model`; the model is wrapped
            with peft in place and returned inside the result's side effects.
        on_step: called as ``on_step(step, total_steps, loss)`` after every optimizer step.
        max_seconds: wall-time budget of the optimisation loop (overrides
            ``config.max_seconds``): training stops after the first step that reaches it, and
            the learning-rate schedule runs by elapsed time when that is further along than
            the step count, so a cut-short run still ends with a decayed learning rate.
            With a budget, how many steps run depends on the machine's speed.
        layout: the turn layout the conversations are rendered in
            (:func:`toolschool.chat.resolve.resolve_layout`); None: ChatML. Its name is
            recorded as ``TrainResult.layout`` (``train_result.json``).

    Returns:
        :class:`TrainResult`, with the peft-wrapped model and the optimizer.

    Raises:
        DataError: no conversation has a trainable token left within ``max_length``.
        ConfigError: the LoRA settings do not fit the model (see :func:`lora_targets`).
    """
    import torch

    torch.manual_seed(config.seed)
    if config.num_threads:
        torch.set_num_threads(config.num_threads)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    log_path = out_dir / "train_log.jsonl"
    log_path.unlink(missing_ok=True)

    layout = ChatMLLayout() if layout is None else layout
    encoded = encode_training_set(config, conversations, tokenizer, layout)

    model = attach_lora(model, config)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    trainable = sum(p.numel() for p in params)
    total_params = sum(p.numel() for p in model.parameters())
    optimizer = build_optimizer(model, config)
    epochs = config.epochs
    if config.max_steps:  # max_steps wins over epochs, in either direction
        per_epoch = count_batches(len(encoded.examples), config.batch_size, 1.0)
        epochs = config.max_steps * config.gradient_accumulation / per_epoch
    micro_batches = count_batches(len(encoded.examples), config.batch_size, epochs)
    total_steps = max(1, micro_batches // config.gradient_accumulation)
    warmup = int(round(config.warmup_ratio * total_steps))
    budget = max_seconds if max_seconds is not None else config.max_seconds
    for group in optimizer.param_groups:
        group["lr"] = group["peak_lr"] * lr_factor(config.lr_scheduler, 0, warmup, 0.0)
    autocast = resolve_train_precision(config.precision) == "bf16"
    neftune = NEFTune(model, config.neftune_noise_alpha) if config.neftune_noise_alpha else None
    pad_id = tokenizer.pad_token_id

    losses: list[tuple[int, float]] = []
    window: list[float] = []
    step, tokens, computed_tokens, first_loss = 0, 0, 0, float("nan")
    start = time.perf_counter()
    stopped_by_budget = False
    optimizer.zero_grad(set_to_none=True)
    batches = iterate_batches(encoded, config.batch_size, config.seed, epochs, pad_id, config.pad_to_multiple_of)
    for micro, batch in enumerate(batches, 1):
        if neftune:
            neftune.length = int(batch["input_ids"].shape[1])
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            loss, computed = forward_loss(model, batch, config.min_shared_prefix, config.prefix_gradient)
        loss = loss.float()
        (loss / config.gradient_accumulation).backward()
        tokens += int(batch["attention_mask"].sum())
        computed_tokens += computed
        window.append(float(loss.detach()))
        if micro % config.gradient_accumulation:
            continue
        torch.nn.utils.clip_grad_norm_(params, config.max_grad_norm)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        lr = optimizer.param_groups[0]["lr"]
        step += 1
        elapsed = time.perf_counter() - start
        # the schedule follows whichever runs out first, steps or the time budget, so a
        # budget-limited run still decays its learning rate to the end instead of being cut
        # off at its peak
        progress = (step - warmup) / max(1, total_steps - warmup)
        if budget:
            progress = max(progress, elapsed / budget)
        for group in optimizer.param_groups:
            group["lr"] = group["peak_lr"] * lr_factor(config.lr_scheduler, step, warmup, progress)
        mean = sum(window) / len(window)
        if step == 1:
            first_loss = mean
        if step % config.log_every == 0 or step == total_steps:
            losses.append((step, mean))
            append_jsonl(
                log_path,
                {
                    "step": step,
                    "loss": mean,
                    "lr": lr,
                    "tokens": tokens,
                    "seconds": round(time.perf_counter() - start, 3),
                },
            )
            window = []
        if on_step:
            on_step(step, total_steps, mean)
        if step >= total_steps:
            break
        if budget and elapsed >= budget:
            stopped_by_budget = True
            if step % config.log_every:  # log the last step of a cut-short run
                losses.append((step, mean))
                append_jsonl(log_path, {"step": step, "loss": mean, "lr": lr, "tokens": tokens,
                                        "seconds": round(elapsed, 3)})
            break
    seconds = time.perf_counter() - start
    if neftune:
        neftune.remove()
    model.eval()
    adapter_dir = out_dir / "adapter"
    model.save_pretrained(adapter_dir)
    result = TrainResult(
        adapter_dir=str(adapter_dir),
        steps=step,
        losses=losses,
        seconds=seconds,
        tokens_per_second=tokens / seconds if seconds else 0.0,
        n_examples=len(encoded.examples),
        n_tokens=encoded.n_tokens,
        n_trainable_tokens=encoded.n_trainable,
        n_truncated=encoded.n_truncated,
        trainable_parameters=trainable,
        total_parameters=total_params,
        first_loss=first_loss,
        final_loss=losses[-1][1] if losses else float("nan"),
        computed_tokens=computed_tokens,
        planned_steps=total_steps,
        stopped_by_time_budget=stopped_by_budget,
        layout=layout_name(layout),
    )
    atomic_write_text(out_dir / "train_result.json", json.dumps(result.to_json(), indent=2) + "\n")
    result.model = model
    result.optimizer = optimizer
    return result
