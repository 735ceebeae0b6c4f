"""The checks made before training: unsafe gradient clipping, the learning-rate range, fp16, and
the model's chat template against toolschool's rendering. Each test sets the bad setting up and
checks the message."""

from __future__ import annotations

import logging

import pytest
import torch

from tests.shared_data import chat_template
from tests.train.test_sft import _conversations
from toolschool.chat.prompt import ChatMLLayout
from toolschool.config import validate_config
from toolschool.errors import ConfigError
from toolschool.models import load_model
from toolschool.train import TrainConfig, train
from toolschool.train.guards import (
    LORA_LR_RANGE,
    check_chat_template,
    setting_warnings,
    untrained_token_warnings,
)

#: SmolLM2-135M-Instruct's chat template (as its GGUF carries it): ChatML turns, no tools
SMOLLM2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
    "<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}"
    "{% endif %}"
)
QWEN25 = "Qwen-Qwen2.5-7B-Instruct.jinja"


def _cfg(**kw):
    base = dict(model="tiny", format="tool_use", max_steps=2, batch_size=4, precision="fp32", log_every=1,
                warmup_ratio=0.0, lr_scheduler="constant", spectrum_every=0, save_every=0,
                lora={"r": 4, "alpha": 8, "dropout": 0.0})
    return TrainConfig(**{**base, **kw})


# -- gradient clipping --------------------------------------------------------------------


@pytest.mark.parametrize("norm", [0.0, -1.0])
def test_max_grad_norm_at_or_below_zero_needs_the_explicit_override(norm):
    with pytest.raises(ConfigError, match="set force_unsafe_grad_norm=true"):
        validate_config(TrainConfig, {"max_grad_norm": norm})
    config = validate_config(TrainConfig, {"max_grad_norm": norm, "force_unsafe_grad_norm": True})
    (warning,) = setting_warnings(config)
    assert warning.startswith("GRADIENT CLIPPING IS OFF") and "collapse" in warning
    assert "spectrum monitor stops" in warning
    quiet = validate_config(TrainConfig, {"max_grad_norm": norm, "force_unsafe_grad_norm": True,
                                          "spectrum_every": 0})
    assert "nothing watching" in setting_warnings(quiet)[0]


def _applied_gradients(tmp_path, **kw):
    """Train 3 steps on a fresh tiny model; the gradient each optimizer step applies (flat)."""
    from torch.optim.optimizer import register_optimizer_step_pre_hook

    grads = []
    handle = register_optimizer_step_pre_hook(
        lambda opt, *_: grads.append(torch.cat([p.grad.flatten() for g in opt.param_groups
                                                for p in g["params"]]))
    )
    try:
        loaded = load_model("tiny")
        result = train(_cfg(max_steps=3, **kw), _conversations(), tmp_path, loaded.model, loaded.tokenizer)
    finally:
        handle.remove()
    return result, grads


@pytest.mark.parametrize("norm", [0.0, -0.5])
def test_forced_max_grad_norm_turns_clipping_off_with_a_loud_warning(tmp_path, caplog, norm):
    """Off, not torch's reading of it (``clip_grad_norm_`` with 0 would zero the gradient and
    with a negative norm flip it): the applied gradients are those of a run whose clipping
    never bites."""
    clipped, clipped_grads = _applied_gradients(tmp_path / "clip", max_grad_norm=1e-3)
    unclipped, raw = _applied_gradients(tmp_path / "raw", max_grad_norm=1e9)
    with caplog.at_level(logging.WARNING):
        off, off_grads = _applied_gradients(tmp_path / "off", max_grad_norm=norm, force_unsafe_grad_norm=True)
    assert all(float(g.norm()) == pytest.approx(1e-3, rel=1e-3) for g in clipped_grads)
    assert float(raw[0].norm()) > 0.05
    assert all(torch.equal(a, b) for a, b in zip(off_grads, raw)) and len(off_grads) == 3
    assert off.losses == unclipped.losses
    assert any("GRADIENT CLIPPING IS OFF" in r.getMessage() for r in caplog.records)
    assert any("GRADIENT CLIPPING IS OFF" in w for w in off.warnings) and not clipped.warnings


# -- learning rate ------------------------------------------------------------------------


@pytest.mark.parametrize(("lr", "side"), [(1e-7, "below"), (1e-2, "above")])
def test_a_learning_rate_outside_the_lora_range_is_a_warning_not_an_error(tiny_fresh, tmp_path, caplog, lr,
                                                                          side):
    low, high = LORA_LR_RANGE
    assert low <= TrainConfig().learning_rate <= high and setting_warnings(TrainConfig()) == []
    with caplog.at_level(logging.WARNING):
        result = train(_cfg(learning_rate=lr), _conversations(), tmp_path, tiny_fresh.model,
                       tiny_fresh.tokenizer)
    assert result.steps == 2  # it trained
    (warning,) = result.warnings
    assert f"learning_rate={lr:g} is {side} the usual LoRA range 1e-05..0.005" in warning
    assert warning in caplog.text


