"""A model's modules without its weights, for checks that must run before any work.

LoRA settings (target modules, number of adapted layers) are checked against the model's
architecture when a run starts, not after data generation and a base-model evaluation.
"""

from __future__ import annotations

from typing import Any


def model_skeleton(source: str) -> Any:
    """The causal LM of ``source`` built on the ``meta`` device: module names and config, no weights.

    ``tiny`` models are built for real (they are smaller than their skeleton's bookkeeping);
    ``scratch:`` models are built from their named size on the ``meta`` device.
    A bundled GGUF is converted into the cache first (once; later loads reuse it).

    Raises:
        ModelLoadError: the source cannot be found or its config read.
    """
    from toolschool.models.names import TINY

    if source.partition(":")[0] in TINY:
        from toolschool.models.loading import load_model

        return load_model(source).model
    from toolschool.models.scratch import is_scratch_name

    if is_scratch_name(source):
        from toolschool.errors import ModelLoadError
        from toolschool.models.scratch import scratch_model

        try:
            return scratch_model(source, device="meta")[0]
        except ValueError as exc:
            raise ModelLoadError(str(exc)) from None
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from toolschool.errors import ModelLoadError
    from toolschool.models.loading import check_hub, resolve_source

    path, _ = resolve_source(source)
    if path is None:
        check_hub(source)
    try:
        config = AutoConfig.from_pretrained(str(path) if path is not None else source)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"cannot read the config of model {source!r}: {exc}") from exc
    with torch.device("meta"):
        return AutoModelForCausalLM.from_config(config)
