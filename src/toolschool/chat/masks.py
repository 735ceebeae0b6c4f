"""Assistant-only loss: token labels that are ``-100`` everywhere but assistant output.

The prompt is tokenised once as a whole (so tokens are exactly those the model sees at
inference), and each token is labelled by where its characters lie: a token whose
character span falls inside a trainable segment keeps its id as the label; every other
token (system, user, tool-result turns, turn headers) gets ``IGNORE_INDEX``.
This is the "completion-only"/"assistant-only" loss of TRL's ``assistant_only_loss``,
computed from character offsets instead of ``{% generation %}`` template markers (which
SmolLM2's template does not have).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from toolschool.chat.prompt import Segment

IGNORE_INDEX = -100


@dataclass
class Tokenised:
    """``input_ids`` and ``labels`` (same length); labels are ``-100`` outside assistant output."""

    input_ids: list[int]
    labels: list[int]

    @property
    def n_trainable(self) -> int:
        return sum(1 for x in self.labels if x != IGNORE_INDEX)


def tokenise_segments(segments: list[Segment], tokenizer: Any, max_length: int | None = None) -> Tokenised:
    """Tokenise rendered segments and build assistant-only labels.

    Args:
        segments: from :meth:`toolschool.chat.prompt.ChatMLLayout.segments`.
        tokenizer: a *fast* Hugging Face tokenizer (offsets are required).
        max_length: truncate to this many tokens (from the right).

    Raises:
        ValueError: the tokenizer cannot return offsets (a slow tokenizer).
    """
    text = "".join(s.text for s in segments)
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError("assistant-only masks need a fast tokenizer (offset mapping)")
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    # trainable character ranges
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for seg in segments:
        if seg.trainable:
            starts.append(pos)
            ends.append(pos + len(seg.text))
        pos += len(seg.text)
    labels = []
    for token_id, (a, b) in zip(enc["input_ids"], enc["offset_mapping"]):
        k = bisect_right(starts, a) - 1
        inside = k >= 0 and a >= starts[k] and b <= ends[k] and b > a
        labels.append(token_id if inside else IGNORE_INDEX)
    ids = list(enc["input_ids"])
    if max_length is not None:
        ids, labels = ids[:max_length], labels[:max_length]
    return Tokenised(ids, labels)
