"""Tiny, randomly initialised models with a real byte-level BPE tokenizer.

Built entirely in-process from a config (no downloads), they run the same code paths as a
real checkpoint — chat-template rendering, loss masking, LoRA training, batched
generation — in well under a second per step. Tests and smoke runs use them. Two
architectures:

* ``llama`` (default): a ``LlamaForCausalLM`` whose tokenizer has the ChatML markers and no
  chat template (so its layout resolves to ChatML, as SmolLM2's does);
* ``gemma3``: a ``Gemma3ForCausalLM`` (Gemma 3 270M's architecture, tiny sizes) whose
  tokenizer has Gemma's special tokens (``<bos>``, ``<eos>``, ``<pad>``, ``<start_of_turn>``,
  ``<end_of_turn>``) and a Gemma 3 style chat template (:data:`GEMMA3_CHAT_TEMPLATE`).
"""

from __future__ import annotations

from typing import Any

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
GEMMA3_SPECIAL_TOKENS = ["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>"]
ARCHES = ("llama", "gemma3")

#: A Gemma 3 style chat template, written for the tiny model from the rules of Google's Gemma 3
#: template (see :class:`toolschool.chat.layouts.GemmaLayout`): BOS; a leading system message
#: prefixes the first turn as ``{system}\n\n``; turns ``<start_of_turn>{user|model}\n`` + the
#: trimmed content + ``<end_of_turn>\n``; roles must alternate; generation prompt
#: ``<start_of_turn>model\n``. It knows no tools, as Gemma 3's does not.
GEMMA3_CHAT_TEMPLATE = (
    r"""{{- bos_token -}}
{%- set ns = namespace(prefix="", turns=messages) -%}
{%- if messages and messages[0]["role"] == "system" -%}
{%- set ns.prefix = messages[0]["content"] + "\n\n" -%}
{%- set ns.turns = messages[1:] -%}
{%- endif -%}
{%- for message in ns.turns -%}
{%- if (message["role"] == "user") != (loop.index0 % 2 == 0) -%}
{{- raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") -}}
{%- endif -%}
{%- set role = "model" if message["role"] == "assistant" else message["role"] -%}
{{- "<start_of_turn>" + role + "\n" + (ns.prefix if loop.first else "") -}}
{{- message["content"] | trim -}}
{{- "<end_of_turn>\n" -}}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- "<start_of_turn>model\n" -}}{%- endif -%}"""
)

_CORPUS = [
    "<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>", "TOOL_USE[", "<|tool_call>",
    '{"name": "weather", "arguments": {"location": "Paris"}}',
    "You are a helpful assistant. You may call one or more functions to assist with the user query.",
    "What is the weather in Tokyo? Convert 5 km to miles. Translate hello into French.",
    "The quick brown fox jumps over the lazy dog 0123456789 +-*/^%().,:;!?'\"[]{}<>|_=#@&$",
]


def tiny_tokenizer(vocab_size: int = 512, arch: str = "llama") -> Any:
    """A byte-level BPE ``PreTrainedTokenizerFast`` trained on a small built-in corpus.

    ``arch="llama"``: special tokens ``<|endoftext|>`` (bos/unk), ``<|im_start|>``,
    ``<|im_end|>`` (eos/pad) — the ChatML markers SmolLM2 uses, so prompts render identically;
    no chat template. ``arch="gemma3"``: Gemma's ``<pad>`` (0), ``<eos>`` (1), ``<bos>`` (2),
    ``<unk>`` (3), ``<start_of_turn>``, ``<end_of_turn>``, and :data:`GEMMA3_CHAT_TEMPLATE`.

    Raises:
        ValueError: an unknown ``arch``.
    """
    if arch not in ARCHES:
        raise ValueError(f"unknown tiny architecture {arch!r}; known: {', '.join(ARCHES)}")
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=GEMMA3_SPECIAL_TOKENS if arch == "gemma3" else SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_CORPUS * 4, trainer=trainer)
    if arch == "gemma3":
        tokenizer = PreTrainedTokenizerFast(
            tokenizer_object=tok,
            bos_token="<bos>",
            eos_token="<eos>",
            unk_token="<unk>",
            pad_token="<pad>",
            additional_special_tokens=["<start_of_turn>", "<end_of_turn>"],
        )
        tokenizer.chat_template = GEMMA3_CHAT_TEMPLATE
        return tokenizer
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<|endoftext|>",
        eos_token="<|im_end|>",
        unk_token="<|endoftext|>",
        pad_token="<|im_end|>",
        additional_special_tokens=["<|im_start|>"],
    )


def tiny_model(
    seed: int = 0, hidden_size: int = 64, layers: int = 2, arch: str = "llama"
) -> tuple[Any, Any]:
    """``(model, tokenizer)`` with random weights (seeded), about 0.1M parameters.

    Args:
        seed: torch seed for the initial weights.
        hidden_size: model width; heads are ``hidden_size // 16``.
        layers: number of decoder layers.
        arch: ``llama`` (``LlamaForCausalLM``) or ``gemma3`` (``Gemma3ForCausalLM``, with
            sliding-window and global layers as Gemma 3 270M has); see :func:`tiny_tokenizer`.

    Raises:
        ValueError: an unknown ``arch``.
    """
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = tiny_tokenizer(arch=arch)
    if arch == "gemma3":
        return _tiny_gemma3(seed, hidden_size, layers, tokenizer), tokenizer
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=layers,
        num_attention_heads=max(1, hidden_size // 16),
        num_key_value_heads=max(1, hidden_size // 32),
        max_position_embeddings=4096,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
        # wider than the usual 0.02: a random model then produces varied, prompt-dependent
        # text instead of one repeated token, so decoding tests compare something real
        initializer_range=0.3,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    return model, tokenizer


def _tiny_gemma3(seed: int, hidden_size: int, layers: int, tokenizer: Any) -> Any:
    import torch
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    heads = max(1, hidden_size // 16)
    config = Gemma3TextConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=max(1, heads // 2),
        head_dim=16,
        query_pre_attn_scalar=16,
        sliding_window=32,
        # the first layer slides, the last is global (Gemma 3 alternates 5 sliding : 1 global)
        layer_types=["sliding_attention"] * (layers - 1) + ["full_attention"],
        max_position_embeddings=4096,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
        initializer_range=0.3,  # as for the Llama one: varied, prompt-dependent text
    )
    torch.manual_seed(seed)
    return Gemma3ForCausalLM(config)
