"""Block tool calls: one labelled block per call, as in the 3-stage coding-agent recipe.

This format is toolschool's own, the one that recipe teaches; no published chat template
defines it, so the strings below are its definition:

* call (``render_calls``)::

      <|tool_call|>
      Tool: execute_python
      Arguments: {"code": "print(1)"}
      <|end|>

  the arguments one JSON object (``json.dumps`` defaults, UTF-8 kept); several blocks
  per turn joined by ``"\\n"``; content may come before, between and after them.
* result (``render_results``), one block per result, in a ``tool`` turn, output verbatim
  (results are read by the model, never parsed, so they need no escaping)::

      <|tool_result|>
      Tool: execute_python
      Output: 1
      <|end|>

* declarations: ``Available tools:`` and per tool a ``Tool:`` / ``Description:`` /
  ``Parameters:`` (JSON Schema as JSON) paragraph; the system text is ``system``,
  :data:`INSTRUCTIONS` (which shows the block) and the declarations, separated by blank
  lines.

Parse rules. Strict: after ``<|tool_call|>`` and optional whitespace, ``Tool:``, spaces,
the name (``[A-Za-z0-9_.-]+``), optional spaces, a newline; optional whitespace,
``Arguments:``, optional whitespace, a JSON object; optional whitespace, ``<|end|>``. The
JSON is scanned, not matched with a regex, so its strings may hold ``<|end|>``, brackets or
newline escapes (a raw newline inside a string is scanned over and then reported by
:mod:`json`). Anything else is a :class:`~toolschool.formats.base.ParseError` at the
offending character; the parser then skips to the next ``<|end|>`` (or to the next
``<|tool_call|>``, which starts a new call). A call left open at the end of output is an
error, even one missing only its ``<|end|>``.

Lenient (``lenient=True``), each fix recorded as a :class:`~toolschool.formats.base.Repair`:
a missing ``<|end|>`` at the end of output after a complete object; ``Arguments:`` JSON
that :mod:`json_repair` mends into an object (trailing commas, ``'single quotes'``…; up to
:data:`~toolschool.formats.json_object.MEND_LIMIT` characters);
``tool:`` / ``arguments:`` labels in other casing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from toolschool.formats.base import StreamEvent, ToolFormat
from toolschool.formats.delimited import JsonArgumentsStreamParser
from toolschool.formats.json_object import tojson
from toolschool.types import ToolCall, ToolResult, ToolSchema

if TYPE_CHECKING:
    from toolschool.formats.grammar import CallSyntax

CALL_START = "<|tool_call|>"
RESULT_START = "<|tool_result|>"
END = "<|end|>"
TOOL_LABEL = "Tool:"
ARGUMENTS_LABEL = "Arguments:"

INSTRUCTIONS = (
    "To call a tool, write a block like this, with the arguments as one JSON object:\n"
    f'{CALL_START}\n{TOOL_LABEL} tool_name\n{ARGUMENTS_LABEL} {{"argument": "value"}}\n{END}\n'
    f"You may write several blocks. Each result comes back as a {RESULT_START} block. "
    "If no tool is needed, answer directly."
)

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def render_declaration(tool: ToolSchema) -> str:
    """``Tool: name``, ``Description: …`` (whitespace collapsed; none if empty), ``Parameters: {json}``."""
    lines = [f"Tool: {tool.name}"]
    description = " ".join(tool.function.description.split())
    if description:
        lines.append(f"Description: {description}")
    lines.append(f"Parameters: {tojson(tool.function.parameters)}")
    return "\n".join(lines)


class BlockFormat(ToolFormat):
    """The block wire format (see the module docstring for the rules)."""

    name = "block"
    result_role = "tool"
    call_start = CALL_START

    def render_tools(self, tools: list[ToolSchema]) -> str:
        """``Available tools:`` then one :func:`render_declaration` paragraph per tool."""
        return "\n\n".join(["Available tools:", *(render_declaration(t) for t in tools)])

    def render_system(self, tools: list[ToolSchema], system: str) -> str:
        """``system``, :data:`INSTRUCTIONS` and the declarations, separated by blank lines."""
        if not tools:
            return system
        return "\n\n".join(p for p in (system, INSTRUCTIONS, self.render_tools(tools)) if p)

    def render_calls(self, calls: list[ToolCall]) -> str:
        """``<|tool_call|>\\nTool: name\\nArguments: {json}\\n<|end|>`` per call, joined by newlines."""
        return "\n".join(
            f"{CALL_START}\n{TOOL_LABEL} {c.name}\n{ARGUMENTS_LABEL} {tojson(c.arguments)}\n{END}"
            for c in calls
        )

    def render_results(self, results: list[ToolResult]) -> str:
        """``<|tool_result|>\\nTool: name\\nOutput: content\\n<|end|>`` per result, joined by newlines."""
        return "\n".join(
            f"{RESULT_START}\n{TOOL_LABEL} {r.name}\nOutput: {r.content}\n{END}" for r in results
        )

    def call_syntax(self, tools: list[ToolSchema], special: Iterable[str] = ()) -> CallSyntax:
        """``<|tool_call|>\\nTool: name\\nArguments: {json}\\n<|end|>`` per call, one per line."""
        from toolschool.formats import grammar

        return grammar.json_syntax(
            tools,
            lambda n: (f"\n{TOOL_LABEL} {n}\n{ARGUMENTS_LABEL} ", f"\n{END}"),
            CALL_START,
            "\n",
            special,
        )

    def stream(self) -> BlockStreamParser:
        return BlockStreamParser(lenient=self.lenient)


_TOOL, _GAP, _NAME, _NAME_END, _ARGS, _OPEN, _JSON, _CLOSE, _SKIP = range(9)
_WAIT = -1


class BlockStreamParser(JsonArgumentsStreamParser):
    """Incremental block parser.

    Events: ``call_started`` when the newline after ``Tool: name`` arrives;
    ``arguments_delta`` with the raw JSON object text as it arrives (the deltas joined are
    the object); ``call_finished`` when ``<|end|>`` arrives (lenient: also at ``finish``
    after a complete object).

    Args:
        lenient: repair the slips listed in the module docstring.
    """

    start = CALL_START
    skip_phase = _SKIP

    def __init__(self, lenient: bool = False) -> None:
        super().__init__()
        self.lenient = lenient

    def _begin_call(self) -> None:
        self._phase = _TOOL
        self._pos = 0
        self._name_start = 0
        self._name = ""
        self._obj_start = 0
        self._obj_end = 0
        self._scanner = self._new_scanner()
        self._delta_pos = 0
        self._args_limit = 0

    def _call_step(self, events: list[StreamEvent], final: bool) -> int | None:
        text = self._call or ""
        i, n = self._pos, len(text)
        while i < n:
            c = text[i]
            phase = self._phase
            if phase == _TOOL or phase == _ARGS:
                if c.isspace():
                    i += 1
                    continue
                label = TOOL_LABEL if phase == _TOOL else ARGUMENTS_LABEL
                after = self._label(events, text, i, label)
                if after == _WAIT:
                    break
                if after is not None:
                    self._phase, i = (_GAP, after) if phase == _TOOL else (_OPEN, after)
            elif phase == _GAP:
                if c == " " or c == "\t":
                    i += 1
                else:
                    self._phase, self._name_start = _NAME, i
            elif phase == _NAME:
                if c in _NAME_CHARS:
                    i += 1
                elif i == self._name_start:
                    self._fail(events, i, f"unexpected {c!r}; expected a tool name after {TOOL_LABEL!r}")
                elif c.isspace():
                    self._phase, self._name = _NAME_END, text[self._name_start : i]
                else:
                    self._fail(events, i, f"unexpected {c!r} in the tool name")
            elif phase == _NAME_END:
                if c == "\n":
                    self._announce(events, self._name)
                    self._phase = _ARGS
                    i += 1
                elif c.isspace():
                    i += 1
                else:
                    self._fail(events, i, f"unexpected {c!r}; expected a newline after the tool name")
            elif phase == _OPEN:
                if c.isspace():
                    i += 1
                elif c == "{":
                    self._phase, self._obj_start, self._delta_pos = _JSON, i, i
                else:
                    self._fail(events, i, f"unexpected {c!r}; expected '{{' to open the JSON arguments")
            elif phase == _JSON:
                i = self._json_step(events, text, i)
                if self._scanner.done:
                    self._phase = _CLOSE
            elif phase == _CLOSE:
                if c.isspace():
                    i += 1
                elif text.startswith(END, i):
                    self._conclude(events, text)
                    return i + len(END)
                elif END.startswith(text[i:]):
                    break
                else:
                    self._fail(events, i, f"unexpected {c!r}; expected {END} to close the call")
            else:  # _SKIP: to the next <|end|> (consumed) or <|tool_call|> (a new call)
                end, call = text.find(END, i), text.find(CALL_START, i)
                if call >= 0 and (end < 0 or call < end):
                    return call
                if end >= 0:
                    return end + len(END)
                i = max(i, n - len(CALL_START) + 1)
                break
        self._pos = i
        self._flush_arguments(events)
        if not final:
            return None
        if self._phase == _CLOSE and self.lenient:
            if self._conclude(events, text):
                self._repair(f"added the missing {END}", self._body_offset + n)
        elif self._phase == _CLOSE:
            self._error(events, f"output ended before {END}", self._call_offset)
        elif self._phase != _SKIP:
            self._error(events, "output ended inside a tool call", self._call_offset)
        return n

    def _label(self, events: list[StreamEvent], text: str, i: int, label: str) -> int | None:
        """Match ``label`` at ``i``: the index after it, :data:`_WAIT`, or None (error reported)."""
        piece = text[i : i + len(label)]
        if piece == label:
            return i + len(label)
        if self.lenient and piece.lower() == label.lower():
            self._repair(f"read {piece!r} as {label!r}", self._body_offset + i)
            return i + len(label)
        if len(piece) < len(label):
            prefix = label.lower().startswith(piece.lower()) if self.lenient else label.startswith(piece)
            if prefix:
                return _WAIT
        self._fail(events, i, f"expected {label!r}")
        return None

    def _conclude(self, events: list[StreamEvent], text: str) -> bool:
        """Decode the object and emit the call (True), or an error (False)."""
        args = self._decode_arguments(events, text)
        if args is None:
            return False
        self._finish_call(events, ToolCall(name=self._name, arguments=args))
        return True
