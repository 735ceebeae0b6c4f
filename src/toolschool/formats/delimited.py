"""Streaming skeleton for formats whose calls sit between an opening and a closing marker.

Hermes (``<tool_call>…</tool_call>``), TOOL_USE (``TOOL_USE[…]``) and Gemma 4
(``<|tool_call>…<tool_call|>``) all have the same outer shape: plain content, then a
call that starts with a fixed marker, then more content or calls. This module owns that
outer shape — finding markers across chunk boundaries, holding back text that might be
the start of a marker, and the whitespace rule for content — so each format only
parses the inside of one call.

Content rule (shared by all three formats, so ``parse`` is the same however the text
is chunked):

* text outside calls is content; whitespace that touches a call (the newline before a
  call, between calls, after the last call) is dropped;
* non-empty content on both sides of a call is joined with one ``"\\n"``;
* text that only *might* be a marker (``"<tool_ca"`` at the end of a chunk), and trailing
  whitespace, is held back until the next chunk disambiguates it; ``finish`` flushes it.

Offsets in :class:`~toolschool.formats.base.ParseError` are 0-based character offsets in
the whole output (all chunks concatenated).
"""

from __future__ import annotations

import json
import re
from abc import abstractmethod
from typing import Any

from toolschool.formats.base import ParseError, ParseResult, StreamEvent, StreamParser
from toolschool.types import ToolCall

_SNIPPET = 60
_STRING_RUN = re.compile(r'[^"\\\x00-\x1f]*')


def partial_suffix(text: str, marker: str) -> int:
    """Length of the longest suffix of ``text`` that is a proper prefix of ``marker``.

    ``partial_suffix("ab <tool", "<tool_call>") == 5``; 0 when nothing needs holding back.
    """
    for size in range(min(len(text), len(marker) - 1), 0, -1):
        if marker.startswith(text[-size:]):
            return size
    return 0


def decode_json(raw: str, prefix_only: bool = False) -> tuple[Any, str | None, int]:
    """Decode JSON without ever raising on bad input.

    Returns ``(value, None, end)`` on success or ``(None, message, position)`` on failure
    (``position`` is relative to ``raw``). With ``prefix_only``, text after the first
    value is allowed (``raw_decode``). Nesting too deep for the decoder is a failure, not
    a ``RecursionError``.
    """
    try:
        if prefix_only:
            value, end = json.JSONDecoder().raw_decode(raw)
            return value, None, end
        return json.loads(raw), None, len(raw)
    except json.JSONDecodeError as exc:
        return None, exc.msg.removesuffix(" at"), exc.pos
    except RecursionError:
        return None, "JSON nested too deeply", 0


