"""What an exported chat template writes for each wire format, as data both dialects read.

An exported model carries its prompt format in two template languages: a Jinja chat template
(the tokenizer's ``chat_template``, which transformers, vLLM and llama.cpp render; see
:mod:`toolschool.export.chat_template`) and an Ollama ``TEMPLATE`` in Go's text/template
syntax (:mod:`toolschool.export.ollama`). Both are generated, not hand-written, and must
write what the format's own ``render_calls`` / ``render_results`` write. This module holds
the parts they share: a call and a result as a sequence of literal strings and placeholders
(:data:`NAME`, :data:`ARGUMENTS`, :data:`CONTENT`), the separators between several of them,
and the role of the result turn. ``tests/export`` checks each table entry against the format
itself (:func:`render_parts`), so the tables cannot drift from the formats.

Formats with a template here: :data:`TEMPLATE_FORMATS`. The others (``gemma4``,
``functiongemma`` and ``pythonic`` write arguments in a value syntax of their own;
``hermes_pro``, ``llama3_json``, ``mistral`` and ``openai`` are not done yet) make
:func:`format_pieces` raise :class:`~toolschool.errors.ExportError` naming the supported ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from toolschool.errors import ExportError

#: placeholders in :attr:`FormatPieces.call` and :attr:`FormatPieces.result`
NAME = object()
ARGUMENTS = object()
CONTENT = object()


@dataclass(frozen=True)
class FormatPieces:
    """One format's call and result text, as parts.

    Attributes:
        name: the format's registry name.
        call: one call: literal strings and the placeholders :data:`NAME` (the tool name,
            written raw) and :data:`ARGUMENTS` (the arguments object as JSON); the first part
            is a literal that opens the call (Ollama derives its tool-call tag from it).
        call_separator: written between two calls of one turn.
        result: one tool result: literals and :data:`NAME` (the tool's name) and
            :data:`CONTENT` (the result text, verbatim).
        result_separator: written between the results of consecutive tool messages.
        result_role: the role of the turn that carries results (``tool`` or ``user``).
    """

    name: str
    call: tuple[object, ...]
    call_separator: str
    result: tuple[object, ...]
    result_separator: str
    result_role: str

    @property
    def call_tag(self) -> str:
        """The text that opens a call up to its first whitespace: ``TOOL_USE[``, ``<tool_call>``."""
        first = self.call[0]
        assert isinstance(first, str)
        return first.split()[0]


_PIECES = {
    "tool_use": FormatPieces(
        "tool_use",
        call=("TOOL_USE[", NAME, ":", ARGUMENTS, "]"),
        call_separator="\n",
        result=("TOOL_RESULT[", NAME, ":", CONTENT, "]"),
        result_separator="\n",
        result_role="tool",
    ),
    "hermes": FormatPieces(
        "hermes",
        call=('<tool_call>\n{"name": "', NAME, '", "arguments": ', ARGUMENTS, "}\n</tool_call>"),
        call_separator="\n",
        result=("<tool_response>\n", CONTENT, "\n</tool_response>"),
        result_separator="\n",
        result_role="user",
    ),
    "block": FormatPieces(
        "block",
        call=("<|tool_call|>\nTool: ", NAME, "\nArguments: ", ARGUMENTS, "\n<|end|>"),
        call_separator="\n",
        result=("<|tool_result|>\nTool: ", NAME, "\nOutput: ", CONTENT, "\n<|end|>"),
        result_separator="\n",
        result_role="tool",
    ),
}

#: the formats an exported chat template (Jinja and Ollama) can be generated for
TEMPLATE_FORMATS: tuple[str, ...] = tuple(_PIECES)


def format_pieces(format_name: str) -> FormatPieces:
    """The :class:`FormatPieces` of ``format_name``.

    Raises:
        ExportError: no template can be generated for that format (the message lists the
            formats that have one).
    """
    try:
        return _PIECES[format_name]
    except KeyError:
        raise ExportError(
            f"no exported chat template for format {format_name!r} yet; "
            f"supported: {', '.join(TEMPLATE_FORMATS)}"
        ) from None


def render_parts(parts: tuple[object, ...], name: str, arguments_json: str = "", content: str = "") -> str:
    """``parts`` with the placeholders filled in (the reference the tests compare formats to)."""
    values = {id(NAME): name, id(ARGUMENTS): arguments_json, id(CONTENT): content}
    return "".join(p if isinstance(p, str) else values[id(p)] for p in parts)
