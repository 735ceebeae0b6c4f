"""A backend that answers with pre-written assistant texts, for tests, demos and benchmarks.

:class:`ScriptedBackend` returns its ``turns`` one per request, in order, as raw model text
(the wire format's text, parsed by the caller like a real model's output). ``stream`` yields
the same text in small chunks with an optional delay per chunk, to simulate token timing
(e.g. 25 ms per 4-character chunk, about SmolLM2-135M's decode speed on a 2-core CPU).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator

from toolschool.backends.local import ChatRequest, Completion


class ScriptedBackend:
    """Answer requests with ``turns`` in order.

    Args:
        turns: raw assistant texts, one per request (a call turn is written in the wire
            format the agent parses, e.g. ``'TOOL_USE[weather:{"location": "Oslo"}]'``).
        chunk_chars: characters per streamed chunk (>= 1; about 4 is one token).
        delay_s: seconds slept before each chunk (>= 0), in :meth:`stream` and, for equal
            timing, in :meth:`complete` (which consumes the stream).

    Attributes:
        requests: every request received, in order (tests read the conversation from it).

    Raises:
        ValueError: bad ``chunk_chars`` or ``delay_s``; :meth:`complete`/:meth:`stream`:
            more requests than turns (the message says how many turns there were).
    """

    def __init__(self, turns: list[str], chunk_chars: int = 4, delay_s: float = 0.0):
        if chunk_chars < 1:
            raise ValueError(f"chunk_chars must be >= 1, got {chunk_chars}")
        if delay_s < 0:
            raise ValueError(f"delay_s must be >= 0, got {delay_s}")
        self.turns = list(turns)
        self.chunk_chars = chunk_chars
        self.delay_s = delay_s
        self.requests: list[ChatRequest] = []
        self._next = 0
        self._lock = threading.Lock()

    def _take(self, request: ChatRequest) -> str:
        with self._lock:
            if self._next >= len(self.turns):
                raise ValueError(
                    f"ScriptedBackend has only {len(self.turns)} turns; request {self._next + 1} has none"
                )
            self.requests.append(request)
            text = self.turns[self._next]
            self._next += 1
        return text

    @property
    def remaining(self) -> int:
        """How many turns are left."""
        return len(self.turns) - self._next

    def stream(self, request: ChatRequest) -> Generator[str, None, Completion]:
        """Yield the next turn's text in ``chunk_chars`` pieces, sleeping ``delay_s`` before each.

        The generator's return value (``StopIteration.value``) is the :class:`Completion`
        (``raw`` the whole turn, ``new_tokens`` the number of pieces), as for
        :meth:`LocalBackend.stream <toolschool.backends.local.LocalBackend.stream>`.
        """
        text = self._take(request)
        pieces = 0
        for i in range(0, len(text), self.chunk_chars):
            if self.delay_s:
                time.sleep(self.delay_s)
            yield text[i : i + self.chunk_chars]
            pieces += 1
        return Completion(raw=text, new_tokens=pieces)

    def complete(
        self, requests: list[ChatRequest], on_batch: Callable[[int], None] | None = None
    ) -> list[Completion]:
        """One :class:`Completion` per request (the stream joined: same text, same timing)."""
        answers = []
        for request in requests:
            start = time.perf_counter()
            pieces = list(self.stream(request))
            latency_ms = (time.perf_counter() - start) * 1000
            answers.append(Completion(raw="".join(pieces), latency_ms=latency_ms, new_tokens=len(pieces)))
        if on_batch:
            on_batch(len(requests))
        return answers
