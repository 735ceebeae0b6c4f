"""A generic, lazy name → object registry.

Entries are registered as ``"module:attribute"`` strings so that looking up one name
imports only that module (heavy dependencies stay unimported until used).
"""

from __future__ import annotations

import importlib
from typing import Generic, TypeVar

from toolschool.errors import RegistryError

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps names to lazily imported objects.

    Args:
        kind: what the registry holds, used in error messages (e.g. ``"tool format"``).
        entries: ``{name: "package.module:attribute"}``.

    Raises:
        RegistryError: on :meth:`get` of an unknown name; the message lists known names.
    """

    def __init__(self, kind: str, entries: dict[str, str] | None = None):
        self.kind = kind
        self._targets: dict[str, str] = dict(entries or {})
        self._loaded: dict[str, T] = {}

    def register(self, name: str, target: str | T) -> None:
        """Add ``name``; ``target`` is an object or a ``"module:attribute"`` string."""
        if isinstance(target, str):
            self._targets[name] = target
            self._loaded.pop(name, None)
        else:
            self._targets[name] = f"<object {target!r}>"
            self._loaded[name] = target

    def names(self) -> list[str]:
        """Sorted list of registered names."""
        return sorted(self._targets)

    def __contains__(self, name: object) -> bool:
        return name in self._targets

    def get(self, name: str) -> T:
        """Return the object registered under ``name``, importing it on first use."""
        if name in self._loaded:
            return self._loaded[name]
        if name not in self._targets:
            raise RegistryError(
                f"unknown {self.kind} {name!r}; known: {', '.join(self.names()) or '(none)'}"
            )
        module_name, _, attribute = self._targets[name].partition(":")
        obj = getattr(importlib.import_module(module_name), attribute)
        self._loaded[name] = obj
        return obj
