"""Markdown code fences around a call, for the formats whose calls have no marker of their own.

Models asked for a JSON object or a Python list of calls often wrap it in a Markdown fence::

    Sure.
    ```json
    {"tool_calls": [...]}
    ```

The ``pythonic`` and ``openai`` formats find their calls by shape (a ``[`` before a name, a
``{`` before a key) anywhere in the output, so in lenient mode they both remove such a
fence: the fence line right before a call (```` ``` ```` plus an optional info string, alone
on its line) and the ```` ``` ```` right after the call region, recording one repair.
Strict parsing reads fence lines as content. :class:`FencedStreamParser` is the part of
their outside scanning that they share: the whitespace and closing fence after a region,
finding the fence line before a call, and holding back a line that may become a fence.
"""

from __future__ import annotations

import re

from toolschool.formats.base import StreamEvent
from toolschool.formats.delimited import DelimitedStreamParser

FENCE = "```"
_FENCE_OPEN = re.compile(r"(?:^|\n)[ \t]*```[A-Za-z0-9_+-]*[ \t]*$")  # a fence line ending the text
_FENCE_TAIL = re.compile(r"(?:^|(?<=\n))[ \t]*(?:```[A-Za-z0-9_+-]*|``?)$")  # maybe the start of one


class FencedStreamParser(DelimitedStreamParser):
    """A delimited parser whose call regions may sit inside a Markdown fence (lenient).

    Args:
        lenient: remove the fences (the subclass records the repair).

    Attributes:
        _fresh: the outside text in ``_buf`` starts at a line start (the output's start, or
            right after a call region), so a fence there needs no newline before it.
        _fence_close: a fence was removed before the last call region: a ```` ``` ```` right
            after the region goes too.
    """

    def __init__(self, lenient: bool = False) -> None:
        super().__init__()
        self.lenient = lenient
        self._fresh = True
        self._fence_close = False

    def _lead_in(self, final: bool) -> bool | None:
        """The start of the outside text: the whitespace touching the last region, and the
        closing fence (lenient) go.

        Returns None when scanning of ``self._buf`` may go on, else what ``_outside_step``
        is to return (True: look again; False: wait for more text).
        """
        buf = self._buf
        if self._strip_leading:
            self._fresh = True
            stripped = buf.lstrip()
            self._buf_offset += len(buf) - len(stripped)
            buf = self._buf = stripped
            if not buf:
                return False
            self._strip_leading = False
        if self._fence_close:
            if buf.startswith(FENCE):
                self._buf, self._buf_offset = buf[len(FENCE) :], self._buf_offset + len(FENCE)
                self._fence_close, self._strip_leading = False, True
                return True
            if not final and FENCE.startswith(buf):
                return False
            self._fence_close = False
        return None

    def _fence_before(self, buf: str, lo: int, hi: int) -> int:
        """Lenient: the index in ``buf`` of a fence line that ends ``buf[lo:hi]`` (the text
        before a call, trailing whitespace cut), else -1. At ``lo == 0`` a fence needs no
        newline before it only when ``_fresh``."""
        fence = _FENCE_OPEN.search(buf, lo, hi) if self.lenient else None
        if fence is None or not (fence.group().startswith("\n") or self._fresh):
            return -1
        return fence.start() + fence.group().startswith("\n")

    def _content_end(self, buf: str, lo: int, keep: int, final: bool) -> int:
        """``keep``, cut back (lenient, more text to come) before a line at the end of
        ``buf[lo:keep]`` that may be the start of a fence."""
        if self.lenient and not final:
            tail = _FENCE_TAIL.search(buf, lo, keep)
            if tail is not None and (tail.start() > 0 or self._fresh):
                keep = len(buf[: tail.start()].rstrip())
        return keep

    def _send(self, events: list[StreamEvent], text: str) -> None:
        """Emit outside content (after it, ``_buf`` no longer starts at a line start)."""
        self._emit_content(events, text)
        self._fresh = self._fresh and not text
