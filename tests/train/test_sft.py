import json

import pytest
import torch

from toolschool.config import validate_config
from toolschool.errors import ConfigError
from toolschool.tools import get_toolkit
from toolschool.train import TrainConfig, train
from toolschool.train.dataset import length_grouped_batches
from toolschool.train.sft import shared_prefix_length
from toolschool.types import Conversation, Message, ToolCall


def _conversations(n=12):
    tools = [t for t in get_toolkit("assistant") if t.name == "weather"]  # short prompts for the tiny tokenizer
    out = []
    for i in range(n):
        if i % 3 == 0:
            msgs = [Message(role="user", content=f"hello number {i}"), Message(role="assistant", content="Hi there!")]
        else:
            city = ["Paris", "Oslo", "Lima", "Kyoto"][i % 4]
            msgs = [
                Message(role="user", content=f"weather in {city}?"),
                Message(role="assistant", tool_calls=[ToolCall(id=f"c{i}", name="weather", arguments={"location": city})]),
            ]
        out.append(Conversation(messages=msgs, tools=tools))
    return out


def test_few_steps_change_the_adapter_and_lower_the_loss(tiny_fresh, tmp_path):
    cfg = TrainConfig(model="tiny", format="tool_use", max_steps=12, batch_size=4, learning_rate=3e-3,
                      precision="fp32", log_every=1, warmup_ratio=0.0, lr_scheduler="constant",
                      lora={"r": 4, "alpha": 8, "dropout": 0.0})
    before = {n: p.detach().clone() for n, p in tiny_fresh.model.named_parameters()}
    result = train(cfg, _conversations(), tmp_path, tiny_fresh.model, tiny_fresh.tokenizer)
    assert result.steps == 12
    model = result.model
    lora_b = [p for n, p in model.named_parameters() if "lora_B" in n]
    assert lora_b and any(p.abs().sum() > 0 for p in lora_b)  # B starts at zero: it moved
    # the base weights stayed frozen
    for n, p in model.named_parameters():
        base_name = n.replace("base_model.model.", "").replace(".base_layer", "")
        if "lora_" not in n and base_name in before:
            assert torch.equal(p, before[base_name]), n
    assert result.final_loss < result.first_loss
    log = [json.loads(line) for line in (tmp_path / "train_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == list(range(1, 13))
    assert (tmp_path / "adapter" / "adapter_config.json").is_file()
    # r x (in + out) for every adapted linear layer (A: r x in, B: out x r); nothing else trains
    targets = tuple(cfg.lora.target_modules)
    linears = [m for n, m in model.named_modules() if n.endswith(targets) and hasattr(m, "base_layer")]
    assert len(linears) == 7 * tiny_fresh.model.config.num_hidden_layers
    assert result.trainable_parameters == sum(4 * (m.in_features + m.out_features) for m in linears)
    assert result.total_parameters == result.trainable_parameters + sum(before[n].numel() for n in before)


def test_bf16_autocast_trains_like_fp32(tmp_path):
    """Same seed, data and adapter initialisation: bf16 autocast differs from fp32 only by
    rounding (measured: within 1% at every one of 12 steps), and it learns."""
    from toolschool.models import load_model

    runs = {}
    for precision in ("fp32", "bf16"):
        loaded = load_model("tiny")
        cfg = TrainConfig(model="tiny", format="tool_use", max_steps=12, batch_size=4, learning_rate=3e-3,
                          precision=precision, log_every=1, warmup_ratio=0.0, lr_scheduler="constant",
                          lora={"r": 4, "alpha": 8, "dropout": 0.0})
        runs[precision] = train(cfg, _conversations(), tmp_path / precision, loaded.model, loaded.tokenizer)
    fp32, bf16 = runs["fp32"], runs["bf16"]
    assert [s for s, _ in bf16.losses] == [s for s, _ in fp32.losses] == list(range(1, 13))
    # step 1 sees the same batch and the same (base) model: autocast really ran in bf16 …
    assert bf16.first_loss != fp32.first_loss
    # … and stayed within bf16 rounding of the fp32 loss, step after step
    for (step, a), (_, b) in zip(fp32.losses, bf16.losses):
        assert b == pytest.approx(a, rel=0.03), (step, a, b)
    assert bf16.final_loss < bf16.first_loss - 1.0
    lora_b = [p for n, p in bf16.model.named_parameters() if "lora_B" in n]
    assert lora_b and all(p.dtype == torch.float32 and torch.isfinite(p).all() for p in lora_b)
    assert all(p.abs().sum() > 0 for p in lora_b)  # every B matrix moved from zero


def test_bf16_autocast_loss_and_gradients_match_fp32_within_rounding(tiny_fresh):
    """One batch through ``forward_loss`` under the autocast ``train`` uses, against fp32."""
    from toolschool.train.sft import forward_loss

    model, batch = _adapter_and_batch(tiny_fresh)
    reference, _ = forward_loss(model, batch, 0)
    reference.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}
    model.zero_grad()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss, _ = forward_loss(model, batch, 0)
    loss.float().backward()
    assert loss.dtype == torch.float32  # cross-entropy runs in fp32 under autocast
    assert loss.item() != reference.item()  # the matmuls did run in bf16
    assert loss.item() == pytest.approx(reference.item(), rel=1e-2)
    flat_ref = torch.cat([g.flatten() for g in grads.values()])
    flat = torch.cat([p.grad.flatten() for n, p in model.named_parameters() if p.requires_grad])
    cosine = torch.nn.functional.cosine_similarity(flat_ref, flat, dim=0)
    assert cosine > 0.95, float(cosine)  # measured 0.992; an unrelated gradient gives ~0


def test_max_grad_norm_zero_is_refused_and_all_errors_reported_at_once():
    with pytest.raises(ConfigError) as err:
        validate_config(TrainConfig, {"max_grad_norm": 0.0, "batch_size": 0, "lora": {"rank": 8}})
    text = str(err.value)
    assert "max_grad_norm must be > 0" in text
    assert "batch_size" in text
    assert "lora.rank: unknown key" in text


def test_max_grad_norm_guard_message():
    with pytest.raises(ConfigError, match="max_grad_norm must be > 0"):
        validate_config(TrainConfig, {"max_grad_norm": 0.0})


def test_length_grouped_batches_cover_every_example_once_and_group_lengths():
    lengths = [((i * 37) % 100) + 1 for i in range(400)]
    batches = length_grouped_batches(lengths, 8, seed=3)
    flat = sorted(i for b in batches for i in b)
    assert flat == list(range(400))
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches) / len(batches)
    assert spread < 10  # random batches would spread ~80
    assert batches == length_grouped_batches(lengths, 8, seed=3)


