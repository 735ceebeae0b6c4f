"""Training configuration: LoRA supervised fine-tuning with assistant-only loss."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from toolschool.chat.prompt import DEFAULT_SYSTEM

ALL_LINEAR = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


class LoraConfig(BaseModel):
    """LoRA adapter settings (Hu et al. 2021, "LoRA: Low-Rank Adaptation of LLMs").

    ``alpha / r`` scales the update; ``target_modules`` are module-name suffixes.
    """

    model_config = ConfigDict(extra="forbid")

    r: int = Field(16, ge=1, le=1024, description="LoRA rank")
    alpha: float = Field(32, gt=0, description="LoRA alpha (scale = alpha / r)")
    dropout: float = Field(
        0.0, ge=0, lt=1, description="LoRA dropout; 0 skips it (its Bernoulli masks took ~10% of a "
        "training step on a 2-core AVX2 CPU, and one short epoch does not overfit)"
    )
    target_modules: list[str] = Field(default_factory=lambda: list(ALL_LINEAR))
    last_layers: int | None = Field(
        None, ge=1, description="put LoRA only on the last N decoder layers (None = all). The "
        "backward pass then stops at the lowest adapted layer: measured 2.72 vs 3.78 s per step "
        "with the last 15 of SmolLM2-135M's 30 layers (batch 4, bf16, 2-core EPYC)"
    )


class TrainConfig(BaseModel):
    """One supervised fine-tuning run.

    Attributes are documented where declared; unknown keys are rejected.
    """

    model_config = ConfigDict(extra="forbid")

    model: str = Field("smollm2-135m", description="bundled name, local dir, .gguf or hub id")
    format: str = Field("hermes", description="tool-call wire format the model is taught")
    system_prompt: str = DEFAULT_SYSTEM
    lora: LoraConfig = Field(default_factory=LoraConfig)
    epochs: float = Field(1.0, gt=0, description="passes over the training set")
    max_steps: int | None = Field(None, ge=1, description="stop after this many optimizer steps")
    max_seconds: float | None = Field(
        None, gt=0, description="wall-time budget of the training loop; the learning-rate schedule "
        "follows elapsed time when that is further along than the steps (machine-dependent)"
    )
    learning_rate: float = Field(
        2e-3, gt=0, description="peak LR; 2e-3 measured better than 1e-3 on SmolLM2-135M LoRA r16 "
        "(tool selection 75.3% vs 69.3%, default run, 2026-12-03)"
    )
    loraplus_lr_ratio: float | None = Field(
        None, gt=0, description="LoRA+: the B matrices learn this many times faster than the A "
        "matrices (Hayou et al. 2024, 'LoRA+', arXiv:2402.12354; they suggest ~16); None = one LR"
    )
    neftune_noise_alpha: float | None = Field(
        None, gt=0, description="NEFTune: uniform noise of scale alpha/sqrt(L*d) on the input "
        "embeddings while training (Jain et al. 2023, arXiv:2310.05914; they use 5-15); None = off"
    )
    lr_scheduler: Literal["cosine", "linear", "constant"] = "cosine"
    warmup_ratio: float = Field(0.05, ge=0, lt=1)
    weight_decay: float = Field(0.0, ge=0)
    batch_size: int = Field(
        4, ge=1, description="sequences per micro-batch; 4 measured better than 8 in the 550 s default "
        "run (167 vs 99 steps; tool selection 77.7% vs 73.3%, no-tool recall 90.7% vs 86.7%, 2026-12-04)"
    )
    gradient_accumulation: int = Field(1, ge=1)
    max_length: int = Field(768, ge=32, description="tokens; tool schemas alone take ~330")
    pad_to_multiple_of: int = Field(
        1, ge=1, description="round each batch's width up to a multiple of this (fewer distinct "
        "shapes for the CPU kernels; 1 = no rounding; no gain measured yet on this CPU)"
    )
    precision: Literal["auto", "fp32", "bf16"] = Field(
        "auto", description="bf16 = autocast on CPU; auto = bf16 only where the CPU has bf16 kernels "
        "(13x slower than fp32 on an AVX2-only CPU; see toolschool.models.precision)"
    )
    max_grad_norm: float = Field(1.0, description="gradient clipping; must be > 0")
    min_shared_prefix: int = Field(
        32, ge=0, description="run a batch's common token prefix (system + tools) once if at least "
        "this long; 0 disables"
    )
    prefix_gradient: bool = Field(
        False, description="backpropagate through the shared prefix (system + tool declarations); "
        "False runs it without gradient (same forward and loss; measured 0.48 vs 0.77 s per "
        "conversation, SmolLM2-135M, bf16, batches of 8; the gradient misses the prefix's own "
        "terms). Measured in the default run: tool selection 69.3% with False (80 steps) vs "
        "59.3% with True (59 steps before the time budget)"
    )
    seed: int = 0
    log_every: int = Field(5, ge=1)
    num_threads: int | None = Field(None, ge=1, description="torch threads (default: all cores)")

    @field_validator("max_grad_norm")
    @classmethod
    def _clipping_on(cls, value: float) -> float:
        # a field validator (not a model validator) so that this is reported together with
        # every other problem of the config, e.g. unknown keys
        if value <= 0:
            raise ValueError(
                "max_grad_norm must be > 0: 0 disables clipping in some trainers and is known to "
                "collapse LoRA training (loss -> 0, frozen weights)"
            )
        return value
