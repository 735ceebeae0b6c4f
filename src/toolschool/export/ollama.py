"""An Ollama ``Modelfile`` whose ``TEMPLATE`` prompts like toolschool, in Go's text/template syntax.

Ollama ignores a GGUF's Jinja chat template and renders prompts with the Modelfile's
``TEMPLATE`` (Go's ``text/template`` plus Ollama's functions ``json``, ``currentDate``…).
:func:`ollama_template` generates one for a trained format and the ChatML layout (the layout of
the llama-architecture models the GGUF export writes): the system turn with the format's
declarations when tools are offered, user turns, assistant turns with content then calls,
consecutive tool messages as one result turn, and the generation prompt — the text
:meth:`toolschool.chat.prompt.Layout.render` writes. :func:`modelfile` wraps it with ``FROM``,
the trained system prompt (``SYSTEM``; Ollama adds it when a conversation has no system
message), ``PARAMETER stop`` for the layout's end-of-turn marker(s), ``temperature 0`` and the
context length.

What Ollama hands a template (``template/template.go``: ``Execute``, ``collate``):

* ``.System``: the system messages' contents joined by ``"\\n\\n"``; ``.Messages``: every
  message, consecutive messages of one role other than ``tool`` merged (contents joined by
  ``"\\n\\n"``), each with ``.Role .Content .ToolCalls .ToolName .ToolCallID``;
* ``.ToolCalls[].Function.Name`` and ``.Function.Arguments``, a Go map (so ranged in sorted key
  order); ``.Tools[].Function.Name .Description .Parameters`` with ``.Parameters.Properties``, a
  Go map of ``api.ToolProperty`` (``AnyOf Type Items Description Enum Properties Required``).

``tests/ollama_template/`` renders the generated template with Go's ``text/template``, those data
shapes and a ``json`` function like Ollama's (``tests/export/test_ollama_template.py``), and
compares it byte for byte with toolschool's rendering for ``tool_use``, ``hermes`` and ``block``.

Where the bytes cannot match (the template writes what Ollama gives it, in Ollama's shapes):

* **key order.** Argument objects (at every depth) and the keys inside a property (an array's
  ``items``…) are written in sorted key order (Go maps); toolschool keeps the order they were
  given in. A tool's properties come sorted too, except for the tools the model was trained on:
  ``property_orders`` (from the run's training data, :func:`trained_property_orders`) makes the
  template write those in the trained order (properties it does not list follow, sorted). So
  the trained tools' declarations are byte-equal; other tools are when their keys are sorted.
* **property fields.** A property is written ``type``, ``enum``, ``items``, ``description``
  (``anyOf`` first); toolschool keeps the schema's own order (toolschool's schemas from Python
  functions use that order). Fields Ollama does not keep are missing: ``default``, ``const``,
  ``oneOf``, ``nullable``, ``format``, ``minimum``… (``tool_use`` drops ``= default`` and
  ``|null``). A nested object's ``properties`` are written with Ollama's ``json`` (compact,
  no spaces) and ``tool_use`` writes such a property as ``object``, not ``{k: type}``.
* **whitespace in descriptions.** ``tool_use`` and ``block`` collapse runs of whitespace in
  descriptions (``" ".join(text.split())``); Go templates have no string functions, so the
  template writes descriptions as given (and writes a whitespace-only description).
* **strings and numbers.** Strings inside JSON are written with Go's ``%q`` quoting, which equals
  JSON's for printable text and ``"`` ``\\`` ``\\n`` ``\\r`` ``\\t`` ``\\b`` ``\\f``, but writes other control
  characters as ``\\a``, ``\\v``, ``\\x07``… and non-printable Unicode (U+200B…) escaped. Numbers
  arrive as float64: ``1.0`` is written ``1``, integers beyond 2**53 lose digits.
* **turns.** Two consecutive user (or assistant) messages become one turn; a system message
  after the first is folded into the system turn (toolschool refuses it); an assistant message
  last in the conversation is followed by the generation prompt like any other.

Ollama's own tool-call parser reads the model's output, not toolschool's: it takes the text of
the template's first call literal as the tag (``TOOL_USE[``, ``<tool_call>``, ``<|tool_call|>``),
then the first tool name and the first JSON object after it as a call, so well-formed calls come
back as ``tool_calls``; it knows none of toolschool's lenient repairs. To parse exactly as
toolschool does, send the text to ``toolschool formats parse`` or use the vLLM plugin.
"""