def _adapter_and_examples(tiny_fresh):
    """A LoRA-wrapped tiny model whose adapter is non-zero, and six encoded conversations."""
    from toolschool.formats import get_format
    from toolschool.train.dataset import encode_conversations
    from toolschool.train.sft import attach_lora

    model = attach_lora(tiny_fresh.model, TrainConfig(model="tiny", lora={"dropout": 0.0}))
    torch.manual_seed(0)
    for name, p in model.named_parameters():
        if "lora_B" in name:  # B starts at zero; make the adapter matter
            torch.nn.init.normal_(p, std=0.05)
    enc = encode_conversations(_conversations(8), tiny_fresh.tokenizer, get_format("tool_use"), "sys", 512)
    return model, enc.examples[:6]


def _adapter_and_batch(tiny_fresh):
    """A LoRA-wrapped tiny model whose adapter is non-zero, and a batch of six conversations."""
    from toolschool.train.dataset import collate

    model, examples = _adapter_and_examples(tiny_fresh)
    return model, collate(examples, tiny_fresh.tokenizer.pad_token_id)


def test_shared_prefix_forward_gives_the_same_loss_and_gradients(tiny_fresh):
    from toolschool.train.sft import forward_loss, shared_prefix_length

    model, batch = _adapter_and_batch(tiny_fresh)
    prefix = shared_prefix_length(batch, 4)
    assert prefix > 20  # the system turn and tool declarations
    plain, plain_tokens = forward_loss(model, batch, 0)
    plain.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}
    model.zero_grad()
    shared, shared_tokens = forward_loss(model, batch, 4)
    shared.backward()
    assert shared_tokens < plain_tokens
    assert torch.allclose(plain, shared, atol=1e-5)
    for name, p in model.named_parameters():
        if p.requires_grad:
            assert torch.allclose(grads[name], p.grad, atol=1e-5), name


