"""Training scalars to TensorBoard and Weights & Biases (``report_to``), beside ``train_log.jsonl``.

TensorBoard event files go to ``<out_dir>/tensorboard`` (``torch.utils.tensorboard.SummaryWriter``;
``tensorboard --logdir <out_dir>/tensorboard``); W&B runs go to the project in ``WANDB_PROJECT``
(default ``toolschool``), offline when ``WANDB_MODE=offline``. Both are optional extras
(``pip install 'toolschool[tensorboard]'`` / ``'toolschool[wandb]'``), imported only when asked for.
Scalar names follow the HF Trainer's: ``train/loss``, ``train/learning_rate``, ``train/grad_norm``,
and ``spectrum/<layer kind>/<top|entropy|effective_rank>`` (:mod:`toolschool.train.spectrum`).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

from toolschool.errors import ConfigError

__all__ = ["Reporters", "check_reporters"]

#: report_to name → (module that must import, the extra that installs it)
_NEEDS = {"tensorboard": ("tensorboard", "tensorboard"), "wandb": ("wandb", "wandb")}


def check_reporters(report_to: list[str]) -> None:
    """Raise before training when a ``report_to`` target's package is missing.

    Raises:
        ConfigError: naming each missing package and the pip extra that installs it.
    """
    missing = [f"report_to {name} needs the {module!r} package (pip install 'toolschool[{extra}]')"
               for name in report_to for module, extra in [_NEEDS[name]]
               if importlib.util.find_spec(module) is None]
    if missing:
        raise ConfigError("; ".join(missing))


class Reporters:
    """The ``report_to`` targets of one run; :meth:`scalars` writes to each, :meth:`close` flushes.

    Raises:
        ConfigError: a target's package is missing (:func:`check_reporters`).
    """

    def __init__(self, report_to: list[str], out_dir: Path, config: dict[str, Any]) -> None:
        check_reporters(report_to)
        self._tb = self._wandb = None
        if "tensorboard" in report_to:
            from torch.utils.tensorboard import SummaryWriter

            self._tb = SummaryWriter(log_dir=str(Path(out_dir) / "tensorboard"))
        if "wandb" in report_to:
            import wandb

            self._wandb = wandb.init(project=os.environ.get("WANDB_PROJECT", "toolschool"),
                                     dir=str(out_dir), config=config, resume="allow")

    def scalars(self, step: int, values: dict[str, float | None]) -> None:
        """Record ``values`` (None entries skipped) at optimizer step ``step``."""
        values = {k: float(v) for k, v in values.items() if v is not None}
        if self._tb is not None:
            for key, value in values.items():
                self._tb.add_scalar(key, value, step)
        if self._wandb is not None:
            self._wandb.log(values, step=step)

    def spectrum(self, step: int, by_type: dict[str, dict[str, float]]) -> None:
        """Record a spectrum check's per-layer-kind means (``SpectrumMonitor.last_by_type``)."""
        self.scalars(step, {f"spectrum/{kind}/{stat}": value
                            for kind, stats in by_type.items() for stat, value in stats.items()})

    def close(self) -> None:
        """Flush and close every target (idempotent)."""
        if self._tb is not None:
            self._tb.close()
            self._tb = None
        if self._wandb is not None:
            self._wandb.finish()
            self._wandb = None
