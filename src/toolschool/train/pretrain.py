"""The causal-LM stage: next-token training on a corpus, keeping the best checkpoint.

``run(config, progress, loaded=None) -> PretrainResult`` reads the corpus
(:mod:`toolschool.train.corpus`), packs it into blocks, holds out a seeded share of them for
validation and trains ``config.model`` — every weight (``method: full``: from scratch or
continued pretraining) or a LoRA adapter (``method: lora``) — with the standard loop of
GPT-style pretraining: AdamW (β = 0.9, 0.95; weight decay on matrices only, as in GPT-3 and
nanoGPT), linear warm-up then cosine decay to ``min_lr_ratio`` of the peak, gradient
clipping, bf16 autocast where the CPU has bf16 kernels. Every ``eval_every`` steps (and
before the first and after the last) it measures the mean validation loss; the lowest one's
weights are the stage's checkpoint.

Output in ``config.out_dir``: ``config.yaml`` (``toolschool train -c`` it to train again),
``checkpoint/`` (``save_pretrained`` model + tokenizer + ``toolschool_checkpoint.json``: a
model directory any model name accepts), ``train_log.jsonl`` (appended as training goes:
``{"step", "loss", "lr", "tokens", "seconds"}`` and ``{"step", "val_loss",
"val_perplexity", "best"}`` lines), ``pretrain_result.json``, ``loss.png`` (train loss and
validation points). With LoRA the best adapter is saved as ``best_adapter/`` at each
improvement and merged into ``checkpoint/`` at the end.

Mixture-of-experts models (``scratch:mixtral-*``) add their load-balancing loss to the
training loss; logged losses and validation are the language-model loss alone.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolschool.files import atomic_write_text, replace_dir
from toolschool.progress import NullProgress, Progress
from toolschool.train.config import LoraConfig, TrainConfig
from toolschool.train.pretrain_config import PretrainConfig
from toolschool.types import append_jsonl

if TYPE_CHECKING:
    from toolschool.models import LoadedModel

#: metadata file written into every checkpoint directory
CHECKPOINT_INFO = "toolschool_checkpoint.json"


@dataclass
class PretrainResult:
    """What a causal-LM stage produced and measured.

    Attributes:
        checkpoint_dir: the best checkpoint (model + tokenizer, ``save_pretrained``).
        losses: ``[(step, mean training LM loss over the logging window)]`` (nats/token).
        val_losses: ``[(step, mean validation loss)]``, step 0 = before training.
        best_step / best_val_loss: where the checkpoint was taken and its validation loss.
        tokens_per_second: training tokens per wall second of the loop, validation and
            checkpoint writes (``eval_seconds``) left out.
        n_tokens: tokens in all blocks (train + validation).
    """

    out_dir: str
    checkpoint_dir: str
    model: str
    method: str
    steps: int
    planned_steps: int
    losses: list[tuple[int, float]]
    val_losses: list[tuple[int, float]]
    initial_val_loss: float
    best_val_loss: float
    best_step: int
    seconds: float
    eval_seconds: float
    tokens_per_second: float
    n_documents: int
    n_corpus_bytes: int
    n_tokens: int
    n_train_blocks: int
    n_val_blocks: int
    block_size: int
    trainable_parameters: int
    total_parameters: int
    stopped_by_time_budget: bool = False
    corpus_capped: list[str] = field(default_factory=list)

    @property
    def best_val_perplexity(self) -> float:
        """``exp(best_val_loss)``."""
        return math.exp(self.best_val_loss)

    def to_json(self) -> dict[str, Any]:
        """Every field, plus ``best_val_perplexity``, JSON-ready."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["best_val_perplexity"] = self.best_val_perplexity
        return data


def check(config: PretrainConfig) -> None:
    """Check the LoRA targets against a weightless skeleton of the model (``method: lora``).

    Raises:
        ConfigError: the LoRA settings do not fit the model.
        ModelLoadError: the model's config cannot be read.
    """
    if config.method == "lora":
        from toolschool.train import stage

        stage.check(lora_config(config.model, config.lora))


