"""LoRA supervised fine-tuning with assistant-only loss, in a plain PyTorch loop.

Why not TRL's ``SFTTrainer``: on this project's 2-core CPU it ran 28–37% slower than a
plain loop on the same batches (its default gradient checkpointing alone costs ~13%),
and SmolLM2's chat template has no ``{% generation %}`` markers, so its assistant-only
mode does not apply; labels come from :mod:`toolschool.chat.masks` instead. The loop is
the standard one: AdamW on the LoRA parameters, warm-up + cosine/linear schedule,
gradient clipping, bf16 autocast where the CPU has bf16 kernels (``precision: auto``; on an
AVX-512 CPU ~340 vs ~190 tokens/s fp32, on an AVX2-only CPU 13x *slower* than fp32).

Output in ``out_dir``: ``adapter/`` (peft ``save_pretrained``), ``train_log.jsonl`` (one
line per logged step, appended and flushed as training goes; a ``stopped`` line when the
spectrum monitor ends training), ``spectrum.jsonl`` (:mod:`toolschool.train.spectrum`),
``checkpoints/`` (:mod:`toolschool.train.checkpoint`), ``train_result.json``. The checks made
before training are in :mod:`toolschool.train.guards`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import tempfile
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
from toolschool.train.checkpoint import (
    LoopState,
    latest_checkpoint,
    remove_checkpoints,
    restore_checkpoint,
    run_fingerprint,
    save_checkpoint,
)
from toolschool.train.config import TrainConfig
from toolschool.train.dataset import (
    EncodedSet,
    batch_units,
    count_batches,
    encode_conversations,
    iterate_batches,
)
from toolschool.train.distributed import start as start_parallel
from toolschool.train.guards import check_chat_template, setting_warnings, untrained_token_warnings
from toolschool.train.lora import attach_lora, enable_gradient_checkpointing, fp32_master_weights
from toolschool.train.report import Reporters
from toolschool.train.spectrum import SpectrumMonitor
from toolschool.types import Conversation, append_jsonl

if TYPE_CHECKING:
    import torch
    from peft import PeftModel

StepCallback = Callable[[int, int, float], None]
log = logging.getLogger(__name__)


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
            taken when training stopped early (``stop_reason``).
        seconds / tokens_per_second: over the whole run; a resumed run counts its earlier
            sessions up to the checkpoint.
        precision: the autocast precision that ran (``fp32``, ``bf16``, ``fp16``).
        stop_reason: why training ended before ``planned_steps``: ``""`` (it did not),
            ``time_budget`` (also ``stopped_by_time_budget``), ``frozen`` or ``collapse``
            (:class:`~toolschool.train.spectrum.SpectrumMonitor`); ``stop_message`` says it
            in words.
        warnings: what the guards warned about (:func:`~toolschool.train.guards.setting_warnings`,
            a chat template that differs under ``template_check: warn``).
        template_check: the outcome of the chat-template check, in words.
        resumed_from_step: the checkpoint's step when the run was resumed (0: not resumed).
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
    precision: str = "fp32"
    stop_reason: str = ""
    stop_message: str = ""
    warnings: list[str] = field(default_factory=list)
    template_check: str = ""
    resumed_from_step: int = 0
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

    A packed batch (:func:`~toolschool.train.dataset.collate_packed`: it has ``position_ids``)
    runs without an attention mask and without a cache, so transformers keeps attention within
    each packed example; it has no shared prefix.

    With ``prefix_gradient=False`` the prefix runs under ``torch.no_grad()``: the forward and
    the loss are unchanged (the prefix still sees the current adapter), but the gradient keeps
    only the paths through the suffix tokens, so the backward pass skips the prefix — the
    same truncation as reusing a cached prompt's keys and values. Measured on SmolLM2-135M
    (bf16 autocast, length-grouped batches of 8, 2-core EPYC): 0.48 s per conversation vs
    0.77 s with the prefix gradient; ``benchmarks/bench_speed.py`` re-measures it.
    """
    import torch

    parts = decoder_and_head(model)
    if "position_ids" in batch:  # packed rows: no attention mask, so attention stays per example
        packed = {"input_ids": batch["input_ids"], "position_ids": batch["position_ids"], "use_cache": False}
        tokens = int(batch["attention_mask"].sum())
        if parts is None:
            return model(**packed, labels=batch["labels"]).loss, tokens
        decoder, head, cap = parts
        return labelled_loss(head, decoder(**packed).last_hidden_state, batch["labels"], cap), tokens
    rows = batch["input_ids"].shape[0]
    prefix = shared_prefix_length(batch, min_shared_prefix) if min_shared_prefix else 0
    if not prefix:
        if parts is None:
            return model(**batch).loss, int(batch["attention_mask"].sum())
        decoder, head, cap = parts
        ids, mask = batch["input_ids"], batch["attention_mask"]
        hidden = decoder(input_ids=ids, attention_mask=mask).last_hidden_state
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

    Before the first step: :func:`~toolschool.train.guards.setting_warnings` are logged, and
    :func:`~toolschool.train.guards.check_chat_template` compares the model's own chat template
    with the format and layout trained in (``config.template_check``). During training the
    LoRA update spectra are checked every ``config.spectrum_every`` steps
    (:class:`~toolschool.train.spectrum.SpectrumMonitor`, ``spectrum.jsonl``): frozen or
    collapsed training stops early (``stop_reason``, ``stop_message``, a ``stopped`` line in
    ``train_log.jsonl``). Every ``config.save_every`` steps a checkpoint is written
    (:mod:`toolschool.train.checkpoint`); ``config.resume`` continues from the newest one
    (none there: from the start, with a warning), else old checkpoints and logs are removed.

    Precision (:func:`~toolschool.models.precision.resolve_train_precision`): fp32, bf16
    autocast, or fp16 autocast with a gradient scaler (scaled loss, ``unscale_`` before
    clipping, steps with inf/nan gradients skipped) where the CPU has fp16 kernels. The
    adapter's weights are fp32 in every case (:func:`fp32_master_weights`).

    Args:
        config: the resolved training config.
        conversations: training conversations (assistant turns are the targets).
        out_dir: where the adapter, logs, checkpoints and result go (created).
        model, tokenizer: from :func:`toolschool.models.load_model`; the model is wrapped
            with peft in place and returned inside the result's side effects.
        on_step: called as ``on_step(step, total_steps, loss)`` after every optimizer step.
        max_seconds: wall-time budget of the optimisation loop (overrides
            ``config.max_seconds``): training stops after the first step that reaches it, and
            the learning-rate schedule runs by elapsed time when that is further along than
            the step count, so a cut-short run still ends with a decayed learning rate.
            With a budget, how many steps run depends on the machine's speed. A resumed run
            counts the time of its earlier sessions up to the checkpoint (the budget is the
            run's, not the session's; time after the last checkpoint of a killed session is
            lost and not counted).
        layout: the turn layout the conversations are rendered in
            (:func:`toolschool.chat.resolve.resolve_layout`); None: ChatML. Its name is
            recorded as ``TrainResult.layout`` (``train_result.json``).

    Returns:
        :class:`TrainResult`, with the peft-wrapped model and the optimizer.

    Raises:
        DataError: no conversation has a trainable token left within ``max_length``.
        ConfigError: the LoRA settings do not fit the model
            (:func:`~toolschool.train.lora.lora_targets`); the chat template renders
            differently (``template_check: error``); the checkpoint to resume from belongs to
            another config or data.
    """
    import torch

    torch.manual_seed(config.seed)
    if config.num_threads:
        torch.set_num_threads(config.num_threads)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    par = start_parallel(next(model.parameters()).device.type)  # None: one process, no launcher
    world, rank, main = (par.world, par.rank, par.is_main) if par else (1, 0, True)
    log_path = out_dir / "train_log.jsonl"
    ckpt_root = out_dir / "checkpoints"

    warnings = setting_warnings(config)
    for warning in warnings:
        log.warning(warning)
    layout = ChatMLLayout() if layout is None else layout
    guard = check_chat_template(tokenizer, layout, config.format, config.template_check)
    log.info(guard.message)
    if guard.status == "differs":
        warnings.append(guard.message)
    encoded = encode_training_set(config, conversations, tokenizer, layout)
    labelled = (x for example in encoded.examples for x in example.labels)
    for warning in untrained_token_warnings(model, tokenizer, labelled):
        log.warning(warning)
        warnings.append(warning)
    fingerprint = run_fingerprint(config, encoded.examples)
    resume_from = latest_checkpoint(ckpt_root) if config.resume else None
    if config.resume and resume_from is None:
        log.warning("resume: no checkpoint in %s; training from the start", ckpt_root)
    if resume_from is None and main:
        for name in ("train_log.jsonl", "spectrum.jsonl"):
            (out_dir / name).unlink(missing_ok=True)
        remove_checkpoints(ckpt_root)
    if par:
        par.wait()  # no rank reads the run directory while rank 0 clears it

    model = attach_lora(model, config)
    fp32_master_weights(model)
    if config.gradient_checkpointing:
        enable_gradient_checkpointing(model)
    if config.torch_compile:
        parts = decoder_and_head(model)
        (parts[0] if parts is not None else model).compile()
    model.train()
    device = par.device if par else next(model.parameters()).device
    params = [p for p in model.parameters() if p.requires_grad]
    trainable = sum(p.numel() for p in params)
    total_params = sum(p.numel() for p in model.parameters())
    optimizer = build_optimizer(model, config)
    epochs = config.epochs
    pack_length = config.max_length if config.packing else None
    units = batch_units(encoded, pack_length)
    per_step = config.gradient_accumulation * world  # micro-batches of one optimizer step, all ranks
    if config.max_steps:  # max_steps wins over epochs, in either direction
        per_epoch = count_batches(units, config.batch_size, 1.0)
        epochs = config.max_steps * per_step / per_epoch
    micro_batches = count_batches(units, config.batch_size, epochs)
    if world > 1 and micro_batches < per_step:
        raise ConfigError(
            f"{micro_batches} micro-batches of batch_size={config.batch_size} cannot make one optimizer step "
            f"over {world} processes × gradient_accumulation={config.gradient_accumulation}: use more data, "
            f"more epochs, a smaller batch_size, or fewer processes"
        )
    total_steps = max(1, micro_batches // per_step)
    warmup = int(round(config.warmup_ratio * total_steps))
    budget = max_seconds if max_seconds is not None else config.max_seconds
    for group in optimizer.param_groups:
        group["lr"] = group["peak_lr"] * lr_factor(config.lr_scheduler, 0, warmup, 0.0)
    precision = resolve_train_precision(config.precision) if device.type == "cpu" else (
        "bf16" if config.precision == "auto" and torch.cuda.is_bf16_supported() else config.precision
    )
    precision = "fp16" if precision == "auto" else precision  # a CUDA GPU without bf16
    autocast_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
    scaler = torch.amp.GradScaler(device.type, enabled=precision == "fp16")
    # transformers turns the key/value cache off under gradient checkpointing, and the
    # shared-prefix path runs on that cache; packed rows share no prefix
    min_prefix = 0 if config.gradient_checkpointing or config.packing else config.min_shared_prefix
    reporters = Reporters(config.report_to if main else [], out_dir, config.model_dump(mode="json"))
    neftune = NEFTune(model, config.neftune_noise_alpha) if config.neftune_noise_alpha else None
    # every rank checks the (identical) adapter so that all stop together; rank 0 writes the lines
    scratch = None if main else tempfile.TemporaryDirectory(prefix="toolschool-rank")
    spectrum_path = out_dir / "spectrum.jsonl" if scratch is None else Path(scratch.name) / "spectrum.jsonl"
    monitor = (
        SpectrumMonitor(model, spectrum_path, config.frozen_checks, config.frozen_rtol)
        if config.spectrum_every
        else None
    )
    pad_id = tokenizer.pad_token_id

    state = LoopState()
    if resume_from is not None:
        state, saved = restore_checkpoint(resume_from, model, out_dir, fingerprint)
        optimizer.load_state_dict(saved["optimizer"])
        scaler.load_state_dict(saved["scaler"])
        if monitor is not None and saved.get("monitor") is not None:
            monitor.load_state_dict(saved["monitor"])
        if par:
            if saved.get("world_size", 1) != world:
                raise ConfigError(
                    f"cannot resume from {resume_from}: it was written by {saved.get('world_size', 1)} "
                    f"process(es), this launch has {world}; resume with the same number of processes"
                )
            saved["rng"] = saved["rng_ranks"][rank]
        torch.set_rng_state(saved["rng"])  # last: nothing may draw from it before the loop
        log.warning("resuming from %s (step %d of %d)", resume_from, state.step, total_steps)
    elif monitor is not None:
        monitor.check(0, None)  # the fresh adapter: B = 0, a zero update
    resumed_from = state.step
    engine = None
    if par:  # after the restore: FSDP/DeepSpeed re-shape the parameters they wrap
        engine, optimizer = par.prepare(model, optimizer)

    stop_reason, stop_message = "", ""
    start = time.perf_counter() - state.elapsed
    optimizer.zero_grad(set_to_none=True)
    batches = iterate_batches(
        encoded, config.batch_size, config.seed, epochs, pad_id, config.pad_to_multiple_of, skip=state.micro,
        pack_length=pack_length, rank=rank, world=world,
    )
    # state.micro counts the micro-batches of all ranks; rank r takes every world-th of the one order
    step_losses: list[float] = []
    step_tokens = step_computed = 0
    for batch in batches:
        state.micro += world
        ends_step = (state.micro // world) % config.gradient_accumulation == 0
        if neftune:
            neftune.length = int(batch["input_ids"].shape[1])
        if device.type != "cpu":
            batch = {k: v.to(device) for k, v in batch.items()}
        cast = autocast_dtype or torch.bfloat16
        # within an accumulation window the all-reduce waits for the window's last backward
        with par.no_sync(engine, skip=not ends_step) if par else contextlib.nullcontext():
            with torch.autocast(device.type, dtype=cast, enabled=bool(autocast_dtype)):
                if engine is None:
                    loss, computed = forward_loss(model, batch, min_prefix, config.prefix_gradient)
                else:  # the engine's own forward, so that its gradient reducer is prepared
                    loss, computed = engine(batch, min_prefix, config.prefix_gradient)
            loss = loss.float()
            scaled = scaler.scale(loss / config.gradient_accumulation)
            if par:
                par.backward(scaled)
            else:
                scaled.backward()
        step_tokens += int(batch["attention_mask"].sum())
        step_computed += computed
        step_losses.append(float(loss.detach()))
        if not ends_step:
            continue
        if par:  # every rank logs and decides on the same numbers: all ranks' losses and tokens
            step_losses = par.gather_floats(step_losses)
            step_tokens, step_computed = par.sum_ints(step_tokens, step_computed)
        state.window.extend(step_losses)
        state.tokens += step_tokens
        state.computed_tokens += step_computed
        step_losses, step_tokens, step_computed = [], 0, 0
        scaler.unscale_(optimizer)  # no-op without fp16: clipping sees the true gradients
        grad_norm = None
        if config.max_grad_norm > 0:
            grad_norm = (par.clip(params, config.max_grad_norm) if par else
                         float(torch.nn.utils.clip_grad_norm_(params, config.max_grad_norm)))
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)
        lr = optimizer.param_groups[0]["lr"]
        state.step += 1
        step = state.step
        elapsed = time.perf_counter() - start
        if par and budget:
            elapsed = par.from_main(elapsed)  # one clock, so all ranks keep the same schedule and stop
        # the schedule follows whichever runs out first, steps or the time budget, so a
        # budget-limited run still decays its learning rate to the end instead of being cut
        # off at its peak
        progress = (step - warmup) / max(1, total_steps - warmup)
        if budget:
            progress = max(progress, elapsed / budget)
        for group in optimizer.param_groups:
            group["lr"] = group["peak_lr"] * lr_factor(config.lr_scheduler, step, warmup, progress)
        mean = sum(state.window) / len(state.window)
        if step == 1:
            state.first_loss = mean
        last = step >= total_steps or bool(budget and elapsed >= budget)
        logged = step % config.log_every == 0 or step == total_steps
        if logged:
            _log_step(log_path, state, step, mean, lr, elapsed, main)
        reporters.scalars(step, {"train/loss": mean, "train/learning_rate": lr,
                                 "train/grad_norm": grad_norm})
        verdict = None
        if monitor is not None and (step % config.spectrum_every == 0 or last):
            quiet = lr < 0.01 * optimizer.param_groups[0]["peak_lr"]  # the end of a decay
            verdict = monitor.check(step, mean, quiet)
            reporters.spectrum(step, monitor.last_by_type)
        if not (last or verdict) and config.save_every and step % config.save_every == 0:
            state.elapsed = time.perf_counter() - start
            trainer = {"optimizer": optimizer.state_dict(), "scaler": scaler.state_dict(),
                       "rng": torch.get_rng_state(), "monitor": monitor.state_dict() if monitor else None}
            if par:  # each rank's RNG (LoRA dropout, NEFTune), so a resumed launch draws the same
                trainer.update(world_size=world, rng_ranks=par.gather_objects(trainer["rng"]))
            if main:
                save_checkpoint(ckpt_root, state, model, trainer, out_dir, fingerprint,
                                config.keep_checkpoints)
            if par:
                par.wait()
        if on_step:
            on_step(step, total_steps, mean)
        if verdict is not None or (last and step < total_steps):
            if not logged:  # log the last step of a cut-short run
                _log_step(log_path, state, step, mean, lr, elapsed, main)
            if verdict is not None:
                stop_reason, stop_message = verdict.kind, verdict.message
                log.warning(stop_message)
                if main:
                    append_jsonl(log_path, {"step": step, "event": "stopped", "reason": stop_reason,
                                            "message": stop_message})
            else:
                stop_reason = "time_budget"
        if last or verdict is not None:
            break
    seconds = time.perf_counter() - start
    reporters.close()
    if neftune:
        neftune.remove()
    model.eval()
    adapter_dir = out_dir / "adapter"
    full = par.full_state_dict(engine) if par else None  # FSDP/DeepSpeed: gathered from the shards
    if main:
        if full is not None:
            model.save_pretrained(adapter_dir, state_dict=full)
        else:
            model.save_pretrained(adapter_dir)
    if scratch is not None:
        scratch.cleanup()
    result = TrainResult(
        adapter_dir=str(adapter_dir),
        steps=state.step,
        losses=state.losses,
        seconds=seconds,
        tokens_per_second=state.tokens / seconds if seconds else 0.0,
        n_examples=len(encoded.examples),
        n_tokens=encoded.n_tokens,
        n_trainable_tokens=encoded.n_trainable,
        n_truncated=encoded.n_truncated,
        trainable_parameters=trainable,
        total_parameters=total_params,
        first_loss=state.first_loss,
        final_loss=state.losses[-1][1] if state.losses else float("nan"),
        computed_tokens=state.computed_tokens,
        planned_steps=total_steps,
        stopped_by_time_budget=stop_reason == "time_budget",
        layout=layout_name(layout),
        precision=precision,
        stop_reason=stop_reason,
        stop_message=stop_message,
        warnings=warnings,
        template_check=guard.message,
        resumed_from_step=resumed_from,
    )
    if main:
        atomic_write_text(out_dir / "train_result.json", json.dumps(result.to_json(), indent=2) + "\n")
    if par:
        par.wait()  # the adapter and result are on disk before any rank returns
    result.model = model
    result.optimizer = optimizer
    return result


def _log_step(
    path: Path, state: LoopState, step: int, mean: float, lr: float, elapsed: float, write: bool = True
) -> None:
    """Record a logged step: ``(step, mean)`` into ``state.losses``, a line into ``train_log.jsonl``
    (when ``write``: rank 0 of a multi-process launch), and a fresh loss window."""
    state.losses.append((step, mean))
    line = {"step": step, "loss": mean, "lr": lr, "tokens": state.tokens, "seconds": round(elapsed, 3)}
    if write:
        append_jsonl(path, line)
    state.window = []
