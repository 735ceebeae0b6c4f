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

:class:`JsonArgumentsStreamParser` adds what TOOL_USE and block share inside a call: the
arguments as one JSON object, scanned as it arrives, decoded at its end (lenient: mended).
"""

from __future__ import annotations

from abc import abstractmethod

from toolschool.formats.base import ParseError, ParseResult, StreamEvent, StreamParser
from toolschool.formats.json_object import JsonObjectScanner, QuoteTolerantScanner, decode_json, mend_json
from toolschool.types import ToolCall

_SNIPPET = 60


def partial_suffix(text: str, marker: str) -> int:
    """Length of the longest suffix of ``text`` that is a proper prefix of ``marker``.

    ``partial_suffix("ab <tool", "<tool_call>") == 5``; 0 when nothing needs holding back.
    """
    for size in range(min(len(text), len(marker) - 1), 0, -1):
        if marker.startswith(text[-size:]):
            return size
    return 0


class ContentRuleStreamParser(StreamParser):
    """A stream parser that emits content by the content rule of this module.

    :meth:`_emit_content` joins content on both sides of a call with ``"\\n"``; the parser
    sets ``_separate`` when a call region ends (whitespace touching the call is its own job).
    """

    _separate = False  # a call region ended since the last content
    _has_content = False  # some content was emitted

    def _emit_content(self, events: list[StreamEvent], text: str) -> None:
        if not text:
            return
        if self._separate and self._has_content:
            text = "\n" + text
        self._separate = False
        self._has_content = True
        self._emit(events, StreamEvent("content", text=text))


class DelimitedStreamParser(ContentRuleStreamParser):
    """Incremental parser for ``content <start>call…<end> content`` outputs.

    Subclasses set :attr:`start` (or :attr:`starts`, for formats with several kinds of region,
    such as a call and a reasoning block) and implement :meth:`_begin_call` and :meth:`_call_step`.
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
    #: several markers that open a region (the earliest found wins; none may contain another),
    #: when a format has more than :attr:`start`; empty means ``(start,)``
    starts: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.opened = self.start  # the marker that opened the current (or last) region
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
        self._input_at = 0  # while a long chunk is fed in pieces: how much of it has been fed
        self._delta_pos = self._args_limit = 0  # argument text sent / scanned (_flush_arguments)

    # -- StreamParser -------------------------------------------------------------------

    #: a chunk longer than this is consumed in pieces: the skeleton copies the unconsumed
    #: rest of its buffer when a region ends, so one huge chunk (``parse`` of a 1 MB output)
    #: would cost O(n²). A piece is this long, or as long as the text it is appended to (a call
    #: so far, or outside text a format holds back), so that appending copies O(n) in all; and
    #: when a region ends, all but this much of its unscanned rest goes back to the chunk (see
    #: :meth:`_end_region`)
    piece_size = 4096

    def feed(self, chunk: str) -> list[StreamEvent]:
        """Consume ``chunk``; return the events it completes."""
        if self._done:
            raise RuntimeError(f"{type(self).__name__}.feed() called after finish()")
        events: list[StreamEvent] = []
        if len(chunk) <= self.piece_size:
            self._append(chunk)
            self._run(events, final=False)
            return events
        while self._input_at < len(chunk):
            held = self._buf if self._call is None else self._call
            size = max(self.piece_size, len(held))
            piece = chunk[self._input_at : self._input_at + size]
            self._input_at += len(piece)
            self._append(piece)
            self._run(events, final=False)
        self._input_at = 0
        return events

    def _append(self, piece: str) -> None:
        if self._call is not None:
            self._call += piece
        else:
            self._buf += piece

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
                self._end_call()
                self._end_region(end)
            elif not self._outside_step(events, final):
                return

    def _end_region(self, end: int) -> None:
        """The region ends at ``self._call[end]``: the rest is outside text again.

        A rest longer than :attr:`piece_size` is cut to that, and the cut-off part goes back
        to the chunk being fed (it is the end of the text fed so far, so it lies there), to be
        fed again piece by piece: no long text is copied twice.
        """
        rest = self._call[end:] if self._call is not None else ""
        back = len(rest) - self.piece_size
        if 0 < back <= self._input_at:
            self._input_at -= back
            rest = rest[: self.piece_size]
        self._buf = rest
        self._buf_offset = self._body_offset + end
        self._call = None
        self._strip_leading = True
        self._separate = True

    def _outside_step(self, events: list[StreamEvent], final: bool) -> bool:
        """Emit safe content; return True when a region was opened (:attr:`opened` says by which marker)."""
        buf = self._buf
        if self._strip_leading:
            stripped = buf.lstrip()
            self._buf_offset += len(buf) - len(stripped)
            buf = stripped
            if buf:
                self._strip_leading = False
        markers = self.starts or (self.start,)
        at, opened = -1, ""
        for marker in markers:
            found = buf.find(marker)
            if found >= 0 and (at < 0 or found < at):
                at, opened = found, marker
        if at >= 0:
            self._emit_content(events, buf[:at].rstrip())
            self.opened = opened
            self._call_offset = self._buf_offset + at
            self._body_offset = self._call_offset + len(opened)
            self._call = buf[at + len(opened) :]
            self._buf = ""
            self._begin_call()
            return True
        if final:
            keep = len(buf)
        else:
            hold = max(partial_suffix(buf, marker) for marker in markers)
            keep = len(buf[: len(buf) - hold].rstrip())
        self._emit_content(events, buf[:keep])
        self._buf = buf[keep:]
        self._buf_offset += keep
        return False

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
        """Emit an ``error`` at ``offset`` (whole-output offset inside the current call).

        The snippet is the call text from ``offset`` on (the opening marker included when the
        error is at it).
        """
        self._flush_arguments(events)
        call = self._call or ""
        if offset >= self._body_offset:
            text, rel = call, offset - self._body_offset
        else:
            text, rel = self.opened + call, max(0, offset - self._call_offset)
        error = ParseError(message, offset, text[rel : rel + _SNIPPET])
        self._emit(events, StreamEvent("error", index=self._index if self._announced else -1, error=error))

    def _end_call(self) -> None:
        """The current call is over (finished or failed): the next one gets the next index."""
        if self._announced:
            self._index += 1
            self._announced = False

    # -- the format's part --------------------------------------------------------------

    def _flush_arguments(self, events: list[StreamEvent]) -> None:
        """Emit argument text scanned but not yet sent; called before every call-ending event.

        Keeps the event order independent of chunking: all of a call's deltas come before
        its ``call_finished`` or ``error``. The default sends ``self._call[_delta_pos:_args_limit]``
        (a format sets both where the arguments start and moves ``_args_limit`` as it scans them).
        """
        if self._announced and self._args_limit > self._delta_pos:
            self._delta(events, (self._call or "")[self._delta_pos : self._args_limit])
            self._delta_pos = self._args_limit

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


