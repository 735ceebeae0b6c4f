from typing import Annotated, Literal, Optional

import pytest

from toolschool.errors import ArgumentValidationError, RegistryError, SchemaError
from toolschool.tools import get_toolkit, tool, validate_arguments


@tool
def book_table(
    restaurant: str,
    people: int,
    time: Literal["lunch", "dinner"] = "dinner",
    notes: Optional[str] = None,
    tags: list[str] | None = None,
    budget: Annotated[float, "Max spend in EUR"] = 100.0,
) -> str:
    """Book a table at a restaurant.

    Args:
        restaurant: Name of the restaurant.
        people: How many guests.
        time: Which service.
        notes: Free-text wishes.
        tags: Labels.
    """
    return f"{restaurant}:{people}"


def test_schema_from_type_hints_and_docstring():
    fn = book_table.schema.function
    assert fn.name == "book_table"
    assert fn.description == "Book a table at a restaurant."
    props = fn.parameters["properties"]
    assert props["restaurant"] == {"type": "string", "description": "Name of the restaurant."}
    assert props["people"]["type"] == "integer"
    assert props["time"]["enum"] == ["lunch", "dinner"] and props["time"]["type"] == "string"
    assert props["time"]["default"] == "dinner"
    assert props["notes"]["type"] == "string"
    assert props["tags"] == {"type": "array", "items": {"type": "string"}, "description": "Labels."}
    assert props["budget"]["description"] == "Max spend in EUR" and props["budget"]["type"] == "number"
    assert fn.parameters["required"] == ["restaurant", "people"]


def test_validation_reports_each_problem_with_its_argument():
    problems = validate_arguments(book_table.schema, {"people": "two", "time": "brunch", "colour": "red"})
    text = "\n".join(problems)
    assert "'restaurant' is a required property" in text
    assert "people: 'two' is not of type 'integer'" in text
    assert "time: 'brunch' is not one of" in text
    assert "colour" in text  # unknown argument
    with pytest.raises(ArgumentValidationError, match="book_table"):
        book_table(people=2)
    assert book_table(restaurant="Noma", people=2) == "Noma:2"


def test_unsupported_signatures_fail_at_decoration():
    with pytest.raises(SchemaError, match="f.x: missing type hint"):
        @tool
        def f(x):  # noqa: ANN001
            return x

    with pytest.raises(SchemaError, match=r"g.kw: \*args"):
        @tool
        def g(**kw: int):
            return kw


EXPECTED_ASSISTANT = {
    "web_search": (["query"], ["query"]),
    "calculator": (["expression"], ["expression"]),
    "weather": (["location"], ["location"]),
    "wikipedia": (["query"], ["query"]),
    "datetime": (["action", "timezone", "date", "days"], ["action"]),
    "dictionary": (["word"], ["word"]),
    "translate": (["text", "to_lang"], ["text", "to_lang"]),
    "unit_converter": (["value", "from", "to"], ["value", "from", "to"]),
    "web_reader": (["url"], ["url"]),
}


def test_assistant_toolkit_has_exactly_the_agreed_tools():
    tools = {t.name: t for t in get_toolkit("assistant")}
    assert set(tools) == set(EXPECTED_ASSISTANT)
    for name, (props, required) in EXPECTED_ASSISTANT.items():
        assert list(tools[name].properties) == props, name
        assert tools[name].required == required, name
    assert tools["datetime"].properties["action"]["enum"] == ["now", "weekday", "add_days", "diff"]
    assert tools["unit_converter"].properties["value"]["type"] == "number"
    assert tools["datetime"].properties["days"]["type"] == "integer"
    assert validate_arguments(tools["unit_converter"], {"value": 5, "from": "km", "to": "mi"}) == []
    assert validate_arguments(tools["datetime"], {"action": "yesterday"})


def test_unknown_toolkit_lists_known_ones():
    with pytest.raises(RegistryError, match="known: assistant"):
        get_toolkit("nope")
