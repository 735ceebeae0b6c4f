"""Model loading: bundled GGUF packages, local directories, hub ids and tiny test models."""

from __future__ import annotations

from toolschool.models.bundled import BUNDLED, BundledModel, cache_dir
from toolschool.models.loading import LoadedModel, TrainedModel, is_run_dir, load_model, load_trained

__all__ = [
    "BUNDLED",
    "BundledModel",
    "LoadedModel",
    "TrainedModel",
    "cache_dir",
    "is_run_dir",
    "load_model",
    "load_trained",
]
