"""Whole-file conversion between canonical JSONL and the published formats.

:func:`import_file` reads a file in a published format and writes canonical JSONL (training
conversations, or eval items with ``as_items``); :func:`export_file` reads canonical JSONL
(conversations or eval items) and writes a published format. Each record that cannot be
converted either stops the conversion (the default: the error names the file, line and
field) or, when asked, is skipped and reported in :class:`ConvertResult`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolschool.errors import DataError, UnrepresentableError
from toolschool.eval.items import EvalItem
from toolschool.interop.bfcl import answers_path, read_bfcl, write_bfcl
from toolschool.interop.canonical import conversation_to_item, item_to_conversation
from toolschool.interop.glaive import read_glaive, write_glaive
from toolschool.interop.sharegpt import read_sharegpt, write_sharegpt
from toolschool.interop.source import iter_source, write_records
from toolschool.interop.xlam import read_xlam, write_xlam
from toolschool.tools.toolkits import get_toolkit
from toolschool.types import Conversation, write_jsonl

#: The formats, in the order the CLI lists them.
FORMATS: tuple[str, ...] = ("bfcl", "xlam", "glaive", "sharegpt", "hf")

_READERS: dict[str, Callable[[dict[str, Any], str], Conversation]] = {
    "xlam": read_xlam, "glaive": read_glaive, "sharegpt": read_sharegpt,
}
_WRITERS: dict[str, Callable[[Conversation, int], dict[str, Any]]] = {
    "xlam": write_xlam, "glaive": write_glaive, "sharegpt": write_sharegpt,
}


@dataclass
class ConvertResult:
    """What a conversion wrote.

    Attributes:
        paths: the files (or directory) written; BFCL writes the questions and their
            ``possible_answer`` file.
        written: records written.
        skipped: one message per record left out (only when skipping was asked for).
    """

    paths: list[Path]
    written: int
    skipped: list[str] = field(default_factory=list)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise DataError(f"unknown data format {fmt!r}; known: {', '.join(FORMATS)}")


def _records(fmt: str, path: Path, answers: str | os.PathLike[str] | None,
             underscore_names: bool) -> tuple[Iterator[tuple[str, Any]], Callable[[Any, str], Any]]:
    """The source records with their locations, and the function converting one (which may raise);
    BFCL files are read and checked whole (questions and answers line up), so their records are
    items already."""
    if fmt == "bfcl":
        return read_bfcl(path, answers, underscore_names), lambda item, where: item
    if fmt == "hf":
        from toolschool.interop.hf import from_row, iter_hf_rows

        return iter_hf_rows(path), lambda row, where: from_row(row, where)
    return iter_source(path), _READERS[fmt]


def import_file(fmt: str, path: str | os.PathLike[str], out: str | os.PathLike[str],
                as_items: bool | None = None, answers: str | os.PathLike[str] | None = None,
                underscore_names: bool = False, skip_invalid: bool = False) -> ConvertResult:
    """Convert a file in ``fmt`` to canonical JSONL at ``out``.

    Args:
        fmt: one of :data:`FORMATS`.
        path: the source file (``hf``: a ``save_to_disk`` directory, Parquet or JSON Lines).
        as_items: write eval items (a conversation's first assistant turn becomes the expected
            calls); None = items for BFCL (which keeps its acceptable values), conversations
            for the others. BFCL as conversations takes each argument's first acceptable value.
        answers: BFCL only: the possible-answer file (default: ``possible_answer/<name>``).
        underscore_names: BFCL only: dots in function names become ``_``.
        skip_invalid: leave out records that do not convert (listed in the result) instead of
            stopping at the first (a BFCL file is checked whole: a bad line stops it).

    Raises:
        DataError: unknown format, unreadable file, or (unless ``skip_invalid``) a record that
            does not convert — the message names the file, line and field.
    """
    _check_format(fmt)
    path = Path(path)
    items = fmt == "bfcl" if as_items is None else as_items
    records: list[Any] = []
    skipped: list[str] = []
    records_in, convert = _records(fmt, path, answers, underscore_names)
    for where, record in records_in:
        try:
            value = convert(record, where)
            if items and isinstance(value, Conversation):
                value = conversation_to_item(value, f"{fmt}_{len(records):06d}")
            elif not items and isinstance(value, dict):
                value = item_to_conversation(value, where)
        except DataError as exc:
            if not skip_invalid:
                raise
            skipped.append(str(exc))
            continue
        records.append(value)
    written = write_jsonl(out, records)
    return ConvertResult([Path(out)], written, skipped)


def export_file(fmt: str, path: str | os.PathLike[str], out: str | os.PathLike[str],
                skip_unsupported: bool = False, hf_layout: str = "disk",
                toolkit: str | None = None) -> ConvertResult:
    """Convert canonical JSONL (conversations or eval items) at ``path`` to ``fmt`` at ``out``.

    Conversations become BFCL items by :func:`~toolschool.interop.canonical.conversation_to_item`;
    eval items become conversations for the other formats by
    :func:`~toolschool.interop.canonical.item_to_conversation`. xLAM, Glaive and ShareGPT files
    are JSON Lines when ``out`` ends in ``.jsonl``, else one JSON array; BFCL writes JSON Lines
    and ``possible_answer/<name>`` beside them; ``hf`` writes a ``datasets`` dataset
    (``hf_layout``: ``disk``, ``parquet`` or ``jsonl``). ``toolkit`` names the tools of eval items
    that carry none (toolschool's generated test items leave them to the harness).

    Raises:
        RegistryError: an unknown ``toolkit``.
        DataError: unknown format, unreadable input (file, line, field), or (unless
            ``skip_unsupported``) a record the format cannot hold
            (:class:`~toolschool.errors.UnrepresentableError`, naming the record and why).
    """
    _check_format(fmt)
    path, out = Path(path), Path(out)
    offered = [t.to_openai() for t in get_toolkit(toolkit)] if toolkit else None
    converted: list[Any] = []
    skipped: list[str] = []
    for index, (where, raw) in enumerate(iter_source(path)):
        try:
            is_item = "expected" in raw
            if is_item and offered and not raw.get("tools"):
                raw = {**raw, "tools": offered}
            if fmt == "bfcl":
                item = raw if is_item else conversation_to_item(_conversation(raw, where), f"item_{index}")
                converted.append(write_bfcl(_item(item, where)))
            else:
                conversation = item_to_conversation(raw, where) if is_item else _conversation(raw, where)
                converted.append(conversation if fmt == "hf" else _WRITERS[fmt](conversation, index))
        except UnrepresentableError as exc:
            if not skip_unsupported:
                raise UnrepresentableError(f"{where}: {exc} (--skip-unsupported leaves such records out)"
                                           ) from None
            skipped.append(f"{where}: {exc}")
    if fmt == "bfcl":
        answer_file = answers_path(out)
        write_jsonl(out, [q for q, _ in converted])
        write_jsonl(answer_file, [a for _, a in converted])
        return ConvertResult([out, answer_file], len(converted), skipped)
    if fmt == "hf":
        from toolschool.interop.hf import write_hf

        return ConvertResult([out], write_hf(converted, out, hf_layout), skipped)  # type: ignore[arg-type]
    return ConvertResult([out], write_records(out, converted), skipped)


def _conversation(raw: dict[str, Any], where: str) -> Conversation:
    try:
        return Conversation.model_validate(raw)
    except ValueError as exc:
        raise DataError(f"{where}: not a valid conversation: {exc}") from None


def _item(raw: dict[str, Any], where: str) -> EvalItem:
    try:
        return EvalItem.model_validate(raw)
    except ValueError as exc:
        raise DataError(f"{where}: not a valid eval item: {exc}") from None
