"""The LoRA adapter of a training run: which modules get one, attaching it (peft), and its
weights kept in float32."""

from __future__ import annotations

from typing import Any

from toolschool.errors import ConfigError
from toolschool.train.config import LoraConfig, TrainConfig

__all__ = ["attach_lora", "enable_gradient_checkpointing", "fp32_master_weights", "lora_targets",
           "text_decoder_outsiders"]


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
        raise ConfigError(
            f"lora.last_layers={lora.last_layers} but the model has only {depth} decoder layers"
        )
    return targets, list(range(depth - lora.last_layers, depth))


def text_decoder_outsiders(model: Any, targets: list[str]) -> list[str]:
    """Full names of the modules with a target suffix that lie outside the text decoder.

    A multimodal checkpoint loaded as a causal LM (Gemma 4 E2B: ``Gemma4ForConditionalGeneration``)
    also has ``q_proj``…``down_proj`` in its vision and audio towers, some of them wrappers
    peft cannot adapt (``Gemma4ClippableLinear``: "Target module … is not supported"). The text
    decoder is transformers' ``get_decoder()``; a text-only model gives ``[]``.
    """
    decoder = model.get_decoder() if hasattr(model, "get_decoder") else None
    if decoder is None:
        return []
    inside = {id(m) for m in decoder.modules()}
    return [n for n, m in model.named_modules() if n.rsplit(".", 1)[-1] in targets and id(m) not in inside]


def attach_lora(model: Any, config: TrainConfig) -> Any:
    """Wrap ``model`` with a fresh LoRA adapter (peft); only adapter weights train.

    With ``config.lora.last_layers = N`` only the last ``N`` decoder layers get adapters
    (peft ``layers_to_transform``); nothing below them needs a gradient, so autograd does not
    run the backward pass through the lower layers. Only the text decoder is adapted
    (:func:`text_decoder_outsiders`).

    Raises:
        ConfigError: see :func:`lora_targets`.
    """
    from peft import LoraConfig as PeftLoraConfig
    from peft import get_peft_model

    targets, layers = lora_targets(model, config.lora)
    outside = text_decoder_outsiders(model, targets)
    peft_config = PeftLoraConfig(
        exclude_modules=outside or None,
        r=config.lora.r,
        layers_to_transform=layers,
        lora_alpha=config.lora.alpha,
        lora_dropout=config.lora.dropout,
        target_modules=targets,
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, peft_config)


def fp32_master_weights(model: Any) -> int:
    """Cast every trainable parameter of ``model`` to float32 in place; returns how many were not.

    The adapter learns in fp32 whatever the base weights and the autocast dtype are: the
    optimizer's updates are then not rounded away, and a gradient scaler can unscale the
    gradients (``torch.amp.GradScaler`` refuses fp16 gradients: "Attempting to unscale FP16
    gradients", the failure of fp16 training with fp16 adapter weights). peft already does this
    by default (``autocast_adapter_dtype``); this makes it a rule of the loop.
    """
    import torch

    cast = 0
    for p in model.parameters():
        if p.requires_grad and p.dtype != torch.float32:
            p.data = p.data.float()
            cast += 1
    return cast


def enable_gradient_checkpointing(model: Any) -> None:
    """Turn on activation (gradient) checkpointing in the peft-wrapped ``model``, in place.

    Each decoder layer keeps only its input and recomputes its activations in the backward
    pass (Chen et al. 2016, arXiv:1604.06174): activation memory per layer drops to one hidden
    state for ~one more forward pass of compute. Non-reentrant checkpointing
    (``use_reentrant=False``, PyTorch's recommended mode) plus ``enable_input_require_grads``
    (peft's advice for frozen embeddings) keep the gradient reaching the adapter. Already on
    (QLoRA's ``prepare_model_for_kbit_training``): nothing changes.
    """
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    if not base.is_activation_checkpointing:  # transformers 5's name for gradient checkpointing
        base.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
    if hasattr(model, "enable_input_require_grads"):
        model.enable_input_require_grads()
