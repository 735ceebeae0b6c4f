"""Canonical conversations ⇄ Hugging Face ``datasets`` (``save_to_disk``, Parquet or JSON Lines).

Arrow stores one schema per column, so ``datasets`` gives every struct in a column the union
of all keys and fills the missing ones with ``None``: tool-call arguments of different tools
(``{"query"}`` and ``{"value", "from", "to"}``) would come back as ``{"query": None, "value":
23, ...}``, and tool schemas likewise. toolschool therefore stores ``tools``, each call's
``arguments`` and ``meta`` as JSON strings (as xLAM and LLaMA-Factory publish theirs) under a
fixed :data:`FEATURES` schema; :func:`from_row` decodes them. ``datasets`` is imported only
here, only when used (``pip install 'toolschool[hf]'``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from toolschool.errors import DataError
from toolschool.interop.source import iter_source
from toolschool.types import Conversation

Layout = Literal["disk", "parquet", "jsonl"]


def _datasets() -> Any:
    try:
        import datasets
    except ImportError:  # pragma: no cover - datasets comes with the hf and test extras
        raise DataError("Hugging Face datasets need `datasets` (pip install 'toolschool[hf]')") from None
    return datasets


def features() -> Any:
    """The fixed ``datasets.Features`` of an exported conversation (strings for every
    free-form JSON value)."""
    ds = _datasets()
    text = ds.Value("string")
    call = {"id": text, "name": text, "arguments": text}
    message = {"role": text, "content": text, "tool_calls": ds.List(call), "tool_call_id": text, "name": text}
    return ds.Features({"id": text, "messages": ds.List(message), "tools": text, "meta": text})


def to_row(conversation: Conversation, index: int) -> dict[str, Any]:
    """One row: ``id`` (``meta["id"]`` or ``index``), ``messages`` with JSON-string arguments,
    ``tools`` and ``meta`` as JSON strings."""
    messages = []
    for m in conversation.messages:
        calls = [{"id": c.id, "name": c.name, "arguments": json.dumps(c.arguments, ensure_ascii=False)}
                 for c in m.tool_calls]
        messages.append({"role": m.role, "content": m.content, "tool_calls": calls,
                         "tool_call_id": m.tool_call_id, "name": m.name})
    return {
        "id": str(conversation.meta.get("id", index)),
        "messages": messages,
        "tools": json.dumps([t.to_openai() for t in conversation.tools], ensure_ascii=False),
        "meta": json.dumps(conversation.meta, ensure_ascii=False),
    }


def from_row(row: dict[str, Any], where: str) -> Conversation:
    """The conversation of a row written by :func:`to_row` (or any row with ``messages`` and
    JSON-string ``tools``/``meta``).

    Raises:
        DataError: the row is not a valid conversation (``where`` and the field named).
    """
    data = dict(row)
    data.pop("id", None)
    meta = data.get("meta")
    if isinstance(meta, str):
        try:
            data["meta"] = json.loads(meta) if meta else {}
        except json.JSONDecodeError as exc:
            raise DataError(f"{where}: field 'meta' is a string but not JSON ({exc.msg})") from None
    elif meta is None:
        data["meta"] = {}
    try:
        return Conversation.model_validate(data)
    except ValueError as exc:
        raise DataError(f"{where}: not a valid conversation: {exc}") from None


def write_hf(conversations: Iterable[Conversation], out: str | os.PathLike[str],
             layout: Layout = "disk") -> int:
    """Write conversations as a ``datasets.Dataset``: ``save_to_disk(out)`` (``disk``),
    ``to_parquet(out)`` or ``to_json(out, lines=True)``.

    Returns:
        The number of rows written.
    """
    ds = _datasets()
    if layout not in ("disk", "parquet", "jsonl"):
        raise DataError(f"unknown Hugging Face layout {layout!r} (disk, parquet, jsonl)")
    rows = [to_row(c, i) for i, c in enumerate(conversations)]
    dataset = ds.Dataset.from_list(rows, features=features())
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    bars = ds.is_progress_bar_enabled()
    ds.disable_progress_bars()  # library code does not print; the CLI reports the count
    try:
        if layout == "disk":
            dataset.save_to_disk(str(out))
        elif layout == "parquet":
            dataset.to_parquet(str(out))
        else:
            dataset.to_json(str(out), lines=True, force_ascii=False)
    finally:
        if bars:
            ds.enable_progress_bars()
    return len(rows)


def iter_hf_rows(path: str | os.PathLike[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(where, row)`` of a ``save_to_disk`` directory (``where`` = ``dir: row n``), or of a
    Parquet or JSON Lines file (:func:`~toolschool.interop.source.iter_source`).

    Raises:
        DataError: a directory that is not a saved dataset, or an unreadable file.
    """
    path = Path(path)
    if not path.is_dir():
        yield from iter_source(path)
        return
    ds = _datasets()
    try:
        dataset = ds.load_from_disk(str(path))
    except (FileNotFoundError, ValueError) as exc:
        raise DataError(f"{path}: not a saved Hugging Face dataset ({exc})") from None
    for i, row in enumerate(dataset):
        yield f"{path}: row {i}", row


def read_hf(path: str | os.PathLike[str]) -> list[Conversation]:
    """The conversations of :func:`iter_hf_rows` (what :func:`write_hf` wrote).

    Raises:
        DataError: as :func:`iter_hf_rows`, or a row that is not a conversation.
    """
    return [from_row(row, where) for where, row in iter_hf_rows(path)]