from __future__ import annotations

import json

from toolschool.chat.prompt import DEFAULT_SYSTEM
from toolschool.errors import ExportError
from toolschool.export.pieces import ARGUMENTS, CONTENT, NAME, FormatPieces, format_pieces
from toolschool.types import ToolSchema

__all__ = ["OLLAMA_LAYOUTS", "modelfile", "ollama_template", "trained_property_orders"]

#: layouts an Ollama template can be generated for
OLLAMA_LAYOUTS: tuple[str, ...] = ("chatml",)


def _lit(text: str) -> str:
    """``text`` as a Go template string constant (Go reads JSON's escapes)."""
    return "{{ " + json.dumps(text, ensure_ascii=False) + " }}"


# Go values as toolschool's JSON (json.dumps with ensure_ascii=False): objects {"k": v, …} with
# ", " and ": ", strings with %q, everything else with Ollama's json.
_VALUES = r"""
{{- define "ts_json" }}
{{- $t := printf "%T" . }}
{{- if eq $t "string" }}{{ printf "%q" . }}
{{- else if eq $t "map[string]interface {}" }}{{ template "ts_object" . }}
{{- else if eq $t "[]interface {}" }}{{ "[" }}
{{- range $i, $v := . }}{{ if $i }}{{ ", " }}{{ end }}{{ template "ts_json" $v }}{{ end }}{{ "]" }}
{{- else }}{{ json . }}
{{- end }}
{{- end }}
{{- define "ts_object" }}{{ "{" }}
{{- $first := true }}
{{- range $k, $v := . }}{{ if not $first }}{{ ", " }}{{ end }}{{ $first = false }}
{{- printf "%q" $k }}{{ ": " }}{{ template "ts_json" $v }}
{{- end }}{{ "}" }}
{{- end }}
"""

# A tool as toolschool's tojson(tool.to_openai()) writes it, properties in Ollama's field order.
_TOOL_JSON = r"""
{{- define "ts_property" }}{{ "{" }}
{{- $sep := "" }}
{{- if .AnyOf }}{{ "\"anyOf\": [" }}{{ range $i, $a := .AnyOf }}{{ if $i }}{{ ", " }}{{ end }}
{{- template "ts_property" $a }}{{ end }}{{ "]" }}{{ $sep = ", " }}{{ end }}
{{- if .Type }}{{ $sep }}{{ "\"type\": " }}
{{- if eq (len .Type) 1 }}{{ printf "%q" (index .Type 0) }}
{{- else }}{{ "[" }}{{ range $i, $k := .Type }}{{ if $i }}{{ ", " }}{{ end }}{{ printf "%q" $k }}{{ end }}
{{- "]" }}
{{- end }}{{ $sep = ", " }}{{ end }}
{{- if .Enum }}{{ $sep }}{{ "\"enum\": [" }}{{ range $i, $e := .Enum }}{{ if $i }}{{ ", " }}{{ end }}
{{- template "ts_json" $e }}{{ end }}{{ "]" }}{{ $sep = ", " }}{{ end }}
{{- if .Items }}{{ $sep }}{{ "\"items\": " }}{{ template "ts_json" .Items }}{{ $sep = ", " }}{{ end }}
{{- if .Description }}{{ $sep }}{{ "\"description\": " }}{{ printf "%q" .Description }}
{{- $sep = ", " }}{{ end }}
{{- if .Properties }}{{ $sep }}{{ "\"properties\": " }}{{ json .Properties }}{{ $sep = ", " }}{{ end }}
{{- if .Required }}{{ $sep }}{{ "\"required\": " }}{{ template "ts_json_strings" .Required }}{{ end }}
{{- "}" }}
{{- end }}
{{- define "ts_json_strings" }}{{ "[" }}
{{- range $i, $s := . }}{{ if $i }}{{ ", " }}{{ end }}{{ printf "%q" $s }}
{{- end }}{{ "]" }}{{ end }}
{{- define "ts_parameters" }}{{ "{\"type\": " }}{{ printf "%q" (or .Parameters.Type "object") }}
{{- ", \"properties\": {" }}
{{- $first := true }}
@PROPS_JSON
{{- "}" }}
{{- if .Parameters.Required }}{{ ", \"required\": " }}
{{- template "ts_json_strings" .Parameters.Required }}{{ end }}
{{- "}" }}
{{- end }}
{{- define "ts_tool" }}{{ "{\"type\": \"function\", \"function\": {\"name\": " }}
{{- printf "%q" .Function.Name }}
{{- ", \"description\": " }}{{ printf "%q" .Function.Description }}
{{- ", \"parameters\": " }}{{ template "ts_parameters" .Function }}{{ "}}" }}
{{- end }}
"""

