"""Runnable tools of the ``assistant`` toolkit, with exactly the schemas the model was trained on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from toolschool.tools.assistant.offline import calculator, datetime_tool, unit_converter
from toolschool.tools.assistant.reader import web_reader
from toolschool.tools.assistant.settings import AssistantSettings
from toolschool.tools.assistant.web import dictionary, translate, weather, web_search, wikipedia
from toolschool.tools.schema import Tool
from toolschool.tools.toolkits.assistant import ASSISTANT_TOOLS

if TYPE_CHECKING:  # pragma: no cover
    import httpx


def assistant_tools(
    settings: AssistantSettings | None = None,
    client: httpx.Client | None = None,
    *,
    clock: Callable[[], dt.datetime] | None = None,
) -> list[Tool]:
    """The nine assistant tools as runnable :class:`~toolschool.tools.schema.Tool` objects.

    Each tool's ``schema`` is a copy of its entry in
    :data:`~toolschool.tools.toolkits.assistant.ASSISTANT_TOOLS` (same order, names,
    descriptions and parameters), and calling it validates the arguments against that
    schema first, so ``tool(**call.arguments)`` runs exactly what the model asked for.

    Args:
        settings: service URLs, limits and keys (default: the public services).
        client: an ``httpx.Client`` the HTTP tools share (default: one per call,
            configured from ``settings``).
        clock: the current time for ``datetime`` (timezone-aware; default: the system clock).
    """
    cfg = settings if settings is not None else AssistantSettings()
    web = {"settings": cfg, "client": client}

    def _datetime(
        action: str, timezone: str | None = None, date: str | None = None, days: int | None = None
    ) -> dict[str, Any]:
        if clock is None:
            return datetime_tool(action, timezone, date, days)
        return datetime_tool(action, timezone, date, days, clock=clock)

    functions: dict[str, Callable[..., Any]] = {
        "web_search": lambda query: web_search(query, **web),
        "calculator": calculator,
        "weather": lambda location: weather(location, **web),
        "wikipedia": lambda query: wikipedia(query, **web),
        "datetime": _datetime,
        "dictionary": lambda word: dictionary(word, **web),
        "translate": lambda text, to_lang: translate(text, to_lang, **web),
        # "from" and "to" are Python keywords: the tool takes them as keyword arguments
        "unit_converter": lambda **kw: unit_converter(kw["value"], kw["from"], kw["to"]),
        "web_reader": lambda url: web_reader(url, **web),
    }
    tools = []
    for schema in ASSISTANT_TOOLS:
        tools.append(Tool(schema=schema.model_copy(deep=True), fn=functions[schema.name]))
    return tools
