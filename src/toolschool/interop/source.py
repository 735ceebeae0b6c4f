"""Reading and writing the files other projects publish their data in.

Public tool-calling datasets come as JSON Lines (BFCL, despite its ``.json`` names), as one
JSON array (xLAM's ``xlam_function_calling_60k.json``, Glaive's, LLaMA-Factory's ``data/*.json``)
or as Parquet (the Hugging Face hub's conversions). :func:`iter_source` reads all three and
gives each record with its location — ``file:line`` for JSON (the line where the record
starts, for arrays too) and ``file: row n`` for Parquet — so every error names where it is.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from toolschool.errors import DataError
from toolschool.files import atomic_writer
from toolschool.types import parse_json_line

_WHITESPACE = " \t\r\n"


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WHITESPACE:
        pos += 1
    return pos


def _iter_array(path: Path, text: str, start: int) -> Iterator[tuple[str, Any]]:
    decoder = json.JSONDecoder()
    pos, line, counted = _skip(text, start + 1), 1, 0
    while True:
        if pos >= len(text):
            raise DataError(f"{path}: the JSON array is not closed")
        if text[pos] == "]":
            if _skip(text, pos + 1) != len(text):
                line += text.count("\n", counted, pos)
                raise DataError(f"{path}:{line}: text after the closing ']' of the JSON array")
            return
        line += text.count("\n", counted, pos)
        counted = pos
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}:{exc.lineno}: column {exc.colno}: invalid JSON ({exc.msg})") from None
        yield f"{path}:{line}", value
        pos = _skip(text, end)
        if pos < len(text) and text[pos] == ",":
            pos = _skip(text, pos + 1)
        elif pos < len(text) and text[pos] != "]":
            line += text.count("\n", counted, pos)
            raise DataError(f"{path}:{line}: expected ',' or ']' between array items")


def _iter_parquet(path: Path) -> Iterator[tuple[str, Any]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - pyarrow comes with the hf extra
        raise DataError(f"{path}: reading Parquet needs pyarrow (pip install 'toolschool[hf]')") from None
    table = pq.read_table(path)
    for i, row in enumerate(table.to_pylist()):
        yield f"{path}: row {i}", row


def iter_source(path: str | os.PathLike[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(where, record)`` for every record of a JSON Lines, JSON array or Parquet file.

    Args:
        path: ``*.parquet`` is read as Parquet; any other file is JSON, an array when its first
            non-blank character is ``[``, else JSON Lines (blank lines skipped).

    Raises:
        DataError: the file does not exist or cannot be read, invalid JSON (file, line,
            column), or a record that is not a JSON object (file and line).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path} does not exist")
    if path.suffix == ".parquet":
        records: Iterable[tuple[str, Any]] = _iter_parquet(path)
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(f"{path}: cannot read: {exc}") from None
        first = _skip(text, 0)
        if first < len(text) and text[first] == "[":
            records = _iter_array(path, text, first)
        else:
            records = (
                (f"{path}:{lineno}", parse_json_line(path, lineno, line))
                for lineno, line in enumerate(text.split("\n"), 1)  # not splitlines: U+2028 is JSON text
                if line.strip()
            )
    for where, value in records:
        if not isinstance(value, dict):
            raise DataError(f"{where}: expected a JSON object, got {type(value).__name__}")
        yield where, value


def json_field(record: dict[str, Any], key: str, where: str, kind: type, required: bool = True) -> Any:
    """``record[key]`` as ``kind`` (``list`` or ``dict``), decoding a JSON string if need be.

    Published datasets keep nested values as JSON strings (xLAM's ``tools`` and ``answers``,
    ShareGPT's ``tools``) so that Hugging Face ``datasets`` stores them as one column type.

    Returns:
        The value; ``kind()`` (empty) when the key is missing or ``""`` and not ``required``.

    Raises:
        DataError: ``{where}: field '{key}' ...`` when the key is missing (and required), the
            string is not JSON, or the value is not a ``kind``.
    """
    value = record.get(key)
    if value is None or value == "":
        if required:
            raise DataError(f"{where}: missing field '{key}'")
        return kind()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise DataError(f"{where}: field '{key}' is a string but not JSON "
                            f"({exc.msg} at column {exc.colno})") from None
    if not isinstance(value, kind):
        raise DataError(f"{where}: field '{key}' must be a {'list' if kind is list else 'JSON object'}, "
                        f"got {type(value).__name__}")
    return value


def text_field(record: dict[str, Any], key: str, where: str, required: bool = True) -> str:
    """``record[key]`` as a string (``""`` when missing and not ``required``).

    Raises:
        DataError: the key is missing (and required) or not a string.
    """
    value = record.get(key)
    if value is None:
        if required:
            raise DataError(f"{where}: missing field '{key}'")
        return ""
    if not isinstance(value, str):
        raise DataError(f"{where}: field '{key}' must be a string, got {type(value).__name__}")
    return value


def write_records(path: str | os.PathLike[str], records: Iterable[dict[str, Any]]) -> int:
    """Write records atomically: JSON Lines when ``path`` ends in ``.jsonl``, else one JSON array
    with a record per line (the layout of xLAM's, Glaive's and LLaMA-Factory's ``.json`` files).

    Returns:
        The number of records written.
    """
    lines = str(path).endswith(".jsonl")
    count = 0
    with atomic_writer(path) as handle:
        if not lines:
            handle.write("[")
        for record in records:
            text = json.dumps(record, ensure_ascii=False)
            if lines:
                handle.write(text + "\n")
            else:
                handle.write(("\n" if count == 0 else ",\n") + text)
            count += 1
        if not lines:
            handle.write("\n]\n" if count else "]\n")
    return count
