"""A tiny, randomly initialised Llama-style model with a real byte-level BPE tokenizer.

Built entirely in-process from a config (no downloads), it runs the same code paths as a
real checkpoint — chat-template rendering, loss masking, LoRA training, batched
generation — in well under a second per step. Tests and smoke runs use it.
"""

from __future__ import annotations

from typing import Any

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

_CORPUS = [
    "<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>", "TOOL_USE[", "<|tool_call>",
    '{"name": "weather", "arguments": {"location": "Paris"}}',
    "You are a helpful assistant. You may call one or more functions to assist with the user query.",
    "What is the weather in Tokyo? Convert 5 km to miles. Translate hello into French.",
    "The quick brown fox jumps over the lazy dog 0123456789 +-*/^%().,:;!?'\"[]{}<>|_=#@&$",
]


def tiny_tokenizer(vocab_size: int = 512) -> Any:
    """A byte-level BPE ``PreTrainedTokenizerFast`` trained on a small built-in corpus.

    Special tokens: ``<|endoftext|>`` (bos/eos/unk), ``<|im_start|>``, ``<|im_end|>`` —
    the ChatML markers SmolLM2 uses, so prompts render identically.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_CORPUS * 4, trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<|endoftext|>",
        eos_token="<|im_end|>",
        unk_token="<|endoftext|>",
        pad_token="<|im_end|>",
        additional_special_tokens=["<|im_start|>"],
    )


def tiny_model(seed: int = 0, hidden_size: int = 64, layers: int = 2) -> tuple[Any, Any]:
    """``(LlamaForCausalLM, tokenizer)`` with random weights (seeded), about 0.1M parameters.

    Args:
        seed: torch seed for the initial weights.
        hidden_size: model width; heads are ``hidden_size // 16``.
        layers: number of decoder layers.
    """
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = tiny_tokenizer()
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
