"""Named sizes of standard decoder architectures, randomly initialised, for training from scratch.

Every size is a config of transformers' own classes, so the models are the library's
reference implementations and save, load, train, generate and export like any checkpoint:

* ``llama-*``: :class:`~transformers.LlamaConfig` — rotary position embeddings (RoPE, Su et
  al. 2021), RMSNorm before each block (Zhang & Sennrich 2019), a SwiGLU feed-forward layer
  (Shazeer 2020), grouped-query attention where ``kv_heads < heads``, tied input/output
  embeddings (as SmolLM2);
* ``mixtral-*``: :class:`~transformers.MixtralConfig` — the same blocks with the
  feed-forward layer replaced by a sparse mixture of SwiGLU experts, top-2 routing and the
  Switch Transformer load-balancing loss added to the training loss (Jiang et al. 2024,
  "Mixtral of Experts"; Fedus et al. 2021).

The number in a name is the parameter count, rounded, with SmolLM2's 49,152-token vocabulary
(tied embeddings): ``llama-135m`` *is* SmolLM2-135M's shape (134.5M parameters), and in the
small sizes most parameters are the embedding (``llama-10m``: 7.9M of 10.4M). With the 512-token
``tiny`` tokenizer the same shapes are much smaller. ``mixtral-4x10m`` is ``llama-10m`` with
4 experts per layer (Mixtral's "8x7B" naming). ``*-micro`` are the shape of the ``tiny`` test
model (tests and smoke runs).

A model name ``scratch:<size>[:<tokenizer>[:<seed>]]`` (e.g. ``scratch:llama-30m``,
``scratch:llama-10m:tiny:3``) is accepted wherever a model name is
(:func:`toolschool.models.load_model`): tokenizer ``smollm2`` (the bundled SmolLM2 tokenizer,
the default) or ``tiny`` (:func:`toolschool.models.tiny.tiny_tokenizer`); seed 0 by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: tokenizers a scratch model can be built with
TOKENIZERS = ("smollm2", "tiny")
PREFIX = "scratch:"


@dataclass(frozen=True)
class ScratchSize:
    """The shape of one named size.

    Attributes:
        arch: ``llama`` (dense) or ``mixtral`` (sparse mixture of experts).
        hidden: model width. layers: decoder layers. heads / kv_heads: query and key-value
        attention heads (head width ``hidden // heads``). intermediate: SwiGLU width (per
        expert for ``mixtral``). experts / experts_per_token: ``mixtral`` only.
        rope_theta: RoPE base. description: one line for listings.
    """

    arch: str
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    intermediate: int
    experts: int = 0
    experts_per_token: int = 2
    rope_theta: float = 10_000.0
    description: str = ""


SIZES: dict[str, ScratchSize] = {
    "llama-micro": ScratchSize("llama", 64, 2, 4, 2, 128, description="the tiny test model's shape"),
    "llama-10m": ScratchSize("llama", 160, 8, 5, 5, 448, description="10.4M with SmolLM2's vocabulary"),
    "llama-30m": ScratchSize("llama", 384, 8, 6, 2, 1024, description="31.5M with SmolLM2's vocabulary"),
    "llama-135m": ScratchSize(
        "llama", 576, 30, 9, 3, 1536, rope_theta=100_000.0, description="SmolLM2-135M's shape (134.5M)"
    ),
    "mixtral-micro": ScratchSize("mixtral", 64, 2, 4, 2, 128, experts=4, description="4 experts, top-2"),
    "mixtral-4x10m": ScratchSize(
        "mixtral", 160, 8, 5, 5, 448, experts=4, description="llama-10m with 4 experts, top-2 (15.6M)"
    ),
}


@dataclass(frozen=True)
class ScratchSpec:
    """A parsed ``scratch:<size>[:<tokenizer>[:<seed>]]`` name."""

    size: str
    tokenizer: str = "smollm2"
    seed: int = 0

    @property
    def name(self) -> str:
        """The full model name: ``scratch:<size>:<tokenizer>:<seed>``."""
        return f"{PREFIX}{self.size}:{self.tokenizer}:{self.seed}"


def is_scratch_name(name: str) -> bool:
    """True when ``name`` asks for a scratch model (starts with ``scratch:``)."""
    return name.startswith(PREFIX)


def parse_scratch_name(name: str) -> ScratchSpec:
    """The :class:`ScratchSpec` of ``scratch:<size>[:<tokenizer>[:<seed>]]``.

    Raises:
        ValueError: not a scratch name, an unknown size or tokenizer (the message lists the
            known ones), or a seed that is not a whole number.
    """
    if not is_scratch_name(name):
        raise ValueError(f"model {name!r} is not a scratch name (scratch:<size>[:<tokenizer>[:<seed>]])")
    parts = name[len(PREFIX):].split(":")
    if len(parts) > 3:
        raise ValueError(f"model {name!r}: expected scratch:<size>[:<tokenizer>[:<seed>]]")
    size, tokenizer, seed = (parts + ["smollm2", "0"][len(parts) - 1:])[:3]
    if size not in SIZES:
        raise ValueError(f"model {name!r}: unknown scratch size {size!r}; sizes: {', '.join(SIZES)}")
    if tokenizer not in TOKENIZERS:
        known = ", ".join(TOKENIZERS)
        raise ValueError(f"model {name!r}: unknown tokenizer {tokenizer!r}; tokenizers: {known}")
    if not seed.isdigit():
        example = f"{PREFIX}{size}:{tokenizer}:1"
        raise ValueError(f"model {name!r}: the seed must be a whole number, e.g. {example}")
    return ScratchSpec(size, tokenizer, int(seed))


def scratch_tokenizer(name: str) -> Any:
    """A fresh tokenizer: ``smollm2`` (the bundled SmolLM2-135M-Instruct tokenizer, 49,152
    tokens, with its ChatML chat template; its GGUF is converted into the cache the first
    time) or ``tiny`` (:func:`toolschool.models.tiny.tiny_tokenizer`, 512 tokens).

    Raises:
        ValueError: an unknown tokenizer name.
        ModelLoadError: the SmolLM2 package is not installed.
    """
    if name == "tiny":
        from toolschool.models.tiny import tiny_tokenizer

        return tiny_tokenizer()
    if name != "smollm2":
        raise ValueError(f"unknown tokenizer {name!r}; tokenizers: {', '.join(TOKENIZERS)}")
    from transformers import AutoTokenizer

    from toolschool.models.loading import resolve_source

    path, _ = resolve_source("smollm2-135m")
    return AutoTokenizer.from_pretrained(str(path))


def scratch_config(size: str, tokenizer: Any) -> Any:
    """The transformers config of ``size`` for ``tokenizer`` (its length and special tokens).

    Returns a ``LlamaConfig`` or ``MixtralConfig``; ``initializer_range`` 0.02 (the Llama
    default), ``max_position_embeddings`` 8192 (SmolLM2's), tied embeddings. Mixtral
    configs set ``output_router_logits`` so that training adds the load-balancing loss
    (coefficient 0.02, Mixtral's published value).

    Raises:
        KeyError: an unknown size.
    """
    from transformers import LlamaConfig, MixtralConfig

    shape = SIZES[size]
    common = dict(
        vocab_size=len(tokenizer),
        hidden_size=shape.hidden,
        intermediate_size=shape.intermediate,
        num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads,
        num_key_value_heads=shape.kv_heads,
        head_dim=shape.hidden // shape.heads,
        hidden_act="silu",
        max_position_embeddings=8192,
        rms_norm_eps=1e-5,
        initializer_range=0.02,
        tie_word_embeddings=True,
        rope_parameters={"rope_type": "default", "rope_theta": shape.rope_theta},
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id,
    )
    if shape.arch == "mixtral":
        return MixtralConfig(
            num_local_experts=shape.experts,
            num_experts_per_tok=shape.experts_per_token,
            output_router_logits=True,
            router_aux_loss_coef=0.02,
            **common,
        )
    return LlamaConfig(**common)


def scratch_model(name: str, device: str | None = None) -> tuple[Any, Any]:
    """``(model, tokenizer)`` for a ``scratch:`` name: random weights seeded by its seed.

    Args:
        name: ``scratch:<size>[:<tokenizer>[:<seed>]]`` (:func:`parse_scratch_name`).
        device: ``"meta"`` builds the modules without weights (config checks); None: CPU.

    Raises:
        ValueError: see :func:`parse_scratch_name`.
        ModelLoadError: the SmolLM2 tokenizer's package is missing.
    """
    import torch
    from transformers import AutoModelForCausalLM

    spec = parse_scratch_name(name)
    tokenizer = scratch_tokenizer(spec.tokenizer)
    config = scratch_config(spec.size, tokenizer)
    if device == "meta":
        with torch.device("meta"):
            return AutoModelForCausalLM.from_config(config), tokenizer
    torch.manual_seed(spec.seed)
    return AutoModelForCausalLM.from_config(config), tokenizer
