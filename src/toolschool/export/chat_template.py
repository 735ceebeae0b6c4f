"""A Jinja chat template that renders a trained model's prompts exactly as toolschool does.

An exported model (:mod:`toolschool.export.run`) carries this template as its tokenizer's
``chat_template`` (``chat_template.jinja`` of the safetensors directory, metadata
``tokenizer.chat_template`` of the GGUF), so transformers' ``apply_chat_template``, vLLM's
``/v1/chat/completions`` and llama.cpp write the prompt the model was trained on: the trained
system prompt when the conversation has none, the tool declarations, calls and results in the
trained wire format, in the model's turn layout. ``tests/export/test_chat_template.py`` renders
conversations (system, tools, several calls, results, several turns, no tools) through the
template with transformers' sandboxed renderer and through
:meth:`toolschool.chat.prompt.Layout.render` and asserts byte equality, for every supported
format and layout.

Supported: the formats of :data:`~toolschool.export.pieces.TEMPLATE_FORMATS` in the layouts
:data:`TEMPLATE_LAYOUTS` (``chatml``: SmolLM2, Qwen2.5, the tiny test model; ``gemma``: Gemma 3).

Inputs the template reads (transformers' and vLLM's convention): ``messages`` (dicts with
``role``, ``content``, ``tool_calls`` as ``{"id", "function": {"name", "arguments"}}`` with
arguments as an object, or a JSON string written as is, and ``tool_call_id``/``name`` on tool
messages), ``tools`` (OpenAI tool dicts or None; a missing ``description`` counts as ``""``
and missing ``parameters`` as ``{"type": "object", "properties": {}}``, as
:class:`~toolschool.types.ToolSchema` fills them in) and ``add_generation_prompt``.

One deliberate difference: a tool message without a ``name`` (OpenAI clients send none) gets
the name of the call with its ``tool_call_id``; toolschool's own rendering writes an empty name
there (``TOOL_RESULT[:…]``). Conversations whose tool messages carry names render identically.

The template source has no literal text outside its tags — every character it writes comes
from a ``{{ "…" }}`` expression — so the renderer's ``trim_blocks``/``lstrip_blocks`` settings
cannot change the output.
"""

from __future__ import annotations

import json
import re

from toolschool.chat.prompt import DEFAULT_SYSTEM
from toolschool.errors import ExportError
from toolschool.export.pieces import ARGUMENTS, CONTENT, NAME, FormatPieces, format_pieces

__all__ = ["TEMPLATE_LAYOUTS", "chat_template"]

#: layouts an exported chat template can be generated for
TEMPLATE_LAYOUTS: tuple[str, ...] = ("chatml", "gemma")


def _lit(text: str) -> str:
    """``text`` as a Jinja string literal (JSON escapes; Jinja reads them as Python's)."""
    return json.dumps(text, ensure_ascii=False)


def _is_list(expr: str) -> str:
    """A Jinja test that ``expr`` is a list (``sequence`` alone accepts dicts and Undefined)."""
    return (
        f"({expr} is defined and {expr} is not none and {expr} is sequence "
        f"and {expr} is not string and {expr} is not mapping)"
    )


def _parts_expr(parts: tuple[object, ...], name: str, arguments: str = "", content: str = "") -> str:
    """A Jinja expression concatenating ``parts``, placeholders replaced by expressions."""
    values = {id(NAME): name, id(ARGUMENTS): arguments, id(CONTENT): content}
    return " ~ ".join(_lit(p) if isinstance(p, str) else values[id(p)] for p in parts)


_DEFAULT_PARAMETERS = '{"type": "object", "properties": {}}'

_COMMON = r"""
{%- macro ts_args(arguments) -%}
{%- if arguments is string -%}{{- arguments -}}
{%- else -%}{{- (arguments if arguments is mapping else {}) | tojson -}}{%- endif -%}
{%- endmacro -%}

{%- macro ts_result_name(message, messages) -%}
{%- set ns = namespace(name=message["name"] or "") -%}
{%- if not ns.name and message["tool_call_id"] -%}
{%- for prior in messages -%}
{%- if prior["role"] == "assistant" and prior["tool_calls"] -%}
{%- for call in prior["tool_calls"] -%}
{%- if call["id"] == message["tool_call_id"] -%}{%- set ns.name = call["function"]["name"] -%}{%- endif -%}
{%- endfor -%}
{%- endif -%}
{%- endfor -%}
{%- endif -%}
{{- ns.name -}}
{%- endmacro -%}
"""

