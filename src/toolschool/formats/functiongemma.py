"""FunctionGemma tool calls: ``<start_function_call>call:name{key:value,…}<end_function_call>``.

Source: Google's "FunctionGemma formatting and best practices" page
(https://ai.google.dev/gemma/docs/functiongemma/formatting-and-best-practices), its
"Weather Tool Flow" example in particular. No byte-exact copy of the official chat
template of ``google/functiongemma-270m-it`` is available (see
the README of the workplace's ``shared/chat_templates``), so the strings below follow that page; vLLM's
fork template is not Google's and was not used.

FunctionGemma writes the Gemma 4 argument syntax (:mod:`toolschool.formats.gemma_values`)
with other markers and ``<escape>`` as the string delimiter, and has no thought channel, so
the value renderer, the value parser and the streaming parser are Gemma 4's, parameterised:

* declarations, one per tool, in the ``developer`` turn right after the trigger sentence
  the page says enables tool calling (``You are a model that can do function calling with
  the following functions``), with nothing in between::

      <start_function_declaration>declaration:get_current_weather{description:<escape>Gets
      the current weather in a given location.<escape>,parameters:{properties:{location:{
      description:<escape>The city and state<escape>,type:<escape>STRING<escape>}},
      required:[<escape>location<escape>],type:<escape>OBJECT<escape>}}<end_function_declaration>

  (one line in reality; Gemma 4's ``format_function_declaration``, which produces the
  page's example byte for byte).
* calls::

      <start_function_call>call:get_current_weather{location:<escape>Tokyo, Japan<escape>}<end_function_call>

  concatenated; strings between ``<escape>`` markers, raw (no escapes); other values bare
  (``15``, ``true``, ``null``, ``{k:v}``, ``[a,b]``); keys unquoted, sorted as Gemma 4 does.
* results::

      <start_function_response>response:get_current_weather{temperature:15,
      weather:<escape>sunny<escape>}<end_function_response>

  A result whose content is a JSON object is written as that object, as in the page's
  example; any other content as ``{value:<escape>content<escape>}`` (Gemma 4's rule for
  string results). Results continue the model turn (``<start_function_response>`` is a
  stop sequence: the runtime appends the response and the model goes on), so
  ``result_role`` is ``"tool"`` and the chat layer places them.
* an assistant turn: content, a newline, then the calls (the page shows no turn with
  both; this is the default order of :class:`~toolschool.formats.base.ToolFormat`).

Not representable: a string containing ``<escape>`` (strings are raw, so the delimiter would
end them); keys containing ``:``, ``,``, brackets or ``<`` or with surrounding whitespace.

Strict parsing accepts what the renderer writes plus whitespace between tokens and
``<escape>``-quoted keys; everything else is a
:class:`~toolschool.formats.base.ParseError` at the offending character — including a
call whose arguments closed but whose ``<end_function_call>`` never came. Lenient
parsing (``lenient=True``) also accepts, recording a repair for each: a missing
``<end_function_call>`` at the end of output, ``'single-quoted'`` strings where a value or
key starts (read raw up to the next ``'``), and a trailing comma before ``}`` or ``]``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from toolschool.formats.base import StreamEvent, ToolFormat
from toolschool.formats.gemma4 import Gemma4StreamParser, render_declaration
from toolschool.formats.gemma_values import ValueParser, render_value
from toolschool.types import ToolCall, ToolResult, ToolSchema

if TYPE_CHECKING:
    from toolschool.formats.grammar import CallSyntax

ESCAPE = "<escape>"
CALL_START = "<start_function_call>"
CALL_END = "<end_function_call>"
DECLARATION_START = "<start_function_declaration>"
DECLARATION_END = "<end_function_declaration>"
RESPONSE_START = "<start_function_response>"
RESPONSE_END = "<end_function_response>"

#: The developer-turn sentence the FunctionGemma page calls the trigger for tool calling.
TRIGGER = "You are a model that can do function calling with the following functions"


def render_arguments(arguments: dict[str, Any]) -> str:
    """``{k:v,…}`` in FunctionGemma syntax.

    ``render_arguments({"s": "x", "n": 1})`` → ``{n:1,s:<escape>x<escape>}``.
    """
    return render_value(arguments, escape_keys=False, quote=ESCAPE)


class FunctionGemmaFormat(ToolFormat):
    """The FunctionGemma wire format (see the module docstring for the rules and their source)."""

    name = "functiongemma"
    result_role = "tool"
    call_start = CALL_START

    def render_tools(self, tools: list[ToolSchema]) -> str:
        """``<start_function_declaration>declaration:…<end_function_declaration>`` per tool, joined."""
        return "".join(
            DECLARATION_START + render_declaration(tool, quote=ESCAPE) + DECLARATION_END for tool in tools
        )

    def render_system(self, tools: list[ToolSchema], system: str) -> str:
        """The developer-turn body: ``system`` (trimmed), :data:`TRIGGER`, then the declarations.

        The trigger is added after a blank line unless ``system`` already ends with it; an
        empty ``system`` gives the page's example exactly (trigger, then declarations).
        With no tools, ``system`` is returned unchanged.
        """
        if not tools:
            return system
        text = system.strip()
        if not text.endswith(TRIGGER):
            text = f"{text}\n\n{TRIGGER}" if text else TRIGGER
        return text + self.render_tools(tools)

    def render_calls(self, calls: list[ToolCall]) -> str:
        """``<start_function_call>call:name{k:v,…}<end_function_call>`` per call, concatenated."""
        return "".join(f"{CALL_START}call:{c.name}{render_arguments(c.arguments)}{CALL_END}" for c in calls)

    def render_results(self, results: list[ToolResult]) -> str:
        """``<start_function_response>response:name{…}<end_function_response>`` per result.

        JSON-object content is written as the object (the page's example); other content
        as ``{value:<escape>content<escape>}``. An empty name becomes ``unknown``.
        """
        parts = []
        for result in results:
            try:
                value = json.loads(result.content)
            except (ValueError, RecursionError):
                value = None
            body = value if isinstance(value, dict) else {"value": result.content}
            name = result.name or "unknown"
            parts.append(f"{RESPONSE_START}response:{name}{render_arguments(body)}{RESPONSE_END}")
        return "".join(parts)

    def call_syntax(self, tools: list[ToolSchema], special: Iterable[str] = ()) -> CallSyntax:
        """``<start_function_call>call:name{k:v,…}<end_function_call>`` per call."""
        from toolschool.formats import grammar

        return grammar.styled_syntax(
            tools,
            grammar.gemma_style(ESCAPE, special, "fe"),
            lambda n: (f"call:{n}", CALL_END),
            CALL_START,
            "",
            special,
        )

    def stream(self) -> FunctionGemmaStreamParser:
        return FunctionGemmaStreamParser(lenient=self.lenient)

    def decode_arguments(self, raw: str) -> dict:
        """Arguments from FunctionGemma-syntax deltas (``{city:<escape>Paris<escape>}``).

        Raises:
            ValueError: not a FunctionGemma object (``GemmaSyntaxError`` is a ValueError).
        """
        value = ValueParser(ESCAPE, lenient=self.lenient).parse(raw) if raw.strip() else {}
        if not isinstance(value, dict):
            raise ValueError(f"arguments must be an object, got {type(value).__name__}")
        return value


class FunctionGemmaStreamParser(Gemma4StreamParser):
    """Incremental FunctionGemma parser: :class:`~toolschool.formats.gemma4.Gemma4StreamParser`
    with FunctionGemma's markers.

    Events: ``call_started`` when the ``{`` after ``call:name`` arrives; ``arguments_delta``
    with the raw argument text (``{city:<escape>Paris<escape>}``); ``call_finished`` when
    ``<end_function_call>`` arrives (lenient: also at ``finish`` when only that marker is
    missing).

    Args:
        lenient: accept the slips listed in the module docstring, recording repairs.
    """

    start = CALL_START
    end = CALL_END
    quote = ESCAPE
    thought_start = ""  # FunctionGemma has no thought channel

    def __init__(self, lenient: bool = False) -> None:
        super().__init__()
        self.lenient = lenient

    def _unclosed(self, events: list[StreamEvent], text: str) -> None:
        """Strict: an error at the call. Lenient: the call, with the marker added as a repair."""
        if not self.lenient:
            self._error(events, f"output ended before {CALL_END}", self._call_offset)
        elif self._conclude(events, text):
            self._repair(f"added the missing closing {CALL_END}", self._body_offset + len(text))