class JsonArgumentsStreamParser(DelimitedStreamParser):
    """A delimited parser whose calls hold their arguments as one JSON object (TOOL_USE, block).

    The subclass sets ``_obj_start`` (and ``_delta_pos``) at the object's ``{`` and a fresh
    :meth:`_new_scanner` in ``_begin_call``, steps with :meth:`_json_step` until
    ``self._scanner.done``, and reads the arguments with :meth:`_decode_arguments`. A call
    that fails goes to the subclass's :attr:`skip_phase` (:meth:`_fail`). Lenient parsers
    scan with :class:`~toolschool.formats.json_object.QuoteTolerantScanner` and mend broken
    JSON with :func:`~toolschool.formats.json_object.mend_json` (recorded as a repair).
    """

    lenient = False
    #: the phase :meth:`_fail` puts the call in (the subclass's "skip the failed call")
    skip_phase = -1

    def _new_scanner(self) -> JsonObjectScanner:
        return QuoteTolerantScanner() if self.lenient else JsonObjectScanner(strict_strings=False)

    def _json_step(self, events: list[StreamEvent], text: str, i: int) -> int:
        """Scan the object at ``text[i]`` (a run of inert string characters at once).

        Returns the next index; sets ``_obj_end`` when the object closes, and reports broken
        JSON through :meth:`_fail` (returning ``i``: the character belongs to what follows).
        """
        sc = self._scanner
        skip = sc.skip_string(text, i)
        if skip > i:
            self._args_limit = skip
            return skip
        sc.step(text[i])
        if sc.broken:
            self._fail(events, i, *json_problem(text[self._obj_start : i + 1], self._obj_start))
            return i
        self._args_limit = i + 1
        if sc.done:
            self._obj_end = i + 1
        return i + 1

    def _fail(self, events: list[StreamEvent], i: int, message: str, at: int | None = None) -> None:
        """Report ``message`` at ``at`` (default ``i``, call-relative) and skip the call."""
        self._phase = self.skip_phase
        self._error(events, message, self._body_offset + (i if at is None else at))

    def _decode_arguments(self, events: list[StreamEvent], text: str) -> dict | None:
        """The arguments object ``text[_obj_start:_obj_end]``, or None (the error emitted).

        Lenient: JSON that :func:`~toolschool.formats.json_object.mend_json` mends into an
        object, the fix recorded.
        """
        raw = text[self._obj_start : self._obj_end]
        args, problem, at = decode_json(raw)
        if problem is not None:
            offset = self._body_offset + self._obj_start + at
            mended = mend_json(raw) if self.lenient else None
            if not isinstance(mended, dict):
                self._error(events, f"invalid JSON arguments: {problem}", offset)
                return None
            self._repair(f"repaired the JSON arguments with json_repair ({problem})", offset)
            args = mended
        if not isinstance(args, dict):
            self._error(events, "arguments must be a JSON object", self._body_offset + self._obj_start)
            return None
        return args


def json_problem(raw: str, start: int) -> tuple[str, int]:
    """Message and call-relative offset for JSON (``raw``, at ``start``) a scanner found broken."""
    _, problem, at = decode_json(raw, prefix_only=True)
    if problem is not None:
        return f"invalid JSON arguments: {problem}", start + at
    return f"unexpected {raw[-1]!r} in the JSON arguments", start + len(raw) - 1