_TOOL_USE = r"""
{%- macro ts_kind(kind, s) -%}
{%- if kind == "array" -%}
{%- if s["items"] is mapping -%}
{%- set inner = ts_type(s["items"]) -%}
{{- ("(" ~ inner ~ ")[]") if "|" in inner else (inner ~ "[]") -}}
{%- else -%}{{- "array" -}}{%- endif -%}
{%- elif kind == "object" and s["properties"] is mapping and s["properties"] -%}
{{- "{" ~ ts_params(s["properties"], s["required"]) ~ "}" -}}
{%- else -%}{{- kind -}}{%- endif -%}
{%- endmacro -%}

{%- macro ts_type(s) -%}
{%- set ns = namespace(text="any") -%}
{%- if s is mapping -%}
{%- set alts = s["anyOf"] or s["oneOf"] -%}
{%- if "enum" in s and @LIST(s["enum"]) -%}
{%- set ns.text = "" -%}
{%- for v in s["enum"] -%}
{%- set ns.text = ns.text ~ ("" if loop.first else "|") ~ (v | tojson) -%}
{%- endfor -%}
{%- elif "const" in s -%}{%- set ns.text = s["const"] | tojson -%}
{%- elif @LIST(alts) -%}
{%- set ns.text = "" -%}
{%- for a in alts -%}{%- set ns.text = ns.text ~ ("" if loop.first else "|") ~ ts_type(a) -%}{%- endfor -%}
{%- else -%}
{%- set kinds = s["type"] if @LIST(s["type"]) else [s["type"]] -%}
{%- set ns.text = "" -%}
{%- for k in kinds -%}
{%- set ns.text = ns.text ~ ("" if loop.first else "|") ~ ts_kind((k | string) if k else "any", s) -%}
{%- endfor -%}
{%- endif -%}
{%- if s["nullable"] and "null" not in ns.text.split("|") -%}
{%- set ns.text = ns.text ~ "|null" -%}
{%- endif -%}
{%- endif -%}
{{- ns.text -}}
{%- endmacro -%}

{%- macro ts_params(properties, required) -%}
{%- set req = required if @LIST(required) else [] -%}
{%- for key, spec in properties.items() -%}
{{- ("" if loop.first else ", ") ~ key ~ ("" if key in req else "?") ~ ": " ~ ts_type(spec) -}}
{%- if spec is mapping and "default" in spec -%}{{- " = " ~ (spec["default"] | tojson) -}}{%- endif -%}
{%- endfor -%}
{%- endmacro -%}

{%- macro ts_declaration(tool) -%}
{%- set fn = tool["function"] -%}
{%- set params = fn["parameters"] if fn["parameters"] is mapping else {} -%}
{%- set props = params["properties"] if params["properties"] is mapping else {} -%}
{{- "- " ~ fn["name"] ~ "(" ~ ts_params(props, params["required"]) ~ ")" -}}
{%- set desc = (fn["description"] or "").split() | join(" ") -%}
{%- if desc -%}{{- " — " ~ desc -}}{%- endif -%}
{%- for key, spec in props.items() -%}
{%- set text = spec["description"] if spec is mapping else none -%}
{%- if text is string and text.strip() -%}
{{- "\n    " ~ key ~ ": " ~ (text.split() | join(" ")) -}}
{%- endif -%}
{%- endfor -%}
{%- endmacro -%}

{%- macro ts_system(system, tools) -%}
{%- if system -%}{{- system ~ "\n\n" -}}{%- endif -%}
{{- @INSTRUCTIONS ~ "\n\nAvailable tools:" -}}
{%- for tool in tools -%}{{- "\n" ~ ts_declaration(tool) -}}{%- endfor -%}
{%- endmacro -%}
"""

_HERMES = r"""
{%- macro ts_system(system, tools) -%}
{{- system ~ @PREAMBLE ~ "<tools>" -}}
{%- for tool in tools -%}
{%- set fn = tool["function"] -%}
{%- set params = fn["parameters"] if fn["parameters"] is mapping else @DEFAULT_PARAMETERS -%}
{%- set spec = {"name": fn["name"], "description": fn["description"] or "", "parameters": params} -%}
{{- "\n" ~ ({"type": "function", "function": spec} | tojson) -}}
{%- endfor -%}
{{- "\n</tools>" ~ @POSTAMBLE -}}
{%- endmacro -%}
"""

_BLOCK = r"""
{%- macro ts_system(system, tools) -%}
{%- if system -%}{{- system ~ "\n\n" -}}{%- endif -%}
{{- @INSTRUCTIONS ~ "\n\nAvailable tools:" -}}
{%- for tool in tools -%}
{%- set fn = tool["function"] -%}
{{- "\n\nTool: " ~ fn["name"] -}}
{%- set desc = (fn["description"] or "").split() | join(" ") -%}
{%- if desc -%}{{- "\nDescription: " ~ desc -}}{%- endif -%}
{%- set params = fn["parameters"] if fn["parameters"] is mapping else @DEFAULT_PARAMETERS -%}
{{- "\nParameters: " ~ (params | tojson) -}}
{%- endfor -%}
{%- endmacro -%}
"""


