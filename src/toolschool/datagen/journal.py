"""An append-only journal of finished items: one JSON object per line, each with a unique ``id``.

A line is appended, flushed and fsynced the moment its item is finished
(:func:`toolschool.types.append_jsonl`), so a killed run loses at most the items still in
flight. Opening a journal (:meth:`Journal.open`) reads what is done and repairs the one
thing a kill (or a power cut) can leave: a torn last line — bytes after the last newline, or a
final line that is not a JSON object with an ``id`` — which is cut off (its item is simply done
again). A bad line *before* the last is not something this writer produces, so it is an error.
A second run on the same journal is refused while the first holds its lock (``flock``; the lock
goes with the process, also on SIGKILL).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, Any

from toolschool.errors import ConfigError, DataError
from toolschool.types import append_jsonl


def _record(line: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value
    return None


class Journal:
    """The finished items of a run, read from ``path`` and appended to it.

    Attributes:
        path: the JSONL file.
        done: ``{id: record}`` of the items finished so far, in journal order.
        repaired: bytes cut off a torn last line when opening (0: none).
    """

    def __init__(self, path: Path, done: dict[str, dict[str, Any]], repaired: int, lock: IO[bytes]):
        self.path = path
        self.done = done
        self.repaired = repaired
        self._lock = lock

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Journal:
        """Lock, read and repair the journal at ``path`` (created when missing).

        Raises:
            ConfigError: another process holds the journal's lock.
            DataError: a line before the last is not a JSON object with a string ``id``, or an
                ``id`` is repeated (file and line).
        """
        import fcntl

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = path.open("ab")
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise ConfigError(f"{path} is being written by another run (it holds the lock)") from None
        try:
            done, keep = cls._read(path)
            size = path.stat().st_size
            if keep < size:
                with path.open("r+b") as handle:
                    handle.truncate(keep)
                    handle.flush()
                    os.fsync(handle.fileno())
        except BaseException:
            lock.close()
            raise
        return cls(path, done, size - keep, lock)

    @staticmethod
    def _read(path: Path) -> tuple[dict[str, dict[str, Any]], int]:
        """(records by id, byte length of the intact prefix)."""
        data = path.read_bytes()
        lines = data.split(b"\n")
        done: dict[str, dict[str, Any]] = {}
        offset = 0
        last_complete = len(lines) - 2  # lines[-1] is what follows the last newline
        for lineno, line in enumerate(lines[:-1], 1):
            if line.strip():
                record = _record(line)
                if record is None:
                    if lineno - 1 == last_complete:
                        return done, offset  # a torn final line: cut it (and any tail after it)
                    raise DataError(f"{path}:{lineno}: not a journal record (a JSON object with a string id)")
                if record["id"] in done:
                    raise DataError(f"{path}:{lineno}: id {record['id']!r} is already in the journal")
                done[record["id"]] = record
            offset += len(line) + 1
        return done, offset

    def append(self, record: dict[str, Any]) -> None:
        """Append ``record`` (a dict with a new string ``id``), flushed and fsynced.

        Raises:
            ValueError: the id is missing or already in the journal.
        """
        key = record.get("id")
        if not isinstance(key, str) or key in self.done:
            raise ValueError(f"journal record needs a new string id, got {key!r}")
        append_jsonl(self.path, record)
        self.done[key] = record

    def close(self) -> None:
        """Release the lock."""
        self._lock.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
