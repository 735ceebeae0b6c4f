"""`toolschool train` under a real `accelerate launch` of 2 processes on this CPU (gloo): data
parallelism equals one process accumulating the same micro-batches, only rank 0 writes, and a
launch resumes from its own checkpoint to the same adapter."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml
from safetensors.torch import load_file

from tests.train.test_sft import _conversations
from toolschool.errors import ConfigError
from toolschool.train.distributed import refuse_multi_process
from toolschool.types import append_jsonl

SRC = Path(__file__).resolve().parents[2] / "src"
BASE = dict(model="tiny", format="tool_use", max_steps=3, batch_size=2, precision="fp32", log_every=1,
            learning_rate=3e-3, warmup_ratio=0.0, spectrum_every=1, save_every=2, num_threads=1,
            min_shared_prefix=0, lora={"r": 4, "alpha": 8, "dropout": 0.0})


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _toolschool_train(tmp: Path, name: str, processes: int, *extra: str, **cfg) -> Path:
    """Run ``toolschool train`` (under ``accelerate launch`` when ``processes`` > 1) into tmp/name."""
    data = tmp / "data.jsonl"
    if not data.exists():
        for conversation in _conversations(16):
            append_jsonl(data, conversation)
    out = tmp / name
    config = tmp / f"{name}.yaml"
    config.write_text(yaml.safe_dump({**BASE, **cfg, "data": str(data), "out_dir": str(out)}))
    cli = ["-m", "toolschool.cli.app", "train", "-c", str(config), *extra]
    if processes > 1:
        cli = ["-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", str(processes),
               "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
               "--main_process_ip", "127.0.0.1", "--main_process_port", str(_port()), *cli]
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, *cli], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def _weights(out: Path) -> dict[str, torch.Tensor]:
    return load_file(out / "adapter" / "adapter_model.safetensors")


def _log(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ddp")
    return tmp, {
        "ddp": _toolschool_train(tmp, "ddp", 2),
        "one": _toolschool_train(tmp, "one", 1, gradient_accumulation=2),
    }


def test_two_processes_train_as_one_process_accumulating_their_micro_batches(runs):
    _, out = runs
    a, b = _weights(out["ddp"]), _weights(out["one"])
    assert a.keys() == b.keys()
    assert any(float(w.abs().max()) > 0 for k, w in a.items() if "lora_B" in k)  # it trained
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=1e-4, atol=1e-6)
    ddp, one = _log(out["ddp"]), _log(out["one"])
    assert [r["step"] for r in ddp] == [1, 2, 3]  # one line per step: rank 0 writes, alone
    for x, y in zip(ddp, one):  # the logged loss is the mean over both ranks' micro-batches
        assert x["loss"] == pytest.approx(y["loss"], rel=1e-5) and x["tokens"] == y["tokens"]
    result = json.loads((out["ddp"] / "train_result.json").read_text())
    assert result["steps"] == result["planned_steps"] == 3
    assert len((out["ddp"] / "spectrum.jsonl").read_text().splitlines()) == 4  # step 0 + 3 steps


def test_a_launch_resumes_from_its_checkpoint_to_the_same_adapter(runs):
    tmp, out = runs
    run = out["ddp"]
    resumed = tmp / "resumed"
    (resumed / "checkpoints").mkdir(parents=True)
    ckpt = sorted((run / "checkpoints").iterdir())[-1]
    assert ckpt.name.endswith("00000002")
    os.system(f"cp -r {ckpt} {resumed / 'checkpoints'}")
    for name in ("train_log.jsonl", "spectrum.jsonl"):  # the logs as they were at step 2
        lines = (run / name).read_text().splitlines(keepends=True)
        (resumed / name).write_text("".join(lines[: 2 if name == "train_log.jsonl" else 3]))
    _toolschool_train(tmp, "resumed", 2, "--resume")
    a, b = _weights(run), _weights(resumed)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert [r["step"] for r in _log(resumed)] == [1, 2, 3]
    assert json.loads((resumed / "train_result.json").read_text())["resumed_from_step"] == 2


def test_toolschool_run_refuses_a_multi_process_launch(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(ConfigError, match="toolschool train"):
        refuse_multi_process("run", "train with `accelerate launch -m toolschool train`")