def test_prefix_without_gradient_keeps_the_loss_and_drops_only_the_prefix_terms(tiny_fresh):
    """``prefix_gradient=False``: same loss; the gradient differs, yet every adapter matrix
    still learns from the suffix tokens."""
    from toolschool.train.sft import forward_loss

    model, batch = _adapter_and_batch(tiny_fresh)
    full, _ = forward_loss(model, batch, 4)
    full.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}
    model.zero_grad()
    cut, _ = forward_loss(model, batch, 4, prefix_gradient=False)
    cut.backward()
    assert torch.allclose(full, cut, atol=1e-6)
    differs = 0
    for name, p in model.named_parameters():
        if p.requires_grad:
            assert p.grad is not None and float(p.grad.abs().sum()) > 0, name
            differs += not torch.allclose(grads[name], p.grad, atol=1e-6)
    assert differs > len(grads) // 2  # the prefix's own gradient terms are gone


def test_labelled_positions_loss_equals_the_full_forward_loss(tiny_fresh):
    """Logits only where labels are: same loss and LoRA gradients as transformers' own loss."""
    from toolschool.formats import get_format
    from toolschool.train.dataset import collate, encode_conversations
    from toolschool.train.sft import attach_lora, forward_loss

    model = attach_lora(tiny_fresh.model, TrainConfig(model="tiny", lora={"dropout": 0.0}))
    torch.manual_seed(1)
    for name, p in model.named_parameters():
        if "lora_B" in name:
            torch.nn.init.normal_(p, std=0.05)
    enc = encode_conversations(_conversations(8), tiny_fresh.tokenizer, get_format("hermes"), "sys", 512)
    batch = collate(enc.examples[:5], tiny_fresh.tokenizer.pad_token_id)
    reference = model(**batch).loss  # transformers' ForCausalLMLoss over all B x T logits
    reference.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}
    model.zero_grad()
    ours, _ = forward_loss(model, batch, 0)
    ours.backward()
    assert torch.allclose(reference, ours, atol=1e-5), (reference, ours)
    for name, p in model.named_parameters():
        if p.requires_grad:
            assert torch.allclose(grads[name], p.grad, atol=1e-5), name


def test_shared_prefix_never_swallows_a_trained_token():
    ids = torch.tensor([[1, 2, 3, 4], [1, 2, 3, 5]])
    labels = torch.tensor([[-100, -100, 3, 4], [-100, -100, 3, 5]])
    batch = {"input_ids": ids, "labels": labels, "attention_mask": torch.ones_like(ids)}
    # rows agree on 3 tokens, but token 2 is trained, so at most 2 prefix tokens... minus the
    # one whose successor carries a label
    assert shared_prefix_length(batch, 1) == 1
    assert shared_prefix_length(batch, 2) == 0


