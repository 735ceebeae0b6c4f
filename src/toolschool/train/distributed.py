"""Data-parallel training through Hugging Face ``accelerate`` (``accelerate launch``), not a
home-made distributed layer.

:func:`~toolschool.train.sft.train` runs unchanged as one process; started by ``accelerate
launch`` (or ``torchrun``) with more than one process it asks :func:`start` for a
:class:`Parallel`, which owns an :class:`accelerate.Accelerator`: the process group (NCCL on
GPUs, gloo on CPUs), the model wrapping the launcher's config asks for (DDP; FSDP or DeepSpeed
through ``configs/accelerate/``), ``backward``, gradient clipping, and the collectives the loop
needs so that every rank takes the same decisions (the logged loss and token counts, the
elapsed time of a time budget). The loop itself shards the data: rank ``r`` of ``W`` takes the
micro-batches ``i`` with ``i % W == r`` of the one seeded order, so an optimizer step sees
``batch_size × W × gradient_accumulation`` rows.

What the engine wraps is a :func:`loss_module`, not the peft model: the loop computes its loss
with :func:`~toolschool.train.sft.forward_loss`, which calls the decoder and the output
projection directly, and a DDP wrapper around the peft model would never see that forward
(its gradient reducer would not be prepared). Wrapping a module whose ``forward`` *is* the loss
puts the engine's forward around the real computation.
"""

from __future__ import annotations

import contextlib
import logging
import os
from typing import TYPE_CHECKING, Any

from toolschool.errors import ConfigError

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)


def world_size() -> int:
    """Processes of the launch this process belongs to (``WORLD_SIZE``, set by ``accelerate
    launch``/``torchrun``); 1 when started on its own."""
    return int(os.environ.get("WORLD_SIZE", "1") or 1)


def is_main_process() -> bool:
    """Whether this process writes files and prints (global rank 0, or no launcher at all)."""
    return int(os.environ.get("RANK", "0") or 0) == 0


def refuse_multi_process(command: str, instead: str) -> None:
    """Raise :class:`ConfigError` when ``command`` was started with more than one process.

    Used by commands that do more than train (``toolschool run`` also generates data and
    evaluates, which would run once per process).
    """
    if world_size() > 1:
        raise ConfigError(
            f"`toolschool {command}` does not run under a multi-process launcher (WORLD_SIZE="
            f"{world_size()}): {instead}"
        )


def _loss_module_class() -> type:
    import torch

    class LossModule(torch.nn.Module):
        """``forward(batch, min_shared_prefix, prefix_gradient) -> (loss, computed tokens)`` of
        ``model`` (:func:`~toolschool.train.sft.forward_loss`), as one module an engine can wrap.
        ``model`` is registered as a submodule, so its (LoRA) parameters are this module's."""

        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, batch: dict[str, Any], min_shared_prefix: int, prefix_gradient: bool) -> Any:
            from toolschool.train.sft import forward_loss

            return forward_loss(self.model, batch, min_shared_prefix, prefix_gradient)

    return LossModule


def loss_module(model: Any) -> Any:
    """A ``LossModule``: a ``torch.nn.Module`` whose ``forward(batch, min_shared_prefix,
    prefix_gradient)`` returns ``(loss, computed tokens)`` of ``model``
    (:func:`~toolschool.train.sft.forward_loss`); the class is built on first use so that
    importing this module does not load torch."""
    return _loss_module_class()(model)


