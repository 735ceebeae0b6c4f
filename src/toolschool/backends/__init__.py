"""Backends: how a model is asked for the next assistant turn."""

from __future__ import annotations

from toolschool.backends.local import ChatRequest, Completion, LocalBackend, prepare_for_inference
from toolschool.backends.openai_http import EndpointError, OpenAIBackend
from toolschool.backends.scripted import ScriptedBackend

__all__ = [
    "ChatRequest", "Completion", "EndpointError", "LocalBackend", "OpenAIBackend", "ScriptedBackend",
    "prepare_for_inference",
]