def test_lr_factor_warms_up_then_decays_to_zero():
    from toolschool.train.sft import lr_factor

    assert [lr_factor("cosine", s, 4, 0.0) for s in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert lr_factor("cosine", 10, 4, 0.0) == pytest.approx(1.0)
    assert lr_factor("cosine", 10, 4, 0.5) == pytest.approx(0.5)
    assert lr_factor("cosine", 10, 4, 1.0) == pytest.approx(0.0)
    assert lr_factor("cosine", 10, 4, 3.0) == pytest.approx(0.0)  # past the end: stays at 0
    assert lr_factor("linear", 10, 0, 0.25) == pytest.approx(0.75)
    assert lr_factor("constant", 10, 0, 0.9) == 1.0


def test_time_budget_stops_training_and_decays_the_learning_rate(tiny_fresh, tmp_path, monkeypatch):
    """A clock that advances 0.25 s per optimizer step (not the machine's speed): the 1.5 s
    budget is reached at step 7, and the schedule, run by time, ends at zero."""
    from types import SimpleNamespace

    from toolschool.train import sft
    from toolschool.train.sft import lr_factor

    clock = [0.0]
    monkeypatch.setattr(sft, "time", SimpleNamespace(perf_counter=lambda: clock[0]))

    def tick(step, total, loss):
        clock[0] += 0.25

    cfg = TrainConfig(model="tiny", format="tool_use", max_steps=100_000, batch_size=4, learning_rate=1e-3,
                      precision="fp32", log_every=5, warmup_ratio=0.0,
                      lora={"r": 4, "alpha": 8, "dropout": 0.0})
    result = train(cfg, _conversations(), tmp_path, tiny_fresh.model, tiny_fresh.tokenizer, on_step=tick,
                   max_seconds=1.5)
    assert result.stopped_by_time_budget
    assert result.steps == 7 and result.planned_steps == 100_000  # step k ends at 0.25 * (k - 1) s
    log = [json.loads(line) for line in (tmp_path / "train_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == [5, 7]  # the cut-short run logs its last step
    assert log[-1]["seconds"] == 1.5
    # by steps the cosine schedule would have barely moved; by time it has nearly reached its end
    assert log[0]["lr"] == pytest.approx(cfg.learning_rate * lr_factor("cosine", 4, 0, 0.75 / 1.5))
    assert log[-1]["lr"] == pytest.approx(cfg.learning_rate * lr_factor("cosine", 6, 0, 1.25 / 1.5))
    assert log[-1]["lr"] < 0.07 * cfg.learning_rate
    assert result.optimizer.param_groups[0]["lr"] == pytest.approx(0.0)  # the end
    assert (tmp_path / "adapter" / "adapter_config.json").is_file()


def test_without_a_budget_every_planned_step_runs(tiny_fresh, tmp_path):
    cfg = TrainConfig(model="tiny", format="tool_use", max_steps=3, batch_size=4, precision="fp32")
    result = train(cfg, _conversations(), tmp_path, tiny_fresh.model, tiny_fresh.tokenizer)
    assert result.steps == result.planned_steps == 3 and not result.stopped_by_time_budget


def test_loraplus_gives_the_b_matrices_their_own_learning_rate(tiny_fresh):
    from toolschool.train.sft import attach_lora, build_optimizer

    cfg = TrainConfig(model="tiny", learning_rate=1e-3, loraplus_lr_ratio=16, lora={"r": 4, "alpha": 8})
    model = attach_lora(tiny_fresh.model, cfg)
    optimizer = build_optimizer(model, cfg)
    by_id = {id(p): n for n, p in model.named_parameters()}
    slow, fast = optimizer.param_groups
    assert slow["peak_lr"] == slow["lr"] == 1e-3 and fast["peak_lr"] == pytest.approx(16e-3)
    assert fast["params"] and all(".lora_B." in by_id[id(p)] for p in fast["params"])
    assert slow["params"] and all(".lora_B." not in by_id[id(p)] for p in slow["params"])
    trainable = {id(p) for p in model.parameters() if p.requires_grad}
    assert {id(p) for g in optimizer.param_groups for p in g["params"]} == trainable


def test_schedule_scales_each_group_from_its_own_peak(tiny_fresh, tmp_path):
    """The learning rate of each group at each of the three steps (the final one, 0 for both,
    would let any ratio pass)."""
    from torch.optim.optimizer import register_optimizer_step_pre_hook

    seen = []
    handle = register_optimizer_step_pre_hook(
        lambda opt, *_: seen.append([g["lr"] for g in opt.param_groups])
    )
    cfg = TrainConfig(model="tiny", format="tool_use", max_steps=3, batch_size=4, learning_rate=1e-3,
                      loraplus_lr_ratio=4, precision="fp32", log_every=1, warmup_ratio=0.0,
                      lr_scheduler="linear", lora={"r": 4, "alpha": 8})
    try:
        result = train(cfg, _conversations(), tmp_path, tiny_fresh.model, tiny_fresh.tokenizer)
    finally:
        handle.remove()
    expected = [[1e-3 * f, 4e-3 * f] for f in (1.0, 2 / 3, 1 / 3)]  # linear decay over 3 steps
    assert len(seen) == 3
    for got, want in zip(seen, expected):
        assert got == pytest.approx(want)
    slow, fast = result.optimizer.param_groups
    assert slow["lr"] == fast["lr"] == pytest.approx(0.0)  # decayed to the end


def test_neftune_noises_embeddings_only_while_training(tiny_fresh):
    import torch

    from toolschool.train.sft import NEFTune

    model = tiny_fresh.model
    embed = model.get_input_embeddings()
    ids = torch.tensor([[1, 2, 3, 4, 5, 6, 7, 8]])
    clean = embed(ids)
    neftune = NEFTune(model, alpha=5.0)
    model.train()
    noisy = embed(ids)
    bound = 5.0 / (ids.shape[1] * clean.shape[-1]) ** 0.5
    delta = (noisy - clean).abs()
    assert 0 < delta.max() <= bound + 1e-6 and delta.mean() > bound / 4
    neftune.length = 32  # the whole sequence's width sets the scale, not this call's
    assert (embed(ids) - clean).abs().max() <= 5.0 / (32 * clean.shape[-1]) ** 0.5 + 1e-6
    model.eval()
    assert torch.equal(embed(ids), clean)
    model.train()
    neftune.remove()
    assert torch.equal(embed(ids), clean)
    with pytest.raises(ValueError, match="neftune_noise_alpha"):
        NEFTune(model, alpha=0.0)


def test_training_with_neftune_removes_its_hook(tiny_fresh, tmp_path):
    """The noise reaches training (the first step's loss differs from the same run without it,
    by a little) and is gone afterwards."""
    import torch

    from toolschool.models import load_model

    runs = {}
    for alpha in (5.0, None):
        loaded = tiny_fresh if alpha else load_model("tiny")
        cfg = TrainConfig(model="tiny", format="tool_use", max_steps=2, batch_size=4, precision="fp32",
                          log_every=1, neftune_noise_alpha=alpha, lora={"r": 4, "alpha": 8})
        runs[alpha] = train(cfg, _conversations(), tmp_path / str(alpha), loaded.model, loaded.tokenizer)
    result, plain = runs[5.0], runs[None]
    assert result.steps == 2
    assert result.first_loss != plain.first_loss  # same batch and weights: only the noise differs
    assert result.first_loss == pytest.approx(plain.first_loss, rel=0.2)  # measured 6% apart
    model = result.model
    model.train()
    ids = torch.tensor([[1, 2, 3, 4]])
    embed = model.get_input_embeddings()
    assert torch.equal(embed(ids), embed(ids))


def test_last_layers_puts_lora_only_on_the_top_layers_and_skips_backward_below(tiny_fresh):
    from toolschool.train.sft import attach_lora

    depth = tiny_fresh.model.config.num_hidden_layers
    assert depth >= 2
    model = attach_lora(tiny_fresh.model, TrainConfig(model="tiny", lora={"last_layers": 1}))
    adapted = {int(n.split(".layers.")[1].split(".")[0]) for n, _ in model.named_parameters() if "lora_A" in n}
    assert adapted == {depth - 1}
    seen = []
    low = model.get_base_model().model.layers[0]
    low.register_full_backward_hook(lambda *_: seen.append("low"))
    ids = torch.randint(0, 100, (2, 8))
    model(input_ids=ids, labels=ids).loss.backward()
    assert not seen  # autograd never entered the un-adapted lowest layer
    assert any(p.grad is not None for n, p in model.named_parameters() if "lora_B" in n)


def test_last_layers_beyond_the_model_depth_is_a_clear_error(tiny_fresh):
    from toolschool.train.sft import attach_lora

    with pytest.raises(ValueError, match="last_layers=99 but the model has only"):
        attach_lora(tiny_fresh.model, TrainConfig(model="tiny", lora={"last_layers": 99}))


def test_a_saved_adapter_reloaded_and_merged_gives_the_trained_models_logits(tiny_fresh, tmp_path):
    """``train`` on ``tiny`` (seed 0, as ``load_model("tiny")`` builds it), the run directory
    written as ``train.stage`` writes it, then ``load_trained``: base ``tiny`` rebuilt, adapter
    merged — the same logits as the trained peft model."""
    from toolschool.config import dump_config
    from toolschool.models import load_model, load_trained

    cfg = TrainConfig(model="tiny", format="tool_use", system_prompt="Be brief.", max_steps=8, batch_size=4,
                      learning_rate=1e-2, precision="fp32", warmup_ratio=0.0, lr_scheduler="constant",
                      lora={"r": 4, "alpha": 8, "dropout": 0.0})
    dump_config(cfg, tmp_path / "config.yaml")
    result = train(cfg, _conversations(), tmp_path, tiny_fresh.model, tiny_fresh.tokenizer)
    trained = result.model
    ids = tiny_fresh.tokenizer("<|im_start|>user\nweather in Oslo?<|im_end|>\n<|im_start|>assistant\n",
                               return_tensors="pt", add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        expected = trained(input_ids=ids).logits
        base = load_model("tiny").model(input_ids=ids).logits
    assert (expected - base).abs().max() > 0.05  # the adapter matters, so the comparison means something

    reloaded = load_trained(tmp_path)
    assert (reloaded.format, reloaded.system_prompt) == ("tool_use", "Be brief.")
    merged = reloaded.loaded.model
    assert not any("lora_" in n for n, _ in merged.named_parameters())  # merged, not a peft wrapper
    with torch.no_grad():
        got = merged(input_ids=ids).logits
    assert torch.allclose(got, expected, atol=1e-4), float((got - expected).abs().max())


def _equal_length_conversations(tokenizer, n):
    """``n`` different conversations whose encodings have the same number of trainable tokens, so
    the mean loss of a batch equals the mean of its micro-batches' mean losses."""
    from collections import defaultdict

    from toolschool.formats import get_format
    from toolschool.train.dataset import encode_conversations

    words = ["alpha", "beta", "gamma", "delta", "kappa", "omega", "sigma", "theta", "Paris", "Oslo",
             "Lima", "Kyoto", "brown", "quick", "lazy", "weather"]
    by_count = defaultdict(list)
    for w in words:
        conv = Conversation(messages=[Message(role="user", content=f"say {w}"),
                                      Message(role="assistant", content=f"{w} {w[::-1]}!")])
        (enc,) = encode_conversations([conv], tokenizer, get_format("tool_use"), "sys", 512).examples
        by_count[enc.n_trainable].append(conv)
    group = max(by_count.values(), key=len)
    assert len(group) >= n, {k: len(v) for k, v in by_count.items()}
    return group[:n]


def _train_recording_gradients(tmp_path, conversations, batch_size, accumulation, max_steps):
    """Train a fresh ``tiny`` and record, at every optimizer step, the gradients it applies."""
    from torch.optim.optimizer import register_optimizer_step_pre_hook

    from toolschool.models import load_model

    recorded = []

    def before_step(optimizer, _args, _kwargs):
        recorded.append([p.grad.clone() for g in optimizer.param_groups for p in g["params"]])

    handle = register_optimizer_step_pre_hook(before_step)
    try:
        loaded = load_model("tiny")
        cfg = TrainConfig(model="tiny", format="tool_use", system_prompt="sys", max_steps=max_steps,
                          batch_size=batch_size, gradient_accumulation=accumulation, learning_rate=1e-3,
                          precision="fp32", warmup_ratio=0.0, lr_scheduler="constant", log_every=1,
                          min_shared_prefix=0, max_grad_norm=1e6, lora={"r": 4, "alpha": 8, "dropout": 0.0})
        result = train(cfg, conversations, tmp_path, loaded.model, loaded.tokenizer)
    finally:
        handle.remove()
    return result, recorded


def test_gradient_accumulation_applies_the_mean_gradient_once_per_n_micro_batches(tiny, tmp_path):
    convs = _equal_length_conversations(tiny.tokenizer, 4)
    # one optimizer step over all four examples: one batch of 4, or two micro-batches of 2
    whole, whole_grads = _train_recording_gradients(tmp_path / "whole", convs, 4, 1, 1)
    split, split_grads = _train_recording_gradients(tmp_path / "split", convs, 2, 2, 1)
    assert whole.steps == split.steps == 1 and len(whole_grads) == len(split_grads) == 1
    assert any(float(g.abs().max()) > 0 for g in whole_grads[0])
    for a, b in zip(whole_grads[0], split_grads[0]):
        assert torch.allclose(a, b, rtol=1e-4, atol=1e-7), float((a - b).abs().max())
    # the logged loss of the step is the mean over its micro-batches
    assert split.losses[0][1] == pytest.approx(whole.losses[0][1], rel=1e-5)

    # a whole epoch of 8 examples in micro-batches of 2: 4 micro-batches, 2 steps with accumulation 2
    eight = _conversations(8)
    acc1, grads1 = _train_recording_gradients(tmp_path / "acc1", eight, 2, 1, 4)
    acc2, grads2 = _train_recording_gradients(tmp_path / "acc2", eight, 2, 2, 2)
    assert (acc1.steps, len(grads1)) == (4, 4) and (acc2.steps, len(grads2)) == (2, 2)
    assert acc1.planned_steps == 4 and acc2.planned_steps == 2
    log1 = [json.loads(line) for line in (tmp_path / "acc1" / "train_log.jsonl").read_text().splitlines()]
    log2 = [json.loads(line) for line in (tmp_path / "acc2" / "train_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log2] == [1, 2]
    # the same micro-batches in the same order: step k of accumulation 2 has seen the tokens of
    # micro-batches 1..2k
    assert [r["tokens"] for r in log2] == [log1[1]["tokens"], log1[3]["tokens"]]
