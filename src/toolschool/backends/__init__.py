"""Backends: how a model is asked for the next assistant turn."""

from __future__ import annotations

from toolschool.backends.local import ChatRequest, Completion, LocalBackend, prepare_for_inference

__all__ = ["ChatRequest", "Completion", "LocalBackend", "prepare_for_inference"]
