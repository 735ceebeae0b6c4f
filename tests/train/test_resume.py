"""Checkpoints and resume: a run interrupted after a checkpoint and resumed ends with the same
adapter, losses and logs as one never interrupted — in-process (an exception out of the step
callback) and as a real ``toolschool train`` subprocess killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from tests.train.test_sft import _conversations
from toolschool.errors import ConfigError
from toolschool.models import load_model
from toolschool.train import TrainConfig, train
from toolschool.train.checkpoint import latest_checkpoint

SRC = Path(__file__).resolve().parents[2] / "src"


class Killed(Exception):
    """Stands for the process dying after a step."""


def _cfg(**kw):
    base = dict(model="tiny", format="tool_use", max_steps=9, batch_size=4, precision="fp32", log_every=1,
                learning_rate=3e-3, warmup_ratio=0.2, spectrum_every=2, save_every=3,
                lora={"r": 4, "alpha": 8, "dropout": 0.0})
    return TrainConfig(**{**base, **kw})


def _train(cfg, out, kill_at=None):
    loaded = load_model("tiny")

    def on_step(step, total, loss):
        if step == kill_at:
            raise Killed

    return train(cfg, _conversations(), out, loaded.model, loaded.tokenizer, on_step=on_step)


def _log(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    for row in rows:
        row.pop("seconds", None)
    return rows


def _assert_same_run(a: Path, b: Path) -> None:
    """Two run directories hold the same adapter, loss log and spectra (times aside)."""
    wa, wb = (load_file(d / "adapter" / "adapter_model.safetensors") for d in (a, b))
    assert wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa)
    assert _log(a / "train_log.jsonl") == _log(b / "train_log.jsonl")
    steps = [r["step"] for r in _log(b / "train_log.jsonl")]
    assert len(steps) == len(set(steps))  # no line logged twice
    assert (a / "spectrum.jsonl").read_text() == (b / "spectrum.jsonl").read_text()
    ra, rb = (json.loads((d / "train_result.json").read_text()) for d in (a, b))
    assert ra["losses"] == rb["losses"] and ra["final_loss"] == rb["final_loss"]


SETTINGS = {
    # LoRA dropout and NEFTune draw from the torch RNG; accumulation: micro-batches != steps
    "fp32-dropout-neftune-accumulation": dict(batch_size=2, gradient_accumulation=2, neftune_noise_alpha=5.0,
                                              lora={"r": 4, "alpha": 8, "dropout": 0.1}, log_every=2),
    "bf16": dict(precision="bf16"),
    "fp16-scaler": dict(precision="fp16", max_grad_norm=0.1),
}


@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_an_interrupted_run_resumes_to_the_same_adapter_and_logs(tmp_path, monkeypatch, setting):
    if setting.startswith("fp16"):  # the fp16 path with its scaler, as on a CPU with fp16 kernels
        from toolschool.models import precision

        monkeypatch.setattr(precision, "fp16_is_fast", lambda: True)
    cfg = _cfg(**SETTINGS[setting])
    whole = _train(cfg, tmp_path / "whole")
    with pytest.raises(Killed):
        _train(cfg, tmp_path / "cut", kill_at=8)  # checkpoints at 3 and 6; step 7 and 8 logged
    assert latest_checkpoint(tmp_path / "cut" / "checkpoints").name == "step-00000006"
    assert [r["step"] for r in _log(tmp_path / "cut" / "train_log.jsonl")][-1] == 8
    resumed = _train(cfg.model_copy(update={"resume": True}), tmp_path / "cut")
    assert resumed.resumed_from_step == 6 and resumed.steps == whole.steps == 9
    assert resumed.losses == whole.losses and resumed.first_loss == whole.first_loss
    assert resumed.tokens_per_second > 0 and resumed.precision == whole.precision
    _assert_same_run(tmp_path / "whole", tmp_path / "cut")
    assert sorted(p.name for p in (tmp_path / "cut" / "checkpoints").iterdir()) == ["step-00000006"]


def test_checkpoints_are_atomic_and_only_the_newest_are_kept(tmp_path):
    out = tmp_path / "run"
    stale = out / "checkpoints" / ".tmp-step-00000099"  # a kill while writing one
    stale.mkdir(parents=True)
    (stale / "adapter.safetensors").write_bytes(b"half")
    with pytest.raises(Killed):
        _train(_cfg(save_every=2, keep_checkpoints=2, resume=True), out, kill_at=7)
    names = sorted(p.name for p in (out / "checkpoints").iterdir())
    assert names == ["step-00000004", "step-00000006"]  # the stale temporary one was never read, and is gone
    files = sorted(p.name for p in (out / "checkpoints" / "step-00000006").iterdir())
    assert files == ["adapter.safetensors", "state.json", "trainer.pt"]
    state = json.loads((out / "checkpoints" / "step-00000006" / "state.json").read_text())
    assert state["state"]["step"] == 6 and state["state"]["micro"] == 6
    assert state["logs"]["train_log.jsonl"] == len("".join(
        line + "\n" for line in (out / "train_log.jsonl").read_text().splitlines()[:6]).encode())


def test_resume_refuses_a_checkpoint_of_another_run(tmp_path):
    with pytest.raises(Killed):
        _train(_cfg(), tmp_path, kill_at=4)
    other = _cfg(learning_rate=1e-3, resume=True, max_seconds=100.0, num_threads=2)  # the last two may change
    with pytest.raises(ConfigError, match=r"cannot resume from .*step-00000003: it belongs to another run "
                                          r"\(learning_rate: 0.003 in the checkpoint, 0.001 now\)"):
        _train(other, tmp_path)
    loaded = load_model("tiny")
    with pytest.raises(ConfigError, match="data_sha256"):
        train(_cfg(resume=True), _conversations(8), tmp_path, loaded.model, loaded.tokenizer)


def test_resume_without_a_checkpoint_starts_afresh_and_a_fresh_run_clears_old_ones(tmp_path, caplog):
    with caplog.at_level("WARNING"):
        first = _train(_cfg(max_steps=4, save_every=0, resume=True), tmp_path)
    assert first.steps == 4 and first.resumed_from_step == 0
    assert "resume: no checkpoint in" in caplog.text
    with pytest.raises(Killed):
        _train(_cfg(), tmp_path, kill_at=5)
    assert latest_checkpoint(tmp_path / "checkpoints") is not None
    again = _train(_cfg(max_steps=2, save_every=0), tmp_path)  # resume off: from scratch
    assert again.resumed_from_step == 0 and not (tmp_path / "checkpoints").exists()
    assert [r["step"] for r in _log(tmp_path / "train_log.jsonl")] == [1, 2]


def test_a_time_budget_counts_the_earlier_session_up_to_its_checkpoint(tmp_path, monkeypatch):
    """A clock that advances 0.25 s per step (in the step callback, after the checkpoint): the
    uninterrupted run reaches its 1.5 s budget at step 7. Killed after step 5, resumed from
    the checkpoint of step 4 (saved at 0.75 s): the resumed session starts its clock at 0.75 s,
    so the 0.25 s between the checkpoint and the kill are not counted and it ends at step 8."""
    from types import SimpleNamespace

    from toolschool.train import sft

    clock = [0.0]
    monkeypatch.setattr(sft, "time", SimpleNamespace(perf_counter=lambda: clock[0]))
    cfg = _cfg(max_steps=1000, max_seconds=1.5, save_every=2, warmup_ratio=0.0, spectrum_every=0)
    loaded = load_model("tiny")

    def tick(kill_at=None):
        def on_step(step, total, loss):
            clock[0] += 0.25
            if step == kill_at:
                raise Killed
        return on_step

    whole = train(cfg, _conversations(), tmp_path / "whole", loaded.model, loaded.tokenizer, on_step=tick())
    assert whole.steps == 7 and whole.stop_reason == "time_budget"
    clock[0] = 0.0
    loaded = load_model("tiny")
    with pytest.raises(Killed):
        train(cfg, _conversations(), tmp_path / "cut", loaded.model, loaded.tokenizer, on_step=tick(5))
    clock[0] = 100.0  # another session, another clock origin
    loaded = load_model("tiny")
    resumed = train(cfg.model_copy(update={"resume": True}), _conversations(), tmp_path / "cut", loaded.model,
                    loaded.tokenizer, on_step=tick())
    assert resumed.resumed_from_step == 4 and resumed.steps == 8 and resumed.stopped_by_time_budget
    log = _log(tmp_path / "cut" / "train_log.jsonl")
    assert [r["step"] for r in log] == list(range(1, 9))
    assert log[:4] == _log(tmp_path / "whole" / "train_log.jsonl")[:4]
    assert resumed.optimizer.param_groups[0]["lr"] == pytest.approx(0.0)  # the schedule ran to its end


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(SRC), HF_HUB_OFFLINE="1", NO_COLOR="1")


def test_a_toolschool_train_killed_with_sigkill_resumes_to_the_same_adapter(tmp_path):
    """The real thing: ``toolschool train`` in a subprocess, SIGKILLed once its checkpoint of
    step 6 exists, then ``toolschool train --resume`` — against an uninterrupted run."""
    from toolschool.types import write_jsonl

    data = tmp_path / "train.jsonl"
    write_jsonl(data, _conversations(12))
    settings = ["model=tiny", "format=tool_use", "max_steps=60", "batch_size=4", "precision=fp32",
                "num_threads=1", "save_every=3", "log_every=1", "spectrum_every=3", "learning_rate=3e-3",
                "lora.r=4", "lora.alpha=8"]

    def cli(out: Path, *extra: str) -> list[str]:
        return [sys.executable, "-m", "toolschool.cli.app", "train", "-d", str(data), "-o", str(out),
                *settings, *extra]

    whole = subprocess.run(cli(tmp_path / "whole"), env=_env(), capture_output=True, text=True, timeout=600)
    assert whole.returncode == 0, whole.stderr
    cut = tmp_path / "cut"
    proc = subprocess.Popen(cli(cut), env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while not (cut / "checkpoints" / "step-00000006").is_dir():
            assert proc.poll() is None and time.monotonic() < deadline, "the run ended before its checkpoint"
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert not (cut / "train_result.json").exists(), "killed too late: the run had finished"
    logged = [r["step"] for r in _log(cut / "train_log.jsonl")]
    resumed = subprocess.run(cli(cut, "--resume"), env=_env(), capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    start = json.loads((cut / "train_result.json").read_text())["resumed_from_step"]
    assert start >= 6 and start % 3 == 0 and logged[-1] >= start
    assert f"(resumed at step {start})" in resumed.stdout and "resuming from" in resumed.stderr
    _assert_same_run(tmp_path / "whole", cut)
