"""Training configuration: LoRA supervised fine-tuning with assistant-only loss.

Field descriptions are one line; why a default is what it is (with its measurement) is in
``docs/decisions.md``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from toolschool.chat.prompt import DEFAULT_SYSTEM
from toolschool.config import StageConfig
from toolschool.names import FormatName, LayoutName, ModelName

ALL_LINEAR = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


class LoraConfig(BaseModel):
    """LoRA adapter settings (Hu et al. 2021, "LoRA: Low-Rank Adaptation of LLMs").

    ``alpha / r`` scales the update; ``target_modules`` are module-name suffixes.
    """

    model_config = ConfigDict(extra="forbid")

    r: int = Field(16, ge=1, le=1024, description="LoRA rank")
    alpha: float = Field(32, gt=0, description="LoRA alpha (scale = alpha / r)")
    dropout: float = Field(0.0, ge=0, lt=1, description="LoRA dropout; 0 skips it (see docs/decisions.md)")
    target_modules: list[str] = Field(
        default_factory=lambda: list(ALL_LINEAR), min_length=1,
        description="module-name suffixes that get adapters (checked against the model before training)",
    )
    last_layers: int | None = Field(
        None, ge=1, description="adapt only the last N decoder layers (None = all; see docs/decisions.md)"
    )


class TrainConfig(StageConfig):
    """One supervised fine-tuning run: where its data and output are, and how it trains."""

    data: str = Field("data/train.jsonl", description="training conversations (JSONL)")
    out_dir: str = Field("runs/train", description="output directory: adapter/, train_log.jsonl, config.yaml")
    model: ModelName = Field(
        "smollm2-135m", description="bundled name, tiny[:seed], local dir, .gguf or hub id"
    )
    format: FormatName = Field("tool_use", description="tool-call wire format the model is taught")
    layout: LayoutName = Field(None, description="chat turn layout; None = the model's own (detected)")
    system_prompt: str = Field(DEFAULT_SYSTEM, description="system prompt the tool declarations are added to")
    lora: LoraConfig = Field(default_factory=LoraConfig)
    epochs: float = Field(1.0, gt=0, description="passes over the training set")
    max_steps: int | None = Field(
        None, ge=1, description="stop after this many optimizer steps (wins over epochs)"
    )
    max_seconds: float | None = Field(
        None, gt=0, description="wall-time budget of the training loop; the LR schedule follows elapsed time"
    )
    learning_rate: float = Field(2e-3, gt=0, description="peak learning rate")
    loraplus_lr_ratio: float | None = Field(
        None, gt=0,
        description="LoRA+: B matrices learn this many times faster (arXiv:2402.12354); None = off",
    )
    neftune_noise_alpha: float | None = Field(
        None, gt=0,
        description="NEFTune embedding noise alpha (arXiv:2310.05914; 5-15 in the paper); None = off",
    )
    lr_scheduler: Literal["cosine", "linear", "constant"] = Field("cosine", description="decay after warm-up")
    warmup_ratio: float = Field(0.05, ge=0, lt=1, description="share of the steps with linear warm-up")
    weight_decay: float = Field(0.0, ge=0, description="AdamW weight decay")
    batch_size: int = Field(4, ge=1, description="sequences per micro-batch")
    gradient_accumulation: int = Field(1, ge=1, description="micro-batches per optimizer step")
    max_length: int = Field(
        768, ge=32, description="tokens per sequence; longer ones are cut (tool schemas ~330)"
    )
    pad_to_multiple_of: int = Field(1, ge=1, description="round each batch's width up to a multiple of this")
    packing: bool = Field(
        False, description="pack conversations into rows of max_length, attention kept within each one"
    )
    precision: Literal["auto", "fp32", "bf16", "fp16"] = Field(
        "auto",
        description="autocast; auto = bf16 where the CPU has bf16 kernels; fp16 only where it has fp16 ones",
    )
    force_unsafe_grad_norm: bool = Field(
        False, description="allow max_grad_norm <= 0, which turns clipping off (with a loud warning)"
    )
    max_grad_norm: float = Field(
        1.0, description="gradient clipping norm; must be > 0 (see force_unsafe_grad_norm)"
    )
    template_check: Literal["error", "warn", "off"] = Field(
        "error", description="before training, compare the model's chat template with toolschool's rendering"
    )
    spectrum_every: int = Field(
        10, ge=0, description="LoRA update spectra every N optimizer steps, to spectrum.jsonl; 0 = off"
    )
    frozen_checks: int = Field(
        3, ge=1, description="stop after this many consecutive spectrum checks that saw no change"
    )
    frozen_rtol: float = Field(
        1e-6, gt=0, description="'no change': spectra moved by less than this share of the base weight's norm"
    )
    save_every: int = Field(50, ge=0, description="checkpoint every N optimizer steps, for resume; 0 = off")
    keep_checkpoints: int = Field(1, ge=1, description="how many of the newest checkpoints are kept")
    resume: bool = Field(
        False, description="continue from the newest checkpoint in out_dir (none there: start from scratch)"
    )
    min_shared_prefix: int = Field(
        32, ge=0,
        description="run a batch's shared prefix (system + tools) once if at least this long; 0 = off",
    )
    prefix_gradient: bool = Field(False, description="backpropagate through the shared prefix too")
    quantization: Literal["none", "qlora"] = Field(
        "none", description="qlora: 4-bit NF4 base weights via bitsandbytes (CUDA GPU only; extra 'qlora')"
    )
    gradient_checkpointing: bool = Field(
        False, description="recompute activations in the backward pass: less memory, ~1/3 more compute"
    )
    torch_compile: bool = Field(False, description="torch.compile the model before training")
    report_to: list[Literal["tensorboard", "wandb"]] = Field(
        default_factory=list, description="also log scalars to TensorBoard (out_dir/tensorboard) and/or W&B"
    )
    seed: int = Field(0, description="seeds LoRA initialisation and batch order")
    log_every: int = Field(5, ge=1, description="log the mean loss every N optimizer steps")
    num_threads: int | None = Field(None, ge=1, description="torch threads (None = all cores)")

    @field_validator("max_grad_norm")
    @classmethod
    def _clipping_on(cls, value: float, info: ValidationInfo) -> float:
        # a field validator (not a model validator) so that this is reported together with
        # every other problem of the config, e.g. unknown keys; force_unsafe_grad_norm is
        # declared before max_grad_norm, so it is in info.data already
        if value <= 0 and not info.data.get("force_unsafe_grad_norm"):
            raise ValueError(
                "max_grad_norm must be > 0: 0 disables clipping in some trainers and is known to "
                "collapse LoRA training (loss -> 0, frozen weights); set force_unsafe_grad_norm=true "
                "to train without clipping anyway"
            )
        return value