# tool_use: describe_type of toolschool.formats.tool_use for what Ollama keeps of a property.
_TOOL_USE = r"""
{{- define "ts_item_type" }}
{{- if eq (printf "%T" .) "map[string]interface {}" }}
{{- $e := index . "enum" }}{{ $a := index . "anyOf" }}{{ $t := index . "type" }}
{{- if $e }}{{ if gt (len $e) 1 }}{{ "(" }}{{ end }}
{{- range $i, $v := $e }}{{ if $i }}{{ "|" }}{{ end }}{{ template "ts_json" $v }}{{ end }}
{{- if gt (len $e) 1 }}{{ ")" }}{{ end }}
{{- else if $a }}{{ if gt (len $a) 1 }}{{ "(" }}{{ end }}
{{- range $i, $s := $a }}{{ if $i }}{{ "|" }}{{ end }}{{ template "ts_item_kind" $s }}{{ end }}
{{- if gt (len $a) 1 }}{{ ")" }}{{ end }}
{{- else }}{{ template "ts_item_kind" . }}
{{- end }}{{ "[]" }}
{{- else }}{{ "array" }}
{{- end }}
{{- end }}
{{- define "ts_item_kind" }}
{{- $t := index . "type" }}
{{- if eq (printf "%T" $t) "string" }}
{{- if eq $t "array" }}{{ template "ts_item_type" (index . "items") }}{{ else }}{{ $t }}{{ end }}
{{- else if $t }}{{ if gt (len $t) 1 }}{{ "(" }}{{ end }}
{{- range $i, $k := $t }}{{ if $i }}{{ "|" }}{{ end }}{{ $k }}{{ end }}
{{- if gt (len $t) 1 }}{{ ")" }}{{ end }}
{{- else }}{{ "any" }}
{{- end }}
{{- end }}
{{- define "ts_type" }}
{{- if .Enum }}{{ range $i, $e := .Enum }}{{ if $i }}{{ "|" }}{{ end }}{{ template "ts_json" $e }}{{ end }}
{{- else if .AnyOf }}
{{- range $i, $a := .AnyOf }}{{ if $i }}{{ "|" }}{{ end }}{{ template "ts_type" $a }}{{ end }}
{{- else if .Type }}{{ $items := .Items }}
{{- range $i, $k := .Type }}{{ if $i }}{{ "|" }}{{ end }}
{{- if eq $k "array" }}{{ template "ts_item_type" $items }}{{ else }}{{ $k }}{{ end }}
{{- end }}
{{- else }}{{ "any" }}
{{- end }}
{{- end }}
{{- define "ts_params" }}
{{- $required := .Parameters.Required }}{{ $first := true }}
@PROPS_PARAMS
{{- end }}
{{- define "ts_system" }}
{{- if .System }}{{ .System }}{{ "\n\n" }}{{ end }}@INSTRUCTIONS{{ "\n\nAvailable tools:" }}
{{- range .Tools }}{{ "\n- " }}{{ .Function.Name }}
{{- "(" }}{{ template "ts_params" .Function }}{{ ")" }}
{{- if .Function.Description }}{{ " — " }}{{ .Function.Description }}{{ end }}
@PROPS_DESC
{{- end }}
{{- end }}
"""

