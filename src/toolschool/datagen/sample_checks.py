"""Verification of every generated sample before it is written.

:meth:`Verifier.check` runs four checks on a sample and raises :class:`Rejected` with a
reason (a key of :data:`REASONS`) at the first that fails; the generator counts rejections
by reason and tool in the data card and draws another sample, so nothing is dropped
silently:

1. **format** — every assistant turn's calls, rendered in the target wire format
   (:meth:`~toolschool.formats.base.ToolFormat.render_calls`), parse back
   (:meth:`~toolschool.formats.base.ToolFormat.parse`) to the same names and arguments
   without errors; a plain-text turn (a no_tool answer, a follow-up question) parses to no
   call;
2. **schema** — every call names a tool of the toolkit and its arguments validate against
   the tool's JSON Schema (:func:`toolschool.tools.schema.arguments_validator`);
3. **execution** — calls of tools that run offline here (the assistant's calculator,
   datetime and unit converter, the coding toolkit's analyzer, a user's ``@tool`` functions
   and MCP server tools) run without raising and without an ``{"error": …}`` result;
4. **grounding** — every argument appears in or follows from the conversation before the
   call (:mod:`toolschool.datagen.grounding`; a tool result counts with the strings of its
   JSON decoded); an ask-for-missing-argument request must *not* already hold the value it
   asks for.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from toolschool.datagen.family import Call
from toolschool.datagen.grounding import Context, ungrounded
from toolschool.datagen.records import GeneratedRequest
from toolschool.formats.base import ToolFormat
from toolschool.tools.schema import argument_problems, arguments_validator
from toolschool.types import ToolCall, ToolSchema

#: Why a sample was rejected (the data card's keys) and what that means.
REASONS: dict[str, str] = {
    "format": "the calls rendered in the target format do not parse back to the same calls",
    "unknown_tool": "a call names a tool outside the toolkit",
    "schema": "an argument fails the tool's JSON Schema",
    "execution": "an offline tool raised or returned an error",
    "ungrounded": "an argument neither appears in nor follows from the conversation",
    "ask_not_missing": "an ask-for-missing-argument request already holds the missing value",
    "chain_link": "a chained sample's first result lacks the value its next call needs",
}


class Rejected(Exception):
    """A sample that must not be written.

    Attributes:
        reason: a key of :data:`REASONS`.
        tool: the tool concerned ("" when none).
        detail: what exactly failed (kept as an example in the data card).
    """

    def __init__(self, reason: str, tool: str, detail: str):
        super().__init__(f"{reason}: {tool}: {detail}")
        self.reason, self.tool, self.detail = reason, tool, detail


def result_text(result: Any) -> str:
    """A tool result as a tool message carries it: text as is, anything else as compact JSON."""
    if isinstance(result, str):
        return result
    return json.dumps(result, ensure_ascii=False, separators=(", ", ": "), default=str)


def structured(result: Any) -> Any:
    """A tool result as data: a string holding a JSON object or array is decoded (MCP tools
    answer in text), anything else is returned as is."""
    if isinstance(result, str) and result.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(result)
        except json.JSONDecodeError:
            return result
    return result


def result_texts(content: str) -> list[str]:
    """A tool message's text plus, when it holds JSON, every string in it decoded (a file's
    content read by a tool has real line breaks, not the ``\\n`` of its JSON)."""
    out = [content]
    stack = [structured(content)]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str) and node is not content:
            out.append(node)
    return out


def _error_of(result: Any) -> str | None:
    result = structured(result)
    if isinstance(result, dict) and result.get("error"):
        return str(result["error"])
    return None


class Verifier:
    """Checks samples of one toolkit (see the module docstring).

    Args:
        schemas: the toolkit's tools.
        fmt: the target wire format.
        runners: tool name → ``run(arguments) -> result`` for tools that run offline.

    Attributes:
        executed: calls run per tool.
        implied: arguments exempt from grounding as implied, per ``tool.argument``.
    """

    def __init__(self, schemas: list[ToolSchema], fmt: ToolFormat,
                 runners: dict[str, Callable[[dict[str, Any]], Any]] | None = None):
        self.validators = {s.name: arguments_validator(s) for s in schemas}
        self.fmt = fmt
        self.runners = dict(runners or {})
        self.executed: Counter[str] = Counter()
        self.implied: Counter[str] = Counter()

    def _format(self, calls: list[Call]) -> None:
        wanted = [(c.name, c.arguments) for c in calls]
        parsed = self.fmt.parse(self.fmt.render_calls([ToolCall(name=c.name, arguments=c.arguments)
                                                       for c in calls]))
        got = [(c.name, c.arguments) for c in parsed.calls]
        if parsed.errors or got != wanted:
            problem = "; ".join(str(e) for e in parsed.errors) or f"parsed back as {got}"
            raise Rejected("format", calls[0].name, f"{self.fmt.name}: {problem}")

    def _text(self, text: str) -> None:
        parsed = self.fmt.parse(text)
        if parsed.calls or parsed.attempted:
            raise Rejected("format", "", f"{self.fmt.name}: the text {text[:80]!r} reads as a call")

    def _schema(self, call: Call) -> None:
        validator = self.validators.get(call.name)
        if validator is None:
            raise Rejected("unknown_tool", call.name, f"no tool {call.name!r} in the toolkit")
        problems = argument_problems(validator, call.arguments)
        if problems:
            raise Rejected("schema", call.name, "; ".join(problems))

    def run(self, call: Call) -> Any:
        """The result of ``call`` when its tool runs offline (None otherwise).

        Raises:
            Rejected: (``execution``) the tool raised or returned ``{"error": …}``.
        """
        runner = self.runners.get(call.name)
        if runner is None:
            return None
        self.executed[call.name] += 1
        try:
            result = runner(dict(call.arguments))
        except Exception as exc:  # any failure of the tool is a rejected sample
            raise Rejected("execution", call.name, f"{type(exc).__name__}: {exc}") from None
        error = _error_of(result)
        if error is not None:
            raise Rejected("execution", call.name, error)
        return result

    def _ground(self, call: Call, ctx: Context) -> None:
        missing, implied = ungrounded(call, ctx)
        for arg in implied:
            self.implied[f"{call.name}.{arg}"] += 1
        if missing:
            values = {p: call.arguments.get(p.split(".")[0].split("[")[0]) for p in missing}
            raise Rejected("ungrounded", call.name, f"{values} not in {ctx.text[:160]!r}")

    def check(self, sample: GeneratedRequest) -> list[Any]:
        """Verify ``sample``; returns the target calls' results (None where a tool does not run).

        Raises:
            Rejected: the first check that fails.
        """
        draw = sample.draw
        texts = [sample.text]
        if draw.followup is not None:
            self._text(draw.followup.question)
            texts.append(draw.followup.reply)
        if not draw.calls and draw.answer:
            self._text(draw.answer)
        first = draw.chain.calls if draw.chain else []
        for turn in (first, draw.calls):
            for call in turn:
                self._schema(call)
            if turn:
                self._format(turn)
        for call in first:
            self.run(call)
            self._ground(call, Context(texts))
        results = [self.run(call) for call in draw.calls]
        earlier = draw.chain.results if draw.chain else []
        ctx = Context(texts + [t for result in earlier for t in result_texts(result)])
        for call in draw.calls:
            self._ground(call, ctx)
        if draw.followup is not None:
            request = Context([sample.text])
            for call in draw.calls:
                given = [m for m in draw.followup.missing if m in call.arguments and not ungrounded(
                    Call(call.name, {m: call.arguments[m]}, call.accept, call.keywords, call.numeric,
                         witness=call.witness), request)[0]]
                if given:
                    raise Rejected("ask_not_missing", call.name, f"{given} already in {sample.text!r}")
        return results
