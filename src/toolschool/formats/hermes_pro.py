"""Hermes 2 Pro / Hermes 3 tool use: Hermes calls, NousResearch's system prompt, ``tool`` turns.

Source: ``NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja`` in the workplace's
``shared/chat_templates`` (the Hermes 3 ``tool_use`` template is byte-identical). Calls,
results and parsing are those of :mod:`toolschool.formats.hermes` (the Qwen2.5 form), which
this format subclasses; what differs is what the Hermes 2 Pro template writes around them:

* calls (as ``hermes``): ``<tool_call>\\n{"name": "N", "arguments": tojson(args)}\\n</tool_call>``,
  several joined by ``"\\n"``. The template drops an assistant message's content when it has
  calls; :meth:`render_assistant` keeps it (content, newline, calls) so nothing is lost in
  other layouts, and :class:`toolschool.chat.layouts.HermesProLayout` drops it as the
  template does.
* results: ``<tool_response>\\n{content}\\n</tool_response>`` blocks joined by ``"\\n"`` (as
  ``hermes``), but in a ``tool`` turn (:attr:`result_role`), not a ``user`` one. The turn
  wrapping quirks (a ``"\\n"`` before ``<|im_end|>`` unless the results end the conversation,
  no ``"\\n"`` after it) belong to the layout.
* declarations (:meth:`render_tools`): ``<tools> `` + one line per tool, joined by ``"\\n"``,
  + `` </tools>``. A line is written by hand, not with ``tojson``, and is kept exactly so::

      {"type": "function", "function": {"name": "N", "description": "N(a: str, b: int) - DESC

          Args:
              a(str): first        b(int): second", "parameters": {...}}

  - the description is a Python-style signature, ``" - "``, the tool description, ``"\\n\\n"``
    and, if there are parameters, ``"    Args:\\n"`` and per parameter ``"        name(type): "``
    + its description trimmed — *with no newline between parameters*; name and descriptions
    are written raw (a ``"`` in them is not escaped);
  - ``"parameters"`` is ``tojson(parameters)``, or ``{}`` when there are no properties;
  - the outer object is never closed (one ``}`` for two ``{``);
  - types (the template's ``json_to_python_type`` macro): ``string``/``number``/``integer``/
    ``boolean`` → ``str``/``float``/``int``/``bool``; ``array`` → ``list[Union[]]`` (the macro
    passes ``spec|items``, a list of key/value pairs, where ``spec.items`` was meant, so the
    item type is lost); ``object`` → ``dict``, or ``dict[str, T]`` with ``additionalProperties``
    (``Union[]`` when that is a boolean); a list of types → ``Union[t1,t2]`` (comma, no space);
    no ``type`` at all (``anyOf``…) → ``Union[]``.
* the system prompt (:meth:`render_system`): the template's fixed text —
  ``You are a function calling AI model. … Here are the available tools: `` + the
  declarations + the pydantic ``FunctionCall`` JSON schema (with the template's extra ``}``)
  + the ``<tool_call>`` instructions — in a system turn of its own, *before* the
  conversation's system message, which the template writes as a second system turn. In one
  body (layouts with a single system turn, e.g. ChatML) the system text follows the fixed
  prompt after a blank line.

The template cannot render a conversation without tools (it iterates ``tools``, which is
``None``); with no tools :meth:`render_system` returns the system text unchanged.

Deliberate deviations: a type name the macro does not know (``"null"``, say in
``["string", "null"]``) makes the template recurse until Python's recursion limit (a string is
"iterable", so it loops on itself); it is written ``Any`` here, the macro's fallback. The
template's ``-> T`` / ``Returns:`` parts for a function ``return`` schema are not written:
:class:`~toolschool.types.ToolSchema` has no ``return``.
"""

from __future__ import annotations

from typing import Any

from toolschool.formats.hermes import HermesFormat
from toolschool.formats.json_object import tojson
from toolschool.types import ToolSchema