# -- fp16 ---------------------------------------------------------------------------------


def test_fp16_on_a_cpu_without_fp16_kernels_resolves_with_a_message(tiny_fresh, tmp_path):
    from toolschool.models.precision import fp16_is_fast, resolve_train_precision

    result = train(_cfg(precision="fp16"), _conversations(), tmp_path, tiny_fresh.model, tiny_fresh.tokenizer)
    assert result.precision == resolve_train_precision("fp16")
    if fp16_is_fast():
        assert result.precision == "fp16" and not result.warnings
    else:
        assert result.precision in ("bf16", "fp32")
        assert any(w.startswith(f"precision fp16 runs as {result.precision}") for w in result.warnings)


def test_fp16_grad_scaler_needs_fp32_adapter_weights():
    """The peer failure, reproduced: fp16 adapter weights give fp16 gradients, which
    ``GradScaler.unscale_`` refuses; :func:`fp32_master_weights` is what the loop does against it."""
    from peft import LoraConfig as PeftLoraConfig
    from peft import get_peft_model

    from toolschool.train.lora import fp32_master_weights

    half = load_model("tiny", dtype="float16").model
    model = get_peft_model(half, PeftLoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]),
                           autocast_adapter_dtype=False)
    ids = torch.randint(0, 100, (2, 8))

    def step():
        optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad])
        scaler = torch.amp.GradScaler("cpu")
        with torch.autocast("cpu", dtype=torch.float16):
            loss = model(input_ids=ids, labels=ids).loss
        scaler.scale(loss.float()).backward()
        scaler.unscale_(optimizer)
        scaler.step(optimizer)

    assert {p.dtype for p in model.parameters() if p.requires_grad} == {torch.float16}
    with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients"):
        step()
    model.zero_grad(set_to_none=True)
    assert fp32_master_weights(model) == 8  # A and B of q_proj and v_proj in 2 layers
    assert {p.dtype for p in model.parameters() if p.requires_grad} == {torch.float32}
    step()  # no error


def test_fp16_training_with_clipping_and_fp16_base_weights(tmp_path, monkeypatch):
    """The fp16 path as it runs on a CPU with fp16 kernels (this one has none, so the capability
    probe is told it has; the kernels themselves run here, only slower): fp16 autocast over fp16
    base weights, a gradient scaler, clipping that bites — no "Attempting to unscale FP16
    gradients", fp32 adapter weights that learn."""
    from toolschool.models import precision

    monkeypatch.setattr(precision, "fp16_is_fast", lambda: True)
    loaded = load_model("tiny", dtype="float16")
    cfg = _cfg(precision="fp16", max_steps=10, learning_rate=3e-3, max_grad_norm=0.1)
    result = train(cfg, _conversations(), tmp_path, loaded.model, loaded.tokenizer)
    reference = load_model("tiny")
    plain = train(_cfg(max_steps=10, learning_rate=3e-3, max_grad_norm=0.1), _conversations(),
                  tmp_path / "fp32", reference.model, reference.tokenizer)
    assert result.precision == "fp16" and result.steps == 10 and not result.warnings
    assert result.first_loss != plain.first_loss  # the matmuls did run in fp16 …
    assert result.first_loss == pytest.approx(plain.first_loss, rel=0.02)  # … within its rounding
    assert result.final_loss < result.first_loss - 0.5
    lora = [p for n, p in result.model.named_parameters() if "lora_" in n]
    assert lora and all(p.dtype == torch.float32 and torch.isfinite(p).all() for p in lora)
    assert all(float(p.detach().abs().sum()) > 0 for n, p in result.model.named_parameters() if "lora_B" in n)


# -- the chat template --------------------------------------------------------------------


def test_no_template_or_one_without_tools_is_skipped_with_the_reason(tiny_fresh, tmp_path):
    tok = tiny_fresh.tokenizer
    guard = check_chat_template(tok, ChatMLLayout(), "tool_use")
    assert guard.status == "skipped"
    assert guard.message == "template check skipped: the tokenizer has no chat template"
    tok.chat_template = SMOLLM2_TEMPLATE
    result = train(_cfg(), _conversations(), tmp_path, tiny_fresh.model, tok)
    assert result.steps == 2
    assert result.template_check == (
        "template check skipped: the model's chat template writes nothing for tools (the same text with and "
        "without), so there is nothing to compare"
    )
    gemma = load_model("tiny-gemma3")  # Gemma 3's template knows no tools either
    gemma_guard = check_chat_template(gemma.tokenizer, gemma.layout(), "tool_use")
    assert "writes nothing for tools" in gemma_guard.message
    off = check_chat_template(tok, ChatMLLayout(), "tool_use", mode="off")
    assert off.message.endswith("template_check is off")