class Parallel:
    """The loop's view of a multi-process run, backed by an :class:`accelerate.Accelerator`.

    Attributes:
        accelerator: the accelerator (``mixed_precision="no"``: the toolschool config's
            ``precision`` sets autocast, the same in every process; gradient accumulation is
            the loop's, so the accelerator's is 1).
        rank, world: this process's global rank and the number of processes.
        is_main: rank 0, the only process that writes logs, checkpoints and the adapter.
    """

    def __init__(self, cpu: bool) -> None:
        from accelerate import Accelerator
        from accelerate.utils import DistributedType

        self.accelerator = Accelerator(cpu=cpu, mixed_precision="no")
        self.rank = self.accelerator.process_index
        self.world = self.accelerator.num_processes
        self.is_main = self.accelerator.is_main_process
        kind = self.accelerator.distributed_type
        self.shards = kind in (DistributedType.FSDP, DistributedType.DEEPSPEED)
        asked = [name for name in ("FSDP", "DEEPSPEED") if os.environ.get(f"ACCELERATE_USE_{name}") == "true"]
        if asked and not self.shards and self.is_main:
            # accelerate 1.15 enables FSDP/DeepSpeed only on accelerator devices, not for MULTI_CPU
            log.warning("the launch config asks for %s, but accelerate runs %s here (on this device "
                        "type it does not shard): training is plain data parallel", asked[0], kind.value)

    @property
    def device(self) -> torch.device:
        """The device of this process (``cuda:LOCAL_RANK`` on GPUs, ``cpu`` otherwise)."""
        return self.accelerator.device

    def prepare(self, model: Any, optimizer: Any) -> tuple[Any, Any]:
        """Wrap :func:`loss_module` ``(model)`` and ``optimizer`` as the launch config says (DDP,
        FSDP, DeepSpeed); returns ``(engine module, optimizer)``."""
        return self.accelerator.prepare(loss_module(model), optimizer)

    def no_sync(self, module: Any, skip: bool) -> Any:
        """Context without the gradient all-reduce (``skip``: a micro-batch that does not end an
        accumulation window; the last one's backward reduces the summed gradients)."""
        return self.accelerator.no_sync(module) if skip else contextlib.nullcontext()

    def backward(self, loss: Any) -> None:
        """``loss.backward()`` through the engine (DeepSpeed runs its own)."""
        self.accelerator.backward(loss)

    def clip(self, parameters: Any, max_norm: float) -> float:
        """Clip the (already reduced) gradients to ``max_norm``; returns the total norm before."""
        return float(self.accelerator.clip_grad_norm_(parameters, max_norm))

    def gather_floats(self, values: list[float]) -> list[float]:
        """All processes' ``values`` (each the same length), rank-major, on every process."""
        import torch

        local = torch.tensor(values, dtype=torch.float64, device=self.device)
        return [float(v) for v in self.accelerator.gather(local).cpu()]

    def sum_ints(self, *values: int) -> list[int]:
        """Each of ``values`` summed over the processes, on every process."""
        import torch

        local = torch.tensor(values, dtype=torch.long, device=self.device)
        return [int(v) for v in self.accelerator.reduce(local, reduction="sum").cpu()]

    def from_main(self, value: float) -> float:
        """Rank 0's ``value`` on every process (so decisions on wall time agree)."""
        from accelerate.utils import broadcast_object_list

        return float(broadcast_object_list([value], from_process=0)[0])

    def gather_objects(self, value: Any) -> list[Any]:
        """Every process's picklable ``value``, by rank, on every process."""
        from accelerate.utils import gather_object

        return gather_object([value])

    def wait(self) -> None:
        """Barrier: return when every process got here."""
        self.accelerator.wait_for_everyone()

    def full_state_dict(self, engine: Any) -> dict[str, Any] | None:
        """The peft model's whole state dict gathered from the shards of an FSDP/DeepSpeed
        ``engine`` (accelerate's ``get_state_dict``; every process must call it), keyed as the
        peft model's own ``state_dict``; None when parameters are not sharded (DDP: each
        process holds them whole). Not run on this project's CPU machine."""
        if not self.shards:
            return None
        state = self.accelerator.get_state_dict(engine)
        return {k.removeprefix("model."): v for k, v in state.items()} if state is not None else None


def start(device_type: str) -> Parallel | None:
    """A :class:`Parallel` when this process was launched with others, else None (one process
    trains exactly as without ``accelerate``). ``device_type`` is the loaded model's device type;
    ``cpu`` selects gloo (accelerate's ``MULTI_CPU``)."""
    if world_size() <= 1:
        return None
    return Parallel(cpu=device_type == "cpu")
