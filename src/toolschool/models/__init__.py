"""Model loading: bundled GGUF packages, local directories, hub ids and tiny test models."""

from __future__ import annotations

from toolschool.models.bundled import BUNDLED, BundledModel, cache_dir
from toolschool.models.loading import LoadedModel, load_model

__all__ = ["BUNDLED", "BundledModel", "LoadedModel", "cache_dir", "load_model"]
