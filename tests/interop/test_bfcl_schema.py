"""BFCL parameter types ⇄ JSON Schema (gorilla's GORILLA_TO_OPENAPI mapping)."""

from __future__ import annotations

import pytest

from toolschool.errors import DataError
from toolschool.interop.bfcl_schema import bfcl_to_json_schema, json_schema_to_bfcl

BFCL = {
    "type": "dict",
    "properties": {
        "ratio": {"type": "float", "description": "r"},
        "point": {"type": "tuple", "items": {"type": "integer"}},
        "options": {"type": "dict", "properties": {"deep": {"type": "boolean"}, "anything": {"type": "any"}}},
        "rows": {"type": "array", "items": {"type": "array", "items": {"type": "float"}}},
    },
    "required": ["ratio"],
}


def test_bfcl_types_map_recursively_and_other_keys_stay():
    schema = bfcl_to_json_schema(BFCL)
    assert schema == {
        "type": "object",
        "properties": {
            "ratio": {"type": "number", "description": "r"},
            "point": {"type": "array", "items": {"type": "integer"}},
            "options": {"type": "object",
                        "properties": {"deep": {"type": "boolean"}, "anything": {"type": "string"}}},
            "rows": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}},
        },
        "required": ["ratio"],
    }
    assert BFCL["properties"]["ratio"]["type"] == "float"  # input untouched


def test_back_to_bfcl_names_up_to_aliases():
    back = json_schema_to_bfcl(bfcl_to_json_schema(BFCL))
    assert back["type"] == "dict"
    assert back["properties"]["ratio"]["type"] == "float"
    assert back["properties"]["point"]["type"] == "array"  # tuple and array are the same to BFCL's checker
    anything = back["properties"]["options"]["properties"]["anything"]
    assert anything["type"] == "string"  # BFCL's checker treats any as str


def test_unknown_types_name_their_path():
    with pytest.raises(DataError, match=r"f:1: parameters.rows.items: type 'matrix' is not a BFCL type"):
        rows = {"type": "array", "items": {"type": "matrix"}}
        bfcl_to_json_schema({"type": "dict", "properties": {"rows": rows}}, "f:1: parameters")
    with pytest.raises(DataError, match="type 'null'"):
        json_schema_to_bfcl({"type": "object", "properties": {"x": {"type": "null"}}})