class DelimitedStreamParser(StreamParser):
    """Incremental parser for ``content <start>call…<end> content`` outputs.

    Subclasses set :attr:`start` and implement :meth:`_begin_call` and :meth:`_call_step`.
    While a call is open, ``self._call`` holds the text after the opening marker and
    ``self._body_offset`` its offset in the whole output; the subclass scans it
    incrementally, reports through :meth:`_announce`, :meth:`_delta`, :meth:`_finish_call`
    and :meth:`_error`, and tells the skeleton where the call region ends.

    Indices: a call gets an index when its name is announced; indices count announced
    calls (0, 1, 2…), so a malformed call that never got a name does not use one up.

    Raises:
        RuntimeError: ``feed`` or ``finish`` after ``finish`` (misuse, not bad output).
    """

    start: str = ""

    def __init__(self) -> None:
        self._result = ParseResult()
        self._buf = ""  # outside text not yet emitted
        self._buf_offset = 0  # offset of _buf[0] in the whole output
        self._call: str | None = None  # text after the opening marker, while in a call
        self._call_offset = 0  # offset of the opening marker
        self._body_offset = 0  # offset of _call[0]
        self._index = 0
        self._announced = False
        self._announced_name = ""
        self._strip_leading = False
        self._has_content = False
        self._separate = False
        self._done = False

    # -- StreamParser -------------------------------------------------------------------

    #: a chunk longer than this is consumed in pieces of this size: the skeleton copies the
    #: unconsumed rest of its buffer when a call ends, so one huge chunk (``parse`` of a
    #: 1 MB output) would cost O(n²); pieces keep every copy short and the parse linear
    piece_size = 4096

    def feed(self, chunk: str) -> list[StreamEvent]:
        """Consume ``chunk``; return the events it completes."""
        if self._done:
            raise RuntimeError(f"{type(self).__name__}.feed() called after finish()")
        events: list[StreamEvent] = []
        size = self.piece_size
        for at in range(0, len(chunk), size) if len(chunk) > size else (0,):
            piece = chunk[at : at + size] if len(chunk) > size else chunk
            if self._call is not None:
                self._call += piece
            else:
                self._buf += piece
            self._run(events, final=False)
        return events

    def finish(self) -> list[StreamEvent]:
        """End of output: close an open call (as the format allows) and flush content."""
        if self._done:
            raise RuntimeError(f"{type(self).__name__}.finish() called twice")
        events: list[StreamEvent] = []
        self._run(events, final=True)
        self._done = True
        return events

    # -- the outer loop -----------------------------------------------------------------

    def _run(self, events: list[StreamEvent], final: bool) -> None:
        while True:
            if self._call is not None:
                end = self._call_step(events, final)
                if end is None:
                    if final:  # a subclass must always close the region at the end
                        raise AssertionError(f"{type(self).__name__}._call_step left a call open at finish")
                    return
                self._buf = self._call[end:]
                self._buf_offset = self._body_offset + end
                self._call = None
                if self._announced:
                    self._index += 1
                    self._announced = False
                self._strip_leading = True
                self._separate = True
            elif not self._outside_step(events, final):
                return

    def _outside_step(self, events: list[StreamEvent], final: bool) -> bool:
        """Emit safe content; return True when a call was opened."""
        buf = self._buf
        if self._strip_leading:
            stripped = buf.lstrip()
            self._buf_offset += len(buf) - len(stripped)
            buf = stripped
            if buf:
                self._strip_leading = False
        at = buf.find(self.start)
        if at >= 0:
            self._emit_content(events, buf[:at].rstrip())
            self._call_offset = self._buf_offset + at
            self._body_offset = self._call_offset + len(self.start)
            self._call = buf[at + len(self.start) :]
            self._buf = ""
            self._begin_call()
            return True
        if final:
            keep = len(buf)
        else:
            keep = len(buf[: len(buf) - partial_suffix(buf, self.start)].rstrip())
        self._emit_content(events, buf[:keep])
        self._buf = buf[keep:]
        self._buf_offset += keep
        return False

    def _emit_content(self, events: list[StreamEvent], text: str) -> None:
        if not text:
            return
        if self._separate and self._has_content:
            text = "\n" + text
        self._separate = False
        self._has_content = True
        self._emit(events, StreamEvent("content", text=text))

    # -- helpers for subclasses ---------------------------------------------------------

    def _announce(self, events: list[StreamEvent], name: str) -> None:
        """Emit ``call_started`` for the current call (once)."""
        if not self._announced:
            self._announced = True
            self._announced_name = name
            self._emit(events, StreamEvent("call_started", index=self._index, name=name))

    def _delta(self, events: list[StreamEvent], text: str) -> None:
        """Emit ``arguments_delta`` for the current (announced) call."""
        if text:
            self._emit(events, StreamEvent("arguments_delta", text=text, index=self._index))

    def _finish_call(self, events: list[StreamEvent], call: ToolCall) -> None:
        """Emit ``call_finished`` (announcing the call first if that has not happened)."""
        self._announce(events, call.name)
        self._flush_arguments(events)
        self._emit(events, StreamEvent("call_finished", index=self._index, name=call.name, call=call))

    def _error(self, events: list[StreamEvent], message: str, offset: int) -> None:
        """Emit an ``error`` at ``offset`` (whole-output offset inside the current call)."""
        self._flush_arguments(events)
        text = self.start + (self._call or "")
        rel = max(0, offset - self._call_offset)
        snippet = text[rel : rel + _SNIPPET]
        error = ParseError(message, offset, snippet)
        self._emit(events, StreamEvent("error", index=self._index if self._announced else -1, error=error))

    # -- the format's part --------------------------------------------------------------

    def _flush_arguments(self, events: list[StreamEvent]) -> None:
        """Emit argument text scanned but not yet sent; called before every call-ending event.

        Keeps the event order independent of chunking: all of a call's deltas come before
        its ``call_finished`` or ``error``.
        """

    @abstractmethod
    def _begin_call(self) -> None:
        """Reset per-call state; ``self._call`` holds the text after the opening marker."""

    @abstractmethod
    def _call_step(self, events: list[StreamEvent], final: bool) -> int | None:
        """Scan more of ``self._call``.

        Returns the index in ``self._call`` just after the call region (the text after it
        is outside content again), or None when more text is needed. With ``final`` true
        there is no more text: the call must be closed (as a call or an error) and an
        index returned.
        """


