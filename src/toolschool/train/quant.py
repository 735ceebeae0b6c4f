"""QLoRA: LoRA on a 4-bit NF4 base model (Dettmers et al. 2023, "QLoRA", arXiv:2305.14314).

The base weights are stored as 4-bit NormalFloat with double quantization (the quantization
constants quantized again) and computed in bf16; the adapter trains in fp32 on top
(:func:`toolschool.train.lora.fp32_master_weights`). bitsandbytes' 4-bit kernels need a CUDA
GPU, so ``quantization: qlora`` is refused at config check time elsewhere. bitsandbytes is not
a dependency: ``pip install 'toolschool[qlora]'`` adds it. The settings follow the paper and
the ``BitsAndBytesConfig`` + ``peft.prepare_model_for_kbit_training`` recipe of the peft docs.
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

from toolschool.errors import ConfigError

if TYPE_CHECKING:
    from toolschool.models import LoadedModel
    from toolschool.train.config import TrainConfig

__all__ = ["check_quantization", "load_qlora"]


def check_quantization(config: TrainConfig) -> None:
    """Refuse ``quantization: qlora`` where it cannot run, before any weight is loaded.

    Raises:
        ConfigError: QLoRA was asked for without a CUDA GPU, without bitsandbytes installed,
            or on a ``tiny``/``scratch:`` model (built in memory, not loaded from weights).
    """
    if config.quantization == "none":
        return
    import torch

    problems = []
    if not torch.cuda.is_available():
        problems.append("no CUDA GPU is visible to torch (bitsandbytes' 4-bit kernels need one)")
    if importlib.util.find_spec("bitsandbytes") is None:
        problems.append("bitsandbytes is not installed (pip install 'toolschool[qlora]')")
    if config.model.partition(":")[0] in ("tiny", "tiny-gemma3", "scratch"):
        problems.append(f"model {config.model!r} is built in memory; QLoRA quantizes loaded weights")
    if problems:
        raise ConfigError(
            "quantization: qlora needs a CUDA GPU and bitsandbytes: " + "; ".join(problems)
            + ". Use quantization: none to train the full-precision model."
        )


def load_qlora(config: TrainConfig) -> LoadedModel:
    """``config.model`` loaded in 4-bit NF4 on CUDA device 0, ready for a LoRA adapter.

    ``prepare_model_for_kbit_training`` casts the remaining float weights (norms, embeddings)
    to fp32 for stability and, with ``config.gradient_checkpointing``, turns it on
    (``use_reentrant=False``) with input gradients enabled so the checkpointed blocks
    backpropagate into the adapter.

    Raises:
        ConfigError: see :func:`check_quantization`.
        ModelLoadError: the model cannot be loaded.
    """
    check_quantization(config)
    import torch
    from peft import prepare_model_for_kbit_training
    from transformers import BitsAndBytesConfig

    from toolschool.models.loading import load_model

    bnb = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.bfloat16,
    )
    loaded = load_model(config.model, dtype="bfloat16", quantization_config=bnb, device_map={"": 0})
    loaded.model = prepare_model_for_kbit_training(
        loaded.model,
        use_gradient_checkpointing=config.gradient_checkpointing,
        gradient_checkpointing_kwargs={"use_reentrant": False},
    )
    return loaded
