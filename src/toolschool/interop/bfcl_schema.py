"""BFCL parameter types ⇄ JSON Schema types: one mapping for data conversion and evaluation.

BFCL function docs (``shared/bfcl/BFCL_SEMANTICS.md`` §2) are JSON-Schema-like with their own
type names: ``string``, ``integer``, ``float``, ``boolean``, ``array``, ``tuple``, ``dict``,
``any`` (live files also use ``number``, ``bool``, ``list``, ``object``). BFCL's own conversion
for function-calling models (gorilla ``bfcl_eval/model_handler/utils.py::convert_to_tool``,
``GORILLA_TO_OPENAPI``) maps ``dict``→``object``, ``float``→``number``, ``tuple``→``array`` and
``any``→``string``; :func:`bfcl_to_json_schema` applies exactly that type mapping, recursively
through ``items`` and ``properties`` (BFCL's own converter also appends a note to float
descriptions and the language hint to the function description; callers that want those
add them). :func:`json_schema_to_bfcl` is the way back (``object``→``dict``,
``number``→``float``), so a converted file is again a BFCL file; ``tuple`` and ``any`` come
back as ``array`` and ``string``, which BFCL's checker treats the same way.
"""

from __future__ import annotations

from typing import Any

from toolschool.errors import DataError

#: BFCL type name → JSON Schema type name (gorilla's ``GORILLA_TO_OPENAPI``, Python part).
BFCL_TO_JSON: dict[str, str] = {
    "string": "string",
    "integer": "integer",
    "float": "number",
    "number": "number",
    "boolean": "boolean",
    "bool": "boolean",
    "array": "array",
    "list": "array",
    "tuple": "array",
    "dict": "object",
    "object": "object",
    "any": "string",
}
#: JSON Schema type name → BFCL type name (the inverse used when writing BFCL files).
JSON_TO_BFCL: dict[str, str] = {
    "string": "string",
    "integer": "integer",
    "number": "float",
    "boolean": "boolean",
    "array": "array",
    "object": "dict",
}


def _convert(schema: Any, table: dict[str, str], where: str, source: str) -> Any:
    if not isinstance(schema, dict):
        raise DataError(f"{where}: a parameter schema must be an object, got {type(schema).__name__}")
    out = dict(schema)
    kind = schema.get("type")
    if kind is not None:
        if not isinstance(kind, str) or kind not in table:
            raise DataError(f"{where}: type {kind!r} is not a {source} type ({', '.join(sorted(table))})")
        out["type"] = table[kind]
    if "items" in schema:
        out["items"] = _convert(schema["items"], table, f"{where}.items", source)
    if isinstance(schema.get("properties"), dict):
        out["properties"] = {name: _convert(sub, table, f"{where}.{name}", source)
                             for name, sub in schema["properties"].items()}
    return out


def bfcl_to_json_schema(schema: dict[str, Any], where: str = "parameters") -> dict[str, Any]:
    """A BFCL parameter schema (or a whole ``parameters`` object) in JSON Schema types.

    Args:
        schema: ``{"type": "dict", "properties": {...}, "required": [...]}`` or one parameter's
            schema; not modified.
        where: a location for error messages (``"file:line: function f"``).

    Returns:
        A copy with every ``type`` mapped by :data:`BFCL_TO_JSON`, through ``items`` and
        ``properties``; other keys (``description``, ``enum``, ``default``...) kept as they are.

    Raises:
        DataError: a schema that is not an object, or a type BFCL does not define (named with
            its path, e.g. ``parameters.point.items``).
    """
    return _convert(schema, BFCL_TO_JSON, where, "BFCL")


def json_schema_to_bfcl(schema: dict[str, Any], where: str = "parameters") -> dict[str, Any]:
    """A JSON Schema parameter schema in BFCL types (:data:`JSON_TO_BFCL`); the inverse of
    :func:`bfcl_to_json_schema` up to BFCL's aliases.

    Raises:
        DataError: a schema that is not an object, or a type without a BFCL name (``null``,
            a list of types), named with its path.
    """
    return _convert(schema, JSON_TO_BFCL, where, "JSON Schema (BFCL-expressible)")