_INTRO = (
    "You are a function calling AI model. You are provided with function signatures within "
    "<tools></tools> XML tags. You may call one or more functions to assist with the user query. "
    "Don't make assumptions about what values to plug into functions. Here are the available tools: "
)
_INSTRUCTIONS = (
    "Use the following pydantic model json schema for each tool call you will make: "
    '{"properties": {"name": {"title": "Name", "type": "string"}, "arguments": {"title": "Arguments", '
    '"type": "object"}}, "required": ["name", "arguments"], "title": "FunctionCall", "type": "object"}}\n'
    "For each function call return a json object with function name and arguments within "
    "<tool_call></tool_call> XML tags as follows:\n"
    "<tool_call>\n"
    '{"name": <function-name>, "arguments": <args-dict>}\n'
    "</tool_call>"
)
_BASIC = {"string": "str", "number": "float", "integer": "int", "boolean": "bool"}


def python_type(spec: Any) -> str:
    """A JSON Schema as the template's ``json_to_python_type`` macro writes it (see the module
    docstring; an unknown type name is ``Any`` where the template recurses forever)."""
    if not isinstance(spec, dict) or "type" not in spec:
        return "Union[]"  # an undefined ``type`` is "iterable" (and empty) for Jinja
    kind = spec["type"]
    if isinstance(kind, str) and kind in _BASIC:
        return _BASIC[kind]
    if kind == "array":
        return "list[Union[]]"
    if kind == "object":
        if "additionalProperties" in spec:
            return "dict[str, " + python_type(spec["additionalProperties"]) + "]"
        return "dict"
    if isinstance(kind, (list, tuple, dict)):
        return "Union[" + ",".join(python_type({"type": t}) for t in kind) + "]"
    return "Any"


def _properties(tool: ToolSchema) -> dict[str, Any]:
    props = tool.function.parameters.get("properties")
    return props if isinstance(props, dict) else {}


def _description(spec: Any) -> str:
    """``param_fields.description|trim``: the text stripped, ``""`` when there is none."""
    if isinstance(spec, dict) and "description" in spec:
        return str(spec["description"]).strip()
    return ""


def render_declaration(tool: ToolSchema) -> str:
    """One tool's line in ``<tools>``, exactly as the template writes it (unclosed object)."""
    fn = tool.function
    props = _properties(tool)
    signature = ", ".join(f"{name}: {python_type(spec)}" for name, spec in props.items())
    args = "".join(
        f"        {name}({python_type(spec)}): {_description(spec)}" for name, spec in props.items()
    )
    description = f"{fn.name}({signature}) - {fn.description}\n\n" + ("    Args:\n" + args if props else "")
    parameters = tojson(fn.parameters) if props else "{}"
    return (
        f'{{"type": "function", "function": {{"name": "{fn.name}", '
        f'"description": "{description}", "parameters": {parameters}}}'
    )


class HermesProFormat(HermesFormat):
    """Hermes 2 Pro / Hermes 3 ``tool_use``: Hermes calls and parsing, NousResearch's prompt
    and declarations, results in a ``tool`` turn (see the module docstring)."""

    name = "hermes_pro"
    result_role = "tool"

    def render_tools(self, tools: list[ToolSchema]) -> str:
        """``<tools> `` + a :func:`render_declaration` line per tool, joined by ``"\\n"``, + `` </tools>``."""
        return "<tools> " + "\n".join(render_declaration(tool) for tool in tools) + " </tools>"

    def render_system(self, tools: list[ToolSchema], system: str) -> str:
        """The template's fixed system prompt with the declarations; ``system`` after a blank line.

        The official layout (``HermesProLayout``) calls this with ``system=""`` and writes
        the conversation's system message as a turn of its own, as the template does. With no
        tools, ``system`` unchanged.
        """
        if not tools:
            return system
        prompt = _INTRO + self.render_tools(tools) + _INSTRUCTIONS
        return prompt + "\n\n" + system if system else prompt