def _declarations(format_name: str) -> str:
    """The format's ``ts_system(system, tools)`` macro (and its helpers), placeholders filled."""
    if format_name == "tool_use":
        from toolschool.formats.tool_use import INSTRUCTIONS

        text = _TOOL_USE.replace("@INSTRUCTIONS", _lit(INSTRUCTIONS))
    elif format_name == "hermes":
        from toolschool.formats.hermes import _POSTAMBLE, _PREAMBLE  # the format's own fixed text

        text = _HERMES.replace("@PREAMBLE", _lit(_PREAMBLE)).replace("@POSTAMBLE", _lit(_POSTAMBLE))
    elif format_name == "block":
        from toolschool.formats.block import INSTRUCTIONS

        text = _BLOCK.replace("@INSTRUCTIONS", _lit(INSTRUCTIONS))
    else:  # pragma: no cover - format_pieces refused it already
        raise ExportError(f"no declarations for format {format_name!r}")
    text = text.replace("@DEFAULT_PARAMETERS", _DEFAULT_PARAMETERS)
    # @LIST(expr) → the list test of expr (expr without parentheses)
    return re.sub(r"@LIST\(([^()]*)\)", lambda m: _is_list(m.group(1)), text)


def _calls_and_results(pieces: FormatPieces) -> str:
    call = _parts_expr(pieces.call, 'call["function"]["name"]', 'ts_args(call["function"]["arguments"])')
    result = _parts_expr(pieces.result, "name", content="content")
    return (
        "\n{%- macro ts_call(call) -%}{{- " + call + " -}}{%- endmacro -%}\n"
        "{%- macro ts_result(name, content) -%}{{- " + result + " -}}{%- endmacro -%}\n"
        "{%- macro ts_assistant(message) -%}\n"
        '{%- set content = message["content"] or "" -%}\n'
        '{%- set calls = message["tool_calls"] or [] -%}\n'
        "{{- content -}}\n"
        '{%- if content and calls -%}{{- "\\n" -}}{%- endif -%}\n'
        "{%- for call in calls -%}"
        "{%- if not loop.first -%}{{- " + _lit(pieces.call_separator) + " -}}{%- endif -%}"
        "{{- ts_call(call) -}}{%- endfor -%}\n"
        "{%- endmacro -%}\n"
    )


def _head(system_prompt: str) -> str:
    """Tools, the leading system message (else the trained prompt) and the other messages."""
    return (
        "\n{%- set ts_tools = tools if tools else [] -%}\n"
        '{%- if messages and messages[0]["role"] == "system" -%}\n'
        '{%- set ts_system_text = messages[0]["content"] or "" -%}\n'
        "{%- set ts_messages = messages[1:] -%}\n"
        "{%- else -%}\n"
        "{%- set ts_system_text = " + _lit(system_prompt) + " -%}\n"
        "{%- set ts_messages = messages -%}\n"
        "{%- endif -%}\n"
        "{%- set ts_offset = (messages | length) - (ts_messages | length) -%}\n"
    )


def _chatml(pieces: FormatPieces) -> str:
    open_results = _lit(f"<|im_start|>{pieces.result_role}\n")
    return r"""
{{- "<|im_start|>system\n" -}}
{%- if ts_tools -%}{{- ts_system(ts_system_text, ts_tools) -}}{%- else -%}{{- ts_system_text -}}{%- endif -%}
{{- "<|im_end|>\n" -}}
{%- set ns = namespace(prev="") -%}
{%- for message in ts_messages -%}
{%- if message["role"] == "tool" -%}
{%- if ns.prev == "tool" -%}{{- @RSEP -}}{%- else -%}{{- @OPEN_RESULTS -}}{%- endif -%}
{{- ts_result(ts_result_name(message, messages), message["content"] or "") -}}
{%- else -%}
{%- if ns.prev == "tool" -%}{{- "<|im_end|>\n" -}}{%- endif -%}
{%- if message["role"] == "user" -%}
{{- "<|im_start|>user\n" ~ (message["content"] or "") ~ "<|im_end|>\n" -}}
{%- elif message["role"] == "assistant" -%}
{{- "<|im_start|>assistant\n" ~ ts_assistant(message) ~ "<|im_end|>\n" -}}
{%- else -%}
{{- raise_exception("message " ~ (loop.index0 + ts_offset) ~ ": role " ~ message["role"]
    ~ " cannot appear after the first message") -}}
{%- endif -%}
{%- endif -%}
{%- set ns.prev = message["role"] -%}
{%- endfor -%}
{%- if ns.prev == "tool" -%}{{- "<|im_end|>\n" -}}{%- endif -%}
{%- if add_generation_prompt -%}{{- "<|im_start|>assistant\n" -}}{%- endif -%}
""".replace("@RSEP", _lit(pieces.result_separator)).replace("@OPEN_RESULTS", open_results)