def lora_config(model: str, lora: LoraConfig) -> TrainConfig:
    """The :class:`TrainConfig` the LoRA helpers of the SFT stage read (``model``, ``lora``)."""
    return TrainConfig(model=model, lora=lora)


def lr_multiplier(
    config: PretrainConfig, step: int, total: int, elapsed: float, budget: float | None
) -> float:
    """Share of the peak learning rate for optimizer step ``step`` (0-based) of ``total``.

    Linear warm-up over ``warmup_ratio`` of the steps, then ``lr_scheduler`` decay
    (:func:`toolschool.train.sft.lr_factor`) from 1 to ``min_lr_ratio``. Under a time budget
    both run by steps or by elapsed share of the budget, whichever is further, so a run the
    budget cuts short still warms up and decays.
    """
    from toolschool.train.sft import lr_factor

    warmup = round(config.warmup_ratio * total)
    warm = (step + 1) / warmup if warmup else 1.0
    if budget and config.warmup_ratio:
        warm = max(warm, elapsed / (config.warmup_ratio * budget))
    if warm < 1.0:
        return warm
    progress = (step - warmup) / max(1, total - warmup)
    if budget:
        progress = max(progress, elapsed / budget)
    decay = lr_factor(config.lr_scheduler, step, 0, progress)
    return config.min_lr_ratio + (1.0 - config.min_lr_ratio) * decay


