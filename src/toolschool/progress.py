"""How long-running library code reports progress without printing.

Stages take a :class:`Progress` and call it; the CLI passes one that draws rich progress
bars, tests and library users pass nothing (:class:`NullProgress`).
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Receiver of progress events.

    ``start(task, total)`` opens a task (``total`` None when unknown), ``advance(task, n,
    **fields)`` moves it (fields such as ``loss=0.4`` may be shown), ``finish(task)`` closes it.
    """

    def start(self, task: str, total: int | None = None) -> None: ...

    def advance(self, task: str, n: int = 1, **fields: object) -> None: ...

    def finish(self, task: str) -> None: ...


class NullProgress:
    """A :class:`Progress` that ignores everything."""

    def start(self, task: str, total: int | None = None) -> None:
        pass

    def advance(self, task: str, n: int = 1, **fields: object) -> None:
        pass

    def finish(self, task: str) -> None:
        pass


class PrefixedProgress:
    """A :class:`Progress` that passes every event on to ``inner`` with ``prefix`` before the
    task name, so that stages run one after another (two ``train`` tasks…) keep their own bars."""

    def __init__(self, inner: Progress, prefix: str) -> None:
        self.inner = inner
        self.prefix = prefix

    def start(self, task: str, total: int | None = None) -> None:
        self.inner.start(f"{self.prefix}{task}", total)

    def advance(self, task: str, n: int = 1, **fields: object) -> None:
        self.inner.advance(f"{self.prefix}{task}", n, **fields)

    def finish(self, task: str) -> None:
        self.inner.finish(f"{self.prefix}{task}")
