"""Llama 3.1 / 3.2 JSON tool calls: ``{"name": "get_weather", "parameters": {"city": "Paris"}}``.

Source: the official chat templates of ``meta-llama/Llama-3.1-8B-Instruct`` and
``meta-llama/Llama-3.2-3B-Instruct`` (``meta-llama-*.jinja`` in the workplace's ``shared/chat_templates``).
What they write, and who writes it here:

* declarations (format): each tool, in OpenAI shape, as ``tojson(indent=4)`` followed by
  ``"\\n\\n"`` (:meth:`Llama3JsonFormat.render_tools`), after a fixed instruction. By default
  (``tools_in_user_message`` true) they open the *first user message*::

      Given the following functions, please respond with a JSON for a function call with its
      proper arguments that best answers the given prompt.\\n\\nRespond in the format {"name":
      function name, "parameters": dictionary of argument name and its value}.Do not use
      variables.\\n\\n{declarations}{first user message, trimmed}

  (:meth:`~Llama3JsonFormat.render_user`; the missing space in ``}.Do`` is the template's).
  With ``tools_in_user_message=false`` they go in the system turn instead, with the
  instruction ``You have access to the following functions. To call a function, please
  respond with JSON for a function call.`` + the same ``Respond in the format…`` sentence.
* the system turn (turn wrapping, :class:`toolschool.chat.layouts.Llama3Layout`):
  ``Environment: ipython\\n`` when tools are given (format), then the template's own
  ``Cutting Knowledge Date: December 2023\\nToday Date: {date}\\n\\n`` (turn wrapping), then
  the system-placed declarations if any, then the trimmed system text.
  :meth:`~Llama3JsonFormat.render_system` — the body used when this format is put in other
  turns (ChatML) — is ``Environment: ipython\\n\\n`` + the system-placed instruction and
  declarations + the trimmed system text, i.e. the template's system body without the dates.
* a call (format): ``{"name": "NAME", "parameters": tojson(arguments)}``, the name written
  raw. The templates allow one call per turn (they raise otherwise); several calls are
  written joined by ``"; "``, the separator vLLM's ``llama3_json`` parser splits on. The
  turn ends with ``<|eot_id|>`` (``<|eom_id|>`` only with Llama 3.1's built-in tools, which
  this format does not write) — turn wrapping. The templates drop an assistant message's
  content when it has tool calls; :meth:`render_assistant` keeps it (content, newline,
  calls) so nothing is lost in other layouts, and ``Llama3Layout`` drops it as the
  template does.
* results (format): role ``ipython`` (:attr:`result_role`), one turn per result in the
  template. The body is ``tojson(content)``: the template tests ``content is iterable``,
  which a Jinja string is, so a string result is written as a JSON string
  (``"{\\"temp\\": 21}"``). Several results in one body (other layouts) are joined by ``"\\n"``.

``tojson`` is transformers' chat-template filter: ``json.dumps(x, ensure_ascii=False)``.

Parsing (vLLM's ``llama3_json`` parser is the reference for what is accepted beyond the
template): a call is a JSON object in the output, optionally right after ``<|python_tag|>``,
with a string ``"name"`` and its arguments under ``"parameters"`` or ``"arguments"`` (an
object, or a JSON string holding one; ``null`` is empty). Other keys (``"type": "function"``,
which Llama 3.2 likes to add) are ignored. Several calls may follow one another separated by
``;`` and/or whitespace (newlines); content may come before and after. Which objects are
calls — the format has no marker, so this is the rule:

* after ``<|python_tag|>``: always a call (a missing ``"parameters"`` means empty arguments);
* an object whose first key is ``"name"``: a call from that key on (the template's shape);
* any other object (``{"`` opening it): a call once it has shown both a string ``"name"``
  and a ``"parameters"``/``"arguments"`` key, in any order; if it closes, breaks or the
  output ends before that, it is plain content.

``call_started`` is emitted once a call is certain and its name known; the argument text is
streamed as ``arguments_delta`` (the deltas joined are the JSON value); ``call_finished``
comes on the object's closing ``}``. ``<|eom_id|>`` / ``<|eot_id|>`` right after a call are
dropped. An object in content that opens and never closes (``{"a": ``) swallows whatever
follows it, calls included: they are inside its text.

Strict errors (:class:`~toolschool.formats.base.ParseError` at the offending character): a
call whose JSON is invalid (the rest of its line is skipped), a call without a usable name,
non-object arguments, both ``"parameters"`` and ``"arguments"``, a call cut off by the end of
output, anything but a JSON object after ``<|python_tag|>``. Lenient repairs (each recorded):
JSON that ``json_repair`` mends (trailing commas, single quotes, unquoted keys), a call cut
off at the end of output (missing closing braces), a Markdown fence (```` ```json ````
… ```` ``` ````) around a call, and an object with only a string ``"name"`` (plus an optional
``"type"``), read as a call without arguments. Strict parsing reads a fenced call as a call
and the fence lines as content.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from toolschool.formats.base import ParseError, ParseResult, StreamEvent, ToolFormat
from toolschool.formats.delimited import ContentRuleStreamParser, partial_suffix
from toolschool.formats.json_object import (
    JSON_WS,
    ObjectScanner,
    arguments_value,
    decode_json,
    mend_json,
    next_arguments_delta,
    tojson,
)
from toolschool.types import ToolCall, ToolResult, ToolSchema

if TYPE_CHECKING:
    from toolschool.formats.grammar import CallSyntax

PYTHON_TAG = "<|python_tag|>"
CALL_START = '{"name": "'
ENVIRONMENT = "Environment: ipython\n"
STOP_TOKENS = ("<|eom_id|>", "<|eot_id|>")

_RESPOND = (
    'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.'
    "Do not use variables.\n\n"
)
USER_PREAMBLE = (
    "Given the following functions, please respond with a JSON for a function call "
    "with its proper arguments that best answers the given prompt.\n\n" + _RESPOND
)
SYSTEM_PREAMBLE = (
    "You have access to the following functions. To call a function, please respond with JSON "
    "for a function call." + _RESPOND
)
ARG_KEYS = ("parameters", "arguments")
_SNIPPET = 60


def decode_llama3_call(obj: Any, *, need_arguments: bool = True) -> ToolCall | str:
    """A decoded object as a :class:`ToolCall`, or the reason it is not one.

    Accepts ``"parameters"`` or ``"arguments"`` (not both), as an object, a JSON string
    holding one, or ``null``; without either key, empty arguments unless ``need_arguments``.
    Stricter than :func:`toolschool.formats.json_object.decode_call`, which takes the first
    key present: the Llama templates write only ``"parameters"``, so both keys is a slip.
    """
    if not isinstance(obj, dict):
        return f"a tool call must be a JSON object, got {type(obj).__name__}"
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        return 'the tool call has no "name" string'
    present = [k for k in ARG_KEYS if k in obj]
    if len(present) > 1:
        return 'the tool call has both "parameters" and "arguments"'
    if not present:
        if need_arguments:
            return 'the tool call has no "parameters"'
        return ToolCall(name=name, arguments={})
    args = arguments_value(obj[present[0]], present[0])
    return args if isinstance(args, str) else ToolCall(name=name, arguments=args)


# -- the format ------------------------------------------------------------------------


class Llama3JsonFormat(ToolFormat):
    """The Llama 3.1/3.2 JSON tool-call format (see the module docstring for the rules)."""

    name = "llama3_json"
    result_role = "ipython"
    call_start = CALL_START

    def render_tools(self, tools: list[ToolSchema]) -> str:
        """``tojson(tool, indent=4) + "\\n\\n"`` per tool (the template's declaration loop)."""
        return "".join(tojson(tool.to_openai(), indent=4) + "\n\n" for tool in tools)

    def render_instructions(self, tools: list[ToolSchema], *, in_user_message: bool = True) -> str:
        """The instruction sentence(s) and the declarations, as the template places them.

        ``in_user_message`` picks the first-user-message wording (the template default) or the
        system one. Empty without tools.
        """
        if not tools:
            return ""
        return (USER_PREAMBLE if in_user_message else SYSTEM_PREAMBLE) + self.render_tools(tools)

    def render_user(self, tools: list[ToolSchema], user: str) -> str:
        """Body of the first user message when tools go there: instructions + ``user.strip()``."""
        return self.render_instructions(tools, in_user_message=True) + user.strip()

    def render_system(self, tools: list[ToolSchema], system: str) -> str:
        """``Environment: ipython\\n\\n`` + system-placed instructions and declarations + ``system.strip()``.

        The template's system body with tools in the system turn, minus its date lines (see
        the module docstring). Without tools, ``system`` unchanged.
        """
        if not tools:
            return system
        return ENVIRONMENT + "\n" + self.render_instructions(tools, in_user_message=False) + system.strip()

    def render_calls(self, calls: list[ToolCall]) -> str:
        """``{"name": "N", "parameters": {…}}`` per call, joined by ``"; "``."""
        return "; ".join(f'{{"name": "{c.name}", "parameters": {tojson(c.arguments)}}}' for c in calls)

    def render_results(self, results: list[ToolResult]) -> str:
        """``tojson(content)`` per result (a JSON string), joined by ``"\\n"``."""
        return "\n".join(tojson(r.content) for r in results)

    def call_syntax(self, tools: list[ToolSchema], special: Iterable[str] = ()) -> CallSyntax:
        """``{"name": "N", "parameters": {json}}`` per call, joined by ``"; "``."""
        from toolschool.formats import grammar

        return grammar.json_syntax(
            tools, lambda n: (f'{n}", "parameters": ', "}"), '{"name": "', "; ", special
        )

    def stream(self) -> Llama3StreamParser:
        return Llama3StreamParser(lenient=self.lenient)


# -- streaming parser ------------------------------------------------------------------

_OUT, _TAG, _JSON, _POST, _SKIP = range(5)
_TRIGGER = re.compile(r"\{|<\|python_tag\|>")
_FENCE_OPEN_END = re.compile(r"(?<=\n)[ \t]*```[A-Za-z]*\Z")  # a fence line ending the text
_FENCE_TAIL = re.compile(r"(?<=\n)[ \t]*(?:`{1,2}|```[A-Za-z]*)\Z")  # maybe the start of one
_FENCE = "```"
_SPACE = re.compile(r"\s*")  # what str.strip() strips


class Llama3StreamParser(ContentRuleStreamParser):
    """Incremental Llama 3 JSON parser (rules and events in the module docstring).

    Content follows the shared rule of :mod:`toolschool.formats.delimited`: whitespace that
    touches a call is dropped, and content on both sides of a call is joined with ``"\\n"``.

    Raises:
        RuntimeError: ``feed`` after ``finish``, or ``finish`` twice (misuse, not bad output).
    """

    def __init__(self, lenient: bool = False) -> None:
        self.lenient = lenient
        self._result = ParseResult()
        self._text = ""  # window of the output not yet consumed
        self._base = 0  # offset of _text[0] in the whole output
        self._pos = 0
        self._mode = _OUT
        self._index = 0
        self._has_content = False
        self._separate = False
        self._strip_leading = False
        self._done = False
        self._fenced = False  # a fence was removed before the open call: drop its closing one
        self._line_start = True  # the first unemitted character starts a line
        self._reset_call()

    def _reset_call(self) -> None:
        self._scanner = ObjectScanner(single_quotes=True, loose_strings=self.lenient)
        self._held = ""  # whitespace (and a fence) before a candidate object
        self._held_fence = -1  # offset of the fence in _held's text, when there is one
        self._call_offset = 0
        self._obj_start = 0
        self._tagged = False
        self._certain = False
        self._announced = False
        self._name = ""
        self._delta_pos = -1

    # -- StreamParser ---------------------------------------------------------------------

    def feed(self, chunk: str) -> list[StreamEvent]:
        """Consume ``chunk``; return the events it completes."""
        if self._done:
            raise RuntimeError("Llama3StreamParser.feed() called after finish()")
        events: list[StreamEvent] = []
        self._text += chunk
        self._run(events, final=False)
        return events

    def finish(self) -> list[StreamEvent]:
        """End of output: settle an open call (as strict/lenient allows) and flush content."""
        if self._done:
            raise RuntimeError("Llama3StreamParser.finish() called twice")
        events: list[StreamEvent] = []
        self._run(events, final=True)
        self._done = True
        return events

    # -- the loop -------------------------------------------------------------------------

    def _run(self, events: list[StreamEvent], final: bool) -> None:
        steps = (self._outside, self._after_tag, self._in_object, self._after_call, self._skip)
        while steps[self._mode](events, final):  # each step says whether to go on
            pass

    def _consume_to(self, pos: int) -> int:
        """Everything before ``pos`` is dealt with: continue there; return ``pos``'s new index.

        The window is cut only when the consumed part is both long and most of it, so that
        consuming costs amortised constant time (no copy of the rest per call).
        """
        if pos > 1024 and 2 * pos > len(self._text):
            self._text = self._text[pos:]
            self._base += pos
            pos = 0
        self._pos = pos
        return pos

    def _emit_content(self, events: list[StreamEvent], text: str) -> None:
        if text:
            self._line_start = text.endswith("\n")
        super()._emit_content(events, text)

    def _outside(self, events: list[StreamEvent], final: bool) -> bool:
        t, i = self._text, self._pos
        if self._strip_leading:
            i = _SPACE.match(t, i).end()
            if i >= len(t):
                self._consume_to(len(t))
                return False
            self._strip_leading = False
        search = i
        while (m := _TRIGGER.search(t, search)) is not None:
            at = m.start()
            if m.group() == PYTHON_TAG:
                self._open(events, t, i, at, tagged=True)
                return True
            after = JSON_WS.match(t, at + 1).end()
            if after < len(t):
                if t[after] == '"' or t[after] == "'":
                    self._open(events, t, i, at, tagged=False)
                    return True
            elif not final:  # '{' and only whitespace so far: wait for the next character
                self._emit_until(events, t, i, at)
                return False
            search = at + 1
        if final:
            self._emit_content(events, t[i:])
            self._consume_to(len(t))
        else:
            self._emit_until(
                events, t, i, len(t) - partial_suffix(t[max(i, len(t) - len(PYTHON_TAG)) :], PYTHON_TAG)
            )
        return False

    def _emit_until(self, events: list[StreamEvent], t: str, i: int, limit: int) -> None:
        """Emit ``t[i:limit]`` but for trailing whitespace (lenient: and a fence line) a call may claim."""
        stop = i + len(t[i:limit].rstrip())
        if self.lenient:
            fence = self._fence_start(t[i:stop], _FENCE_TAIL)
            if fence >= 0:
                stop = i + len(t[i : i + fence].rstrip())
        self._emit_content(events, t[i:stop])
        self._consume_to(stop)

    def _fence_start(self, text: str, pattern: re.Pattern[str]) -> int:
        """Index in ``text`` of the fence line ``pattern`` finds at its end, or -1.

        ``text`` starts where the unemitted output starts, which is a line start only when
        the last thing before it was a newline or a call (``_line_start``).
        """
        m = pattern.search(("\n" if self._line_start else "x") + text)
        return -1 if m is None else m.start() - 1

    def _open(self, events: list[StreamEvent], t: str, i: int, at: int, tagged: bool) -> None:
        """A ``<|python_tag|>`` or a candidate ``{`` at ``at``: emit the content before it."""
        pre = t[i:at]
        body = pre.rstrip()
        fence = self._fence_start(body, _FENCE_OPEN_END) if self.lenient else -1
        if fence >= 0:
            body = body[:fence].rstrip()
        self._emit_content(events, body)
        self._reset_call()
        self._held = pre[len(body) :]
        self._held_fence = self._base + i + fence if fence >= 0 else -1
        at = self._consume_to(at)
        self._call_offset = self._base + at
        self._tagged = tagged
        if tagged:
            self._pos = at + len(PYTHON_TAG)
            self._mode = _TAG
            self._make_certain()
        else:
            self._obj_start = at
            self._mode = _JSON

    def _make_certain(self) -> None:
        """The object is a call: drop the whitespace/fence before it."""
        if self._certain:
            return
        self._certain = True
        if self._held_fence >= 0:
            self._repair("removed a Markdown code fence around the tool call", self._held_fence)
            self._fenced = True
        self._held = ""

    def _after_tag(self, events: list[StreamEvent], final: bool) -> bool:
        t = self._text
        i = JSON_WS.match(t, self._pos).end()
        self._pos = i
        if i >= len(t):
            if final:
                self._error(events, "output ended after <|python_tag|> (no JSON object)", self._call_offset)
                self._mode = _SKIP
                return True
            return False
        if t[i] == "{":
            self._obj_start = i
            self._mode = _JSON
            return True
        self._error(
            events, f"unexpected {t[i]!r}; expected a JSON object after <|python_tag|>", self._base + i
        )
        self._mode = _SKIP
        return True

    # -- inside an object -----------------------------------------------------------------

    def _in_object(self, events: list[StreamEvent], final: bool) -> bool:
        t = self._text
        sc = self._scanner
        self._pos = sc.scan(t, self._pos)
        self._check_certain(events)
        self._flush_arguments(events)
        if sc.done:
            self._object_done(events)
            return True
        if sc.broken:
            self._object_broken(events)
            return True
        if not final:
            return False
        self._object_cut(events)
        return True

    def _check_certain(self, events: list[StreamEvent]) -> None:
        sc = self._scanner
        if not self._certain:
            name = sc.strings.get("name")
            if sc.first_key == "name" or (
                isinstance(name, str) and name and any(k in sc.keys for k in ARG_KEYS)
            ):
                self._make_certain()
        if self._certain and not self._announced:
            name = sc.strings.get("name")
            if isinstance(name, str) and name:
                self._announced, self._name = True, name
                self._emit(events, StreamEvent("call_started", index=self._index, name=name))

    def _flush_arguments(self, events: list[StreamEvent]) -> None:
        if not self._announced:
            return
        span = self._scanner.arguments_span(ARG_KEYS, self._pos)
        piece, self._delta_pos = next_arguments_delta(self._text, span, self._delta_pos)
        if piece:
            self._emit(events, StreamEvent("arguments_delta", text=piece, index=self._index))

    def _object_done(self, events: list[StreamEvent]) -> None:
        """The object closed: a call, an error, or (not a call after all) content."""
        sc = self._scanner
        raw = self._text[self._obj_start : sc.end]
        where = self._base + self._obj_start
        obj, problem, at = decode_json(raw)
        fixes: list[tuple[str, int]] = []
        if problem is not None:
            obj = mend_json(raw) if self.lenient else None
            fixes.append((f"repaired invalid JSON in the tool call ({problem})", where + at))
        if not (self._certain or _call_shaped(obj) or (self.lenient and _name_only(obj))):
            self._release(events, sc.end)
            return
        self._make_certain()
        call = decode_llama3_call(obj, need_arguments=not self._tagged)
        if isinstance(call, str) and self.lenient and _name_only(obj):
            call = ToolCall(name=obj["name"], arguments={})
            fixes.append(('read an object with only a "name" as a call without arguments', where))
        if isinstance(call, ToolCall) and not self._same_name(call):
            call = 'the tool call has conflicting "name" keys'
        self._mode, self._pos = _POST, sc.end
        if isinstance(call, str):
            if problem is not None:
                self._error(events, f"invalid JSON in tool call: {problem}", where + at)
            else:
                self._error(events, call, where)
            return
        for message, offset in fixes:
            self._repair(message, offset)
        self._finish(events, call)

    def _object_broken(self, events: list[StreamEvent]) -> None:
        t, sc = self._text, self._scanner
        j = sc.break_at
        if not self._certain:
            self._release(events, j)
            return
        message = "repaired malformed JSON in the tool call"
        if self._try_repair(events, t[self._obj_start : j], message, self._base + self._obj_start):
            self._mode, self._pos = _SKIP, j  # the rest of the line went with the broken object
            return
        _, problem, at = decode_json(t[self._obj_start : j + 1], prefix_only=True)
        if problem is None:
            message, offset = f"unexpected {t[j]!r} in the JSON object", j
        else:
            message, offset = f"invalid JSON in tool call: {problem}", self._obj_start + at
        self._error(events, message, self._base + offset)
        self._mode, self._pos = _SKIP, j

    def _object_cut(self, events: list[StreamEvent]) -> None:
        """The output ended inside an object."""
        t, sc = self._text, self._scanner
        if not self._certain:
            self._release(events, len(t))
            return
        message = f"closed the tool call cut off at the end of output (added {sc.missing_closers()!r})"
        if self._try_repair(events, t[self._obj_start :], message, self._base + len(t)):
            self._mode, self._pos = _POST, len(t)
            return
        self._error(events, "output ended inside a tool call (no complete JSON object)", self._call_offset)
        self._mode, self._pos = _SKIP, len(t)

    def _try_repair(self, events: list[StreamEvent], text: str, message: str, offset: int) -> bool:
        """Lenient: emit the call ``json_repair`` makes of ``text`` (recording ``message``)."""
        if not self.lenient:
            return False
        call = decode_llama3_call(mend_json(text), need_arguments=not self._tagged)
        if not isinstance(call, ToolCall) or not self._same_name(call):
            return False
        self._repair(message, offset)
        self._finish(events, call)
        return True

    def _same_name(self, call: ToolCall) -> bool:
        return not self._announced or call.name == self._name

    def _release(self, events: list[StreamEvent], stop: int) -> None:
        """The candidate was not a call: its text (and what was held before it) is content."""
        self._emit_content(events, self._held + self._text[self._obj_start : stop])
        self._held = ""
        self._consume_to(stop)
        self._mode = _OUT

    def _finish(self, events: list[StreamEvent], call: ToolCall) -> None:
        if not self._announced:
            self._announced, self._name = True, call.name
            self._emit(events, StreamEvent("call_started", index=self._index, name=call.name))
        self._flush_arguments(events)
        self._emit(events, StreamEvent("call_finished", index=self._index, name=call.name, call=call))
        self._close_call()

    def _error(self, events: list[StreamEvent], message: str, offset: int) -> None:
        self._flush_arguments(events)
        rel = max(0, offset - self._base)
        error = ParseError(message, offset, self._text[rel : rel + _SNIPPET])
        self._emit(events, StreamEvent("error", index=self._index if self._announced else -1, error=error))
        self._close_call()

    def _close_call(self) -> None:
        if self._announced:
            self._index += 1
        self._announced = False
        self._delta_pos = -1

    # -- after a call ---------------------------------------------------------------------

    def _after_call(self, events: list[StreamEvent], final: bool) -> bool:
        """Swallow whitespace, one ``;``, stop tokens and a closing fence after a call."""
        t, i = self._text, self._pos
        while True:
            i = JSON_WS.match(t, i).end()
            if i >= len(t):
                if not final:
                    self._pos = i
                    return False
                break
            token = next((s for s in (";", *STOP_TOKENS) if t.startswith(s, i)), None)
            if token is None and self._fenced and t.startswith(_FENCE, i):
                token = _FENCE
                self._fenced = False
            if token is not None:
                i += len(token)
                if token == ";":
                    break
                continue
            maybe = [";", *STOP_TOKENS, *([_FENCE] if self._fenced else [])]
            rest = t[i : i + len(STOP_TOKENS[0])]
            if not final and any(s.startswith(rest) for s in maybe):
                self._pos = i
                return False
            break
        self._back_outside(i)
        return True

    def _skip(self, events: list[StreamEvent], final: bool) -> bool:
        """After a broken call: the rest of its line belongs to it."""
        newline = self._text.find("\n", self._pos)
        if newline < 0:
            self._consume_to(len(self._text))
            return False
        self._back_outside(newline)
        return True

    def _back_outside(self, pos: int) -> None:
        """The call region ends at ``pos``: content again (the whitespace touching it dropped)."""
        self._consume_to(pos)
        self._mode = _OUT
        self._strip_leading = self._separate = self._line_start = True
        self._fenced = False


def _call_shaped(obj: Any) -> bool:
    """An object that reads as a call: a non-empty string name and an arguments key."""
    return _named(obj) and any(k in obj for k in ARG_KEYS)


def _name_only(obj: Any) -> bool:
    """``{"name": "f"}`` or ``{"type": "function", "name": "f"}``: a call missing its arguments."""
    return _named(obj) and set(obj) <= {"name", "type"} and obj.get("type", "function") == "function"


def _named(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("name"), str) and bool(obj["name"])
