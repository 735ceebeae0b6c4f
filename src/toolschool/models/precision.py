"""Which floating-point precision is fast on this CPU, for training and for generation.

bf16 is only fast on a CPU whose matrix units take bf16 natively (AVX-512 BF16, AMX) or
at least AVX-512 (oneDNN converts in registers). Elsewhere PyTorch falls back to a scalar
``cpublas`` kernel (``bf16_dot_with_fp32_arith``) that is an order of magnitude slower
than fp32. Measured with SmolLM2-135M, LoRA r=16, one batch of 8 conversations
(1,039 computed tokens), torch 2.13:

* AVX-512 machine of an earlier session: bf16 autocast ~340 tokens/s vs ~190 fp32.
* AMD EPYC (Zen 1, AVX2 only): fp32 29–41 s per step, bf16 autocast 399–429 s — 13×
  slower.

So ``"auto"`` asks oneDNN whether it has bf16 kernels for this CPU
(``torch.ops.mkldnn._is_mkldnn_bf16_supported``, the check PyTorch itself uses before
routing bf16 matmuls to oneDNN) and picks bf16 only then.

fp16 is the same story with fewer CPUs: oneDNN has fp16 kernels only with AVX-512 FP16 or
AMX-FP16 (``_is_mkldnn_fp16_supported``). Without them fp16 autocast is slower than fp32:
on the project's AVX-512 BF16 EPYC a ``[1024, 576] x [576, 1536]`` product takes 62 ms in
fp16 against 21 ms fp32 and 4.7 ms bf16 (torch 2.13). So ``"fp16"`` runs fp16 autocast
(with a gradient scaler, :mod:`toolschool.train.sft`) only where those kernels exist and
resolves to what ``"auto"`` picks elsewhere; :func:`precision_note` says so.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

TrainPrecision = Literal["auto", "fp32", "bf16", "fp16"]
WeightDtype = Literal["auto", "float32", "bfloat16"]


@lru_cache(maxsize=1)
def bf16_is_fast() -> bool:
    """True when this CPU runs bf16 matrix products in oneDNN (not the scalar fallback)."""
    import torch

    try:
        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a build without oneDNN, or the op renamed
        return False


@lru_cache(maxsize=1)
def fp16_is_fast() -> bool:
    """True when this CPU runs fp16 matrix products in oneDNN (AVX-512 FP16, AMX-FP16)."""
    import torch

    try:
        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_fp16_supported())
    except (AttributeError, RuntimeError):
        return False


def resolve_train_precision(precision: str) -> Literal["fp32", "bf16", "fp16"]:
    """``"auto"`` → ``"bf16"`` (autocast) where :func:`bf16_is_fast`, else ``"fp32"``;
    ``"fp16"`` → ``"fp16"`` where :func:`fp16_is_fast`, else what ``"auto"`` picks (see the
    module docstring; :func:`precision_note` gives the message).

    Raises:
        ValueError: ``precision`` is not ``auto``, ``fp32``, ``bf16`` or ``fp16``.
    """
    if precision == "auto":
        return "bf16" if bf16_is_fast() else "fp32"
    if precision == "fp16":
        return "fp16" if fp16_is_fast() else resolve_train_precision("auto")
    if precision in ("fp32", "bf16"):
        return precision  # type: ignore[return-value]
    raise ValueError(f"precision must be auto, fp32, bf16 or fp16, got {precision!r}")


def precision_note(precision: str) -> str:
    """Why ``precision`` resolves to something else on this CPU (``""`` when it does not)."""
    resolved = resolve_train_precision(precision)
    if precision != "fp16" or resolved == "fp16":
        return ""
    return (
        f"precision fp16 runs as {resolved} on this CPU: oneDNN has no fp16 kernels here (no AVX-512 FP16 "
        f"or AMX-FP16), where fp16 autocast is ~3x slower than fp32 and {resolved} needs no loss scaling"
    )


def resolve_weight_dtype(dtype: str) -> Literal["float32", "bfloat16"]:
    """Weights for generation: ``"auto"`` → ``"bfloat16"`` where :func:`bf16_is_fast`, else
    ``"float32"``.

    Raises:
        ValueError: ``dtype`` is not ``auto``, ``float32`` or ``bfloat16``.
    """
    if dtype == "auto":
        return "bfloat16" if bf16_is_fast() else "float32"
    if dtype in ("float32", "bfloat16"):
        return dtype  # type: ignore[return-value]
    raise ValueError(f"dtype must be auto, float32 or bfloat16, got {dtype!r}")
