"""Backends: how a model is asked for the next assistant turn."""

from __future__ import annotations

from toolschool.backends.local import ChatRequest, Completion, LocalBackend, prepare_for_inference
from toolschool.backends.scripted import ScriptedBackend

__all__ = ["ChatRequest", "Completion", "LocalBackend", "ScriptedBackend", "prepare_for_inference"]
