"""Training knobs beyond the plain loop: QLoRA refusal off CUDA, gradient checkpointing,
torch.compile, and TensorBoard scalars."""

import importlib.util
import json
import os

import pytest
import torch

from toolschool.errors import ConfigError
from toolschool.models import load_model
from toolschool.train import TrainConfig, train
from toolschool.train.report import check_reporters
from toolschool.train.stage import check

from .test_sft import _conversations


def _losses(tmp_path, name, steps=4, batch_size=4, **knobs):
    # no shared prefix: gradient checkpointing turns the key/value cache it runs on off
    cfg = TrainConfig(model="tiny", format="tool_use", max_steps=steps, batch_size=batch_size,
                      learning_rate=3e-3,
                      precision="fp32", log_every=1, warmup_ratio=0.0, lr_scheduler="constant",
                      spectrum_every=2, save_every=0, min_shared_prefix=0,
                      lora={"r": 4, "alpha": 8, "dropout": 0.0}, **knobs)
    loaded = load_model("tiny")
    result = train(cfg, _conversations(), tmp_path / name, loaded.model, loaded.tokenizer)
    return [loss for _, loss in result.losses], result


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal where CUDA is absent")
def test_qlora_without_cuda_is_refused_when_the_config_is_checked():
    with pytest.raises(ConfigError) as err:
        check(TrainConfig(model="tiny", quantization="qlora"))
    text = str(err.value)
    assert "qlora needs a CUDA GPU and bitsandbytes" in text and "no CUDA GPU" in text
    check(TrainConfig(model="tiny", quantization="none"))  # the default passes


def test_gradient_checkpointing_trains_like_the_plain_loop(tmp_path):
    plain, base = _losses(tmp_path, "plain")
    ckpt, result = _losses(tmp_path, "ckpt", gradient_checkpointing=True)
    assert result.model.get_base_model().is_activation_checkpointing
    assert len(plain) == len(ckpt) == 4
    assert ckpt == pytest.approx(plain, rel=1e-4)
    # the recomputed backward reaches the adapter: the same (non-zero) B matrices as the plain loop
    b = {n: p for n, p in result.model.named_parameters() if "lora_B" in n}
    b_plain = {n: p for n, p in base.model.named_parameters() if "lora_B" in n}
    assert b and all(p.abs().sum() > 0 for p in b.values())
    for name, p in b.items():
        torch.testing.assert_close(p, b_plain[name], rtol=1e-3, atol=1e-6)


@pytest.mark.skipif(not os.environ.get("TOOLSCHOOL_SLOW_TESTS"),
                    reason="inductor compiles for ~80 s on 2 cores; set TOOLSCHOOL_SLOW_TESTS=1")
def test_torch_compile_trains_like_the_plain_loop(tmp_path):
    # one batch of all 12 conversations, twice: one width, so inductor compiles once (~1 min on 2 cores)
    plain, _ = _losses(tmp_path, "plain", steps=2, batch_size=12)
    compiled, result = _losses(tmp_path, "compiled", steps=2, batch_size=12, torch_compile=True)
    assert hasattr(result.model.get_base_model().model, "_compiled_call_impl")
    assert compiled == pytest.approx(plain, rel=1e-3)


@pytest.mark.skipif(importlib.util.find_spec("tensorboard") is None, reason="extra 'tensorboard' missing")
def test_tensorboard_gets_loss_lr_grad_norm_and_spectra(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    losses, _ = _losses(tmp_path, "tb", report_to=["tensorboard"])
    events = EventAccumulator(str(tmp_path / "tb" / "tensorboard"))
    events.Reload()
    tags = set(events.Tags()["scalars"])
    assert {"train/loss", "train/learning_rate", "train/grad_norm",
            "spectrum/q_proj/effective_rank"} <= tags
    assert [e.value for e in events.Scalars("train/loss")] == pytest.approx(losses)
    assert [e.step for e in events.Scalars("spectrum/q_proj/top")] == [2, 4]
    log = [json.loads(line) for line in (tmp_path / "tb" / "train_log.jsonl").read_text().splitlines()]
    assert [e.value for e in events.Scalars("train/learning_rate")] == pytest.approx([r["lr"] for r in log])


def test_a_missing_reporter_package_is_a_config_error():
    if importlib.util.find_spec("wandb") is not None:
        pytest.skip("wandb is installed")
    with pytest.raises(ConfigError, match=r"report_to wandb needs the 'wandb' package .*toolschool\[wandb\]"):
        check_reporters(["wandb"])


def test_lora_adapts_only_the_text_decoder_of_a_multimodal_gemma4():
    """Gemma 4 E2B loads as Gemma4ForConditionalGeneration: its vision and audio towers have
    q_proj…down_proj too (vision ones are Gemma4ClippableLinear, which peft refuses)."""
    from transformers import AutoModelForCausalLM, Gemma4Config

    from toolschool.train.lora import attach_lora

    cfg = Gemma4Config(vision_config={"num_hidden_layers": 1}, audio_config={"num_hidden_layers": 1},
                       text_config={"num_hidden_layers": 2})
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(cfg)
    assert any("vision_tower" in n and n.endswith("q_proj") for n, _ in model.named_modules())
    peft_model = attach_lora(model, TrainConfig(model="tiny"))
    adapted = [n for n, m in peft_model.named_modules() if hasattr(m, "lora_A") and hasattr(m, "base_layer")]
    assert len(adapted) == 2 * 7
    assert all(".language_model." in n for n in adapted)
