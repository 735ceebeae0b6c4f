"""Sequence packing: best-fit decreasing rows, per-example positions and attention, and a
packed batch that trains exactly like the same examples padded."""

from __future__ import annotations

import random

import pytest
import torch

from tests.train.test_sft import _adapter_and_examples, _conversations
from toolschool.chat.masks import IGNORE_INDEX, Tokenised
from toolschool.formats import get_format
from toolschool.train import TrainConfig, train
from toolschool.train.dataset import (
    EncodedSet,
    batch_units,
    collate,
    collate_packed,
    encode_conversations,
    iterate_batches,
    pack_examples,
)
from toolschool.train.sft import forward_loss


def test_best_fit_decreasing_places_each_example_once_in_the_tightest_row():
    # 5 opens row 0 (room 3), 4 opens row 1 (room 4), 3 fills row 0, 3 goes to row 1 (room 1),
    # 2 opens row 2, 1 takes row 1's last token rather than row 2's
    assert pack_examples([5, 4, 3, 3, 2, 1], 8) == [[0, 2], [1, 3, 5], [4]]
    lengths = [random.Random(k).randint(1, 700) for k in range(500)]
    rows = pack_examples(lengths, 768)
    assert sorted(i for row in rows for i in row) == list(range(500))
    assert all(sum(lengths[i] for i in row) <= 768 for row in rows)
    # near the lower bound: no more rows than ceil(total / capacity) plus a few
    assert len(rows) <= -(-sum(lengths) // 768) + 3
    with pytest.raises(ValueError, match="example 1 has 9 tokens"):
        pack_examples([3, 9], 8)


def test_packed_rows_restart_positions_and_never_label_an_examples_first_token():
    a = Tokenised([1, 2, 3], [IGNORE_INDEX, 2, 3])
    b = Tokenised([4, 5], [4, 5])  # a first label that would be predicted across the boundary
    batch = collate_packed([[a, b], [b]], pad_id=0)
    assert batch["input_ids"].tolist() == [[1, 2, 3, 4, 5], [4, 5, 0, 0, 0]]
    assert batch["position_ids"].tolist() == [[0, 1, 2, 0, 1], [0, 1, 0, 1, 2]]
    assert batch["labels"].tolist() == [[-100, 2, 3, -100, 5], [-100, 5, -100, -100, -100]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 1, 1], [1, 1, 0, 0, 0]]


def _loss_and_grads(model, batch):
    model.zero_grad()
    loss, tokens = forward_loss(model, batch, 0)
    loss.backward()
    return loss.detach(), tokens, {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}


def test_a_packed_batch_gives_the_padded_batchs_loss_and_gradients(tiny_fresh):
    """Attention stays within each packed example: the same six conversations packed into two
    rows or padded into six give the same loss and LoRA gradients."""
    model, examples = _adapter_and_examples(tiny_fresh)
    pad = tiny_fresh.tokenizer.pad_token_id
    padded, padded_tokens, padded_grads = _loss_and_grads(model, collate(examples, pad))
    packed_batch = collate_packed([examples[:3], examples[3:]], pad)
    packed, packed_tokens, packed_grads = _loss_and_grads(model, packed_batch)
    assert packed_batch["input_ids"].shape[0] == 2
    assert packed_tokens == padded_tokens == sum(len(e.input_ids) for e in examples)
    assert torch.allclose(packed, padded, atol=1e-5), (packed, padded)
    for name, grad in padded_grads.items():
        assert torch.allclose(packed_grads[name], grad, atol=1e-5), name

    # the control: positions that run on across examples make them attend to each other
    leaky = dict(packed_batch)
    leaky["position_ids"] = torch.arange(leaky["input_ids"].shape[1]).expand_as(leaky["input_ids"])
    leaked, _, _ = _loss_and_grads(model, leaky)
    assert not torch.allclose(leaked, padded, atol=1e-3)


def test_packed_epochs_cover_every_example_once_per_epoch():
    examples = [Tokenised([7] * n, [IGNORE_INDEX] + [7] * (n - 1)) for n in (30, 20, 50, 10, 40, 25, 5)]
    encoded = EncodedSet(examples, sum(len(e.input_ids) for e in examples), 0, 0)
    assert batch_units(encoded, 64) == 3 and batch_units(encoded) == 7
    batches = list(iterate_batches(encoded, 2, seed=1, epochs=2.0, pad_id=0, pack_length=64))
    assert len(batches) == 4  # 3 rows per epoch in batches of 2: 2 batches per epoch
    for epoch in (batches[:2], batches[2:]):
        starts = [int(b["attention_mask"][r].sum()) for b in epoch for r in range(len(b["input_ids"]))]
        assert sum(starts) == encoded.n_tokens  # every token of the epoch exactly once
        assert all(b["input_ids"].shape[1] <= 64 for b in epoch)
    resumed = list(iterate_batches(encoded, 2, seed=1, epochs=2.0, pad_id=0, pack_length=64, skip=3))
    assert torch.equal(resumed[0]["input_ids"], batches[3]["input_ids"])


def test_training_with_packing_takes_fewer_steps_per_epoch_and_learns(tiny_fresh, tmp_path):
    convs = _conversations(24)
    cfg = TrainConfig(model="tiny", format="tool_use", system_prompt="sys", epochs=2.0, batch_size=2,
                      max_length=1024, packing=True, learning_rate=3e-3, precision="fp32", log_every=1,
                      warmup_ratio=0.0, lr_scheduler="constant", lora={"r": 4, "alpha": 8, "dropout": 0.0})
    result = train(cfg, convs, tmp_path, tiny_fresh.model, tiny_fresh.tokenizer)
    lengths = [len(e.input_ids) for e in encode_conversations(
        convs, tiny_fresh.tokenizer, get_format("tool_use"), "sys", 1024).examples]
    rows = len(pack_examples(lengths, 1024))
    assert rows < len(convs) // 2  # several conversations per row
    assert result.planned_steps == result.steps == 2 * -(-rows // 2)
    assert result.final_loss < result.first_loss


def test_ranks_take_every_world_th_batch_of_the_one_order():
    examples = [Tokenised([7] * n, [IGNORE_INDEX] + [7] * (n - 1)) for n in (30, 20, 50, 10, 40, 25, 5, 12)]
    encoded = EncodedSet(examples, sum(len(e.input_ids) for e in examples), 0, 0)
    for pack_length in (None, 64):
        common = {"seed": 4, "epochs": 2.0, "pad_id": 0, "skip": 2, "pack_length": pack_length}
        whole = list(iterate_batches(encoded, 2, **common))
        ranks = [list(iterate_batches(encoded, 2, **common, rank=r, world=2)) for r in (0, 1)]
        assert len(ranks[0]) + len(ranks[1]) == len(whole)
        for i, batch in enumerate(whole):
            assert torch.equal(ranks[i % 2][i // 2]["input_ids"], batch["input_ids"])
