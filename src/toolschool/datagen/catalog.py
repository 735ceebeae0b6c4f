"""The catalogue of template families per toolkit.

:func:`families_for` returns every :class:`~toolschool.datagen.family.Family` of a
toolkit, checked once: unique names, known categories, and tools that exist in the
toolkit.
"""

from __future__ import annotations

from collections import Counter

from toolschool.datagen.families_chained import CHAINED
from toolschool.datagen.families_chat import CHAT
from toolschool.datagen.families_info import WEB_READER, WEB_SEARCH, WIKIPEDIA
from toolschool.datagen.families_language import DICTIONARY, TRANSLATE
from toolschool.datagen.families_math import CALCULATOR, UNIT_CONVERTER
from toolschool.datagen.families_parallel import PARALLEL
from toolschool.datagen.families_traps import NO_TOOL
from toolschool.datagen.families_weather_time import DATETIME, WEATHER
from toolschool.datagen.family import CATEGORIES, Family
from toolschool.errors import ConfigError

_ASSISTANT: list[Family] = [
    *WEB_SEARCH, *CALCULATOR, *WEATHER, *WIKIPEDIA, *DATETIME, *DICTIONARY, *TRANSLATE, *UNIT_CONVERTER,
    *WEB_READER, *PARALLEL, *CHAINED, *CHAT, *NO_TOOL,
]
_CATALOG: dict[str, list[Family]] = {"assistant": _ASSISTANT}


def families_for(toolkit: str, tool_names: list[str] | None = None) -> list[Family]:
    """All families of ``toolkit``, in a fixed order.

    Args:
        toolkit: toolkit name (only ``"assistant"`` has families).
        tool_names: the toolkit's tool names; when given, every family's tool label must
            be one of them, ``"multi_tool"`` or ``"no_tool"``.

    Raises:
        ConfigError: unknown toolkit.
        ValueError: duplicate family names, an unknown category or tool (a catalogue bug).
    """
    if toolkit not in _CATALOG:
        raise ConfigError(f"toolkit: no template families for {toolkit!r}; known: {sorted(_CATALOG)}")
    families = _CATALOG[toolkit]
    duplicates = [name for name, n in Counter(f.name for f in families).items() if n > 1]
    if duplicates:
        raise ValueError(f"duplicate family names: {duplicates}")
    labels = set(tool_names or []) | {"multi_tool", "no_tool"}
    for family in families:
        if family.category not in CATEGORIES:
            raise ValueError(f"family {family.name!r}: unknown category {family.category!r}")
        if tool_names is not None and family.tool not in labels:
            raise ValueError(f"family {family.name!r}: tool {family.tool!r} is not in toolkit {toolkit!r}")
    return list(families)
