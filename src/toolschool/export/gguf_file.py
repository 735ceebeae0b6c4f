"""Write a merged llama-architecture model and its tokenizer as one GGUF file (``gguf`` package).

:func:`write_gguf` takes a transformers ``LlamaForCausalLM`` (SmolLM2, the tiny test model, any
model whose ``config.model_type`` is ``llama`` without rope scaling or biases) and its byte-level
BPE tokenizer, and writes what llama.cpp — and so Ollama — and transformers'
``from_pretrained(..., gguf_file=...)`` read:

* metadata ``general.*`` and ``llama.*`` (context length, sizes, heads, rope base, RMS epsilon,
  ``general.file_type``);
* the tokenizer: ``tokenizer.ggml.model = "gpt2"``, ``tokens`` (the vocabulary in byte-level
  spelling, ``[PAD{i}]`` for ids the tokenizer does not use up to the model's vocabulary
  size), ``token_type`` (special added tokens ``CONTROL``, other added tokens
  ``USER_DEFINED``, padding ids ``UNUSED``, the rest ``NORMAL``), ``merges``, the
  pre-tokenizer name ``tokenizer.ggml.pre`` (see :func:`pre_tokenizer_name`), the BOS, EOS,
  unknown and padding ids (and the end-of-turn id when it is another token), ``add_bos_token``/
  ``add_eos_token``, and ``tokenizer.chat_template``;
* the tensors under llama.cpp's names (``gguf.TensorNameMap``), with the query and key
  projections permuted into llama.cpp's rotary layout (transformers undoes it on load); no
  ``output.weight`` when the embeddings are tied. 1-D tensors (norms) are always F32; matrices
  are :data:`GGUF_TYPES` ``f32``, ``f16``, ``bf16`` or ``q8_0`` (a matrix whose rows are not a
  multiple of 32 stays F16 under ``q8_0``).

``f32`` reproduces the merged model exactly (tested: the file loads back in transformers and
decodes greedily token for token like the merged model).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolschool.errors import ExportError

__all__ = ["GGUF_TYPES", "GGUFInfo", "check_gguf_exportable", "pre_tokenizer_name", "write_gguf"]

#: tensor types of the matrices (``--gguf-type``)
GGUF_TYPES: tuple[str, ...] = ("f32", "f16", "bf16", "q8_0")

_SUPPORTED = (
    "GGUF export supports the llama architecture (LlamaForCausalLM: SmolLM2, the tiny test model, "
    "Llama-style models without rope scaling or biases)"
)


@dataclass(frozen=True)
class GGUFInfo:
    """What :func:`write_gguf` wrote.

    Attributes:
        path: the GGUF file.
        tensor_type: the matrices' type (one of :data:`GGUF_TYPES`).
        tensors: how many tensors it holds.
        bytes: the file size.
        vocab_size: the number of tokens (the model's vocabulary size).
        pre_tokenizer: ``tokenizer.ggml.pre``.
    """

    path: Path
    tensor_type: str
    tensors: int
    bytes: int
    vocab_size: int
    pre_tokenizer: str


def _rope_theta(config: Any) -> float:
    params = getattr(config, "rope_parameters", None) or {}
    theta = params.get("rope_theta") if isinstance(params, dict) else None
    return float(theta if theta is not None else getattr(config, "rope_theta", 10000.0))


def check_gguf_exportable(config: Any) -> None:
    """Refuse a model config :func:`write_gguf` cannot write faithfully.

    Raises:
        ExportError: not ``llama``; rope scaling (``rope_type`` other than ``default``, as Llama
            3.1/3.2 use); attention or MLP biases; an activation other than SiLU; a head size
            other than hidden size / heads. The message names what is supported.
    """
    model_type = getattr(config, "model_type", None)
    if model_type != "llama":
        raise ExportError(
            f"{_SUPPORTED}; this model is {model_type!r}. "
            "Export it with --to safetensors (served by vLLM) instead"
        )
    params = getattr(config, "rope_parameters", None) or {}
    rope_type = params.get("rope_type", "default") if isinstance(params, dict) else "default"
    scaling = getattr(config, "rope_scaling", None)
    scaled = isinstance(scaling, dict) and scaling.get("rope_type", "default") != "default"
    if rope_type != "default" or scaled:
        raise ExportError(f"{_SUPPORTED}; this model uses rope scaling {rope_type!r}")
    if getattr(config, "attention_bias", False) or getattr(config, "mlp_bias", False):
        raise ExportError(f"{_SUPPORTED}; this model has attention or MLP biases")
    if getattr(config, "hidden_act", "silu") != "silu":
        raise ExportError(f"{_SUPPORTED}; this model's activation is {config.hidden_act!r}, not silu")
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    if head_dim * config.num_attention_heads != config.hidden_size:
        raise ExportError(f"{_SUPPORTED}; this model's head size {head_dim} is not hidden size / heads")


def _tokenizer_json(tokenizer: Any) -> dict[str, Any]:
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        raise ExportError(
            "GGUF export needs a fast (tokenizers) byte-level BPE tokenizer; "
            f"{type(tokenizer).__name__} has none"
        )
    return json.loads(backend.to_str())


def pre_tokenizer_name(tokenizer: Any, source_gguf: Path | None = None) -> str:
    """The llama.cpp pre-tokenizer name (``tokenizer.ggml.pre``) of a byte-level BPE tokenizer.

    A model converted from a GGUF file (the bundled SmolLM2) keeps that file's name
    (``smollm``): llama.cpp knows which splitting its vocabulary needs. Otherwise it is read from
    the tokenizer: ``ByteLevel`` with GPT-2's regex → ``gpt-2``; ``Digits(individual)`` then
    ``ByteLevel`` → ``smollm``.

    Raises:
        ExportError: the tokenizer is not byte-level BPE, or splits text in another way.
    """
    data = _tokenizer_json(tokenizer)
    model = data.get("model") or {}
    if model.get("type") != "BPE" or model.get("byte_fallback"):
        raise ExportError(
            "GGUF export supports byte-level BPE tokenizers (GPT-2 style: SmolLM2, the tiny test model); "
            f"this tokenizer's model is {model.get('type')!r}"
        )
    if source_gguf is not None and source_gguf.is_file():
        from gguf import GGUFReader

        field = GGUFReader(str(source_gguf)).fields.get("tokenizer.ggml.pre")
        if field is not None and field.data:
            return bytes(field.parts[field.data[0]]).decode("utf-8")
    pre = data.get("pre_tokenizer") or {}

    def byte_level(p: dict[str, Any]) -> bool:
        return p.get("type") == "ByteLevel" and p.get("use_regex", True)

    if byte_level(pre):
        return "gpt-2"
    steps = pre.get("pretokenizers") if pre.get("type") == "Sequence" else None
    if (
        steps
        and len(steps) == 2
        and steps[0].get("type") == "Digits"
        and steps[0].get("individual_digits")
        and byte_level(steps[1])
    ):
        return "smollm"
    raise ExportError(
        "GGUF export knows the GPT-2 and SmolLM pre-tokenizers (ByteLevel with GPT-2's regex, optionally "
        f"after Digits(individual_digits)); this tokenizer has {json.dumps(pre)[:200]}"
    )


def _vocabulary(tokenizer: Any, vocab_size: int) -> tuple[list[str], list[int], list[str]]:
    """``(tokens, token types, merges)`` for the GGUF tokenizer metadata."""
    from gguf import TokenType

    data = _tokenizer_json(tokenizer)
    vocab = tokenizer.get_vocab()
    by_id = {i: token for token, i in vocab.items()}
    added = {t["id"]: t for t in data.get("added_tokens", [])}
    if max(by_id) >= vocab_size:
        raise ExportError(
            f"the tokenizer has ids up to {max(by_id)}, beyond the model's vocabulary of {vocab_size}"
        )
    tokens, types = [], []
    for i in range(vocab_size):
        if i not in by_id:
            tokens.append(f"[PAD{i}]")
            types.append(TokenType.UNUSED)
        elif i in added:
            tokens.append(by_id[i])
            types.append(TokenType.CONTROL if added[i].get("special") else TokenType.USER_DEFINED)
        else:
            tokens.append(by_id[i])
            types.append(TokenType.NORMAL)
    merges = [m if isinstance(m, str) else " ".join(m) for m in data["model"].get("merges", [])]
    return tokens, [int(t) for t in types], merges


def _adds(tokenizer: Any) -> tuple[bool, bool]:
    """Whether encoding a text adds the BOS / EOS token (``add_special_tokens=True``)."""
    ids = tokenizer("a", add_special_tokens=True)["input_ids"]
    bare = tokenizer("a", add_special_tokens=False)["input_ids"]
    extra = len(ids) - len(bare)
    bos = extra > 0 and ids[0] == tokenizer.bos_token_id and bare[:1] != ids[:1]
    eos = extra > 0 and ids[-1] == tokenizer.eos_token_id and bare[-1:] != ids[-1:]
    return bool(bos), bool(eos)


def _permute(weights: Any, heads: int) -> Any:
    """A query/key projection's rows from transformers' rotary half layout to llama.cpp's
    interleaved one: within each head, row ``r`` of the first half goes to ``2r`` and of the
    second half to ``2r + 1``."""
    rows = weights.shape[0]
    halves = weights.reshape(heads, 2, rows // heads // 2, *weights.shape[1:])
    return halves.swapaxes(1, 2).reshape(weights.shape)


def _matrix(data: Any, tensor_type: str) -> tuple[Any, Any]:
    """``(array, raw gguf type or None)`` of a 2-D float32 array in ``tensor_type``."""
    import numpy as np
    from gguf import GGMLQuantizationType, quants

    if tensor_type == "f32":
        return data, None
    if tensor_type == "f16" or (tensor_type == "q8_0" and data.shape[-1] % 32):
        return data.astype(np.float16), None
    qtype = GGMLQuantizationType.BF16 if tensor_type == "bf16" else GGMLQuantizationType.Q8_0
    return quants.quantize(data, qtype), qtype


def write_gguf(
    model: Any,
    tokenizer: Any,
    path: str | os.PathLike[str],
    *,
    chat_template: str | None = None,
    tensor_type: str = "f16",
    name: str = "",
    source_gguf: Path | None = None,
    eot_token_id: int | None = None,
) -> GGUFInfo:
    """Write ``model`` (merged, no adapter) and ``tokenizer`` to the GGUF file ``path``.

    Args:
        model: a transformers ``LlamaForCausalLM`` (see :func:`check_gguf_exportable`).
        tokenizer: its fast byte-level BPE tokenizer.
        path: the file to write (atomically: a temporary sibling renamed into place).
        chat_template: Jinja text stored as ``tokenizer.chat_template`` (None: none).
        tensor_type: the matrices' type, one of :data:`GGUF_TYPES`.
        name: ``general.name``.
        source_gguf: the GGUF the base model was converted from, if any (its pre-tokenizer
            name is kept; :func:`pre_tokenizer_name`).
        eot_token_id: the token that ends a turn (``tokenizer.ggml.eot_token_id``: llama.cpp
            stops there), when it is not the EOS token.

    Returns:
        :class:`GGUFInfo`.

    Raises:
        ExportError: an architecture, tokenizer or tensor type this writer does not support
            (the message names what is supported).
    """
    import gguf
    import torch

    if tensor_type not in GGUF_TYPES:
        raise ExportError(f"GGUF tensor type {tensor_type!r} is not one of {', '.join(GGUF_TYPES)}")
    config = model.config
    check_gguf_exportable(config)
    pre = pre_tokenizer_name(tokenizer, source_gguf)
    tokens, types, merges = _vocabulary(tokenizer, config.vocab_size)
    add_bos, add_eos = _adds(tokenizer)

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp{os.getpid()}")
    arch = gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.LLAMA]
    writer = gguf.GGUFWriter(tmp, arch)
    file_types = {
        "f32": gguf.LlamaFileType.ALL_F32,
        "f16": gguf.LlamaFileType.MOSTLY_F16,
        "bf16": gguf.LlamaFileType.MOSTLY_BF16,
        "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0,
    }
    heads, kv_heads = config.num_attention_heads, config.num_key_value_heads or config.num_attention_heads
    writer.add_name(name or "toolschool export")
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(heads)
    writer.add_head_count_kv(kv_heads)
    writer.add_rope_freq_base(_rope_theta(config))
    writer.add_layer_norm_rms_eps(float(config.rms_norm_eps))
    writer.add_rope_dimension_count(getattr(config, "head_dim", None) or config.hidden_size // heads)
    writer.add_vocab_size(config.vocab_size)
    writer.add_file_type(file_types[tensor_type])
    if tensor_type in ("bf16", "q8_0"):
        writer.add_quantization_version(gguf.GGML_QUANT_VERSION)

    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(pre)
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    for setter, token_id in (
        (writer.add_bos_token_id, tokenizer.bos_token_id),
        (writer.add_eos_token_id, tokenizer.eos_token_id),
        (writer.add_unk_token_id, tokenizer.unk_token_id),
        (writer.add_pad_token_id, tokenizer.pad_token_id),
    ):
        if token_id is not None:
            setter(int(token_id))
    if eot_token_id is not None:
        writer.add_eot_token_id(int(eot_token_id))
    writer.add_add_bos_token(add_bos)
    writer.add_add_eos_token(add_eos)
    if chat_template:
        writer.add_chat_template(chat_template)

    names = gguf.TensorNameMap(gguf.MODEL_ARCH.LLAMA, config.num_hidden_layers)
    count = 0
    state = model.state_dict()
    tied = bool(getattr(config, "tie_word_embeddings", False))
    for key, tensor in state.items():
        if key == "lm_head.weight" and tied:
            continue
        gguf_name = names.get_name(key, try_suffixes=(".weight", ".bias"))
        if gguf_name is None:
            raise ExportError(f"{_SUPPORTED}; tensor {key!r} has no GGUF name")
        data = tensor.detach().to(torch.float32).cpu().numpy()
        if key.endswith("self_attn.q_proj.weight"):
            data = _permute(data, heads)
        elif key.endswith("self_attn.k_proj.weight"):
            data = _permute(data, kv_heads)
        if data.ndim == 1:
            writer.add_tensor(gguf_name, data)
        else:
            array, raw = _matrix(data, tensor_type)
            writer.add_tensor(gguf_name, array, raw_dtype=raw)
        count += 1
    try:
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return GGUFInfo(target, tensor_type, count, target.stat().st_size, config.vocab_size, pre)
