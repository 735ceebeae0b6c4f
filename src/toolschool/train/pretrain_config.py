"""Configuration of the causal-LM stage: next-token training on a text or code corpus.

Field descriptions are one line; measurements behind defaults are in ``docs/decisions.md``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from toolschool.config import StageConfig
from toolschool.names import ModelName
from toolschool.train.config import LoraConfig


class PretrainConfig(StageConfig):
    """One causal-LM training run: corpus, model, method (full or LoRA) and schedule.

    ``kind: causal_lm`` marks the file as this stage's config (``toolschool train -c`` reads
    a file with it as a causal-LM stage, one without as LoRA SFT).
    """

    kind: Literal["causal_lm"] = Field("causal_lm", description="marks a causal-LM stage config")
    corpus: list[str] = Field(
        ..., min_length=1,
        description="files, directories, glob patterns or built-ins (python-stdlib, python-docs)",
    )
    extensions: list[str] = Field(
        default_factory=lambda: [".txt", ".md", ".rst", ".py"], min_length=1,
        description="file endings read from corpus directories",
    )
    max_bytes: int | None = Field(
        16_000_000, ge=1, description="bytes of text read per corpus entry at most (None = all)"
    )
    out_dir: str = Field(
        "runs/causal_lm", description="output: checkpoint/, train_log.jsonl, loss.png, config.yaml"
    )
    model: ModelName = Field(
        "scratch:llama-10m",
        description="scratch:<size>[:<tokenizer>[:<seed>]], bundled name, local dir or hub id",
    )
    method: Literal["full", "lora"] = Field(
        "full", description="train every weight, or a LoRA adapter merged into the checkpoint"
    )
    lora: LoraConfig = Field(default_factory=LoraConfig)
    block_size: int = Field(256, ge=8, description="tokens per training block (documents are packed)")
    val_fraction: float = Field(0.05, gt=0, lt=1, description="share of the blocks held out for validation")
    max_val_blocks: int = Field(64, ge=1, description="validation blocks evaluated at most (the first ones)")
    eval_every: int = Field(50, ge=1, description="validate (and keep the best checkpoint) every N steps")
    epochs: float = Field(1.0, gt=0, description="passes over the training blocks")
    max_steps: int | None = Field(
        None, ge=1, description="stop after this many optimizer steps (wins over epochs)"
    )
    max_seconds: float | None = Field(
        None, gt=0, description="wall-time budget of the training loop; the LR schedule follows elapsed time"
    )
    learning_rate: float = Field(1e-3, gt=0, description="peak learning rate")
    lr_scheduler: Literal["cosine", "linear", "constant"] = Field("cosine", description="decay after warm-up")
    warmup_ratio: float = Field(
        0.05, ge=0, lt=1, description="share of the steps (or budget) with linear warm-up"
    )
    min_lr_ratio: float = Field(0.1, ge=0, le=1, description="the schedule decays to this share of the peak")
    weight_decay: float = Field(0.1, ge=0, description="AdamW weight decay of matrices (not norms or biases)")
    batch_size: int = Field(8, ge=1, description="blocks per micro-batch")
    gradient_accumulation: int = Field(1, ge=1, description="micro-batches per optimizer step")
    precision: Literal["auto", "fp32", "bf16"] = Field(
        "auto", description="bf16 autocast; auto = bf16 only where the CPU has bf16 kernels"
    )
    max_grad_norm: float = Field(1.0, gt=0, description="gradient clipping norm")
    seed: int = Field(0, description="seeds the block split, batch order and LoRA initialisation")
    log_every: int = Field(10, ge=1, description="log the mean loss every N optimizer steps")
    num_threads: int | None = Field(None, ge=1, description="torch threads (None = all cores)")

    @field_validator("corpus")
    @classmethod
    def _corpus_exists(cls, entries: list[str]) -> list[str]:
        from toolschool.train.corpus import entry_problem

        problems = [p for p in map(entry_problem, entries) if p]
        if problems:
            raise ValueError("; ".join(problems))
        return entries
