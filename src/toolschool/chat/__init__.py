"""Chat templates (turn markers) and assistant-only loss masks."""

from __future__ import annotations

from toolschool.chat.masks import IGNORE_INDEX, Tokenised, tokenise_segments
from toolschool.chat.prompt import DEFAULT_SYSTEM, ChatMLLayout, Segment, prompt_for_next_turn

__all__ = [
    "DEFAULT_SYSTEM",
    "IGNORE_INDEX",
    "ChatMLLayout",
    "Segment",
    "Tokenised",
    "prompt_for_next_turn",
    "tokenise_segments",
]
