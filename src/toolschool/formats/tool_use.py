"""TOOL_USE: a compact, line-oriented call syntax designed for small models.

This format is toolschool's own (no published chat template defines it). Its rules:

* call: ``TOOL_USE[name:{json}]`` — the tool name, a colon, the arguments as one JSON
  object, a closing bracket. Several calls per turn, one per line. Content may come
  before the calls. The JSON may contain ``]``, ``}`` or ``[`` inside strings, and may
  span lines (it is scanned as JSON, not matched with a regex).
* declarations: a signature line per tool, then one indented line per described
  parameter::

      Available tools:
      - get_weather(city: string, unit?: "celsius"|"fahrenheit" = "celsius") — Current weather.
          city: City name, e.g. "Paris".

  ``name: type`` is required, ``name?: type`` optional; enums are JSON literals joined
  by ``|``; arrays are ``type[]``; objects with properties are written inline as
  ``{key: type, other?: type}``; ``= value`` is the JSON default.
* system: ``system``, a blank line, a three-sentence instruction, a blank line, the
  declarations.
* results: ``TOOL_RESULT[name:content]`` per result, one per line, in a ``tool`` turn;
  ``content`` is written verbatim, so a JSON result reads like call arguments. Results
  are written for the model to read and are never parsed, so ``]`` or newlines inside
  them need no escaping.

Parse rules (strict, because the format is ours and small models learn it exactly):
the name is ``[A-Za-z0-9_.-]+``; spaces are allowed after the colon and before the
closing ``]``; anything else is a :class:`~toolschool.formats.base.ParseError` at the
offending character, and the rest of that line is dropped as part of the failed call.
A call left open at the end of output (even one missing only its ``]``) is an error.

Lenient (``lenient=True``), each fix recorded as a :class:`~toolschool.formats.base.Repair`:
a complete JSON object whose ``]`` is missing at the end of output (or at the end of its
line), and JSON that :mod:`json_repair` mends into an object (trailing commas,
``'single quotes'``, unquoted string values…; arguments up to
:data:`~toolschool.formats.json_object.MEND_LIMIT` characters).

Optional markers (constructor arguments; none by default, and then every output is
byte-identical to the plain format). They follow a small-model recipe of marking the steps
of a tool-using turn:

* ``think_marker`` (``"THINK:"``): a reasoning line, ``THINK: I need the weather``. The
  assistant content of a turn with calls is rendered as reasoning lines (one per content
  line) before the calls; parsing moves the text of each reasoning line (up to the end
  of the line or the next ``TOOL_USE[``, stripped) to ``ParseResult.reasoning``, lines
  joined by ``"\\n"``, and out of ``content``. With no think marker such a line is content.
* ``success_marker`` (``"✓"``): what the model writes first in the turn after a call's
  result; rendered by ``render_assistant(…, after_results=True)``.
* ``transition_marker`` (``"THEN:"``): written before the first call of a turn that
  follows results (the next call of a chain); also rendered with ``after_results=True``.

Rendered with all three, the turn after a result reads::

    ✓
    THINK: Now convert it
    THEN: TOOL_USE[convert:{"value": 21}]

Markers are reserved words: anywhere outside a call they are read as markers (like
``TOOL_USE[`` itself) and removed, with the whitespace touching them, from ``content``.
They must be non-empty, without surrounding whitespace or newlines, and none may
contain another or ``TOOL_USE[`` (:class:`ValueError` otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from toolschool.formats.base import StreamEvent, ToolFormat
from toolschool.formats.delimited import JsonArgumentsStreamParser
from toolschool.formats.json_object import tojson
from toolschool.types import ToolCall, ToolResult, ToolSchema

if TYPE_CHECKING:
    from toolschool.formats.grammar import CallSyntax

CALL_START = "TOOL_USE["
RESULT_START = "TOOL_RESULT["

INSTRUCTIONS = (
    'To call a tool, write TOOL_USE[name:{"argument": value}] on its own line, with the arguments '
    "as a JSON object. You may make several calls, one per line. "
    "If no tool is needed, answer directly."
)

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def describe_type(schema: Any) -> str:
    """A short type expression for a JSON Schema fragment.

    ``{"type": "string", "enum": ["a", "b"]}`` → ``"a"|"b"``; ``{"type": "array", "items":
    {"type": "integer"}}`` → ``integer[]``; an object with properties → ``{k: type, o?: type}``;
    ``anyOf``/``oneOf`` and type lists → ``a|b``; no type → ``any``.
    """
    if not isinstance(schema, dict):
        return "any"
    if "enum" in schema and isinstance(schema["enum"], list):
        text = "|".join(tojson(v) for v in schema["enum"])
    elif "const" in schema:
        text = tojson(schema["const"])
    elif isinstance(schema.get("anyOf") or schema.get("oneOf"), list):
        text = "|".join(describe_type(s) for s in (schema.get("anyOf") or schema.get("oneOf")))
    else:
        kind = schema.get("type")
        kinds = kind if isinstance(kind, list) else [kind]
        text = "|".join(_describe_kind(str(k) if k else "any", schema) for k in kinds)
    if schema.get("nullable") and "null" not in text.split("|"):
        text += "|null"
    return text


def _describe_kind(kind: str, schema: dict[str, Any]) -> str:
    if kind == "array":
        items = schema.get("items")
        if not isinstance(items, dict):
            return "array"
        inner = describe_type(items)
        return f"({inner})[]" if "|" in inner else f"{inner}[]"
    if kind == "object" and isinstance(schema.get("properties"), dict) and schema["properties"]:
        return "{" + _params(schema["properties"], schema.get("required", [])) + "}"
    return kind


def _params(properties: dict[str, Any], required: Any) -> str:
    required = set(required) if isinstance(required, list) else set()
    parts = []
    for key, spec in properties.items():
        mark = "" if key in required else "?"
        part = f"{key}{mark}: {describe_type(spec)}"
        if isinstance(spec, dict) and "default" in spec:
            part += f" = {tojson(spec['default'])}"
        parts.append(part)
    return ", ".join(parts)


def render_declaration(tool: ToolSchema) -> str:
    """One tool: ``- name(params) — description`` plus indented parameter descriptions."""
    params = tool.function.parameters if isinstance(tool.function.parameters, dict) else {}
    properties = params.get("properties") if isinstance(params.get("properties"), dict) else {}
    line = f"- {tool.name}({_params(properties, params.get('required', []))})"
    description = " ".join(tool.function.description.split())
    if description:
        line += f" — {description}"
    lines = [line]
    for key, spec in properties.items():
        text = spec.get("description") if isinstance(spec, dict) else None
        if isinstance(text, str) and text.strip():
            lines.append(f"    {key}: {' '.join(text.split())}")
    return "\n".join(lines)


class ToolUseFormat(ToolFormat):
    """The TOOL_USE wire format (see the module docstring for the rules).

    Args:
        lenient: repair the slips listed in the module docstring (recorded as repairs).
        think_marker: marker of a reasoning line (``"THINK:"``), or None.
        success_marker: marker written after a call's result (``"✓"``), or None.
        transition_marker: marker before the next call of a chain (``"THEN:"``), or None.

    Raises:
        ValueError: a marker that is empty, has surrounding whitespace or a newline,
            repeats another, or contains (or is contained in) another marker or ``TOOL_USE[``.
    """

    name = "tool_use"
    result_role = "tool"
    call_start = CALL_START

    def __init__(
        self,
        *,
        lenient: bool = False,
        think_marker: str | None = None,
        success_marker: str | None = None,
        transition_marker: str | None = None,
    ) -> None:
        super().__init__(lenient=lenient)
        self.think_marker = think_marker
        self.success_marker = success_marker
        self.transition_marker = transition_marker
        self.markers = tuple(m for m in (think_marker, success_marker, transition_marker) if m is not None)
        _check_markers(self.markers)

    def render_assistant(self, content: str, calls: list[ToolCall], *, after_results: bool = False) -> str:
        """Content, then the calls, one part per line.

        With markers: the success marker first when ``after_results`` (this turn follows
        tool results); the content as reasoning lines (``THINK: line``) when there are
        calls and a think marker; the transition marker before the first call when
        ``after_results``. Without markers this is the base rendering.
        """
        if not self.markers:
            return super().render_assistant(content, calls)
        parts = []
        if after_results and self.success_marker:
            parts.append(self.success_marker)
        if calls and self.think_marker and content.strip():
            parts += [f"{self.think_marker} {line.strip()}".rstrip() for line in content.strip().split("\n")]
        elif content:
            parts.append(content)
        if calls:
            rendered = self.render_calls(calls)
            if after_results and self.transition_marker:
                rendered = f"{self.transition_marker} {rendered}"
            parts.append(rendered)
        return "\n".join(parts)

    def render_tools(self, tools: list[ToolSchema]) -> str:
        """``Available tools:`` then one :func:`render_declaration` per tool."""
        return "\n".join(["Available tools:", *(render_declaration(t) for t in tools)])

    def render_system(self, tools: list[ToolSchema], system: str) -> str:
        """``system``, :data:`INSTRUCTIONS` and the declarations, separated by blank lines."""
        if not tools:
            return system
        return "\n\n".join(p for p in (system, INSTRUCTIONS, self.render_tools(tools)) if p)

    def render_calls(self, calls: list[ToolCall]) -> str:
        """``TOOL_USE[name:{json}]`` per call, one per line (``json.dumps`` defaults, UTF-8 kept)."""
        return "\n".join(f"{CALL_START}{c.name}:{tojson(c.arguments)}]" for c in calls)

    def render_results(self, results: list[ToolResult]) -> str:
        """``TOOL_RESULT[name:content]`` per result, one per line (content verbatim)."""
        return "\n".join(f"{RESULT_START}{r.name}:{r.content}]" for r in results)

    def call_syntax(self, tools: list[ToolSchema], special: Iterable[str] = ()) -> CallSyntax:
        """``TOOL_USE[name:{json}]`` per call, one per line."""
        from toolschool.formats import grammar

        return grammar.json_syntax(tools, lambda n: (f"{n}:", "]"), CALL_START, "\n", special)

    def stream(self) -> ToolUseStreamParser:
        return ToolUseStreamParser(
            lenient=self.lenient,
            think_marker=self.think_marker,
            success_marker=self.success_marker,
            transition_marker=self.transition_marker,
        )


def _check_markers(markers: tuple[str, ...]) -> None:
    """Raise :class:`ValueError` for markers the parser could not tell apart (see ToolUseFormat)."""
    for marker in markers:
        if not isinstance(marker, str) or not marker or marker != marker.strip() or "\n" in marker:
            raise ValueError(
                f"tool_use marker {marker!r} must be non-empty, without surrounding whitespace or newlines"
            )
    reserved = (*markers, CALL_START)
    for i, a in enumerate(reserved):
        for b in reserved[i + 1 :]:
            if a in b or b in a:
                raise ValueError(f"tool_use markers {a!r} and {b!r} overlap: one contains the other")


_NAME, _GAP, _JSON, _CLOSE, _SKIP = range(5)


class ToolUseStreamParser(JsonArgumentsStreamParser):
    """Incremental TOOL_USE parser.

    Events: ``call_started`` when the ``:`` after the name arrives; ``arguments_delta``
    with the raw JSON object text as it arrives (the deltas joined are the object);
    ``call_finished`` when the ``]`` after the object arrives (lenient: also when the line
    or the output ends after a complete object). Markers produce no events; reasoning
    lines go to ``result().reasoning`` when their line ends.

    Args: as :class:`ToolUseFormat` (markers are not checked here).
    """

    start = CALL_START
    skip_phase = _SKIP

    def __init__(
        self,
        lenient: bool = False,
        think_marker: str | None = None,
        success_marker: str | None = None,
        transition_marker: str | None = None,
    ) -> None:
        super().__init__()
        self.lenient = lenient
        self._think = think_marker
        self.starts = (CALL_START, *(m for m in (think_marker, success_marker, transition_marker) if m))
        self._reasoning: list[str] = []

    def _begin_call(self) -> None:
        self._phase = _NAME
        self._pos = 0
        self._obj_start = 0
        self._obj_end = 0
        self._scanner = self._new_scanner()
        self._delta_pos = 0
        self._args_limit = 0

    def _call_step(self, events: list[StreamEvent], final: bool) -> int | None:
        if self.opened == CALL_START:
            return self._tool_use_step(events, final)
        if self.opened == self._think:
            return self._reasoning_step(final)
        return 0  # a success or transition marker: nothing after it belongs to it

    def _reasoning_step(self, final: bool) -> int | None:
        """A reasoning line: up to the newline or the next ``TOOL_USE[`` (not included)."""
        text = self._call or ""
        i = self._pos
        newline = text.find("\n", i)
        call = text.find(CALL_START, i, newline if newline >= 0 else len(text))
        end = call if call >= 0 else newline
        if end < 0:
            if not final:
                self._pos = max(i, len(text) - len(CALL_START) + 1)
                return None
            end = len(text)
        self._reasoning.append(text[:end].strip())
        self._result.reasoning = "\n".join(self._reasoning)
        return end

    def _tool_use_step(self, events: list[StreamEvent], final: bool) -> int | None:
        text = self._call or ""
        i, n = self._pos, len(text)
        while i < n:
            c = text[i]
            if self._phase == _NAME:
                if c in _NAME_CHARS:
                    i += 1
                elif c == ":" and i > 0:
                    self._announce(events, text[:i])
                    self._phase = _GAP
                    i += 1
                else:
                    what = "a tool name" if i == 0 else "':' after the tool name"
                    self._fail(events, i, f"unexpected {c!r}; expected {what}")
            elif self._phase == _GAP:
                if c == " " or c == "\t":
                    i += 1
                elif c == "{":
                    self._phase, self._obj_start, self._delta_pos = _JSON, i, i
                else:
                    self._fail(events, i, f"unexpected {c!r}; expected '{{' to open the JSON arguments")
            elif self._phase == _JSON:
                i = self._json_step(events, text, i)
                if self._scanner.done:
                    self._phase = _CLOSE
            elif self._phase == _CLOSE:
                if c == " " or c == "\t":
                    i += 1
                elif c == "]":
                    self._conclude(events, text)
                    return i + 1
                elif self.lenient and (c == "\n" or c == "\r"):
                    self._conclude_unclosed(events, text, i)
                    return i
                else:
                    self._fail(events, i, f"unexpected {c!r}; expected ']' to close the call")
            else:  # _SKIP: the rest of the line belongs to the failed call
                newline = text.find("\n", i)
                if newline >= 0:
                    return newline
                i = n
        self._pos = i
        self._flush_arguments(events)
        if not final:
            return None
        if self._phase == _CLOSE and self.lenient:
            self._conclude_unclosed(events, text, n)
        elif self._phase != _SKIP:
            self._error(events, "output ended inside a TOOL_USE call (no closing ']')", self._call_offset)
        return n

    def _conclude_unclosed(self, events: list[StreamEvent], text: str, at: int) -> None:
        """Lenient: a complete object whose ``]`` never came (before ``at``): the call, repaired."""
        if self._conclude(events, text):
            self._repair("added the missing closing ']'", self._body_offset + at)

    def _conclude(self, events: list[StreamEvent], text: str) -> bool:
        """Decode the object and emit the call (True), or an error (False)."""
        args = self._decode_arguments(events, text)
        if args is None:
            return False
        self._finish_call(events, ToolCall(name=text[: text.index(":")], arguments=args))
        return True
