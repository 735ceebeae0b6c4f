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
"""

from __future__ import annotations

import json
from typing import Any

from toolschool.formats.base import StreamEvent, ToolFormat
from toolschool.formats.delimited import DelimitedStreamParser, JsonObjectScanner, decode_json
from toolschool.types import ToolCall, ToolResult, ToolSchema

CALL_START = "TOOL_USE["
RESULT_START = "TOOL_RESULT["

INSTRUCTIONS = (
    'To call a tool, write TOOL_USE[name:{"argument": value}] on its own line, with the arguments '
    "as a JSON object. You may make several calls, one per line. "
    "If no tool is needed, answer directly."
)

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def _literal(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def describe_type(schema: Any) -> str:
    """A short type expression for a JSON Schema fragment.

    ``{"type": "string", "enum": ["a", "b"]}`` → ``"a"|"b"``; ``{"type": "array", "items":
    {"type": "integer"}}`` → ``integer[]``; an object with properties → ``{k: type, o?: type}``;
    ``anyOf``/``oneOf`` and type lists → ``a|b``; no type → ``any``.
    """
    if not isinstance(schema, dict):
        return "any"
    if "enum" in schema and isinstance(schema["enum"], list):
        text = "|".join(_literal(v) for v in schema["enum"])
    elif "const" in schema:
        text = _literal(schema["const"])
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
            part += f" = {_literal(spec['default'])}"
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
    """The TOOL_USE wire format (see the module docstring for the rules)."""

    name = "tool_use"
    result_role = "tool"
    call_start = CALL_START

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
        return "\n".join(f"{CALL_START}{c.name}:{_literal(c.arguments)}]" for c in calls)

    def render_results(self, results: list[ToolResult]) -> str:
        """``TOOL_RESULT[name:content]`` per result, one per line (content verbatim)."""
        return "\n".join(f"{RESULT_START}{r.name}:{r.content}]" for r in results)

    def stream(self) -> ToolUseStreamParser:
        return ToolUseStreamParser()


_NAME, _GAP, _JSON, _CLOSE, _SKIP = range(5)


class ToolUseStreamParser(DelimitedStreamParser):
    """Incremental TOOL_USE parser.

    Events: ``call_started`` when the ``:`` after the name arrives; ``arguments_delta``
    with the raw JSON object text as it arrives (the deltas joined are the object);
    ``call_finished`` when the ``]`` after the object arrives.
    """

    start = CALL_START

    def _begin_call(self) -> None:
        self._phase = _NAME
        self._pos = 0
        self._obj_start = 0
        self._obj_end = 0
        self._scanner = JsonObjectScanner(strict_strings=False)
        self._delta_pos = 0
        self._args_limit = 0

    def _call_step(self, events: list[StreamEvent], final: bool) -> int | None:
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
                self._scanner.step(c)
                if self._scanner.broken:
                    self._fail(events, i, *_json_problem(text[self._obj_start : i + 1], self._obj_start))
                    continue
                i = self._args_limit = i + 1
                if self._scanner.done:
                    self._phase, self._obj_end = _CLOSE, i
            elif self._phase == _CLOSE:
                if c == " " or c == "\t":
                    i += 1
                elif c == "]":
                    self._conclude(events, text)
                    return i + 1
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
        if self._phase != _SKIP:
            self._error(events, "output ended inside a TOOL_USE call (no closing ']')", self._call_offset)
        return n

    def _flush_arguments(self, events: list[StreamEvent]) -> None:
        if self._announced and self._args_limit > self._delta_pos:
            self._delta(events, (self._call or "")[self._delta_pos : self._args_limit])
            self._delta_pos = self._args_limit

    def _fail(self, events: list[StreamEvent], i: int, message: str, at: int | None = None) -> None:
        self._phase = _SKIP
        self._error(events, message, self._body_offset + (i if at is None else at))

    def _conclude(self, events: list[StreamEvent], text: str) -> None:
        args, problem, at = decode_json(text[self._obj_start : self._obj_end])
        if problem is not None:
            offset = self._body_offset + self._obj_start + at
            self._error(events, f"invalid JSON arguments: {problem}", offset)
            return
        if not isinstance(args, dict):  # the scanner also accepts '[' … ']'
            self._error(events, "arguments must be a JSON object", self._body_offset + self._obj_start)
            return
        self._finish_call(events, ToolCall(name=text[: text.index(":")], arguments=args))


def _json_problem(raw: str, start: int) -> tuple[str, int]:
    """Message and call-relative offset for JSON that the scanner found broken."""
    _, problem, at = decode_json(raw, prefix_only=True)
    if problem is not None:
        return f"invalid JSON arguments: {problem}", start + at
    return f"unexpected {raw[-1]!r} in the JSON arguments", start + len(raw) - 1
