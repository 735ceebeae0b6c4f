"""The ``assistant`` toolkit, runnable: nine everyday tools behind their trained schemas.

``assistant_tools(settings)`` returns :class:`~toolschool.tools.schema.Tool` objects whose
schemas are exactly :data:`~toolschool.tools.toolkits.assistant.ASSISTANT_TOOLS`.

==============  =====================================================  ==========
tool            source                                                  network
==============  =====================================================  ==========
calculator      ``tools.arithmetic.evaluate_expression`` (no eval)      no
datetime        ``zoneinfo`` + ``tzdata``                               no
unit_converter  pint                                                    no
weather         Open-Meteo geocoding + forecast APIs                    yes
wikipedia       Wikipedia REST summary (+ opensearch fallback)          yes
dictionary      dictionaryapi.dev                                       yes
translate       a LibreTranslate-compatible ``POST /translate``         yes
web_search      a SearXNG-compatible ``GET /search?format=json``        yes
web_reader      the page (httpx) + trafilatura main-text extraction     yes
==============  =====================================================  ==========

Modules: ``settings`` (:class:`AssistantSettings`), ``http`` (requests, errors),
``offline``, ``web``, ``reader``, ``toolkit``. httpx, pint and trafilatura are imported
only when a tool runs.
"""

from __future__ import annotations

from toolschool.tools.assistant.http import AssistantToolError
from toolschool.tools.assistant.settings import AssistantSettings
from toolschool.tools.assistant.toolkit import assistant_tools

__all__ = ["AssistantSettings", "AssistantToolError", "assistant_tools"]
