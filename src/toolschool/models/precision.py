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
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

TrainPrecision = Literal["auto", "fp32", "bf16"]
WeightDtype = Literal["auto", "float32", "bfloat16"]


@lru_cache(maxsize=1)
def bf16_is_fast() -> bool:
    """True when this CPU runs bf16 matrix products in oneDNN (not the scalar fallback)."""
    import torch

    try:
        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a build without oneDNN, or the op renamed
        return False


def resolve_train_precision(precision: str) -> Literal["fp32", "bf16"]:
    """``"auto"`` → ``"bf16"`` (autocast) where :func:`bf16_is_fast`, else ``"fp32"``.

    Raises:
        ValueError: ``precision`` is not ``auto``, ``fp32`` or ``bf16``.
    """
    if precision == "auto":
        return "bf16" if bf16_is_fast() else "fp32"
    if precision in ("fp32", "bf16"):
        return precision  # type: ignore[return-value]
    raise ValueError(f"precision must be auto, fp32 or bf16, got {precision!r}")


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
