"""Wire formats for tool calls, behind a lazy name table.

``get_format("hermes")`` returns a :class:`~toolschool.formats.base.ToolFormat` instance.
Adding a format is one module plus one line in :data:`FORMATS`.
"""

from __future__ import annotations

from toolschool.formats.base import ParseError, ParseResult, StreamEvent, StreamParser, ToolFormat
from toolschool.registry import Registry

FORMATS: Registry[type[ToolFormat]] = Registry(
    "tool format",
    {
        "hermes": "toolschool.formats.hermes:HermesFormat",
        "tool_use": "toolschool.formats.tool_use:ToolUseFormat",
        "gemma4": "toolschool.formats.gemma4:Gemma4Format",
    },
)


def get_format(name: str) -> ToolFormat:
    """Instantiate the format registered as ``name``.

    Raises:
        RegistryError: unknown name (the message lists the known ones).
    """
    return FORMATS.get(name)()


def format_names() -> list[str]:
    """Names of all registered formats, sorted."""
    return FORMATS.names()


__all__ = [
    "FORMATS",
    "ParseError",
    "ParseResult",
    "StreamEvent",
    "StreamParser",
    "ToolFormat",
    "format_names",
    "get_format",
]
