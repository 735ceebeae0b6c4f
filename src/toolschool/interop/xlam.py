"""xLAM / APIGen function-calling data (``Salesforce/xlam-function-calling-60k``) ⇄ canonical.

The published format (dataset card of ``Salesforce/xlam-function-calling-60k``; APIGen,
Liu et al. 2024, arXiv:2406.18518): one record per request, every nested value a JSON string::

    {"id": 0,
     "query": "Where can I find live giveaways for beta access and games?",
     "tools": "[{\\"name\\": \\"live_giveaways_by_type\\", \\"description\\": \\"...\\",
                 \\"parameters\\": {\\"type\\": {\\"description\\": \\"...\\", \\"type\\": \\"str\\",
                                               \\"default\\": \\"game\\"}}}]",
     "answers": "[{\\"name\\": \\"live_giveaways_by_type\\",
                   \\"arguments\\": {\\"type\\": \\"beta\\"}}, ...]"}

* ``parameters`` maps each parameter straight to ``{description, type, default?}`` (no JSON
  Schema ``properties``/``required``), with Python-style type strings: ``str``, ``int``,
  ``float``, ``bool``, ``List[int]``, ``Dict[str, Any]``...; ``", optional"`` after the type
  marks a parameter that may be left out, every other one is required.
* ``answers`` are the calls of the one assistant turn, in order (parallel calls are several
  entries); ``[]`` means no call (the irrelevance records of APIGen-style sets).

A record becomes ``[user: query, assistant: calls]``; the writer takes exactly that shape and
refuses anything else (:class:`~toolschool.errors.UnrepresentableError`). Types map by
:func:`python_type_to_schema` / :func:`schema_to_python_type`; a type string it does not know
becomes an untyped (any-value) parameter, written back as ``Any``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from toolschool.errors import DataError, UnrepresentableError
from toolschool.interop.canonical import ConversationBuilder
from toolschool.interop.source import json_field, text_field
from toolschool.types import Conversation, FunctionSpec, ToolSchema

_SIMPLE = {
    "str": "string", "string": "string", "int": "integer", "integer": "integer", "float": "number",
    "number": "number", "bool": "boolean", "boolean": "boolean", "list": "array", "array": "array",
    "tuple": "array", "set": "array", "dict": "object", "object": "object",
}
_BACK = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
_GENERIC = re.compile(r"^(\w+)\[(.*)\]$")
_OPTIONAL = re.compile(r",\s*optional\s*$", re.IGNORECASE)


def python_type_to_schema(text: str) -> dict[str, Any]:
    """The JSON Schema of an xLAM type string (without its ``", optional"``).

    ``List[X]``/``Set[X]``/``Tuple[X]`` → array (items from ``X`` when there is one type),
    ``Dict[...]`` → object, ``Optional[X]`` → ``X``; ``Any``, ``Union[...]`` and unknown names
    → ``{}`` (any value). Names are case-insensitive.
    """
    text = text.strip()
    match = _GENERIC.match(text)
    if match:
        outer, inner = match.group(1).lower(), match.group(2).strip()
        if outer == "optional":
            return python_type_to_schema(inner)
        if outer in ("list", "set", "tuple", "sequence"):
            items = python_type_to_schema(inner) if "," not in inner else {}
            return {"type": "array", "items": items} if items else {"type": "array"}
        if outer in ("dict", "mapping"):
            return {"type": "object"}
        return {}
    kind = _SIMPLE.get(text.lower())
    return {"type": kind} if kind else {}


def schema_to_python_type(schema: dict[str, Any]) -> str:
    """The xLAM type string of a JSON Schema (the inverse of :func:`python_type_to_schema`)."""
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items")
        inner = schema_to_python_type(items) if isinstance(items, dict) and items.get("type") else ""
        return f"List[{inner}]" if inner else "List"
    if kind == "object":
        return "Dict[str, Any]"
    return _BACK.get(kind, "Any") if isinstance(kind, str) else "Any"


def _tool(raw: Any, where: str) -> ToolSchema:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
        raise DataError(f"{where}: each tool needs a 'name' string")
    where = f"{where}: tool {raw['name']!r}"
    params = raw.get("parameters") or {}
    if not isinstance(params, dict):
        raise DataError(f"{where}: 'parameters' must be an object of parameter name → {{type, description}}")
    if params.get("type") == "object" and isinstance(params.get("properties"), dict):  # already JSON Schema
        schema = params
    else:
        properties, required = {}, []
        for name, spec in params.items():
            if not isinstance(spec, dict):
                raise DataError(f"{where}: parameter {name!r} must be an object, got {type(spec).__name__}")
            prop = {k: v for k, v in spec.items() if k != "type"}
            kind = spec.get("type", "")
            if not isinstance(kind, str):
                raise DataError(f"{where}: parameter {name!r}: 'type' must be a string")
            if not _OPTIONAL.search(kind):
                required.append(name)
            properties[name] = {**python_type_to_schema(_OPTIONAL.sub("", kind)), **prop}
        schema = {"type": "object", "properties": properties, "required": required}
    description = raw.get("description") or ""
    if not isinstance(description, str):
        raise DataError(f"{where}: 'description' must be a string")
    return ToolSchema(function=FunctionSpec(name=raw["name"], description=description, parameters=schema))


def read_xlam(record: dict[str, Any], where: str) -> Conversation:
    """One xLAM record as a conversation ``[user, assistant]``; ``meta`` keeps ``id`` and
    ``source: "xlam"``.

    Raises:
        DataError: a missing or malformed field (``query``, ``tools``, ``answers``), named with
            ``where`` and the tool or answer index.
    """
    query = text_field(record, "query", where)
    tools = [_tool(t, where) for t in json_field(record, "tools", where, list, required=False)]
    calls = []
    for i, answer in enumerate(json_field(record, "answers", where, list, required=False)):
        if not isinstance(answer, dict) or not isinstance(answer.get("name"), str):
            raise DataError(f"{where}: answers[{i}] must be {{\"name\": ..., \"arguments\": {{...}}}}")
        arguments = answer.get("arguments") or {}
        if not isinstance(arguments, dict):
            raise DataError(f"{where}: answers[{i}].arguments must be an object")
        calls.append((answer["name"], arguments))
    builder = ConversationBuilder(where)
    builder.add("user", query)
    builder.calls(calls)
    meta: dict[str, Any] = {"source": "xlam"}
    if record.get("id") is not None:
        meta["id"] = str(record["id"])
    return builder.build(tools, meta)


def _xlam_tool(tool: ToolSchema) -> dict[str, Any]:
    required = set(tool.required)
    params = {}
    for name, prop in tool.properties.items():
        kind = schema_to_python_type(prop)
        rest = {k: v for k, v in prop.items() if k not in ("type", "items")}
        params[name] = {**rest, "type": kind if name in required else f"{kind}, optional"}
    return {"name": tool.name, "description": tool.function.description, "parameters": params}


def write_xlam(conversation: Conversation, index: int) -> dict[str, Any]:
    """The xLAM record of a ``[user, assistant]`` conversation (``id`` from ``meta`` or ``index``).

    Raises:
        UnrepresentableError: any other shape — a system message, several turns, tool results,
            or assistant text (xLAM holds the calls only).
    """
    ident = conversation.meta.get("id", index)
    roles = [m.role for m in conversation.messages]
    if roles != ["user", "assistant"]:
        raise UnrepresentableError(f"conversation {ident!r}: xLAM holds one user request and one assistant "
                                   f"turn of calls; this one has the turns {roles}")
    answer = conversation.messages[1]
    if answer.content.strip():
        raise UnrepresentableError(f"conversation {ident!r}: xLAM holds calls only; the answer has text")
    calls = [{"name": c.name, "arguments": c.arguments} for c in answer.tool_calls]
    return {
        "id": ident,
        "query": conversation.messages[0].content,
        "answers": json.dumps(calls, ensure_ascii=False),
        "tools": json.dumps([_xlam_tool(t) for t in conversation.tools], ensure_ascii=False),
    }