_HERMES = r"""
{{- define "ts_system" }}{{ .System }}@PREAMBLE{{ "<tools>" }}
{{- range .Tools }}{{ "\n" }}{{ template "ts_tool" . }}{{ end }}
{{- "\n</tools>" }}@POSTAMBLE
{{- end }}
"""

_BLOCK = r"""
{{- define "ts_system" }}
{{- if .System }}{{ .System }}{{ "\n\n" }}{{ end }}@INSTRUCTIONS{{ "\n\nAvailable tools:" }}
{{- range .Tools }}{{ "\n\nTool: " }}{{ .Function.Name }}
{{- if .Function.Description }}{{ "\nDescription: " }}{{ .Function.Description }}{{ end }}
{{- "\nParameters: " }}{{ template "ts_parameters" .Function }}
{{- end }}
{{- end }}
"""


_JSON_PROPERTY = (
    '{{ if not $first }}{{ ", " }}{{ end }}{{ $first = false }}'
    '{{ printf "%q" $k }}{{ ": " }}{{ template "ts_property" $v }}'
)
_PARAMETER = (
    '{{ if not $first }}{{ ", " }}{{ end }}{{ $first = false }}'
    '{{ $mark := "?" }}{{ range $required }}{{ if eq . $k }}{{ $mark = "" }}{{ end }}{{ end }}'
    '{{ $k }}{{ $mark }}{{ ": " }}{{ template "ts_type" $v }}'
)
_DESCRIPTION = '{{ if $v.Description }}{{ "\\n    " }}{{ $k }}{{ ": " }}{{ $v.Description }}{{ end }}'


def _each_property(properties: str, name: str, body: str, orders: dict[str, list[str]]) -> str:
    """Go template text running ``body`` for each property (``$k``, ``$v``) of the map ``properties``.

    Go ranges a map in sorted key order. For a tool named in ``orders`` (the expression ``name``
    is its name), the properties listed there come first, in that order (the order toolschool
    trained on), then any others, sorted.
    """
    each = "{{- range $k, $v := " + properties + " }}"
    sorted_ = each + body + "{{ end }}"
    if not orders:
        return sorted_
    out = []
    for i, (tool, keys) in enumerate(orders.items()):
        out.append(("{{- if " if i == 0 else "{{- else if ") + f"eq {name} {json.dumps(tool)} }}}}")
        for key in keys:
            out.append(each + f"{{{{ if eq $k {json.dumps(key)} }}}}" + body + "{{ end }}{{ end }}")
        listed = " ".join(f"(eq $k {json.dumps(key)})" for key in keys)
        out.append(each + f"{{{{ if not (or {listed} false) }}}}" + body + "{{ end }}{{ end }}")
    return "\n".join([*out, "{{- else }}", sorted_, "{{- end }}"])


def _declarations(format_name: str, orders: dict[str, list[str]]) -> str:
    """The format's ``ts_system`` template (and its helpers), placeholders filled."""
    props = ".Parameters.Properties"
    return (
        _declarations_text(format_name)
        .replace("@PROPS_JSON", _each_property(props, ".Name", _JSON_PROPERTY, orders))
        .replace("@PROPS_PARAMS", _each_property(props, ".Name", _PARAMETER, orders))
        .replace("@PROPS_DESC", _each_property(".Function" + props, ".Function.Name", _DESCRIPTION, orders))
    )