def _gemma(pieces: FormatPieces, bos: str) -> str:
    return r"""
{%- if ts_tools -%}{%- set ts_prefix = ts_system(ts_system_text, ts_tools) ~ "\n\n" -%}
{%- else -%}{%- set ts_prefix = ts_system_text ~ "\n\n" -%}{%- endif -%}
{%- if not ts_messages and (ts_tools or ts_system_text) -%}
{{- raise_exception("Gemma writes the system text in the first turn, and there is none") -}}
{%- endif -%}
{{- @BOS -}}
{%- set ns = namespace(prev="", results="", head="") -%}
{%- for message in ts_messages -%}
{%- set head = ts_prefix if loop.first else "" -%}
{%- if message["role"] == "tool" -%}
{%- set piece = ts_result(ts_result_name(message, messages), message["content"] or "") -%}
{%- if ns.prev == "tool" -%}{%- set ns.results = ns.results ~ @RSEP ~ piece -%}
{%- else -%}{%- set ns.head = head -%}{%- set ns.results = piece -%}{%- endif -%}
{%- else -%}
{%- if ns.prev == "tool" -%}
{{- "<start_of_turn>user\n" ~ ns.head ~ (ns.results | trim) ~ "<end_of_turn>\n" -}}
{%- endif -%}
{%- if message["role"] == "user" -%}
{{- "<start_of_turn>user\n" ~ head ~ ((message["content"] or "") | trim) ~ "<end_of_turn>\n" -}}
{%- elif message["role"] == "assistant" -%}
{{- "<start_of_turn>model\n" ~ head ~ (ts_assistant(message) | trim) ~ "<end_of_turn>\n" -}}
{%- else -%}
{{- raise_exception("message " ~ (loop.index0 + ts_offset) ~ ": Gemma has no " ~ message["role"]
    ~ " turn after the first message") -}}
{%- endif -%}
{%- endif -%}
{%- set ns.prev = message["role"] -%}
{%- endfor -%}
{%- if ns.prev == "tool" -%}
{{- "<start_of_turn>user\n" ~ ns.head ~ (ns.results | trim) ~ "<end_of_turn>\n" -}}
{%- endif -%}
{%- if add_generation_prompt -%}{{- "<start_of_turn>model\n" -}}{%- endif -%}
""".replace("@RSEP", _lit(pieces.result_separator)).replace("@BOS", _lit(bos))


def chat_template(
    format_name: str,
    layout: str = "chatml",
    system_prompt: str = DEFAULT_SYSTEM,
    bos: str | None = None,
) -> str:
    """The Jinja chat template of a model trained in ``format_name`` and ``layout``.

    Args:
        format_name: the trained wire format (one of
            :data:`~toolschool.export.pieces.TEMPLATE_FORMATS`).
        layout: the trained turn layout's registry name (one of :data:`TEMPLATE_LAYOUTS`).
        system_prompt: written when the conversation has no leading system message (the
            training system prompt).
        bos: the begin-of-sequence text the layout writes (``gemma``: default ``<bos>``; the
            value of :attr:`toolschool.chat.prompt.Layout.bos` for the model's tokenizer);
            ignored by ``chatml``, which writes none.

    Returns:
        the template source. Rendered with ``messages``, ``tools`` and
        ``add_generation_prompt`` it equals ``layout.render(messages, tools, fmt,
        system_prompt, add_generation_prompt)`` (see the module docstring for the one
        difference).

    Raises:
        ExportError: a format or layout without a template (the message lists the supported ones).
    """
    pieces = format_pieces(format_name)
    if layout not in TEMPLATE_LAYOUTS:
        raise ExportError(
            f"no exported chat template for layout {layout!r} yet; supported: {', '.join(TEMPLATE_LAYOUTS)}"
        )
    header = (
        f"{{#- toolschool chat template: format {format_name}, layout {layout}. "
        "Generated by `toolschool export`; edit the run, not this file. -#}\n"
    )
    body = _chatml(pieces) if layout == "chatml" else _gemma(pieces, "<bos>" if bos is None else bos)
    return (
        header
        + _COMMON
        + _declarations(format_name)
        + _calls_and_results(pieces)
        + _head(system_prompt)
        + body
    ).strip() + "\n"