def test_a_template_that_writes_another_format_is_skipped(tiny_fresh):
    tiny_fresh.tokenizer.chat_template = chat_template(QWEN25)
    guard = check_chat_template(tiny_fresh.tokenizer, ChatMLLayout(), "tool_use")
    assert guard.status == "skipped"
    assert "writes 'hermes' and this run teaches 'tool_use', which differ by design" in guard.message


def test_the_native_template_and_toolschool_agree_byte_for_byte(tiny_fresh):
    from toolschool.chat.resolve import TokenizerTemplateLayout, resolve_layout

    tok = tiny_fresh.tokenizer
    tok.chat_template = chat_template(QWEN25)
    guard = check_chat_template(tok, ChatMLLayout(), "hermes")
    assert guard.status == "identical" and guard.check is not None
    assert len(guard.check.samples) == 6 and all(s.identical for s in guard.check.samples)
    assert "render 6 samples byte for byte alike" in guard.message
    native = resolve_layout(tok, None, "hermes", native=True)
    assert isinstance(native, TokenizerTemplateLayout)  # compared through its training layout
    assert check_chat_template(tok, native, "hermes").status == "identical"


def test_a_template_that_renders_differently_stops_training_with_a_diff(tiny_fresh, tmp_path):
    tok = tiny_fresh.tokenizer
    tok.chat_template = chat_template(QWEN25).replace("# Tools\\n\\n", "# Available tools\\n\\n")
    with pytest.raises(ConfigError) as err:
        train(_cfg(format="hermes"), _conversations(), tmp_path, tiny_fresh.model, tok)
    text = str(err.value)
    assert "render first_turn, one_call, several_calls, final_answer, multi_turn differently" in text
    assert "--- template\n+++ toolschool" in text
    assert "-# Available tools\n+# Tools" in text
    assert "set template_check=warn" in text
    assert not (tmp_path / "adapter").exists()  # stopped before training


def test_the_wrong_layout_for_a_template_is_caught(tiny_fresh):
    """Qwen3's template in plain ChatML (no ``<think>`` blocks): the final answer differs."""
    from toolschool.chat.prompt import Qwen3Layout

    tok = tiny_fresh.tokenizer
    tok.chat_template = chat_template("Qwen-Qwen3-0.6B.jinja")
    with pytest.raises(ConfigError, match=r"render final_answer differently") as err:
        check_chat_template(tok, ChatMLLayout(), "hermes")
    assert "-<think>\n-\n-</think>\n-\n It is 21 °C" in str(err.value)
    assert check_chat_template(tok, Qwen3Layout(), "hermes").status == "identical"


def test_template_check_warn_trains_anyway_and_keeps_the_diff(tiny_fresh, tmp_path, caplog):
    tok = tiny_fresh.tokenizer
    tok.chat_template = chat_template(QWEN25).replace("'}\\n</tool_call>'", "'}\\n</tool_call >'")
    with caplog.at_level(logging.WARNING):
        result = train(_cfg(format="hermes", template_check="warn"), _conversations(), tmp_path,
                       tiny_fresh.model, tok)
    assert result.steps == 2
    (warning,) = result.warnings
    assert "render one_call, several_calls, final_answer, multi_turn differently" in warning
    assert "</tool_call >" in warning and warning in caplog.text


# -- untrained special tokens -------------------------------------------------------------


def test_a_special_token_the_answers_write_with_an_untrained_row_is_a_warning(tiny_fresh, tmp_path, caplog):
    model, tokenizer = tiny_fresh.model, tiny_fresh.tokenizer
    added = tokenizer.get_added_vocab()
    end, start = added["<|im_end|>"], added["<|im_start|>"]
    head = model.get_output_embeddings().weight
    saved = head[end].detach().clone()  # the tiny model's pad row (<|im_end|>): zero, no direction
    with torch.no_grad():
        head[end] = torch.randn_like(saved)
    assert untrained_token_warnings(model, tokenizer, [end, 5, -100]) == []  # random rows differ
    with torch.no_grad():
        head[end] = head[start] * 2  # same direction: the rows of a twin pair never trained
    try:
        (only,) = untrained_token_warnings(model, tokenizer, [end, 5, -100])
        assert "'<|im_end|>'" in only and "'<|im_start|>'" in only
        assert "cannot learn to write it apart" in only
        assert untrained_token_warnings(model, tokenizer, [5, 6]) == []  # the answers never write it
        with caplog.at_level(logging.WARNING):  # training goes on, with the warning in its result
            result = train(_cfg(), _conversations(), tmp_path, model, tokenizer)
        assert result.steps == 2 and only in result.warnings and only in caplog.text
    finally:
        with torch.no_grad():
            head[end] = saved
