"""The ``assistant`` toolkit: everyday tools a local assistant calls.

The names and arguments are fixed: the evaluation data (``shared/eval/natural_dev.jsonl``)
and the generated training data depend on them. Descriptions are kept short because every
prompt carries all of them (small models have small context budgets).

This module declares the schemas; the runnable tools (the offline calculator, datetime and
unit converter, the HTTP clients) are :func:`toolschool.tools.assistant.assistant_tools`,
whose schemas are these.
"""

from __future__ import annotations

from toolschool.types import FunctionSpec, ToolSchema


def _schema(name: str, description: str, properties: dict, required: list[str]) -> ToolSchema:
    return ToolSchema(
        function=FunctionSpec(
            name=name,
            description=description,
            parameters={"type": "object", "properties": properties, "required": required},
        )
    )


_STR = "string"

ASSISTANT_TOOLS: list[ToolSchema] = [
    _schema(
        "web_search",
        "Search the web for current information, news, prices, schedules or facts.",
        {"query": {"type": _STR, "description": "Search query"}},
        ["query"],
    ),
    _schema(
        "calculator",
        "Evaluate an arithmetic expression exactly.",
        {"expression": {"type": _STR, "description": "Math expression, e.g. (3+4)*2^3 or 15% of 80"}},
        ["expression"],
    ),
    _schema(
        "weather",
        "Get the current weather and forecast for a place.",
        {"location": {"type": _STR, "description": "City or place name"}},
        ["location"],
    ),
    _schema(
        "wikipedia",
        "Look up a topic, person, place or event on Wikipedia.",
        {"query": {"type": _STR, "description": "Article title or topic"}},
        ["query"],
    ),
    _schema(
        "datetime",
        "Current date/time, weekday of a date, add days to a date, or days between dates.",
        {
            "action": {"type": _STR, "enum": ["now", "weekday", "add_days", "diff"]},
            "timezone": {"type": _STR, "description": "IANA timezone, e.g. Europe/Paris"},
            "date": {"type": _STR, "description": "ISO 8601 date, e.g. 2026-03-14"},
            "days": {"type": "integer", "description": "Days to add (add_days)"},
        },
        ["action"],
    ),
    _schema(
        "dictionary",
        "Definition, pronunciation and part of speech of an English word.",
        {"word": {"type": _STR}},
        ["word"],
    ),
    _schema(
        "translate",
        "Translate text into another language.",
        {
            "text": {"type": _STR},
            "to_lang": {"type": _STR, "description": "Target language, ISO 639-1 code, e.g. fr"},
        },
        ["text", "to_lang"],
    ),
    _schema(
        "unit_converter",
        "Convert a value between units (length, mass, temperature, volume, speed...).",
        {
            "value": {"type": "number"},
            "from": {"type": _STR, "description": "Source unit, e.g. km"},
            "to": {"type": _STR, "description": "Target unit, e.g. mi"},
        },
        ["value", "from", "to"],
    ),
    _schema(
        "web_reader",
        "Fetch a web page by URL and return its main text.",
        {"url": {"type": _STR}},
        ["url"],
    ),
]