def _declarations_text(format_name: str) -> str:
    if format_name == "tool_use":
        from toolschool.formats.tool_use import INSTRUCTIONS

        return _TOOL_JSON + _TOOL_USE.replace("@INSTRUCTIONS", _lit(INSTRUCTIONS))
    if format_name == "hermes":
        from toolschool.formats.hermes import _POSTAMBLE, _PREAMBLE  # the format's own fixed text

        hermes = _HERMES.replace("@PREAMBLE", _lit(_PREAMBLE)).replace("@POSTAMBLE", _lit(_POSTAMBLE))
        return _TOOL_JSON + hermes
    if format_name == "block":
        from toolschool.formats.block import INSTRUCTIONS

        return _TOOL_JSON + _BLOCK.replace("@INSTRUCTIONS", _lit(INSTRUCTIONS))
    raise ExportError(f"no Ollama declarations for format {format_name!r}")  # pragma: no cover


def _parts(parts: tuple[object, ...], values: dict[int, str], tag: str = "") -> str:
    """Go template text for ``parts``; with ``tag``, the first literal's ``tag`` is raw text.

    Ollama's tool-call parser takes the first raw text inside the template's ``if .ToolCalls``
    as the tag that opens a call, so it must be a text node, not a string action.
    """
    out = []
    for i, part in enumerate(parts):
        if not isinstance(part, str):
            out.append(values[id(part)])
        elif i == 0 and tag:
            out.append(tag + (_lit(part[len(tag) :]) if part[len(tag) :] else ""))
        else:
            out.append(_lit(part))
    return "".join(out)


_CHATML = r"""
{{- "<|im_start|>system\n" }}
{{- if .Tools }}{{ template "ts_system" $ }}{{ else }}{{ .System }}{{ end }}
{{- "<|im_end|>\n" }}
{{- $prev := "" }}
{{- range $i, $m := .Messages }}
{{- if eq .Role "tool" }}
{{- if eq $prev "tool" }}@RSEP{{ else }}@OPEN{{ end }}@RESULT
{{- else if ne .Role "system" }}
{{- if eq $prev "tool" }}{{ "<|im_end|>\n" }}{{ end }}
{{- if eq .Role "user" }}{{ "<|im_start|>user\n" }}{{ .Content }}{{ "<|im_end|>\n" }}
{{- else if eq .Role "assistant" }}{{ "<|im_start|>assistant\n" }}{{ .Content }}
{{- if and .Content (len .ToolCalls) }}{{ "\n" }}{{ end }}
{{- if .ToolCalls }}
{{- range $j, $c := .ToolCalls }}@CALL
{{- if gt (len (slice $m.ToolCalls $j)) 1 }}@CSEP{{ end }}
{{- end }}
{{- end }}
{{- "<|im_end|>\n" }}
{{- end }}
{{- end }}
{{- if ne .Role "system" }}{{ $prev = .Role }}{{ end }}
{{- end }}
{{- if eq $prev "tool" }}{{ "<|im_end|>\n" }}{{ end }}
{{- "<|im_start|>assistant\n" }}
"""


def _chatml(pieces: FormatPieces) -> str:
    """The ChatML turns around the format's pieces (the text ``ChatMLLayout`` writes)."""
    call = _parts(
        pieces.call,
        {id(NAME): "{{ .Function.Name }}", id(ARGUMENTS): '{{ template "ts_object" .Function.Arguments }}'},
        tag=pieces.call_tag,
    )
    result = _parts(pieces.result, {id(NAME): "{{ .ToolName }}", id(CONTENT): "{{ .Content }}"})
    return (
        _CHATML.replace("@RSEP", _lit(pieces.result_separator))
        .replace("@OPEN", _lit(f"<|im_start|>{pieces.result_role}\n"))
        .replace("@RESULT", result)
        .replace("@CSEP", _lit(pieces.call_separator))
        .replace("@CALL", call)
    )