def _optimizer(model: Any, config: PretrainConfig) -> Any:
    import torch

    params = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.ndim >= 2], "weight_decay": config.weight_decay},
        {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW([g for g in groups if g["params"]], lr=config.learning_rate, betas=(0.9, 0.95))


def _lm_loss(model: Any, batch: Any) -> tuple[Any, Any]:
    """``(loss to backpropagate, language-model loss)`` of a ``(rows, block)`` batch."""
    out = model(input_ids=batch, labels=batch, use_cache=False)
    aux = getattr(out, "aux_loss", None)
    if aux is None:
        return out.loss, out.loss
    coef = float(getattr(model.config, "router_aux_loss_coef", 0.0))
    return out.loss, out.loss - coef * aux


def validation_loss(model: Any, blocks: Any, batch_size: int, autocast: bool) -> float:
    """Mean next-token loss (nats per predicted token) of ``model`` over ``blocks`` ``(n, block)``."""
    import torch

    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
        for start in range(0, len(blocks), batch_size):
            batch = blocks[start:start + batch_size]
            _, lm = _lm_loss(model, batch)
            total += float(lm) * len(batch)
            count += len(batch)
    model.train(was_training)
    return total / max(1, count)


def save_checkpoint(model: Any, tokenizer: Any, target: Path, info: dict[str, Any]) -> Path:
    """``save_pretrained`` model and tokenizer into ``target`` atomically, with ``info`` as
    :data:`CHECKPOINT_INFO`; the directory then loads as a model (``load_model(str(target))``)."""
    from transformers.utils import logging as hf_logging

    tmp = target.with_name(f"{target.name}.tmp{os.getpid()}")
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # its "Writing model shards" bar would cut through ours
    try:
        model.save_pretrained(tmp)
    finally:
        if bars:
            hf_logging.enable_progress_bar()
    tokenizer.save_pretrained(tmp)
    (tmp / CHECKPOINT_INFO).write_text(json.dumps(info, indent=2) + "\n")
    return replace_dir(tmp, target)


def _batches(train_idx: Any, batch_size: int, seed: int, total_micro: int) -> Any:
    """Micro-batches of block indices: each epoch a new seeded shuffle, ``total_micro`` in all."""
    import torch

    made, epoch = 0, 0
    while True:
        shuffle = torch.Generator().manual_seed(seed + epoch)
        order = train_idx[torch.randperm(len(train_idx), generator=shuffle)]
        for start in range(0, len(order), batch_size):
            if made == total_micro:
                return
            yield order[start:start + batch_size]
            made += 1
        epoch += 1


def train_blocks(
    config: PretrainConfig,
    blocks: Any,
    train_idx: Any,
    val_idx: Any,
    model: Any,
    tokenizer: Any,
    out_dir: Path,
    progress: Progress,
    label: str = "causal_lm",
) -> dict[str, Any]:
    """The training loop (see module docstring) over ``blocks[train_idx]``, validating on
    ``blocks[val_idx]``; writes ``train_log.jsonl`` and the best checkpoint in ``out_dir``.

    Returns the measurements :class:`PretrainResult` is made of (without the corpus counts).
    """
    import torch

    from toolschool.models.precision import resolve_train_precision
    from toolschool.train.dataset import count_batches

    torch.manual_seed(config.seed)
    log_path = out_dir / "train_log.jsonl"
    log_path.unlink(missing_ok=True)
    if config.method == "lora":
        from toolschool.train import attach_lora

        model = attach_lora(model, lora_config(config.model, config.lora))
    model.train()
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total_params = sum(p.numel() for p in model.parameters())
    optimizer = _optimizer(model, config)
    params = [p for g in optimizer.param_groups for p in g["params"]]
    autocast = resolve_train_precision(config.precision) == "bf16"
    val_blocks = blocks[val_idx[: config.max_val_blocks]]
    if config.max_steps:
        total_micro = config.max_steps * config.gradient_accumulation
    else:
        total_micro = count_batches(len(train_idx), config.batch_size, config.epochs)
    total_steps = max(1, total_micro // config.gradient_accumulation)
    budget = config.max_seconds
    best: dict[str, Any] = {"loss": math.inf, "step": 0, "state": None}
    val_losses: list[tuple[int, float]] = []
    checkpoint = out_dir / "checkpoint"

    eval_seconds = [0.0]

    def evaluate(step: int) -> float:
        began = time.perf_counter()
        loss = validation_loss(model, val_blocks, config.batch_size, autocast)
        improved = loss < best["loss"]
        val_losses.append((step, loss))
        append_jsonl(log_path, {"step": step, "val_loss": loss, "val_perplexity": math.exp(min(loss, 50.0)),
                                "best": improved})
        if improved:
            best.update(loss=loss, step=step)
            info = {"step": step, "val_loss": loss, "model": config.model, "method": config.method}
            if config.method == "lora":
                from peft import get_peft_model_state_dict

                best["state"] = {k: v.detach().clone() for k, v in get_peft_model_state_dict(model).items()}
                tmp = out_dir / f"best_adapter.tmp{os.getpid()}"
                model.save_pretrained(tmp)
                replace_dir(tmp, out_dir / "best_adapter")
            else:
                save_checkpoint(model, tokenizer, checkpoint, info)
        eval_seconds[0] += time.perf_counter() - began
        return loss

    for group in optimizer.param_groups:
        group["lr"] = config.learning_rate * lr_multiplier(config, 0, total_steps, 0.0, budget)
    progress.start(label, total_steps)
    evaluate(0)
    eval_seconds[0] = 0.0
    losses: list[tuple[int, float]] = []
    window: list[float] = []
    step, tokens, stopped = 0, 0, False
    start = time.perf_counter()
    optimizer.zero_grad(set_to_none=True)
    for micro, idx in enumerate(_batches(train_idx, config.batch_size, config.seed, total_micro), 1):
        batch = blocks[idx]
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            loss, lm = _lm_loss(model, batch)
        (loss.float() / config.gradient_accumulation).backward()
        tokens += batch.numel()
        window.append(float(lm.detach()))
        if micro % config.gradient_accumulation:
            continue
        torch.nn.utils.clip_grad_norm_(params, config.max_grad_norm)
        lr = optimizer.param_groups[0]["lr"]
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        elapsed = time.perf_counter() - start
        factor = lr_multiplier(config, step, total_steps, elapsed, budget)
        for group in optimizer.param_groups:
            group["lr"] = config.learning_rate * factor
        stopped = bool(budget and elapsed >= budget and step < total_steps)
        last = step >= total_steps or stopped
        if step % config.log_every == 0 or last:
            mean = sum(window) / len(window)
            losses.append((step, mean))
            append_jsonl(log_path, {"step": step, "loss": mean, "lr": lr, "tokens": tokens,
                                    "seconds": round(elapsed, 3)})
            window = []
        fields_ = {"loss": round(losses[-1][1], 3)} if losses else {}
        if step % config.eval_every == 0 or last:
            fields_["val"] = round(evaluate(step), 3)
        progress.advance(label, 1, **fields_)
        if last:
            break
    seconds = time.perf_counter() - start
    progress.finish(label)
    if config.method == "lora":
        from peft import set_peft_model_state_dict

        set_peft_model_state_dict(model, best["state"])
        merged = model.merge_and_unload()
        save_checkpoint(merged, tokenizer, checkpoint, {"step": best["step"], "val_loss": best["loss"],
                                                        "model": config.model, "method": "lora"})
    return {
        "steps": step, "planned_steps": total_steps, "losses": losses, "val_losses": val_losses,
        "initial_val_loss": val_losses[0][1], "best_val_loss": best["loss"], "best_step": best["step"],
        "seconds": seconds, "eval_seconds": eval_seconds[0],
        "tokens_per_second": tokens / (seconds - eval_seconds[0]) if seconds > eval_seconds[0] else 0.0,
        "trainable_parameters": trainable, "total_parameters": total_params,
        "stopped_by_time_budget": stopped,
    }


def run(
    config: PretrainConfig, progress: Progress | None = None, loaded: LoadedModel | None = None
) -> PretrainResult:
    """Train ``config.model`` on ``config.corpus`` into ``config.out_dir`` (module docstring).

    Args:
        config: the resolved stage config.
        progress: receives ``load model``, ``tokenize`` and ``causal_lm`` progress.
        loaded: the model already in memory (float32); None loads ``config.model``.

    Raises:
        DataError: the corpus names nothing, has no text or too few tokens for two blocks.
        ConfigError: the LoRA settings do not fit the model.
        ModelLoadError: the model cannot be loaded.
    """
    import torch

    progress = progress or NullProgress()
    threads = torch.get_num_threads()
    if config.num_threads:
        torch.set_num_threads(config.num_threads)
    try:
        return _run(config, progress, loaded)
    finally:
        torch.set_num_threads(threads)


def _run(config: PretrainConfig, progress: Progress, loaded: LoadedModel | None) -> PretrainResult:
    from toolschool.eval.plots import plot_loss
    from toolschool.train.corpus import pack_blocks, read_corpus, split_blocks
    from toolschool.train.stage import start_stage

    corpus = read_corpus(config.corpus, config.extensions, config.max_bytes)
    out, loaded = start_stage(config, check, progress, loaded)
    progress.start("tokenize", len(corpus.documents))
    blocks = pack_blocks(corpus, loaded.tokenizer, config.block_size,
                         lambda n: progress.advance("tokenize", n))
    progress.finish("tokenize")
    train_idx, val_idx = split_blocks(len(blocks), config.val_fraction, config.seed)
    measured = train_blocks(config, blocks, train_idx, val_idx, loaded.model, loaded.tokenizer, out, progress)
    result = PretrainResult(
        out_dir=str(out), checkpoint_dir=str(out / "checkpoint"), model=config.model, method=config.method,
        n_documents=len(corpus.documents), n_corpus_bytes=corpus.n_bytes, n_tokens=blocks.numel(),
        n_train_blocks=len(train_idx), n_val_blocks=len(val_idx), block_size=config.block_size,
        corpus_capped=corpus.capped, **measured,
    )
    atomic_write_text(out / "pretrain_result.json", json.dumps(result.to_json(), indent=2) + "\n")
    plot_loss([s for s, _ in result.losses], [v for _, v in result.losses], out / "loss.png",
              eval_points=result.val_losses, title=f"Causal-LM loss ({config.model})")
    return result
