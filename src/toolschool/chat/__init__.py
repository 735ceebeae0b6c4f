"""Turn layouts (the model's chat turns), layout resolution, and assistant-only loss masks."""

from __future__ import annotations

from toolschool.chat.layouts import Gemma4Layout, GemmaLayout, HermesProLayout, Llama3Layout, MistralLayout
from toolschool.chat.masks import IGNORE_INDEX, Tokenised, tokenise_segments
from toolschool.chat.prompt import (
    DEFAULT_SYSTEM,
    ChatMLLayout,
    Layout,
    Qwen3Layout,
    Segment,
    prompt_for_next_turn,
)
from toolschool.chat.resolve import (
    LAYOUTS,
    TokenizerTemplateLayout,
    detect_layout,
    layout_name,
    resolve_layout,
)

__all__ = [
    "DEFAULT_SYSTEM",
    "IGNORE_INDEX",
    "LAYOUTS",
    "ChatMLLayout",
    "Gemma4Layout",
    "GemmaLayout",
    "HermesProLayout",
    "Layout",
    "Llama3Layout",
    "MistralLayout",
    "Qwen3Layout",
    "Segment",
    "Tokenised",
    "TokenizerTemplateLayout",
    "detect_layout",
    "layout_name",
    "prompt_for_next_turn",
    "resolve_layout",
    "tokenise_segments",
]
