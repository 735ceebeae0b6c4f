"""A taught format plus formats to read an answer in when it finds no call there.

Base models prompted with a format's instructions often answer in another shape they saw in
pre-training: Qwen2.5-Coder, asked for Hermes ``<tool_call>`` tags, mostly writes a bare or
```` ```json ````-fenced ``{"name": …, "arguments": …}`` object. Strict parsing scores such an
answer as prose. BFCL scores every model in its own shape through per-model handlers
(``bfcl_eval/model_handler``: a "prompt" handler per model family decodes its outputs), so a
fair base-model number reads the other shapes too — as an opt-in, reported beside the strict
number: :class:`FallbackParsing` keeps the taught format for everything (prompts, grammar,
streaming) and only changes :meth:`~FallbackParsing.parse` and
:meth:`~FallbackParsing.may_call`. ``toolschool eval also_parse=[llama3_json]`` turns it on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from toolschool.formats.base import ParseResult, Repair, StreamParser, ToolFormat
from toolschool.types import ToolCall, ToolResult, ToolSchema


class FallbackParsing(ToolFormat):
    """``primary`` for rendering, grammar and streaming; for a complete answer in which
    ``primary`` finds no call and no attempt at one, the first of ``fallbacks`` that finds calls
    (a broken call in the taught shape stays a syntax error: that is what ``lenient`` is for).

    A call found by a fallback is returned with the fallback's repairs plus one
    :class:`~toolschool.formats.base.Repair` ``"read as <name>"`` at offset 0, so evaluation
    counts the answer as repaired (``Metrics.repaired``) and a report can say how many calls
    only the fallback found. When no fallback finds a call, ``primary``'s result stands
    (errors included). :meth:`may_call` is true when any of the formats says so, so a
    decoder's call window does not cut an answer that is writing a fallback shape.

    Raises:
        ValueError: no fallbacks, or a fallback with the primary's name.
    """

    def __init__(self, primary: ToolFormat, fallbacks: Sequence[ToolFormat]) -> None:
        if not fallbacks:
            raise ValueError("FallbackParsing needs at least one fallback format")
        clash = [f.name for f in fallbacks if f.name == primary.name]
        if clash:
            raise ValueError(f"fallback format {clash[0]!r} is the primary format itself")
        super().__init__(lenient=primary.lenient)
        self.primary = primary
        self.fallbacks = list(fallbacks)
        self.name = primary.name
        self.result_role = primary.result_role
        self.call_start = primary.call_start

    def render_tools(self, tools: list[ToolSchema]) -> str:
        """The primary format's declarations."""
        return self.primary.render_tools(tools)

    def render_system(self, tools: list[ToolSchema], system: str) -> str:
        """The primary format's system message."""
        return self.primary.render_system(tools, system)

    def render_calls(self, calls: list[ToolCall]) -> str:
        """The primary format's calls."""
        return self.primary.render_calls(calls)

    def render_assistant(self, content: str, calls: list[ToolCall]) -> str:
        """The primary format's assistant turn."""
        return self.primary.render_assistant(content, calls)

    def render_results(self, results: list[ToolResult]) -> str:
        """The primary format's tool-result turn."""
        return self.primary.render_results(results)

    def stream(self) -> StreamParser:
        """The primary format's incremental parser (fallbacks apply to complete answers only)."""
        return self.primary.stream()

    def call_syntax(self, tools: list[ToolSchema], special: Iterable[str] = ()):  # noqa: ANN201
        """The primary format's call syntax (a grammar constrains to the taught format)."""
        return self.primary.call_syntax(tools, special)

    def decode_arguments(self, raw: str) -> dict:
        """The primary format's argument reader."""
        return self.primary.decode_arguments(raw)

    def parse(self, text: str) -> ParseResult:
        """The primary format's parse, or where it saw no call attempt, the first fallback's
        that finds calls (see the class)."""
        result = self.primary.parse(text)
        if result.calls or result.attempted:  # its own shape, right or broken: the format's verdict
            return result
        for fmt in self.fallbacks:
            other = fmt.parse(text)
            if other.calls:
                other.repairs = [Repair(f"read as {fmt.name}", 0), *other.repairs]
                return other
        return result

    def may_call(self, text: str) -> bool:
        """True when the primary format or any fallback may be writing a call."""
        return self.primary.may_call(text) or any(f.may_call(text) for f in self.fallbacks)
