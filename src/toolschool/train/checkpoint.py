"""Checkpoints of a training run, and resuming from the newest one after a kill.

A checkpoint is a directory ``out_dir/checkpoints/step-00000050/``:

* ``adapter.safetensors`` — the trainable (LoRA) parameters by name;
* ``trainer.pt`` — the optimizer state (with the learning rates the schedule set for the next
  step), the gradient scaler's state, the torch RNG state (LoRA dropout, NEFTune noise) and the
  spectrum monitor's state;
* ``state.json`` — the loop's counters (:class:`LoopState`: optimizer steps, micro-batches
  consumed — the position in the deterministic batch order —, tokens, the logged losses, the
  open logging window, the first loss, elapsed seconds), the byte lengths of
  ``train_log.jsonl`` and ``spectrum.jsonl`` at that step, and the run's
  :func:`run_fingerprint`.

It is written into a hidden temporary directory, every file flushed to disk, then renamed into
place (one ``rename``: a kill leaves the whole checkpoint or none; a leftover temporary
directory is never read and is removed by the next save), and only the newest ``keep`` are
kept. Resuming (:func:`restore_checkpoint`) checks the fingerprint, loads all of the above and
cuts the two logs back to their lengths at the checkpoint, so the steps run again after the
resume are not logged twice. With the same seed and thread count the resumed run ends with
the same adapter and losses as one that was never interrupted (tested with a SIGKILLed
subprocess).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from array import array
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from toolschool.errors import ConfigError

__all__ = [
    "LoopState",
    "SESSION_FIELDS",
    "latest_checkpoint",
    "remove_checkpoints",
    "restore_checkpoint",
    "run_fingerprint",
    "save_checkpoint",
]

#: config fields a resumed run may change: they do not alter the trained trajectory (the data
#: file is fingerprinted by content instead of by path)
SESSION_FIELDS = frozenset(
    {"resume", "max_seconds", "num_threads", "save_every", "keep_checkpoints", "template_check", "data",
     "out_dir", "plugins"}
)
_PREFIX = "step-"
_LOGS = ("train_log.jsonl", "spectrum.jsonl")


@dataclass
class LoopState:
    """The training loop's counters: everything besides tensors that a resume needs.

    Attributes:
        step: optimizer steps taken.
        micro: micro-batches consumed (``step × gradient_accumulation`` at a checkpoint).
        tokens / computed_tokens: sequence tokens trained on / run through the model.
        losses: ``[(step, mean loss)]`` logged so far.
        window: losses of the micro-batches since the last logged step.
        first_loss: the mean loss of step 1.
        elapsed: seconds of training loop so far (over every session).
    """

    step: int = 0
    micro: int = 0
    tokens: int = 0
    computed_tokens: int = 0
    losses: list[tuple[int, float]] = field(default_factory=list)
    window: list[float] = field(default_factory=list)
    first_loss: float = float("nan")
    elapsed: float = 0.0


def run_fingerprint(config: Any, examples: list[Any]) -> dict[str, Any]:
    """What must match for a checkpoint to continue this run: the config without
    :data:`SESSION_FIELDS`, and a SHA-256 of the encoded training examples (token ids and labels)."""
    digest = hashlib.sha256()
    for example in examples:
        digest.update(array("q", [len(example.input_ids)]).tobytes())
        digest.update(array("q", example.input_ids).tobytes())
        digest.update(array("q", example.labels).tobytes())
    return {
        "config": config.model_dump(mode="json", exclude=set(SESSION_FIELDS)),
        "data_sha256": digest.hexdigest(),
    }


def _step_of(path: Path) -> int:
    return int(path.name[len(_PREFIX):])


def _checkpoints(root: Path) -> list[Path]:
    """Complete checkpoints under ``root``, oldest first."""
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.name.startswith(_PREFIX) and (p / "state.json").is_file()]
    return sorted(found, key=_step_of)


def latest_checkpoint(root: str | os.PathLike[str]) -> Path | None:
    """The newest complete checkpoint directory under ``root``, or None."""
    found = _checkpoints(Path(root))
    return found[-1] if found else None


def remove_checkpoints(root: str | os.PathLike[str]) -> None:
    """Delete every checkpoint (and leftover temporary directory) under ``root``."""
    shutil.rmtree(root, ignore_errors=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save_checkpoint(
    root: str | os.PathLike[str],
    state: LoopState,
    model: Any,
    trainer: dict[str, Any],
    out_dir: str | os.PathLike[str],
    fingerprint: dict[str, Any],
    keep: int,
) -> Path:
    """Write a checkpoint of step ``state.step`` atomically and keep the newest ``keep``.

    Args:
        root: the checkpoints directory (``out_dir/checkpoints``).
        state: the loop's counters.
        model: the peft-wrapped model; its trainable parameters are saved.
        trainer: tensors and state dicts for ``trainer.pt`` (``optimizer``, ``scaler``,
            ``rng``, ``monitor``).
        out_dir: the run directory whose logs' lengths are recorded.
        fingerprint: :func:`run_fingerprint` of the run.
        keep: how many checkpoints to keep (the newest).

    Returns:
        the checkpoint directory.
    """
    import torch
    from safetensors.torch import save_file

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"{_PREFIX}{state.step:08d}"
    tmp = root / f".tmp-{final.name}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    weights = {n: p.detach().contiguous() for n, p in model.named_parameters() if p.requires_grad}
    save_file(weights, tmp / "adapter.safetensors")
    torch.save(trainer, tmp / "trainer.pt")
    logs = {name: (Path(out_dir) / name).stat().st_size if (Path(out_dir) / name).is_file() else 0
            for name in _LOGS}
    meta = {"state": asdict(state), "logs": logs, "fingerprint": fingerprint}
    (tmp / "state.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    for f in tmp.iterdir():
        _fsync(f)
    shutil.rmtree(final, ignore_errors=True)  # a checkpoint of the same step from an earlier session
    os.rename(tmp, final)
    _fsync(root)
    for old in _checkpoints(root)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    for stale in root.glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    return final


def _differences(saved: Any, current: Any, prefix: str = "") -> list[str]:
    if isinstance(saved, dict) and isinstance(current, dict):
        out = []
        for key in sorted(set(saved) | set(current)):
            out += _differences(saved.get(key), current.get(key), f"{prefix}{key}.")
        return out
    return [] if saved == current else [f"{prefix[:-1]}: {saved!r} in the checkpoint, {current!r} now"]


def restore_checkpoint(
    path: str | os.PathLike[str], model: Any, out_dir: str | os.PathLike[str], fingerprint: dict[str, Any]
) -> tuple[LoopState, dict[str, Any]]:
    """Load a checkpoint into ``model``'s trainable parameters and cut the logs in ``out_dir``
    back to their lengths at the checkpoint.

    Returns:
        ``(loop state, trainer dict)`` — the caller loads the optimizer, scaler, monitor and
        RNG states from the trainer dict.

    Raises:
        ConfigError: the checkpoint was written by a run with another config (outside
            :data:`SESSION_FIELDS`) or other training data (each difference listed), or its
            parameters do not fit the model.
    """
    import torch
    from safetensors.torch import load_file

    path = Path(path)
    meta = json.loads((path / "state.json").read_text(encoding="utf-8"))
    diffs = _differences(meta["fingerprint"], fingerprint)
    if diffs:
        raise ConfigError(
            f"cannot resume from {path}: it belongs to another run ("
            + "; ".join(d.replace("config.", "", 1) for d in diffs)
            + "); resume with the same config and data, or train into another out_dir"
        )
    weights = load_file(path / "adapter.safetensors")
    params = {n: p for n, p in model.named_parameters() if p.requires_grad}
    if set(weights) != set(params):
        raise ConfigError(f"cannot resume from {path}: its adapter parameters do not match the model's")
    with torch.no_grad():
        for name, p in params.items():
            p.copy_(weights[name])
    trainer = torch.load(path / "trainer.pt", weights_only=True)
    for name, size in meta["logs"].items():
        log = Path(out_dir) / name
        if log.is_file() and log.stat().st_size > size:
            os.truncate(log, size)
    raw = meta["state"]
    raw["losses"] = [tuple(pair) for pair in raw["losses"]]
    return LoopState(**raw), trainer
