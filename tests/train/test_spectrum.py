"""LoRA update spectra: the cheap SVD, the statistics, and frozen / collapsed training detected
on the tiny model."""

from __future__ import annotations

import json
import math

import pytest
import torch

from tests.train.test_sft import _conversations
from toolschool.models import load_model
from toolschool.train import TrainConfig, train
from toolschool.train.lora import attach_lora
from toolschool.train.spectrum import (
    COLLAPSE_LOSS,
    SpectrumMonitor,
    lora_layers,
    read_spectrum,
    spectrum_stats,
    update_singular_values,
    update_spectra,
)


def _cfg(**kw):
    base = dict(model="tiny", format="tool_use", max_steps=12, batch_size=4, precision="fp32", log_every=1,
                learning_rate=3e-3, warmup_ratio=0.0, lr_scheduler="constant", spectrum_every=2,
                save_every=0, lora={"r": 4, "alpha": 8, "dropout": 0.0})
    return TrainConfig(**{**base, **kw})


def test_qr_spectrum_equals_the_svd_of_the_full_update(tiny_fresh):
    model = attach_lora(tiny_fresh.model, _cfg(lora={"r": 4, "alpha": 12}))
    layers = lora_layers(model)
    assert len(layers) == 7 * tiny_fresh.model.config.num_hidden_layers
    assert all(not n.startswith("base_model") for n, _ in layers)
    for _, module in layers:  # a fresh adapter: B = 0, the zero update
        assert torch.equal(update_singular_values(module), torch.zeros(4))
    torch.manual_seed(3)
    for _, module in layers:
        torch.nn.init.normal_(module.lora_B["default"].weight, std=0.1)
    batched = update_spectra(layers)  # stacked by shape: 64x64, 64x32 (k, v), 64x128, 128x64
    assert list(batched) == [n for n, _ in layers]
    for name, module in layers:
        a, b = module.lora_A["default"].weight, module.lora_B["default"].weight
        full = torch.linalg.svdvals(module.scaling["default"] * (b @ a)).detach()
        ours = update_singular_values(module)
        assert module.scaling["default"] == 3.0
        assert ours.shape == (4,) and torch.allclose(ours, full[:4], rtol=1e-4, atol=1e-6), name
        assert torch.allclose(batched[name], ours, rtol=1e-5, atol=1e-7), name
        assert float(full[4:].abs().max()) < 1e-5  # the rest of the full SVD: rank r


def test_spectrum_statistics():
    assert spectrum_stats(torch.zeros(4)) == {"top": 0.0, "entropy": 0.0, "effective_rank": 0.0}
    flat = spectrum_stats(torch.full((4,), 2.0))
    assert flat["top"] == 2.0 and flat["entropy"] == pytest.approx(math.log(4))
    assert flat["effective_rank"] == pytest.approx(4.0)
    assert spectrum_stats(torch.tensor([5.0, 0.0, 0.0]))["effective_rank"] == pytest.approx(1.0)
    mixed = spectrum_stats(torch.tensor([3.0, 1.0]))
    p = torch.tensor([0.75, 0.25])
    assert mixed["entropy"] == pytest.approx(float(-(p * p.log()).sum()))
    assert 1.0 < mixed["effective_rank"] < 2.0


