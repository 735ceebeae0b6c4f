"""Hermes / Qwen2.5 tool calls: JSON objects inside ``<tool_call>`` tags.

Wire shape (source: the Qwen2.5-7B-Instruct chat template, which follows NousResearch
Hermes 2 Pro)::

    <tool_call>
    {"name": "get_weather", "arguments": {"city": "Paris"}}
    </tool_call>

* declarations: one ``tojson`` line per tool (OpenAI shape) inside ``<tools></tools>``,
  in a fixed English preamble appended to the system message;
* calls: the block above, several joined by ``"\\n"``;
* results: ``<tool_response>\\n{content}\\n</tool_response>`` blocks joined by ``"\\n"``, in
  a ``user`` turn (the template folds consecutive ``tool`` messages into one user turn).

``tojson`` is the filter transformers installs for chat templates:
``json.dumps(x, ensure_ascii=False)`` with default separators (``", "``, ``": "``), not
Jinja's HTML-escaping one.

Parsing is lenient where models commonly are sloppy and strict elsewhere:

* accepted in both modes (variants the Hermes-style templates themselves produce):
  ``"parameters"`` instead of ``"arguments"``; arguments given as a JSON string; a missing
  ``"arguments"`` (empty arguments); an ``"id"`` string (kept as the call's id);
* errors when strict (:class:`~toolschool.formats.base.ParseError`, never exceptions):
  malformed JSON, a body that is not an object, a missing or non-string ``"name"``,
  arguments that are not an object, text between the object and ``</tool_call>``, output
  that ends inside a call before its JSON object is complete, and a complete object whose
  ``</tool_call>`` never came (the output ended, or the next ``<tool_call>`` began);
* repaired when lenient (each fix recorded as a :class:`~toolschool.formats.base.Repair`):
  the missing ``</tool_call>`` just described; a Markdown fence (```` ```json ````) around
  the object inside the tags; JSON that ``json_repair`` can mend (trailing commas, single
  quotes, unquoted keys, a missing closing brace) when it yields an object with a name (bodies
  up to :data:`~toolschool.formats.json_object.MEND_LIMIT` characters).

The closing tag is looked for outside JSON strings, so ``{"html": "</tool_call>"}`` is
an argument, not the end of the call. A JSON object broken in a way that cannot be
valid (a ``<`` or a raw newline where JSON cannot have one, a wrong closing bracket)
makes the parser skip to the next literal ``</tool_call>``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from toolschool.formats.base import ParseError, StreamEvent, ToolFormat
from toolschool.formats.delimited import DelimitedStreamParser
from toolschool.formats.json_object import JsonObjectScanner, decode_call, decode_json, mend_json, tojson
from toolschool.types import ToolCall, ToolResult, ToolSchema

if TYPE_CHECKING:
    from toolschool.formats.grammar import CallSyntax

CALL_START = "<tool_call>"
CALL_END = "</tool_call>"

_PREAMBLE = (
    "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n"
)
_POSTAMBLE = (
    "\n\nFor each function call, return a json object with function name and arguments within "
    "<tool_call></tool_call> XML tags:\n<tool_call>\n"
    '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>'
)
_ARG_KEYS = ("arguments", "parameters")  # the order decode_call reads them in


class HermesFormat(ToolFormat):
    """The Hermes/Qwen2.5 wire format (see the module docstring for the rules)."""

    name = "hermes"
    result_role = "user"
    call_start = CALL_START

    def render_tools(self, tools: list[ToolSchema]) -> str:
        """``<tools>`` + ``"\\n" + tojson(tool)`` per tool + ``"\\n</tools>"`` (Qwen2.5 template)."""
        return "<tools>" + "".join("\n" + tojson(tool.to_openai()) for tool in tools) + "\n</tools>"

    def render_system(self, tools: list[ToolSchema], system: str) -> str:
        """``system`` + the Qwen2.5 tools preamble, declarations and call instructions."""
        if not tools:
            return system
        return system + _PREAMBLE + self.render_tools(tools) + _POSTAMBLE

    def render_calls(self, calls: list[ToolCall]) -> str:
        """``<tool_call>\\n{"name": "N", "arguments": {…}}\\n</tool_call>`` per call, joined by ``"\\n"``.

        The name is written raw and the arguments with ``tojson``, as the template does.
        """
        return "\n".join(
            f'{CALL_START}\n{{"name": "{call.name}", "arguments": {tojson(call.arguments)}}}\n{CALL_END}'
            for call in calls
        )

    def render_results(self, results: list[ToolResult]) -> str:
        """``<tool_response>\\n{content}\\n</tool_response>`` per result, joined by ``"\\n"``."""
        return "\n".join(f"<tool_response>\n{result.content}\n</tool_response>" for result in results)

    def call_syntax(self, tools: list[ToolSchema], special: Iterable[str] = ()) -> CallSyntax:
        """``<tool_call>\\n{"name": …, "arguments": {json}}\\n</tool_call>`` per call, one per line."""
        from toolschool.formats import grammar

        return grammar.json_syntax(
            tools,
            lambda n: (f'\n{{"name": "{n}", "arguments": ', f"}}\n{CALL_END}"),
            CALL_START,
            "\n",
            special,
        )

    def stream(self) -> HermesStreamParser:
        return HermesStreamParser(lenient=self.lenient)


_PRE, _JSON, _POST, _BROKEN = range(4)


class HermesStreamParser(DelimitedStreamParser):
    """Incremental Hermes parser.

    Events: ``call_started`` as soon as the top-level ``"name"`` string is complete;
    ``arguments_delta`` with the raw text of the ``"arguments"`` (or ``"parameters"``)
    value as it arrives (the deltas joined are that JSON value); ``call_finished`` when
    ``</tool_call>`` arrives (or at ``finish`` for a complete object without it).
    """

    start = CALL_START

    def __init__(self, lenient: bool = False) -> None:
        super().__init__()
        self.lenient = lenient

    def _begin_call(self) -> None:
        self._pending: ParseError | None = None  # lenient: error held until repair is tried
        self._fenced = False
        self._phase = _PRE
        self._pos = 0
        self._obj_start = 0
        self._obj_end = 0
        self._scanner = JsonObjectScanner()
        # top-level member tracking, for early name and argument deltas
        self._expect = "key"  # key | colon | value | in_value | comma
        self._key: Any = None
        self._tok_start = 0
        self._val_start = 0
        self._in_args = False
        self._args_seen = False
        self._args_limit = 0
        self._delta_pos = -1

    # -- scanning -----------------------------------------------------------------------

    def _call_step(self, events: list[StreamEvent], final: bool) -> int | None:
        text = self._call or ""
        i, n = self._pos, len(text)
        end: int | None = None
        while i < n and end is None:
            c = text[i]
            if self._phase == _PRE:
                if c.isspace():
                    i += 1
                elif c == "{":
                    self._phase, self._obj_start = _JSON, i
                elif self.lenient and c == "`" and not self._fenced:
                    newline = text.find("\n", i)
                    if newline < 0:
                        break  # the fence line is not complete yet
                    if not _is_fence_open(text[i:newline]):
                        self._break(events, i, "expected a JSON object after <tool_call>")
                        continue
                    self._repair("removed a Markdown code fence around the tool call", self._body_offset + i)
                    self._fenced = True
                    i = newline + 1
                else:
                    self._break(events, i, "expected a JSON object after <tool_call>")
            elif self._phase == _JSON:
                skip = self._scanner.skip_string(text, i)
                if skip > i:  # inert string characters: jump over them
                    i = skip
                    if self._in_args:
                        self._args_limit = i
                    continue
                i = self._json_char(events, text, i)
            elif self._phase == _POST:
                if c.isspace():
                    i += 1
                elif text.startswith(CALL_END, i):
                    self._conclude(events, text)
                    end = i + len(CALL_END)
                elif text.startswith(CALL_START, i):  # next call began without closing this one
                    self._unclosed(events, text, i)
                    end = i
                elif CALL_END.startswith(text[i:]) or CALL_START.startswith(text[i:]):
                    break  # maybe a tag, cut by the chunk boundary
                elif self._fenced and text.startswith("```", i):
                    i += 3
                    self._fenced = False
                elif self._fenced and "```".startswith(text[i:]):
                    break
                else:
                    self._break(events, i, "unexpected text after the JSON object; expected </tool_call>")
            else:  # _BROKEN: skip to the closing tag; the error is already reported (or pending)
                at = text.find(CALL_END, i)
                if at >= 0:
                    self._salvage(events, text, at)
                    end = at + len(CALL_END)
                else:
                    i = max(i, n - len(CALL_END) + 1)
                    break
        self._pos = i
        self._flush_arguments(events)
        if end is not None or not final:
            return end
        if self._phase == _POST:  # complete object, no </tool_call>: the model stopped there
            self._unclosed(events, text, n)
        elif self._phase == _BROKEN:
            self._salvage(events, text, n)
        elif self.lenient and self._phase == _JSON:
            self._pending = ParseError(
                "output ended inside a tool call (no complete JSON object)", self._call_offset, ""
            )
            self._salvage(events, text, n)
        else:
            message = "output ended inside a tool call (no complete JSON object)"
            self._error(events, message, self._call_offset)
        return n

    def _unclosed(self, events: list[StreamEvent], text: str, at: int) -> None:
        """A complete object whose ``</tool_call>`` never came (output ended or a new call began)."""
        if self.lenient:
            self._repair("added the missing </tool_call>", self._body_offset + at)
            self._conclude(events, text)
        else:
            self._error(events, "the tool call is not closed with </tool_call>", self._body_offset + at)

    def _salvage(self, events: list[StreamEvent], text: str, stop: int) -> None:
        """Lenient: try ``json_repair`` on a broken body ending at ``stop``; else report."""
        pending, self._pending = self._pending, None
        if pending is None:
            return  # strict: the error was reported when the JSON broke
        body = text[self._obj_start : stop].strip()
        if body.endswith("```"):
            body = body[:-3]
        call = _repair_call(body)
        if isinstance(call, ToolCall) and (not self._announced or call.name == self._announced_name):
            self._repair("repaired malformed JSON in the tool call", self._body_offset + self._obj_start)
            self._finish_call(events, call)
            return
        self._error(events, pending.message, pending.offset)

    def _json_char(self, events: list[StreamEvent], text: str, i: int) -> int:
        sc = self._scanner
        c = text[i]
        depth, was_string = sc.depth, sc.in_string
        sc.step(c)
        if sc.broken:
            _, problem, at = decode_json(text[self._obj_start : i + 1], prefix_only=True)
            if problem is None:
                message, at = f"unexpected {c!r} in the JSON object", i
            else:
                message, at = f"invalid JSON in tool call: {problem}", self._obj_start + at
            self._break(events, i, message, at)
            return i  # the broken character may begin </tool_call>
        if depth == 1 and not was_string:
            self._top_level(events, text, c, i)
        elif depth == 1 and was_string and not sc.in_string:
            self._string_closed(events, text, i)
        if self._in_args:
            self._args_limit = i + 1
        if sc.done:
            self._phase, self._obj_end = _POST, i + 1
        return i + 1

    def _top_level(self, events: list[StreamEvent], text: str, c: str, i: int) -> None:
        """A character at depth 1 outside strings (the object's own members)."""
        if c == ",":
            self._end_value(i)
            self._expect = "key"
        elif c == "}":
            self._end_value(i)
        elif c == ":" and self._expect == "colon":
            self._expect = "value"
        elif not c.isspace():
            if c == '"':
                self._tok_start = i
            if self._expect == "value":
                self._expect, self._val_start = "in_value", i
                if self._key in _ARG_KEYS and not self._args_seen:
                    self._in_args = self._args_seen = True
                    self._delta_pos = i

    def _string_closed(self, events: list[StreamEvent], text: str, i: int) -> None:
        """A top-level string ended at ``i``: a key, or maybe the name's value."""
        token = text[self._tok_start : i + 1]
        if self._expect == "key":
            self._key = _loads_or_none(token)
            self._expect = "colon"
        elif self._expect == "in_value" and self._key == "name" and self._val_start == self._tok_start:
            name = _loads_or_none(token)
            if isinstance(name, str) and name and not self._announced:
                self._announce(events, name)

    def _end_value(self, i: int) -> None:
        if self._in_args:
            self._in_args = False
            self._args_limit = i
        self._expect = "comma"

    def _flush_arguments(self, events: list[StreamEvent]) -> None:
        if self._delta_pos < 0 or not self._announced:
            return
        piece = (self._call or "")[self._delta_pos : self._args_limit].rstrip()
        if piece:
            self._delta(events, piece)
            self._delta_pos += len(piece)

    def _break(self, events: list[StreamEvent], i: int, message: str, at: int | None = None) -> None:
        self._phase = _BROKEN
        self._in_args = False
        offset = self._body_offset + (i if at is None else at)
        if self.lenient and self._phase_had_object():
            self._pending = ParseError(message, offset, "")
            return
        self._error(events, message, offset)

    def _phase_had_object(self) -> bool:
        """An object was opened (something json_repair might mend)."""
        return self._scanner.depth > 0 or self._scanner.broken or self._obj_end > 0

    def _conclude(self, events: list[StreamEvent], text: str) -> None:
        """Decode the complete object and emit the call, or an error."""
        obj, problem, at = decode_json(text[self._obj_start : self._obj_end])
        if problem is not None:
            offset = self._body_offset + self._obj_start + at
            if self.lenient:
                call = _repair_call(text[self._obj_start : self._obj_end])
                if isinstance(call, ToolCall) and (not self._announced or call.name == self._announced_name):
                    self._repair(f"repaired invalid JSON in the tool call ({problem})", offset)
                    self._finish_call(events, call)
                    return
            self._error(events, f"invalid JSON in tool call: {problem}", offset)
            return
        call = decode_call(obj)
        if self._announced and not isinstance(call, str) and call.name != self._announced_name:
            call = 'the tool call has conflicting "name" keys'  # json.loads kept the last one
        if isinstance(call, str):
            self._error(events, call, self._body_offset + self._obj_start)
            return
        self._finish_call(events, call)


def _loads_or_none(token: str) -> Any:
    return decode_json(token)[0]


def _is_fence_open(line: str) -> bool:
    """```` ``` ```` or ```` ```json ```` (any info string of letters) alone on its line."""
    line = line.strip()
    return line.startswith("```") and line[3:].isalpha() or line == "```"


def _repair_call(body: str) -> ToolCall | str:
    """Mend ``body`` with :func:`~toolschool.formats.json_object.mend_json` and decode it as a
    call (or return why not)."""
    if not body.lstrip().startswith("{"):
        return "not a JSON object"
    obj = mend_json(body)
    return "json_repair could not mend it" if obj is None else decode_call(obj)