class JsonObjectScanner:
    """Finds where a JSON object (or array) ends, one character at a time.

    It tracks strings (with backslash escapes) and a bracket stack, which is enough to
    tell that ``{"q": "a ] } < b"}`` ends at its last ``}`` without decoding anything;
    the caller decodes the finished text with :mod:`json` to get values and precise
    errors.

    Args:
        strict_strings: treat a raw control character (a newline…) inside a string as
            broken JSON, as :func:`json.loads` does. Hermes uses this to resynchronise on
            ``</tool_call>`` after an unterminated string; TOOL_USE turns it off so that a
            multi-line string is still scanned to its end (and then reported by ``json``).

    Attributes:
        in_string: inside a string literal.
        depth: number of open brackets.
        done: the first bracket was closed; the value is complete.
        broken: a character that cannot occur there in JSON was seen (a closing bracket
            of the wrong kind, a raw control character inside a string when strict, or a character
            outside strings that no JSON token contains, such as ``<`` or ``'``). After
            that the scanner stops; the caller decides how to recover.
    """

    _BARE = frozenset(" \t\r\n:,+-.0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

    def __init__(self, strict_strings: bool = True) -> None:
        self._strict = strict_strings
        self._stack: list[str] = []
        self.in_string = False
        self._escape = False
        self.done = False
        self.broken = False

    @property
    def depth(self) -> int:
        return len(self._stack)

    def skip_string(self, text: str, i: int) -> int:
        """Index of the next character at or after ``i`` that :meth:`step` must see.

        Inside a string (and not after a backslash) every character but ``"``, ``\\`` and
        control characters is inert, so a caller may jump over the run in one regex match
        instead of stepping through it; elsewhere returns ``i``.
        """
        if self.in_string and not self._escape and not self.done and not self.broken:
            return _STRING_RUN.match(text, i).end()
        return i

    def step(self, ch: str) -> None:
        """Consume one character (ignored once ``done`` or ``broken``)."""
        if self.done or self.broken:
            return
        if self.in_string:
            if self._escape:
                self._escape = False
            elif ch == "\\":
                self._escape = True
            elif ch == '"':
                self.in_string = False
            elif ch < " " and self._strict:
                self.broken = True
        elif ch == '"':
            self.in_string = True
        elif ch == "{" or ch == "[":
            self._stack.append("}" if ch == "{" else "]")
        elif ch == "}" or ch == "]":
            if not self._stack or self._stack[-1] != ch:
                self.broken = True
            else:
                self._stack.pop()
                self.done = not self._stack
        elif ch not in self._BARE:
            self.broken = True
