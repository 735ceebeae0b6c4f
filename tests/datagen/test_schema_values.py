"""Slot values drawn from JSON Schema: every source, every value valid, clear errors."""

from __future__ import annotations

import datetime as dt
import random
import re

import jsonschema
import pytest

from toolschool.datagen.schema_values import ArgumentValues, argument_values, description_examples, name_words
from toolschool.errors import ConfigError


def _draws(schema: dict, n: int = 60, root: dict | None = None, **kw) -> list:
    values = ArgumentValues("tool.arg", schema, root or {}, **kw)
    rng = random.Random(0)
    out = [values.draw(rng) for _ in range(n)]
    defs = {"$defs": root["$defs"]} if root and "$defs" in root else {}
    for v in out:  # every value drawn satisfies the schema
        jsonschema.validate(v.value, {**schema, **defs})
    return out


def test_description_examples():
    assert description_examples("Target language, ISO 639-1 code, e.g. fr") == ["fr"]
    assert description_examples("Math expression, e.g. (3+4)*2^3 or 15% of 80") == ["(3+4)*2^3", "15% of 80"]
    assert description_examples("A colour (e.g. 'red', 'dark blue'). Required.") == ["red", "dark blue"]
    assert description_examples("Sizes such as S, M or L.") == ["S", "M", "L"]
    assert description_examples("A plain description.") == []
    assert name_words("fromCity") == ["from", "city"] and name_words("max_results") == ["max", "results"]


def test_enum_const_and_synonyms():
    drawn = _draws({"type": "string", "enum": ["USD", "EUR"]}, synonyms={"EUR": ["euros"]})
    assert {d.value for d in drawn} == {"USD", "EUR"}
    euros = [d for d in drawn if d.value == "EUR"]
    assert all(d.text == "euros" and d.witness == ("euros",) for d in euros)
    assert {d.value for d in _draws({"const": 7})} == {7}


def test_formats_bounds_and_types():
    dates = _draws({"type": "string", "format": "date"})
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d.value) for d in dates)
    assert any(d.text != d.value for d in dates)  # some are spelled like a person would
    assert all("@" in d.value for d in _draws({"type": "string", "format": "email"}))
    assert all(d.value.startswith("https://") for d in _draws({"type": "string", "format": "uri"}))
    ints = _draws({"type": "integer", "minimum": 15, "maximum": 240, "multipleOf": 15})
    assert len({d.value for d in ints}) > 5 and all(isinstance(d.value, int) for d in ints)
    small = _draws({"type": "integer"}, root={})
    assert all(1 <= d.value <= 100 for d in small)
    assert {d.text for d in _draws({"type": "boolean"})} == {"yes", "no"}
    wide = [d.value for d in _draws({"type": "number", "exclusiveMinimum": 0, "maximum": 100000}, n=200)]
    assert min(wide) < 100 and max(wide) > 1000  # every order of magnitude, not mostly five digits


def test_arrays_objects_refs_and_name_pools():
    arrays = _draws({"type": "array", "items": {"type": "string", "format": "email"}, "uniqueItems": True,
                     "maxItems": 2})
    assert all(1 <= len(d.value) <= 2 for d in arrays)
    assert any(" and " in d.text for d in arrays if len(d.value) == 2)
    root = {"$defs": {"Size": {"type": "string", "enum": ["S", "M"]}}}
    properties = {"size": {"$ref": "#/$defs/Size"}, "qty": {"type": "integer"}}
    objects = _draws({"type": "object", "properties": properties, "required": ["size"]}, root=root)
    assert all(set(d.value) == {"size"} for d in objects) and all(d.text.startswith("size ") for d in objects)
    nullable = _draws({"anyOf": [{"type": "null"}, {"type": "integer", "minimum": 3, "maximum": 3}]})
    assert {d.value for d in nullable} == {3}
    values = argument_values("book", {"type": "object", "properties": {"destination_city": {"type": "string"},
                                                                        "email": {"type": "string"}}})
    rng = random.Random(1)
    assert values["destination_city"].draw(rng).value[0].isupper()
    assert "@" in values["email"].draw(rng).value


def test_known_values_user_values_and_patterns():
    drawn = _draws({"type": "string", "description": "Ticker, e.g. AAPL or MSFT"}, n=80)
    assert {"AAPL", "MSFT"} <= {d.value for d in drawn}
    pattern = {"type": "string", "pattern": "^ORD-[0-9]{5}$"}
    assert {d.value for d in _draws(pattern, values=["ORD-00001", "ORD-00002"])} == {"ORD-00001", "ORD-00002"}
    with pytest.raises(ConfigError, match=r"tool\.arg: no value drawn .* give values for it"):
        ArgumentValues("tool.arg", {"type": "string", "pattern": "^Z{9}$"}, {}).draw(random.Random(0))
    with pytest.raises(ConfigError, match=r"values for unknown arguments \['colour'\]"):
        argument_values("t", {"type": "object", "properties": {"color": {"type": "string"}}},
                        {"colour": ["red"]})


def test_a_spelled_date_parses_back_to_its_value():
    from toolschool.datagen.dates import parse_date

    for d in _draws({"type": "string", "format": "date"}):
        assert parse_date(d.text) == dt.date.fromisoformat(d.value)
