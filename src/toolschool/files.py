"""Crash-safe file writes: a temporary sibling file, flushed to disk, renamed into place.

A reader never sees half a file, and an interrupted write leaves the old file (or none).
Files get the permissions an ordinary ``open(path, "w")`` would give them (``0o666`` less
the process umask), not the owner-only ``0o600`` of :func:`tempfile.mkstemp`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[TextIO]:
    """Open a text handle whose content replaces ``path`` only when the block ends cleanly.

    Parent directories are created. On an exception the temporary file is removed and
    ``path`` is left as it was.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_writer`); returns the path."""
    with atomic_writer(path) as handle:
        handle.write(text)
    return Path(path)


def replace_dir(new: str | os.PathLike[str], target: str | os.PathLike[str]) -> Path:
    """Put the finished directory ``new`` in the place of ``target`` (renames, same filesystem).

    The old ``target``, if any, is renamed aside first and removed after the new one is in
    place, so a reader sees the old directory or the new one, never a half-written one; a
    crash between the two renames leaves the old one as ``<target>.old``. Returns ``target``.
    """
    import shutil

    new, target = Path(new), Path(target)
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)
    return target
