"""The causal-LM stage: it learns, keeps the checkpoint with the lowest validation loss, and logs."""

from __future__ import annotations

import json
import math

import pytest
import torch

from toolschool.models import load_model
from toolschool.train.corpus import pack_blocks, read_corpus, split_blocks
from toolschool.train.pretrain import CHECKPOINT_INFO, lr_multiplier, run, validation_loss
from toolschool.train.pretrain_config import PretrainConfig

TEXT = ("The weather in Paris is sunny. The weather in Oslo is cold. Convert 5 km to miles. "
        "Translate hello into French. The quick brown fox jumps over the lazy dog. ")


def _corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(6):
        (corpus / f"doc{i}.txt").write_text(TEXT * (4 + i))
    return corpus


def _config(tmp_path, **kw):
    base = dict(corpus=[str(_corpus(tmp_path))], model="scratch:llama-micro:tiny",
                out_dir=str(tmp_path / "out"), block_size=32, batch_size=8, max_steps=30, eval_every=10,
                log_every=5, learning_rate=1e-2, precision="fp32", val_fraction=0.15, num_threads=1)
    return PretrainConfig(**{**base, **kw})


def _val_blocks(config, tokenizer):
    blocks = pack_blocks(read_corpus(config.corpus, config.extensions, config.max_bytes), tokenizer,
                         config.block_size)
    _, val = split_blocks(len(blocks), config.val_fraction, config.seed)
    return blocks[val[: config.max_val_blocks]]


def test_training_from_scratch_lowers_val_loss_and_keeps_the_best_checkpoint(tmp_path):
    config = _config(tmp_path)
    result = run(config)
    out = tmp_path / "out"
    assert result.steps == 30 and [s for s, _ in result.val_losses] == [0, 10, 20, 30]
    assert result.best_val_loss < result.initial_val_loss - 1.0  # learned the repeated text
    assert result.initial_val_loss == pytest.approx(math.log(512), abs=0.5)  # random: ~uniform over the vocab
    best_step, best = min(result.val_losses, key=lambda p: p[1])
    assert (result.best_step, result.best_val_loss) == (best_step, best)
    # the checkpoint is a model directory holding the best weights: its validation loss,
    # measured again on the same blocks, is the best one
    loaded = load_model(result.checkpoint_dir)
    assert loaded.path == out / "checkpoint"
    info = json.loads((out / "checkpoint" / CHECKPOINT_INFO).read_text())
    assert info["step"] == result.best_step
    again = validation_loss(loaded.model, _val_blocks(config, loaded.tokenizer), config.batch_size, False)
    assert again == pytest.approx(result.best_val_loss, rel=1e-4)
    log = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log if "loss" in r] == [5, 10, 15, 20, 25, 30]
    assert [r["val_loss"] for r in log if "val_loss" in r] == [v for _, v in result.val_losses]
    for name in ("config.yaml", "loss.png", "pretrain_result.json"):
        assert (out / name).is_file(), name
    assert json.loads((out / "pretrain_result.json").read_text())["best_val_loss"] == result.best_val_loss
    assert result.trainable_parameters == result.total_parameters  # full training


def test_lora_continued_pretraining_merges_the_best_adapter(tmp_path):
    base = load_model("tiny")
    base.model.save_pretrained(tmp_path / "base")
    base.tokenizer.save_pretrained(tmp_path / "base")
    config = _config(tmp_path, model=str(tmp_path / "base"), method="lora", lora={"r": 4, "alpha": 8},
                     learning_rate=2e-2, max_steps=20)
    result = run(config)
    assert result.trainable_parameters < result.total_parameters / 3
    assert result.best_val_loss < result.initial_val_loss
    merged = load_model(result.checkpoint_dir)
    names = dict(merged.model.named_parameters())
    before = dict(base.model.named_parameters())
    assert set(names) == set(before)  # a plain model again: the adapter is merged, not attached
    assert not torch.equal(names["model.layers.0.self_attn.q_proj.weight"],
                           before["model.layers.0.self_attn.q_proj.weight"])
    assert torch.equal(names["model.embed_tokens.weight"], before["model.embed_tokens.weight"])
    again = validation_loss(merged.model, _val_blocks(config, merged.tokenizer), config.batch_size, False)
    assert again == pytest.approx(result.best_val_loss, rel=1e-4)
    assert (tmp_path / "out" / "best_adapter" / "adapter_config.json").is_file()


def test_mixture_of_experts_trains_and_validates_on_the_lm_loss(tmp_path):
    result = run(_config(tmp_path, model="scratch:mixtral-micro:tiny", max_steps=10, eval_every=5))
    assert result.best_val_loss < result.initial_val_loss
    loaded = load_model(result.checkpoint_dir)
    assert loaded.model.config.num_local_experts == 4


def test_schedule_warms_up_then_decays_to_the_floor(tmp_path):
    config = _config(tmp_path, warmup_ratio=0.1, min_lr_ratio=0.1)
    factors = [lr_multiplier(config, s, 100, 0.0, None) for s in range(100)]
    assert factors[0] == pytest.approx(0.1) and factors[9] == pytest.approx(1.0)
    assert factors[10] == pytest.approx(1.0) and factors[-1] == pytest.approx(0.1, abs=0.01)
    assert all(a >= b for a, b in zip(factors[10:], factors[11:]))
    # under a time budget the schedule follows elapsed time when that is further along
    assert lr_multiplier(config, 1, 1000, 30.0, 60.0) == pytest.approx(0.55, abs=0.02)
    assert lr_multiplier(config, 1, 1000, 60.0, 60.0) == pytest.approx(0.1)
