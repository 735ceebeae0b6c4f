"""Wire formats for tool calls, behind a lazy name table.

``get_format("hermes")`` returns a :class:`~toolschool.formats.base.ToolFormat` instance.
Adding a format is one module plus one line in :data:`FORMATS`.
"""

from __future__ import annotations

from toolschool.formats.base import ParseError, ParseResult, Repair, StreamEvent, StreamParser, ToolFormat
from toolschool.registry import Registry

FORMATS: Registry[type[ToolFormat]] = Registry(
    "tool format",
    {
        "hermes": "toolschool.formats.hermes:HermesFormat",
        "hermes_pro": "toolschool.formats.hermes_pro:HermesProFormat",
        "tool_use": "toolschool.formats.tool_use:ToolUseFormat",
        "gemma4": "toolschool.formats.gemma4:Gemma4Format",
        "functiongemma": "toolschool.formats.functiongemma:FunctionGemmaFormat",
        "block": "toolschool.formats.block:BlockFormat",
        "llama3_json": "toolschool.formats.llama3_json:Llama3JsonFormat",
        "mistral": "toolschool.formats.mistral:MistralFormat",
        "pythonic": "toolschool.formats.pythonic:PythonicFormat",
        "openai": "toolschool.formats.openai:OpenAIFormat",
    },
)


def get_format(name: str, *, lenient: bool = False) -> ToolFormat:
    """Instantiate the format registered as ``name`` (strict unless ``lenient``).

    Raises:
        RegistryError: unknown name (the message lists the known ones).
    """
    return FORMATS.get(name)(lenient=lenient)


def format_names() -> list[str]:
    """Names of all registered formats, sorted."""
    return FORMATS.names()


__all__ = [
    "FORMATS",
    "ParseError",
    "ParseResult",
    "Repair",
    "StreamEvent",
    "StreamParser",
    "ToolFormat",
    "format_names",
    "get_format",
]