def test_normal_training_shows_changing_spectra_and_plots_them(tiny_fresh, tmp_path):
    from toolschool.eval.plots import plot_spectrum

    result = train(_cfg(), _conversations(), tmp_path, tiny_fresh.model, tiny_fresh.tokenizer)
    assert result.steps == 12 and result.stop_reason == ""
    rows = read_spectrum(tmp_path / "spectrum.jsonl")
    assert [r["step"] for r in rows] == [0, 2, 4, 6, 8, 10, 12]
    first, *later = rows
    assert first["max_change"] is None and first["loss"] is None
    assert all(m["sv"] == [0.0] * 4 and m["effective_rank"] == 0.0 for m in first["modules"].values())
    assert len(first["modules"]) == 14 and set(first["by_type"]) == {
        "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
    for row in later:
        assert row["max_change"] > 1e-3 and row["frozen_streak"] == 0  # measured ~1e-2
        assert all(1.0 <= m["effective_rank"] <= 4.0 and m["top"] > 0 for m in row["modules"].values())
    tops = [max(v["top"] for v in r["by_type"].values()) for r in rows]
    assert tops == sorted(tops) and tops[-1] > 0.1  # the update grows as the adapter learns
    assert later[-1]["loss"] == pytest.approx(result.losses[-1][1])
    png = plot_spectrum(rows, tmp_path / "spectrum.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_learning_rate_of_about_zero_is_detected_as_frozen_and_stops_early(tiny_fresh, tmp_path, caplog):
    cfg = _cfg(learning_rate=1e-12, max_steps=40, spectrum_every=3, frozen_checks=3)
    with caplog.at_level("WARNING"):
        result = train(cfg, _conversations(), tmp_path, tiny_fresh.model, tiny_fresh.tokenizer)
    # checks at steps 0 (the zero start), 3, 6, 9: three unchanged in a row
    assert result.steps == 9 and result.planned_steps == 40
    assert result.stop_reason == "frozen" and not result.stopped_by_time_budget
    assert result.stop_message.startswith(
        "training is frozen: the LoRA update spectra moved by less than 1e-06")
    assert "at 3 consecutive checks up to step 9" in result.stop_message
    assert result.stop_message in caplog.text
    rows = read_spectrum(tmp_path / "spectrum.jsonl")
    assert [r["frozen_streak"] for r in rows] == [0, 1, 2, 3]
    assert all(r["max_change"] < 1e-9 for r in rows[1:])
    log = [json.loads(line) for line in (tmp_path / "train_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == list(range(1, 10)) + [9]
    assert log[-1]["event"] == "stopped" and log[-1]["reason"] == "frozen"
    saved = json.loads((tmp_path / "train_result.json").read_text())
    assert saved["stop_reason"] == "frozen" and saved["stop_message"] == result.stop_message
    assert (tmp_path / "adapter" / "adapter_config.json").is_file()


def test_the_monitor_tells_collapse_from_frozen_on_a_frozen_adapter(tiny_fresh, tmp_path):
    """An adapter that never trains (B stays 0 — the frozen setup): with the loss near zero the
    verdict is collapse, with a normal loss frozen; checks at the end of a decayed schedule
    (``quiet``) never count."""
    model = attach_lora(tiny_fresh.model, _cfg())
    monitor = SpectrumMonitor(model, tmp_path / "a.jsonl", patience=2, rtol=1e-6)
    assert monitor.check(0, None) is None
    assert monitor.check(5, 1e-4) is None  # one unchanged check, patience 2
    verdict = monitor.check(10, COLLAPSE_LOSS / 2)
    assert verdict is not None and verdict.kind == "collapse"
    assert verdict.message.startswith("training collapsed: the loss is 0.005 (~0)")
    assert "max_grad_norm <= 0" in verdict.message
    assert monitor.check(15, float("nan")).kind == "collapse"
    frozen = SpectrumMonitor(model, tmp_path / "b.jsonl", patience=2, rtol=1e-6)
    frozen.check(0, None)
    frozen.check(5, 2.5)
    assert frozen.check(10, 2.5).kind == "frozen"
    quiet = SpectrumMonitor(model, tmp_path / "c.jsonl", patience=2, rtol=1e-6)
    assert all(quiet.check(s, 2.5, quiet=True) is None for s in range(0, 30, 5))
    assert [r["frozen_streak"] for r in read_spectrum(tmp_path / "c.jsonl")] == [0] * 6
    with pytest.raises(ValueError, match="no LoRA layer"):
        SpectrumMonitor(load_model("tiny").model, tmp_path / "d.jsonl", 2, 1e-6)


def test_spectrum_every_zero_writes_nothing(tiny_fresh, tmp_path):
    result = train(_cfg(spectrum_every=0, max_steps=2), _conversations(), tmp_path, tiny_fresh.model,
                   tiny_fresh.tokenizer)
    assert result.steps == 2 and not (tmp_path / "spectrum.jsonl").exists()


def test_toolschool_train_reports_a_frozen_run_and_exits_3(tmp_path):
    """The stage and CLI around it: the warnings and the template check printed, spectrum.png
    written, exit status 3 when training stopped frozen."""
    from typer.testing import CliRunner

    from toolschool.cli.app import app
    from toolschool.types import write_jsonl

    data = tmp_path / "train.jsonl"
    write_jsonl(data, _conversations())
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["train", "-d", str(data), "-o", str(out), "model=tiny", "max_steps=30",
                                      "learning_rate=1e-12", "spectrum_every=2", "precision=fp32",
                                      "lora.r=4"])
    assert result.exit_code == 3, result.output
    text = " ".join(result.output.split())
    assert "warning: learning_rate=1e-12 is below the usual LoRA range" in text
    assert "template check skipped: the tokenizer has no chat template" in text
    assert "6 steps" in text and "stopped early: training is frozen" in text
    assert (out / "spectrum.png").read_bytes()[:4] == b"\x89PNG" and (out / "loss.png").is_file()