def ollama_template(
    format_name: str, layout: str = "chatml", property_orders: dict[str, list[str]] | None = None
) -> str:
    """The Ollama ``TEMPLATE`` of a model trained in ``format_name`` and ``layout``.

    Args:
        format_name: the trained wire format (one of
            :data:`~toolschool.export.pieces.TEMPLATE_FORMATS`).
        layout: the trained turn layout (one of :data:`OLLAMA_LAYOUTS`).
        property_orders: tool name → its property names in the order toolschool trained on
            (:func:`trained_property_orders`); a tool of that name gets its properties in that
            order instead of sorted (the order Ollama hands them over in).

    Returns:
        Go template source; every character it writes comes from a string action except the
        call tag (see :func:`_parts`). It references ``.Tools``, so Ollama lists the model as
        tool-capable. The differences from toolschool's rendering are in the module docstring.

    Raises:
        ExportError: a format or layout without an Ollama template (the message lists the
            supported ones).
    """
    pieces = format_pieces(format_name)
    if layout not in OLLAMA_LAYOUTS:
        raise ExportError(
            f"no Ollama template for layout {layout!r} yet; supported: {', '.join(OLLAMA_LAYOUTS)}"
        )
    header = (
        "{{- /* toolschool Ollama template: format " + format_name + ", layout " + layout
        + ". Generated by `toolschool export`. */ -}}"
    )
    orders = {name: keys for name, keys in (property_orders or {}).items() if keys != sorted(keys)}
    return header + _VALUES + _declarations(format_name, orders) + _chatml(pieces).rstrip()


def trained_property_orders(tools: list[ToolSchema]) -> dict[str, list[str]]:
    """Tool name → its property names in schema order, for the tools a model was trained on
    (the first declaration of each name wins)."""
    orders: dict[str, list[str]] = {}
    for tool in tools:
        properties = tool.properties if isinstance(tool.properties, dict) else {}
        orders.setdefault(tool.name, list(properties))
    return orders


#: end-of-turn markers per layout (Ollama stops there)
_STOPS = {"chatml": ("<|im_end|>",)}


def modelfile(
    gguf_name: str,
    format_name: str,
    layout: str = "chatml",
    system_prompt: str = DEFAULT_SYSTEM,
    num_ctx: int = 4096,
    stops: tuple[str, ...] | None = None,
    property_orders: dict[str, list[str]] | None = None,
) -> str:
    """An Ollama ``Modelfile`` for the GGUF file ``gguf_name`` (a path relative to the Modelfile).

    ``FROM ./{gguf_name}``, ``TEMPLATE`` (:func:`ollama_template`), ``SYSTEM`` (the trained
    system prompt), ``PARAMETER stop`` per end-of-turn marker (default: the layout's),
    ``PARAMETER temperature 0`` (greedy, as toolschool evaluates) and ``PARAMETER num_ctx``.
    ``property_orders`` as :func:`ollama_template`.

    Raises:
        ExportError: an unsupported format or layout, or a template or system prompt containing
            ``\"\"\"`` (the Modelfile's multi-line quote, which has no escape).
    """
    template = ollama_template(format_name, layout, property_orders)
    for what, text in (("template", template), ("system prompt", system_prompt)):
        if '"""' in text:
            raise ExportError(f'the {what} contains """, which an Ollama Modelfile cannot quote')
    lines = [
        f"# toolschool export: format {format_name}, layout {layout}.",
        "# ollama create NAME -f Modelfile; the calls come back as tool_calls (see README).",
        f"FROM ./{gguf_name}",
        f'TEMPLATE """{template}"""',
        f'SYSTEM """{system_prompt}"""',
    ]
    lines += [f"PARAMETER stop {json.dumps(stop)}" for stop in (stops or _STOPS.get(layout, ()))]
    lines += ["PARAMETER temperature 0", f"PARAMETER num_ctx {num_ctx}"]
    return "\n".join(lines) + "\n"
