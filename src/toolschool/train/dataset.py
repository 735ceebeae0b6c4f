"""From conversations to padded training batches with assistant-only labels.

Batches are *length-grouped*: examples are shuffled, cut into mega-batches of
``50 × batch_size``, sorted by length inside each mega-batch and sliced into batches whose
order is shuffled again — the ``group_by_length`` sampler of ``transformers.Trainer``.
Padding waste stays small without the cross-example attention leaks of naive packing.

With ``packing`` (:func:`pack_examples`, :func:`collate_packed`) several conversations share
a row of ``max_length`` tokens instead: best-fit decreasing bins, ``position_ids`` restarting
at 0 for each conversation and no ``attention_mask``, from which transformers builds a
block-diagonal causal mask (``masking_utils.find_packed_sequence_indices``; TRL's
``padding_free`` packing works the same way), so no token attends across conversations.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from toolschool.chat.masks import IGNORE_INDEX, Tokenised, tokenise_segments
from toolschool.chat.prompt import ChatMLLayout, Layout
from toolschool.formats.base import ToolFormat
from toolschool.types import Conversation


@dataclass
class EncodedSet:
    """Tokenised examples plus statistics (tokens, trainable tokens, truncated count)."""

    examples: list[Tokenised]
    n_tokens: int
    n_trainable: int
    n_truncated: int


def encode_conversations(
    conversations: list[Conversation],
    tokenizer: Any,
    fmt: ToolFormat,
    system: str,
    max_length: int,
    layout: Layout | None = None,
) -> EncodedSet:
    """Render each conversation in ``layout``'s turns + ``fmt`` and tokenise with assistant-only
    labels (:func:`~toolschool.chat.masks.tokenise_segments`).

    Args:
        conversations: the training conversations.
        tokenizer: a fast Hugging Face tokenizer (text tokenised with
            ``add_special_tokens=False``: a BOS the layout writes is not doubled).
        fmt: the wire format taught.
        system: the system prompt (a conversation's own leading system message wins).
        max_length: examples longer than this many tokens are cut from the right.
        layout: the model's turn layout (:func:`toolschool.chat.resolve.resolve_layout`);
            None: :class:`~toolschool.chat.prompt.ChatMLLayout` (what toolschool used before
            layouts were resolved per model). Segments come from ``layout.segments``, so a
            :class:`~toolschool.chat.resolve.TokenizerTemplateLayout` trains in its toolschool
            layout.

    Examples with no trainable token left after truncation are dropped (counted in
    ``n_truncated``).

    Raises:
        DataError: a conversation the layout cannot place.
        ValueError: a slow tokenizer (no offsets).
    """
    layout = ChatMLLayout() if layout is None else layout
    examples, truncated = [], 0
    for conv in conversations:
        segments = layout.segments(conv.messages, conv.tools, fmt, system)
        full = tokenise_segments(segments, tokenizer)
        if len(full.input_ids) > max_length:
            truncated += 1
            full = Tokenised(full.input_ids[:max_length], full.labels[:max_length])
            if full.n_trainable == 0:
                continue
        examples.append(full)
    return EncodedSet(
        examples,
        sum(len(e.input_ids) for e in examples),
        sum(e.n_trainable for e in examples),
        truncated,
    )


def length_grouped_batches(lengths: list[int], batch_size: int, seed: int) -> list[list[int]]:
    """Index batches grouped by length (see module docstring). Deterministic for a seed."""
    rng = random.Random(seed)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    mega = batch_size * 50
    batches: list[list[int]] = []
    for i in range(0, len(order), mega):
        chunk = sorted(order[i : i + mega], key=lambda k: -lengths[k])
        batches += [chunk[j : j + batch_size] for j in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def collate(examples: list[Tokenised], pad_id: int, pad_to_multiple_of: int = 1) -> dict[str, Any]:
    """Right-pad a batch: ``input_ids``, ``attention_mask``, ``labels`` as ``LongTensor[B, T]``.

    ``T`` is the longest example rounded up to a multiple of ``pad_to_multiple_of`` (as in
    transformers' ``DataCollatorWithPadding``): fewer distinct shapes means fewer oneDNN
    kernels built and cached on CPU, and less allocator churn between steps.
    """
    import torch

    width = max(len(e.input_ids) for e in examples)
    width = -(-width // pad_to_multiple_of) * pad_to_multiple_of
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE_INDEX, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, e in enumerate(examples):
        n = len(e.input_ids)
        ids[row, :n] = torch.tensor(e.input_ids)
        labels[row, :n] = torch.tensor(e.labels)
        mask[row, :n] = 1
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def pack_examples(lengths: list[int], capacity: int) -> list[list[int]]:
    """Best-fit decreasing bin packing of examples into rows of at most ``capacity`` tokens.

    Examples are placed longest first (ties: lower index first), each into the open row with
    the least room that still fits it, else into a new row — TRL's default ``bfd`` strategy.
    Returns the rows as lists of example indices (each index exactly once, longest first
    within a row); deterministic, independent of any seed. Raises ``ValueError`` if an
    example is longer than ``capacity``.
    """
    rows: list[list[int]] = []
    room: list[tuple[int, int]] = []  # (free tokens, row index), sorted
    for i in sorted(range(len(lengths)), key=lambda k: (-lengths[k], k)):
        n = lengths[i]
        if n > capacity:
            raise ValueError(f"example {i} has {n} tokens, more than the packing capacity {capacity}")
        at = bisect.bisect_left(room, (n, -1))
        if at < len(room):
            free, row = room.pop(at)
        else:
            free, row = capacity, len(rows)
            rows.append([])
        rows[row].append(i)
        bisect.insort(room, (free - n, row))
    return rows


def collate_packed(
    rows: list[list[Tokenised]], pad_id: int, pad_to_multiple_of: int = 1
) -> dict[str, Any]:
    """Concatenate each row's examples: ``input_ids``, ``labels``, ``position_ids`` and
    ``attention_mask`` (1 on real tokens; for counting only, not for the model) as
    ``LongTensor[B, T]``.

    ``position_ids`` restart at 0 at each example (and at the right padding, which thus forms
    its own block), the cue transformers reads to keep attention within each example when no
    ``attention_mask`` is passed. The first label of every example is -100, so no example's
    first token is predicted from the one before it.
    """
    import torch

    width = max(sum(len(e.input_ids) for e in row) for row in rows)
    width = -(-width // pad_to_multiple_of) * pad_to_multiple_of
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), width), IGNORE_INDEX, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    positions = torch.zeros((len(rows), width), dtype=torch.long)
    for r, row in enumerate(rows):
        at = 0
        for e in row:
            n = len(e.input_ids)
            ids[r, at : at + n] = torch.tensor(e.input_ids)
            labels[r, at : at + n] = torch.tensor(e.labels)
            labels[r, at] = IGNORE_INDEX
            positions[r, at : at + n] = torch.arange(n)
            at += n
        mask[r, :at] = 1
        positions[r, at:] = torch.arange(width - at)
    return {"input_ids": ids, "attention_mask": mask, "labels": labels, "position_ids": positions}


def batch_units(encoded: EncodedSet, pack_length: int | None = None) -> int:
    """How many rows an epoch has: examples, or packed rows of ``pack_length`` tokens."""
    if pack_length is None:
        return len(encoded.examples)
    return len(pack_examples([len(e.input_ids) for e in encoded.examples], pack_length))


def iterate_batches(
    encoded: EncodedSet,
    batch_size: int,
    seed: int,
    epochs: float,
    pad_id: int,
    pad_to_multiple_of: int = 1,
    skip: int = 0,
    pack_length: int | None = None,
    rank: int = 0,
    world: int = 1,
) -> Iterator[dict[str, Any]]:
    """Yield collated batches for ``epochs`` passes (a fractional last pass is cut short).

    ``skip``: the first ``skip`` batches of that order are passed over without being collated
    (where a resumed run continues; the order depends only on ``seed``). With ``pack_length``
    each row is a packed row of :func:`pack_examples` (the same rows every epoch, shuffled
    per epoch and cut into batches of ``batch_size`` rows; :func:`collate_packed`), else one
    example (length-grouped batches, :func:`collate`). ``rank`` of ``world`` processes gets
    every ``world``-th batch after the skipped ones, starting at its ``rank``; the others' are
    not collated.
    """
    lengths = [len(e.input_ids) for e in encoded.examples]
    packs = pack_examples(lengths, pack_length) if pack_length is not None else None
    units = len(packs) if packs is not None else len(lengths)
    per_epoch = -(-units // batch_size)
    total = max(1, round(per_epoch * epochs))
    produced, epoch = 0, 0
    while produced < total:
        if packs is not None:
            order = list(range(len(packs)))
            random.Random(seed + epoch).shuffle(order)
            plan = [order[j : j + batch_size] for j in range(0, len(order), batch_size)]
        else:
            plan = length_grouped_batches(lengths, batch_size, seed + epoch)
        for batch in plan:
            if produced >= total:
                return
            if produced >= skip and (produced - skip) % world == rank:
                if packs is not None:
                    rows = [[encoded.examples[i] for i in packs[p]] for p in batch]
                    yield collate_packed(rows, pad_id, pad_to_multiple_of)
                else:
                    yield collate([encoded.examples[i] for i in batch], pad_id, pad_to_multiple_of)
            produced += 1
        epoch += 1


def count_batches(n_examples: int, batch_size: int, epochs: float) -> int:
    """Number of micro-batches :func:`iterate_batches` yields."""
    return max(1, round(-(-n_examples // batch_size) * epochs))
