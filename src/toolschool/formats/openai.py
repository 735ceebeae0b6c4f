"""OpenAI / Ollama chat-completion JSON, written by the model as text.

Sources: the OpenAI chat-completions API reference (assistant ``tool_calls``: ``{"id",
"type": "function", "function": {"name", "arguments": "<JSON string>"}}``; the ``tools``
array; ``{"role": "tool", "tool_call_id", "content"}`` messages) and Ollama's ``/api/chat``
(``arguments`` as an object; its models often print a bare ``{"name", "arguments"}``). No chat
template defines this format (the API renders it server-side): the prompt wording is ours.

* declarations: the system text, :data:`PREAMBLE` + the ``tools`` array (one ``json.dumps``
  line), :data:`INSTRUCTIONS`;
* calls: ``{"tool_calls": [{"id": "call_0", "type": "function", "function": {"name": …,
  "arguments": "{…}"}}, …]}``, ``arguments`` a JSON string, ids ``call_<i>`` unless
  :attr:`ToolCall.id` is set (``json.dumps`` defaults, UTF-8 kept);
* results: ``{"role": "tool", "tool_call_id": …, "content": …}`` per line (``call_<i>`` for a
  result without ``call_id``, as the calls are numbered).

Parsing (strict): these shapes are found anywhere in the output, all other text is content: a
message ``{"role": "assistant", "content": …, "tool_calls": [...]}`` or bare ``{"tool_calls":
[...]}`` (a string ``content`` becomes content); a list of tool calls; one tool call. A tool
call is ``{"id"?, "type"?: "function", "index"?, "function": {"name", "arguments"?}}`` or flat
``{"id"?, "type"?, "index"?, "name", "arguments"?}`` (``parameters`` also read); arguments are
an object, a JSON string holding one, or ``""``/``null``/missing. A JSON value is a call shape
once its first key says so (``tool_calls``, ``role``, ``content``, ``name``, ``arguments``,
``parameters``, ``function``; ``id``/``type``/``index`` wait for the next key): ``{"answer":
42}`` or ``[1, 2]`` stay content, whole. In a call shape anything else is a
:class:`~toolschool.formats.base.ParseError`: malformed JSON (at the offending character; the
rest of that line is dropped), unknown keys, no name, a ``type`` other than ``"function"``,
arguments that are not an object, output ending inside the JSON.

Lenient (``lenient=True``), each fix recorded as a repair: a fenced ```` ```json ```` block;
single quotes, trailing commas and other slips in a call object (scanned tolerantly, decoded
with ``json_repair``); unknown keys in a call that has arguments (ignored); closing brackets
missing at the end of output (added, and sent as a last ``arguments_delta`` when the arguments
were open).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from toolschool.formats.base import StreamEvent, ToolFormat
from toolschool.formats.fences import FencedStreamParser
from toolschool.formats.json_object import (
    JSON_STRING_BODY,
    JsonValueSkipper,
    decode_arguments_text,
    decode_json,
    mend_json,
    tojson,
)
from toolschool.types import ToolCall, ToolResult, ToolSchema

if TYPE_CHECKING:
    from toolschool.formats.grammar import CallSyntax

CALL_START = '{"tool_calls": ['

PREAMBLE = "You can call the following functions, given in the OpenAI tools format:"
INSTRUCTIONS = (
    'To call functions, reply with a JSON object {"tool_calls": [{"id": "call_0", "type": "function", '
    '"function": {"name": <function-name>, "arguments": <JSON string of the arguments object>}}]}, '
    "one entry per call. If no function is needed, answer directly."
)

_MSG_KEYS = frozenset({"tool_calls", "role", "content"})
_CALL_KEYS = frozenset({"function", "name", "arguments", "parameters"})
_WAIT_KEYS = frozenset({"id", "type", "index"})
_ALLOWED = {True: _WAIT_KEYS | {"function"}, False: _WAIT_KEYS | {"name", "arguments", "parameters"}}


class OpenAIFormat(ToolFormat):
    """The OpenAI/Ollama JSON wire format (see the module docstring for the rules)."""

    name = "openai"
    result_role = "tool"
    call_start = CALL_START

    def render_tools(self, tools: list[ToolSchema]) -> str:
        """The OpenAI ``tools`` array as one JSON line."""
        return tojson([tool.to_openai() for tool in tools])

    def render_system(self, tools: list[ToolSchema], system: str) -> str:
        """``system``, :data:`PREAMBLE` + the ``tools`` array, :data:`INSTRUCTIONS`, split by blank lines."""
        if not tools:
            return system
        parts = [system, PREAMBLE + "\n" + self.render_tools(tools), INSTRUCTIONS]
        return "\n\n".join(part for part in parts if part)

    def render_calls(self, calls: list[ToolCall]) -> str:
        """``{"tool_calls": [...]}`` with ``arguments`` as JSON strings and ids ``call_<i>`` by default."""
        entries = [
            {
                "id": c.id or f"call_{i}",
                "type": "function",
                "function": {"name": c.name, "arguments": tojson(c.arguments)},
            }
            for i, c in enumerate(calls)
        ]
        return tojson({"tool_calls": entries})

    def render_results(self, results: list[ToolResult]) -> str:
        """``{"role": "tool", "tool_call_id": …, "content": …}`` per result, one per line."""
        return "\n".join(
            tojson({"role": "tool", "tool_call_id": r.call_id or f"call_{i}", "content": r.content})
            for i, r in enumerate(results)
        )

    def call_syntax(self, tools: list[ToolSchema], special: Iterable[str] = ()) -> CallSyntax:
        """``{"tool_calls": [{"id": …, "type": "function", "function": {"name": …, "arguments": "…"}}]}``,
        the arguments an escaped JSON string (:func:`~toolschool.formats.grammar.escaped_json_style`)."""
        from toolschool.formats import grammar

        syntax = grammar.styled_syntax(
            tools,
            grammar.escaped_json_style(),
            lambda n: (f'{n}", "arguments": "', '"}}'),
            '{"tool_calls": [',
            ", ",
            special,
            each=False,
            close="]}",
        )
        head = (
            grammar.literal('{"id": "', special)
            + r" /[A-Za-z0-9_\-]{1,40}/ "
            + grammar.literal('", "type": "function", "function": {"name": "', special)
        )
        return replace(syntax, bodies={n: f"{head} {b}" for n, b in syntax.bodies.items()})

    def stream(self) -> OpenAIStreamParser:
        return OpenAIStreamParser(lenient=self.lenient)

    def decode_arguments(self, raw: str) -> dict:
        """Arguments from the raw ``arguments`` JSON: the base reading plus ``null`` → ``{}``
        (and, lenient, ``json_repair``, as the parser did for that call).

        Raises:
            ValueError: not an arguments value.
        """
        return decode_arguments_text(raw, self.lenient)[0]


# what comes next inside a container
_KEY_OR_END, _KEY, _COLON, _VALUE, _VALUE_OR_END, _COMMA_OR_END = range(6)
_WALK, _SKIP = range(2)

#: where a call shape can start: ``{`` before a key's quote, ``[`` before ``{`` (or the end, undecided)
_OPEN = re.compile(r"\{[ \t\r\n]*(?:[\"']|\Z)|\[[ \t\r\n]*(?:\{|\Z)")
_SPACE = re.compile(r"[ \t\r\n]*")
_SCALAR = re.compile(r"[A-Za-z0-9+\-.]*")
_SCALAR_START = frozenset("-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


class _Frame:
    """An open JSON container: its closer, role, start, what comes next and current key."""

    __slots__ = ("close", "expect", "key", "role", "start")

    def __init__(self, close: str, role: str, start: int):
        self.close, self.role, self.start, self.key = close, role, start, None
        self.expect = _KEY_OR_END if close == "}" else _VALUE_OR_END


class OpenAIStreamParser(FencedStreamParser):
    """Incremental parser for OpenAI/Ollama JSON in model text.

    A ``{`` before a key or a ``[`` before ``{`` is held back until its first key shows
    whether it is a call shape (then it is scanned as one) or not (then the whole value is
    content). Events: ``call_started`` when a call's ``"name"`` string is complete;
    ``arguments_delta`` with the raw text of its ``"arguments"`` value (an object or a JSON
    string; sent once the name is known); ``call_finished`` when the call's object closes.

    Raises:
        RuntimeError: ``feed`` or ``finish`` after ``finish``.
    """

    start = ""

    def __init__(self, lenient: bool = False) -> None:
        super().__init__(lenient)
        self._scan = 0  # where in _buf to look for the next candidate
        self._probe_at = -1  # index in _buf of the candidate being checked
        self._in_probe = False
        self._rejected = ""  # why a candidate is no call: "skip" (JSON of another shape), "bracket"
        self._skip: JsonValueSkipper | None = None  # skipping a rejected candidate's value
        self._held_fence = -1  # lenient: offset of a ``` fence right before the candidate
        self._emitted = 0
        self._begin_call()

    # -- outside the JSON -------------------------------------------------------------------

    def _run(self, events: list[StreamEvent], final: bool) -> None:
        while True:
            if self._call is not None:
                end = self._call_step(events, final)
                if end is None:
                    return
                if self._held_fence >= 0:
                    self._repair("removed the ``` fence around the JSON", self._held_fence)
                    self._held_fence, self._fence_close = -1, True
                self._end_region(end)
            elif not self._outside_step(events, final):
                return

    def _outside_step(self, events: list[StreamEvent], final: bool) -> bool:
        """Emit content and check candidates in place; True when one is a call shape."""
        if self._probe_at < 0:
            lead = self._lead_in(final)
            if lead is not None:
                return lead
        buf = self._buf
        self._emitted = 0  # _buf[:_emitted] is content, sent once when this call returns
        while True:
            if self._probe_at < 0:
                found = _OPEN.search(buf, self._scan)
                if found is None:
                    break
                self._start_probe(buf, found.start())
            if self._skip is None:
                self._pos = self._walk(events, buf, self._pos, final)
                if self._probing and not self._rejected and not final:
                    return self._wait(events, buf)  # the first key has not arrived yet
                if not self._probing and not self._rejected:
                    self._send(events, buf[: self._emitted])
                    return self._open_region(buf)
                if self._rejected == "skip":  # JSON of another shape: all of it is content
                    self._skip = JsonValueSkipper("}" if buf[self._probe_at] == "{" else "]", self.lenient)
                    self._pos = self._probe_at + 1
            # Not a call shape: the whole value is content if it is JSON, else just the bracket.
            # Skipping starts only where the whole text has a candidate too (a key or '[{'), so a
            # candidate seen because a chunk ended after a bracket changes nothing.
            ended = None
            if self._skip is not None:
                self._pos, ended = self._skip.scan(buf, self._pos)
                if ended is None and not final:
                    return self._wait(events, buf)
            self._scan = self._pos if ended else self._probe_at + 1
            self._skip, self._probe_at, self._rejected, self._in_probe = None, -1, "", False
            self._held_fence = -1
        keep = len(buf) if final else len(buf.rstrip())
        keep = max(self._content_end(buf, self._emitted, keep, final), self._emitted)
        self._send(events, buf[:keep])
        self._buf, self._buf_offset = buf[keep:], self._buf_offset + keep
        self._scan = max(0, self._scan - keep)
        return False

    def _start_probe(self, buf: str, at: int) -> None:
        """Check the candidate at ``at``; the text before its whitespace (and fence) is content."""
        done = self._emitted
        held = done + len(buf[done:at].rstrip())
        start = self._fence_before(buf, done, held)
        if start >= 0:
            self._held_fence, held = self._buf_offset + start, done + len(buf[done:start].rstrip())
        self._emitted = held
        self._begin_call()
        self._probe_at = self._pos = at
        self._in_probe = True

    def _wait(self, events: list[StreamEvent], buf: str) -> bool:
        """Send the content decided so far and keep the candidate for the next chunk."""
        done = self._emitted
        self._send(events, buf[:done])
        self._shift(done)
        self._buf, self._buf_offset = buf[done:], self._buf_offset + done
        return False

    def _shift(self, by: int) -> None:
        """Move the candidate's positions after ``by`` characters left the front of _buf."""
        self._probe_at, self._pos, self._tok_start = self._probe_at - by, self._pos - by, self._tok_start - by
        self._scan, self._emitted = max(0, self._scan - by), 0
        for frame in self._stack:
            frame.start -= by
        if self._c_start >= 0:
            self._c_start -= by
        if self._pending_break >= 0:
            self._pending_break -= by

    def _open_region(self, buf: str) -> bool:
        """The candidate is a call shape: move it (and the scan state) into the call region."""
        at = self._probe_at
        self._shift(at)
        self._probe_at, self._in_probe, self._scan = -1, False, 0
        self._call_offset = self._body_offset = self._buf_offset + at
        self._call, self._buf = buf[at:], ""
        return True

    # -- the JSON ---------------------------------------------------------------------------------

    def _begin_call(self) -> None:
        self._pos, self._phase, self._stack, self._probing, self._end = 0, _WALK, [], True, -1
        self._tok, self._tok_start, self._tok_quote, self._tok_key, self._tok_role = "", 0, '"', False, ""
        self._fast: JsonValueSkipper | None = None  # inside an arguments object or array
        self._c_start = self._args_start = self._args_end = -1
        self._args_limit = self._delta_pos = 0
        self._pending_break = -1  # strict: a single-quoted key found while checking the candidate

    def _call_step(self, events: list[StreamEvent], final: bool) -> int | None:
        text = self._call or ""
        n = len(text)
        if self._pending_break >= 0:
            at, self._pending_break = self._pending_break, -1
            self._broken(events, text, at)
        i = self._walk(events, text, self._pos, final) if self._phase == _WALK else self._pos
        if self._phase == _SKIP and self._end < 0:
            newline = text.find("\n", i)
            self._end, i = (newline if newline >= 0 else n if final else -1), n
        self._pos = i
        if self._args_start >= 0 and self._args_end < 0:
            self._args_limit = i
        self._flush_arguments(events)
        if self._end >= 0 or not final:
            return self._end if self._end >= 0 else None
        self._close_at_end(events, text)
        return n

    def _walk(self, events: list[StreamEvent], text: str, i: int, final: bool) -> int:
        """Scan from ``i`` until the text runs out, the JSON ends, breaks, is recognised or rejected."""
        n = len(text)
        while i < n and self._phase == _WALK and self._end < 0 and not self._rejected:
            if self._in_probe and not self._probing:
                break  # recognised: the caller moves the candidate into the call region
            if self._tok == "str":
                i = JSON_STRING_BODY[self._tok_quote, self.lenient].match(text, i).end()
                if i >= n or text[i] == "\\":  # the string (or an escape) goes on in the next chunk
                    i = n if final else i
                    break
                if text[i] != self._tok_quote:
                    self._broken(events, text, i)
                    break
                self._tok, i = "", i + 1
                self._string_done(events, text, i)
            elif self._tok == "scalar":
                i = _SCALAR.match(text, i).end()
                if i >= n and not final:
                    break
                self._tok = ""
                self._scalar_done(events, text, i)
            elif self._fast is not None:
                i, ended = self._fast.scan(text, i)
                if ended is None:
                    break
                if ended is False:
                    self._broken(events, text, i)
                elif ended:
                    self._fast = None
                    self._close(events, text, i - 1)
            else:
                i = _SPACE.match(text, i).end()
                if i < n:
                    i = self._token(events, text, i)
        return i

    def _token(self, events: list[StreamEvent], text: str, i: int) -> int:
        """Handle the structural character at ``i``; return the next index."""
        c = text[i]
        if not self._stack:  # the candidate's opening bracket
            self._stack.append(_Frame("}" if c == "{" else "]", "probe_obj" if c == "{" else "probe_list", i))
            return i + 1
        frame = self._stack[-1]
        expect = frame.expect
        quote = c == '"' or (c == "'" and (self.lenient or self._probing))
        if expect in (_KEY_OR_END, _KEY) and quote:
            self._tok, self._tok_start, self._tok_quote, self._tok_key = "str", i, c, True
        elif expect == _COLON and c == ":":
            frame.expect = _VALUE
        elif expect == _COMMA_OR_END and c == ",":
            frame.expect = _KEY if frame.close == "}" else _VALUE
        elif c == frame.close and (expect in (_KEY_OR_END, _VALUE_OR_END, _COMMA_OR_END) or self.lenient):
            if expect == _COLON or (expect == _VALUE and frame.close == "}"):
                self._broken(events, text, i)
                return i
            self._close(events, text, i)
        elif expect in (_VALUE, _VALUE_OR_END) and (c == "{" or c == "[" or quote or c in _SCALAR_START):
            kind = "str" if quote else "scalar" if c in _SCALAR_START else c
            role = self._child_role(events, frame, kind, i)
            frame.expect = _COMMA_OR_END
            if self._rejected:
                return i
            if kind in ("str", "scalar"):
                self._tok, self._tok_start, self._tok_quote, self._tok_key = kind, i, c, False
                self._tok_role = role
                return i + (kind == "str")
            self._stack.append(_Frame("}" if c == "{" else "]", role, i))
            if role == "call":
                self._start_call(i)
            elif role == "args":
                self._fast = JsonValueSkipper(self._stack[-1].close, self.lenient)
        else:
            self._broken(events, text, i)
            return i
        return i + 1

    # -- what the JSON means -------------------------------------------------------------------

    def _child_role(self, events: list[StreamEvent], frame: _Frame, kind: str, i: int) -> str:
        """The role of a value starting at ``i`` inside ``frame`` (and what it starts)."""
        role, key = frame.role, frame.key
        if role == "probe_list":  # its first element
            self._rejected = "" if kind == "{" else "bracket"
            return "probe_call"
        if role in ("probe_obj", "probe_call"):
            if kind in ("{", "["):  # only scalar ids/types/indices may come before the call keys
                self._rejected = "skip"
            return "other"
        if role == "msg" and key in ("tool_calls", "content"):
            wanted = "[" if key == "tool_calls" else "str"
            if kind == wanted or kind == "scalar":
                return ("calls" if key == "tool_calls" else "content") + ("?" if kind == "scalar" else "")
            what = "an array" if wanted == "[" else "a string"
            self._error(events, f'"{key}" must be {what}', self._body_offset + i)
        elif role in ("calls", "list"):
            if kind == "{":
                return "call"
            self._error(events, "a tool call must be a JSON object", self._body_offset + i)
        elif role in ("call", "function"):
            if key == "function" and role == "call" and kind == "{":
                return "function"
            if key == "name":
                return "name"
            arg_keys = ("arguments", "parameters") if role == "call" else ("arguments",)
            if key in arg_keys and self._args_start < 0:
                self._args_start = self._delta_pos = self._args_limit = i
                return "args"
        return "other"

    def _string_done(self, events: list[StreamEvent], text: str, end: int) -> None:
        frame, role = self._stack[-1], self._tok_role
        if self._tok_key:
            frame.expect = _COLON
            if frame.role not in ("probe_obj", "probe_call", "msg", "call", "function"):
                return
            frame.key = key = self._string_value(text[self._tok_start : end])
            if frame.role in ("probe_obj", "probe_call"):
                if key in _CALL_KEYS:
                    frame.role, self._probing = "call", False
                    if len(self._stack) == 2:
                        self._stack[0].role = "list"
                    self._start_call(frame.start)
                elif key in _MSG_KEYS and frame.role == "probe_obj":
                    frame.role, self._probing = "msg", False
                elif key not in _WAIT_KEYS:
                    self._rejected = "skip"
                if self._tok_quote == "'" and not (self.lenient or self._probing or self._rejected):
                    self._pending_break = self._tok_start  # a call shape, but not JSON
        elif role == "name" and not self._announced:
            name = self._string_value(text[self._tok_start : end])
            if isinstance(name, str) and name:
                self._announce(events, name)
        elif role == "args":
            self._args_end = self._args_limit = end
        elif role == "content":
            content = self._string_value(text[self._tok_start : end])
            if isinstance(content, str) and content.strip():
                self._separate = True
                self._emit_content(events, content.strip())

    def _scalar_done(self, events: list[StreamEvent], text: str, end: int) -> None:
        token = text[self._tok_start : end]
        if decode_json(token)[1] is not None and not (self.lenient and token in ("True", "False", "None")):
            self._broken(events, text, self._tok_start)
        elif self._tok_role == "args":
            self._args_end = self._args_limit = end
        elif self._tok_role.endswith("?") and token != "null":
            what = '"tool_calls" must be an array' if self._tok_role == "calls?" else None
            self._error(events, what or '"content" must be a string', self._body_offset + self._tok_start)

    def _string_value(self, token: str) -> Any:
        """Decode a string token (``None`` when it is not a valid string)."""
        if token.startswith('"') and "\\" not in token and (not self.lenient or token.isprintable()):
            return token[1:-1]  # no escapes (and, strict, no control characters: the scanner saw to that)
        if token.startswith('"'):
            value, problem, _ = decode_json(token)
            if problem is None or not self.lenient:
                return value
        value = mend_json("[" + token + "]")
        return value[0] if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str) else None

    def _close(self, events: list[StreamEvent], text: str, i: int) -> None:
        frame = self._stack.pop()
        if frame.role.startswith("probe_"):
            self._rejected = "bracket" if frame.role == "probe_list" else "skip"  # '[]' is no candidate
            return
        if frame.role == "args":
            self._args_end = self._args_limit = i + 1
        elif frame.role == "call":
            self._conclude(events, text[frame.start : i + 1], text[self._args_start : self._args_end])
        if not self._stack:
            self._end = i + 1

    def _start_call(self, start: int) -> None:
        self._c_start, self._args_start, self._args_end = start, -1, -1
        self._delta_pos = self._args_limit = 0

    # -- ends -------------------------------------------------------------------------------------

    def _conclude(self, events: list[StreamEvent], call_text: str, args_text: str) -> None:
        """Decode a complete tool-call object and emit the call, or an error."""
        start = self._body_offset + self._c_start
        obj, problem, at = decode_json(call_text)
        if problem is not None and not self.lenient:
            return self._call_error(events, f"invalid JSON in tool call: {problem}", start + at)
        if problem is not None:
            obj = mend_json(call_text)
            self._repair("repaired the tool call's JSON with json_repair", start)
        call = self._read_call(obj, start)
        if isinstance(call, str):
            return self._call_error(events, call, start)
        if self._announced and call[0] != self._announced_name:
            return self._call_error(events, 'the tool call has conflicting "name" values', start)
        args_at = self._body_offset + max(self._args_start, self._c_start)
        try:
            arguments, repaired = decode_arguments_text(args_text, self.lenient)
        except ValueError as exc:
            return self._call_error(events, str(exc), args_at)
        if repaired:
            self._repair("repaired the arguments' JSON with json_repair", args_at)
        self._finish_call(events, ToolCall(id=call[1], name=call[0], arguments=arguments))
        self._next_call()

    def _read_call(self, obj: Any, start: int) -> tuple[str, str | None] | str:
        """``(name, id)`` of a decoded tool-call object, or what is wrong with it."""
        if not isinstance(obj, dict):
            return f"a tool call must be a JSON object, got {type(obj).__name__}"
        nested = "function" in obj
        fn = obj["function"] if nested else obj
        if not isinstance(fn, dict):
            return '"function" must be a JSON object'
        unknown = [k for k in obj if k not in _ALLOWED[nested]]
        unknown += [k for k in fn if nested and k not in ("name", "arguments")]
        if unknown and not (self.lenient and (nested or "arguments" in obj or "parameters" in obj)):
            return f"unexpected key {unknown[0]!r} in the tool call"  # lenient too: {"name": "Ann", "age": 3}
        if unknown:
            self._repair(f"ignored unknown keys {unknown} in the tool call", start)
        if obj.get("type", "function") != "function":
            return 'the tool call\'s "type" must be "function"'
        if not isinstance(fn.get("name"), str) or not fn["name"]:
            return 'the tool call has no "name" string'
        if obj.get("id") is not None and not isinstance(obj["id"], str):
            return 'the tool call\'s "id" must be a string'
        return fn["name"], obj.get("id")

    def _close_at_end(self, events: list[StreamEvent], text: str) -> None:
        """Output ended inside recognised JSON: add the closers (lenient) or report it."""
        frames, fast = self._stack, self._fast
        if self._phase == _SKIP:
            return
        closable = self.lenient and self._tok != "str" and not (fast and fast.quote) and bool(frames)
        if fast is not None:
            closable = closable and text.rstrip()[-1:] != ":"
        elif closable:
            closable = frames[-1].expect not in (_COLON, _VALUE) or frames[-1].close == "]"
        call_open = self._c_start >= 0 and any(f.role == "call" for f in frames)
        if not closable:
            at = self._c_start if call_open else 0
            return self._call_error(events, "output ended inside the JSON tool call", self._body_offset + at)
        inner = "".join(reversed(fast.stack)) if fast is not None else ""
        outer = frames[:-1] if fast is not None else frames  # the arguments frame is in both
        closers = inner + "".join(f.close for f in reversed(outer))
        self._repair(f"added the missing {closers!r} at the end of output", self._body_offset + len(text))
        if not call_open:
            return
        depth = next(k for k, f in enumerate(frames) if f.role == "call")
        args_text = text[self._args_start : self._args_end] if self._args_start >= 0 else ""
        if self._args_start >= 0 and self._args_end < 0:  # the arguments value was still open
            args_text = text[self._args_start :] + inner
            if self._announced and inner:
                self._delta(events, inner)
        call_closers = inner + "".join(f.close for f in reversed(outer[depth:]))
        self._conclude(events, text[self._c_start :] + call_closers, args_text)

    # -- helpers ----------------------------------------------------------------------------------

    def _next_call(self) -> None:
        self._c_start = -1
        self._end_call()

    def _call_error(self, events: list[StreamEvent], message: str, offset: int) -> None:
        self._error(events, message, offset)
        self._next_call()

    def _broken(self, events: list[StreamEvent], text: str, i: int) -> None:
        """Malformed JSON at ``i``: reject an unrecognised candidate, else report and skip the line."""
        if self._probing:
            self._rejected = "bracket"
            return
        if self._args_start >= 0 and self._args_end < 0:
            self._args_limit = i
        message, at = f"unexpected {text[i]!r} in the JSON", i
        if not self.lenient:
            _, problem, pos = decode_json(text[: i + 1], prefix_only=True)
            if problem is not None:
                message, at = f"invalid JSON: {problem}", min(pos, i)
        self._phase, self._tok, self._fast = _SKIP, "", None
        self._call_error(events, message, self._body_offset + at)
